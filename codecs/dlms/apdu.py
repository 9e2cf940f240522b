# SPDX-License-Identifier: GPL-3.0-or-later
"""The three xDLMS APDUs of the GBCS DLMS/COSEM payloads (gbcs-protocol.md §2.2):
Access-Request (``D9``, commands), Access-Response (``DA``, responses) and Data-Notification
(``0F``, alerts), plus the structure of the "protected (encrypted) data" items of §2.2.

All three start with the tag, the 4-byte long-invoke-id-and-priority (``0x20`` ‖ the low 24
bits of the grouping-header counter in every RTDS vector) and the date-time octet string
(empty ``00`` in GBCS). :func:`decode_dlms_payload` returns a JSON-native tree and
:func:`encode_dlms_payload` builds it back to the identical bytes::

    {"apdu": "access-request", "invoke_id": 536871912, "invoke_id_flags": 32,
     "invoke_id_counter": 1000, "date_time": "",
     "specs": [{"choice": "get",
                "descriptor": {"class_id": 1, "class_name": "Data", "obis": "0-0:0.2.1.255",
                               "obis_name": None, "attribute_id": 2, "attribute_name": "Value"},
                "access_selection": None}],
     "data": [{"type": "null-data"}]}

    {"apdu": "access-response", ..., "data": [item, ...],
     "results": [{"choice": "get", "result": 0, "result_name": "success"}, ...]}

    {"apdu": "data-notification", ..., "body": item}

``access_selection`` is ``{"selector": n, "parameters": item}`` for ``get-with-selection`` and
``None`` otherwise; action specs carry ``method_id`` / ``method_name`` instead of
``attribute_id`` / ``attribute_name``. Data items are as in :mod:`gfi.codecs.dlms.axdr`.
The keys ``invoke_id_flags``, ``invoke_id_counter`` and every ``*_name`` key are informational:
building ignores them. No cryptography happens here (house style rule 6): the protected-data
helpers only take the structure apart.
"""

from __future__ import annotations

# ----------------------------------------------------------------------------
# Imports
# ----------------------------------------------------------------------------
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

import construct as cs
from construct import len_, this

from gfi.codecs.dlms.axdr import MAX_NESTING, Data
from gfi.codecs.gbcs.catalogue import (
    COSEM_ATTRIBUTES,
    COSEM_CLASSES,
    COSEM_METHODS,
    DATA_ACCESS_RESULTS,
    OBIS_NAMES,
)
from gfi.codecs.primitives import BerLength, LengthPrefixedHex, decode_exact, encode_with, plain
from gfi.errors import DecodeError, EncodeError

# ----------------------------------------------------------------------------
# Logging
# ----------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
TAG_ACCESS_REQUEST: Final = 0xD9
TAG_ACCESS_RESPONSE: Final = 0xDA
TAG_DATA_NOTIFICATION: Final = 0x0F

#: APDU tag → the ``"apdu"`` value of the decoded tree.
APDU_NAMES: Final[Mapping[int, str]] = {
    TAG_ACCESS_REQUEST: "access-request",
    TAG_ACCESS_RESPONSE: "access-response",
    TAG_DATA_NOTIFICATION: "data-notification",
}

#: Flag byte of the invoke-id in every GBCS DLMS payload (§2.2; the sources do not explain it).
INVOKE_ID_FLAGS: Final = 0x20

#: Security control byte of a protected-attributes octet string (§2.2).
PROTECTED_SECURITY_CONTROL: Final = 0x31
#: Truncated GCM tag length (§2.2, gbcs-security.md §1.4).
PROTECTED_TAG_LENGTH: Final = 12
#: CRA flag value inside the protected-data transaction id (§1.7).
PROTECTED_TRANSACTION_CRA: Final = 4


# ----------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------
_OBIS_TEXT = re.compile(r"(\d{1,3})-(\d{1,3}):(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})")


class _ObisAdapter(cs.Adapter):  # type: ignore[misc]
    """6-byte OBIS code ↔ ``"A-B:C.D.E.F"`` with decimal values (§2.2)."""

    def _decode(self, obj: bytes, context: Any, path: str) -> str:
        a, b, c, d, e, f = obj
        return f"{a}-{b}:{c}.{d}.{e}.{f}"

    def _encode(self, obj: Any, context: Any, path: str) -> bytes:
        match = _OBIS_TEXT.fullmatch(obj) if isinstance(obj, str) else None
        values = [int(g) for g in match.groups()] if match else []
        if not values or max(values) > 0xFF:
            raise cs.ExplicitError(
                f"OBIS code must be 'A-B:C.D.E.F' (0-255), got {obj!r}", path=path
            )
        return bytes(values)


