# SPDX-License-Identifier: GPL-3.0-or-later
"""Deterministic meter history for the ZSE device models: half-hourly consumption, the
network data log, and the synthetic past of the logs a GSME keeps (top-ups, debt
collections, events, daily and billing snapshots).

Nothing here reads a clock or an unseeded random source (house style §7 rule 2). Every value
is a pure function of the profile's seed and an index (a half-hour, a day, a top-up slot), so
13 months of profile data cost nothing to store: the state keeps the seed and the time the
model was first used (its *anchor*); what happened before the anchor is derived, what happens
after it is recorded by the model as time advances (product.md §4.7: 397 days × 48 half-hours;
gbcs-protocol.md Appendix B, GCS15d/e, GCS16a/b, GCS17, GCS18, GCS61, CS10a/b).

Times are ZCL UTC times: seconds since 2000-01-01 00:00:00 UTC (ZigBee SE 1.4 / ZCL "UTCTime";
gbcs-protocol.md §2.3).
"""

from __future__ import annotations

# ----------------------------------------------------------------------------
# Imports
# ----------------------------------------------------------------------------
import calendar
import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

from gfi.codecs.gbcs.utrn import check_digit

# ----------------------------------------------------------------------------
# Logging
# ----------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
EPOCH_2000 = datetime(2000, 1, 1, tzinfo=UTC)
HALF_HOUR = 1800
DAY = 86400
MASK64 = (1 << 64) - 1
#: PPTD offset of a UTRN (gbcs-protocol.md §2.5).
PPTD_OFFSET = 7394156990786306048


# ----------------------------------------------------------------------------
# Time
# ----------------------------------------------------------------------------
def zcl_time(moment: datetime) -> int:
    """ZCL UTC time of a timezone-aware datetime (clamped to the uint32 range)."""
    if moment.tzinfo is None:
        raise ValueError("device time must be timezone-aware (UTC)")
    seconds = int((moment - EPOCH_2000).total_seconds())
    return min(max(seconds, 0), 0xFFFFFFFD)


def from_zcl_time(seconds: int) -> datetime:
    """The datetime of a ZCL UTC time."""
    return EPOCH_2000 + timedelta(seconds=int(seconds))


def month_start(seconds: int) -> int:
    """Start of the UTC calendar month holding ``seconds``."""
    moment = from_zcl_time(seconds)
    return zcl_time(moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0))


def add_months(seconds: int, months: int) -> int:
    """``seconds`` (a month start) moved by ``months`` calendar months."""
    moment = from_zcl_time(seconds)
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return zcl_time(moment.replace(year=year, month=month + 1, day=day))


# ----------------------------------------------------------------------------
# Deterministic mixing (SplitMix64)
# ----------------------------------------------------------------------------
def _splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def mix(*parts: int) -> int:
    """A 64-bit value determined by ``parts`` (SplitMix64 over each part in turn)."""
    x = 0x2545F4914F6CDD1D
    for part in parts:
        x = _splitmix64(x ^ (part & MASK64))
    return x


#: Stream tags, so that the streams of one seed are independent.
STREAM_CONSUMPTION = 1
STREAM_NETWORK = 2
STREAM_TOP_UP = 3
STREAM_EVENTS = 4
STREAM_PREPAY = 5


