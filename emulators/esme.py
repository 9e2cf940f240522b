# SPDX-License-Identifier: GPL-3.0-or-later
"""The ESME on the HAN (product.md §4.4): DLMS/COSEM for remote-party commands through the
tunnel, ZSE clusters for the HAN clients (IHD, CAD, PPMID), and the HCALCS it controls.

The GBCS side is a :class:`~gfi.emulators.device.GbcsDevice` over the ESME's COSEM object
model (:class:`~gfi.emulators.cosem.CosemServer` with ``ESME_PROFILE``) and its ASN.1 use
cases. What the ESME publishes on the HAN is read live from the same COSEM state, so a
display always shows what the last command left.

Its own events raise alerts (emulators/events.py): the billing calendar firing (ECS68, when
time moves on), its mains supply coming back after an outage (ECS80, :meth:`supply_lost`,
:meth:`supply_restored`) and a firmware image arriving from the Comms Hub over ZigBee OTA
(0x00CE, the image then ready for CS06). Its integrity self-check (emulators/integrity.py)
runs at power-up — when the supply returns — and daily on its clock, raising 0x00F0 (81A0)
for a component a test harness marked faulty (:meth:`inject_condition`). Its ALCS/APC
channels (emulators/apc.py) follow the controls ECS47a/ECS47e start and raise ECS100-102
and ECS200 as the controls' periods begin and end.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from gfi.codecs.gbcs.catalogue import PayloadFamily
from gfi.codecs.security.keystore import InMemoryKeyStore
from gfi.emulators.apc import ApcControl
from gfi.emulators.cosem import ESME_PROFILE, CosemServer
from gfi.emulators.device import ObservedModel, Outcome
from gfi.emulators.esme_han import EsmeZse
from gfi.emulators.events import (
    BillingPush,
    SupplyOutage,
    attach_ota_client,
    receive_firmware,
)
from gfi.emulators.hcalcs import DRLC_CLUSTER_ID, EsmeLoadControl
from gfi.emulators.identity import DeviceIdentity
from gfi.emulators.integrity import SelfCheck
from gfi.emulators.node import Clock, Event, EventSink, Type1Node, saved_model, utc_now
from gfi.radio.base import HanFrame, Radio


class Esme(Type1Node):
    """See the module docstring."""

    def __init__(self, identity: DeviceIdentity, radio: Radio, *, hub: str,
                 trust: InMemoryKeyStore, acb: str, now: Clock = utc_now,
                 on_event: EventSink | None = None, state: dict[str, Any] | None = None,
                 name: str = "ESME", hcalcs: dict[int, str] | None = None) -> None:
        state = state or {}
        self.cosem = CosemServer(ESME_PROFILE, saved_model(state, PayloadFamily.DLMS))
        #: ALCS/APC channels, following the controls the commands start (emulators/apc.py)
        self.apc = ApcControl(self.cosem, state.get("apc"))
        super().__init__(name, identity, radio, hub=hub, trust=trust, acb=acb, now=now,
                         on_event=on_event, state=state,
                         models={PayloadFamily.DLMS: ObservedModel(self.cosem,
                                                                   self.apc.observe)})
        #: what the ESME publishes for HAN clients, read live from the COSEM model
        self.zse = EsmeZse(self.cosem, clock=now)
        for cluster_id, source in self.zse.stores().items():
            self.zcl.serve(cluster_id, source)
        #: the HCALCS it controls: switch number n (0-n:96.3.10.255) → EUI-64
        self.hcalcs = dict(hcalcs or {})
        self.load_control = EsmeLoadControl(self.cosem, state.get("load_control"))
        self.zcl.attach_engine(DRLC_CLUSTER_ID, self._on_drlc)
        checked = (state.get("billing") or {}).get("checked")
        self.billing = BillingPush(self.cosem, dt.datetime.fromisoformat(checked) if checked
                                   else self.cosem.device_time(now()))
        self.integrity = SelfCheck(gbz=False, now=now(), state=state.get("integrity"))
        assert self.gbcs is not None
        self.gbcs.sources = [self.billing, self.integrity, self.apc]
        self.outage = SupplyOutage(state.get("outage"))
        self.ota = attach_ota_client(self, "ESME", self.fetch_firmware)

    async def after_command(self, outcome: Outcome) -> None:
        """A command may have switched an auxiliary load: tell its HCALCS (DRLC); it may
        have started an ALCS/APC control now (emulators/apc.py)."""
        await self.drive_hcalcs()
        assert self.gbcs is not None
        await self.send_gbcs([out.data for out in self.apc(self.gbcs, self.now())])

    async def drive_hcalcs(self) -> None:
        for index, eui64 in self.hcalcs.items():
            for tree in self.load_control.commands_for(index, now=self.now()):
                await self.zcl.send_frame(eui64, DRLC_CLUSTER_ID, tree)

    def _on_drlc(self, frame: HanFrame, tree: dict[str, Any]) -> list[dict[str, Any]]:
        index = self.load_control.on_report(tree)
        if index is not None:
            on = self.load_control.confirmed(index)
            self.on_event(Event("switch", f"{self.name}: HCALCS {index} reports its load "
                                          f"{'on' if on else 'off'}",
                                {"device": self.name, "hcalcs": index, "on": on}))
        return []

    # -- events ---------------------------------------------------------------------------
    def supply_lost(self) -> None:
        """The mains supply fails."""
        self.outage.lose(self.now())
        self.on_event(Event("supply", f"{self.name}: supply lost", {"device": self.name}))

    async def supply_restored(self) -> None:
        """The mains supply is back: ECS80 after a long enough outage."""
        assert self.gbcs is not None
        alert = self.outage.restore(self.gbcs, self.now())
        self.on_event(Event("supply", f"{self.name}: supply restored", {"device": self.name}))
        alerts = [alert] if alert is not None else []
        alerts += self.integrity.run(self.gbcs, self.now())  # power-up self-check
        await self.send_gbcs([out.data for out in alerts])

    async def fetch_firmware(self) -> None:
        """Download the image the Comms Hub offers; keep it for CS06 when it verifies;
        report its receipt (0x00CE)."""
        await receive_firmware(self, self.ota, gbz=False)

    def state(self) -> dict[str, Any]:
        return super().state() | {"load_control": self.load_control.state(),
                                  "billing": self.billing.state(),
                                  "outage": self.outage.state(),
                                  "integrity": self.integrity.state(),
                                  "apc": self.apc.state()}
