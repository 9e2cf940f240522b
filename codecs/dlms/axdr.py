# SPDX-License-Identifier: GPL-3.0-or-later
"""A-XDR encoded DLMS data, as carried by the GBCS DLMS/COSEM payloads
(gbcs-protocol.md §2.2, table "DLMS data types" and the compact-array text below it).

Every DLMS data item is a tag byte followed by the encoding of that type; counts and lengths
use the definite length form of gbcs-protocol.md §1.2 (:data:`~gfi.codecs.primitives.BerLength`).
Besides the types the GBCS vectors use, the remaining simple DLMS types (long64,
long64-unsigned, float32, float64, date-time, date, time, bcd) are declared for completeness.

Decoded items are JSON-native dicts that build back to the identical bytes:

* ``{"type": "null-data"}``
* ``{"type": "long-unsigned", "value": 5}`` — every integer type, ``enum`` and ``bcd``;
* ``{"type": "boolean", "value": true}`` — 00 false, FF true; any other byte stays an int;
* ``{"type": "octet-string", "value": "0123ABCD"}`` — uppercase hex; date-time, date and time
  (tags 19, 1A, 1B) likewise as hex of their 12, 5 or 4 bytes;
* ``{"type": "visible-string", "value": "abc"}`` (ASCII), ``{"type": "utf8-string", ...}``;
* ``{"type": "bit-string", "bits": 32, "value": "20E00000"}`` — ⌈bits/8⌉ bytes, MSB first;
* ``{"type": "float32", "value": 1.5}`` — non-finite values as hex of the raw bytes;
* ``{"type": "array" | "structure", "value": [item, ...]}``;
* ``{"type": "compact-array", "description": desc, "value": [element, ...]}`` where ``desc``
  is ``{"type": "long-unsigned"}``, ``{"type": "array", "count": n, "element": desc}`` or
  ``{"type": "structure", "members": [desc, ...]}`` and each element is the untagged value
  in the same form as ``"value"`` above (a list for arrays and structures, ``{"bits", "value"}``
  for bit-strings, ``None`` for null-data).

Keys other than ``type``, ``value``, ``bits`` and ``description`` are ignored when building, so
informational keys may be added by callers.
"""

from __future__ import annotations

# ----------------------------------------------------------------------------
# Imports
# ----------------------------------------------------------------------------
import logging
import math
import struct
from collections.abc import Callable, Mapping
from typing import Any, Final

import construct as cs
from construct import this

from gfi.codecs.primitives import (
    BerLength,
    HexBytes,
    LengthPrefixedHex,
    decode_exact,
    encode_with,
    plain,
)
from gfi.errors import DecodeError, EncodeError

# ----------------------------------------------------------------------------
# Logging
# ----------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
# fmt: off
#: DLMS data tag → type name (gbcs-protocol.md §2.2 "DLMS data types", plus the other
#: standard simple types).
DATA_TYPES: Final[Mapping[int, str]] = {
    0x00: "null-data",
    0x01: "array",
    0x02: "structure",
    0x03: "boolean",
    0x04: "bit-string",
    0x05: "double-long",
    0x06: "double-long-unsigned",
    0x09: "octet-string",
    0x0A: "visible-string",
    0x0C: "utf8-string",
    0x0D: "bcd",
    0x0F: "integer",
    0x10: "long",
    0x11: "unsigned",
    0x12: "long-unsigned",
    0x13: "compact-array",
    0x14: "long64",
    0x15: "long64-unsigned",
    0x16: "enum",
    0x17: "float32",
    0x18: "float64",
    0x19: "date-time",
    0x1A: "date",
    0x1B: "time",
}
# fmt: on

#: Type name → DLMS data tag.
DATA_TAGS: Final[Mapping[str, int]] = {name: tag for tag, name in DATA_TYPES.items()}

TAG_NULL_DATA: Final = 0x00
TAG_ARRAY: Final = 0x01
TAG_STRUCTURE: Final = 0x02
TAG_BIT_STRING: Final = 0x04
TAG_OCTET_STRING: Final = 0x09
TAG_COMPACT_ARRAY: Final = 0x13

