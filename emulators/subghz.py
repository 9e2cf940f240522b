# SPDX-License-Identifier: GPL-3.0-or-later
"""The sub-GHz side of a dual-band Comms Hub Function: what the CHF decides on its own about
its sub-GHz radio, and the alerts those decisions raise (gbcs-protocol.md §2.2 payload table,
§4.2 alert codes 8F20-8F2D). Sans-I/O: the Comms Hub (emulators/comms_hub.py) asks, this
module answers; nothing here sends anything.

Theory of operation
-------------------
The virtual HAN carries no sub-GHz air, so what a radio would *measure* — the energy on
each sub-GHz channel, the airtime other traffic already used — is injected by a test
harness, as an RF test bench would (:meth:`SubGhzRadio.set_conditions`,
:meth:`SubGhzRadio.book`). Everything the CHF does from it is its own logic:

* **Channels.** The operating channel and the allowed channels are the CHF's COSEM objects
  (0-0:94.44.10.2, DBCH01; the four channel-page masks of 0-0:94.44.10.0, DBCH03/DBCH04),
  passed in by the hub. A channel is a 32-bit bit-string: channel page in the top 5 bits
  (28-31: the 863-876 MHz pages), one bit per channel below (bit n = channel n).
* **Scan request** (DBCH05, set 0-0:94.44.10.1): :meth:`SubGhzRadio.assess` measures the
  operating channel and every allowed one. The operating channel is kept while its energy
  is at or below :attr:`SubGhzRadio.interference_dbm`; otherwise the CHF moves to the
  quietest allowed channel if that one is acceptable and at least
  :attr:`SubGhzRadio.agility_margin_db` quieter, else it stays ("not changed due to
  Frequency Agility Parameters", 8F2B). The outcome is DBCH08 (8F28); a move is also
  DBCH07 (8F26) with the new channel. Without injected conditions there is nothing to
  measure: the request is stored and nothing is assessed (no alert).
* **Sub-GHz devices.** The devices the bench puts on the sub-GHz band (``designated``)
  take a slot of the CHF's sub-GHz device set when they are on the CHF device log (CCS01);
  when :attr:`SubGhzRadio.capacity` slots are taken the CHF refuses the next one: DBCH11
  (8F2D) naming it.
* **Duty cycle** (ETSI EN 300 220 limits airtime per rolling hour): every message the CHF
  transmits to a sub-GHz device books its airtime (:attr:`DutyCycle.bit_rate`) against
  that device's budget over :attr:`DutyCycle.window`. Crossing :attr:`DutyCycle.limited`
  of the budget is "Limited Duty Cycle Action Taken": DBCH06 (8F20) naming the device; from
  then on a message that does not fit the rest of the budget is not transmitted but
  discarded: DBCH10 (8F2C) with its originator, target, CRA and counter. The Limited state
  ends silently when usage falls back below the threshold (8F21 has no message code).

gbcs-protocol.md gives only the layouts of these payloads. The meaning of DBCH07's and
DBCH08's 1-octet fields is inferred (see :class:`ScanOutcome`, :class:`Assessment`); the
thresholds, the capacity and the bit rate are gfi's defaults, not GBCS values.
"""

from __future__ import annotations

# ----------------------------------------------------------------------------
# Imports
# ----------------------------------------------------------------------------
import datetime as dt
import enum
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from gfi.emulators.cosem.values import Item, bits, octets, st

# ----------------------------------------------------------------------------
# Logging
# ----------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
#: Alert message codes and alert codes (gbcs-protocol.md §3 catalogue, §4.2).
DBCH05 = 0x010E
DBCH06, LIMITED_DUTY_CYCLE_ACTION_TAKEN = 0x0110, 0x8F20
DBCH07, SUB_GHZ_CHANNEL_CHANGED = 0x0111, 0x8F26
DBCH08, SCAN_REQUEST_ASSESSMENT_OUTCOME = 0x0112, 0x8F28
DBCH10, MESSAGE_DISCARDED = 0x0114, 0x8F2C
DBCH11, NO_MORE_SUB_GHZ_DEVICE_CAPACITY = 0x0115, 0x8F2D
#: The CHF's sub-GHz COSEM objects (cosem/chf.py; gbcs-protocol.md Appendix A).
SUB_GHZ_CONFIGURATION = "0-0:94.44.10.0"
OPERATING_CHANNEL = "0-0:94.44.10.2"
#: Sub-GHz channel pages (863-876 MHz) and channels per page.
PAGES: Final = range(28, 32)
CHANNELS_PER_PAGE: Final = 27
#: gfi's defaults: sub-GHz device slots, the energy of an unmeasured channel.
DEFAULT_CAPACITY: Final = 32
NOISE_FLOOR_DBM: Final = -100.0
#: DBCH07's octet: the cause of the change (inferred; the only cause emulated).
CAUSE_SCAN_REQUEST: Final = 0x00


