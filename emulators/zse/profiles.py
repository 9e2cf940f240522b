# SPDX-License-Identifier: GPL-3.0-or-later
"""Declarative ZigBee Smart Energy device profiles (house style §7 rule 11: a device is
profile data plus behaviour): the attributes a device serves per cluster, its tariff and
calendars as the Price/Calendar publish commands carry them, its event configuration and
the parameters of its derived history.

:data:`GSME_PROFILE` is a SMETS2 gas meter (GBCS GSME): Basic, Metering, Prepayment, Price,
Device Management; Calendar and Events behaviour lives in :mod:`gfi.emulators.zse.server`.
The attribute types are the registry's (ZigBee SE 1.4 annex D; :mod:`gfi.codecs.zcl`); the
values were chosen so that every RTDS 4.5.0 GSME/GPF read answers with the data types the
RTDS responses show (gbcs-protocol.md §2.3 and Appendix B): e.g. current summation delivered
uint48, supply status enum8, the site id (MPRN) and current meter id octet strings, credit
remaining int32, debt registers uint32, price trailing digit bitmap8 and currency uint16.

Money is in 1/100000 of the currency unit (the price trailing digit 5 of the RTDS tariffs;
a UTRN penny is 1000 of these, gbcs-protocol.md §2.5). Gas volume is in litres: unit of
measure 1 (m³) with multiplier 1 and divisor 1000.
"""

from __future__ import annotations

# ----------------------------------------------------------------------------
# Imports
# ----------------------------------------------------------------------------
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from gfi.emulators.zse.attributes import AttributeStore

# ----------------------------------------------------------------------------
# Logging
# ----------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
BASIC = 0x0000
PRICE = 0x0700
METERING = 0x0702
MESSAGING = 0x0703
PREPAYMENT = 0x0705
CALENDAR = 0x0707
DEVICE_MANAGEMENT = 0x0708
EVENTS = 0x0709

#: Event configuration bits (SE 1.4 Device Management, Set Event Configuration): bits 0-2 the
#: log the event goes to, bit 3 push to the WAN (an alert), bit 4 push to the HAN.
LOG_NONE = 0
LOG_TAMPER = 1
LOG_FAULT = 2
LOG_GENERAL = 3
LOG_SECURITY = 4
LOG_NETWORK = 5
LOG_MASK = 0x07
PUSH_WAN = 0x08
PUSH_HAN = 0x10

#: Sample logs the Metering cluster serves through Get Sampled Data.
SAMPLE_LOG_PROFILE = "profile"
SAMPLE_LOG_NETWORK = "network"
SAMPLE_LOG_DAILY = "daily"

_EUI64 = re.compile(r"[0-9A-F]{16}")


def _text(value: str) -> str:
    """An octet-string value holding ASCII text (the codec shows octet strings as hex)."""
    return value.encode("ascii").hex().upper()


def _date(year: int | None, month: int, day: int) -> dict[str, int | None]:
    """A ZCL date (``None`` year = every year)."""
    return {"year": year, "month": month, "day": day, "day_of_week": None}


