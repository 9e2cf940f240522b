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
from gfi.emulators.asn1_model import Asn1Model
from gfi.emulators.cosem import ESME_PROFILE, CosemServer
from gfi.emulators.device import GbcsDevice
from gfi.emulators.identity import DeviceIdentity
from gfi.emulators.node import Clock, EventSink, HanNode, utc_now
from gfi.emulators.zse import AttributeStore
from gfi.radio.base import Radio

METERING = 0x0702


class Esme(HanNode):
    """See the module docstring."""

    def __init__(self, identity: DeviceIdentity, radio: Radio, *, hub: str,
                 trust: InMemoryKeyStore, acb: str, now: Clock = utc_now,
                 on_event: EventSink | None = None, state: dict[str, Any] | None = None,
                 name: str = "ESME") -> None:
        state = state or {}
        models = state.get("models", {})
        self.cosem = CosemServer(ESME_PROFILE, models.get(PayloadFamily.DLMS.value))
        self.asn1 = Asn1Model(identity, state=models.get(PayloadFamily.ASN1.value))
        gbcs = GbcsDevice(identity, trust=trust, acb=acb, state=state.get("gbcs"), models={
            PayloadFamily.DLMS: self.cosem, PayloadFamily.ASN1: self.asn1})
        super().__init__(name, identity, radio, hub=hub, gbcs=gbcs, now=now,
                         on_event=on_event)
        self.zcl.serve(METERING, AttributeStore(METERING, {0x0000: 0, 0x0300: 0, 0x0301: 1,
                                                           0x0302: 1000}))
