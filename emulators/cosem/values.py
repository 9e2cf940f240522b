# SPDX-License-Identifier: GPL-3.0-or-later
"""A-XDR data items as the COSEM server holds them, and the date-times GBCS uses.

Attribute values are kept in exactly the JSON-native form of :mod:`gfi.codecs.dlms.axdr`
(``{"type": "long-unsigned", "value": 5}``), so a value read from the object model goes
into an access-response tree unchanged and a value taken from a decoded access-request is
stored unchanged. This module has:

* short constructors for the profile tables (:func:`lu`, :func:`st`, :func:`arr`, …);
* the type rules of a set (DLMS Blue Book: a set must carry the attribute's data type):
  :func:`conforms` checks a value against a *template* value;
* :func:`type_tree`, the shape of an item (types and array/structure lengths) that the
  tests compare with the RTDS responses;
* DLMS 12-byte date-times (gbcs-protocol.md §1.4) including the special activation values
  *now* (9×``00`` ‖ ``80 00 FF``) and *never* (9×``FF`` ‖ ``80 00 FF``), and GBCS UTC
  seconds (seconds since 2000-01-01 00:00:00 UTC, the timestamps of the GBCS logs and of
  the range restrictions in the RTDS get-with-selection requests).
"""

from __future__ import annotations

# ----------------------------------------------------------------------------
# Imports
# ----------------------------------------------------------------------------
import functools
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from datetime import date as date_type
from typing import Any, Final, TypeVar, cast

from gfi.codecs.dlms import encode_data
from gfi.errors import GfiError

# ----------------------------------------------------------------------------
# Logging
# ----------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
#: A decoded A-XDR data item (see :mod:`gfi.codecs.dlms.axdr`).
Item = dict[str, Any]

T = TypeVar("T")

#: GBCS UTC time origin: the log timestamps count seconds from here (gbcs-protocol.md §2.3).
GBCS_EPOCH: Final = datetime(2000, 1, 1, tzinfo=UTC)

#: DLMS date-time "now / immediate" activation value (gbcs-protocol.md §1.4).
NOW_OCTETS: Final = "00" * 9 + "8000FF"
#: DLMS date-time "never" activation value: cancels a future-dated action (§1.4).
NEVER_OCTETS: Final = "FF" * 9 + "8000FF"

#: Deviation "not specified" (``0x8000``) of a DLMS date-time.
DEVIATION_UNSPECIFIED: Final = -0x8000

#: Types whose value is an integer.
INTEGER_TYPES: Final = frozenset(
    {
        "double-long", "double-long-unsigned", "integer", "long", "unsigned",
        "long-unsigned", "long64", "long64-unsigned", "enum", "bcd",
    }
)

#: Types that hold nested items.
CONTAINER_TYPES: Final = frozenset({"array", "structure"})


# ----------------------------------------------------------------------------
# Constructors (used by the profile tables)
# ----------------------------------------------------------------------------
NULL: Final[Item] = {"type": "null-data"}


def null() -> Item:
    """null-data."""
    return {"type": "null-data"}


def boolean(value: bool) -> Item:
    """boolean."""
    return {"type": "boolean", "value": value}


def bits(count: int, hex_value: str = "") -> Item:
    """bit-string of ``count`` bits, value as uppercase hex (zero-filled when omitted)."""
    width = (count + 7) // 8
    return {"type": "bit-string", "bits": count, "value": (hex_value or "00" * width).upper()}


def dl(value: int) -> Item:
    """double-long (int32)."""
    return {"type": "double-long", "value": value}


def dlu(value: int) -> Item:
    """double-long-unsigned (uint32)."""
    return {"type": "double-long-unsigned", "value": value}


def integer(value: int) -> Item:
    """integer (int8)."""
    return {"type": "integer", "value": value}


def long(value: int) -> Item:
    """long (int16)."""
    return {"type": "long", "value": value}


def unsigned(value: int) -> Item:
    """unsigned (uint8)."""
    return {"type": "unsigned", "value": value}


def lu(value: int) -> Item:
    """long-unsigned (uint16)."""
    return {"type": "long-unsigned", "value": value}


def enum(value: int) -> Item:
    """enum."""
    return {"type": "enum", "value": value}


def octets(hex_value: str = "") -> Item:
    """octet-string from hex."""
    return {"type": "octet-string", "value": hex_value.upper()}


def visible(text: str) -> Item:
    """visible-string (ASCII)."""
    return {"type": "visible-string", "value": text}


def utf8(text: str) -> Item:
    """utf8-string."""
    return {"type": "utf8-string", "value": text}