# ----------------------------------------------------------------------------
# Channels
# ----------------------------------------------------------------------------
@dataclass(frozen=True, order=True)
class Channel:
    """One sub-GHz channel: page (28-31) and channel number in the page (0-26)."""

    page: int
    number: int

    def __post_init__(self) -> None:
        if self.page not in PAGES or not 0 <= self.number < CHANNELS_PER_PAGE:
            raise ValueError(f"no sub-GHz channel {self.number} on page {self.page}")

    @classmethod
    def from_bits(cls, value: str) -> Channel:
        """The channel of a 32-bit operating-channel bit-string (one channel bit set)."""
        channels = channels_of(value)
        if len(channels) != 1:
            raise ValueError(f"{value} names {len(channels)} channels, not one")
        return channels[0]

    def bits(self) -> str:
        """As a 32-bit bit-string value (uppercase hex), e.g. ``E0000001``."""
        return f"{self.page << 27 | 1 << self.number:08X}"

    def __str__(self) -> str:
        return f"page {self.page} channel {self.number}"


def channels_of(mask: str) -> list[Channel]:
    """The channels of a 32-bit channel-page mask (uppercase hex), lowest first."""
    value = int(mask, 16)
    page = value >> 27
    return [Channel(page, n) for n in range(CHANNELS_PER_PAGE) if value >> n & 1]


class ScanOutcome(enum.IntEnum):
    """DBCH08's first octet (inferred; cf. alert codes 8F26 and 8F2B, §4.2)."""

    KEPT = 0x00  #: the operating channel is acceptable: no change
    CHANGED = 0x01  #: moved to a better channel (DBCH07 follows)
    NOT_CHANGED = 0x02  #: interference, but no channel better by the agility margin


@dataclass(frozen=True)
class Assessment:
    """The outcome of a channel scan request."""

    outcome: ScanOutcome
    channel: Channel  #: the operating channel after the assessment

    def dbch08_item(self) -> Item:
        """DBCH08 (§2.2: structure of two 1-octet strings): the outcome and the number of
        the operating channel after the assessment (inferred)."""
        return st(octets(f"{self.outcome:02X}"), octets(f"{self.channel.number:02X}"))

    def dbch07_item(self) -> Item:
        """DBCH07 (§2.2: structure(bit-string(32), octet-string(1))): the new operating
        channel and the cause of the change (inferred)."""
        return st(bits(32, self.channel.bits()), octets(f"{CAUSE_SCAN_REQUEST:02X}"))