def calendar_spec(
    *,
    issuer_event_id: int,
    issuer_calendar_id: int,
    calendar_type: int,
    days: Mapping[int, Sequence[tuple[int, Any]]],
    weeks: Mapping[int, Sequence[int]],
    seasons: Sequence[tuple[dict[str, int | None], int]],
    special_days: Sequence[tuple[dict[str, int | None], int]],
    name: str = "",
    provider_id: int = 0,
    start_time: int = 0,
) -> dict[str, Any]:
    """A calendar as the ZSE Calendar publish commands carry it (SE 1.4 D.9.2.4): the
    Publish Calendar payload and one payload per day profile, week profile, the seasons and
    the special days. Day schedule entries are ``(minutes after midnight, what starts)``:
    a price tier, or for a friendly-credit calendar (type 3) whether friendly credit is on."""
    ids = {"provider_id": provider_id, "issuer_event_id": issuer_event_id,
           "issuer_calendar_id": issuer_calendar_id}
    entry_key = {3: "friendly_credit_enable", 4: "auxiliary_load_switch_state"}.get(
        calendar_type, "price_tier")
    return {
        "calendar": {
            **ids, "start_time": start_time, "calendar_type": calendar_type,
            "calendar_time_reference": 0, "calendar_name": _text(name),
            "number_of_seasons": len(seasons), "number_of_week_profiles": len(weeks),
            "number_of_day_profiles": len(days),
        },
        "days": {
            str(day_id): {
                **ids, "day_id": day_id, "total_number_of_schedule_entries": len(entries),
                "command_index": 0, "total_number_of_commands": 1,
                "calendar_type": calendar_type,
                "day_schedule_entries": [
                    {"start_time": minutes, entry_key: value} for minutes, value in entries
                ],
            }
            for day_id, entries in days.items()
        },
        "weeks": {
            str(week_id): {
                **ids, "week_id": week_id,
                **{f"day_id_ref_{name}": ref for name, ref in zip(
                    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                     "sunday"), refs, strict=True)},
            }
            for week_id, refs in weeks.items()
        },
        "seasons": {
            **ids, "command_index": 0, "total_number_of_commands": 1,
            "season_entries": [
                {"season_start_date": date, "week_id_ref": week} for date, week in seasons
            ],
        },
        "special_days": {
            **ids, "start_time": start_time, "calendar_type": calendar_type,
            "total_number_of_special_days": len(special_days), "command_index": 0,
            "total_number_of_commands": 1,
            "special_day_entries": [
                {"special_day_date": date, "day_id_ref": day} for date, day in special_days
            ],
        },
    }


