# SPDX-License-Identifier: GPL-3.0-or-later
"""The ESME's HAN view: what it publishes to IHDs, PPMIDs and CADs in the ZigBee Smart Energy
clusters (product.md §4.4, §4.5), computed from its COSEM object model at every read
(gbcs-protocol.md §2.2 and Appendix A). Nothing is copied: a DLMS set or action on the
:class:`~gfi.emulators.cosem.CosemServer` (a CS01a top-up, an ECS01a tariff, an ECS07 debt)
shows on the HAN at the next Read Attributes.

The mapping is data: :data:`METERING_MAP` (Metering 0x0702, SE 1.4 07-5356 annex D.3),
:data:`PRICE_MAP` (Price 0x0700, D.4) and :data:`PREPAYMENT_MAP` (Prepayment 0x0705, D.7)
give, per attribute id, the COSEM source (``class/OBIS/attribute``), the scaling rule and
the SE 1.4 attribute set. The ZCL data types are the registry's (:mod:`gfi.codecs.zcl`);
integers are clamped into their type's range, short of the all-ones / most-negative
"invalid" values. An attribute whose source is missing or not in use now (a tier the
calendar never selects) reads ``unsupported_attribute``.

Units (the project's ZSE conventions, :mod:`gfi.emulators.zse.profiles`):

* energy: kWh (unit of measure 0) with multiplier/divisor from the active import register's
  scaler (Wh, scaler 0 → 1/1000); other registers are rescaled to that scaler;
* money: 1/100000 of the currency unit (price trailing digit 5) from the account's currency
  scale (Blue Book class 111 attribute 15) or, for charges, the unit charge's price scale;
  prices are per kWh (the price matrix is per 10^commodity_scale Wh).

The current tier comes from the active Tariff Switching Table (20/0-0:13.0.0.255: season,
week and day profiles, with the special days of 11/0-0:11.0.0.255) at the device time.
Script selectors 1-48 are the TOU rates (price matrix index 01-30h); 101-108 the
TOU-with-block rates 1-8, whose block prices are A1-D8 and thresholds 21/0-0:16.0.11-18.255
(inferred from the RTDS 4.5.0 ECS01a vectors).

Messaging (D.5) has no attributes: the supplier message ECS10 writes (1/0-2:96.13.1.255/2)
is offered as the Display Message an ESME answers Get Last Message with
(:meth:`EsmeZse.last_message`); :meth:`EsmeZse.current_price` is the Publish Price payload
for Get Current Price (D.4.2.4.1).
"""

from __future__ import annotations

# ----------------------------------------------------------------------------
# Imports
# ----------------------------------------------------------------------------
import logging
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property, partial
from types import MappingProxyType
from typing import Any, Final

from gfi.codecs.zcl import ZclStatus, ZclType, attribute_def
from gfi.emulators.cosem import CosemServer
from gfi.emulators.cosem.values import Item, calendar_matches, gbcs_seconds
from gfi.emulators.zse.attributes import check_value, status_name, type_name

# ----------------------------------------------------------------------------
# Logging
# ----------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
PRICE = 0x0700
METERING = 0x0702
MESSAGING = 0x0703
PREPAYMENT = 0x0705

#: Decimal digits of every money value on the HAN (price trailing digit 5).
MONEY_DIGITS: Final = 5
#: DLMS unit codes: Wh, W.
_WH, _W = 30, 27
#: Digits left of the decimal point in the summation / demand formatting (SE 1.4 D.3.2.2.4).
_LEFT_DIGITS: Final = 6

#: COSEM objects (gbcs-protocol.md Appendix A).
IMPORT = "1-0:1.8.0.255"
EXPORT = "1-0:2.8.0.255"
POWER = "0-0:94.44.34.20"
TOU_REGISTERS = "0-0:94.44.34.1"
BLOCK_COUNTERS = "0-0:94.44.34.2"
MPAN = "0-0:94.44.34.11"
SUPPLY_SWITCH = "0-0:96.3.10.255"
CALENDAR = "0-0:13.0.0.255"
SPECIAL_DAYS = "0-0:11.0.0.255"
PRICE_MATRIX = "0-0:19.20.0.255"
STANDING_CHARGE = "0-0:19.20.4.255"
CURRENCY_UNIT = "0-0:94.44.2.0"
ACCOUNT = "0-0:19.0.0.255"
METER_BALANCE = "0-0:19.10.0.255"
EMERGENCY_CREDIT = "0-0:19.10.1.255"
ACCUMULATED_DEBT = "0-0:19.10.2.255"
EC_LIMIT = "0-0:94.44.128.2"
EC_THRESHOLD = "0-0:94.44.128.3"
MAX_CREDIT_THRESHOLD = "0-0:94.44.2.10"
MAX_METER_BALANCE = "0-0:94.44.2.20"
LOW_CREDIT_THRESHOLD = "0-0:94.44.128.9"
DISABLEMENT_THRESHOLD = "0-0:94.44.128.22"
SUPPLIER_MESSAGE = "0-2:96.13.1.255"
#: Debt n (1, 2 time-based; 3 payment-based) → its Charge object.
DEBTS: Final = {1: "0-0:19.20.1.255", 2: "0-0:19.20.2.255", 3: "0-0:19.20.3.255"}