def st(*items: Item) -> Item:
    """structure of ``items``."""
    return {"type": "structure", "value": [clone(i) for i in items]}


def arr(*items: Item) -> Item:
    """array of ``items``."""
    return {"type": "array", "value": [clone(i) for i in items]}


def scaler_unit(scaler: int, unit: int) -> Item:
    """Register scaler_unit: structure{integer scaler, enum unit} (Blue Book class 3)."""
    return st(integer(scaler), enum(unit))


@functools.lru_cache(maxsize=4096)
def obis_octets(obis: str) -> str:
    """``"A-B:C.D.E.F"`` → the 6 bytes as uppercase hex."""
    a_b, c_f = obis.split(":")
    a, b = a_b.split("-")
    return bytes(int(v) for v in (a, b, *c_f.split("."))).hex().upper()


def obis_text(hex_value: str) -> str:
    """6 bytes as hex → ``"A-B:C.D.E.F"``; :class:`ValueError` when not 6 bytes."""
    raw = bytes.fromhex(hex_value)
    if len(raw) != 6:
        raise ValueError(f"a logical name has 6 bytes, got {len(raw)}")
    a, b, c, d, e, f = raw
    return f"{a}-{b}:{c}.{d}.{e}.{f}"


def ln(obis: str) -> Item:
    """A logical name (attribute 1 of every class) as an octet-string item."""
    return octets(obis_octets(obis))


def capture_object(class_id: int, obis: str, attribute_id: int, data_index: int = 0) -> Item:
    """capture_object_definition: structure{class_id, logical_name, attribute_index,
    data_index} (Blue Book class 7 attribute 3, also the restricting object of a range
    descriptor and the entries of a Data Protection object list)."""
    return st(lu(class_id), ln(obis), integer(attribute_id), lu(data_index))