#: OBIS code (logical name) as ``"A-B:C.D.E.F"``; editable, builds back to the 6 bytes.
Obis = _ObisAdapter(cs.Bytes(6))


class _Lookup:
    """Context function: ``table[key(ctx)]`` (nested with ``subkey``), or ``None``."""

    def __init__(
        self,
        table: Mapping[Any, Any],
        key: Callable[[Any], Any],
        subkey: Callable[[Any], Any] | None = None,
    ) -> None:
        self.table = table
        self.key = key
        self.subkey = subkey

    def __call__(self, context: Any) -> Any:
        found = self.table.get(self.key(context))
        if self.subkey is not None:
            found = None if found is None else found.get(self.subkey(context))
        return found


class _ConstWithReason(cs.Const):  # type: ignore[misc]
    """:class:`construct.Const` whose parse error says why only that value is accepted."""

    def __init__(self, value: bytes, reason: str) -> None:
        super().__init__(value)
        self.reason = reason

    def _parse(self, stream: Any, context: Any, path: str) -> Any:
        obj = self.subcon._parsereport(stream, context, path)
        if obj != self.value:
            raise cs.ConstError(
                f"{self.reason} (expected {self.value.hex()}, got {obj.hex()})", path=path
            )
        return obj


class _Require(cs.Construct):  # type: ignore[misc]
    """Invariant like :class:`construct.Check`, but the error says which one failed."""

    def __init__(self, condition: Callable[[Any], Any], message: str) -> None:
        super().__init__()
        self.condition = condition
        self.message = message
        self.flagbuildnone = True

    def _check(self, context: Any, path: str) -> None:
        if not self.condition(context):
            raise cs.ExplicitError(self.message, path=path)

    def _parse(self, stream: Any, context: Any, path: str) -> None:
        self._check(context, path)

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> None:
        self._check(context, path)

    def _sizeof(self, context: Any, path: str) -> int:
        return 0


class _UnknownChoice(cs.Construct):  # type: ignore[misc]
    """Switch default naming the unknown choice ``context.<field>``."""

    def __init__(self, what: str, field: str) -> None:
        super().__init__()
        self.what = what
        self.field = field
        self.flagbuildnone = True

    def _fail(self, context: Any, path: str) -> Any:
        value = context[self.field]
        shown = f"0x{value:02X}" if isinstance(value, int) else repr(value)
        raise cs.ExplicitError(f"unknown {self.what} {shown}", path=path)

    def _parse(self, stream: Any, context: Any, path: str) -> Any:
        return self._fail(context, path)

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        return self._fail(context, path)


def _omissible(subcon: Any) -> Any:
    """``subcon`` whose key may be left out of a tree being built (it then builds ``None``)."""
    subcon.flagbuildnone = True
    return subcon


class _Flattened(cs.Adapter):  # type: ignore[misc]
    """Struct whose last field ``nested`` is a dict: its keys are lifted into the result.

    Building splits the keys again: every key that is not a field of the struct goes into
    ``nested``.
    """

    def __init__(self, subcon: Any, nested: str) -> None:
        super().__init__(subcon)
        self.nested = nested
        self.own = frozenset(sc.name for sc in subcon.subcons if sc.name) - {nested}

    def _decode(self, obj: Any, context: Any, path: str) -> dict[str, Any]:
        out = {k: v for k, v in obj.items() if k in self.own}
        out.update((k, v) for k, v in obj[self.nested].items() if not k.startswith("_"))
        return out

    def _encode(self, obj: Any, context: Any, path: str) -> dict[str, Any]:
        if not isinstance(obj, Mapping):
            raise cs.ExplicitError(f"DLMS payload must be an object, got {obj!r}", path=path)
        out = {k: v for k, v in obj.items() if k in self.own}
        out[self.nested] = {k: v for k, v in obj.items() if k not in self.own}
        return out


# ----------------------------------------------------------------------------
# COSEM descriptors (§2.2)
# ----------------------------------------------------------------------------
#: COSEM attribute descriptor: class id (2), logical name (6), attribute id (1).
AttributeDescriptor = cs.Struct(
    "class_id" / cs.Int16ub,
    "class_name" / cs.Computed(_Lookup(COSEM_CLASSES, this.class_id)),
    "obis" / Obis,
    "obis_name" / cs.Computed(_Lookup(OBIS_NAMES, this.obis)),
    "attribute_id" / cs.Int8ub,
    "attribute_name" / cs.Computed(_Lookup(COSEM_ATTRIBUTES, this.class_id, this.attribute_id)),
)