# ----------------------------------------------------------------------------
# Classes
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ZseProfile:
    """What one ZSE device is, as data."""

    #: GBCS device type ("GSME", "ESME", "IHD" …).
    device_type: str
    #: The device's EUI-64 (16 uppercase hex digits).
    eui64: str
    #: Initial server attribute values, per cluster (types come from the ZCL registry).
    attributes: Mapping[int, Mapping[int, Any]]
    #: Attributes a Write Attributes command may change, per cluster.
    writable: Mapping[int, frozenset[int]] = field(default_factory=dict)
    #: Clusters whose attributes the device reports to its mirror (product.md §4.3).
    mirrored_clusters: tuple[int, ...] = ()
    #: Seed of every derived value (consumption, synthetic logs).
    seed: int = 1
    #: The tariff as last published, by kind: "tariff_information", "price_matrix",
    #: "block_thresholds", "billing_period", "block_period", "conversion_factor",
    #: "calorific_value" (Price publish payloads, SE 1.4 D.4.2.4).
    tariff: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: Calendars (see :func:`calendar_spec`); the first of each kind is active.
    calendars: tuple[Mapping[str, Any], ...] = ()
    #: Event id → event configuration (bits 0-2 log, bit 3 push to WAN, bit 4 to HAN).
    event_configuration: Mapping[int, int] = field(default_factory=dict)
    #: Log id → event ids the synthetic past of that log is made of.
    synthetic_events: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    #: At most this many synthetic events per log and day.
    events_per_day: int = 40
    #: Logs a Clear Event Log Request may clear (GBCS keeps the security logs).
    clearable_logs: frozenset[int] = frozenset({1, 2, 3, 5, 6})
    #: Entries kept per event log, top-up log, debt log.
    event_log_size: int = 100
    top_up_log_size: int = 100
    debt_log_size: int = 500
    #: Events in one Publish Event Log.
    max_events_per_response: int = 32
    #: Half-hourly consumption shape (48 values, metering units), winter increase and noise.
    consumption_shape: tuple[int, ...] = (0,) * 48
    winter_percent: int = 80
    noise_percent: int = 30
    #: Time of day (seconds after midnight UTC) of the daily read log snapshot.
    daily_snapshot_time: int = 0
    #: Retention: profile data log (days), daily read log (days), billing log (months).
    profile_log_days: int = 397
    daily_log_days: int = 731
    billing_log_months: int = 13
    #: Synthetic past top-ups: one every N days, amounts in pennies.
    top_up_every_days: int = 2
    top_up_amounts_pence: tuple[int, ...] = (500, 1000, 1500, 2000, 2500)
    #: Spread of the synthetic prepayment snapshots around the anchor values.
    prepay_spread: int = 200000
    #: Sample id → log (Get Sampled Data; GBCS uses 1 for the profile data log, RTDS 4.5.0
    #: GCS17 sends 0, GCS18 2).
    sample_logs: Mapping[int, str] = field(default_factory=dict)
    #: Message code → log, which wins over the sample id (GCS17, GCS18, GCS61).
    sample_logs_by_message_code: Mapping[int, str] = field(default_factory=dict)
    #: The network data log as first found: sample id, interval (s), samples, and how long
    #: before the anchor it started (s).
    network_log: Mapping[str, int] = field(default_factory=dict)
    #: Whether a remote Change Supply may turn the supply on (never for gas: the consumer
    #: opens an armed valve).
    remote_supply_enable: bool = False

    def __post_init__(self) -> None:
        if not _EUI64.fullmatch(self.eui64):
            raise ValueError(f"EUI-64 must be 16 uppercase hex digits, got {self.eui64!r}")
        for cluster_id, values in self.attributes.items():
            AttributeStore(cluster_id, values, writable=self.writable.get(cluster_id, ()))
        for cluster_id in self.writable:
            if cluster_id not in self.attributes:
                raise ValueError(f"writable attributes for undeclared cluster 0x{cluster_id:04X}")
        for cluster_id in self.mirrored_clusters:
            if cluster_id not in self.attributes:
                raise ValueError(f"mirrored cluster 0x{cluster_id:04X} has no attributes")
        if len(self.consumption_shape) != 48:
            raise ValueError("consumption_shape needs 48 half-hour values")
        for name, value in self.event_configuration.items():
            if not 0 <= name <= 0xFFFF or not 0 <= value <= 0xFF:
                raise ValueError(f"bad event configuration {name:#x}: {value:#x}")
        if self.network_log and set(self.network_log) != {
                "sample_id", "interval", "samples", "before_anchor"}:
            raise ValueError("network_log needs sample_id, interval, samples, before_anchor")
        for log in (*self.sample_logs.values(), *self.sample_logs_by_message_code.values()):
            if log not in (SAMPLE_LOG_PROFILE, SAMPLE_LOG_NETWORK, SAMPLE_LOG_DAILY):
                raise ValueError(f"unknown sample log {log!r}")
        if not 0 <= self.daily_snapshot_time < 86400 or self.daily_snapshot_time % 1800:
            raise ValueError("daily_snapshot_time must be a half-hour of the day, in seconds")
        if not self.top_up_amounts_pence or min(self.top_up_amounts_pence) <= 0:
            raise ValueError("top_up_amounts_pence must be positive")


# ----------------------------------------------------------------------------
# The GSME
# ----------------------------------------------------------------------------
#: Issuer ids of the GSME's initial tariff and calendars (2014-12-01 00:00:00 UTC).
_ISSUED = 0x1C0E6C00
_TOU_CALENDAR_ID = _ISSUED
_FRIENDLY_CREDIT_CALENDAR_ID = _ISSUED + 1

# fmt: off
#: Basic cluster (ZCL 3.2).
_GSME_BASIC: dict[int, Any] = {
    0x0000: 0x03,            # ZCL version
    0x0001: 0x01,            # application version
    0x0002: 0x02,            # stack version
    0x0003: 0x01,            # HW version
    0x0004: "GFI",           # manufacturer name
    0x0005: "GSME-EMU-1",    # model identifier
    0x0006: "20141201",      # date code
    0x0007: 0x03,            # power source: battery
    0x0010: "",              # location description (writable)
}

