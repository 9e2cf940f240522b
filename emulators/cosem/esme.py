# SPDX-License-Identifier: GPL-3.0-or-later
"""The ESME object model: every COSEM object that gbcs-protocol.md Appendix A lists for the
DLMS commands addressed to an ESME, plus the objects those commands reach indirectly (the
registers and logs behind the Data Protection objects, the Profile Data Log of
product.md §4.7, the UTC time object the RTDS range reads restrict on).

One declaration per instance. Initial values have the data types the RTDS responses (or,
for write-only objects, the RTDS commands) show; where no vector shows an object's type
the value is marked ``(inferred)``. The tables are data: :func:`esme_profile` only picks
the single- or twin-element variant and the profile-log options.

Passive/active pairs follow GBCS: passive copies of tables sit at B = 1 (``0-1:…``) or
``16.1.x`` and become active through a GBCS Extended Data activation time (class 9000
attribute 6) whose ``activates`` links are declared here; the alerts 0x00CC of RTDS name the
activation attribute (e.g. 9000/0-0:94.44.128.26/6 "CALENDAR" for ECS46d).
"""

from __future__ import annotations

# ----------------------------------------------------------------------------
# Imports
# ----------------------------------------------------------------------------
import logging
from typing import Any, Final

from gfi.emulators.cosem.classes import script, script_action
from gfi.emulators.cosem.logs import MONTHLY, Column, LogSpec
from gfi.emulators.cosem.profile import SUPPLIER_CHANGES, ObjectDecl, Profile, obj
from gfi.emulators.cosem.values import (
    Item,
    arr,
    bits,
    boolean,
    capture_object,
    date5,
    dl,
    dlu,
    dt,
    enum,
    integer,
    long,
    lu,
    octets,
    scaler_unit,
    st,
    time4,
    unsigned,
    utf8,
    visible,
)

# ----------------------------------------------------------------------------
# Logging
# ----------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants and small builders
# ----------------------------------------------------------------------------
#: Capacity of the half-hourly Profile Data Log: 397 days × 48 (product.md §4.7).
HH_LOG_ENTRIES: Final = 19_056

#: GBCS UTC time object: the timestamp capture object and range restriction of the logs
#: (class 1, attribute 2, double-long-unsigned seconds since 2000; RTDS get-with-selection).
UTC_TIME: Final = (1, "0-0:94.44.100.255", 2, 0)

DLU: Final = "double-long-unsigned"
NEVER: Final = octets("FF" * 9 + "8000FF")
#: Unit codes (DLMS): 27 W, 30 Wh, 32 varh, 255 count.
WATT, WATT_HOUR, VAR_HOUR, COUNT = 27, 30, 32, 255


def data(obis: str, name: str, value: Item, **kw: Any) -> ObjectDecl:
    """A Data (class 1) object."""
    return obj(1, obis, name, {2: value}, **kw)


def register(obis: str, name: str, value: Item, scaler: int = 0, unit: int = COUNT,
             **kw: Any) -> ObjectDecl:
    """A Register (class 3) object."""
    return obj(3, obis, name, {2: value, 3: scaler_unit(scaler, unit)}, **kw)


def extended(obis: str, name: str, active: Item, passive: Item | None = None,
             **kw: Any) -> ObjectDecl:
    """A GBCS Extended Data (class 9000) object: active and passive value."""
    return obj(9000, obis, name, {2: active, 4: active if passive is None else passive}, **kw)


def time_column() -> Column:
    return Column(DLU, UTC_TIME, kind="time")


def log(obis: str, name: str, spec: LogSpec, period: int | None = None,
        **kw: Any) -> ObjectDecl:
    """A Profile Generic (class 7) object over a synthetic log."""
    values = {} if period is None else {4: dlu(period)}
    return obj(7, obis, name, values, log=spec, **kw)


def schedule_entry(index: int, script_ln: str, selector: int, at: Item) -> Item:
    """A Schedule (class 10) entry: index, enable, script, selector, switch time, validity
    window, exec weekdays, exec special days, begin date, end date."""
    return st(lu(index), boolean(True), octets(script_ln), lu(selector), at, lu(0xFFFF),
              bits(7, "FE"), bits(0, ""), date5(0xFFFF, 0xFF, 0xFF), date5(0xFFFF, 0xFF, 0xFF))


def special_day(index: int, day: Item, day_id: int) -> Item:
    return st(lu(index), day, unsigned(day_id))


def unit_charge(scaler: int, commodity_ln: str, charges: int, price: int = 0) -> Item:
    """Charge unit_charge: {charge_per_unit_scaling {commodity scale, price scale},
    commodity {class, logical name, attribute}, charge_table array of {index, charge}}."""
    table = [st(octets(f"{i + 1:02X}" if charges > 1 else ""), long(price))
             for i in range(charges)]
    class_id = 3 if commodity_ln != "000000000000" else 0
    return st(st(integer(scaler), integer(-5)),
              st(lu(class_id), octets(commodity_ln), integer(2 if class_id else 0)),
              arr(*table))