#: Encodings of boolean FALSE and TRUE (any non-zero byte is TRUE; GBCS uses FF).
BOOLEAN_FALSE: Final = 0x00
BOOLEAN_TRUE: Final = 0xFF

#: Deepest nesting of data items (and compact-array type descriptions) accepted, so that
#: hostile input fails with a DecodeError instead of exhausting the Python stack. The RTDS
#: vectors nest at most 7 deep.
MAX_NESTING: Final = 16


# ----------------------------------------------------------------------------
# Helper constructs
# ----------------------------------------------------------------------------
class _UnknownTag(cs.Construct):  # type: ignore[misc]
    """Switch default: names the unknown tag (read into ``context.tag``) and its offset."""

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what
        self.flagbuildnone = True

    def _parse(self, stream: Any, context: Any, path: str) -> Any:
        offset = cs.stream_tell(stream, path) - 1
        raise cs.ExplicitError(
            f"unknown {self.what} tag 0x{context.tag:02X} at byte offset {offset}", path=path
        )

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        raise cs.ExplicitError(f"unknown {self.what} tag {context.tag!r}", path=path)


class _NestingGuard(cs.Construct):  # type: ignore[misc]
    """Field ``_depth``: the nesting level of the enclosing data item or type description,
    found from the nearest enclosing context that has one; raises beyond ``limit``."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.flagbuildnone = True

    def _depth(self, context: Any, path: str) -> int:
        level = 1
        outer = context.get("_")
        while outer is not None:
            depth = outer.get("_depth")
            if depth is not None:
                level = int(depth) + 1
                break
            outer = outer.get("_")
        if level > self.limit:
            raise cs.ExplicitError(
                f"DLMS data nested more than {self.limit} levels deep", path=path
            )
        return level

    def _parse(self, stream: Any, context: Any, path: str) -> int:
        return self._depth(context, path)

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> int:
        return self._depth(context, path)

    def _sizeof(self, context: Any, path: str) -> int:
        return 0


class _BooleanAdapter(cs.Adapter):  # type: ignore[misc]
    """00 → ``False``, FF → ``True`` (the GBCS encoding of TRUE in every RTDS vector); any
    other byte stays an int so that it builds back. Building writes ``True`` as FF."""

    def _decode(self, obj: int, context: Any, path: str) -> bool | int:
        if obj == BOOLEAN_FALSE:
            return False
        return True if obj == BOOLEAN_TRUE else obj

    def _encode(self, obj: Any, context: Any, path: str) -> int:
        if isinstance(obj, bool):
            return BOOLEAN_TRUE if obj else BOOLEAN_FALSE
        if not isinstance(obj, int):
            raise cs.ExplicitError(f"boolean value must be true/false, got {obj!r}", path=path)
        return obj


class _FloatAdapter(cs.Adapter):  # type: ignore[misc]
    """IEEE 754 big-endian float; NaN and infinities as hex of the raw bytes (JSON has no
    NaN, and a NaN payload must survive the round trip)."""

    def __init__(self, fmt: str) -> None:
        super().__init__(cs.Bytes(struct.calcsize(fmt)))
        self.fmt = fmt

    def _decode(self, obj: bytes, context: Any, path: str) -> float | str:
        (value,) = struct.unpack(self.fmt, obj)
        return float(value) if math.isfinite(value) else bytes(obj).hex().upper()

    def _encode(self, obj: Any, context: Any, path: str) -> bytes:
        if isinstance(obj, str):
            try:
                return bytes.fromhex(obj)
            except ValueError as exc:
                raise cs.ExplicitError(f"not a hex string: {obj!r}", path=path) from exc
        if isinstance(obj, bool) or not isinstance(obj, int | float):
            raise cs.ExplicitError(f"float value must be a number, got {obj!r}", path=path)
        try:
            return struct.pack(self.fmt, obj)
        except (OverflowError, struct.error) as exc:
            raise cs.ExplicitError(f"{obj!r} does not fit {self.fmt}: {exc}", path=path) from exc


def _items(subcon: Any) -> Any:
    """A-XDR ``SEQUENCE OF``: length-encoded count + items."""
    return cs.PrefixedArray(BerLength, subcon)


# ----------------------------------------------------------------------------
# Simple types (the encoding after the tag; also the untagged compact-array form)
# ----------------------------------------------------------------------------
#: bit-string: number of bits (length-encoded) + ⌈bits/8⌉ bytes, MSB first.
BitStringBody = cs.Struct(
    "bits" / BerLength,
    "value" / HexBytes(cs.Bytes((this.bits + 7) // 8)),
)

# fmt: off
#: Tag → encoding of the value, for every type without nested items (§2.2).
SIMPLE_BODIES: Final[Mapping[int, Any]] = {
    0x00: cs.Pass,                                  # null-data
    0x03: _BooleanAdapter(cs.Int8ub),               # boolean
    0x04: BitStringBody,                            # bit-string
    0x05: cs.Int32sb,                               # double-long
    0x06: cs.Int32ub,                               # double-long-unsigned
    0x09: LengthPrefixedHex,                        # octet-string
    0x0A: cs.PascalString(BerLength, "ascii"),      # visible-string
    0x0C: cs.PascalString(BerLength, "utf8"),       # utf8-string
    0x0D: cs.Int8ub,                                # bcd
    0x0F: cs.Int8sb,                                # integer
    0x10: cs.Int16sb,                               # long
    0x11: cs.Int8ub,                                # unsigned
    0x12: cs.Int16ub,                               # long-unsigned
    0x14: cs.Int64sb,                               # long64
    0x15: cs.Int64ub,                               # long64-unsigned
    0x16: cs.Int8ub,                                # enum
    0x17: _FloatAdapter(">f"),                      # float32
    0x18: _FloatAdapter(">d"),                      # float64
    0x19: HexBytes(cs.Bytes(12)),                   # date-time
    0x1A: HexBytes(cs.Bytes(5)),                    # date
    0x1B: HexBytes(cs.Bytes(4)),                    # time
}
# fmt: on


# ----------------------------------------------------------------------------
# Compact-array type description
# ----------------------------------------------------------------------------
class _TypeDescriptionAdapter(cs.Adapter):  # type: ignore[misc]
    """Container ``(tag, body)`` ↔ ``{"type": name, ...}`` (see the module docstring)."""

    def _decode(self, obj: Any, context: Any, path: str) -> dict[str, Any]:
        tag = obj.tag
        if tag == TAG_ARRAY:
            return {"type": "array", "count": obj.body.count, "element": obj.body.element}
        if tag == TAG_STRUCTURE:
            return {"type": "structure", "members": list(obj.body)}
        return {"type": DATA_TYPES[tag]}

    def _encode(self, obj: Any, context: Any, path: str) -> dict[str, Any]:
        if not isinstance(obj, Mapping):
            raise cs.ExplicitError(f"type description must be an object, got {obj!r}", path=path)
        tag = DATA_TAGS.get(obj.get("type"))  # type: ignore[arg-type]
        if tag is None or tag == TAG_COMPACT_ARRAY:
            raise cs.ExplicitError(f"bad type in description: {obj.get('type')!r}", path=path)
        if tag == TAG_ARRAY:
            return {"tag": tag, "body": {"count": obj.get("count"), "element": obj.get("element")}}
        if tag == TAG_STRUCTURE:
            return {"tag": tag, "body": obj.get("members")}
        return {"tag": tag, "body": None}


#: Compact-array type description (§2.2): ``01`` + element count (2) + element description,
#: ``02`` + member count + member descriptions, or a bare simple-type tag. The member count is
#: one byte in every source; it is read as the A-XDR length form, identical below 0x80.
TypeDescription: Any = _TypeDescriptionAdapter(
    cs.Struct(
        "tag" / cs.Int8ub,
        "_depth" / _NestingGuard(MAX_NESTING),
        "body"
        / cs.Switch(
            this.tag,
            {
                TAG_ARRAY: cs.Struct(
                    "count" / cs.Int16ub,
                    "element" / cs.LazyBound(lambda: TypeDescription),
                ),
                TAG_STRUCTURE: _items(cs.LazyBound(lambda: TypeDescription)),
                **{tag: cs.Pass for tag in SIMPLE_BODIES},
            },
            default=_UnknownTag("compact-array type description"),
        ),
    )
)


def _min_size(description: Mapping[str, Any]) -> int:
    """Fewest bytes one untagged value of ``description`` can take."""
    kind = description["type"]
    if kind == "array":
        return int(description["count"]) * _min_size(description["element"])
    if kind == "structure":
        return sum(_min_size(m) for m in description["members"])
    if kind == "null-data":
        return 0
    body = SIMPLE_BODIES[DATA_TAGS[kind]]
    try:
        return int(body.sizeof())
    except cs.SizeofError:
        return 1  # a length-prefixed value: at least its length byte


def _check_description(description: Any, path: str) -> None:
    """Reject descriptions whose values could repeat without consuming input."""
    if not isinstance(description, Mapping) or description.get("type") not in DATA_TAGS:
        raise cs.ExplicitError(f"bad compact-array type description {description!r}", path=path)
    kind = description["type"]
    if kind == "array":
        count: Any = description.get("count")
        element: Any = description.get("element")
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 0xFFFF:
            raise cs.ExplicitError(f"bad compact-array element count {count!r}", path=path)
        _check_description(element, path)
        if count and not _min_size(element):
            raise cs.ExplicitError("compact-array type: array of zero-size elements", path=path)
    elif kind == "structure":
        members = description.get("members")
        if not isinstance(members, list):
            raise cs.ExplicitError(f"bad compact-array structure members {members!r}", path=path)
        for member in members:
            _check_description(member, path)
    elif kind == "compact-array":
        raise cs.ExplicitError("compact-array type description names compact-array", path=path)


def _parse_untagged(description: Mapping[str, Any], stream: Any, context: Any, path: str) -> Any:
    kind = description["type"]
    if kind == "array":
        element = description["element"]
        return [
            _parse_untagged(element, stream, context, path) for _ in range(description["count"])
        ]
    if kind == "structure":
        return [_parse_untagged(m, stream, context, path) for m in description["members"]]
    tag = DATA_TAGS[kind]
    value = SIMPLE_BODIES[tag]._parsereport(stream, context, path)
    if tag == TAG_BIT_STRING:
        return {"bits": value.bits, "value": value.value}
    return value


def _build_untagged(
    description: Mapping[str, Any], obj: Any, stream: Any, context: Any, path: str
) -> None:
    kind = description["type"]
    if kind in ("array", "structure"):
        members = (
            [description["element"]] * description["count"]
            if kind == "array"
            else description["members"]
        )
        if not isinstance(obj, list) or len(obj) != len(members):
            raise cs.ExplicitError(
                f"compact-array {kind} value must be a list of {len(members)} items, got {obj!r}",
                path=path,
            )
        for member, item in zip(members, obj, strict=True):
            _build_untagged(member, item, stream, context, path)
        return
    SIMPLE_BODIES[DATA_TAGS[kind]]._build(obj, stream, context, path)


class _CompactContents(cs.Construct):  # type: ignore[misc]
    """Untagged values of ``context.description`` packed until the (prefixed) content ends."""

    def _parse(self, stream: Any, context: Any, path: str) -> list[Any]:
        description = context.description
        _check_description(description, path)
        values: list[Any] = []
        while True:
            start = cs.stream_tell(stream, path)
            if not stream.read(1):
                return values
            cs.stream_seek(stream, start, 0, path)
            values.append(_parse_untagged(description, stream, context, path))
            if cs.stream_tell(stream, path) == start:
                raise cs.ExplicitError("compact-array element of zero size", path=path)

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        description = context.description
        _check_description(description, path)
        if not isinstance(obj, list):
            raise cs.ExplicitError(f"compact-array value must be a list, got {obj!r}", path=path)
        for item in obj:
            _build_untagged(description, item, stream, context, path)
        return obj


#: compact-array (§2.2): type description + length-encoded content length + untagged values.
CompactArrayBody = cs.Struct(
    "description" / TypeDescription,
    "value" / cs.Prefixed(BerLength, _CompactContents()),
)


# ----------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------
class _DataAdapter(cs.Adapter):  # type: ignore[misc]
    """Container ``(tag, value)`` ↔ the JSON shape of the module docstring."""

    def _decode(self, obj: Any, context: Any, path: str) -> dict[str, Any]:
        tag = obj.tag
        value = obj.value
        if tag == TAG_NULL_DATA:
            return {"type": "null-data"}
        if tag == TAG_BIT_STRING:
            return {"type": "bit-string", "bits": value.bits, "value": value.value}
        if tag == TAG_COMPACT_ARRAY:
            return {
                "type": "compact-array",
                "description": value.description,
                "value": value.value,
            }
        if tag in (TAG_ARRAY, TAG_STRUCTURE):
            return {"type": DATA_TYPES[tag], "value": list(value)}
        return {"type": DATA_TYPES[tag], "value": value}

    def _encode(self, obj: Any, context: Any, path: str) -> dict[str, Any]:
        if not isinstance(obj, Mapping):
            raise cs.ExplicitError(f"DLMS data item must be an object, got {obj!r}", path=path)
        kind = obj.get("type")
        tag = DATA_TAGS.get(kind)  # type: ignore[arg-type]
        if tag is None:
            raise cs.ExplicitError(f"unknown DLMS data type {kind!r}", path=path)
        if tag == TAG_NULL_DATA:
            return {"tag": tag, "value": None}
        missing = (
            {"value"}
            | ({"bits"} if tag == TAG_BIT_STRING else set())
            | ({"description"} if tag == TAG_COMPACT_ARRAY else set())
        )
        if not missing <= obj.keys():
            raise cs.ExplicitError(f"{kind} item needs {sorted(missing)}, got {obj!r}", path=path)
        if tag == TAG_BIT_STRING:
            return {"tag": tag, "value": {"bits": obj["bits"], "value": obj["value"]}}
        if tag == TAG_COMPACT_ARRAY:
            return {
                "tag": tag,
                "value": {"description": obj["description"], "value": obj["value"]},
            }
        if tag in (TAG_ARRAY, TAG_STRUCTURE) and not isinstance(obj["value"], list):
            raise cs.ExplicitError(f"{kind} value must be a list, got {obj['value']!r}", path=path)
        return {"tag": tag, "value": obj["value"]}


#: One DLMS data item (§2.2 "DLMS data types"): tag + value, recursive for array and structure.
Data: Any = _DataAdapter(
    cs.Struct(
        "tag" / cs.Int8ub,
        "_depth" / _NestingGuard(MAX_NESTING),
        "value"
        / cs.Switch(
            this.tag,
            {
                TAG_ARRAY: _items(cs.LazyBound(lambda: Data)),
                TAG_STRUCTURE: _items(cs.LazyBound(lambda: Data)),
                TAG_COMPACT_ARRAY: CompactArrayBody,
                **SIMPLE_BODIES,
            },
            default=_UnknownTag("DLMS data"),
        ),
    )
)


# ----------------------------------------------------------------------------
# Convenience
# ----------------------------------------------------------------------------
def data_item(kind: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    """A data item in decoded form, e.g. ``data_item("long-unsigned", 5)``."""
    if kind not in DATA_TAGS:
        raise ValueError(f"unknown DLMS data type {kind!r}")
    item: dict[str, Any] = {"type": kind}
    if kind != "null-data":
        item["value"] = value
    item.update(extra)
    return item


#: Type of a callable mapping a decoded data item to something else (for walkers).
ItemVisitor = Callable[[Mapping[str, Any]], None]


def walk(item: Mapping[str, Any], visit: ItemVisitor) -> None:
    """Call ``visit`` on ``item`` and every tagged item nested in it (depth first)."""
    visit(item)
    if item.get("type") in ("array", "structure"):
        for child in item.get("value") or ():
            walk(child, visit)


def decode_data(data: bytes) -> dict[str, Any]:
    """One A-XDR data item (e.g. a decrypted protected attribute) as a JSON-native tree."""
    try:
        item: dict[str, Any] = plain(decode_exact(Data, bytes(data), "DLMS data"))
    except RecursionError:
        raise DecodeError(f"DLMS data nested too deeply (limit {MAX_NESTING})") from None
    return item


def encode_data(item: Mapping[str, Any]) -> bytes:
    """The bytes of one data item in the form :func:`decode_data` returns."""
    try:
        raw: bytes = encode_with(Data, item, "DLMS data")
    except RecursionError:
        raise EncodeError(f"DLMS data nested too deeply (limit {MAX_NESTING})") from None
    return raw