#: Disconnect Control control_state (Blue Book class 70) → Metering SupplyStatus
#: (0 off, 1 armed, 2 on).
_SUPPLY_STATUS: Final = {0: 0x00, 1: 0x02, 2: 0x01}
#: Account payment mode (class 111: 1 credit, 2 prepayment) → PaymentControlConfiguration
#: (SE 1.4 D.7.2.2.1): prepayment is the GSME profile's 0x0C97; credit drops bit 0
#: (disconnection enabled) and bit 1 (prepayment enabled).
_PAYMENT_CONTROL: Final = {1: 0x0C94, 2: 0x0C97}
#: Credit status bits (SE 1.4 D.7.2.2.1 CreditStatus).
CREDIT_OK, LOW_CREDIT, EC_AVAILABLE, EC_SELECTED, EC_IN_USE, CREDIT_EXHAUSTED = (
    0x01, 0x02, 0x08, 0x10, 0x20, 0x40)
#: Credit object status (Blue Book class 112 attribute 8).
_SELECTABLE, _SELECTED, _IN_USE = 1, 2, 3
#: Charge type (class 113: 1 time-based, 2 payment-based) → DebtRecoveryMethod (SE 1.4
#: D.7.2.2.3: 0 time-based, 1 percentage-based).
_RECOVERY_METHOD: Final = {1: 0x00, 2: 0x01}
#: Charge period (s) → DebtRecoveryFrequency (0 hourly, 1 daily, 2 weekly).
_RECOVERY_FREQUENCY: Final = {3600: 0x00, 86400: 0x01, 604800: 0x02}
#: GBCS Currency Unit (true: GBP; false: EUR, inferred) → ISO 4217.
_CURRENCY: Final = {True: 826, False: 978}
#: Script selectors of the TOU-with-block rates 1-8 (inferred from RTDS ECS01a).
_BLOCK_SELECTOR_BASE: Final = 100
_BLOCK_LETTERS: Final = "ABCD"
_NO_THRESHOLD: Final = 0xFFFFFFFF


def _wall_clock() -> datetime:
    return datetime.now(UTC)


# ----------------------------------------------------------------------------
# Reading the COSEM model
# ----------------------------------------------------------------------------
def _value_of(item: Any) -> Any:
    """The value of a data item (``None`` for anything else)."""
    return item.get("value") if isinstance(item, Mapping) else None


def _int(item: Any) -> int | None:
    value = _value_of(item)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _members(item: Any) -> list[Any]:
    value = _value_of(item)
    return list(value) if isinstance(value, list) else []


def _member(item: Any, index: int) -> Any:
    """Member ``index`` of a structure or array (``None`` where missing)."""
    members = _members(item)
    return members[index] if index < len(members) else None


def _pair(item: Any) -> tuple[Any, Any]:
    """The first two members of a structure."""
    return _member(item, 0), _member(item, 1)


def _lookup(table: Mapping[int, int], key: int | None) -> int | None:
    return None if key is None else table.get(key)


def _power(exponent: int) -> int:
    """10^exponent for exponent ≥ 0."""
    return int(pow(10, exponent))


def _rescale(value: int, exponent: int) -> int:
    """``value × 10^exponent``, truncated toward zero."""
    if exponent >= 0:
        return value * _power(exponent)
    magnitude = abs(value) // _power(-exponent)
    return magnitude if value >= 0 else -magnitude


def _date_fields(hex_value: Any) -> tuple[int | None, int | None, int | None] | None:
    """(year, month, day) of a DLMS date or date-time, ``None`` for wildcards."""
    try:
        raw = bytes.fromhex(hex_value)
    except (TypeError, ValueError):
        return None
    if len(raw) < 4:
        return None
    year = int.from_bytes(raw[0:2], "big")
    month, day = raw[2], raw[3]
    return (None if year == 0xFFFF else year, month if 1 <= month <= 12 else None,
            day if 1 <= day <= 31 else None)


def _seconds_of_day(hex_value: Any, offset: int = 0) -> int:
    """Seconds after midnight of a DLMS time (``offset`` = where it starts in the octets)."""
    try:
        raw = bytes.fromhex(hex_value)[offset:offset + 3]
    except (TypeError, ValueError):
        return 0
    hour, minute, second = (v if v != 0xFF else 0 for v in raw.ljust(3, b"\0"))
    return hour * 3600 + minute * 60 + second


@dataclass(frozen=True)
class Tariff:
    """The active tariff at one moment, as the COSEM tariff objects define it."""

    #: Script selector active now (``None``: the calendar selects nothing).
    selector: int | None
    #: (tier, is a block rate) of every selector the day profiles use.
    rates: frozenset[tuple[int, bool]]
    #: Price matrix index (hex, ``"01"``, ``"A1"``) → price per kWh, money units.
    prices: Mapping[str, int]

    @property
    def tier(self) -> int | None:
        rate = _rate(self.selector)
        return None if rate is None else rate[0]

    @property
    def block_rate(self) -> bool:
        rate = _rate(self.selector)
        return rate is not None and rate[1]


def _rate(selector: int | None) -> tuple[int, bool] | None:
    """Script selector → (tier, block rate)."""
    if selector is None:
        return None
    if 1 <= selector <= 48:
        return selector, False
    if 1 <= selector - _BLOCK_SELECTOR_BASE <= 8:
        return selector - _BLOCK_SELECTOR_BASE, True
    return None


