# SPDX-License-Identifier: GPL-3.0-or-later
"""A smart-metering premises on the virtual HAN: a Communications Hub (CHF + GPF), an ESME
and a sleepy GSME, joined through the CHF device log, with the head end in front.

Work in progress towards issue 3: IHD, PPMID, CAD and HCALCS, the metering mirror and
the time server follow. What is here runs real GBCS end to end: the head end adds each
device to the CHF device log with CCS01 (the CHF raises CS14), the device joins with its
install-code link key (admitted only when on the log), opens its tunnel, and commands are
routed by recipient: the CHF answers itself, ESME commands go through the tunnel, GSME
commands wait in the GPF queue until the GSME wakes and GETs them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gfi.codecs.engines.tunnel import Role
from gfi.codecs.gbcs.catalogue import DeviceType, PayloadFamily
from gfi.codecs.gbcs.message import decode_frame
from gfi.codecs.security.install_code import link_key_from_install_code
from gfi.codecs.security.keystore import InMemoryKeyStore, parse_dccboxed_keystore
from gfi.emulators.asn1_model import Asn1Model
from gfi.emulators.cosem import CHF_PROFILE, ESME_PROFILE, CosemServer
from gfi.emulators.device import GbcsDevice
from gfi.emulators.identity import DeviceIdentity, TestCa
from gfi.emulators.link import TUNNELING_CLUSTER, TunnelLink
from gfi.emulators.zcl_node import ZclAttributeServer, ZclReader
from gfi.emulators.zse import GSME_PROFILE, AttributeStore, GbzServer
from gfi.headend import HeadEnd
from gfi.radio.base import AdmissionDecision, HanFrame, JoinRequest
from gfi.radio.virtual import VirtualHan, VirtualRadio

logger = logging.getLogger(__name__)

ACB = "90B3D51F30000002"
DEVICE_LOG = "0-0:30.3.0.255"
METERING = 0x0702


def bundled_trust() -> InMemoryKeyStore:
    """The DCC Boxed / ZAZ1 test organisation keys devices trust by default."""
    from importlib.resources import files

    return parse_dccboxed_keystore((files("gfi") / "data" / "dccboxed-keystore.json").read_text())


@dataclass
class PremisesIds:
    """Entity ids of one premises (n counts premises from 0)."""

    n: int = 0

    def device(self, offset: int) -> str:
        return f"00DB{(0x123456 + self.n) & 0xFFFFFF:06X}7890A{offset:X}"


@dataclass
class Event:
    """Something that happened in the premises (for printing and reports)."""

    kind: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)


class Premises:
    """See the module docstring."""

    def __init__(self, n: int = 0, *, now: Callable[[], dt.datetime] | None = None,
                 seed: str = "gfi", on_event: Callable[[Event], None] | None = None) -> None:
        ids = PremisesIds(n)
        self.esme_id, self.gsme_id = ids.device(0), ids.device(1)
        self.chf_id, self.gpf_id = ids.device(2), ids.device(3)
        self.ihd_id = ids.device(0xB)
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self.on_event = on_event or (lambda e: None)
        self.trust = bundled_trust()
        ca = TestCa(seed)
        self.identities = {
            "CHF": DeviceIdentity.create(self.chf_id, DeviceType.CHF, seed=seed, ca=ca),
            "GPF": DeviceIdentity.create(self.gpf_id, DeviceType.GPF, seed=seed, ca=ca),
            "ESME": DeviceIdentity.create(self.esme_id, DeviceType.ESME, seed=seed, ca=ca),
            "GSME": DeviceIdentity.create(self.gsme_id, DeviceType.GSME, seed=seed, ca=ca),
            "IHD": DeviceIdentity.create(self.ihd_id, DeviceType.TYPE2, seed=seed, ca=ca),
        }
        #: What the ESME publishes on the HAN for displays (ZSE Metering, SE 1.4 D.3).
        self.esme_metering = AttributeStore(METERING, {0x0000: 0, 0x0300: 0, 0x0301: 1,
                                                       0x0302: 1000})
        self.chf_model = CosemServer(CHF_PROFILE)
        self.chf_model.find(DEVICE_LOG).extra["devices"] = []  # type: ignore[union-attr]
        self.devices = {
            "CHF": GbcsDevice(self.identities["CHF"], trust=self.trust, acb=ACB,
                              models={PayloadFamily.DLMS: self.chf_model},
                              alert_recipient=ACB),
            "ESME": GbcsDevice(self.identities["ESME"], trust=self.trust, acb=ACB, models={
                PayloadFamily.DLMS: CosemServer(ESME_PROFILE),
                PayloadFamily.ASN1: Asn1Model(self.identities["ESME"])}),
            "GSME": GbcsDevice(self.identities["GSME"], trust=self.trust, acb=ACB, models={
                PayloadFamily.GBZ: GbzServer(GSME_PROFILE),
                PayloadFamily.ASN1: Asn1Model(self.identities["GSME"])}),
        }
        head_keys = InMemoryKeyStore()
        head_keys.merge(self.trust)
        for ident in self.identities.values():
            ident.publish(head_keys)
        self.head = HeadEnd(head_keys, self.submit, acb=ACB)
        self.han = VirtualHan(f"premises-{n}")
        self.gsme_queue: list[bytes] = []
        self.links: dict[str, TunnelLink] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.radios: dict[str, VirtualRadio] = {}
        self._device_links: dict[str, TunnelLink] = {}
        self.readers: dict[str, ZclReader] = {}

    # -- plumbing ---------------------------------------------------------------------------
    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _sink(self, links: dict[str, TunnelLink],
              zcl: ZclAttributeServer | None = None) -> Callable[[HanFrame], None]:
        def on_frame(frame: HanFrame) -> None:
            if frame.cluster_id != TUNNELING_CLUSTER:
                if zcl is not None:
                    self._spawn(zcl.feed(frame))
                return
            link = links.get(frame.src_eui64)
            if link is not None:
                self._spawn(link.feed(frame))
        return on_frame

    def _device_log(self) -> dict[str, str]:
        obj = self.chf_model.find(DEVICE_LOG)
        return {eui: key for eui, key in obj.extra.get("devices", [])} if obj else {}

    def _admission(self, request: JoinRequest) -> AdmissionDecision:
        code = self._device_log().get(request.eui64)
        if not code:
            self.on_event(Event("join", f"{request.eui64} refused: not on the CHF device log"))
            return AdmissionDecision.refuse("not on the CHF device log")
        return AdmissionDecision.admit(link_key_from_install_code(bytes.fromhex(code)))

    async def submit(self, data: bytes) -> None:
        """The Comms Hub's WAN side: route a command by its recipient."""
        frame = decode_frame(data)
        recipient = frame.recipient
        if recipient == self.chf_id:
            for out in self.devices["CHF"].process(data, self.now()).messages:
                self._spawn(self._to_head(out.data, "CHF"))
        elif recipient == self.gsme_id:
            self.gsme_queue.append(data)
            self.on_event(Event("queue", f"GPF queues a command for the GSME "
                                         f"({len(self.gsme_queue)} waiting)"))
        elif recipient in self.links:
            await self.links[recipient].put(data)
        else:
            raise LookupError(f"no device {recipient} on this Comms Hub")

    async def _to_head(self, data: bytes, source: str) -> None:
        self.head.receive(data, source=source)

    def _next_for_gsme(self) -> tuple[int, bytes | None]:
        if not self.gsme_queue:
            return 0, None
        message = self.gsme_queue.pop(0)
        return len(self.gsme_queue), message

    # -- bring-up ---------------------------------------------------------------------------
    async def start(self) -> None:
        ch = self.han.attach(self.gpf_id, coordinator=True)
        ch.set_admission(self._admission)
        ch.set_sink(self._sink(self.links))
        self.radios["CH"] = ch
        for name in ("ESME", "GSME", "IHD"):
            await self.add_to_device_log(name)
        ch.permit_joining(60)
        for name, sleepy in (("ESME", False), ("GSME", True)):
            await self._join(name, sleepy)
        await self._join_display("IHD")

    async def add_to_device_log(self, name: str) -> None:
        """CCS01 from the ACB on behalf of the supplier; the CHF answers and raises CS14."""
        from gfi.codecs.dlms import dlms_invoke_id, encode_dlms_payload

        ident = self.identities[name]

        def payload(counter: int) -> bytes:
            return encode_dlms_payload({
                "apdu": "access-request", "invoke_id": dlms_invoke_id(counter),
                "date_time": "",
                "specs": [{"choice": "action", "descriptor": {
                    "class_id": 104, "obis": DEVICE_LOG, "method_id": 1}}],
                "data": [{"type": "structure", "value": [
                    {"type": "octet-string", "value": ident.eui64},
                    {"type": "octet-string", "value": ident.install_code.hex().upper()}]}]})

        before = dict(self._device_log())
        response = await self.head.send(self.head.command(
            0x0001, originator=ACB, recipient=self.chf_id, payload=payload,
            supplementary_remote_party_id="90B3D51F30010000",
            supplementary_remote_party_counter=self.head.next_counter("90B3D51F30010000")))
        assert response is not None
        self.on_event(Event("command", f"CCS01 add {name} {ident.eui64} to the CHF device log: "
                                       f"result {response.payload['results'][0]['result']}"))
        if self._device_log() != before:
            self._spawn(self._to_head(self.devices["CHF"].alert(
                0x0018, self._cs14_tree(), self.now(), recipient=ACB,
                summary="CS14 device log changed").data, "CHF"))

    def _cs14_tree(self) -> dict[str, Any]:
        from gfi.emulators.device import dlms_date_time, notification

        stamp = dlms_date_time(self.now()).to_bytes().hex().upper()
        entries = [{"type": "structure", "value": [
            {"type": "octet-string", "value": eui},
            {"type": "octet-string", "value": key}]} for eui, key in self._device_log().items()]
        chf = self.devices["CHF"]
        return notification(chf.alert_counter + 1, [
            {"type": "long-unsigned", "value": 0x8F12},
            {"type": "octet-string", "value": stamp},
            {"type": "structure", "value": [
                {"type": "octet-string", "value": stamp},
                {"type": "octet-string", "value": self.gpf_id},
                {"type": "array", "value": entries}]}])

    async def _join(self, name: str, sleepy: bool) -> None:
        ident = self.identities[name]
        radio = self.han.attach(ident.eui64, sleepy=sleepy)
        self.radios[name] = radio
        result = await radio.join(link_key_from_install_code(ident.install_code), timeout=5)
        self.on_event(Event("join", f"{name} {ident.eui64} joined as 0x{result.nwk:04X}"))
        device = self.devices[name]

        async def on_command(message: bytes) -> None:
            for out in device.process(message, self.now()).messages:
                await link.put(out.data)

        link = TunnelLink(radio, self.gpf_id, Role.CLIENT, on_message=on_command)
        self._device_links[name] = link
        zcl = (ZclAttributeServer(radio, {METERING: self.esme_metering}) if name == "ESME"
               else None)
        radio.set_sink(self._sink({self.gpf_id: link}, zcl))
        self.links[ident.eui64] = TunnelLink(
            self.radios["CH"], ident.eui64, Role.SERVER,
            on_message=lambda m, n=name: self._to_head(m, n),  # type: ignore[misc]
            queue=self._next_for_gsme if sleepy else None)
        await link.establish(poll=radio.poll if sleepy else None)
        self.on_event(Event("tunnel", f"{name} tunnel open"))

    async def _join_display(self, name: str) -> None:
        """A Type 2 device (IHD, CAD): joins with its install code, then only reads."""
        ident = self.identities[name]
        radio = self.han.attach(ident.eui64)
        self.radios[name] = radio
        result = await radio.join(link_key_from_install_code(ident.install_code), timeout=5)
        self.readers[name] = reader = ZclReader(radio)
        radio.set_sink(reader.feed)
        self.on_event(Event("join", f"{name} {ident.eui64} joined as 0x{result.nwk:04X}"))

    async def display_reading(self, name: str = "IHD") -> dict[int, Any]:
        """What the display shows: the ESME's consumption (current summation delivered,
        unit of measure, multiplier, divisor), read over the HAN."""
        values = await self.readers[name].read(self.esme_id, METERING,
                                               [0x0000, 0x0300, 0x0301, 0x0302])
        text = (f"{name} reads ESME consumption {values[0x0000]} × "
                f"{values[0x0301]}/{values[0x0302]} (unit {values[0x0300]})")
        self.on_event(Event("display", text))
        return values

    async def wake_gsme(self) -> int:
        """The GSME wakes and fetches every queued command; how many it got."""
        link = self._device_links["GSME"]
        fetched = 0
        while self.gsme_queue:
            await link.get(self.radios["GSME"].poll)
            fetched += 1
        return fetched

    async def stop(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.han.drain(2.0)
        await self.han.close()