#: Metering cluster (SE 1.4 D.3.2.2).
_GSME_METERING: dict[int, Any] = {
    0x0000: 100000,          # current summation delivered (litres)
    0x0014: 0x02,            # supply status: ON (valve open)
    0x0100: 40000,           # tier 1-4 summations delivered
    0x0102: 30000,
    0x0104: 20000,
    0x0106: 10000,
    0x0200: 0x00,            # status
    0x0205: 3650,            # remaining battery life in days
    0x0206: "01020304",      # current meter id (GBCS: firmware version)
    0x0300: 0x01,            # unit of measure: m3
    0x0301: 1,               # multiplier
    0x0302: 1000,            # divisor
    0x0303: 0x33,            # summation formatting
    0x0306: 0x01,            # metering device type: gas
    0x0307: _text("9876543210"),  # site id (MPRN)
    0x0311: "",              # customer id number (CIN)
    0x0401: 0,               # current day consumption delivered
    0x0403: 0,               # previous day consumption delivered
    0x0605: 0x00,            # load limit supply state
    0x0607: 0x00,            # supply tamper state
    0x0608: 0x00,            # supply depletion state
    0x0609: 0x00,            # supply uncontrolled flow state
    0x0700: 60000,           # no-tier block 1-4 summations delivered
    0x0701: 30000,
    0x0702: 10000,
    0x0703: 0,
    0x0A00: 0,               # bill to date delivered
    0x0A01: 0,               # bill to date time stamp
    0x0B10: 0xF0F0,          # uncontrolled flow threshold
    0x0B11: 0x01,            # its unit of measure
    0x0B12: 1,               # multiplier
    0x0B13: 10000,           # divisor
    0x0B14: 60,              # stabilisation period (s)
    0x0B15: 300,             # measurement period (s)
}

#: Prepayment cluster (SE 1.4 D.7.2.2); prepayment mode with debt and emergency credit.
_GSME_PREPAYMENT: dict[int, Any] = {
    0x0000: 0x0C97,          # payment control configuration: prepayment
    0x0001: 2500000,         # credit remaining
    0x0002: 0,               # emergency credit remaining
    0x0003: 0x01,            # credit status: credit OK
    0x0004: 0,               # credit remaining time stamp
    0x0005: 0,               # accumulated debt
    0x0006: 1000000,         # overall debt cap
    0x0010: 1000000,         # emergency credit limit/allowance
    0x0011: 200000,          # emergency credit threshold
    0x0020: 0,               # total credit added
    0x0021: 10000000,        # maximum credit limit
    0x0022: 5000000,         # maximum credit per top-up
    0x0031: 500000,          # low credit warning level
    0x0032: 500000,          # IHD low credit warning level (writable)
    0x0040: 0,               # cut-off value
    # debt 1 and 2: time-based, daily; debt 3: payment-based, 10.00 % of each top-up
    0x0210: _text("Debt 1"), 0x0211: 5000, 0x0212: 0x00, 0x0213: 0, 0x0214: 0,
    0x0216: 0x01, 0x0217: 500, 0x0219: 0,
    0x0220: _text("Debt 2"), 0x0221: 5000, 0x0222: 0x00, 0x0223: 0, 0x0224: 0,
    0x0226: 0x01, 0x0227: 200, 0x0229: 0,
    0x0230: _text("Debt 3"), 0x0231: 500000, 0x0232: 0x01, 0x0233: 0, 0x0234: 0,
    0x0236: 0x01, 0x0237: 0, 0x0239: 1000,
}

