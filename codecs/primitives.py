# SPDX-License-Identifier: GPL-3.0-or-later
"""Primitives shared by every gfi schema (house style rule 4).

* :data:`BerLength` — the ASN.1/DLMS definite length form of GBCS §1.2 (gbcs-protocol.md §1.2).
  Decoding is strict: a non-minimal form is an error, so every decoded message re-encodes to
  the identical bytes.
* :func:`HexBytes` / :data:`Eui64` — bytes shown as uppercase hex strings, so that decoded trees
  are JSON-native and build back losslessly.
* :func:`decode_exact` — parse a whole buffer, turning construct's errors into
  :class:`gfi.errors.DecodeError` with the field path and byte offset.
* :func:`plain` — the one place that turns construct ``Container``\\ s into JSON-native values.
"""

from __future__ import annotations

import enum
import io
from collections.abc import Mapping
from typing import Any

import construct as cs

from gfi.errors import DecodeError, EncodeError

# ----------------------------------------------------------------------------
# Length (GBCS §1.2: 00-7F | 81 LL | 82 LL LL | 83 LL LL LL)
# ----------------------------------------------------------------------------
_LONG_FORM_MIN = {1: 0x80, 2: 0x100, 3: 0x10000}


class _BerLength(cs.Construct):  # type: ignore[misc]
    """Definite length, shortest form on build; decoding rejects non-minimal forms."""

    def _parse(self, stream: Any, context: Any, path: str) -> int:
        first: int = cs.stream_read(stream, 1, path)[0]
        if first < 0x80:
            return first
        n = first & 0x7F
        if n not in _LONG_FORM_MIN:
            raise cs.ExplicitError(f"unsupported length form 0x{first:02X}", path=path)
        value = int.from_bytes(cs.stream_read(stream, n, path), "big")
        if value < _LONG_FORM_MIN[n]:
            raise cs.ExplicitError(
                f"non-minimal length encoding 0x{first:02X} for length {value}", path=path
            )
        return value

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> int:
        if not isinstance(obj, int) or obj < 0 or obj > 0xFFFFFF:
            raise cs.ExplicitError(f"length {obj!r} out of range", path=path)
        encoded = encode_length(obj)
        cs.stream_write(stream, encoded, len(encoded), path)
        return obj

    def _sizeof(self, context: Any, path: str) -> int:
        raise cs.SizeofError("variable-size length", path=path)


def encode_length(n: int) -> bytes:
    """The shortest definite-form encoding of ``n`` (GBCS §1.2)."""
    if n < 0x80:
        return bytes([n])
    if n < 0x100:
        return bytes([0x81, n])
    if n < 0x10000:
        return bytes([0x82]) + n.to_bytes(2, "big")
    return bytes([0x83]) + n.to_bytes(3, "big")


BerLength = _BerLength()


# ----------------------------------------------------------------------------
# Bytes as hex text
# ----------------------------------------------------------------------------
class _HexAdapter(cs.Adapter):  # type: ignore[misc]
    def _decode(self, obj: bytes, context: Any, path: str) -> str:
        return bytes(obj).hex().upper()

    def _encode(self, obj: Any, context: Any, path: str) -> bytes:
        if isinstance(obj, bytes | bytearray):
            return bytes(obj)
        if not isinstance(obj, str):
            raise cs.ExplicitError(f"expected a hex string, got {type(obj).__name__}", path=path)
        try:
            return bytes.fromhex(obj)
        except ValueError as exc:
            raise cs.ExplicitError(f"not a hex string: {obj!r}", path=path) from exc


def HexBytes(subcon: Any = cs.GreedyBytes) -> Any:
    """``subcon`` (bytes) seen as an uppercase hex string."""
    return _HexAdapter(subcon)


#: EUI-64 / GBCS entity id, 8 bytes most significant first, shown as 16 uppercase hex digits.
Eui64 = HexBytes(cs.Bytes(8))