def charge(obis: str, name: str, unit: Item, charge_type: int, **kw: Any) -> ObjectDecl:
    """A Charge (class 113) object."""
    return obj(113, obis, name, {3: enum(charge_type), 5: unit, 6: unit, 7: NEVER,
                                 8: dlu(86400)}, **kw)


def season(name: str, start: Item, week: str) -> Item:
    return st(octets(name.encode().hex()), start, octets(week))


def week(name: str, *days: int) -> Item:
    return st(octets(name), *(unsigned(d) for d in days))


def day(day_id: int, *actions: tuple[Item, int]) -> Item:
    return st(unsigned(day_id), arr(*(st(t, octets("00000A0064FF"), lu(s)) for t, s in actions)))


#: A one-season, one-week, one-day tariff calendar (rate 1 all day).
_CALENDAR = {
    2: octets("616C6C"), 3: arr(season("all", dt(2015, 1, 1), "01")),
    4: arr(week("01", 1, 1, 1, 1, 1, 1, 1)), 5: arr(day(1, (time4(0), 1))),
    6: octets("616C6C"), 7: arr(season("all", dt(2015, 1, 1), "01")),
    8: arr(week("01", 1, 1, 1, 1, 1, 1, 1)), 9: arr(day(1, (time4(0), 1))), 10: NEVER,
}

#: Event codes (alert codes, gbcs-protocol.md §4.2) and details used by the synthetic
#: event and security logs (the shapes of the RTDS ECS35a/c responses).
_EVENT_CODES = (0x8F01, 0x8145, 0x8154, 0x8155, 0x8161, 0x8162, 0x8F66, 0x8F67)
_SECURITY_CODES = (0x8F1C, 0x8F72, 0x8F84, 0x8F0A, 0x8F12, 0x8F20)
_EVENT_DETAILS = ("", "009B", "0090", "0002", "0005")

_TOU = tuple(dlu(10 * (i % 7) + i) for i in range(48))

_SUPPLY_SCRIPTS = "0-0:10.0.106.255"
_SUPPLY_SWITCH = "0-0:96.3.10.255"


# ----------------------------------------------------------------------------
# Log layouts
# ----------------------------------------------------------------------------
def _hh_import(twin: bool, gap_per_mille: int, clock_status: bool) -> LogSpec:
    columns = [time_column(),
               Column(DLU, (3, "1-0:1.8.0.255", 2, 0), kind="load", low=20, high=1200)]
    if twin:
        # (inferred) the secondary measuring element's register: channel B = 1
        columns.append(Column(DLU, (3, "1-1:1.8.0.255", 2, 0), kind="load", low=0, high=600))
    if clock_status:
        columns.append(Column("unsigned", (8, "0-0:1.0.0.255", 4, 0), kind="clock_status"))
    return LogSpec(tuple(columns), period=1800, capacity=HH_LOG_ENTRIES,
                   gap_per_mille=gap_per_mille, salt="99.1.0")


def _billing(twin: bool, prepayment: bool, salt: str) -> LogSpec:
    """Billing data logs (ECS20b/c): total import, TOU registers (48), block registers
    (4 × 8) and, for the change-of-mode log, six prepayment values (RTDS shapes)."""
    columns = [time_column(),
               Column(DLU, (3, "1-0:1.8.0.255", 2, 0), kind="rising", high=9000)]
    if twin:
        columns.append(Column(DLU, (3, "1-1:1.8.0.255", 2, 0), kind="rising", high=3000))
    columns.append(Column(DLU, (1, "0-0:94.44.34.1", 2, 1), kind="array", count=48,
                          element=DLU, high=250000))
    if twin:
        columns.append(Column(DLU, (1, "0-0:94.44.34.1", 2, 2), kind="array", count=4,
                              element=DLU, high=250000))
    columns += [Column(DLU, (1, "0-0:94.44.34.2", 2, n), kind="array", count=8, element=DLU,
                       high=250000) for n in range(1, 5)]
    if prepayment:
        columns += _prepayment_columns()
    return LogSpec(tuple(columns), period=MONTHLY, capacity=12, salt=salt)


def _prepayment_columns() -> list[Column]:
    sources = [(112, "0-0:19.10.0.255", 2), (112, "0-0:19.10.1.255", 2),
               (112, "0-0:19.10.2.255", 2), (113, "0-0:19.20.1.255", 12),
               (113, "0-0:19.20.2.255", 12), (113, "0-0:19.20.3.255", 12)]
    return [Column("double-long", (c, o, a, 0), low=-50000, high=500000) for c, o, a in sources]


