# SPDX-License-Identifier: GPL-3.0-or-later
"""The ESME on the HAN (product.md §4.4): DLMS/COSEM for remote-party commands through the
tunnel, ZSE clusters for the HAN clients (IHD, CAD, PPMID), and the HCALCS it controls.

The GBCS side is a :class:`~gfi.emulators.device.GbcsDevice` over the ESME's COSEM object
model (:class:`~gfi.emulators.cosem.CosemServer` with ``ESME_PROFILE``) and its ASN.1 use
cases. What the ESME publishes on the HAN is read live from the same COSEM state, so a
display always shows what the last command left.
"""

from __future__ import annotations

from typing import Any

from gfi.codecs.gbcs.catalogue import PayloadFamily
from gfi.codecs.security.keystore import InMemoryKeyStore
from gfi.emulators.cosem import ESME_PROFILE, CosemServer
from gfi.emulators.device import Outcome
from gfi.emulators.esme_han import EsmeZse
from gfi.emulators.hcalcs import DRLC_CLUSTER_ID, EsmeLoadControl
from gfi.emulators.identity import DeviceIdentity
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
        super().__init__(name, identity, radio, hub=hub, trust=trust, acb=acb, now=now,
                         on_event=on_event, state=state,
                         models={PayloadFamily.DLMS: self.cosem})
        #: what the ESME publishes for HAN clients, read live from the COSEM model
        self.zse = EsmeZse(self.cosem, clock=now)
        for cluster_id, source in self.zse.stores().items():
            self.zcl.serve(cluster_id, source)
        #: the HCALCS it controls: switch number n (0-n:96.3.10.255) → EUI-64
        self.hcalcs = dict(hcalcs or {})
        self.load_control = EsmeLoadControl(self.cosem, state.get("load_control"))
        self.zcl.attach_engine(DRLC_CLUSTER_ID, self._on_drlc)

    async def after_command(self, outcome: Outcome) -> None:
        """A command may have switched an auxiliary load: tell its HCALCS (DRLC)."""
        await self.drive_hcalcs()

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

    def state(self) -> dict[str, Any]:
        return super().state() | {"load_control": self.load_control.state()}