#: Price cluster (SE 1.4 D.4.2.2): a four-rate TOU tariff with block prices alongside.
_GSME_PRICE: dict[int, Any] = {
    0x0100: 100000,          # block 1-3 thresholds
    0x0101: 200000,
    0x0102: 300000,
    0x0200: 0,               # start of block period
    0x0201: 1,               # block period duration
    0x0202: 1,               # threshold multiplier
    0x0203: 1000,            # threshold divisor
    0x0204: 0x23,            # block period duration type: monthly
    0x0300: 0x01,            # commodity type: gas
    0x0301: 22465,           # standing charge (per day)
    0x0302: 102264,          # conversion factor 1.02264
    0x0303: 0x50,            # its trailing digit
    0x0304: 400,             # calorific value 40.0
    0x0305: 0x01,            # MJ/m3
    0x0306: 0x10,            # its trailing digit
    0x0400: 10600,           # no-tier block 1-4 prices
    0x0401: 11200,
    0x0402: 11750,
    0x0403: 12000,
    0x0410: 9600,            # tier 1-4 (block 1) prices
    0x0420: 10200,
    0x0430: 10750,
    0x0440: 11000,
    0x0610: "",              # tariff label
    0x0611: 4,               # number of price tiers in use
    0x0612: 0,               # number of block thresholds in use
    0x0613: 0xFF,            # tier block mode: not used
    0x0615: 0x00,            # unit of measure: kWh
    0x0616: 826,             # currency: GBP
    0x0617: 0x50,            # price trailing digit: 5
    0x0700: 0x1C0E6C00,      # current billing period start
    0x0701: 1,               # current billing period duration
}

#: Device Management cluster (SE 1.4 D.10.2.2).
_GSME_DEVICE_MANAGEMENT: dict[int, Any] = {
    0x0100: 0,               # provider id
    0x0101: _text("GFI Energy"),
    0x0102: _text("0333 202 4650"),
    0x0110: 0,               # proposed provider id
    0x0111: "",
    0x0112: 0,
    0x0113: 0,
    0x0114: "",
    0x0200: 0,               # change of tenancy update date time
    0x0201: 0,               # proposed tenancy change control
}

#: Default event configuration of the GSME (GBCS event and alert codes, gbcs-protocol.md §4.2).
_G, _S, _W, _H = LOG_GENERAL, LOG_SECURITY, PUSH_WAN, PUSH_HAN
_GSME_EVENTS: dict[int, int] = {
    0x810D: _G | _W | _H,    # combined credit below low credit threshold
    0x810E: _G | _W,         # credit added locally
    0x8119: _G | _H,         # emergency credit has become available
    0x8145: _G,              # clock adjusted (within tolerance)
    0x8154: _G,              # HAN interface command actioned
    0x8155: _G,              # HAN interface command not actioned
    0x8161: _G,              # user interface command actioned
    0x8162: _G,              # user interface command not actioned
    0x8168: _G | _W,         # supply disabled then armed, activate emergency credit
    0x8183: _G,              # device joined SMHAN
    0x8184: _G,              # valve tested
    0x81A1: _S,              # battery cover closed
    0x81A5: _S,              # communication from local port
    0x81A7: _G | _W,         # debt collection completed, time debt 1
    0x81A8: _G | _W,         # debt collection completed, time debt 2
    0x81A9: _G | _W,         # debt collection completed, payment debt
    0x81AA: _G | _W | _H,    # emergency credit exhausted
    0x81AB: _G | _W,         # emergency credit activated
    0x81B4: _G | _W,         # excess gas flow beyond meter capacity
    0x81B5: _G | _W,         # air in gas flow
    0x81B6: _G | _W,         # reverse flow of gas
    0x81BD: _G | _W,         # supply connect failure
    0x81C0: _G | _W,         # supply disconnect failure
    0x81C4: _S | _W,         # UTRN manual entry suspended
    0x81C5: _S | _W,         # UTRN rejected as locked out
    0x8F0C: _S | _W,         # clock not adjusted
    0x8F0F: _G | _W,         # credit below disablement threshold
    0x8F1C: _S | _W,         # firmware verification failed
    0x8F1E: _S | _W,         # integrity check of a command failed
    0x8F1F: _G | _W,         # low battery capacity
    0x8F32: _G | _W,         # supply armed
    0x8F3E: _S | _W,         # unauthorised communication access attempted
    0x8F3F: _S | _W,         # unauthorised physical access, tamper
    0x8F43: _S | _W,         # change in the executing firmware version
    0x8F47: _S | _W,         # credit would exceed the maximum meter balance
    0x8F51: _S | _W,         # duplicate UTRN entered
    0x8F52: _S | _W,         # event log cleared
    0x8F53: _S | _W,         # failed authentication or authorisation
    0x8F57: _G | _W,         # supply interrupted
    0x8F5B: _S | _W,         # UTRN exceeds maximum credit threshold
    0x8F60: _S | _W,         # unusual numbers of malformed commands
    0x8F63: _S | _W,         # UTRN not authentic
    0x8F64: _S | _W,         # UTRN not for this device
    0x8F73: _S | _W,         # battery cover removed
    0x8F74: _S | _W,         # meter cover removed
    0x8F75: _S | _W,         # strong magnetic field
}

