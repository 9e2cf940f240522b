# SPDX-License-Identifier: GPL-3.0-or-later
"""The GBCS side of a Type 1 device, sans-I/O: check every command, run it on the device's
application model, and answer with a signed or MAC'd response and alerts.

Theory of operation (gbcs-security.md §1, gbcs-protocol.md §1.6):

1. Decode the frame. A command not addressed to this device, not a command, or one that does
   not decode is rejected.
2. Check it: the originator must be a remote party the device trusts (its certificates are
   in the device's trust store); the MAC must verify (ACB KA × device KA) unless the message
   code's criticality is "signed, no MAC"; a critical command must carry a valid signature
   by the originator's DS key; the originator counter must be greater than the last one
   accepted from that originator (replay protection).
3. A rejected command changes nothing. The device answers with a Generic Critical Alert
   (0x1000) to the originator naming the failure — see :data:`REJECTION_ALERT_CODES` —
   so a rejection is never silent.
4. An accepted command goes to the model of its payload family (COSEM for DLMS, ZSE for
   GBZ, the device's ASN.1 handlers). A message code the device does not implement gets the
   family's "unsupported" answer: DLMS result object-undefined (4) per request spec, ZCL
   Default Response UNSUP_CLUSTER_COMMAND (0x81) per component, or the generic alert.
5. The response echoes the command's counter and other-information with the entity ids
   swapped; it is signed by the device when the command was signed, else MAC'd with the
   device KA and the requester's KA key. Sensitive data is encrypted for the requester (or
   the supplementary remote party).
6. Alerts carry the device's own alert counter; critical alerts are signed, others MAC'd.
"""

from __future__ import annotations

import copy
import datetime as dt
import enum
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from gfi.codecs.gbcs.catalogue import (
    ALERT_MESSAGE_CODE_CRITICALITY,
    Criticality,
    PayloadFamily,
    lookup,
)
from gfi.codecs.gbcs.decoder import DecodedMessage, decode_message, encode_payload
from gfi.codecs.gbcs.message import Cra, DlmsDateTime, GbcsFrame, OtherInformation
from gfi.codecs.security.gbcs import SecurityContext, Verdict, encrypt_block, secure
from gfi.codecs.security.keystore import InMemoryKeyStore, KeyEntry, KeyUsage, parse_key_material
from gfi.codecs.zcl.frame import frame_control_fields
from gfi.emulators.identity import DeviceIdentity
from gfi.emulators.model import FutureDatedExecution, HandleContext, HandleResult
from gfi.errors import GfiError

logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
GENERIC_CRITICAL_ALERT = 0x1000
GENERIC_NON_CRITICAL_ALERT = 0x1001
FUTURE_DATED_DLMS_ALERT = 0x00CC
FUTURE_DATED_GBZ_ALERT = 0x00CD
ALERT_FUTURE_DATED_SUCCESS = 0x8F66
ALERT_FUTURE_DATED_FAILURE = 0x8F67
#: First alert counter of a new device (RTDS devices count alerts from 2000).
FIRST_ALERT_COUNTER = 2000

#: Responses whose grouping header carries a date-time (gbcs-protocol.md §1.4).
DATED_RESPONSE_CODES = frozenset({
    0x0007, 0x0012, 0x0019, 0x001A, 0x001B, 0x001F, 0x0026, 0x0027, 0x0028, 0x0029, 0x002A,
    0x002B, 0x002C, 0x002D, 0x0039, 0x0043, 0x0054, 0x006B, 0x006C, 0x006D, 0x006F, 0x0074,
    0x0075, 0x0097, 0x00A2, 0x00A3, 0x00B6, 0x00B7, 0x00B8, 0x00BC, 0x00C7, 0x00DE, 0x0102,
    0x0103, 0x0104, 0x0105, 0x0106, 0x0107, 0x0108, 0x0109, 0x011A, 0x0125, 0x0126, 0x012A,
})
#: Responses signed although their command is not: CS02b accessControlBrokerByACB, a MAC-only
#: command with a signed response (gbcs-protocol.md §1.1, §7 item 10).
SIGNED_RESPONSE_CODES = frozenset({0x0104})


