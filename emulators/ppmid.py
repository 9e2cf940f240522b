# SPDX-License-Identifier: GPL-3.0-or-later
"""The GBCS application of a PPMID (Type 1 prepayment interface device), sans-I/O: it builds
the device-to-device commands a consumer triggers at the PPMID and checks the meter's answers.

* PCS01 (0x009B) Apply Prepayment Top Up: GBZ, ZCL Prepayment ConsumerTopUp with originating
  device ``02`` and the 20 ASCII digits of the UTRN (gbcs-protocol.md §2.5, Appendix B).
* PCS02 (0x0090) Activate Emergency Credit: GBZ, ZCL Prepayment
  SelectAvailableEmergencyCredit (issue time, originating device ``02``).

Both are non-critical commands (gbcs-protocol.md §3): originator = the PPMID, recipient = the
meter, counter = the PPMID's own originator counter (RTDS starts at 10000), empty signature
field, MAC'd with the two devices' KA keys — PPMID KA private × meter KA public, the same
shared secret the meter gets from its private key and the PPMID certificate
(gbcs-security.md §1.2 "device to device"; :func:`gfi.codecs.security.gbcs.mac_parties`).

The PPMID takes firmware over ZigBee OTA Upgrade from the Comms Hub, as the meters do
(emulators/events.py; image type ``IMAGE_TYPES["PPMID"]``). It has no CS06 to wait for: a
verified image is applied at once, and the PPMID reports the firmware version it now runs
with CS09 (0x012B, alert code 8F8B "Read Firmware version alert"; ASN.1 of the CS08 alert's
shape, gbcs-protocol.md §2.4): critical, so signed with the PPMID's own DS key and not MAC'd
(gbcs-security.md), to the supplier. The last INTEGER (``activate_image``, unnamed in the
sources) is 0 when the image was applied, 1 when it did not verify and the old firmware
still runs (inferred, as CS08's response code 0 success).

A response is accepted when it is addressed to this PPMID, is a response (CRA 2), carries a
valid MAC, echoes the counter of a command still outstanding with the same meter and message
code, and holds the expected Prepayment answer (gbcs-protocol.md §1.6). A failed check gives
a :class:`PpmidResult` naming it; only bad user input (a malformed UTRN, a bad entity id)
raises. What authentic answers say is kept in :attr:`Ppmid.display`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import re
from dataclasses import asdict, dataclass, fields
from typing import Any

from gfi.codecs.gbcs import build
from gfi.codecs.gbcs.catalogue import DeviceType
from gfi.codecs.gbcs.decoder import decode_message
from gfi.codecs.gbcs.message import Cra, GbcsFrame, decode_frame
from gfi.codecs.gbcs.utrn import decode_utrn
from gfi.codecs.security.gbcs import SecurityContext, Verdict
from gfi.codecs.security.keystore import InMemoryKeyStore, KeyUsage, normalise_entity
from gfi.codecs.zcl.types import is_success
from gfi.emulators.asn1_model import generalized_time
from gfi.emulators.device import Outgoing, device_keys, gbz_time
from gfi.emulators.events import (
    ReceivedImage,
    attach_ota_client,
)
from gfi.emulators.identity import DeviceIdentity
from gfi.emulators.node import Clock, Event, EventSink, Type1Node, utc_now
from gfi.errors import DecodeError, KeyStoreError, UsageError
from gfi.radio.base import Radio

PCS01 = 0x009B
PCS02 = 0x0090
CS09, READ_FIRMWARE_VERSION_ALERT = 0x012B, 0x8F8B
#: CS09 ``activate_image``: the image was applied / it did not verify (inferred).
IMAGE_APPLIED, IMAGE_REJECTED = 0, 1
PREPAYMENT_CLUSTER = 0x0705
CONSUMER_TOP_UP = 0x04
CONSUMER_TOP_UP_RESPONSE = 0x03
SELECT_AVAILABLE_EMERGENCY_CREDIT = 0x00
DEFAULT_RESPONSE = 0x0B
#: Originating device of a PPMID's top-up / emergency credit (gbcs-protocol.md §2.5).
ORIGINATING_DEVICE_PPMID = 0x02
#: First originator counter of a new PPMID (the RTDS PCS01/PCS02 commands use 10000).
FIRST_COUNTER = 10000
#: Unanswered commands remembered (the oldest is forgotten first).
MAX_PENDING = 16
#: ConsumerTopUpResponse result types that mean accepted (SE 1.4 Prepayment: accepted,
#: accepted with supply enabled / disabled / armed).
TOP_UP_ACCEPTED = frozenset({0x00, 0x10, 0x11, 0x12})
_UTRN_SEPARATORS = re.compile(r"[\s\-]")


class Failure(enum.Enum):
    """Which check of a meter's answer failed."""

    MALFORMED = "message does not decode"
    WRONG_RECIPIENT = "not addressed to this PPMID"
    NOT_A_RESPONSE = "not a response (CRA flag)"
    MAC_MISSING = "MAC missing"
    BAD_MAC = "MAC does not verify"
    UNEXPECTED_COUNTER = "counter does not echo an outstanding command"
    WRONG_ORIGINATOR = "not from the meter the command went to"
    WRONG_MESSAGE_CODE = "message code differs from the command's"
    UNEXPECTED_PAYLOAD = "payload is not the expected Prepayment answer"