class Snapshot:
    """The COSEM state seen at one device time (one per read, so a read is consistent)."""

    def __init__(self, cosem: CosemServer, now: datetime) -> None:
        self.cosem = cosem
        self.now = cosem.device_time(now)

    # -- raw access ---------------------------------------------------------------------
    def item(self, obis: str, attribute_id: int) -> Item | None:
        target = self.cosem.find(obis)
        if target is None or attribute_id not in target.values:
            return None
        return self.cosem.value(obis, attribute_id)

    def number(self, obis: str, attribute_id: int = 2) -> int | None:
        return _int(self.item(obis, attribute_id))

    def has(self, obis: str) -> bool:
        return self.cosem.find(obis) is not None

    # -- energy ---------------------------------------------------------------------------
    def scaler(self, obis: str) -> int | None:
        """Scaler of a Wh / W register (attribute 3), ``None`` for other units."""
        scaler, unit = map(_int, _pair(self.item(obis, 3)))
        return scaler if unit in (_WH, _W) else None

    @cached_property
    def energy_scaler(self) -> int:
        """The import register's scaler: the HAN unit is 10^scaler Wh."""
        scaler = self.scaler(IMPORT)
        return 0 if scaler is None else scaler

    def formatting(self) -> tuple[int, int]:
        """(multiplier, divisor) that turn HAN units into kWh."""
        exponent = self.energy_scaler - 3
        return (_power(exponent), 1) if exponent >= 0 else (1, _power(-exponent))

    def format_byte(self) -> int:
        multiplier, divisor = self.formatting()
        decimals = max(0, min(7, len(str(divisor)) - len(str(multiplier))))
        return (_LEFT_DIGITS << 3) | decimals

    def energy(self, obis: str) -> int | None:
        """A Wh register's value in HAN units."""
        value, scaler = self.number(obis), self.scaler(obis)
        if value is None or scaler is None:
            return None
        return _rescale(value, scaler - self.energy_scaler)

    def demand(self) -> int | None:
        """Instantaneous import power (structure {value, scaler_unit}) in HAN units / h."""
        value, scaler_unit = _pair(self.item(POWER, 2))
        power = _int(value)
        scaler, unit = map(_int, _pair(scaler_unit))
        if power is None or scaler is None or unit != _W:
            return None
        return _rescale(power, scaler - self.energy_scaler)

    def tou_summation(self, tier: int) -> int | None:
        """TOU register ``tier`` of the primary element (inferred: the import register's
        units)."""
        arrays = _members(self.item(TOU_REGISTERS, 2))
        values = _members(arrays[0]) if arrays else []
        return _int(values[tier - 1]) if tier <= len(values) else None

    # -- money ----------------------------------------------------------------------------
    @cached_property
    def currency_scale(self) -> int:
        scale = _int(_member(self.item(ACCOUNT, 15), 1))
        return -MONEY_DIGITS if scale is None else scale

    def money(self, obis: str, attribute_id: int = 2) -> int | None:
        """An account-currency amount in money units."""
        value = self.number(obis, attribute_id)
        return None if value is None else _rescale(value, self.currency_scale + MONEY_DIGITS)

    def unit_charge(self, obis: str) -> tuple[int, int, dict[str, int]] | None:
        """Active unit charge of a Charge: (commodity scale, price scale, index → charge)."""
        members = _members(self.item(obis, 5))
        if len(members) < 3:
            return None
        scales = [_int(m) for m in _members(members[0])]
        if len(scales) < 2 or scales[0] is None or scales[1] is None:
            return None
        table: dict[str, int] = {}
        for entry in _members(members[2]):
            index, amount = _value_of(_member(entry, 0)), _int(_member(entry, 1))
            if isinstance(index, str) and amount is not None:
                table[index.upper()] = amount
        return scales[0], scales[1], table

    def first_charge(self, obis: str) -> int | None:
        """The first entry of a Charge's unit charge, in money units (standing charge, debt
        recovery rate)."""
        found = self.unit_charge(obis)
        if found is None or not found[2]:
            return None
        return _rescale(next(iter(found[2].values())), found[1] + MONEY_DIGITS)

    # -- prepayment -----------------------------------------------------------------------
    def payment_mode(self) -> int | None:
        return _int(_member(self.item(ACCOUNT, 2), 0))

    def credit_status(self) -> int | None:
        balance = self.money(METER_BALANCE)
        if balance is None:
            return None
        ec_status = self.number(EMERGENCY_CREDIT, 8)
        ec_in_use = ec_status in (_SELECTED, _IN_USE)
        combined = balance + ((self.money(EMERGENCY_CREDIT) or 0) if ec_in_use else 0)
        status = CREDIT_OK if combined > 0 else CREDIT_EXHAUSTED
        low = self.money(LOW_CREDIT_THRESHOLD)
        if low is not None and combined < low:
            status |= LOW_CREDIT
        status |= {_SELECTABLE: EC_AVAILABLE, _SELECTED: EC_SELECTED,
                   _IN_USE: EC_SELECTED | EC_IN_USE}.get(ec_status or 0, 0)
        return status

    def debt_amount(self, debt: int) -> int | None:
        return self.money(DEBTS[debt], 12)

    def debt_method(self, debt: int) -> int | None:
        return _lookup(_RECOVERY_METHOD, self.number(DEBTS[debt], 3))

    def debt_frequency(self, debt: int) -> int | None:
        return _lookup(_RECOVERY_FREQUENCY, self.number(DEBTS[debt], 8))

    def debt_recovery_amount(self, debt: int) -> int | None:
        """Time-based debts only: the recovery rate per period."""
        obis = DEBTS[debt]
        return self.first_charge(obis) if self.number(obis, 3) == 1 else None

    def debt_percentage(self, debt: int) -> int | None:
        """Payment-based debts only: the proportion (1/100 %)."""
        obis = DEBTS[debt]
        return self.number(obis, 13) if self.number(obis, 3) == 2 else None

    # -- tariff ---------------------------------------------------------------------------
    @cached_property
    def tariff(self) -> Tariff | None:
        """The active tariff now; ``None`` when the ESME has no price matrix."""
        matrix = self.unit_charge(PRICE_MATRIX)
        if matrix is None:
            return None
        commodity_scale, price_scale, table = matrix
        exponent = price_scale + MONEY_DIGITS + 3 - commodity_scale
        prices = {index: _rescale(charge, exponent) for index, charge in table.items()}
        days = {_int(d[0]): _members(d[1]) for d in map(_members, _members(self.item(
            CALENDAR, 5))) if len(d) >= 2}
        rates = frozenset(r for actions in days.values() for a in actions
                          if (r := _rate(_int(_member(a, 2)))) is not None)
        return Tariff(self._selector(days), rates, MappingProxyType(prices))

    def _selector(self, days: Mapping[int | None, list[Any]]) -> int | None:
        """The script selector the calendar runs now (Blue Book class 20: season → week →
        day profile, a special day replacing the week's day)."""
        special = self._special_day()
        day_id = special if special is not None else self._week_day()
        actions = sorted(((_seconds_of_day(_value_of(_member(a, 0))), _int(_member(a, 2)))
                          for a in days.get(day_id, [])), key=lambda pair: pair[0])
        if not actions:
            return None
        now_s = self.now.hour * 3600 + self.now.minute * 60 + self.now.second
        started = [selector for at, selector in actions if at <= now_s]
        # before the day's first switch the last one of the day still runs (approximation:
        # the same day profile stands for the previous day)
        return started[-1] if started else actions[-1][1]

    def _week_day(self) -> int | None:
        best: tuple[datetime, str] | None = None
        for season in map(_members, _members(self.item(CALENDAR, 3))):
            if len(season) < 3:
                continue
            start = self._season_start(_value_of(season[1]))
            if start is not None and (best is None or start > best[0]):
                best = (start, str(_value_of(season[2])).upper())
        if best is None:
            return None
        for week in map(_members, _members(self.item(CALENDAR, 4))):
            if len(week) >= 8 and str(_value_of(week[0])).upper() == best[1]:
                return _int(week[1 + self.now.weekday()])
        return None

    def _season_start(self, hex_value: Any) -> datetime | None:
        """The latest start of a season at or before now (a wildcard year repeats)."""
        fields = _date_fields(hex_value)
        if fields is None:
            return None
        year, month, day = fields
        seconds = _seconds_of_day(hex_value, offset=5)
        for candidate in ((year,) if year is not None else (self.now.year, self.now.year - 1)):
            try:
                start = datetime(candidate, month or 1, day or 1, tzinfo=UTC) \
                    + timedelta(seconds=seconds)
            except ValueError:
                continue
            if start <= self.now:
                return start
        return None

    def _special_day(self) -> int | None:
        for entry in map(_members, _members(self.item(SPECIAL_DAYS, 2))):
            if len(entry) < 3:
                continue
            try:
                date = bytes.fromhex(_value_of(entry[1]))
            except (TypeError, ValueError):
                continue
            if len(date) >= 5 and calendar_matches(date, self.now.date()):
                return _int(entry[2])
        return None

    def block_thresholds(self, tier: int) -> list[int]:
        """Thresholds of TOU-with-block rate ``tier`` (1-8), unused ones left out."""
        found = [_int(t) for t in _members(self.item(f"0-0:16.0.{10 + tier}.255", 2))]
        return [t for t in found if t is not None and t != _NO_THRESHOLD]

    def current_block(self) -> int:
        """0 (no blocks) or the block 1-4 the current block rate is in: its block counters
        (inferred layout: 4 blocks × 8 rates) against its thresholds."""
        tariff = self.tariff
        if tariff is None or not tariff.block_rate or tariff.tier is None:
            return 0
        tier = tariff.tier
        used = sum(_int(_member(block, tier - 1)) or 0
                   for block in _members(self.item(BLOCK_COUNTERS, 2)))
        passed = sum(1 for t in self.block_thresholds(tier) if used >= t)
        return min(len(_BLOCK_LETTERS), 1 + passed)

    def current_price(self) -> int | None:
        tariff = self.tariff
        if tariff is None or tariff.tier is None:
            return None
        if tariff.block_rate:
            index = f"{_BLOCK_LETTERS[self.current_block() - 1]}{tariff.tier}"
        else:
            index = f"{tariff.tier:02X}"
        return tariff.prices.get(index)

    def tier_price(self, tier: int, block: int = 1) -> int | None:
        """Price of ``tier`` (block ``block`` for a block rate), ``None`` unless in use; a
        block rate wins over the TOU rate of the same number."""
        tariff = self.tariff
        if tariff is None:
            return None
        if (tier, True) in tariff.rates:
            return tariff.prices.get(f"{_BLOCK_LETTERS[block - 1]}{tier}")
        if block == 1 and (tier, False) in tariff.rates:
            return tariff.prices.get(f"{tier:02X}")
        return None

    def tiers_in_use(self) -> int | None:
        tariff = self.tariff
        return None if tariff is None else max((t for t, _ in tariff.rates), default=0)

    def thresholds_in_use(self) -> int:
        tariff = self.tariff
        rates = [] if tariff is None else [t for t, block in tariff.rates if block]
        return max((len(self.block_thresholds(t)) for t in rates), default=0)

    def tier_block_mode(self) -> int | None:
        """TierBlockMode: 0xFF (not used) without block rates, else 2 (thresholds per tier)."""
        tariff = self.tariff
        if tariff is None:
            return None
        return 0x02 if any(block for _, block in tariff.rates) else 0xFF

    def currency(self) -> int | None:
        value = _value_of(self.item(CURRENCY_UNIT, 2))
        return _CURRENCY.get(value) if isinstance(value, bool) else None

    def message(self) -> str | None:
        """The supplier message (octet, visible or UTF-8 string), ``None`` when empty."""
        item = self.item(SUPPLIER_MESSAGE, 2)
        value = _value_of(item)
        if not isinstance(value, str) or not value:
            return None
        if item is not None and item.get("type") == "octet-string":
            try:
                value = bytes.fromhex(value).decode("utf-8", errors="replace")
            except ValueError:
                return None
        return value or None


