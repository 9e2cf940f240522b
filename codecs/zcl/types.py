# SPDX-License-Identifier: GPL-3.0-or-later
"""ZCL data types as construct schemas (ZigBee Cluster Library 07-5123, chapter 2 "Foundation",
data types table), used by the foundation commands and by every cluster declaration.

All multi-byte values are little-endian on the wire (gbcs-protocol.md §2.3). Decoded values are
JSON-native and build back to the identical bytes:

* data, bitmap, unsigned, signed and enumeration types → ``int``;
* boolean → ``true``/``false``, any other byte (``0xFF`` = invalid) stays an ``int``;
* floats → ``float``; NaN and infinities → ``{"raw": "<wire bytes as hex>"}``;
* octet strings → uppercase hex; character strings → ``str`` (UTF-8), or ``{"raw": hex}`` when
  the bytes are not UTF-8; the "invalid" length (``FF`` / ``FFFF``) → ``None``;
* time of day and date → objects; ``FF`` in a date or time field ("any") → ``None``; the date's
  year is shown as the calendar year (the wire byte is year − 1900);
* IEEE address → 16 hex digits, most significant byte first (the wire order is reversed);
* array / set / bag → ``{"element_type", "elements"}``, structure → ``{"elements": [typed]}``;
* data type ids themselves (:data:`DataType`) → snake_case names such as ``"uint16"``, unknown
  ids stay ``int`` (open enum, house style rule 4).

:func:`ZclValue` picks the schema from a data type id held elsewhere in the structure
(``Switch`` over :data:`TYPE_SCHEMAS`); :data:`TypedValue` is the self-describing
``data type ‖ value`` pair of attribute records.

:class:`BitFields` shows a bitmap byte (ZCL frame control, GBZ extended header control) as named
fields and keeps every reserved bit, so unknown bits round-trip.
"""

from __future__ import annotations

import enum
import math
import struct
from collections.abc import Mapping
from typing import Any

import construct as cs
from construct import this

from gfi.codecs.primitives import HexBytes

# ----------------------------------------------------------------------------
# Data type identifiers
# ----------------------------------------------------------------------------


class ZclType(enum.IntEnum):
    """ZCL data type identifiers (ZCL 07-5123 chapter 2, data types table)."""

    NO_DATA = 0x00
    DATA8 = 0x08
    DATA16 = 0x09
    DATA24 = 0x0A
    DATA32 = 0x0B
    DATA40 = 0x0C
    DATA48 = 0x0D
    DATA56 = 0x0E
    DATA64 = 0x0F
    BOOL = 0x10
    BITMAP8 = 0x18
    BITMAP16 = 0x19
    BITMAP24 = 0x1A
    BITMAP32 = 0x1B
    BITMAP40 = 0x1C
    BITMAP48 = 0x1D
    BITMAP56 = 0x1E
    BITMAP64 = 0x1F
    UINT8 = 0x20
    UINT16 = 0x21
    UINT24 = 0x22
    UINT32 = 0x23
    UINT40 = 0x24
    UINT48 = 0x25
    UINT56 = 0x26
    UINT64 = 0x27
    INT8 = 0x28
    INT16 = 0x29
    INT24 = 0x2A
    INT32 = 0x2B
    INT40 = 0x2C
    INT48 = 0x2D
    INT56 = 0x2E
    INT64 = 0x2F
    ENUM8 = 0x30
    ENUM16 = 0x31
    SEMI_FLOAT = 0x38
    SINGLE_FLOAT = 0x39
    DOUBLE_FLOAT = 0x3A
    OCTET_STRING = 0x41
    CHARACTER_STRING = 0x42
    LONG_OCTET_STRING = 0x43
    LONG_CHARACTER_STRING = 0x44
    ARRAY = 0x48
    STRUCTURE = 0x4C
    SET = 0x50
    BAG = 0x51
    TIME_OF_DAY = 0xE0
    DATE = 0xE1
    UTC_TIME = 0xE2
    CLUSTER_ID = 0xE8
    ATTRIBUTE_ID = 0xE9
    BACNET_OID = 0xEA
    IEEE_ADDRESS = 0xF0
    SECURITY_KEY = 0xF1
    UNKNOWN = 0xFF

    @property
    def label(self) -> str:
        """The name used in decoded trees (``"uint16"``)."""
        return self.name.lower()