#: COSEM method descriptor: class id (2), logical name (6), method id (1).
MethodDescriptor = cs.Struct(
    "class_id" / cs.Int16ub,
    "class_name" / cs.Computed(_Lookup(COSEM_CLASSES, this.class_id)),
    "obis" / Obis,
    "obis_name" / cs.Computed(_Lookup(OBIS_NAMES, this.obis)),
    "method_id" / cs.Int8ub,
    "method_name" / cs.Computed(_Lookup(COSEM_METHODS, this.class_id, this.method_id)),
)

#: Selective access of a get-with-selection: selector (1) + parameters (one data item).
AccessSelection = cs.Struct(
    "selector" / cs.Int8ub,
    "parameters" / Data,
)

#: Access-request specification choice (§2.2).
RequestChoice = cs.Enum(cs.Int8ub, get=1, set=2, action=3, **{"get-with-selection": 4})

#: One access-request specification: choice + COSEM descriptor (+ selective access).
RequestSpec = cs.Struct(
    "choice" / RequestChoice,
    "descriptor"
    / cs.Switch(
        this.choice,
        {
            "get": AttributeDescriptor,
            "set": AttributeDescriptor,
            "action": MethodDescriptor,
            "get-with-selection": AttributeDescriptor,
        },
        default=_UnknownChoice("access-request specification choice", "choice"),
    ),
    "access_selection" / _omissible(cs.If(this.choice == "get-with-selection", AccessSelection)),
)

#: Access-response specification choice (§2.2).
ResponseChoice = cs.Enum(cs.Int8ub, get=1, set=2, action=3)

#: One access-response specification: choice + data-access-result / action-result.
ResponseSpec = cs.Struct(
    "choice" / ResponseChoice,
    cs.Switch(
        this.choice,
        {"get": cs.Pass, "set": cs.Pass, "action": cs.Pass},
        default=_UnknownChoice("access-response specification choice", "choice"),
    ),
    "result" / cs.Int8ub,
    "result_name" / cs.Computed(_Lookup(DATA_ACCESS_RESULTS, this.result)),
)

# ----------------------------------------------------------------------------
# APDU bodies (after tag, invoke-id and date-time)
# ----------------------------------------------------------------------------
#: Access-Request body: request specifications, then one data item per specification.
AccessRequestBody = cs.Struct(
    "specs" / cs.PrefixedArray(BerLength, RequestSpec),
    "data" / cs.PrefixedArray(BerLength, Data),
    _Require(len_(this.data) == len_(this.specs), "access-request: one data item per spec"),
)

#: Access-Response body: access-request-specification (absent, ``00``, in every source),
#: the data list and the response specifications.
AccessResponseBody = cs.Struct(
    _ConstWithReason(
        b"\x00",
        "access-request-specification must be absent: echoed specifications are not supported",
    ),
    "data" / cs.PrefixedArray(BerLength, Data),
    "results" / cs.PrefixedArray(BerLength, ResponseSpec),
    _Require(len_(this.results) == len_(this.data), "access-response: one result per data item"),
)

#: Data-Notification body: one data item (a structure: alert code, time, … — §2.2, §4.1).
DataNotificationBody = cs.Struct(
    "body" / Data,
)

#: APDU tag (§2.2).
ApduTag = cs.Enum(cs.Int8ub, **{name: tag for tag, name in APDU_NAMES.items()})

#: A GBCS DLMS payload (gbcs-protocol.md §2.2): tag, long-invoke-id-and-priority, date-time
#: and the APDU body, flattened into one dict.
DlmsPayload = _Flattened(
    cs.Struct(
        "apdu" / ApduTag,
        "invoke_id" / cs.Int32ub,
        "invoke_id_flags" / cs.Computed(this.invoke_id >> 24),
        "invoke_id_counter" / cs.Computed(this.invoke_id & 0xFFFFFF),
        "date_time" / LengthPrefixedHex,
        "content"
        / cs.Switch(
            this.apdu,
            {
                "access-request": AccessRequestBody,
                "access-response": AccessResponseBody,
                "data-notification": DataNotificationBody,
            },
            default=_UnknownChoice("DLMS APDU tag (D9, DA or 0F expected)", "apdu"),
        ),
    ),
    "content",
)


# ----------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------
def dlms_invoke_id(counter: int) -> int:
    """The invoke-id of a GBCS DLMS payload: ``0x20`` ‖ low 24 bits of the grouping-header
    counter (§2.2)."""
    return (INVOKE_ID_FLAGS << 24) | (counter & 0xFFFFFF)


def decode_dlms_payload(data: bytes) -> dict[str, Any]:
    """Decode a DLMS payload (``D9``, ``DA`` or ``0F``) into a JSON-native tree.

    Raises :class:`gfi.errors.DecodeError` (with field path and byte offset) on bad input.
    """
    try:
        tree = decode_exact(DlmsPayload, bytes(data), "DLMS payload")
    except RecursionError:
        raise DecodeError(f"DLMS payload: data nested too deeply (limit {MAX_NESTING})") from None
    result: dict[str, Any] = plain(tree)
    return result


