# SPDX-License-Identifier: GPL-3.0-or-later
"""Type 2 consumer devices: the In-Home Display (IHD) and the Consumer Access Device (CAD)
(product.md §4.5).

A Type 2 device has no certificates and sends no GBCS: it joins with its install code (the
supplier put it on the CHF device log with CCS01) and reads, over ZSE, what the meters
publish — electricity from the ESME, gas from the GSME's mirror on the GPF. :data:`READINGS`
declares every value a display shows: where it lives (ESME or GPF mirror), its cluster and
attribute (SE 1.4 annex D), and how it scales. A CAD reads the same and also relays each
reading off the HAN (:attr:`Cad.relayed`, what it would upload).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from gfi.emulators.identity import DeviceIdentity
from gfi.emulators.node import Clock, Event, EventSink, HanNode, utc_now
from gfi.radio.base import Radio

METERING, PRICE, PREPAYMENT = 0x0702, 0x0700, 0x0705
#: Where the GSME mirror lives on the Comms Hub (see gfi.emulators.comms_hub).
MIRROR_ENDPOINT = 0x02


@dataclass(frozen=True)
class Reading:
    """One value a display shows."""

    label: str
    source: str  # "ESME" | "GPF"
    cluster_id: int
    attribute_id: int
    #: the Metering formatting attributes (multiplier, divisor) that scale it, if any
    scaled: bool = False


#: What an IHD shows (product.md §4.5: consumption, price, credit and debt).
READINGS = (
    Reading("electricity_import", "ESME", METERING, 0x0000, scaled=True),
    Reading("electricity_demand", "ESME", METERING, 0x0400, scaled=True),
    Reading("electricity_credit", "ESME", PREPAYMENT, 0x0001),
    Reading("electricity_debt", "ESME", PREPAYMENT, 0x0005),
    Reading("electricity_price", "ESME", PRICE, 0x0410),          # tier 1 block 1 price
    Reading("electricity_standing_charge", "ESME", PRICE, 0x0301),
    Reading("gas_import", "GPF", METERING, 0x0000, scaled=True),
    Reading("gas_credit", "GPF", PREPAYMENT, 0x0001),
    Reading("gas_debt", "GPF", PREPAYMENT, 0x0005),
    Reading("gas_price", "GPF", PRICE, 0x0400),                   # no-tier block 1 price
    Reading("gas_standing_charge", "GPF", PRICE, 0x0301),
)
#: Metering formatting (SE 1.4 D.3.2.2.4): unit of measure, multiplier, divisor.
FORMATTING = (0x0300, 0x0301, 0x0302)


@dataclass
class DisplayView:
    """What the screen shows after one refresh; ``None`` where the meter publishes nothing
    (an unsupported attribute) — a display shows a dash there, it does not guess."""

    values: dict[str, float | int | None]
    units: dict[str, int | None]

    def text(self) -> str:
        def show(v: float | int | None) -> str:
            return "—" if v is None else f"{v:g}" if isinstance(v, float) else str(v)
        return ", ".join(f"{k} {show(v)}" for k, v in self.values.items())


class Display(HanNode):
    """An IHD (see the module docstring). ``esme`` and ``gpf`` are the EUI-64s it reads."""

    def __init__(self, name: str, identity: DeviceIdentity, radio: Radio, *, hub: str,
                 esme: str, now: Clock = utc_now, on_event: EventSink | None = None) -> None:
        super().__init__(name, identity, radio, hub=hub, now=now, on_event=on_event)
        self.esme = esme
        self.view: DisplayView | None = None

    def _where(self, source: str) -> tuple[str, int]:
        return (self.esme, 1) if source == "ESME" else (self.hub, MIRROR_ENDPOINT)

    async def refresh(self, *, timeout: float = 5.0) -> DisplayView:
        """Read everything in :data:`READINGS` (one Read Attributes per cluster)."""
        wanted: dict[tuple[str, int], set[int]] = {}
        for r in READINGS:
            ids = wanted.setdefault((r.source, r.cluster_id), set())
            ids.add(r.attribute_id)
            if r.scaled:
                ids.update(FORMATTING)
        raw: dict[tuple[str, int], dict[int, Any]] = {}
        for (source, cluster_id), ids in wanted.items():
            dst, ep = self._where(source)
            raw[(source, cluster_id)] = await self.zcl.read(dst, cluster_id, sorted(ids),
                                                            timeout=timeout, dst_ep=ep)
        values: dict[str, float | int | None] = {}
        units: dict[str, int | None] = {}
        for r in READINGS:
            cluster = raw[(r.source, r.cluster_id)]
            value = cluster.get(r.attribute_id)
            if r.scaled and value is not None:
                multiplier, divisor = cluster.get(0x0301), cluster.get(0x0302)
                if multiplier and divisor:
                    value = value * multiplier / divisor
                units[r.label] = cluster.get(0x0300)
            values[r.label] = value
        self.view = DisplayView(values, units)
        self.on_event(Event("display", f"{self.name} shows {self.view.text()}",
                            {"device": self.name, "values": dict(values)}))
        return self.view


class Cad(Display):
    """A Consumer Access Device: a display that relays what it reads off the HAN."""

    def __init__(self, name: str, identity: DeviceIdentity, radio: Radio, *, hub: str,
                 esme: str, now: Clock = utc_now, on_event: EventSink | None = None) -> None:
        super().__init__(name, identity, radio, hub=hub, esme=esme, now=now,
                         on_event=on_event)
        #: every reading relayed, timestamped (what the CAD uploads)
        self.relayed: list[dict[str, Any]] = []

    async def refresh(self, *, timeout: float = 5.0) -> DisplayView:
        view = await super().refresh(timeout=timeout)
        self.relayed.append({"at": self.now().isoformat(), **dataclasses.asdict(view)})
        return view