class Rejection(enum.Enum):
    """Why a command was refused."""

    MALFORMED = "command does not decode"
    NOT_A_COMMAND = "not a command (CRA flag)"
    WRONG_RECIPIENT = "addressed to another device"
    UNKNOWN_ORIGINATOR = "originator is not a trusted remote party"
    MAC_MISSING = "MAC missing"
    BAD_MAC = "MAC does not verify"
    SIGNATURE_MISSING = "critical command without signature"
    BAD_SIGNATURE = "signature does not verify"
    REPLAYED_COUNTER = "originator counter not greater than the last accepted"


#: Alert code sent in a Generic Critical Alert for each rejection (gbcs-protocol.md §4.2):
#: 8F1E integrity/format failure, 8F30 source without authority, 8F53 failed authentication.
#: gfi's reading of the alert table; GBCS §7 and §16 are the reference.
#: Alert code of the generic alert for a command the device does not implement where its
#: payload family has no "unsupported" answer: "integrity check of content or format of
#: command failed" (gbcs-protocol.md §4.2).
UNSUPPORTED_ALERT_CODE = 0x8F1E

REJECTION_ALERT_CODES: dict[Rejection, int] = {
    Rejection.MALFORMED: 0x8F1E,
    Rejection.NOT_A_COMMAND: 0x8F1E,
    Rejection.WRONG_RECIPIENT: 0x8F1E,
    Rejection.UNKNOWN_ORIGINATOR: 0x8F30,
    Rejection.MAC_MISSING: 0x8F53,
    Rejection.BAD_MAC: 0x8F53,
    Rejection.SIGNATURE_MISSING: 0x8F53,
    Rejection.BAD_SIGNATURE: 0x8F53,
    Rejection.REPLAYED_COUNTER: 0x8F53,
}