#: Gas use per half-hour, litres (night, morning and evening heating peaks).
_GSME_SHAPE: tuple[int, ...] = (
    20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 30, 60,       # 00:00-05:30
    250, 420, 480, 400, 260, 150, 90, 70, 60, 60, 60, 60,  # 06:00-11:30
    70, 70, 60, 60, 60, 60, 80, 120,                       # 12:00-15:30
    200, 300, 380, 420, 440, 430, 400, 340, 280, 220,      # 16:00-20:30
    160, 110, 70, 40, 30, 20,                               # 21:00-23:30
)
# fmt: on

_TOU_CALENDAR = calendar_spec(
    issuer_event_id=_ISSUED,
    issuer_calendar_id=_TOU_CALENDAR_ID,
    calendar_type=0,
    name="TOU",
    days={1: [(0, 1)], 2: [(0, 2)], 3: [(0, 3)], 4: [(0, 4)]},
    weeks={1: (1, 1, 1, 1, 1, 2, 2), 2: (3, 3, 3, 3, 3, 4, 4)},
    seasons=[(_date(None, 10, 1), 1), (_date(None, 4, 1), 2)],
    special_days=[(_date(None, 12, 25), 2), (_date(None, 12, 26), 2), (_date(None, 1, 1), 2)],
)

_FRIENDLY_CREDIT_CALENDAR = calendar_spec(
    issuer_event_id=_ISSUED,
    issuer_calendar_id=_FRIENDLY_CREDIT_CALENDAR_ID,
    calendar_type=3,
    name="Friendly credit",
    days={
        1: [(0, True), (480, False), (1080, True)],
        2: [(0, True), (420, False), (1020, True)],
        3: [(0, True), (480, False), (840, True)],
        4: [(0, True), (420, False), (780, True)],
    },
    weeks={1: (1, 1, 1, 1, 1, 3, 3), 2: (2, 2, 2, 2, 2, 4, 4)},
    seasons=[(_date(None, 3, 29), 2), (_date(None, 10, 26), 1)],
    special_days=[
        (_date(None, 12, 25), 3), (_date(None, 12, 26), 3), (_date(None, 1, 1), 3),
        (_date(None, 5, 1), 4),
    ],
)