@dataclass(frozen=True)
class PpmidResult:
    """What :meth:`Ppmid.receive` made of one message."""

    #: The answer is authentic and the meter accepted the command.
    accepted: bool
    verdict: str
    failure: Failure | None = None
    message_code: int | None = None
    counter: int | None = None
    meter: str | None = None
    #: ConsumerTopUpResponse (PCS01).
    result_type: int | None = None
    top_up_value: int | None = None
    source_of_top_up: int | None = None
    credit_remaining: int | None = None
    #: ZCL Default Response status (PCS02, or a meter refusing the command outright).
    status: str | int | None = None

    @property
    def authentic(self) -> bool:
        """Every check passed (the meter may still have refused the command)."""
        return self.failure is None


@dataclass
class PpmidDisplay:
    """What the PPMID shows: the last values authentic answers gave."""

    meter: str | None = None
    credit_remaining: int | None = None
    last_top_up_value: int | None = None
    last_top_up_result: int | None = None
    emergency_credit_selected: bool = False
    message: str = ""


class Ppmid:
    """A PPMID's GBCS side (see the module docstring)."""

    def __init__(self, identity: DeviceIdentity, *, trust: InMemoryKeyStore,
                 state: dict[str, Any] | None = None) -> None:
        if identity.device_type is not DeviceType.PPMID:
            raise UsageError(f"{identity.eui64} is a {identity.device_type.name}, not a PPMID")
        if identity.ka_key is None:
            raise UsageError(f"PPMID {identity.eui64} has no KA key pair to MAC commands with")
        self.identity = identity
        self.security = SecurityContext(device_keys(identity, trust))
        state = state or {}
        self.counter: int = int(state.get("counter", FIRST_COUNTER - 1))
        #: Outstanding commands by counter: {"message_code", "meter", "sent"}.
        self.pending: dict[int, dict[str, Any]] = {
            int(k): dict(v) for k, v in state.get("pending", {}).items()}
        known = {f.name for f in fields(PpmidDisplay)}
        self.display = PpmidDisplay(**{k: v for k, v in state.get("display", {}).items()
                                       if k in known})

    @property
    def eui64(self) -> str:
        return self.identity.eui64

    def state(self) -> dict[str, Any]:
        """JSON-serialisable state for persistence (pass back as ``state``)."""
        return {"counter": self.counter,
                "pending": {str(k): dict(v) for k, v in self.pending.items()},
                "display": asdict(self.display)}

    # -- commands -------------------------------------------------------------------------
    def top_up(self, utrn: str, *, meter: str, now: dt.datetime) -> bytes:
        """PCS01: apply the top-up ``utrn`` (20 digits; spaces and dashes ignored) on
        ``meter``. :class:`UsageError` when the UTRN is malformed."""
        text = check_utrn(utrn)
        return self._command(PCS01, meter, now, CONSUMER_TOP_UP, {
            "originating_device": ORIGINATING_DEVICE_PPMID,
            "top_up_code": text.encode("ascii").hex().upper()})

    def emergency_credit(self, *, meter: str, now: dt.datetime) -> bytes:
        """PCS02: ask ``meter`` to select its available emergency credit."""
        return self._command(PCS02, meter, now, SELECT_AVAILABLE_EMERGENCY_CREDIT, {
            "command_issue_date_time": gbz_time(now),
            "originating_device": ORIGINATING_DEVICE_PPMID})

    def _command(self, message_code: int, meter: str, now: dt.datetime, command_id: int,
                 payload: dict[str, Any]) -> bytes:
        target = _entity(meter, "meter")
        if not self.security.keys.keys(target, KeyUsage.KA):
            raise UsageError(f"the PPMID's trust store holds no KA certificate of meter "
                             f"{target}: cannot MAC a command for it")
        counter = self.counter + 1
        body = build.gbz_payload([(PREPAYMENT_CLUSTER, command_id, "cluster_specific",
                                   "client_to_server", payload)])
        frame = build.command(message_code, counter=counter, originator=self.eui64,
                              recipient=target, payload=body)
        data = build.protect(frame, self.security).to_bytes()
        self.counter = counter
        self.pending[counter] = {"message_code": message_code, "meter": target,
                                 "sent": gbz_time(now)}
        for stale in sorted(self.pending)[:-MAX_PENDING]:
            del self.pending[stale]
        return data

    # -- answers --------------------------------------------------------------------------
    def receive(self, data: bytes) -> PpmidResult:
        """Check one message from a meter; never raises for bad bytes."""
        dm = decode_message(data, security=self.security, source="meter")
        frame = dm.frame
        if not dm.ok or not isinstance(frame, GbcsFrame):
            return _failed(Failure.MALFORMED, str(dm.error or "not a GBCS frame"))
        where = {"message_code": frame.message_code, "counter": frame.counter,
                 "meter": frame.originator}
        if frame.recipient != self.eui64:
            return _failed(Failure.WRONG_RECIPIENT, frame.recipient, **where)
        if frame.cra is not Cra.RESPONSE:
            detail = frame.cra.label
            if frame.cra is Cra.ALERT and isinstance(dm.payload, dict) and \
                    "alert_code" in dm.payload:
                detail += f" {frame.message_code:04X}, alert code " \
                          f"{int(dm.payload['alert_code']):04X}"
            return _failed(Failure.NOT_A_RESPONSE, detail, **where)
        if frame.mac is None:
            return _failed(Failure.MAC_MISSING, "", **where)
        if dm.mac.verdict is not Verdict.VALID:
            return _failed(Failure.BAD_MAC, dm.mac.detail, **where)
        sent = self.pending.get(frame.counter)
        if sent is None:
            return _failed(Failure.UNEXPECTED_COUNTER, str(frame.counter), **where)
        if frame.originator != sent["meter"]:
            return _failed(Failure.WRONG_ORIGINATOR,
                           f"{frame.originator}, expected {sent['meter']}", **where)
        if frame.message_code != sent["message_code"]:
            return _failed(Failure.WRONG_MESSAGE_CODE,
                           f"{frame.message_code:04X}, expected {sent['message_code']:04X}",
                           **where)
        zcl = _single_prepayment_frame(dm.payload)
        if zcl is None:
            return _failed(Failure.UNEXPECTED_PAYLOAD, "not one Prepayment component", **where)
        result = self._interpret(frame.message_code, zcl, where)
        if result.failure is None:
            del self.pending[frame.counter]  # answered: a replayed answer no longer matches
            self._show(result)
        return result

    def _interpret(self, message_code: int, zcl: dict[str, Any],
                   where: dict[str, Any]) -> PpmidResult:
        command_id, payload = zcl.get("command_id"), zcl.get("payload") or {}
        if command_id == DEFAULT_RESPONSE and isinstance(payload, dict):
            status = payload.get("status")
            ok = message_code == PCS02 and is_success(status)
            return PpmidResult(ok, f"meter answered {status}", status=status, **where)
        if message_code == PCS01 and command_id == CONSUMER_TOP_UP_RESPONSE:
            try:
                result_type, value, source, credit = (int(payload[name]) for name in (
                    "result_type", "top_up_value", "source_of_top_up", "credit_remaining"))
            except (KeyError, TypeError, ValueError):
                return _failed(Failure.UNEXPECTED_PAYLOAD,
                               "incomplete ConsumerTopUpResponse", **where)
            ok = result_type in TOP_UP_ACCEPTED
            verdict = (f"top-up {'accepted' if ok else 'refused'} (result type "
                       f"0x{result_type:02X}, value {value}), credit remaining {credit}")
            return PpmidResult(ok, verdict, result_type=result_type, top_up_value=value,
                               source_of_top_up=source, credit_remaining=credit, **where)
        return _failed(Failure.UNEXPECTED_PAYLOAD,
                       f"ZCL command {command_id!r} in the answer to {message_code:04X}", **where)

    def _show(self, result: PpmidResult) -> None:
        d = self.display
        d.meter = result.meter
        d.message = result.verdict
        if result.credit_remaining is not None:
            d.credit_remaining = result.credit_remaining
        if result.result_type is not None:
            d.last_top_up_result = result.result_type
            d.last_top_up_value = result.top_up_value
        if result.message_code == PCS02 and result.accepted:
            d.emergency_credit_selected = True