#: Octet string with a definite-form length prefix (GBCS §1.2).
LengthPrefixedHex = HexBytes(cs.Prefixed(BerLength, cs.GreedyBytes))


def hex_to_bytes(value: Any, path: str) -> bytes:
    """The bytes of a hex string taken from a user's document; :class:`EncodeError` naming
    ``path`` otherwise."""
    if not isinstance(value, str):
        raise EncodeError(f"expected a hex string, got {type(value).__name__}", path=path)
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise EncodeError(f"not a hex string: {value[:40]!r}", path=path) from None


# ----------------------------------------------------------------------------
# Parsing a whole buffer with typed errors
# ----------------------------------------------------------------------------
def _path_of(exc: cs.ConstructError) -> str | None:
    path = getattr(exc, "path", None)
    if not path:
        return None
    path = path.replace("(parsing)", "").replace("(building)", "").strip()
    return path.removeprefix("->").strip() or None


def _message_of(exc: cs.ConstructError) -> str:
    text = str(exc)
    lines = text.split("\n", 1)
    if len(lines) == 2 and lines[0].startswith("Error in path"):
        text = lines[1]
    return text.removeprefix("parsing ").removeprefix("building ").strip() or type(exc).__name__


def decode_exact(schema: Any, data: bytes, what: str) -> Any:
    """Parse all of ``data`` with ``schema``; leftover bytes or any construct error raise
    :class:`DecodeError` naming ``what``, the field path and the byte offset."""
    stream = io.BytesIO(data)
    try:
        obj = schema.parse_stream(stream)
    except cs.ConstructError as exc:
        raise DecodeError(
            f"{what}: {_message_of(exc)}", path=_path_of(exc), offset=stream.tell()
        ) from None
    except (ValueError, OverflowError, UnicodeError, IndexError, KeyError, TypeError) as exc:
        # construct lets a few builtin errors through (e.g. from adapters)
        raise DecodeError(f"{what}: {exc}", offset=stream.tell()) from None
    if stream.tell() != len(data):
        raise DecodeError(
            f"{what}: {len(data) - stream.tell()} byte(s) left over after the end of the structure",
            offset=stream.tell(),
        )
    return obj


def encode_with(schema: Any, obj: Any, what: str) -> bytes:
    """Build ``obj`` with ``schema``; errors raise :class:`EncodeError` naming ``what``."""
    try:
        return bytes(schema.build(obj))
    except cs.ConstructError as exc:
        raise EncodeError(f"{what}: {_message_of(exc)}", path=_path_of(exc)) from None
    except (ValueError, OverflowError, UnicodeError, IndexError, KeyError, TypeError,
            AttributeError) as exc:
        raise EncodeError(f"{what}: {type(exc).__name__}: {exc}") from None


# ----------------------------------------------------------------------------
# Containers to JSON-native values (house style rule 5: one place)
# ----------------------------------------------------------------------------
def plain(obj: Any) -> Any:
    """Turn construct results into JSON-native values: dicts (without construct's private
    ``_`` keys), lists, ints, strs, bools and None. Bytes become uppercase hex."""
    if isinstance(obj, dict):  # Container is a dict: the common case first
        return {k: plain(v) for k, v in obj.items() if not (isinstance(k, str) and k[:1] == "_")}
    if isinstance(obj, list | tuple):
        return [plain(v) for v in obj]
    if isinstance(obj, bytes | bytearray):
        return bytes(obj).hex().upper()
    if isinstance(obj, cs.EnumIntegerString):
        return str(obj)
    if isinstance(obj, enum.Enum):
        return obj.name
    if isinstance(obj, bool | int | float | str) or obj is None:
        return obj
    if isinstance(obj, Mapping):
        return {k: plain(v) for k, v in obj.items() if not str(k).startswith("_")}
    raise TypeError(f"cannot represent {type(obj).__name__} as JSON")