# ----------------------------------------------------------------------------
# The mapping tables
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One published attribute: COSEM source(s) as ``class/OBIS/attribute`` (``-`` for a
    constant), the scaling rule, the SE 1.4 attribute set, and the value rule (``None``:
    not available now)."""

    source: str
    rule: str
    spec: str
    value: Callable[[Snapshot], Any]


def _when(obis: str, value: int) -> Callable[[Snapshot], int | None]:
    """A constant the ESME publishes only when it has ``obis``."""
    return lambda s: value if s.has(obis) else None


def _demand_format(s: Snapshot) -> int | None:
    return s.format_byte() if s.demand() is not None else None


_M, _P, _D = "SE 1.4 D.3.2.2", "SE 1.4 D.4.2.2", "SE 1.4 D.7.2.2"
_TOU = "20/0-0:13.0.0.255/3-5 + 11/0-0:11.0.0.255/2"
_BLK = "1/0-0:94.44.34.2/2 + 21/0-0:16.0.11-18.255/2"
_MATRIX = "113/0-0:19.20.0.255/5"
_PRICE_RULE = "charge × 10^(price scale + 5 + 3 − commodity scale) per kWh"

# fmt: off
#: Metering 0x0702 (SE 1.4 D.3.2.2).
METERING_MAP: Final[Mapping[int, Row]] = MappingProxyType({
    0x0000: Row(f"3/{IMPORT}/2", "HAN units (10^scaler Wh)", f"{_M}.1 Reading Information",
                lambda s: s.energy(IMPORT)),
    0x0001: Row(f"3/{EXPORT}/2", "rescaled to the import scaler", f"{_M}.1 Reading Information",
                lambda s: s.energy(EXPORT)),
    0x000E: Row(_BLK, "0 no blocks, else block 1-4", f"{_M}.1 Reading Information",
                lambda s: s.current_block() if s.tariff is not None else None),
    0x0014: Row(f"70/{SUPPLY_SWITCH}/3", "control state 0/1/2 → off 0/on 2/armed 1",
                f"{_M}.1 Reading Information",
                lambda s: _lookup(_SUPPLY_STATUS, s.number(SUPPLY_SWITCH, 3))),
    0x0020: Row(_TOU, "tier of the script selector now", f"{_M}.1 Reading Information",
                lambda s: s.tariff.tier if s.tariff is not None else None),
    **{0x0100 + 2 * (n - 1): Row(f"1/{TOU_REGISTERS}/2[0][{n - 1}]", "import units (inferred)",
                                 f"{_M}.2 TOU Information", partial(Snapshot.tou_summation, tier=n))
       for n in range(1, 49)},
    0x0300: Row(f"3/{IMPORT}/3", "unit Wh → 0 (kWh)", f"{_M}.4 Formatting",
                lambda s: 0x00 if s.scaler(IMPORT) is not None else None),
    0x0301: Row(f"3/{IMPORT}/3", "10^(scaler − 3) when ≥ 1", f"{_M}.4 Formatting",
                lambda s: s.formatting()[0]),
    0x0302: Row(f"3/{IMPORT}/3", "10^(3 − scaler) when ≥ 1", f"{_M}.4 Formatting",
                lambda s: s.formatting()[1]),
    0x0303: Row(f"3/{IMPORT}/3", "6 digits left, log10(divisor) right", f"{_M}.4 Formatting",
                lambda s: s.format_byte()),
    0x0304: Row(f"1/{POWER}/2", "as summation formatting", f"{_M}.4 Formatting",
                _demand_format),
    0x0306: Row("-", "0 electric metering", f"{_M}.4 Formatting", _when(IMPORT, 0x00)),
    0x0307: Row(f"1/{MPAN}/2", "MPAN octets as is", f"{_M}.4 Formatting",
                lambda s: _value_of(s.item(MPAN, 2))),
    0x0400: Row(f"1/{POWER}/2", "W × 10^scaler in HAN units (kW)",
                f"{_M}.5 Historical Consumption", lambda s: s.demand()),
})

#: Price 0x0700 (SE 1.4 D.4.2.2).
PRICE_MAP: Final[Mapping[int, Row]] = MappingProxyType({
    0x0300: Row("-", "0 electric metering", f"{_P}.4 Commodity", _when(PRICE_MATRIX, 0x00)),
    0x0301: Row(f"113/{STANDING_CHARGE}/5", "charge × 10^(price scale + 5) per day",
                f"{_P}.4 Commodity", lambda s: s.first_charge(STANDING_CHARGE)),
    **{0x0400 + 0x10 * n + b - 1: Row(_MATRIX, f"{_PRICE_RULE}; index {n:02X} or "
                                      f"{_BLOCK_LETTERS[b - 1]}{n}",
                                      f"{_P}.5 Block Price Information",
                                      partial(Snapshot.tier_price, tier=n, block=b))
       for n in range(1, 9) for b in range(1, 5)},
    **{0x0400 + 0x10 * n: Row(_MATRIX, f"{_PRICE_RULE}; index {n:02X}",
                              f"{_P}.5 Block Price Information",
                              partial(Snapshot.tier_price, tier=n)) for n in range(9, 16)},
    **{0x050F + n - 16: Row(_MATRIX, f"{_PRICE_RULE}; index {n:02X}",
                            f"{_P}.6 Extended Price Information",
                            partial(Snapshot.tier_price, tier=n)) for n in range(16, 49)},
    0x0611: Row(_TOU, "highest tier a day profile selects", f"{_P}.7 Tariff Information",
                lambda s: s.tiers_in_use()),
    0x0612: Row(_BLK, "most thresholds of a block rate in use", f"{_P}.7 Tariff Information",
                lambda s: s.thresholds_in_use() if s.tariff is not None else None),
    0x0613: Row(_TOU, "0xFF no block rate, else 2 (block thresholds per tier)",
                f"{_P}.7 Tariff Information", lambda s: s.tier_block_mode()),
    0x0615: Row(f"{_MATRIX} (commodity)", "0 kWh", f"{_P}.7 Tariff Information",
                _when(PRICE_MATRIX, 0x00)),
    0x0616: Row(f"9000/{CURRENCY_UNIT}/2", "true 826 GBP, false 978 EUR (inferred)",
                f"{_P}.7 Tariff Information", lambda s: s.currency()),
    0x0617: Row("-", "5 trailing digits (0x50)", f"{_P}.7 Tariff Information",
                _when(PRICE_MATRIX, MONEY_DIGITS << 4)),
})

_ACC = "× 10^(account currency scale + 5)"

#: Prepayment 0x0705 (SE 1.4 D.7.2.2).
PREPAYMENT_MAP: Final[Mapping[int, Row]] = MappingProxyType({
    0x0000: Row(f"111/{ACCOUNT}/2", "payment mode 1 → 0x0C94, 2 → 0x0C97",
                f"{_D}.1 Prepayment Information",
                lambda s: _lookup(_PAYMENT_CONTROL, s.payment_mode())),
    0x0001: Row(f"112/{METER_BALANCE}/2", _ACC, f"{_D}.1 Prepayment Information",
                lambda s: s.money(METER_BALANCE)),
    0x0002: Row(f"112/{EMERGENCY_CREDIT}/2", _ACC, f"{_D}.1 Prepayment Information",
                lambda s: s.money(EMERGENCY_CREDIT)),
    0x0003: Row(f"112/{METER_BALANCE}/2, 112/{EMERGENCY_CREDIT}/2+8, "
                f"9000/{LOW_CREDIT_THRESHOLD}/2", "credit OK/low/EC available/selected/in use"
                "/exhausted", f"{_D}.1 Prepayment Information", lambda s: s.credit_status()),
    0x0005: Row(f"112/{ACCUMULATED_DEBT}/2", _ACC, f"{_D}.1 Prepayment Information",
                lambda s: s.money(ACCUMULATED_DEBT)),
    0x0010: Row(f"9000/{EC_LIMIT}/2", _ACC, f"{_D}.1 Prepayment Information",
                lambda s: s.money(EC_LIMIT)),
    0x0011: Row(f"9000/{EC_THRESHOLD}/2", _ACC, f"{_D}.1 Prepayment Information",
                lambda s: s.money(EC_THRESHOLD)),
    0x0021: Row(f"9000/{MAX_METER_BALANCE}/2", _ACC, f"{_D}.1 Prepayment Information",
                lambda s: s.money(MAX_METER_BALANCE)),
    0x0022: Row(f"9000/{MAX_CREDIT_THRESHOLD}/2", _ACC, f"{_D}.1 Prepayment Information",
                lambda s: s.money(MAX_CREDIT_THRESHOLD)),
    0x0031: Row(f"9000/{LOW_CREDIT_THRESHOLD}/2", _ACC, f"{_D}.1 Prepayment Information",
                lambda s: s.money(LOW_CREDIT_THRESHOLD)),
    0x0040: Row(f"9000/{DISABLEMENT_THRESHOLD}/2", _ACC, f"{_D}.1 Prepayment Information",
                lambda s: s.money(DISABLEMENT_THRESHOLD)),
    **{attribute: row for n, obis in DEBTS.items() for attribute, row in (
        (0x0201 + 0x10 * n, Row(f"113/{obis}/12", _ACC, f"{_D}.3 Debt",
                                partial(Snapshot.debt_amount, debt=n))),
        (0x0202 + 0x10 * n, Row(f"113/{obis}/3", "charge type 1 → 0 time, 2 → 1 percentage",
                                f"{_D}.3 Debt",
                                partial(Snapshot.debt_method, debt=n))),
        (0x0206 + 0x10 * n, Row(f"113/{obis}/8", "period 3600/86400/604800 s → 0/1/2",
                                f"{_D}.3 Debt",
                                partial(Snapshot.debt_frequency, debt=n))),
        (0x0207 + 0x10 * n, Row(f"113/{obis}/5", "time-based: charge × 10^(price scale + 5)",
                                f"{_D}.3 Debt", partial(Snapshot.debt_recovery_amount, debt=n))),
        (0x0209 + 0x10 * n, Row(f"113/{obis}/13", "payment-based: proportion (1/100 %)",
                                f"{_D}.3 Debt", partial(Snapshot.debt_percentage, debt=n))),
    )},
})
# fmt: on

#: Cluster → its mapping table.
MAPPING: Final[Mapping[int, Mapping[int, Row]]] = MappingProxyType({
    METERING: METERING_MAP, PRICE: PRICE_MAP, PREPAYMENT: PREPAYMENT_MAP})
#: The object whose presence makes the ESME serve a cluster.
_ANCHOR: Final = {METERING: IMPORT, PRICE: PRICE_MATRIX, PREPAYMENT: ACCOUNT}


def fit(data_type: int, value: int) -> int:
    """Clamp an integer into a ZCL unsigned / signed type, short of its invalid value."""
    if ZclType.UINT8 <= data_type <= ZclType.UINT64:
        return max(0, min(value, (1 << 8 * (data_type - ZclType.UINT8 + 1)) - 2))
    if ZclType.INT8 <= data_type <= ZclType.INT64:
        top = (1 << 8 * (data_type - ZclType.INT8 + 1) - 1) - 1
        return max(-top, min(value, top))
    return value


# ----------------------------------------------------------------------------
# Classes
# ----------------------------------------------------------------------------
class EsmeCluster:
    """One cluster of the ESME's HAN view: the read side of
    :class:`~gfi.emulators.zse.AttributeStore` (``read``, ``get``, ``ids``, ``report``),
    every value computed from the COSEM model when asked."""

    def __init__(self, owner: EsmeZse, cluster_id: int) -> None:
        self.owner = owner
        self.cluster_id = cluster_id
        self.rows = MAPPING[cluster_id]

    def type_of(self, attribute_id: int) -> int:
        found = attribute_def(self.cluster_id, attribute_id)
        if found is None:
            raise ValueError(f"attribute 0x{attribute_id:04X} of cluster "
                             f"0x{self.cluster_id:04X} is not in the registry")
        return found.type_id

    def _value(self, snapshot: Snapshot, attribute_id: int) -> tuple[int, Any] | None:
        row = self.rows.get(attribute_id)
        if row is None:
            return None
        value = row.value(snapshot)
        if value is None:
            return None
        data_type = self.type_of(attribute_id)
        if isinstance(value, int):
            value = fit(data_type, value)
        if not check_value(data_type, value):
            logger.error("esme han: 0x%04X/0x%04X = %r is not a %s", self.cluster_id,
                         attribute_id, value, type_name(data_type))
            return None
        return data_type, value

    def values(self, attribute_ids: Iterable[int] | None = None) -> dict[int, Any]:
        """attribute id → value of the attributes available now (default: all)."""
        snapshot = self.owner.snapshot()
        wanted = sorted(self.rows) if attribute_ids is None else attribute_ids
        out = {}
        for attribute_id in wanted:
            found = self._value(snapshot, attribute_id)
            if found is not None:
                out[attribute_id] = found[1]
        return out

    def get(self, attribute_id: int, default: Any = None) -> Any:
        return self.values([attribute_id]).get(attribute_id, default)

    def ids(self) -> list[int]:
        """The attributes available now, ascending."""
        return sorted(self.values())

    def __contains__(self, attribute_id: object) -> bool:
        return isinstance(attribute_id, int) and attribute_id in self.values([attribute_id])

    def read(self, attribute_ids: Sequence[int]) -> list[dict[str, Any]]:
        """Read Attributes Response records, in request order (SE 1.4 / ZCL 2.5.2)."""
        snapshot = self.owner.snapshot()
        records = []
        for attribute_id in attribute_ids:
            found = self._value(snapshot, attribute_id)
            if found is None:
                records.append({"attribute_id": attribute_id,
                                "status": status_name(ZclStatus.UNSUPPORTED_ATTRIBUTE),
                                "data_type": None, "value": None})
            else:
                records.append({"attribute_id": attribute_id,
                                "status": status_name(ZclStatus.SUCCESS),
                                "data_type": type_name(found[0]), "value": found[1]})
        return records

    def report(self, attribute_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
        """Report Attributes records of the available attributes (default: all)."""
        snapshot = self.owner.snapshot()
        wanted = sorted(self.rows) if attribute_ids is None else sorted(set(attribute_ids))
        return [{"attribute_id": a, "data_type": type_name(f[0]), "value": f[1]}
                for a in wanted if (f := self._value(snapshot, a)) is not None]


class EsmeZse:
    """The ESME's ZSE server clusters over its COSEM model. ``clock`` gives the time the
    tariff calendar runs at (shifted by the emulated Clock object like every DLMS access);
    it defaults to the wall clock."""

    def __init__(self, cosem: CosemServer, *,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.cosem = cosem
        self.clock = clock or _wall_clock
        self._clusters = {c: EsmeCluster(self, c) for c in MAPPING}

    def snapshot(self) -> Snapshot:
        """The COSEM state at the clock's time now."""
        return Snapshot(self.cosem, self.clock())

    def cluster(self, cluster_id: int) -> EsmeCluster:
        return self._clusters[cluster_id]

    def stores(self) -> dict[int, EsmeCluster]:
        """cluster id → cluster, for :meth:`~gfi.emulators.zcl_endpoint.ZclEndpoint.serve`:
        Metering, Price and Prepayment (each when the model has its objects)."""
        return {c: v for c, v in self._clusters.items() if self.cosem.find(_ANCHOR[c]) is not None}

    def current_price(self) -> dict[str, Any] | None:
        """The Publish Price payload (SE 1.4 D.4.2.4.1) answering Get Current Price, or
        ``None`` when no tier is active. The issuer event id is a CRC-32 of the active
        price matrix and calendar, so it changes with the tariff."""
        snapshot = self.snapshot()
        tariff, price = snapshot.tariff, snapshot.current_price()
        if tariff is None or tariff.tier is None or price is None:
            return None
        tiers = max(snapshot.tiers_in_use() or 0, tariff.tier)
        tier_nibble = tariff.tier if tariff.tier <= 15 else 0x0F
        payload: dict[str, Any] = {
            "provider_id": 0, "rate_label": "",
            "issuer_event_id": zlib.crc32(repr((
                snapshot.item(PRICE_MATRIX, 5), snapshot.item(CALENDAR, 5))).encode()),
            "current_time": gbcs_seconds(snapshot.now) & 0xFFFFFFFF,
            "unit_of_measure": 0x00, "currency": snapshot.currency() or 0xFFFF,
            "price_trailing_digit_and_price_tier": (MONEY_DIGITS << 4) | tier_nibble,
            "number_of_price_tiers_and_register_tier": (min(tiers, 15) << 4) | tier_nibble,
            "start_time": 0, "duration_in_minutes": 0xFFFF,
            "price": fit(ZclType.UINT32, price),
        }
        trailing = ("price_ratio", "generation_price", "generation_price_ratio",
                    "alternate_cost_delivered", "alternate_cost_unit",
                    "alternate_cost_trailing_digit", "number_of_block_thresholds",
                    "price_control", "number_of_generation_tiers", "generation_tier",
                    "extended_number_of_price_tiers", "extended_price_tier",
                    "extended_register_tier")
        if tiers > 15:   # tiers 16-48 travel in the extended fields (0 = not used)
            payload |= dict.fromkeys(trailing, 0) | {
                "price_ratio": 0xFF, "generation_price": 0xFFFFFFFF,
                "generation_price_ratio": 0xFF, "alternate_cost_delivered": 0xFFFFFFFF,
                "alternate_cost_unit": 0xFF, "number_of_block_thresholds":
                    snapshot.thresholds_in_use(), "extended_number_of_price_tiers": tiers - 15,
                "extended_price_tier": max(0, tariff.tier - 15),
                "extended_register_tier": max(0, tariff.tier - 15)}
        else:
            payload |= dict.fromkeys(trailing)
        return payload

    def last_message(self) -> dict[str, Any] | None:
        """The Display Message payload (SE 1.4 D.5, GBCS leaves out the extended message
        control) for the supplier message ECS10 set, or ``None`` when there is none. The
        message id is a CRC-32 of the text; the message shows at once until replaced."""
        text = self.snapshot().message()
        if text is None:
            return None
        raw = text.encode("utf-8")[:254]
        return {"message_id": zlib.crc32(raw), "message_control": 0x00, "start_time": 0,
                "duration_in_minutes": 0xFFFF,
                "message": raw.decode("utf-8", errors="ignore"),
                "extended_message_control": None}


def mapping_rows() -> list[dict[str, Any]]:
    """The mapping tables as rows (cluster, attribute, name, ZCL type, source, rule, spec)."""
    rows = []
    for cluster_id, table in MAPPING.items():
        for attribute_id, row in sorted(table.items()):
            found = attribute_def(cluster_id, attribute_id)
            rows.append({"cluster_id": cluster_id, "attribute_id": attribute_id,
                         "name": found.name if found else None,
                         "data_type": type_name(found.type_id) if found else None,
                         "source": row.source, "rule": row.rule, "spec": row.spec})
    return rows


__all__ = [
    "MAPPING", "MESSAGING", "METERING", "METERING_MAP", "PREPAYMENT", "PREPAYMENT_MAP",
    "PRICE", "PRICE_MAP", "EsmeCluster", "EsmeZse", "Row", "Snapshot", "Tariff", "fit",
    "mapping_rows",
]