def encode_dlms_payload(tree: Mapping[str, Any]) -> bytes:
    """Build the bytes of a tree as returned by :func:`decode_dlms_payload` (informational
    keys are ignored). Raises :class:`gfi.errors.EncodeError` on a bad tree."""
    if not isinstance(tree, Mapping):
        raise EncodeError(f"DLMS payload must be a mapping, got {type(tree).__name__}")
    try:
        raw: bytes = encode_with(DlmsPayload, tree, "DLMS payload")
    except RecursionError:
        raise EncodeError(f"DLMS payload: data nested too deeply (limit {MAX_NESTING})") from None
    return raw


# ----------------------------------------------------------------------------
# Protected (encrypted) data (§2.2)
# ----------------------------------------------------------------------------
def _is(item: Any, kind: str, length: int | None = None) -> bool:
    """``item`` is a data item of type ``kind`` (with ``length`` items or bytes)."""
    if not isinstance(item, Mapping) or item.get("type") != kind:
        return False
    if length is None:
        return True
    value = item.get("value")
    if kind == "octet-string":
        return isinstance(value, str) and len(value) == 2 * length
    return isinstance(value, list) and len(value) == length


def _is_protection_parameters(item: Any) -> bool:
    """``01 01 02 02 16 xx 02 05 <9 09 …> <09 08 …> <09 08 …> <09 …> <key info>``."""
    if not _is(item, "array", 1) or not _is(item["value"][0], "structure", 2):
        return False
    protection_type, options = item["value"][0]["value"]
    if not _is(protection_type, "enum") or not _is(options, "structure", 5):
        return False
    transaction_id, originator, recipient, other, _key_info = options["value"]
    return (
        _is(transaction_id, "octet-string", 9)
        and _is(originator, "octet-string", 8)
        and _is(recipient, "octet-string", 8)
        and _is(other, "octet-string")
    )


def _is_protected_attributes(item: Any) -> bool:
    """``09 LL <security control> <invocation counter 4> <ciphertext> <tag 12>``."""
    return (
        _is(item, "octet-string")
        and isinstance(item.get("value"), str)
        and len(item["value"]) >= 2 * (1 + 4 + PROTECTED_TAG_LENGTH)
    )


def is_protected_data(item: Mapping[str, Any]) -> bool:
    """Whether a decoded data item has the "get-protected-attributes response" shape of §2.2:
    structure(2) of the protection-parameters array and the protected octet string."""
    return (
        _is(item, "structure", 2)
        and _is_protection_parameters(item["value"][0])
        and _is_protected_attributes(item["value"][1])
    )


def _parts(parameters: Mapping[str, Any], protected: Mapping[str, Any]) -> dict[str, Any]:
    options = parameters["value"][0]["value"][1]["value"]
    transaction_id = bytes.fromhex(options[0]["value"])
    sealed = bytes.fromhex(protected["value"])
    return {
        "transaction_id_cra": transaction_id[0],
        "counter": int.from_bytes(transaction_id[1:], "big"),
        "originator": bytes.fromhex(options[1]["value"]),
        "recipient": bytes.fromhex(options[2]["value"]),
        "security_control": sealed[0],
        "invocation_counter": int.from_bytes(sealed[1:5], "big"),
        "ciphertext": sealed[5:-PROTECTED_TAG_LENGTH],
        "tag": sealed[-PROTECTED_TAG_LENGTH:],
    }


def protected_data_parts(item: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of a protected-data item (``02 02 …`` response form, §2.2): transaction id
    CRA and counter, originator, recipient, security control, invocation counter, ciphertext
    and 12-byte tag (bytes for the byte fields). No decryption happens here."""
    if not is_protected_data(item):
        raise DecodeError("not a protected-data item (get-protected-attributes response, §2.2)")
    return _parts(item["value"][0], item["value"][1])


def alert_protected_data_parts(notification: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`protected_data_parts` for the ECS68 alert form: items 3 and 4 of the
    data-notification structure are the protection parameters and the protected octet
    string (§2.2)."""
    body = notification.get("body") if notification.get("apdu") == "data-notification" else None
    if (
        body is None
        or not _is(body, "structure", 4)
        or not _is_protection_parameters(body["value"][2])
        or not _is_protected_attributes(body["value"][3])
    ):
        raise DecodeError("not a data-notification carrying protected data (ECS68 form, §2.2)")
    return _parts(body["value"][2], body["value"][3])