#: Type names as they appear in decoded trees, both ways.
TYPE_NAMES: dict[int, str] = {t.value: t.label for t in ZclType}
TYPE_IDS: dict[str, int] = {t.label: t.value for t in ZclType}

#: "Analog" types: the ones whose reporting configuration carries a reportable change
#: (ZCL chapter 2, Configure Reporting; data types table column "analog / discrete").
ANALOG_TYPES = frozenset(
    [
        *range(0x20, 0x30),
        ZclType.SEMI_FLOAT,
        ZclType.SINGLE_FLOAT,
        ZclType.DOUBLE_FLOAT,
        ZclType.TIME_OF_DAY,
        ZclType.DATE,
        ZclType.UTC_TIME,
    ]
)


def type_id(value: Any) -> int:
    """The numeric id of a data type given as an id, a :class:`ZclType` or a tree name."""
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str) and value in TYPE_IDS:
        return TYPE_IDS[value]
    raise ValueError(f"unknown ZCL data type {value!r}")


def type_label(value: int) -> str | int:
    """The tree name of a data type id, or the id itself when it has none."""
    return TYPE_NAMES.get(value, value)


# ----------------------------------------------------------------------------
# Adapters
# ----------------------------------------------------------------------------


class _Boolean(cs.Adapter):  # type: ignore[misc]
    """ZCL boolean: ``00`` false, ``01`` true; anything else (``FF`` invalid) stays an int."""

    def _decode(self, obj: int, context: Any, path: str) -> bool | int:
        return {0: False, 1: True}.get(obj, obj)

    def _encode(self, obj: Any, context: Any, path: str) -> int:
        if isinstance(obj, bool):
            return int(obj)
        if isinstance(obj, int):
            return obj
        raise cs.ExplicitError(f"expected a boolean, got {obj!r}", path=path)


class _Float(cs.Adapter):  # type: ignore[misc]
    """IEEE 754 float, little-endian; non-finite values keep their exact bits as hex."""

    def __init__(self, fmt: str) -> None:
        super().__init__(cs.Bytes(struct.calcsize(fmt)))
        self.fmt = fmt

    def _decode(self, obj: bytes, context: Any, path: str) -> float | dict[str, str]:
        value: float = struct.unpack(self.fmt, obj)[0]
        if math.isfinite(value):
            return value
        return {"raw": bytes(obj).hex().upper()}

    def _encode(self, obj: Any, context: Any, path: str) -> bytes:
        if isinstance(obj, Mapping) and isinstance(obj.get("raw"), str):
            return bytes.fromhex(obj["raw"])
        if isinstance(obj, int | float) and not isinstance(obj, bool):
            try:
                return struct.pack(self.fmt, obj)
            except (OverflowError, struct.error) as exc:
                raise cs.ExplicitError(f"{obj!r} does not fit: {exc}", path=path) from None
        raise cs.ExplicitError(f"expected a number, got {obj!r}", path=path)


class _ZclString(cs.Construct):  # type: ignore[misc]
    """Length-prefixed string (1- or 2-byte little-endian length); the all-ones length means
    "invalid" and carries no data (``None``)."""

    def __init__(self, length_size: int, text: bool) -> None:
        super().__init__()
        self.length_size = length_size
        self.invalid = (1 << (8 * length_size)) - 1
        self.text = text

    def _parse(self, stream: Any, context: Any, path: str) -> Any:
        n = int.from_bytes(cs.stream_read(stream, self.length_size, path), "little")
        if n == self.invalid:
            return None
        data = cs.stream_read(stream, n, path)
        if not self.text:
            return data.hex().upper()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return {"raw": data.hex().upper()}

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        if obj is None:
            data = b""
            n = self.invalid
        else:
            data = self._bytes(obj, path)
            n = len(data)
            if n >= self.invalid:
                raise cs.ExplicitError(f"string of {n} bytes is too long", path=path)
        cs.stream_write(stream, n.to_bytes(self.length_size, "little"), self.length_size, path)
        cs.stream_write(stream, data, len(data), path)
        return obj

    def _bytes(self, obj: Any, path: str) -> bytes:
        if isinstance(obj, bytes | bytearray):
            return bytes(obj)
        if isinstance(obj, Mapping) and isinstance(obj.get("raw"), str):
            obj = obj["raw"]
        elif self.text and isinstance(obj, str):
            return obj.encode("utf-8")
        if isinstance(obj, str):
            try:
                return bytes.fromhex(obj)
            except ValueError:
                raise cs.ExplicitError(f"not a hex string: {obj!r}", path=path) from None
        raise cs.ExplicitError(f"expected a string, got {type(obj).__name__}", path=path)

    def _sizeof(self, context: Any, path: str) -> int:
        raise cs.SizeofError("variable-size string", path=path)