def _events(salt: str, codes: tuple[int, ...], capacity: int = 100) -> LogSpec:
    return LogSpec((time_column(),
                    Column("long-unsigned", (1, "0-0:96.11.0.255", 2, 0), kind="choice",
                           choices=codes),
                    Column("octet-string", (1, "0-0:96.11.0.255", 2, 1), kind="choice",
                           choices=_EVENT_DETAILS)),
                   period=2700, capacity=capacity, jitter=True, salt=salt)


def _daily(capture: tuple[int, str, int, int], salt: str, kind: str, low: int, high: int,
           capacity: int = 731) -> LogSpec:
    return LogSpec((time_column(), Column(DLU, capture, kind=kind, low=low, high=high)),
                   period=86400, capacity=capacity, salt=salt)


def _prepayment_daily() -> LogSpec:
    """(inferred) The Prepayment Daily Read Log of ECS21b: no source names its OBIS code or
    capture objects. By analogy with the export Daily Read Log 0-0:98.1.10.255 (a midnight
    reading per day, 731 days) it takes, once a day, the six prepayment values that the
    prepayment billing logs capture (RTDS ECS20b/c shapes: meter balance, emergency credit
    balance, accumulated debt register, total amount remaining of the three debt recovery
    charges)."""
    return LogSpec((time_column(), *_prepayment_columns()), period=86400, capacity=731,
                   salt="98.1.12")


def _voltage(phase: int) -> LogSpec:
    return LogSpec((time_column(),
                    Column(DLU, (3, f"1-0:{phase}.7.0.255", 2, 0), low=0, high=250)),
                   period=3600, capacity=2160, salt=f"{phase}.24.0")


