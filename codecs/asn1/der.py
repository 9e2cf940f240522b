# SPDX-License-Identifier: GPL-3.0-or-later
"""A generic, lossless, strict DER TLV codec (gbcs-protocol.md §2.4; length octets §1.2).

GBCS carries security-credential, join, firmware, clock-validity and device-log payloads as
ASN.1 DER (gbcs-protocol.md §2.4). This module knows nothing about those structures: it turns
one DER value into a tree of :class:`Tlv` nodes and back, and maps that tree to and from a
JSON-native form. :mod:`gfi.codecs.asn1.gbcs` gives the nodes their GBCS names and falls back
to this generic form when a payload does not match.

Theory of operation
-------------------
DER is recursive TLV, so a small hand-written walker is clearer than a construct schema. The
length octets follow the rules of :data:`gfi.codecs.primitives.BerLength` (GBCS framing,
gbcs-protocol.md §1.2): definite, ``00``–``7F`` | ``81 LL`` | ``82 LL LL`` | ``83 LL LL LL``,
and minimal — a length is minimal exactly when its octets equal
:func:`gfi.codecs.primitives.encode_length` of its value.

The walker checks what DER (X.690 §10) says about *identifier and length octets* and about
the primitive/constructed form:

* identifier octets: low-tag-number form for numbers 0–30, high-tag-number form (``1F`` then
  base-128, no leading ``80``) only for numbers >= 31, at most four subsequent octets;
* length octets: definite and minimal; the BER indefinite form ``80`` is refused. Some RTDS
  device payloads use ``82 00 LL`` for lengths 128–255, so :func:`decode_tlv` has a switch
  (``minimal_lengths=False``) that accepts a longer-than-minimal long form and records it in
  :attr:`Tlv.length_octets` (house style rule 8: strict by default, lenient at the edge);
* end-of-contents (universal 0) is refused; SEQUENCE, SET, EXTERNAL, EMBEDDED PDV and
  CHARACTER STRING must be constructed, every other universal type primitive (DER forbids
  constructed strings);
* a constructed value's contents must be exactly a run of whole TLVs; nothing may follow the
  outermost value.

The contents of primitive values are kept as bytes, uninterpreted, so decoding and
re-encoding always give back the identical bytes. Checking contents (minimal INTEGERs, BIT
STRING padding, ...) is the job of the typed layer in :mod:`gfi.codecs.asn1.gbcs`.

JSON form of a node (:func:`tlv_to_tree`)::

    {"class": "universal" | "application" | "context" | "private",
     "constructed": false, "number": 2, "value": "03E8"}              # primitive
    {"class": "universal", "constructed": true, "number": 16,
     "children": [ ...nodes... ]}                                     # constructed

plus ``"length_octets": 2`` on a node whose length used a non-minimal long form, and the
informational keys ``tag`` (the identifier octets as hex, e.g. ``"A2"``) and, for universal
types, ``type`` (``"SEQUENCE"``), which :func:`tlv_from_tree` ignores.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

from gfi.codecs.primitives import encode_length, hex_to_bytes
from gfi.errors import DecodeError, EncodeError

# ----------------------------------------------------------------------------
# Logging
# ----------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
UNIVERSAL: Final = 0
APPLICATION: Final = 1
CONTEXT: Final = 2
PRIVATE: Final = 3

#: Tag class names, indexed by the two class bits of the identifier octet.
CLASS_NAMES: Final = ("universal", "application", "context", "private")

# fmt: off
#: Universal tag numbers used by GBCS and X.509 (gbcs-protocol.md §2.4).
BOOLEAN: Final           = 1
INTEGER: Final           = 2
BIT_STRING: Final        = 3
OCTET_STRING: Final      = 4
NULL: Final              = 5
OBJECT_IDENTIFIER: Final = 6
ENUMERATED: Final        = 10
SEQUENCE: Final          = 16
SET: Final               = 17
GENERALIZED_TIME: Final  = 24

#: Names of the universal types (informational ``type`` key of the JSON form).
UNIVERSAL_NAMES: Final[Mapping[int, str]] = {
    1: "BOOLEAN", 2: "INTEGER", 3: "BIT STRING", 4: "OCTET STRING", 5: "NULL",
    6: "OBJECT IDENTIFIER", 7: "ObjectDescriptor", 8: "EXTERNAL", 9: "REAL",
    10: "ENUMERATED", 11: "EMBEDDED PDV", 12: "UTF8String", 13: "RELATIVE-OID",
    14: "TIME", 16: "SEQUENCE", 17: "SET", 18: "NumericString", 19: "PrintableString",
    20: "T61String", 21: "VideotexString", 22: "IA5String", 23: "UTCTime",
    24: "GeneralizedTime", 25: "GraphicString", 26: "VisibleString", 27: "GeneralString",
    28: "UniversalString", 29: "CHARACTER STRING", 30: "BMPString",
}
# fmt: on

#: Universal types that are always constructed; every other universal type below 31 is
#: primitive in DER (X.690 §8, §10.2).
ALWAYS_CONSTRUCTED: Final = frozenset({8, 11, SEQUENCE, SET, 29})

#: Largest tag number accepted: four base-128 octets in the high-tag-number form.
MAX_TAG_NUMBER: Final = (1 << 28) - 1
#: Largest length the §1.2 length octets can carry (``83 LL LL LL``).
MAX_LENGTH: Final = 0xFFFFFF
MAX_LENGTH_OCTETS: Final = 3
#: Deepest nesting accepted; GBCS payloads with certificates nest about 12 deep.
MAX_DEPTH: Final = 64

_INDEFINITE_LENGTH: Final = 0x80
_HIGH_TAG_NUMBER: Final = 0x1F
_INFO_KEYS: Final = frozenset({"tag", "type"})
_CANONICAL_KEYS: Final = frozenset(
    {"class", "constructed", "number", "value", "children", "length_octets"}
)


# ----------------------------------------------------------------------------
# Classes
# ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Tlv:
    """One DER value: identifier (class, constructed flag, number) and its contents.

    A primitive node holds ``content`` (and no ``children``); a constructed node holds
    ``children`` (and ``content`` is ``b""``). ``length_octets`` is ``None`` for DER's minimal
    length form, or the number (1–3) of long-form length octets the sender used instead
    (BER, kept so that the bytes re-encode identically). ``offset`` is where the value started
    in the decoded buffer (0 for nodes built in memory); it is not part of equality.
    """

    tag_class: int
    constructed: bool
    number: int
    content: bytes = b""
    children: tuple[Tlv, ...] = ()
    length_octets: int | None = None
    offset: int = field(default=0, compare=False)

    @property
    def tag(self) -> tuple[int, bool, int]:
        """``(class, constructed, number)``."""
        return (self.tag_class, self.constructed, self.number)

    @property
    def identifier(self) -> bytes:
        """The identifier octets."""
        return encode_identifier(self.tag_class, self.constructed, self.number)

    def describe(self) -> str:
        """Short human text for error messages, e.g. ``"SEQUENCE (30)"``."""
        return describe_tag(self.tag_class, self.constructed, self.number)


def primitive(tag_class: int, number: int, content: bytes) -> Tlv:
    """A primitive node."""
    return Tlv(tag_class, False, number, bytes(content))


def constructed(tag_class: int, number: int, children: Sequence[Tlv]) -> Tlv:
    """A constructed node."""
    return Tlv(tag_class, True, number, b"", tuple(children))


def describe_tag(tag_class: int, is_constructed: bool, number: int) -> str:
    """``"INTEGER (02)"``, ``"[3] (83)"``, ``"[APPLICATION 1] (61)"``."""
    hex_id = encode_identifier(tag_class, is_constructed, number).hex().upper()
    if tag_class == UNIVERSAL:
        name = UNIVERSAL_NAMES.get(number, f"UNIVERSAL {number}")
    elif tag_class == CONTEXT:
        name = f"[{number}]"
    else:
        name = f"[{CLASS_NAMES[tag_class].upper()} {number}]"
    return f"{name} ({hex_id})"


# ----------------------------------------------------------------------------
# Identifier octets
# ----------------------------------------------------------------------------
def encode_identifier(tag_class: int, is_constructed: bool, number: int) -> bytes:
    """Identifier octets: one octet for numbers 0–30, else ``1F`` + base-128 (X.690 §8.1.2)."""
    first = (tag_class << 6) | (0x20 if is_constructed else 0)
    if number < _HIGH_TAG_NUMBER:
        return bytes([first | number])
    groups = [number & 0x7F]
    number >>= 7
    while number:
        groups.append(0x80 | (number & 0x7F))
        number >>= 7
    return bytes([first | _HIGH_TAG_NUMBER, *reversed(groups)])


def _form_problem(tag_class: int, is_constructed: bool, number: int) -> str | None:
    """What DER forbids about this identifier, or ``None``."""
    if tag_class != UNIVERSAL or number >= _HIGH_TAG_NUMBER:
        return None
    name = UNIVERSAL_NAMES.get(number, f"universal type {number}")
    if number == 0:
        return "end-of-contents (universal 0) is not allowed in DER"
    if number in ALWAYS_CONSTRUCTED and not is_constructed:
        return f"{name} must use the constructed form"
    if number not in ALWAYS_CONSTRUCTED and is_constructed:
        return f"{name} must use the primitive form in DER"
    return None


# ----------------------------------------------------------------------------
# Decoding
# ----------------------------------------------------------------------------
class _Walker:
    """Reads TLVs from one buffer, raising :class:`DecodeError` with absolute offsets."""

    def __init__(self, data: bytes, base_offset: int, minimal_lengths: bool) -> None:
        self.data = data
        self.base = base_offset
        self.minimal_lengths = minimal_lengths

    def fail(self, message: str, offset: int, path: str) -> DecodeError:
        return DecodeError(f"DER: {message}", path=path, offset=self.base + offset)

    def read_identifier(self, pos: int, end: int, path: str) -> tuple[int, bool, int, int]:
        first = self.data[pos]
        tag_class, is_constructed, number = first >> 6, bool(first & 0x20), first & 0x1F
        pos += 1
        if number == _HIGH_TAG_NUMBER:
            start = pos
            number = 0
            while True:
                if pos >= end:
                    raise self.fail("truncated identifier octets (high-tag-number form)", pos, path)
                octet = self.data[pos]
                if pos == start and octet == 0x80:
                    raise self.fail("non-minimal high tag number (leading 80 octet)", pos, path)
                if pos - start >= 4:
                    raise self.fail("tag number too large (more than 4 octets)", pos, path)
                number = (number << 7) | (octet & 0x7F)
                pos += 1
                if not octet & 0x80:
                    break
            if number < _HIGH_TAG_NUMBER:
                raise self.fail(
                    f"high-tag-number form used for tag number {number} (< 31)", start - 1, path
                )
        return tag_class, is_constructed, number, pos

    def read_length(self, pos: int, end: int, path: str) -> tuple[int, int | None, int]:
        """``(length, length_octets, next_pos)``; ``length_octets`` is set only for a
        non-minimal long form, which is an error unless lengths are lenient."""
        if pos >= end:
            raise self.fail("truncated: length octets missing", pos, path)
        first = self.data[pos]
        if first < 0x80:
            return first, None, pos + 1
        if first == _INDEFINITE_LENGTH:
            raise self.fail("indefinite length (80) is not allowed in DER", pos, path)
        count = first & 0x7F
        if count > MAX_LENGTH_OCTETS:
            raise self.fail(
                f"unsupported length form {first:02X} (at most {MAX_LENGTH_OCTETS} length "
                "octets, gbcs-protocol.md §1.2)",
                pos,
                path,
            )
        if pos + 1 + count > end:
            raise self.fail("truncated length octets", pos, path)
        length = int.from_bytes(self.data[pos + 1 : pos + 1 + count], "big")
        if self.data[pos : pos + 1 + count] == encode_length(length):
            return length, None, pos + 1 + count
        if self.minimal_lengths:
            raise self.fail(
                f"non-minimal length encoding {first:02X} for length {length}", pos, path
            )
        return length, count, pos + 1 + count

    def read_tlv(self, pos: int, end: int, path: str, depth: int) -> tuple[Tlv, int]:
        if depth > MAX_DEPTH:
            raise self.fail(f"nesting deeper than {MAX_DEPTH} levels", pos, path)
        start = pos
        tag_class, is_constructed, number, pos = self.read_identifier(pos, end, path)
        problem = _form_problem(tag_class, is_constructed, number)
        if problem:
            raise self.fail(problem, start, path)
        length, length_octets, pos = self.read_length(pos, end, path)
        if length > end - pos:
            raise self.fail(
                f"truncated: {describe_tag(tag_class, is_constructed, number)} needs {length} "
                f"content byte(s), {end - pos} left",
                pos,
                path,
            )
        content_end = pos + length
        if not is_constructed:
            content = self.data[pos:content_end]
            node = Tlv(tag_class, False, number, content, (), length_octets, self.base + start)
            return node, content_end
        children: list[Tlv] = []
        while pos < content_end:
            child, pos = self.read_tlv(pos, content_end, f"{path}[{len(children)}]", depth + 1)
            children.append(child)
        node = Tlv(tag_class, True, number, b"", tuple(children), length_octets, self.base + start)
        return node, content_end


def decode_tlv(data: bytes, *, base_offset: int = 0, minimal_lengths: bool = True) -> Tlv:
    """Decode exactly one DER value filling all of ``data``.

    With ``minimal_lengths=False`` a definite length in a longer long form than DER's minimal
    one (BER, e.g. ``82 00 83``) is accepted and kept in :attr:`Tlv.length_octets`, so the
    bytes still re-encode identically; everything else stays strict.

    :raises DecodeError: empty input, bad identifier or length octets, a forbidden form,
        truncation, too deep nesting, or bytes after the value (``offset`` is absolute,
        counting from ``base_offset``; ``path`` names the node, e.g. ``der[1][0]``).
    """
    data = bytes(data)
    walker = _Walker(data, base_offset, minimal_lengths)
    if not data:
        raise walker.fail("empty input, expected one DER value", 0, "der")
    node, end = walker.read_tlv(0, len(data), "der", 0)
    if end != len(data):
        raise walker.fail(
            f"{len(data) - end} byte(s) left over after the end of the DER value", end, "der"
        )
    return node


# ----------------------------------------------------------------------------
# Encoding
# ----------------------------------------------------------------------------
def encode_tlv(node: Tlv) -> bytes:
    """The DER bytes of ``node`` (the exact inverse of :func:`decode_tlv`).

    :raises EncodeError: the node breaks a DER form rule or a length exceeds §1.2's range.
    """
    out = bytearray()
    _encode_into(node, out, "der")
    return bytes(out)


def _encode_into(node: Tlv, out: bytearray, path: str) -> None:
    if not 0 <= node.tag_class <= 3 or not 0 <= node.number <= MAX_TAG_NUMBER:
        raise EncodeError(f"bad tag class {node.tag_class} or number {node.number}", path=path)
    problem = _form_problem(node.tag_class, node.constructed, node.number)
    if problem:
        raise EncodeError(problem, path=path)
    if node.constructed:
        if node.content:
            raise EncodeError("a constructed node holds children, not content", path=path)
        body = bytearray()
        for i, child in enumerate(node.children):
            _encode_into(child, body, f"{path}[{i}]")
        content = bytes(body)
    else:
        if node.children:
            raise EncodeError("a primitive node holds content, not children", path=path)
        content = node.content
    if len(content) > MAX_LENGTH:
        raise EncodeError(f"content of {len(content)} bytes exceeds {MAX_LENGTH}", path=path)
    out += node.identifier
    out += _length_octets(len(content), node.length_octets, path)
    out += content


def _length_octets(length: int, count: int | None, path: str) -> bytes:
    if count is None:
        return encode_length(length)
    if not 1 <= count <= MAX_LENGTH_OCTETS or length >= 1 << (8 * count):
        raise EncodeError(f"length {length} does not fit {count} length octet(s)", path=path)
    return bytes([0x80 | count]) + length.to_bytes(count, "big")


# ----------------------------------------------------------------------------
# JSON-native form
# ----------------------------------------------------------------------------
def tlv_to_tree(node: Tlv) -> dict[str, Any]:
    """The JSON-native form of ``node`` (see the module docstring)."""
    tree: dict[str, Any] = {"tag": node.identifier.hex().upper()}
    if node.tag_class == UNIVERSAL and node.number in UNIVERSAL_NAMES:
        tree["type"] = UNIVERSAL_NAMES[node.number]
    tree.update(
        {
            "class": CLASS_NAMES[node.tag_class],
            "constructed": node.constructed,
            "number": node.number,
        }
    )
    if node.length_octets is not None:
        tree["length_octets"] = node.length_octets
    if node.constructed:
        tree["children"] = [tlv_to_tree(child) for child in node.children]
    else:
        tree["value"] = node.content.hex().upper()
    return tree


def tlv_from_tree(tree: Any, path: str = "der") -> Tlv:
    """The node described by a JSON-native tree; informational keys are ignored.

    :raises EncodeError: not a node, unknown keys, bad class/number/flag, bad hex, or a form
        DER forbids.
    """
    if not isinstance(tree, Mapping):
        raise EncodeError(f"a DER node must be an object, got {type(tree).__name__}", path=path)
    unknown = set(tree) - _CANONICAL_KEYS - _INFO_KEYS
    if unknown:
        raise EncodeError(f"unknown key(s) {sorted(map(str, unknown))} in a DER node", path=path)
    tag_class_name = tree.get("class")
    if tag_class_name not in CLASS_NAMES:
        raise EncodeError(f"'class' must be one of {list(CLASS_NAMES)}", path=path)
    is_constructed = tree.get("constructed")
    if not isinstance(is_constructed, bool):
        raise EncodeError("'constructed' must be true or false", path=path)
    number = tree.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or not 0 <= number <= MAX_TAG_NUMBER:
        raise EncodeError(f"'number' must be an integer 0..{MAX_TAG_NUMBER}", path=path)
    tag_class = CLASS_NAMES.index(tag_class_name)
    problem = _form_problem(tag_class, is_constructed, number)
    if problem:
        raise EncodeError(problem, path=path)
    length_octets = _check_length_octets(tree.get("length_octets"), f"{path}.length_octets")
    if is_constructed:
        if "value" in tree:
            raise EncodeError("a constructed node takes 'children', not 'value'", path=path)
        children = tree.get("children")
        if not isinstance(children, list):
            raise EncodeError("a constructed node needs a 'children' list", path=path)
        nodes = tuple(tlv_from_tree(c, f"{path}[{i}]") for i, c in enumerate(children))
        return Tlv(tag_class, True, number, b"", nodes, length_octets)
    if "children" in tree:
        raise EncodeError("a primitive node takes 'value', not 'children'", path=path)
    content = hex_to_bytes(tree.get("value"), f"{path}.value")
    return Tlv(tag_class, False, number, content, (), length_octets)


def _check_length_octets(value: Any, path: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_LENGTH_OCTETS:
        raise EncodeError(f"length_octets must be 1..{MAX_LENGTH_OCTETS} or absent", path=path)
    return value


# ----------------------------------------------------------------------------
# Non-minimal lengths by node path (for views that do not show every node)
# ----------------------------------------------------------------------------
def non_minimal_lengths(node: Tlv, path: str = "der") -> dict[str, int]:
    """``{node path: length_octets}`` for every node with a non-minimal length, paths as in
    errors (``"der"``, ``"der[1][0]"``)."""
    found: dict[str, int] = {}
    if node.length_octets is not None:
        found[path] = node.length_octets
    for i, child in enumerate(node.children):
        found.update(non_minimal_lengths(child, f"{path}[{i}]"))
    return found


def with_length_octets(node: Tlv, lengths: Mapping[str, Any], what: str) -> Tlv:
    """``node`` with the length forms of :func:`non_minimal_lengths` applied.

    :raises EncodeError: a path that names no node, or a bad octet count.
    """
    if not isinstance(lengths, Mapping):
        raise EncodeError("expected an object of node path → length octets", path=what)
    pending = dict(lengths)

    def apply(n: Tlv, path: str) -> Tlv:
        count = n.length_octets
        if path in pending:
            count = _check_length_octets(pending.pop(path), f"{what}.{path}")
        children = tuple(apply(c, f"{path}[{i}]") for i, c in enumerate(n.children))
        return replace(n, children=children, length_octets=count)

    result = apply(node, "der")
    if pending:
        raise EncodeError(f"no DER node at path(s) {sorted(map(str, pending))}", path=what)
    return result


def decode_der(data: bytes) -> dict[str, Any]:
    """One DER value → its JSON-native tree (:class:`DecodeError` on bad DER)."""
    return tlv_to_tree(decode_tlv(data))


def encode_der(tree: Mapping[str, Any]) -> bytes:
    """A JSON-native tree → DER bytes (:class:`EncodeError` on a bad tree)."""
    return encode_tlv(tlv_from_tree(tree))