class _AnyField(cs.Adapter):  # type: ignore[misc]
    """A byte where ``FF`` means "any / not specified" (``None``); ``offset`` is added to the
    other values (the ZCL date's year is stored as year − 1900)."""

    def __init__(self, offset: int = 0) -> None:
        super().__init__(cs.Int8ul)
        self.offset = offset

    def _decode(self, obj: int, context: Any, path: str) -> int | None:
        return None if obj == 0xFF else obj + self.offset

    def _encode(self, obj: Any, context: Any, path: str) -> int:
        if obj is None:
            return 0xFF
        if not isinstance(obj, int) or not 0 <= obj - self.offset < 0xFF:
            raise cs.ExplicitError(f"value {obj!r} out of range", path=path)
        return int(obj) - self.offset


class _IeeeAddress(cs.Adapter):  # type: ignore[misc]
    """EUI-64 sent least significant byte first, shown most significant first."""

    def _decode(self, obj: bytes, context: Any, path: str) -> str:
        return bytes(obj)[::-1].hex().upper()

    def _encode(self, obj: Any, context: Any, path: str) -> bytes:
        try:
            raw = bytes.fromhex(obj)
        except (TypeError, ValueError):
            raise cs.ExplicitError(f"not an EUI-64: {obj!r}", path=path) from None
        return raw[::-1]