def dt(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> Item:
    """A 12-byte DLMS date-time octet string (day of week and deviation unspecified,
    clock status ``FF`` as in the RTDS responses)."""
    return octets(datetime_octets(datetime(year, month, day, hour, minute, second, tzinfo=UTC)))


def date5(year: int, month: int, day: int) -> Item:
    """A 5-byte DLMS date octet string (``FFFF`` year / ``FF`` fields = wildcards)."""
    return octets(f"{year:04X}{month:02X}{day:02X}FF")


def calendar_matches(date: bytes, day: date_type) -> bool:
    """A DLMS date (year 2, month, day, day of week; 0xFF… wildcards, 0xFE/0xFD last and
    second-last day of the month, DLMS Blue Book 4.1.6.1) that ``day`` satisfies."""
    year, month, mday, weekday = int.from_bytes(date[:2], "big"), date[2], date[3], date[4]
    last = ((day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day
    wanted_day = {0xFE: last, 0xFD: last - 1}.get(mday, mday)
    return (year in (0xFFFF, day.year) and month in (0xFF, day.month)
            and wanted_day in (0xFF, day.day) and weekday in (0xFF, day.isoweekday()))


def time4(hour: int, minute: int = 0, second: int = 0) -> Item:
    """A 4-byte DLMS time octet string."""
    return octets(f"{hour:02X}{minute:02X}{second:02X}00")


# ----------------------------------------------------------------------------
# Date-times
# ----------------------------------------------------------------------------
class DateTimeError(GfiError, ValueError):
    """A DLMS date-time that cannot be used (wrong length, unspecified fields)."""


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (naive datetimes are taken to be UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def gbcs_seconds(moment: datetime) -> int:
    """Seconds since 2000-01-01 00:00:00 UTC (GBCS UTC time), rounded down."""
    return int((as_utc(moment) - GBCS_EPOCH).total_seconds() // 1)


def from_gbcs_seconds(seconds: int) -> datetime:
    """The UTC datetime of a GBCS UTC time."""
    return GBCS_EPOCH + timedelta(seconds=seconds)


def datetime_octets(moment: datetime, clock_status: int = 0xFF) -> str:
    """A DLMS 12-byte date-time (as hex) for ``moment`` in UTC: day of week ``FF``,
    hundredths ``00``, deviation ``8000`` (unspecified) as in every RTDS vector."""
    m = as_utc(moment)
    raw = (
        m.year.to_bytes(2, "big")
        + bytes([m.month, m.day, 0xFF, m.hour, m.minute, m.second, 0x00])
        + b"\x80\x00"
        + bytes([clock_status])
    )
    return raw.hex().upper()


def is_now(hex_value: str) -> bool:
    """The "now / immediate" activation date-time (9×00, §1.4)."""
    return len(hex_value) == 24 and hex_value[:18] == "00" * 9


def is_never(hex_value: str) -> bool:
    """The "never" activation date-time (9×FF, §1.4)."""
    return len(hex_value) == 24 and hex_value[:18].upper() == "FF" * 9


def datetime_from_octets(hex_value: str) -> datetime:
    """A concrete UTC datetime from a 12-byte DLMS date-time.

    Day of week, hundredths and clock status are ignored; an unspecified second counts as 0;
    an unspecified deviation (``8000``) means UTC, otherwise UTC = local + deviation minutes
    (Blue Book). Raises :class:`DateTimeError` for other unspecified fields."""
    try:
        raw = bytes.fromhex(hex_value)
    except ValueError as exc:
        raise DateTimeError(f"date-time is not hex: {hex_value!r}") from exc
    if len(raw) != 12:
        raise DateTimeError(f"a DLMS date-time has 12 bytes, got {len(raw)}")
    year = int.from_bytes(raw[0:2], "big")
    month, day, _dow, hour, minute, second = raw[2:8]
    deviation = int.from_bytes(raw[9:11], "big", signed=True)
    if year == 0xFFFF or 0xFF in (month, day, hour, minute):
        raise DateTimeError(f"date-time {hex_value} has unspecified fields")
    if second == 0xFF:
        second = 0
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as exc:
        raise DateTimeError(f"date-time {hex_value}: {exc}") from None
    if deviation != DEVIATION_UNSPECIFIED:
        moment += timedelta(minutes=deviation)
    return moment


def seconds_of(item: Mapping[str, Any]) -> int:
    """GBCS UTC seconds of a range bound: double-long-unsigned (GBCS UTC time, as in the
    RTDS requests), a 12-byte date-time octet string, or a ``date-time`` item."""
    kind = item.get("type")
    value = item.get("value")
    if kind in INTEGER_TYPES and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind in ("octet-string", "date-time") and isinstance(value, str):
        return gbcs_seconds(datetime_from_octets(value))
    raise DateTimeError(f"not a time value: {kind}")


# ----------------------------------------------------------------------------
# Type rules
# ----------------------------------------------------------------------------
def is_item(value: Any) -> bool:
    """Whether ``value`` is a data item that encodes (A-XDR) without error."""
    if not isinstance(value, Mapping):
        return False
    try:
        encode_data(value)
    except (GfiError, ValueError, TypeError, KeyError, OverflowError, RecursionError):
        return False
    return True


def conforms(value: Mapping[str, Any], template: Mapping[str, Any]) -> bool:
    """Whether ``value`` has the data type of ``template`` (the rule of a DLMS set).

    Same type tag; a structure needs the same number of members, each conforming; every
    element of an array must conform to the template's first element (any elements when
    the template array is empty). Octet-string and bit-string lengths are free. A
    null-data template accepts any value."""
    kind = template.get("type")
    if kind == "null-data":
        return True
    if value.get("type") != kind:
        return False
    if kind == "structure":
        members = value.get("value")
        expected = template.get("value") or []
        if not isinstance(members, list) or len(members) != len(expected):
            return False
        return all(
            isinstance(m, Mapping) and conforms(m, t)
            for m, t in zip(members, expected, strict=True)
        )
    if kind == "array":
        elements = value.get("value")
        if not isinstance(elements, list):
            return False
        model = (template.get("value") or [None])[0]
        if model is None:
            return all(isinstance(e, Mapping) for e in elements)
        return all(isinstance(e, Mapping) and conforms(e, model) for e in elements)
    if kind == "compact-array":
        return value.get("description") == template.get("description")
    return True


def type_tree(item: Mapping[str, Any]) -> Any:
    """The shape of an item: its type, and for arrays and structures the length and the
    shapes of the members; a compact-array's type description (its content length depends
    on the log contents). Values, octet-string and bit-string lengths are left out."""
    kind = item.get("type")
    if kind in CONTAINER_TYPES:
        members = item.get("value") or []
        return (kind, len(members), tuple(type_tree(m) for m in members))
    if kind == "compact-array":
        return (kind, repr(item.get("description")))
    return (kind,)


def clone(value: T) -> T:
    """A deep copy of a JSON-native tree (dicts, lists, scalars): much faster than
    :func:`copy.deepcopy` for data items."""
    if isinstance(value, dict):
        return cast(T, {k: clone(v) for k, v in value.items()})
    if isinstance(value, list):
        return cast(T, [clone(v) for v in value])
    return value


def zero_like(item: Mapping[str, Any]) -> Item:
    """A "zero" of the same type (the value of a register after reset)."""
    kind = item.get("type")
    if kind in INTEGER_TYPES:
        return {"type": kind, "value": 0}
    return clone(dict(item))
