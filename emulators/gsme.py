# SPDX-License-Identifier: GPL-3.0-or-later
"""The GSME: a sleepy, battery-powered gas meter (product.md §4.3).

Its radio is off between wakes. When it wakes (:meth:`Gsme.wake`) it

1. sets up its mirror on the Gas Proxy Function the first time (Metering RequestMirror →
   RequestMirrorResponse naming the mirror endpoint, then ConfigureMirror; SE 1.4 D.3.4.2),
2. pushes its attributes to the mirror with Report Attributes (all of them the first time,
   afterwards what changed), so the GPF can answer reads without waking it,
3. fetches the GBCS commands the GPF queued for it with tunnel GETs until none remain,
   executes each on its ZSE attribute model and PUTs the response (zigbee-han.md §5).

Whatever it sends while awake that expects an answer is followed by polls of its parent,
where the answer waits (IEEE 802.15.4 indirect transmission).

Its own events raise alerts (emulators/events.py): what its metering raised while time moved
on — a billing period's end (GCS53) and the events configured to push to the WAN (0x1001) —
goes out when time moves on and when it wakes; a firmware image the Comms Hub announces
(Image Notify, heard at a poll) is downloaded while awake and its receipt reported (0x00CF).
Its integrity self-check (emulators/integrity.py) runs at power-up (:meth:`Gsme.restart`)
and daily on its clock, raising 0x00F2 (81A0) for a component a test harness marked faulty
(:meth:`Gsme.inject_condition`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from gfi.codecs.gbcs.catalogue import PayloadFamily
from gfi.codecs.gbcs.utrn import decode_utrn
from gfi.codecs.security.keystore import InMemoryKeyStore, KeyUsage
from gfi.codecs.security.primitives import ecdh
from gfi.emulators.device import gbz_time
from gfi.emulators.events import (
    OTA_UPGRADE,
    attach_ota_client,
    gbz_event_alerts,
    receive_firmware,
)
from gfi.emulators.identity import DeviceIdentity
from gfi.emulators.integrity import SelfCheck
from gfi.emulators.link import await_answer
from gfi.emulators.model import HandleContext
from gfi.emulators.node import Clock, Event, EventSink, Type1Node, saved_model, utc_now
from gfi.emulators.zcl_endpoint import TO_CLIENT, TO_SERVER, ZclCommand
from gfi.emulators.zse import GSME_PROFILE, GbzServer, UtrnValidator
from gfi.errors import DecodeError
from gfi.radio.base import Radio

METERING = 0x0702
REQUEST_MIRROR, CONFIGURE_MIRROR, REPORT_ATTRIBUTES = 0x01, 0x08, 0x0A


def utrn_validator(identity: DeviceIdentity, trust: InMemoryKeyStore) -> UtrnValidator:
    """The meter's UTRN check (gbcs-protocol.md §2.5): the UTRN's MAC must come from the
    shared secret of the meter's KA key and the prepayment KA certificate (PP KA) of a
    supplier the meter trusts, over that supplier's id, the meter's id and the counter the
    UTRN carries (bits 32-41; the low 32 bits are zero)."""
    suppliers = [(entity, entry.public_key) for entity in trust.entities()
                 for entry in trust.keys(entity, KeyUsage.PP_KA)]

    def validate(text: str, ctx: HandleContext) -> bool:
        if identity.ka_key is None:
            return False
        try:
            utrn = decode_utrn(text)
        except DecodeError:
            return False
        return any(utrn.verify(ecdh(identity.ka_key, public), supplier=bytes.fromhex(entity),
                               device=bytes.fromhex(identity.eui64),
                               counter=utrn.counter_bits << 32)
                   for entity, public in suppliers)
    return validate


@dataclass
class Wake:
    """What one wake did."""

    mirrored_attributes: int
    commands: int


class Gsme(Type1Node):
    """See the module docstring."""

    def __init__(self, identity: DeviceIdentity, radio: Radio, *, hub: str,
                 trust: InMemoryKeyStore, acb: str, now: Clock = utc_now,
                 on_event: EventSink | None = None, state: dict[str, Any] | None = None,
                 name: str = "GSME") -> None:
        state = state or {}
        self.gbz = GbzServer(GSME_PROFILE, saved_model(state, PayloadFamily.GBZ),
                             utrn_validator=utrn_validator(identity, trust))
        super().__init__(name, identity, radio, hub=hub, trust=trust, acb=acb, now=now,
                         on_event=on_event, state=state, models={PayloadFamily.GBZ: self.gbz})
        #: the mirror endpoint on the GPF, once RequestMirror succeeded
        self.mirror_endpoint: int | None = state.get("mirror_endpoint")
        #: GBCS messages received through the tunnel
        self.received = 0
        self.integrity = SelfCheck(gbz=True, now=now(), state=state.get("integrity"))
        assert self.gbcs is not None
        self.gbcs.sources = [lambda device, now: gbz_event_alerts(device, self.gbz, now),
                             self.integrity]
        self.ota = attach_ota_client(self, "GSME", self.fetch_firmware, self._ota_request)

    async def wake(self, *, timeout: float = 5.0) -> Wake:
        """One wake: mirror, then every queued command (module docstring)."""
        self.gbz.advance(self.now())
        first = self.mirror_endpoint is None
        if first:
            answer = await self._request(METERING, ZclCommand(REQUEST_MIRROR, None),
                                         "RequestMirrorResponse", timeout)
            self.mirror_endpoint = int(answer["payload"]["endpoint_id"])
            await self.zcl.send(self.hub, METERING, ZclCommand(CONFIGURE_MIRROR, {
                "issuer_event_id": gbz_time(self.now()), "reporting_interval": 1800,
                "mirror_notification_reporting": False, "notification_scheme": 0},
            ), direction=TO_CLIENT)
        pushed = 0
        for cluster_id, records in self.gbz.mirror_reports(full=first):
            await self.zcl.send(self.hub, cluster_id, ZclCommand(
                REPORT_ATTRIBUTES, {"records": records}, cluster_specific=False),
                direction=TO_CLIENT)
            pushed += len(records)
        if self.tunnel is None:
            raise ConnectionError(f"{self.name} woke without a tunnel to the Comms Hub")
        received = self.received
        while await self.tunnel.get(self._poll, timeout):
            pass
        assert self.gbcs is not None
        await self.send_gbcs([out.data for out in
                              gbz_event_alerts(self.gbcs, self.gbz, self.now())])
        await self.settle()
        commands = self.received - received
        self.on_event(Event("wake", f"{self.name} woke: {pushed} attributes to the mirror, "
                                    f"{commands} queued commands", {
                                        "device": self.name, "mirrored": pushed,
                                        "commands": commands}))
        return Wake(pushed, commands)

    async def _poll(self) -> int:
        assert self.poll is not None
        return await self.poll()

    async def on_gbcs(self, message: bytes) -> None:
        self.received += 1
        await super().on_gbcs(message)

    async def _request(self, cluster_id: int, command: ZclCommand, what: str,
                       timeout: float, direction: str = TO_CLIENT) -> dict[str, Any]:
        """A ZCL request from a sleepy device: poll for the answer while it waits."""
        task = asyncio.ensure_future(self.zcl.request(
            self.hub, cluster_id, command, direction=direction, timeout=timeout))
        try:
            return await await_answer(task, f"no {what} from {self.hub}", timeout, self._poll)
        finally:
            if not task.done():
                task.cancel()

    async def restart(self) -> None:
        """The meter restarts (a reset, a battery change): its power-up self-check runs and
        reports what it finds faulty."""
        assert self.gbcs is not None
        self.on_event(Event("restart", f"{self.name} restarts", {"device": self.name}))
        await self.send_gbcs([out.data for out in self.integrity.run(self.gbcs, self.now())])

    async def _ota_request(self, command: ZclCommand) -> dict[str, Any]:
        return await self._request(OTA_UPGRADE, command, "OTA answer", 5.0, TO_SERVER)

    async def fetch_firmware(self) -> None:
        """Download the image the Comms Hub offers (polling for every answer); keep it for
        CS06 when it verifies; report its receipt (0x00CF)."""
        await receive_firmware(self, self.ota, gbz=True)

    def state(self) -> dict[str, Any]:
        return super().state() | {"mirror_endpoint": self.mirror_endpoint,
                                  "integrity": self.integrity.state()}