_GSME_TARIFF: dict[str, dict[str, Any]] = {
    "tariff_information": {
        "provider_id": 0, "issuer_event_id": _ISSUED, "issuer_tariff_id": 1, "start_time": 0,
        "tariff_type_and_charging_scheme": 0x00, "tariff_label": "",
        "number_of_price_tiers_in_use": 4, "number_of_block_thresholds_in_use": 0,
        "unit_of_measure": 0x00, "currency": 826, "price_trailing_digit": 0x50,
        "standing_charge": 22465, "tier_block_mode": 0xFF, "block_threshold_multiplier": 1,
        "block_threshold_divisor": 1000,
    },
    "price_matrix": {
        "provider_id": 0, "issuer_event_id": _ISSUED, "start_time": 0, "issuer_tariff_id": 1,
        "command_index": 0, "total_number_of_commands": 1, "sub_payload_control": 0x01,
        "prices": [{"tier_block_id": tier, "price": price}
                   for tier, price in ((1, 9600), (2, 10200), (3, 10750), (4, 11000))],
    },
    "block_thresholds": {
        "provider_id": 0, "issuer_event_id": _ISSUED, "start_time": 0, "issuer_tariff_id": 1,
        "command_index": 0, "total_number_of_commands": 1, "sub_payload_control": 0x01,
        "thresholds": [{"tier_and_number_of_block_thresholds": 0x03,
                        "block_thresholds": [100000, 200000, 300000]}],
    },
    "billing_period": {
        "provider_id": 0, "issuer_event_id": _ISSUED, "billing_period_start_time": _ISSUED,
        "billing_period_duration": 1, "billing_period_duration_type": 0x23, "tariff_type": 0,
    },
    "block_period": {
        "provider_id": 0, "issuer_event_id": _ISSUED, "block_period_start_time": _ISSUED,
        "block_period_duration": 1, "block_period_control": 0x02,
        "block_period_duration_type": 0x23, "tariff_type": 0, "tariff_resolution_period": 0x01,
    },
    "conversion_factor": {
        "issuer_event_id": _ISSUED, "start_time": 0, "conversion_factor": 102264,
        "conversion_factor_trailing_digit": 0x50,
    },
    "calorific_value": {
        "issuer_event_id": _ISSUED, "start_time": 0, "calorific_value": 400,
        "calorific_value_unit": 0x01, "calorific_value_trailing_digit": 0x10,
    },
}

#: A SMETS2 gas meter (GBCS GSME), in prepayment mode.
GSME_PROFILE = ZseProfile(
    device_type="GSME",
    eui64="00DB1234567890A1",
    attributes=MappingProxyType({
        BASIC: MappingProxyType(_GSME_BASIC),
        METERING: MappingProxyType(_GSME_METERING),
        PREPAYMENT: MappingProxyType(_GSME_PREPAYMENT),
        PRICE: MappingProxyType(_GSME_PRICE),
        DEVICE_MANAGEMENT: MappingProxyType(_GSME_DEVICE_MANAGEMENT),
    }),
    writable=MappingProxyType({
        BASIC: frozenset({0x0010}),
        PREPAYMENT: frozenset({0x0032}),
    }),
    mirrored_clusters=(BASIC, METERING, PREPAYMENT, PRICE, DEVICE_MANAGEMENT),
    seed=0x6A5,
    tariff=MappingProxyType(_GSME_TARIFF),
    calendars=(_TOU_CALENDAR, _FRIENDLY_CREDIT_CALENDAR),
    event_configuration=MappingProxyType(_GSME_EVENTS),
    synthetic_events=MappingProxyType({
        LOG_GENERAL: (0x8145, 0x8154, 0x8161, 0x81A1, 0x81A5, 0x8184),
        LOG_SECURITY: (0x8F0C, 0x8F1C, 0x8F1E, 0x8F3E, 0x8F3F, 0x8F43, 0x8F53, 0x8F60),
    }),
    consumption_shape=_GSME_SHAPE,
    sample_logs=MappingProxyType({0: SAMPLE_LOG_PROFILE, 1: SAMPLE_LOG_PROFILE,
                                  2: SAMPLE_LOG_NETWORK, 3: SAMPLE_LOG_DAILY}),
    sample_logs_by_message_code=MappingProxyType({0x0078: SAMPLE_LOG_PROFILE,
                                                  0x0079: SAMPLE_LOG_NETWORK,
                                                  0x00A0: SAMPLE_LOG_DAILY}),
    network_log=MappingProxyType({"sample_id": 2, "interval": 360, "samples": 240,
                                  "before_anchor": 86400}),
)