# ----------------------------------------------------------------------------
# Duty cycle
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class DutyCycle:
    """Per-device airtime budget over a rolling window (gfi's defaults: 1 % of an hour,
    ETSI EN 300 220's limit for the 868 MHz sub-band; limited action at 75 %)."""

    budget: dt.timedelta = dt.timedelta(seconds=36)
    window: dt.timedelta = dt.timedelta(hours=1)
    #: fraction of the budget at which the CHF takes limited duty cycle action
    limited: float = 0.75
    #: sub-GHz PHY bit rate (bit/s) the airtime of a message is computed with
    bit_rate: int = 100_000

    def airtime(self, octets_count: int) -> dt.timedelta:
        return dt.timedelta(microseconds=-(-octets_count * 8_000_000 // self.bit_rate))


@dataclass(frozen=True)
class Transmission:
    """The CHF's decision about one message for a sub-GHz device."""

    deliver: bool
    #: the device has just entered the Limited state (DBCH06)
    limited_action: bool


def discarded_item(originator: str, target: str, cra: int, counter: int) -> Item:
    """DBCH10 (§2.2): octet-string(25) originator ‖ target ‖ CRA ‖ counter of the message."""
    return octets(f"{originator}{target}{cra:02X}{counter:016X}")


def device_item(eui64: str) -> Item:
    """DBCH06 / DBCH11 (§2.2): octet-string(8), a device entity id."""
    return octets(eui64)


# ----------------------------------------------------------------------------
# The radio model
# ----------------------------------------------------------------------------
@dataclass
class _Usage:
    sent: list[tuple[dt.datetime, dt.timedelta]] = field(default_factory=list)
    limited: bool = False


class SubGhzRadio:
    """See the module docstring. ``designated``: EUI-64s of the devices on the sub-GHz
    band; ``state``: what :meth:`state` saved."""

    def __init__(self, *, capacity: int = DEFAULT_CAPACITY, designated: Iterable[str] = (),
                 duty_cycle: DutyCycle | None = None, interference_dbm: float = -85.0,
                 agility_margin_db: float = 10.0, state: Mapping[str, Any] | None = None
                 ) -> None:
        state = state or {}
        self.capacity = int(state.get("capacity", capacity))
        self.designated: set[str] = set(state.get("designated", designated))
        #: the CHF's sub-GHz device set, in the order the slots were taken
        self.devices: list[str] = list(state.get("devices", []))
        self.duty_cycle = duty_cycle or DutyCycle()
        self.interference_dbm = interference_dbm
        self.agility_margin_db = agility_margin_db
        conditions = state.get("conditions")
        self.conditions: dict[Channel, float] | None = None if conditions is None else {
            Channel.from_bits(k): float(v) for k, v in conditions.items()}
        self.floor_dbm = float(state.get("floor_dbm", NOISE_FLOOR_DBM))
        self._usage: dict[str, _Usage] = {
            eui: _Usage([(dt.datetime.fromisoformat(t), dt.timedelta(microseconds=us))
                         for t, us in u["sent"]], bool(u["limited"]))
            for eui, u in state.get("usage", {}).items()}

    # -- devices ----------------------------------------------------------------------------
    def designate(self, eui64: str) -> None:
        """Harness: the device is on the sub-GHz band (out of 2.4 GHz reach)."""
        self.designated.add(eui64)

    def uses(self, eui64: str) -> bool:
        """Whether the CHF reaches ``eui64`` over sub-GHz."""
        return eui64 in self.devices

    def admit(self, eui64: str) -> bool:
        """Give a designated device a slot; ``False``: no capacity left (DBCH11)."""
        if eui64 in self.devices:
            return True
        if len(self.devices) >= self.capacity:
            logger.info("sub-GHz: no capacity for %s (%d devices)", eui64, len(self.devices))
            return False
        self.devices.append(eui64)
        return True

    def release(self, eui64: str) -> None:
        """The device left the CHF device log: its slot and its airtime record go."""
        if eui64 in self.devices:
            self.devices.remove(eui64)
        self._usage.pop(eui64, None)

    # -- channels ---------------------------------------------------------------------------
    def set_conditions(self, energy: Mapping[Channel, float],
                       floor_dbm: float = NOISE_FLOOR_DBM) -> None:
        """Harness: the energy (dBm) a scan measures per channel; others at ``floor_dbm``."""
        self.conditions = dict(energy)
        self.floor_dbm = floor_dbm

    def energy(self, channel: Channel) -> float:
        assert self.conditions is not None
        return self.conditions.get(channel, self.floor_dbm)

    def assess(self, current: Channel, allowed: Sequence[Channel]) -> Assessment | None:
        """A channel scan request (module docstring); ``None`` without conditions."""
        if self.conditions is None:
            return None
        if self.energy(current) <= self.interference_dbm:
            return Assessment(ScanOutcome.KEPT, current)
        best = min((c for c in allowed if c != current), key=lambda c: (self.energy(c), c),
                   default=None)
        if best is not None and self.energy(best) <= self.interference_dbm and \
                self.energy(current) - self.energy(best) >= self.agility_margin_db:
            return Assessment(ScanOutcome.CHANGED, best)
        return Assessment(ScanOutcome.NOT_CHANGED, current)

    # -- duty cycle -------------------------------------------------------------------------
    def usage(self, eui64: str, now: dt.datetime) -> dt.timedelta:
        """Airtime used towards ``eui64`` in the window ending at ``now``."""
        record = self._usage.get(eui64)
        if record is None:
            return dt.timedelta()
        start = now - self.duty_cycle.window
        record.sent = [(t, a) for t, a in record.sent if t > start]
        return sum((a for _, a in record.sent), dt.timedelta())

    def book(self, eui64: str, airtime: dt.timedelta, now: dt.datetime) -> None:
        """Harness: airtime towards ``eui64`` that traffic the virtual HAN does not carry
        (retries, routing, beacons) used at ``now``."""
        self._usage.setdefault(eui64, _Usage()).sent.append((now, airtime))

    def transmit(self, eui64: str, octets_count: int, now: dt.datetime) -> Transmission:
        """Whether the CHF transmits a message of ``octets_count`` octets to ``eui64``
        (booking its airtime when it does); a device not on sub-GHz always gets it."""
        airtime = self.duty_cycle.airtime(octets_count)
        if not self.uses(eui64):
            return Transmission(True, False)
        used = self.usage(eui64, now)
        record = self._usage.setdefault(eui64, _Usage())
        budget, threshold = self.duty_cycle.budget, self.duty_cycle.budget * self.duty_cycle.limited
        if record.limited and used < threshold:
            record.limited = False  # 8F21, fallen below the threshold: no message code
        fits = used + airtime <= budget
        if fits:
            record.sent.append((now, airtime))
        entered = not record.limited and (used + (airtime if fits else budget)) >= threshold
        record.limited = record.limited or entered
        return Transmission(fits, entered)

    # -- state ------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {"capacity": self.capacity, "designated": sorted(self.designated),
                "devices": list(self.devices), "floor_dbm": self.floor_dbm,
                "conditions": None if self.conditions is None else
                {c.bits(): e for c, e in self.conditions.items()},
                "usage": {eui: {"sent": [(t.isoformat(), a // dt.timedelta(microseconds=1))
                                         for t, a in u.sent], "limited": u.limited}
                          for eui, u in self._usage.items()}}


__all__ = ["DBCH05", "DBCH06", "DBCH07", "DBCH08", "DBCH10", "DBCH11", "Assessment",
           "Channel", "DutyCycle", "ScanOutcome", "SubGhzRadio", "Transmission",
           "channels_of", "device_item", "discarded_item"]