def check_utrn(utrn: str) -> str:
    """The 20 digits of ``utrn`` (spaces and dashes dropped) when it is a well-formed UTRN
    with a matching check digit; :class:`UsageError` naming the problem otherwise."""
    if not isinstance(utrn, str):
        raise UsageError(f"a UTRN is a string of 20 digits, got {type(utrn).__name__}")
    text = _UTRN_SEPARATORS.sub("", utrn)
    try:
        decoded = decode_utrn(text)
    except DecodeError as exc:
        raise UsageError(f"malformed UTRN: {exc.message}") from None
    if not decoded.check_digit_ok:
        raise UsageError(f"malformed UTRN {text}: the check digit (last digit) does not match; "
                         "mistyped?")
    return text


def _entity(value: str, what: str) -> str:
    try:
        return normalise_entity(value)
    except (KeyStoreError, TypeError) as exc:
        raise UsageError(f"{what}: {exc}") from None


def _failed(failure: Failure, detail: str, **where: Any) -> PpmidResult:
    verdict = f"{failure.value}: {detail}" if detail else failure.value
    return PpmidResult(False, verdict, failure, **where)


def _single_prepayment_frame(payload: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ZCL frame of a GBZ payload with exactly one Prepayment component."""
    components = (payload or {}).get("components")
    if not isinstance(components, list) or len(components) != 1:
        return None
    component = components[0]
    if not isinstance(component, dict) or component.get("cluster_id") != PREPAYMENT_CLUSTER:
        return None
    frame = component.get("frame")
    return frame if isinstance(frame, dict) else None


# ----------------------------------------------------------------------------
# The PPMID on the HAN
# ----------------------------------------------------------------------------
class PpmidNode(Type1Node):
    """The PPMID as a HAN device: its GBCS tunnel carries the PCS01/PCS02 commands it sends
    (the Comms Hub routes them to the meter, through the GPF queue for the sleepy GSME) and
    the meter's answers back, and commands for the PPMID itself (CS08, ASN.1)."""

    def __init__(self, identity: DeviceIdentity, radio: Radio, *, hub: str,
                 trust: InMemoryKeyStore, acb: str, now: Clock = utc_now,
                 on_event: EventSink | None = None, state: dict[str, Any] | None = None,
                 name: str = "PPMID") -> None:
        state = state or {}
        super().__init__(name, identity, radio, hub=hub, trust=trust, acb=acb, now=now,
                         on_event=on_event, state=state)
        self.app = Ppmid(identity, trust=trust, state=state.get("app"))
        self._answers: dict[int, asyncio.Future[PpmidResult]] = {}
        self.ota = attach_ota_client(self, "PPMID", self.fetch_firmware)

    async def on_gbcs(self, message: bytes) -> None:
        try:
            frame = decode_frame(message)
        except DecodeError:
            frame = None
        if frame is not None and frame.cra is not Cra.COMMAND:
            result = self.app.receive(message)
            self.on_event(Event("ppmid", f"{self.name}: {result.verdict}",
                                {"device": self.name, "accepted": result.accepted}))
            waiter = self._answers.pop(frame.counter, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(result)
            return
        await super().on_gbcs(message)

    async def _exchange(self, data: bytes, what: str, timeout: float) -> PpmidResult:
        counter = self.app.counter
        waiter: asyncio.Future[PpmidResult] = asyncio.get_running_loop().create_future()
        self._answers[counter] = waiter
        await self.send_gbcs([data])
        try:
            return await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            raise TimeoutError(f"{self.name}: no answer to {what} (counter {counter}) within "
                               f"{timeout:g} s") from None
        finally:
            self._answers.pop(counter, None)

    async def top_up(self, utrn: str, *, meter: str, timeout: float = 10.0) -> PpmidResult:
        """The consumer keys in ``utrn``: PCS01 to ``meter``; its verified answer."""
        data = self.app.top_up(utrn, meter=meter, now=self.now())
        return await self._exchange(data, "PCS01 top-up", timeout)

    async def emergency_credit(self, *, meter: str, timeout: float = 10.0) -> PpmidResult:
        """The consumer asks for emergency credit: PCS02 to ``meter``."""
        data = self.app.emergency_credit(meter=meter, now=self.now())
        return await self._exchange(data, "PCS02 emergency credit", timeout)

    # -- firmware ---------------------------------------------------------------------------
    async def fetch_firmware(self) -> None:
        """Download the image the Comms Hub offers, apply it when it verifies and report
        the firmware version now running (CS09)."""
        image = await self.ota.download()
        if image is None:
            return
        if image.verified:
            self.asn1.firmware_version = image.version
        self.on_event(Event("firmware", f"{self.name}: image {image.version} "
                                        f"{'applied' if image.verified else 'rejected'}",
                            {"device": self.name, "version": image.version}))
        await self.send_gbcs([self.firmware_version_alert(image).data])

    def firmware_version_alert(self, image: ReceivedImage) -> Outgoing:
        """CS09 (module docstring) after ``image`` was received."""
        assert self.gbcs is not None
        now = self.now()
        return self.gbcs.alert(CS09, {
            "schema": "CS09.alert", "alert_code": READ_FIRMWARE_VERSION_ALERT,
            "execution_date_time": generalized_time(now),
            "firmware_version": self.asn1.firmware_version,
            "activate_image": IMAGE_APPLIED if image.verified else IMAGE_REJECTED}, now,
            summary=f"CS09 firmware version {self.asn1.firmware_version}")

    def state(self) -> dict[str, Any]:
        return super().state() | {"app": self.app.state()}