class BitFields(cs.Adapter):  # type: ignore[misc]
    """An integer seen as named bit fields.

    ``fields`` are ``(name, mask, labels)``: a one-bit field without labels is a ``bool``; other
    fields are their value (shifted down), shown through ``labels`` when it names them. Bits no
    field covers are kept, in place, under ``"reserved"``, so unknown bits round-trip. Building
    takes 0 / ``False`` for a missing field.
    """

    def __init__(
        self, subcon: Any, width: int, *fields: tuple[str, int, Mapping[int, str] | None]
    ) -> None:
        super().__init__(subcon)
        self.fields = [
            (name, mask, (mask & -mask).bit_length() - 1, labels, bin(mask).count("1") == 1)
            for name, mask, labels in fields
        ]
        self.reverse = {
            name: {label: value for value, label in labels.items()}
            for name, _mask, labels in fields
            if labels
        }
        used = 0
        for _name, mask, _labels in fields:
            used |= mask
        self.reserved_mask = ((1 << width) - 1) & ~used

    def _decode(self, obj: int, context: Any, path: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, mask, shift, labels, single in self.fields:
            value = (obj & mask) >> shift
            if labels is not None:
                out[name] = labels.get(value, value)
            elif single:
                out[name] = bool(value)
            else:
                out[name] = value
        out["reserved"] = obj & self.reserved_mask
        return out

    def _encode(self, obj: Any, context: Any, path: str) -> int:
        if not isinstance(obj, Mapping):
            raise cs.ExplicitError(f"expected an object of bit fields, got {obj!r}", path=path)
        result = 0
        for name, mask, shift, _labels, _single in self.fields:
            value = obj.get(name, 0)
            if isinstance(value, str):
                try:
                    value = self.reverse[name][value]
                except KeyError:
                    raise cs.ExplicitError(f"{name}: unknown value {value!r}", path=path) from None
            if not isinstance(value, int) or value < 0 or (value << shift) & ~mask:
                raise cs.ExplicitError(f"{name}: value {value!r} out of range", path=path)
            result |= int(value) << shift
        reserved = obj.get("reserved", 0)
        if not isinstance(reserved, int) or reserved & ~self.reserved_mask:
            raise cs.ExplicitError(
                f"reserved: {reserved!r} sets bits outside 0x{self.reserved_mask:X}", path=path
            )
        return result | reserved


class Trailing(cs.Subconstruct):  # type: ignore[misc]
    """An optional trailing field (zigpy's ``"name?"``): ``None`` when the frame has ended, and
    ``None`` builds nothing. Later Smart Energy revisions appended fields to several commands
    (e.g. Publish Price) that GBCS devices leave out."""

    def __init__(self, subcon: Any) -> None:
        super().__init__(subcon)
        self.flagbuildnone = True

    def _parse(self, stream: Any, context: Any, path: str) -> Any:
        if cs.stream_iseof(stream):
            return None
        return self.subcon._parsereport(stream, context, path)

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        if obj is None:
            return None
        return self.subcon._build(obj, stream, context, path)


class ZclValue(cs.Construct):  # type: ignore[misc]
    """The value of a ZCL data type chosen by ``data_type`` (an id, a tree name, or a context
    expression giving either); an unknown data type is an error, since its size is unknown."""

    def __init__(self, data_type: Any) -> None:
        super().__init__()
        self.data_type = data_type

    def _schema(self, context: Any, path: str) -> Any:
        wanted = cs.evaluate(self.data_type, context)
        try:
            return TYPE_SCHEMAS[type_id(wanted)]
        except (KeyError, ValueError):
            shown = f"0x{wanted:02X}" if isinstance(wanted, int) else repr(wanted)
            raise cs.ExplicitError(f"unknown ZCL data type {shown}", path=path) from None

    def _parse(self, stream: Any, context: Any, path: str) -> Any:
        return self._schema(context, path)._parsereport(stream, context, path)

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        return self._schema(context, path)._build(obj, stream, context, path)

    def _sizeof(self, context: Any, path: str) -> int:
        raise cs.SizeofError("size depends on the data type", path=path)


# ----------------------------------------------------------------------------
# The types
# ----------------------------------------------------------------------------
def _unsigned(size: int) -> Any:
    fixed = {1: cs.Int8ul, 2: cs.Int16ul, 3: cs.Int24ul, 4: cs.Int32ul, 8: cs.Int64ul}
    return fixed.get(size) or cs.BytesInteger(size, signed=False, swapped=True)


def _signed(size: int) -> Any:
    fixed = {1: cs.Int8sl, 2: cs.Int16sl, 3: cs.Int24sl, 4: cs.Int32sl, 8: cs.Int64sl}
    return fixed.get(size) or cs.BytesInteger(size, signed=True, swapped=True)


# fmt: off
no_data = cs.Pass
data8, data16, data24, data32 = _unsigned(1), _unsigned(2), _unsigned(3), _unsigned(4)
data40, data48, data56, data64 = _unsigned(5), _unsigned(6), _unsigned(7), _unsigned(8)
boolean = _Boolean(cs.Int8ul)
bitmap8, bitmap16, bitmap24, bitmap32 = _unsigned(1), _unsigned(2), _unsigned(3), _unsigned(4)
bitmap40, bitmap48, bitmap56, bitmap64 = _unsigned(5), _unsigned(6), _unsigned(7), _unsigned(8)
uint8, uint16, uint24, uint32 = _unsigned(1), _unsigned(2), _unsigned(3), _unsigned(4)
uint40, uint48, uint56, uint64 = _unsigned(5), _unsigned(6), _unsigned(7), _unsigned(8)
int8, int16, int24, int32 = _signed(1), _signed(2), _signed(3), _signed(4)
int40, int48, int56, int64 = _signed(5), _signed(6), _signed(7), _signed(8)
enum8, enum16 = cs.Int8ul, cs.Int16ul
semi_float, single_float, double_float = _Float("<e"), _Float("<f"), _Float("<d")
octet_string = _ZclString(1, text=False)
character_string = _ZclString(1, text=True)
long_octet_string = _ZclString(2, text=False)
long_character_string = _ZclString(2, text=True)
# fmt: on

#: Time of day (E0): hours, minutes, seconds, hundredths; ``FF`` = any.
time_of_day = cs.Struct(
    "hours" / _AnyField(),
    "minutes" / _AnyField(),
    "seconds" / _AnyField(),
    "hundredths" / _AnyField(),
)

#: Date (E1): year − 1900, month, day of month, day of week (1 = Monday); ``FF`` = any.
date = cs.Struct(
    "year" / _AnyField(1900),
    "month" / _AnyField(),
    "day" / _AnyField(),
    "day_of_week" / _AnyField(),
)

#: UTC time (E2): seconds since 2000-01-01 00:00:00 UTC; ``FFFFFFFF`` = invalid.
utc_time = cs.Int32ul
cluster_id = cs.Int16ul
attribute_id = cs.Int16ul
bacnet_oid = cs.Int32ul
ieee_address = _IeeeAddress(cs.Bytes(8))
security_key = HexBytes(cs.Bytes(16))
unknown = cs.Pass

#: A data type id byte, shown by name (``"uint16"``); unknown ids stay ints.
DataType = cs.Enum(cs.Int8ul, **TYPE_IDS)

#: The ``data type ‖ value`` pair of attribute records and structure elements.
TypedValue = cs.Struct(
    "data_type" / DataType,
    "value" / ZclValue(this.data_type),
)

_INVALID_COUNT = 0xFFFF


def _element_count(context: Any) -> int:
    return _INVALID_COUNT if context.elements is None else len(context.elements)


_EMPTY_TYPES = frozenset({ZclType.NO_DATA, ZclType.UNKNOWN})


def _elements_have_size(context: Any) -> bool:
    return (
        context._count in (0, _INVALID_COUNT) or type_id(context.element_type) not in _EMPTY_TYPES
    )


#: Array, set and bag (48, 50, 51): element type, count (``FFFF`` = invalid), untyped elements.
#: Elements of a type without data (no data, unknown) are refused, so that four bytes cannot
#: stand for 65534 values.
array = cs.Struct(
    "element_type" / DataType,
    "_count" / cs.Rebuild(cs.Int16ul, _element_count),
    cs.Check(_elements_have_size) * "array elements need a data type with data",
    "elements"
    / cs.If(this._count != _INVALID_COUNT, cs.Array(this._count, ZclValue(this.element_type))),
)

#: Structure (4C): count (``FFFF`` = invalid), then typed elements.
structure = cs.Struct(
    "_count" / cs.Rebuild(cs.Int16ul, _element_count),
    "elements" / cs.If(this._count != _INVALID_COUNT, cs.Array(this._count, TypedValue)),
)

#: Schema of each data type, by id.
TYPE_SCHEMAS: dict[int, Any] = {
    ZclType.NO_DATA: no_data,
    ZclType.DATA8: data8,
    ZclType.DATA16: data16,
    ZclType.DATA24: data24,
    ZclType.DATA32: data32,
    ZclType.DATA40: data40,
    ZclType.DATA48: data48,
    ZclType.DATA56: data56,
    ZclType.DATA64: data64,
    ZclType.BOOL: boolean,
    ZclType.BITMAP8: bitmap8,
    ZclType.BITMAP16: bitmap16,
    ZclType.BITMAP24: bitmap24,
    ZclType.BITMAP32: bitmap32,
    ZclType.BITMAP40: bitmap40,
    ZclType.BITMAP48: bitmap48,
    ZclType.BITMAP56: bitmap56,
    ZclType.BITMAP64: bitmap64,
    ZclType.UINT8: uint8,
    ZclType.UINT16: uint16,
    ZclType.UINT24: uint24,
    ZclType.UINT32: uint32,
    ZclType.UINT40: uint40,
    ZclType.UINT48: uint48,
    ZclType.UINT56: uint56,
    ZclType.UINT64: uint64,
    ZclType.INT8: int8,
    ZclType.INT16: int16,
    ZclType.INT24: int24,
    ZclType.INT32: int32,
    ZclType.INT40: int40,
    ZclType.INT48: int48,
    ZclType.INT56: int56,
    ZclType.INT64: int64,
    ZclType.ENUM8: enum8,
    ZclType.ENUM16: enum16,
    ZclType.SEMI_FLOAT: semi_float,
    ZclType.SINGLE_FLOAT: single_float,
    ZclType.DOUBLE_FLOAT: double_float,
    ZclType.OCTET_STRING: octet_string,
    ZclType.CHARACTER_STRING: character_string,
    ZclType.LONG_OCTET_STRING: long_octet_string,
    ZclType.LONG_CHARACTER_STRING: long_character_string,
    ZclType.ARRAY: array,
    ZclType.STRUCTURE: structure,
    ZclType.SET: array,
    ZclType.BAG: array,
    ZclType.TIME_OF_DAY: time_of_day,
    ZclType.DATE: date,
    ZclType.UTC_TIME: utc_time,
    ZclType.CLUSTER_ID: cluster_id,
    ZclType.ATTRIBUTE_ID: attribute_id,
    ZclType.BACNET_OID: bacnet_oid,
    ZclType.IEEE_ADDRESS: ieee_address,
    ZclType.SECURITY_KEY: security_key,
    ZclType.UNKNOWN: unknown,
}


def type_schema(data_type: int | str) -> Any:
    """The construct schema of a data type (id or tree name); :class:`KeyError` if unknown."""
    try:
        return TYPE_SCHEMAS[type_id(data_type)]
    except ValueError:
        raise KeyError(data_type) from None


# ----------------------------------------------------------------------------
# ZCL status (ZCL chapter 2, status codes; gbcs-protocol.md §2.3 "ZCL status codes")
# ----------------------------------------------------------------------------
class ZclStatus(enum.IntEnum):
    """ZCL status codes."""

    SUCCESS = 0x00
    FAILURE = 0x01
    NOT_AUTHORIZED = 0x7E
    RESERVED_FIELD_NOT_ZERO = 0x7F
    MALFORMED_COMMAND = 0x80
    UNSUP_CLUSTER_COMMAND = 0x81
    UNSUP_GENERAL_COMMAND = 0x82
    UNSUP_MANUF_CLUSTER_COMMAND = 0x83
    UNSUP_MANUF_GENERAL_COMMAND = 0x84
    INVALID_FIELD = 0x85
    UNSUPPORTED_ATTRIBUTE = 0x86
    INVALID_VALUE = 0x87
    READ_ONLY = 0x88
    INSUFFICIENT_SPACE = 0x89
    DUPLICATE_EXISTS = 0x8A
    NOT_FOUND = 0x8B
    UNREPORTABLE_ATTRIBUTE = 0x8C
    INVALID_DATA_TYPE = 0x8D
    INVALID_SELECTOR = 0x8E
    WRITE_ONLY = 0x8F
    INCONSISTENT_STARTUP_STATE = 0x90
    DEFINED_OUT_OF_BAND = 0x91
    INCONSISTENT = 0x92
    ACTION_DENIED = 0x93
    TIMEOUT = 0x94
    ABORT = 0x95
    INVALID_IMAGE = 0x96
    WAIT_FOR_DATA = 0x97
    NO_IMAGE_AVAILABLE = 0x98
    REQUIRE_MORE_IMAGE = 0x99
    NOTIFICATION_PENDING = 0x9A
    HARDWARE_FAILURE = 0xC0
    SOFTWARE_FAILURE = 0xC1
    CALIBRATION_ERROR = 0xC2
    UNSUPPORTED_CLUSTER = 0xC3


#: A status byte shown by name (``"success"``); unknown codes stay ints.
Status = cs.Enum(cs.Int8ul, **{s.name.lower(): s.value for s in ZclStatus})


_STATUS_CODES = {s.name.lower(): s.value for s in ZclStatus}


def status_value(status: Any) -> Any:
    """The numeric value of a status given by name or number (unknown names unchanged)."""
    if isinstance(status, str):
        return _STATUS_CODES.get(status, status)
    return status


def is_success(status: Any) -> bool:
    """Whether a status field (name or int) is SUCCESS."""
    return bool(status_value(status) == ZclStatus.SUCCESS)


def status_code(context: Any) -> Any:
    """Context function: the numeric value of the ``status`` field (for ``Switch``)."""
    return status_value(context.status)


def status_ok(context: Any) -> bool:
    """Context function: the ``status`` field is SUCCESS (for ``If``)."""
    return is_success(context.status)