# ----------------------------------------------------------------------------
# The table
# ----------------------------------------------------------------------------
def _objects(twin: bool, hh_gap_per_mille: int, hh_clock_status: bool) -> list[ObjectDecl]:
    # fmt: off
    import_collection = [("1-0:1.8.0.255", 2), ("1-0:1.8.0.255", 3),
                         ("1-0:3.8.0.255", 2), ("1-0:3.8.0.255", 3)]
    if twin:
        import_collection.append(("1-1:1.8.0.255", 2))
    tou_collection = st(arr(*_TOU), arr(*_TOU[:4])) if twin else st(arr(*_TOU))
    table: list[ObjectDecl] = [
        # -- identity and configuration (class 1) ------------------------------------------
        data("0-0:0.2.1.255", "Firmware Version", octets("0123ABCD"), read_only=(2,)),
        data("0-0:96.1.1.255", "Device Identity", octets("00DB1234567890A0"),
             source="device_id", read_only=(2,)),
        data("0-0:96.1.2.255", "Device Type (ECS26e)", octets("42"), read_only=(2,)),
        data("0-0:96.1.4.255", "Manufacturer Identifier (ECS26e)",
             octets("4154475479706558"), read_only=(2,)),
        data("0-0:96.1.6.255", "Model / Version (ECS26e)", octets("435357"), read_only=(2,)),
        data("0-0:94.44.0.4", "Supply Tamper State", boolean(True)),
        data("0-0:94.44.0.0", "Randomised Offset (ECS26c)", lu(200)),
        data("0-0:94.44.0.1", "Randomised Offset Limit", lu(1000)),
        data("0-0:94.44.0.2", "Randomisation Period (ECS26c)", lu(2000)),
        data("0-0:94.44.100.255", "UTC Date Time (GBCS UTC seconds)", dlu(0),
             source="utc_seconds", read_only=(2,)),
        data("0-0:94.44.3.1", "Disable Privacy PIN Protection", octets()),
        data("0-0:94.44.3.2", "Restrict Data Date Time", dt(2000, 1, 1)),  # (inferred)
        data("0-0:94.44.34.11", "MPAN (import)", octets("31333132333435363738313131")),
        data("1-0:0.0.2.255", "MPAN (export)", octets("31333132333435363738333333")),
        data("0-2:96.13.1.255", "Supplier Message", octets(),
             templates={2: (octets(), visible(""), utf8(""))}),
        data("0-3:96.13.1.255", "Customer Identification Number", octets(),
             templates={2: (octets(), visible(""), lu(0))}),
        data("0-0:94.44.5.0", "Maximum Demand Import Reset Time (ECS18b)", dt(2014, 12, 31)),
        data("0-0:94.44.5.1", "Maximum Demand Import Configurable Reset Time (ECS18b)",
             dt(2014, 12, 31)),
        data("0-0:94.44.5.2", "Maximum Demand Export Reset Time (ECS18a)", dt(2014, 12, 31)),
        data("0-0:94.44.7.255", "Boost Button Data (ECS61c)", lu(0),   # (inferred)
             templates={2: (lu(0), dlu(0), octets())}),
        data("0-0:94.44.34.20", "Power Import Collection", st(dl(0), scaler_unit(0, WATT))),
        data("0-0:94.44.34.10", "Import Energy Registers (ECS17b)", st(),
             compose=tuple(import_collection), read_only=(2,)),
        data("0-0:94.44.34.1", "TOU Registers (ECS17d)", tou_collection, read_only=(2,)),
        data("0-0:94.44.34.2", "TOU Block Registers (ECS17e)",   # (inferred)
             st(*(arr(*([dlu(0)] * 8)) for _ in range(4))), read_only=(2,)),
        # -- auxiliary load control, APC, boost button -----------------------------------
        *(data(f"0-0:94.44.0.{n}", f"ALCS/HCALCS {n - 10} Label", visible(""))
          for n in range(11, 16)),
        data("0-0:94.44.0.21", "ALCS 1 Configuration", octets("1234567890ABCDEF")),
        data("0-0:94.44.0.22", "ALCS 2 Configuration", octets("0000000000000000")),
        data("0-0:94.44.0.23", "ALCS 3 Configuration", octets("FF")),
        data("0-0:94.44.0.24", "ALCS 4 Configuration", octets()),
        data("0-0:94.44.0.25", "ALCS 5 Configuration", octets("0000000000000000")),
        data("0-0:94.44.0.31", "APC State 1", utf8('{"outputState": 0, "inputState": 0}')),
        data("0-0:94.44.0.32", "APC State 2", utf8('{"outputState": 0, "inputState": 0}')),
        data("0-0:94.44.0.33", "APC State 3", utf8('{"outputState": 100, "inputState": 0}')),
        data("0-0:94.44.0.34", "APC State 4", utf8("{}")),
        data("0-0:94.44.0.35", "APC State 5",
             utf8('{"outputState": 100, "inputState": 100}')),
        *(data(f"0-0:94.44.6.{n}", f"Boost Button ALCS {n} Association", boolean(False))
          for n in range(1, 6)),
        *(data(f"0-0:94.44.{c}.{n}", f"ALCS/APC Control {c}.{n} (ECS47)", NEVER,
               templates={2: (NEVER, lu(0), dlu(0))})
          for c, numbers in ((117, (1, 2)), (119, (1, 2, 3, 4)), (121, (1, 2, 3, 4)))
          for n in numbers),
        # -- alert and event behaviours (ECS25) ---------------------------------------------
        *(data(f"0-{b}:97.98.{c}.255", f"{party} Alert/Event Behaviour {c}", bits(512))
          for b, party, numbers in ((30, "Supplier", (11, 12, 13, 14)),
                                    (33, "Network Operator", (11, 14)))
          for c in numbers),
        data("0-30:97.98.15.255", "Supplier Alert Behaviour Read 15", bits(
            256, "00000000000000337F0FFFF30000000800000000000000000000000002006000")),
        data("0-30:97.98.16.255", "Supplier Alert Behaviour Read 16", bits(
            256, "000000000000001000000C000000000000000100000000000000000002002000")),
        data("0-30:97.98.17.255", "Supplier Alert Behaviour Read 17", bits(256)),
        data("0-30:97.98.18.255", "Supplier Alert Behaviour Read 18", bits(
            256, "00000000000000737F0FFFFF0000000800000006003000200000000000000000")),
        data("0-33:97.98.15.255", "Network Operator Alert Behaviour Read 15", bits(256)),
        data("0-33:97.98.18.255", "Network Operator Alert Behaviour Read 18", bits(256)),
        # -- voltage configuration (ECS26b/k, ECS29) -----------------------------------------
        *(data(f"1-0:{p}.{c}.0.4", f"RMS Voltage Threshold {p}.{c}", dlu(v))
          for p, c, v in ((32, 31, 200), (32, 35, 264), (52, 31, 200), (52, 35, 264),
                          (72, 31, 200), (72, 35, 264))),
        # -- registers (class 3, 4) -----------------------------------------------------------
        register("1-0:1.8.0.255", "Active Import Register", dlu(10), unit=WATT_HOUR),
        register("1-0:2.8.0.255", "Active Export Register", dlu(10), unit=WATT_HOUR),
        register("1-0:3.8.0.255", "Reactive Import Register", dlu(10), unit=VAR_HOUR),
        register("1-0:4.8.0.255", "Reactive Export Register", dlu(20), unit=VAR_HOUR),
        register("0-0:94.44.1.7", "Tariff Register (ECS24)", dlu(0), unit=WATT_HOUR),  # (inferred)
        register("0-0:94.44.1.8", "Secondary Tariff Register (ECS24b)", dlu(0),   # (inferred)
                 unit=WATT_HOUR),
        register("0-0:94.44.42.255", "Load Limit Counter", dlu(30)),
        *(register(f"1-0:{p}.{c}.0.4", f"RMS Voltage Counter {p}.{c}", dlu(v))
          for p, c, v in ((32, 32, 81), (32, 36, 15), (52, 32, 224), (52, 36, 25),
                          (72, 32, 84), (72, 36, 211))),
        *(register(f"1-0:{p}.7.0.255", f"Instantaneous Voltage L{i}", dlu(230), unit=35)
          for i, p in ((1, 32), (2, 52), (3, 72))),
        obj(4, "1-0:1.6.0.255", "Maximum Demand Active Import", {
            2: dlu(4775), 3: scaler_unit(0, WATT), 5: dt(2014, 12, 31, 9, 30)}),
        obj(4, "1-0:1.6.1.255", "Maximum Demand Active Import (configurable period)", {
            2: dlu(12122), 3: scaler_unit(0, WATT), 5: dt(2014, 12, 31, 11, 30)}),
        obj(4, "1-0:2.6.0.255", "Maximum Demand Active Export", {
            2: dlu(4775), 3: scaler_unit(0, WATT), 5: dt(2014, 12, 30, 20, 37)}),
        # -- logs (class 7) -------------------------------------------------------------------
        log("0-0:99.1.0.255", "Profile Data Log (active import, half-hourly)",
            _hh_import(twin, hh_gap_per_mille, hh_clock_status)),
        log("0-0:99.1.1.255", "Profile Data Log (export, half-hourly)", LogSpec((
            time_column(),
            Column(DLU, (3, "1-0:2.8.0.255", 2, 0), kind="load", low=0, high=400),
            Column(DLU, (3, "1-0:4.8.0.255", 2, 0), kind="load", low=0, high=300)),
            period=1800, capacity=HH_LOG_ENTRIES, salt="99.1.1")),
        log("0-0:99.1.2.255", "Profile Data Log (reactive import, half-hourly)", LogSpec((
            time_column(),
            Column(DLU, (3, "1-0:3.8.0.255", 2, 0), kind="load", low=0, high=300)),
            period=1800, capacity=HH_LOG_ENTRIES, salt="99.1.2")),
        log("0-0:99.1.3.255", "Daily Consumption Log",
            _daily((3, "1-0:1.8.0.255", 2, 0), "99.1.3", "uniform", 20, 300)),
        log("0-0:98.1.10.255", "Daily Read Log (export)",
            _daily((3, "1-0:2.8.0.255", 2, 0), "98.1.10", "rising", 0, 150)),
        # (inferred) OBIS and capture objects of the two daily read logs behind ECS21a/b
        # (Data Protection 0-0:43.2.5/6.255): no source names them. By analogy with the
        # export Daily Read Log above (the next E values, the same midnight readings):
        # ECS21a "exc export" reads the active import register daily, rising by up to the
        # Daily Consumption Log's 300 Wh a day; ECS21b the prepayment values daily.
        log("0-0:98.1.11.255", "Daily Read Log (import)",   # (inferred)
            _daily((3, "1-0:1.8.0.255", 2, 0), "98.1.11", "rising", 0, 300)),
        log("0-0:98.1.12.255", "Prepayment Daily Read Log", _prepayment_daily()),   # (inferred)
        log("0-0:98.1.4.255", "Billing Data Log (payment-based debt payments)",
            _daily((113, "0-0:19.20.3.255", 2, 0), "98.1.4", "uniform", 0, 250,
                   capacity=100)),
        log("0-0:98.1.5.255", "Billing Data Log (prepayment credits)", LogSpec((
            time_column(),
            Column("double-long", (112, "0-0:19.10.0.255", 2, 0), low=500, high=5000)),
            period=7 * 86400, capacity=100, jitter=True, salt="98.1.5")),   # (inferred)
        log("0-0:98.1.0.255", "Billing Data Log (billing calendar)",
            _billing(twin, prepayment=False, salt="98.1.0")),
        log("0-0:98.1.1.255", "Billing Data Log (billing calendar, prepayment)", LogSpec((
            time_column(), *_prepayment_columns()), period=MONTHLY, capacity=12,
            salt="98.1.1")),
        log("0-0:98.1.2.255", "Billing Data Log (change of mode / tariff)",
            _billing(twin, prepayment=True, salt="98.1.2")),
        log("1-0:32.24.0.255", "Voltage Profile L1", _voltage(32), period=3600),
        log("1-0:52.24.0.255", "Voltage Profile L2", _voltage(52), period=3600),
        log("1-0:72.24.0.255", "Voltage Profile L3", _voltage(72), period=3600),
        log("0-0:99.98.0.255", "Event Log", _events("99.98.0", _EVENT_CODES)),
        log("0-0:99.98.1.255", "Security Log", _events("99.98.1", _SECURITY_CODES)),
        log("0-0:99.98.4.255", "Power Event Log", LogSpec((
            time_column(),
            Column("long-unsigned", (1, "0-0:96.11.4.255", 2, 0), low=0x8002, high=0x8010),
            Column(DLU, (1, "0-0:96.11.4.255", 2, 1), low=0, high=3600)),
            period=2700, capacity=100, jitter=True, salt="99.98.4")),
        log("0-17:99.98.2.255", "Auxiliary Load Control Switch Event Log", LogSpec((
            time_column(),
            Column("long-unsigned", (1, "0-17:96.11.2.255", 2, 0), low=0x200, high=0x320),
            Column("enum", (70, "0-1:96.3.10.255", 2, 0), low=0, high=1),
            Column(DLU, (1, "0-17:96.11.2.255", 2, 1), low=0, high=0x7FFFFFFF)),
            period=86400, capacity=100, jitter=True, salt="99.98.2")),
        log("0-0:99.98.20.255", "Boost Button Event Log", LogSpec((   # (inferred)
            time_column(),
            Column("long-unsigned", (1, "0-0:94.44.7.255", 2, 0), low=0, high=240)),
            period=86400, capacity=100, jitter=True, salt="99.98.20")),
        # -- clock, scripts, schedules ---------------------------------------------------------
        obj(8, "0-0:1.0.0.255", "Clock"),
        obj(9, "0-0:10.0.100.255", "Tariff Block Counter Matrix TOU (reset script)",
            open_scripts=True),
        obj(9, "0-0:10.0.103.255", "ALCS Control Scripts", open_scripts=True),
        obj(9, "0-0:10.0.107.255", "APC Control Scripts", open_scripts=True),
        obj(9, _SUPPLY_SCRIPTS, "Supply Control Scripts", {2: arr(
            script(51, script_action(2, 70, _SUPPLY_SWITCH, 2, integer(0))),   # ECS42 close
            script(52, script_action(2, 70, _SUPPLY_SWITCH, 1, integer(0))),   # ECS43 open
            script(54, script_action(1, 70, _SUPPLY_SWITCH, 3, enum(2))),      # ECS44 arm
        )}),
        obj(10, "0-0:12.0.0.255", "Maximum Demand Configurable Time Period", {2: arr(
            schedule_entry(1, "00000A8064FF", 1, time4(12)),
            schedule_entry(2, "00000A8064FF", 2, time4(9)))}),
        *(obj(10, f"0-{b}:12.0.1.255", f"Non-Disablement Calendar ({state})", {2: arr(
            schedule_entry(1, "00000A006AFF", 32, time4(0)))}) for b, state in
          ((0, "active"), (1, "passive"))),
        *(obj(10, f"0-{b}:12.0.2.255", f"ALCS Calendar ({state})", {2: arr(
            schedule_entry(1, "00000A0067FF", 4480, time4(9)))}) for b, state in
          ((0, "active"), (1, "passive"))),
        *(obj(11, f"0-{b}:11.0.{n}.255", f"{what} Special Days ({state})", {2: arr(
            special_day(1, date5(0xFFFF, 12, 25), 1))})
          for n, what in ((0, "Tariff Switching Table"), (1, "Secondary Tariff Switching Table"),
                          (2, "Non-Disablement Calendar"), (3, "ALCS Calendar"))
          for b, state in ((0, "active"), (1, "passive"))),
        obj(20, "0-0:13.0.0.255", "Tariff Switching Table", _CALENDAR),
        obj(20, "0-0:13.0.1.255", "Tariff Switching Table Secondary Element", _CALENDAR),
        obj(22, "0-0:15.0.0.255", "Billing Calendar", {
            2: st(octets("00000A0064FF"), lu(1)), 4: arr(
                *(st(time4(12), date5(0xFFFF, m, 1)) for m in (1, 4, 7, 10)))}),
        obj(22, "0-0:15.1.0.255", "Tariff Block Counter Matrix Daily Reset", {
            2: st(octets("00000A0064FF"), lu(1)), 4: arr(st(time4(0), date5(0xFFFF, 0xFF, 0xFF)))
        }),
        # -- thresholds (class 21) --------------------------------------------------------------
        obj(21, "0-0:16.0.0.255", "Instantaneous Power Thresholds", {
            2: arr(dlu(2300), dlu(4600))}),
        obj(21, "0-0:16.0.1.255", "Prepayment Thresholds (ECS26a)", {2: arr()}),   # (inferred)
        *(obj(21, f"0-0:16.{b}.{n}.255",
              f"Tariff Threshold Matrix Blocks TOU{n - 10} ({state})",
              {2: arr(dlu(0xFFFFFFFF))})
          for n in range(11, 19) for b, state in ((0, "active"), (1, "passive"))),
        # -- data protection (class 30): the object lists of the RTDS requests --------------
        *(obj(30, f"0-0:43.2.{n}.255", name, {3: arr(*(capture_object(*o) for o in lst))})
          for n, name, lst in (
              (1, "Prepayment Register Collection (ECS19)",   # (inferred) object list
               [(112, "0-0:19.10.0.255", 2, 0), (112, "0-0:19.10.1.255", 2, 0),
                (112, "0-0:19.10.2.255", 2, 0)]),
              (2, "Billing Calendar Log Collection (ECS20c)",
               [(7, "0-0:98.1.0.255", 2, 0), (7, "0-0:98.1.1.255", 2, 0)]),
              (3, "Change of Mode / Tariff Log Collection (ECS20b)",
               [(7, "0-0:98.1.2.255", 2, 0)]),
              (4, "Daily Consumption Log Collection (ECS66)", [(7, "0-0:99.1.3.255", 2, 0)]),
              (5, "Daily Read Log Collection (ECS21a)",   # (inferred) object list
               [(7, "0-0:98.1.11.255", 2, 0)]),
              (6, "Prepayment Daily Read Log Collection (ECS21b)",   # (inferred) object list
               [(7, "0-0:98.1.12.255", 2, 0)]),
              (7, "Profile Data Log Collection (ECS22b)", [(7, "0-0:99.1.0.255", 2, 0)]),
              (8, "Import Register Collection", [(1, "0-0:94.44.34.10", 2, 0)]),
              (9, "Tariff TOU Register Collection", [(1, "0-0:94.44.34.1", 2, 0)]),
              (10, "Tariff Block TOU Register Collection", [(1, "0-0:94.44.34.2", 2, 0)]),
          )),
        # -- switches and limiters (class 70, 71) --------------------------------------------
        obj(70, _SUPPLY_SWITCH, "Supply Switch", {2: boolean(True), 3: enum(1), 4: enum(4)}),
        *(obj(70, f"0-{n}:96.3.10.255", f"ALCS/HCALCS {n} Switch",
              {2: boolean(False), 3: enum(0), 4: enum(4)}) for n in range(1, 6)),
        obj(71, "0-0:17.0.0.255", "Load Limit", {3: dlu(6900), 4: dlu(6900), 6: dlu(300),
                                                 7: dlu(30)}),
        *(obj(71, f"0-0:17.0.{n}.255", f"RMS Voltage Limiter {n}", {4: dlu(v), 6: dlu(30)})
          for n, v in ((1, 287), (2, 180), (3, 216), (4, 253))),
        # -- prepayment (class 111, 112, 113, 115) ---------------------------------------------
        obj(111, "0-0:19.0.0.255", "Account (active): Payment Mode", {
            2: st(enum(2), enum(2)), 11: arr(st(octets("0000130A00FF"), octets("0000131400FF"),
                                                 bits(3, "E0"))),
            16: dl(200000), 18: lu(30), 19: dl(604800)}),
        obj(111, "0-1:19.0.0.255", "Account (passive): Payment Mode", {
            2: st(enum(2), enum(2)), 11: arr(st(octets("0000130A00FF"), octets("0000131400FF"),
                                                 bits(3, "E0"))),
            16: dl(200000), 18: lu(30), 19: dl(604800)},
            activates=((13, "0-1:19.0.0.255", 2, "0-0:19.0.0.255", 2),
                       (13, "0-1:19.0.0.255", 11, "0-0:19.0.0.255", 11))),
        obj(112, "0-0:19.10.0.255", "Meter Balance", {2: dl(250000), 3: enum(0)},
            access=SUPPLIER_CHANGES),
        obj(112, "0-0:19.10.1.255", "Emergency Credit Balance", {
            2: dl(0), 3: enum(2), 8: enum(1), 9: dl(500000), 10: dl(100000)}),
        obj(112, "0-0:19.10.2.255", "Accumulated Debt Register", {2: dl(0), 3: enum(3)}),
        charge("0-0:19.20.0.255", "Tariff Block Price Matrix TOU",
               unit_charge(3, "0100010800FF", 48, 1500), 0),
        charge("0-0:19.20.1.255", "Debt Recovery Rates 1", unit_charge(0, "000000000000", 1), 1),
        charge("0-0:19.20.2.255", "Debt Recovery Rates 2", unit_charge(0, "000000000000", 1), 1),
        charge("0-0:19.20.3.255", "Debt Recovery per Payment",
               unit_charge(0, "000000000000", 1), 2),
        charge("0-0:19.20.4.255", "Standing Charge", unit_charge(0, "000000000000", 1, 20000), 1),
        charge("0-0:19.20.5.255", "Secondary Tariff TOU Price Matrix",
               unit_charge(3, "0114010800FF", 4, 1000), 0),
        obj(115, "0-0:19.40.0.255", "Prepayment Credit (Token Gateway)",
            credit="0-0:19.10.0.255", max_balance="0-0:94.44.2.20"),
        # -- GBCS extended data (class 9000) -----------------------------------------------------
        extended("0-0:63.1.1.255", "Tariff Threshold Matrix", dlu(0), activates=tuple(
            (f"0-0:16.1.{n}.255", 2, f"0-0:16.0.{n}.255", 2) for n in range(11, 19))),
        extended("0-0:94.44.0.3", "Supply State (load limiting)", boolean(False)),
        extended("0-0:94.44.2.0", "Currency Unit", boolean(True)),
        extended("0-0:94.44.2.10", "Prepayment Credit Max Credit Threshold", dl(1000000)),
        extended("0-0:94.44.2.20", "Prepayment Credit Max Meter Balance", dl(5000000)),
        extended("0-0:94.44.128.2", "Emergency Credit Limit", dl(300000)),
        extended("0-0:94.44.128.3", "Emergency Credit Threshold", dl(100000)),
        extended("0-0:94.44.128.6", "Load Limit Period", dlu(300),
                 activates=(("0-0:94.44.128.6", 4, "0-0:17.0.0.255", 6),)),
        extended("0-0:94.44.128.7", "Load Limit Power Threshold", dlu(6900),
                 activates=(("0-0:94.44.128.7", 4, "0-0:17.0.0.255", 4),)),
        extended("0-0:94.44.128.8", "Load Limit Restoration Period", dlu(30),
                 activates=(("0-0:94.44.128.8", 4, "0-0:17.0.0.255", 7),)),
        extended("0-0:94.44.128.9", "Low Credit Threshold", dl(200000)),
        extended("0-0:94.44.128.12", "Debt Recovery Rate Cap Amount", lu(30)),
        extended("0-0:94.44.128.13", "Debt Recovery Rate Cap Period", dl(604800)),
        extended("0-0:94.44.128.22", "Disablement Threshold Meter Balance", dl(0)),
        extended("0-0:94.44.128.26", "ALCS Calendar", dlu(0),
                 activates=(("0-1:12.0.2.255", 2, "0-0:12.0.2.255", 2),)),
        extended("0-0:94.44.128.28", "Non-Disablement Calendar", dlu(0),
                 activates=(("0-1:12.0.1.255", 2, "0-0:12.0.1.255", 2),)),
        extended("0-0:94.44.128.29", "Tariff Switching Table Special Days", dlu(0),
                 activates=(("0-1:11.0.0.255", 2, "0-0:11.0.0.255", 2),)),
        extended("0-0:94.44.128.30", "Tariff Switching Table Secondary Element Special Days",
                 dlu(0), activates=(("0-1:11.0.1.255", 2, "0-0:11.0.1.255", 2),)),
        extended("0-0:94.44.128.31", "Non-Disablement Calendar Special Days", dlu(0),
                 activates=(("0-1:11.0.2.255", 2, "0-0:11.0.2.255", 2),)),
        extended("0-0:94.44.128.35", "ALCS Calendar Special Days", dlu(0),
                 activates=(("0-1:11.0.3.255", 2, "0-0:11.0.3.255", 2),)),
        extended("0-0:96.13.0.255", "Contact Details Supplier Telephone Number", octets(),
                 templates={2: (octets(), visible(""), utf8(""))}),
        extended("0-0:96.13.1.255", "Contact Detail Supplier Name", octets(),
                 templates={2: (octets(), visible(""), utf8(""))}),
    ]
    if twin:
        table.append(register("1-1:1.8.0.255", "Active Import Register (secondary element)",
                              dlu(10), unit=WATT_HOUR))   # (inferred) OBIS
    # fmt: on
    return table


def esme_profile(*, twin: bool = False, seed: int = 1, hh_gap_per_mille: int = 0,
                 hh_clock_status: bool = False, **changes: Any) -> Profile:
    """The ESME profile: single- or twin-element (RTDS ``SINGLE`` / ``TWIN`` variants),
    with optional gaps and a clock-status column in the half-hourly Profile Data Log;
    ``changes`` sets other :class:`Profile` fields (e.g. ``empty_log_result``)."""
    name = "ESME-twin" if twin else "ESME"
    if hh_gap_per_mille or hh_clock_status:
        name += f"-hh{hh_gap_per_mille}{'-status' if hh_clock_status else ''}"
    return Profile(name=name, device_type="ESME",
                   objects=tuple(_objects(twin, hh_gap_per_mille, hh_clock_status)),
                   seed=seed, **changes)


#: Single-element ESME.
ESME_PROFILE: Final = esme_profile()
#: Twin-element ESME.
ESME_TWIN_PROFILE: Final = esme_profile(twin=True)