class ApplicationModel(Protocol):
    """A device's application model for one payload family (emulators/model.py)."""

    def handle(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult: ...

    def tick(self, now: dt.datetime) -> list[FutureDatedExecution]: ...

    def state(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Outgoing:
    """A message the device sends, with what it is."""

    data: bytes
    kind: str  # "response" | "alert"
    message_code: int
    recipient: str
    summary: str


#: A source of the device's own event alerts, asked whenever time moves on (billing pushes,
#: self-checks, load controls): (device, now) → alerts.
AlertSource = Callable[["GbcsDevice", dt.datetime], list[Outgoing]]


@dataclass
class Outcome:
    """What processing one command gave."""

    accepted: bool
    rejection: Rejection | None = None
    detail: str = ""
    messages: list[Outgoing] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class HardwareFault:
    """Makes a device fail its next command (of ``message_code``, or any) the way RTDS
    ERROR scenarios show a device failing: the requests before ``at`` (DLMS request specs,
    GBZ components) are executed, request ``at`` fails — DLMS result 1 hardware-fault, ZCL
    HARDWARE_FAILURE, ASN.1 ``asn1_response_code`` — and the ones after it are not executed
    (DLMS 250 other-reason, ZCL FAILURE). A test harness injects it to run an ERROR
    variant against an emulated device."""

    at: int = 0
    message_code: int | None = None
    asn1_response_code: int = 1
    #: ZCL status of the failing component and of the ones after it (a NOT_FOUND scenario:
    #: the device holds no such data).
    status: str = "hardware_failure"
    then: str = "failure"
    #: A failing Read Attributes answers per attribute: these record statuses in order
    #: (e.g. ``("success", "hardware_failure")``); empty: a Default Response.
    records: tuple[str, ...] = ()


def _result_choice(spec: dict[str, Any]) -> str:
    """The access-response result choice answering a request spec (get, set, action)."""
    choice = str(spec.get("choice", "get"))
    return "get" if choice.startswith("get") else "set" if choice.startswith("set") else \
        "action"


def default_response_component(component: dict[str, Any], status: str) -> dict[str, Any]:
    """A GBZ response component: ZCL Default Response ``status`` to ``component``."""
    frame = component.get("frame", {})
    return {
        "control": {"last_component": False, "encrypted": False,
                    "from_date_time_present": False, "reserved": 0},
        "cluster_id": component.get("cluster_id", 0), "from_date_time": None,
        "frame": {"frame_control": {
            "frame_type": "profile_wide", "manufacturer_specific": False,
            "direction": "server_to_client", "disable_default_response": True,
            "reserved": 0},
            "manufacturer_code": None,
            "sequence_number": frame.get("sequence_number", 0),
            "command_id": 0x0B,
            "payload": {"command_id": frame.get("command_id", 0), "status": status}},
    }


def dlms_date_time(now: dt.datetime, clock_status: int = 0x00) -> DlmsDateTime:
    """A DLMS date-time for ``now`` in UTC, deviation unspecified (gbcs-protocol.md §1.4)."""
    now = now.astimezone(dt.UTC)
    return DlmsDateTime(now.year, now.month, now.day, now.isoweekday(), now.hour, now.minute,
                        now.second, now.microsecond // 10000, -32768, clock_status)


def dlms_stamp(now: dt.datetime) -> dict[str, Any]:
    """``now`` as the octet-string DLMS date-time item of an alert (gbcs-protocol.md §2.2)."""
    return {"type": "octet-string", "value": dlms_date_time(now).to_bytes().hex().upper()}


def gbz_time(now: dt.datetime) -> int:
    """Seconds since 2000-01-01 00:00:00 UTC (ZigBee UTCTime, gbcs-protocol.md §2.3)."""
    return int((now - dt.datetime(2000, 1, 1, tzinfo=dt.UTC)).total_seconds())


class ObservedModel:
    """An application model whose every handled command is shown to ``observer`` (request,
    result, context) afterwards; everything else is the model's own."""

    def __init__(self, model: ApplicationModel,
                 observer: Callable[[Mapping[str, Any], HandleResult, HandleContext], None]
                 ) -> None:
        self.model = model
        self.observer = observer

    def handle(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        result = self.model.handle(request, ctx)
        self.observer(request, result, ctx)
        return result

    def tick(self, now: dt.datetime) -> list[FutureDatedExecution]:
        return self.model.tick(now)

    def state(self) -> dict[str, Any]:
        return self.model.state()

    def __getattr__(self, name: str) -> Any:
        if name == "model":  # not yet set (copying)
            raise AttributeError(name)
        return getattr(self.model, name)


def device_keys(identity: DeviceIdentity, trust: InMemoryKeyStore) -> InMemoryKeyStore:
    """A device's key store: a copy of what it trusts, with its own key pairs."""
    keys = InMemoryKeyStore()
    keys.merge(trust)
    identity.publish(keys, private=True)
    return keys


class GbcsDevice:
    """One device's GBCS processing (see the module docstring)."""

    def __init__(self, identity: DeviceIdentity, *, trust: InMemoryKeyStore,
                 acb: str, models: dict[PayloadFamily, ApplicationModel],
                 state: dict[str, Any] | None = None,
                 alert_recipient: str = "90B3D51F30010000") -> None:
        self.identity = identity
        self.models = models
        self.alert_recipient = alert_recipient
        self.security = SecurityContext(device_keys(identity, trust), acb=acb)
        state = state or {}
        self.last_counters: dict[str, int] = dict(state.get("last_counters", {}))
        self.alert_counter: int = int(state.get("alert_counter", FIRST_ALERT_COUNTER))
        self.pending_alerts: list[str] = []
        #: faults injected by a test harness, used up by the commands they match
        self.faults: list[HardwareFault] = []
        #: the device's own events, asked after the future-dated executions on every tick
        self.sources: list[AlertSource] = []
        for model in models.values():  # a model acting on the device's trust (CS02b: ASN.1)
            bind = getattr(model, "bind", None)
            if bind is not None:
                bind(self)

    @property
    def eui64(self) -> str:
        return self.identity.eui64

    def replace_trusted_key(self, old: KeyEntry | None, new: KeyEntry) -> KeyEntry:
        """Trust ``new`` instead of ``old`` (a trust anchor replaced by CS02b/CS02g,
        gbcs-protocol.md §2.4): commands are checked with the new key from now on and no
        longer with the old one. The entry as the device's key store holds it."""
        current = self.security.keys
        assert isinstance(current, InMemoryKeyStore)
        keys = InMemoryKeyStore(e for e in current if e is not old)
        held = keys.add(new)
        self.security = SecurityContext(keys, acb=self.security.acb)
        return held

    def state(self) -> dict[str, Any]:
        return {"last_counters": dict(self.last_counters), "alert_counter": self.alert_counter}

    # -- checks ---------------------------------------------------------------------------
    def check(self, dm: DecodedMessage) -> tuple[Rejection | None, str]:
        frame = dm.frame
        if not dm.ok or not isinstance(frame, GbcsFrame):
            return Rejection.MALFORMED, str(dm.error)
        if frame.cra is not Cra.COMMAND:
            return Rejection.NOT_A_COMMAND, frame.cra.label
        if frame.recipient != self.eui64:
            return Rejection.WRONG_RECIPIENT, frame.recipient
        keys = self.security.keys
        if not (keys.keys(frame.originator, KeyUsage.DS) or
                keys.keys(frame.originator, KeyUsage.KA)):
            return Rejection.UNKNOWN_ORIGINATOR, frame.originator
        info = lookup(frame.message_code)
        criticality = info.criticality if info else Criticality.NON_CRITICAL
        if criticality is not Criticality.CRITICAL_NO_MAC and not (
                criticality is Criticality.MIXED and frame.signature):
            if frame.mac is None:
                return Rejection.MAC_MISSING, ""
            if dm.mac.verdict is not Verdict.VALID:
                return Rejection.BAD_MAC, dm.mac.detail
        if criticality in (Criticality.CRITICAL, Criticality.CRITICAL_NO_MAC) and \
                not frame.signature:
            return Rejection.SIGNATURE_MISSING, ""
        if frame.signature and dm.signature.verdict is not Verdict.VALID:
            return Rejection.BAD_SIGNATURE, dm.signature.detail
        certificate = frame.other_information.certificate
        if certificate:
            try:
                parse_key_material(certificate, what="URP certificate")
            except GfiError as exc:
                return Rejection.MALFORMED, f"URP certificate: {exc}"
        last = self.last_counters.get(frame.originator)
        if last is not None and frame.counter <= last:
            return Rejection.REPLAYED_COUNTER, f"{frame.counter} ≤ {last}"
        return None, ""

    # -- processing -----------------------------------------------------------------------
    def process(self, data: bytes, now: dt.datetime) -> Outcome:
        """Check and execute one command; the response and alerts to send."""
        dm = decode_message(data, security=self.security)
        rejection, detail = self.check(dm)
        frame = dm.frame
        if rejection is not None:
            logger.info("%s rejects a command: %s %s", self.eui64, rejection.value, detail)
            outcome = Outcome(False, rejection, detail)
            to = frame.originator if isinstance(frame, GbcsFrame) else self.alert_recipient
            if rejection is not Rejection.NOT_A_COMMAND:
                outcome.messages.append(self.generic_alert(
                    REJECTION_ALERT_CODES[rejection], now, recipient=to,
                    summary=f"rejected: {rejection.value}"))
            return outcome
        assert isinstance(frame, GbcsFrame) and dm.family is not None
        self.last_counters[frame.originator] = frame.counter
        outcome = Outcome(True)
        draft = self._response_frame(frame, b"", now)
        ctx = HandleContext(
            now=now, message_code=frame.message_code, requester=frame.originator,
            requester_role=self._role(frame.originator), counter=frame.counter,
            encrypt=self._encryptor(draft, frame), device=self.eui64,
            supplementary_remote_party=draft.other_information.supplementary_remote_party_id,
            supplementary_originator_counter=(
                draft.other_information.supplementary_originator_counter),
            supplementary_remote_party_counter=(
                draft.other_information.supplementary_remote_party_counter))
        model = self.models.get(dm.family)
        try:
            if model is None or dm.payload is None:
                result = self.unsupported(dm)  # an injected fault waits for a real command
            elif (fault := self._take_fault(frame.message_code)) is not None:
                result = self._fail(dm.family, dm.payload, model, ctx, fault)
            else:
                result = model.handle(dm.payload, ctx)
        except UnsupportedCommand as exc:
            # no "unsupported" answer in the payload family (ASN.1): the generic alert
            logger.info("%s: %s", self.eui64, exc)
            outcome = Outcome(False, None, str(exc))
            outcome.messages.append(self.generic_alert(
                UNSUPPORTED_ALERT_CODE, now, recipient=frame.originator,
                summary=f"unsupported: {exc}"))
            return outcome
        outcome.changes = list(result.changes)
        response = self._secure_response(frame, draft.with_changes(
            payload=encode_payload(dm.family, result.response)))
        outcome.messages.append(Outgoing(
            response.to_bytes(), "response", frame.message_code, frame.originator,
            f"response to {frame.message_code:04X}"))
        for code, tree in result.alerts:
            outcome.messages.append(self.alert(code, tree, now))
        return outcome

    def inject(self, fault: HardwareFault) -> None:
        """Fail a coming command as ``fault`` says (test harnesses only)."""
        self.faults.append(fault)

    def _take_fault(self, message_code: int) -> HardwareFault | None:
        for fault in self.faults:
            if fault.message_code in (None, message_code):
                self.faults.remove(fault)
                return fault
        return None

    def _fail(self, family: PayloadFamily, payload: dict[str, Any], model: ApplicationModel,
              ctx: HandleContext, fault: HardwareFault) -> HandleResult:
        """Run the requests before ``fault.at``; fail the rest (see HardwareFault)."""
        if family is PayloadFamily.DLMS:
            specs = payload.get("specs", [])
            at = min(fault.at, len(specs))
            head = {**payload, "specs": specs[:at]}
            if "data" in payload:
                head["data"] = payload["data"][:at]
            done = model.handle(head, ctx) if at else HandleResult({
                "apdu": "access-response", "invoke_id": payload.get("invoke_id", 0),
                "date_time": "", "data": [], "results": []})
            response = dict(done.response)
            response["results"] = list(response.get("results", [])) + [
                {"choice": _result_choice(spec), "result": 1 if i == at else 250}
                for i, spec in enumerate(specs[at:], start=at)]
            response["data"] = list(response.get("data", [])) + [
                {"type": "null-data"} for _ in specs[at:]]
            return HandleResult(response, changes=[*done.changes,
                                                   f"hardware fault at request {at}"],
                                alerts=list(done.alerts))
        if family is PayloadFamily.GBZ:
            components = payload.get("components", [])
            at = min(fault.at, len(components))
            done = model.handle({**payload, "components": components[:at]}, ctx) if at \
                else HandleResult({"components": []})
            out = [dict(c) for c in done.response.get("components", [])]
            for i, c in enumerate(components[at:], start=at):
                read = (c.get("frame") or {}).get("command_id") == 0 and \
                    (c.get("frame") or {}).get("frame_control", {}).get("frame_type") == \
                    "profile_wide"
                if i == at and fault.records and read:
                    out += self._failed_read(model, payload, c, ctx, fault.records)
                else:
                    out.append(default_response_component(
                        c, fault.status if i == at else fault.then))
            for c in out:
                c["control"] = {**c["control"], "last_component": False}
            if out:
                out[-1]["control"]["last_component"] = True
            return HandleResult({**done.response, "components": out},
                                changes=[*done.changes, f"hardware fault at component {at}"],
                                alerts=list(done.alerts))
        fail = getattr(model, "fail", None)
        if fail is not None:  # the model's own error form (ASN.1: gbcs-protocol.md §2.4)
            failed: HandleResult = fail(payload, ctx, fault.asn1_response_code, fault.at)
            return failed
        scratch = copy.deepcopy(model)  # what it would answer, without doing it
        done = scratch.handle(payload, ctx)
        response = dict(done.response)
        if "response_code" in response:
            response["response_code"] = fault.asn1_response_code
        return HandleResult(response, changes=["hardware fault"])

    @staticmethod
    def _failed_read(model: ApplicationModel, payload: dict[str, Any],
                     component: dict[str, Any], ctx: HandleContext,
                     statuses: tuple[str, ...]) -> list[dict[str, Any]]:
        """A Read Attributes whose records fail as ``statuses`` say (the others read)."""
        answer = model.handle({**payload, "components": [component]}, ctx)
        replies = [dict(c) for c in answer.response.get("components", [])]
        for reply in replies:
            records = ((reply.get("frame") or {}).get("payload") or {}).get("records", [])
            for record, status in zip(records, statuses, strict=False):
                if status != "success":
                    record.update(status=status, data_type=None, value=None)
        return replies

    def unsupported(self, dm: DecodedMessage) -> HandleResult:
        """The family's "unsupported" answer (module docstring, step 4)."""
        payload = dm.payload or {}
        if dm.family is PayloadFamily.DLMS and payload.get("apdu") == "access-request":
            specs = payload.get("specs", [])
            return HandleResult({
                "apdu": "access-response", "invoke_id": payload.get("invoke_id", 0),
                "date_time": "", "data": [{"type": "null-data"} for _ in specs],
                "results": [{"choice": s.get("choice", "get"), "result": 4} for s in specs],
            }, changes=["unsupported: object-undefined"])
        if dm.family is PayloadFamily.GBZ:
            components = payload.get("components", [])
            out = [default_response_component(c, "unsup_cluster_command") for c in components]
            if out:
                out[-1]["control"]["last_component"] = True
            return HandleResult({"components": out}, changes=["unsupported: 0x81"])
        raise UnsupportedCommand(dm.frame.message_code if dm.frame else 0)

    def tick(self, now: dt.datetime) -> list[Outgoing]:
        """Run what is due in the models; alerts for future-dated executions, then those of
        the device's own events (:attr:`sources`)."""
        out = []
        for family, model in self.models.items():
            for execution in model.tick(now):
                out.append(self.future_dated_alert(family, execution, now))
        for source in self.sources:
            out.extend(source(self, now))
        return out

    # -- building -------------------------------------------------------------------------
    def _role(self, entity: str) -> int:
        for usage in (KeyUsage.DS, KeyUsage.KA):
            for entry in self.security.keys.keys(entity, usage):
                if entry.role is not None:
                    return entry.role
        return 127

    def _response_frame(self, command: GbcsFrame, payload: bytes,
                        now: dt.datetime) -> GbcsFrame:
        oi = command.other_information
        if oi.certificate is not None:  # URP: drop the certificate, add our own counter
            self.alert_counter += 1
            oi = OtherInformation(oi.message_code, oi.supplementary_remote_party_id,
                                  oi.supplementary_remote_party_counter, self.alert_counter)
        return GbcsFrame(
            cra=Cra.RESPONSE, counter=command.counter, originator=self.eui64,
            recipient=command.originator, other_information=oi, payload=payload,
            date_time=dlms_date_time(now) if command.message_code in DATED_RESPONSE_CODES
            else None)

    def _secure_response(self, command: GbcsFrame, response: GbcsFrame) -> GbcsFrame:
        signed = bool(command.signature) or command.message_code in SIGNED_RESPONSE_CODES
        return secure(response, self.security, sign=signed, mac=not signed)

    def _encryptor(self, draft: GbcsFrame, command: GbcsFrame | None = None
                   ) -> Callable[[bytes], tuple[bytes, bytes]]:
        security = self.security
        oi = command.other_information if command is not None else None
        if oi is not None and oi.certificate and oi.supplementary_remote_party_id:
            # URP: sensitive data is encrypted for the supplementary remote party with the
            # key-agreement certificate the command carries (gbcs-protocol.md §1.4, ECS21b /
            # GCS16b / GCS61; product.md §4.7)
            keys = InMemoryKeyStore()
            keys.merge(self.security.keys)
            urp = keys.add_pem(oi.supplementary_remote_party_id, KeyUsage.KA, oi.certificate,
                               label="URP certificate")
            logger.debug("%s encrypts for URP %s", self.eui64, urp.entity)
            security = SecurityContext(keys, acb=self.security.acb)

        def encrypt(plaintext: bytes) -> tuple[bytes, bytes]:
            return encrypt_block(draft, security, plaintext)

        return encrypt

    def alert(self, message_code: int, payload_tree: dict[str, Any], now: dt.datetime, *,
              recipient: str | None = None, summary: str = "",
              other_information: OtherInformation | None = None) -> Outgoing:
        """A device alert with the next alert counter; critical alerts signed, others MAC'd.
        ``other_information``: with supplementary remote party fields (gbcs-protocol.md
        §1.4: ECS100, ECS200); by default just the message code."""
        oi = other_information or OtherInformation(message_code)
        if oi.message_code != message_code:
            raise ValueError(f"other-information names {oi.message_code:04X}, not the "
                             f"alert's {message_code:04X}")
        self.alert_counter += 1
        family = _family_of(payload_tree)
        frame = GbcsFrame(Cra.ALERT, self.alert_counter, self.eui64,
                          recipient or self.alert_recipient, oi,
                          encode_payload(family, payload_tree))
        criticality = ALERT_MESSAGE_CODE_CRITICALITY.get(message_code,
                                                         Criticality.ALERT_CRITICAL)
        critical = criticality is not Criticality.ALERT_NON_CRITICAL
        frame = secure(frame, self.security, sign=critical, mac=not critical)
        return Outgoing(frame.to_bytes(), "alert", message_code, frame.recipient,
                        summary or f"alert {message_code:04X}")

    def generic_alert(self, alert_code: int, now: dt.datetime, *, recipient: str | None = None,
                      summary: str = "") -> Outgoing:
        """Generic Critical Alert 0x1000 carrying just an alert code and time."""
        if self.models.get(PayloadFamily.GBZ) is not None and \
                self.models.get(PayloadFamily.DLMS) is None:
            tree: dict[str, Any] = {"alert_code": alert_code, "timestamp": gbz_time(now),
                                    "components": []}
        else:
            tree = notification(self.alert_counter + 1, [
                {"type": "long-unsigned", "value": alert_code},
                dlms_stamp(now),
            ])
        return self.alert(GENERIC_CRITICAL_ALERT, tree, now, recipient=recipient,
                          summary=summary or f"generic alert {alert_code:04X}")

    def future_dated_alert(self, family: PayloadFamily, execution: FutureDatedExecution,
                           now: dt.datetime) -> Outgoing:
        """Alert 0x00CC (DLMS) or 0x00CD (GBZ) for a future-dated instruction that ran."""
        code = ALERT_FUTURE_DATED_SUCCESS if execution.success else ALERT_FUTURE_DATED_FAILURE
        when = execution.executed_at or now
        t = execution.target
        if family is PayloadFamily.ASN1:  # the model's alert (§2.4): CS06 0x00CA, CS02b 0x00CB,
            # CS02g 0x0124, to whom the target names (the command's originator)
            return self.alert(int(t["alert"]), {**t["payload"], "alert_code": code}, now,
                              recipient=t.get("recipient"))
        if family is PayloadFamily.GBZ:
            tree: dict[str, Any] = {
                "component_count": 1, "alert_code": code, "timestamp": gbz_time(when),
                "future_dated_execution": {
                    "message_code": execution.message_code,
                    "originator_counter": execution.originator_counter,
                    "cluster_id": t["cluster_id"],
                    "frame_control": frame_control_fields(t["frame_control"])
                    if isinstance(t["frame_control"], int) else t["frame_control"],
                    "command_id": t["command_id"]}}
            return self.alert(FUTURE_DATED_GBZ_ALERT, tree, now)
        from gfi.codecs.dlms.apdu import Obis

        described = (execution.message_code.to_bytes(2, "big")
                     + execution.originator_counter.to_bytes(8, "big")
                     + int(t["class_id"]).to_bytes(2, "big") + bytes(Obis.build(t["obis"]))
                     + int(t["attribute_id"]).to_bytes(1, "big"))
        tree = notification(self.alert_counter + 1, [
            {"type": "long-unsigned", "value": code},
            dlms_stamp(when),
            {"type": "octet-string", "value": described.hex().upper()},
        ])
        return self.alert(FUTURE_DATED_DLMS_ALERT, tree, now)


class UnsupportedCommand(Exception):
    """Raised when no family answer exists for an unsupported message code."""

    def __init__(self, message_code: int) -> None:
        super().__init__(f"message code {message_code:04X} is not supported by this device")
        self.message_code = message_code


def notification(counter: int, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A DLMS data-notification alert payload whose invoke-id follows ``counter`` (§2.2)."""
    from gfi.codecs.dlms import dlms_invoke_id

    return {"apdu": "data-notification", "invoke_id": dlms_invoke_id(counter), "date_time": "",
            "body": {"type": "structure", "value": items}}


def _family_of(tree: dict[str, Any]) -> PayloadFamily:
    if "apdu" in tree:
        return PayloadFamily.DLMS
    if "schema" in tree:
        return PayloadFamily.ASN1
    return PayloadFamily.GBZ