# ----------------------------------------------------------------------------
# Consumption
# ----------------------------------------------------------------------------
class ConsumptionModel:
    """Half-hourly consumption (in metering units, e.g. litres when the divisor is 1000) as a
    function of the half-hour index ``seconds // 1800``: a daily shape, a seasonal factor
    (more in winter) and seeded noise. Daily totals are cached (they are pure)."""

    def __init__(
        self, seed: int, shape: Sequence[int], winter_percent: int, noise_percent: int
    ) -> None:
        if len(shape) != 48:
            raise ValueError("the daily consumption shape needs 48 half-hour values")
        self.seed = seed
        self.shape = tuple(int(v) for v in shape)
        self.winter_percent = winter_percent
        self.noise_percent = noise_percent
        self._days: dict[int, int] = {}
        self._seasons: dict[int, int] = {}

    def sample(self, index: int) -> int:
        """Consumption of half-hour ``index`` (uint24)."""
        base = self.shape[index % 48]
        season = self._season(index // 48)
        noise = mix(self.seed, STREAM_CONSUMPTION, index) % (2 * self.noise_percent + 1)
        value = base * season * (100 - self.noise_percent + noise) // 10000
        return max(0, min(value, 0xFFFFFF))

    def _season(self, day: int) -> int:
        """Seasonal factor in percent: 100 in July, 100 + winter_percent in January."""
        found = self._seasons.get(day)
        if found is None:
            month = from_zcl_time(day * DAY).month
            distance = min(abs(month - 1), 12 - abs(month - 1))  # 0 (Jan) … 6 (Jul)
            found = 100 + self.winter_percent * (6 - distance) // 6
            self._seasons[day] = found
        return found

    def day_total(self, day: int) -> int:
        """Consumption of day ``day`` (``seconds // 86400``)."""
        found = self._days.get(day)
        if found is None:
            found = sum(self.sample(day * 48 + k) for k in range(48))
            self._days[day] = found
        return found

    def total(self, start: int, end: int) -> int:
        """Consumption of the half-hours ``[start, end)`` (half-hour indices)."""
        if end <= start:
            return 0
        total = 0
        index = start
        while index < end and index % 48:
            total += self.sample(index)
            index += 1
        while index + 48 <= end:
            total += self.day_total(index // 48)
            index += 48
        while index < end:
            total += self.sample(index)
            index += 1
        return total


def network_sample(seed: int, consumption: ConsumptionModel, seconds: int, interval: int) -> int:
    """One network data log sample (flow in the interval starting at ``seconds``): the
    half-hour's consumption spread over the interval, with a little seeded noise."""
    hh = consumption.sample(seconds // HALF_HOUR)
    share = hh * max(1, interval) // HALF_HOUR
    noise = mix(seed, STREAM_NETWORK, seconds) % 3
    return max(0, min(share // 40 + noise, 0xFFFFFF))


# ----------------------------------------------------------------------------
# Synthetic logs (before the anchor)
# ----------------------------------------------------------------------------
def utrn_for(value_pence: int, salt: int) -> str:
    """A well-formed 20-digit UTRN for a top-up of ``value_pence`` pennies (value class 0),
    with a seeded (not verifiable) MAC part — the token of a synthetic past top-up."""
    high = (0 << 13) | (value_pence & 0x1FFF)
    ptut = (high << 32) | (salt & 0xFFFFFFFF)
    pptd = PPTD_OFFSET + ptut
    return f"{pptd}{check_digit(pptd)}"


def slots(start: int, end: int, period: int, offset: int = 0) -> Iterator[int]:
    """Times ``k * period + offset`` within ``[start, end)``, newest first."""
    if end <= start or period <= 0:
        return
    k = (end - 1 - offset) // period
    while True:
        t = k * period + offset
        if t < start:
            return
        if t < end:
            yield t
        k -= 1


def synthetic_top_up(seed: int, slot_time: int, amounts: Sequence[int]) -> tuple[int, int, str]:
    """(time, amount in pennies, UTRN) of the synthetic top-up of a slot."""
    r = mix(seed, STREAM_TOP_UP, slot_time)
    pence = amounts[r % len(amounts)]
    jitter = (r >> 16) % 3600
    return slot_time + jitter, pence, utrn_for(pence, r >> 24)


def synthetic_events(
    seed: int, log_id: int, day: int, event_ids: Sequence[int], per_day: int
) -> list[tuple[int, int]]:
    """(time, event id) of the synthetic events of one log on day ``day``, ascending."""
    if not event_ids or per_day <= 0:
        return []
    count = mix(seed, STREAM_EVENTS, log_id, day) % (per_day + 1)
    events = []
    for k in range(count):
        r = mix(seed, STREAM_EVENTS, log_id, day, k + 1)
        events.append((day * DAY + r % DAY, event_ids[(r >> 20) % len(event_ids)]))
    return sorted(events)


def synthetic_prepay_offset(seed: int, seconds: int, spread: int) -> int:
    """A seeded offset in ``[-spread, spread]`` for a synthetic prepayment snapshot."""
    if spread <= 0:
        return 0
    return int(mix(seed, STREAM_PREPAY, seconds) % (2 * spread + 1)) - spread
