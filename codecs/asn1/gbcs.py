# SPDX-License-Identifier: GPL-3.0-or-later
"""Named GBCS ASN.1 DER payloads, per (message code, CRA) (gbcs-protocol.md §2.4).

GBCS uses ASN.1 DER for the security-credential use cases (CS02a–CS02g), joins and unjoins
(CS03, CS04), firmware activation and version reads (CS06, CS08, CS09, CCS08), CS07, and the
GSME/GPF clock and device-log use cases (GCS28, GCS59, GCS62) (gbcs-protocol.md §2.4, §2.1).
This module declares those structures once each, in module-level tables, and maps a payload to
a JSON-native tree whose ``"schema"`` key names the structure used (``"CS06.command"``,
``"CS02c.response.error"``, …).

Theory of operation
-------------------
1. :func:`gfi.codecs.asn1.der.decode_tlv` parses the payload into a :class:`~.der.Tlv` tree
   (bytes that are not DER raise :class:`~gfi.errors.DecodeError`).
2. ``DISPATCH[(message_code, cra)]`` lists the candidate schema names (alternatives such as
   CS06's ``NULL`` / ``SEQUENCE`` responses are tried in order). Each schema is a small
   declarative ASN.1 type tree (:class:`Seq`, :class:`SeqOf`, :class:`Integer`, …) whose
   decoder raises an internal mismatch when the payload is not that structure.
3. If no candidate matches, or the code is unknown, the payload is returned as the generic DER
   tree (``"schema": "generic"``, with ``expected`` and ``mismatch`` saying why) — never an
   error.

Every named view re-encodes to the identical bytes: INTEGERs must be minimal two's complement,
key-usage BIT STRINGs must be in DER named-bit form, GeneralizedTime must be the 15-character
``YYYYMMDDhhmmssZ``, OPTIONAL/DEFAULT fields are kept as present-or-absent (``None``), and
certificates and certification requests are kept whole as hex DER. Lengths are accepted in a
longer-than-minimal long form (``30 82 00 83``, sent by some RTDS devices) and kept in the
faithful key ``non_minimal_lengths`` (``{"der": 2}``: DER node path → length octets), present
only when needed. Anything else falls back to the generic tree, which is lossless by
construction.

Keys derived from a value — ``<field>_name`` (enumeration names), ``alert_code_hex`` /
``alert_code_name``, ``<field>_info`` (certificate subject, issuer, serial, validity, key
usage and entity id, read with ``cryptography.x509``) — are informational: encoding ignores
them. Any other unknown key is an :class:`~gfi.errors.EncodeError`.

construct is not used for the structures themselves: DER's OPTIONAL fields are chosen by the
tag of the *next* TLV of an already-split tree, which construct cannot express declaratively
over the tree; the small type combinators below keep the "one declaration per structure" rule.
"""

from __future__ import annotations

import copy
import logging
import re
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Self

from cryptography import x509

from gfi.codecs.asn1 import der
from gfi.codecs.asn1.der import Tlv
from gfi.codecs.primitives import hex_to_bytes
from gfi.errors import DecodeError, EncodeError

# ----------------------------------------------------------------------------
# Logging
# ----------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants: enumerations (gbcs-protocol.md §2.4 unless noted)
# ----------------------------------------------------------------------------
CRA_COMMAND: Final = 1
CRA_RESPONSE: Final = 2
CRA_ALERT: Final = 3

#: Schema name of the generic DER fallback.
GENERIC: Final = "generic"
#: Faithful key of a named view: ``{DER node path: length octets}`` for lengths sent in a
#: longer form than DER's minimal one (``30 82 00 83`` in some RTDS responses).
LENGTHS_KEY: Final = "non_minimal_lengths"

# fmt: off
#: ``RemotePartyRole`` (gbcs-protocol.md §1.5; 8 loadController from the keystore,
#: gbcs-security.md §1.8).
REMOTE_PARTY_ROLES: Final[Mapping[int, str]] = {
    0: "root", 1: "recovery", 2: "supplier", 3: "networkOperator",
    4: "accessControlBroker", 5: "transitionalCoS", 6: "wanProvider",
    7: "issuingAuthority", 8: "loadController", 127: "other",
}
#: Key usage bits, MSB of the first content octet = bit 0. GBCS uses 0, 4, 5 and 6
#: (§2.4); the others complete the X.509 KeyUsage list (RFC 5280 §4.2.1.3).
KEY_USAGE_BITS: Final = (
    "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
    "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly",
)
#: Trust-anchor cell usage. §2.4 names only management(0), the DEFAULT; 1 is the supplier's
#: second key-agreement key used for top-up tokens (inferred, gbcs-security.md §1.8).
CELL_USAGES: Final[Mapping[int, str]] = {0: "management", 1: "prepaymentTopUp"}
#: Status of a trust-anchor cell (CS02a response, CS02b replacement outcomes).
CELL_STATUSES: Final[Mapping[int, str]] = {
    0: "success", 5: "badCertificate", 10: "noTrustAnchor", 17: "insufficientMemory",
    25: "trustAnchorNotFound", 30: "resourcesBusy", 127: "other",
}
#: Credentials replacement mode; the CS02b message code is 0x0100 + mode. 10 and 11 are the
#: CS02g modes seen in the RTDS vectors (names from the RTDS folder names, inferred).
REPLACEMENT_MODES: Final[Mapping[int, str]] = {
    0: "rootBySupplier", 1: "rootByWanProvider", 2: "supplierBySupplier",
    3: "networkOperatorByNetworkOperator", 4: "accessControlBrokerByACB",
    5: "wanProviderByWanProvider", 6: "transCoSByTransCoS", 7: "supplierByTransCoS",
    8: "anyExceptAbnormalRootByRecovery", 9: "anyByContingency",
    10: "loadControllerByLoadController", 11: "loadControllerBySupplier",
}
CPV_CHECKS: Final[Mapping[int, str]] = {0: "apply", 1: "disapply"}
DEVICE_TYPES: Final[Mapping[int, str]] = {
    0: "GSME", 1: "ESME", 2: "CHF", 3: "GPF", 4: "HCALCS", 5: "PPMID", 6: "Type2",
}
JOIN_METHODS_AND_ROLES: Final[Mapping[int, str]] = {
    0: "methodAInitiator", 1: "methodAResponder", 2: "methodB", 3: "methodC",
}
CS02C_RESPONSE_CODES: Final[Mapping[int, str]] = {
    1: "invalidKeyUsage", 2: "keyPairGenerationFailed",
    3: "certificationRequestProductionFailed",
}
CS02D_RESPONSE_CODES: Final[Mapping[int, str]] = {
    0: "success", 1: "invalidCertificate", 2: "wrongDeviceIdentity", 3: "invalidKeyUsage",
    4: "noCorrespondingKeyPair", 5: "wrongPublicKey", 6: "storageFailed",
    7: "privateKeyChangeFailed",
}
CS02E_RESPONSE_CODES: Final[Mapping[int, str]] = {
    1: "invalidKeyUsage", 2: "noCertificateHeld", 3: "retrievalFailure",
}
JOIN_RESPONSE_CODES: Final[Mapping[int, str]] = {
    0: "success", 1: "invalidMessageCodeForJoinMethodAndRole", 2: "invalidJoinMethodAndRole",
    3: "incompatibleWithExistingEntry", 4: "deviceLogFull", 5: "writeFailure",
    6: "keyAgreementNoResources", 7: "keyAgreementUnknownIssuer",
    8: "keyAgreementUnsupportedSuite", 9: "keyAgreementBadMessage",
    10: "keyAgreementBadKeyConfirm", 11: "invalidOrMissingCertificate",
    12: "noPartnerLinkKey", 13: "noCbkeResponse",
}
UNJOIN_RESPONSE_CODES: Final[Mapping[int, str]] = {
    0: "success", 1: "notInDeviceLog", 2: "otherFailure",
}
ACTIVATION_RESPONSE_CODES: Final[Mapping[int, str]] = {
    0: "success", 1: "noImageHeld", 2: "hashMismatch", 3: "activationFailure",
}
READ_JOIN_DETAILS_RESPONSE_CODES: Final[Mapping[int, str]] = {0: "success", 1: "readFailure"}
FIRMWARE_TRANSFER_RESPONSE_CODES: Final[Mapping[int, str]] = {
    0: "success", 1: "imageDiscarded", 2: "hwVersionMismatch", 3: "transferFailure",
}
DEVICE_TIME_STATUSES: Final[Mapping[int, str]] = {0: "reliable", 1: "invalid", 2: "unreliable"}
#: The alert codes carried by ASN.1 alerts (gbcs-protocol.md §4.2).
ALERT_NAMES: Final[Mapping[int, str]] = {
    0x8071: "GPF Device Log Changed",
    0x8F66: "Future-date HAN Interface Command Successfully Actioned",
    0x8F67: "Future-date HAN Interface Command not Successfully Actioned",
    0x8F89: "Firmware transfer alert FAIL",
    0x8F8A: "Firmware transfer alert SUCCESS",
    0x8F8B: "Read Firmware version alert",
}
# fmt: on

#: Longest INTEGER content accepted by the named view (GBCS counters are 8 bytes unsigned);
#: longer ones fall back to the generic tree.
MAX_INTEGER_OCTETS: Final = 16
#: Longest key-usage BIT STRING content accepted by the named view.
MAX_KEY_USAGE_OCTETS: Final = 4

_GENERALIZED_TIME = re.compile(rb"[0-9]{14}Z")
_GENERALIZED_TIME_TEXT = re.compile(r"[0-9]{14}Z")
_BIT_NAME = re.compile(r"bit([0-9]{1,3})")
#: ``id-on-hardwareModuleName`` (RFC 4108), where device certificates carry the entity id.
_HW_MODULE_NAME = x509.ObjectIdentifier("1.3.6.1.5.5.7.8.4")
#: ``x500UniqueIdentifier``, where organisation certificates carry the entity id.
_X500_UNIQUE_IDENTIFIER = x509.ObjectIdentifier("2.5.4.45")

Tag = tuple[int, bool, int]

_SEQ_TAG: Final[Tag] = (der.UNIVERSAL, True, der.SEQUENCE)
_BIT_STRING_TAG: Final[Tag] = (der.UNIVERSAL, False, der.BIT_STRING)


# ----------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------
class _Mismatch(Exception):
    """Valid DER, but not the named structure: internal, triggers the generic fallback."""

    def __init__(self, message: str, path: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.offset = offset

    def __str__(self) -> str:
        return f"{self.message} (field {self.path or '(payload)'}, byte offset {self.offset})"


def _join(path: str, name: str) -> str:
    return f"{path} -> {name}" if path else name


# ----------------------------------------------------------------------------
# Classes: ASN.1 type combinators
# ----------------------------------------------------------------------------
class AsnType(ABC):
    """One ASN.1 type of a named structure: its tag and how its TLV maps to a JSON value.

    ``info_suffixes`` lists the informational sibling keys (``"_name"`` → ``role_name``) that
    :meth:`info` derives from a value; they are written on decode and ignored on encode.
    """

    info_suffixes: tuple[str, ...] = ()

    def __init__(self, tag: Tag) -> None:
        self.tag = tag

    def tagged(self, number: int) -> Self:
        """This type with an IMPLICIT context tag ``[number]`` (same primitive/constructed form)."""
        clone = copy.copy(self)
        clone.tag = (der.CONTEXT, self.tag[1], number)
        return clone

    def decode(self, node: Tlv, path: str) -> Any:
        if node.tag != self.tag:
            raise _Mismatch(
                f"expected {der.describe_tag(*self.tag)}, found {node.describe()}",
                path,
                node.offset,
            )
        return self.decode_value(node, path)

    @abstractmethod
    def decode_value(self, node: Tlv, path: str) -> Any:
        """The JSON value of a node whose tag already matched."""

    @abstractmethod
    def encode(self, value: Any, path: str) -> Tlv:
        """The node of a JSON value (:class:`EncodeError` when it is not one)."""

    def info(self, value: Any) -> dict[str, Any]:
        """Informational companions of ``value``, keyed by suffix."""
        return {}

    def _primitive(self, content: bytes) -> Tlv:
        return der.primitive(self.tag[0], self.tag[2], content)


class Integer(AsnType):
    """INTEGER (or ENUMERATED, by ``number``), minimal two's complement; ``names`` is an open
    enumeration shown as ``<field>_name`` (``None`` for unnamed values)."""

    def __init__(self, names: Mapping[int, str] | None = None, *, number: int = der.INTEGER):
        super().__init__((der.UNIVERSAL, False, number))
        self.names = names
        self.info_suffixes = ("_name",) if names is not None else ()

    def decode_value(self, node: Tlv, path: str) -> int:
        c = node.content
        if not c:
            raise _Mismatch("empty INTEGER", path, node.offset)
        if len(c) > MAX_INTEGER_OCTETS:
            raise _Mismatch(f"INTEGER longer than {MAX_INTEGER_OCTETS} octets", path, node.offset)
        if len(c) > 1 and ((c[0] == 0x00 and c[1] < 0x80) or (c[0] == 0xFF and c[1] >= 0x80)):
            raise _Mismatch("INTEGER not in minimal two's-complement form", path, node.offset)
        return int.from_bytes(c, "big", signed=True)

    def encode(self, value: Any, path: str) -> Tlv:
        if not isinstance(value, int) or isinstance(value, bool):
            raise EncodeError(f"expected an integer, got {type(value).__name__}", path=path)
        size = ((value if value >= 0 else ~value).bit_length() + 8) // 8
        if size > MAX_INTEGER_OCTETS:
            raise EncodeError(f"integer needs more than {MAX_INTEGER_OCTETS} octets", path=path)
        return self._primitive(value.to_bytes(size, "big", signed=True))

    def info(self, value: Any) -> dict[str, Any]:
        return {"_name": self.names.get(value)} if self.names is not None else {}


class AlertCode(Integer):
    """The alert code INTEGER (``02 03 00 8F 66``), with ``alert_code_hex`` (``"8F66"``) and
    ``alert_code_name`` (gbcs-protocol.md §4.1, §4.2)."""

    def __init__(self) -> None:
        super().__init__(ALERT_NAMES)
        self.info_suffixes = ("_hex", "_name")

    def info(self, value: Any) -> dict[str, Any]:
        hex_text = f"{value:04X}" if 0 <= value <= 0xFFFF else None
        return {"_hex": hex_text, "_name": ALERT_NAMES.get(value)}


class OctetString(AsnType):
    """OCTET STRING as uppercase hex, of exactly ``size`` octets when given."""

    def __init__(self, size: int | None = None) -> None:
        super().__init__((der.UNIVERSAL, False, der.OCTET_STRING))
        self.size = size

    def decode_value(self, node: Tlv, path: str) -> str:
        if self.size is not None and len(node.content) != self.size:
            raise _Mismatch(
                f"expected {self.size} octets, found {len(node.content)}", path, node.offset
            )
        return node.content.hex().upper()

    def encode(self, value: Any, path: str) -> Tlv:
        content = hex_to_bytes(value, path)
        if self.size is not None and len(content) != self.size:
            raise EncodeError(f"expected {self.size} octets, got {len(content)}", path=path)
        return self._primitive(content)


class Null(AsnType):
    """NULL, shown as ``None``; a required NULL field may be left out when encoding."""

    def __init__(self) -> None:
        super().__init__((der.UNIVERSAL, False, der.NULL))

    def decode_value(self, node: Tlv, path: str) -> None:
        if node.content:
            raise _Mismatch("NULL with contents", path, node.offset)

    def encode(self, value: Any, path: str) -> Tlv:
        if value is not None:
            raise EncodeError(f"a NULL takes null, got {type(value).__name__}", path=path)
        return self._primitive(b"")


class GeneralizedTime(AsnType):
    """GeneralizedTime as its 15-character text ``YYYYMMDDhhmmssZ`` (gbcs-protocol.md §2.4)."""

    def __init__(self) -> None:
        super().__init__((der.UNIVERSAL, False, der.GENERALIZED_TIME))

    def decode_value(self, node: Tlv, path: str) -> str:
        if not _GENERALIZED_TIME.fullmatch(node.content):
            raise _Mismatch("GeneralizedTime is not YYYYMMDDhhmmssZ", path, node.offset)
        return node.content.decode("ascii")

    def encode(self, value: Any, path: str) -> Tlv:
        if not isinstance(value, str) or not _GENERALIZED_TIME_TEXT.fullmatch(value):
            raise EncodeError(f"expected YYYYMMDDhhmmssZ, got {value!r}", path=path)
        return self._primitive(value.encode("ascii"))


class NamedBits(AsnType):
    """A BIT STRING of named bits (KeyUsage) as the list of set bits' names (``"bit9"`` for
    unnamed ones), in DER named-bit form: trailing zero bits removed (X.690 §11.2.2)."""

    def __init__(self, names: Sequence[str]) -> None:
        super().__init__((der.UNIVERSAL, False, der.BIT_STRING))
        self.names = tuple(names)

    def _name(self, bit: int) -> str:
        return self.names[bit] if bit < len(self.names) else f"bit{bit}"

    @staticmethod
    def content_of(bits: Iterable[int]) -> bytes:
        """The DER BIT STRING contents (unused-bits octet first) with exactly ``bits`` set."""
        wanted = set(bits)
        if not wanted:
            return b"\x00"
        length = max(wanted) + 1
        body = bytearray((length + 7) // 8)
        for bit in wanted:
            body[bit // 8] |= 0x80 >> (bit % 8)
        return bytes([len(body) * 8 - length]) + bytes(body)

    def decode_value(self, node: Tlv, path: str) -> list[str]:
        c = node.content
        if not c or len(c) > 1 + MAX_KEY_USAGE_OCTETS:
            raise _Mismatch("BIT STRING length out of range for key usage", path, node.offset)
        bits = [i for i in range((len(c) - 1) * 8) if c[1 + i // 8] & (0x80 >> (i % 8))]
        if self.content_of(bits) != c:
            raise _Mismatch(
                "BIT STRING not in DER named-bit form (padding or trailing zero bits)",
                path,
                node.offset,
            )
        return [self._name(bit) for bit in bits]

    def encode(self, value: Any, path: str) -> Tlv:
        if not isinstance(value, list):
            raise EncodeError("expected a list of bit names", path=path)
        bits: list[int] = []
        for item in value:
            if isinstance(item, str) and item in self.names:
                bits.append(self.names.index(item))
            elif isinstance(item, str) and (m := _BIT_NAME.fullmatch(item)):
                bits.append(int(m.group(1)))
            else:
                raise EncodeError(
                    f"unknown bit {item!r}; expected one of {list(self.names)} or bitN", path=path
                )
        if bits and max(bits) >= MAX_KEY_USAGE_OCTETS * 8:
            raise EncodeError(f"bit {max(bits)} out of range", path=path)
        return self._primitive(self.content_of(bits))


class SignedObject(AsnType):
    """A whole signed DER object — X.509 certificate or PKCS#10 certification request — kept
    as the hex of its complete DER encoding; ``<field>_info`` shows its details when
    ``cryptography`` can read it. The shape must be SEQUENCE { SEQUENCE, SEQUENCE, BIT STRING }.
    """

    info_suffixes = ("_info",)

    def __init__(self, kind: str) -> None:
        super().__init__((der.UNIVERSAL, True, der.SEQUENCE))
        self.kind = kind

    def _problem(self, node: Tlv) -> str | None:
        if node.tag != self.tag:
            return f"{self.kind} must be a SEQUENCE"
        if tuple(child.tag for child in node.children) != (_SEQ_TAG, _SEQ_TAG, _BIT_STRING_TAG):
            return f"not a signed {self.kind}: expected SEQUENCE {{SEQUENCE, SEQUENCE, BIT STRING}}"
        if der.non_minimal_lengths(node):
            return f"{self.kind} with non-minimal (BER) lengths"
        return None

    def decode_value(self, node: Tlv, path: str) -> str:
        problem = self._problem(node)
        if problem:
            raise _Mismatch(problem, path, node.offset)
        return der.encode_tlv(node).hex().upper()

    def encode(self, value: Any, path: str) -> Tlv:
        data = hex_to_bytes(value, path)
        try:
            node = der.decode_tlv(data)
        except DecodeError as exc:
            raise EncodeError(f"{self.kind} is not one DER value: {exc}", path=path) from None
        problem = self._problem(node)
        if problem:
            raise EncodeError(problem, path=path)
        return node

    def info(self, value: Any) -> dict[str, Any]:
        return {"_info": _describe_signed_object(self.kind, bytes.fromhex(value))}


@dataclass(frozen=True)
class Field:
    """One component of a :class:`Seq`."""

    name: str
    type: AsnType
    optional: bool = False


def optional(name: str, type_: AsnType) -> Field:
    """An OPTIONAL (or DEFAULT) component: ``None`` when absent."""
    return Field(name, type_, optional=True)


def _field_keys(fields: Sequence[Field]) -> frozenset[str]:
    return frozenset(
        key for f in fields for key in (f.name, *(f.name + s for s in f.type.info_suffixes))
    )


def _decode_fields(
    fields: Sequence[Field], children: Sequence[Tlv], path: str, end_offset: int
) -> dict[str, Any]:
    """Match ``children`` in order against ``fields``; OPTIONAL ones are skipped by tag."""
    out: dict[str, Any] = {}
    i = 0
    for f in fields:
        fpath = _join(path, f.name)
        if i < len(children) and children[i].tag == f.type.tag:
            value = f.type.decode(children[i], fpath)
            i += 1
        elif f.optional:
            value = None
        else:
            found = children[i].describe() if i < len(children) else "the end"
            offset = children[i].offset if i < len(children) else end_offset
            raise _Mismatch(
                f"missing {f.name}: expected {der.describe_tag(*f.type.tag)}, found {found}",
                fpath,
                offset,
            )
        out[f.name] = value
        info = f.type.info(value) if value is not None else {}
        for suffix in f.type.info_suffixes:
            out[f.name + suffix] = info.get(suffix)
    if i < len(children):
        raise _Mismatch(
            f"unexpected {children[i].describe()} after the last component",
            path,
            children[i].offset,
        )
    return out


def _encode_fields(fields: Sequence[Field], value: Any, path: str) -> list[Tlv]:
    if not isinstance(value, Mapping):
        raise EncodeError(f"expected an object, got {type(value).__name__}", path=path or None)
    unknown = set(value) - _field_keys(fields)
    if unknown:
        raise EncodeError(
            f"unknown key(s) {sorted(map(str, unknown))}; expected {[f.name for f in fields]}",
            path=path or None,
        )
    children = []
    for f in fields:
        item = value.get(f.name)
        if item is None and f.optional:
            continue
        if item is None and not isinstance(f.type, Null):
            raise EncodeError(f"missing required field {f.name}", path=_join(path, f.name))
        children.append(f.type.encode(item, _join(path, f.name)))
    return children


class Seq(AsnType):
    """SEQUENCE { fields } as an object keyed by field name."""

    def __init__(self, *fields: Field | tuple[str, AsnType]) -> None:
        super().__init__((der.UNIVERSAL, True, der.SEQUENCE))
        self.fields = tuple(f if isinstance(f, Field) else Field(*f) for f in fields)

    def decode_value(self, node: Tlv, path: str) -> dict[str, Any]:
        return _decode_fields(self.fields, node.children, path, node.offset)

    def encode(self, value: Any, path: str) -> Tlv:
        children = _encode_fields(self.fields, value, path)
        return der.constructed(self.tag[0], self.tag[2], children)

    # A SEQUENCE is also a whole payload (a Record).
    def decode_record(self, node: Tlv) -> dict[str, Any]:
        result: dict[str, Any] = self.decode(node, "")
        return result

    def encode_record(self, value: Mapping[str, Any]) -> Tlv:
        return self.encode(value, "")


class SeqOf(AsnType):
    """SEQUENCE OF item as a list; informational keys of the items become parallel lists."""

    def __init__(self, item: AsnType) -> None:
        super().__init__((der.UNIVERSAL, True, der.SEQUENCE))
        self.item = item
        self.info_suffixes = item.info_suffixes

    def decode_value(self, node: Tlv, path: str) -> list[Any]:
        return [self.item.decode(child, f"{path}[{i}]") for i, child in enumerate(node.children)]

    def encode(self, value: Any, path: str) -> Tlv:
        if not isinstance(value, list):
            raise EncodeError(f"expected a list, got {type(value).__name__}", path=path)
        children = [self.item.encode(v, f"{path}[{i}]") for i, v in enumerate(value)]
        return der.constructed(self.tag[0], self.tag[2], children)

    def info(self, value: Any) -> dict[str, Any]:
        infos = [self.item.info(v) for v in value]
        return {s: [i.get(s) for i in infos] for s in self.info_suffixes}


class Single:
    """A payload that is one bare value (INTEGER, OCTET STRING, certificate, SEQUENCE OF,
    NULL), shown under the key ``name``; a bare NULL (``name=None``) shows no key at all."""

    def __init__(self, name: str | None, type_: AsnType) -> None:
        if name is None and not isinstance(type_, Null):
            raise ValueError("only a bare NULL payload may be unnamed")
        self.name = name
        self.type = type_
        self.fields = (Field(name, type_),) if name is not None else ()

    def decode_record(self, node: Tlv) -> dict[str, Any]:
        if self.name is None:
            self.type.decode(node, "")
            return {}
        return _decode_fields(self.fields, (node,), "", node.offset)

    def encode_record(self, value: Mapping[str, Any]) -> Tlv:
        if self.name is None:
            _encode_fields((), value, "")
            return self.type.encode(None, "")
        (node,) = _encode_fields(self.fields, value, "")
        return node


Record = Seq | Single


# ----------------------------------------------------------------------------
# Certificate details (informational)
# ----------------------------------------------------------------------------
def _time_text(moment: Any) -> str:
    return str(moment.strftime("%Y%m%d%H%M%SZ"))


def _key_usage(extensions: x509.Extensions) -> list[str] | None:
    try:
        usage = extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None
    result: list[str] = KEY_USAGE.decode(der.decode_tlv(usage.public_bytes()), "key_usage")
    return result


def _subject_key_identifier(extensions: x509.Extensions) -> str | None:
    try:
        ski = extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        return None
    return ski.digest.hex().upper()


def _entity_id_from(extensions: x509.Extensions, subject: x509.Name) -> str | None:
    """A device certificate's hardwareModuleName serial, or an organisation certificate's
    x500UniqueIdentifier (gbcs-security.md §1.8)."""
    try:
        names = extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        names = None
    if names is not None:
        for other in names.get_values_for_type(x509.OtherName):
            if other.type_id == _HW_MODULE_NAME:
                module = der.decode_tlv(other.value)
                if len(module.children) == 2:
                    return module.children[1].content.hex().upper()
    for attribute in subject.get_attributes_for_oid(_X500_UNIQUE_IDENTIFIER):
        raw = attribute.value
        if isinstance(raw, bytes) and raw[:1] == b"\x00":
            return raw[1:].hex().upper()
    return None


def _describe_signed_object(kind: str, data: bytes) -> dict[str, Any] | None:
    """Subject, issuer, serial, validity, key usage and entity id of a certificate (or
    subject, key usage, entity id and signature check of a certification request), or
    ``None`` when ``cryptography`` cannot read it. Informational only."""
    try:
        with warnings.catch_warnings():  # e.g. a non-positive serial number: still shown
            warnings.simplefilter("ignore")
            return _signed_object_details(kind, data)
    except Exception as exc:  # informational only: never let it fail a decode
        logger.debug("%s details unavailable: %s", kind, exc)
        return None


def _signed_object_details(kind: str, data: bytes) -> dict[str, Any]:
    if kind == "certificate":
        cert = x509.load_der_x509_certificate(data)
        return {
            "subject": cert.subject.rfc4514_string(),
            "issuer": cert.issuer.rfc4514_string(),
            "serial_number": format(cert.serial_number, "X"),
            "not_before": _time_text(cert.not_valid_before_utc),
            "not_after": _time_text(cert.not_valid_after_utc),
            "key_usage": _key_usage(cert.extensions),
            "subject_key_identifier": _subject_key_identifier(cert.extensions),
            "entity_id": _entity_id_from(cert.extensions, cert.subject),
        }
    request = x509.load_der_x509_csr(data)
    return {
        "subject": request.subject.rfc4514_string(),
        "key_usage": _key_usage(request.extensions),
        "entity_id": _entity_id_from(request.extensions, request.subject),
        "signature_valid": request.is_signature_valid,
    }


# ----------------------------------------------------------------------------
# Shared building blocks (gbcs-protocol.md §2.4)
# ----------------------------------------------------------------------------
# fmt: off
INTEGER: Final              = Integer()
ROLE: Final                 = Integer(REMOTE_PARTY_ROLES)
KEY_USAGE: Final            = NamedBits(KEY_USAGE_BITS)
ENTITY_ID: Final            = OctetString(8)
FIRMWARE_VERSION: Final     = OctetString()
GENERALIZED_TIME: Final     = GeneralizedTime()
ALERT_CODE: Final           = AlertCode()
CERTIFICATE: Final          = SignedObject("certificate")
CERTIFICATION_REQUEST: Final = SignedObject("certification request")
NULL: Final                 = Null()

#: TrustAnchorCellIdentifier: role, key usage, cell usage DEFAULT management(0).
TA_CELL_ID: Final = Seq(
    ("role", ROLE),
    ("key_usage", KEY_USAGE),
    optional("cell_usage", Integer(CELL_USAGES)),
)
#: A remote party's sequence-number change: role, floor, specialist floors (layout from the
#: RTDS CS02b/CS02g vectors; component names inferred).
SPECIALIST_SEQ_NUMBER: Final = Seq(("specialist", INTEGER), ("seq_number", INTEGER))
SEQ_NUMBER_CHANGE: Final = Seq(
    ("role", ROLE),
    ("seq_number", INTEGER),
    optional("specialist_seq_numbers", SeqOf(SPECIALIST_SEQ_NUMBER)),
)
#: Device log entry (CS07, GCS59, GCS62).
DEVICE_LOG_ENTRY: Final = Seq(("device_id", ENTITY_ID), ("device_type", Integer(DEVICE_TYPES)))
#: CS06 activation outcome (CS06 response, 0x00CA alert).
ACTIVATION_OUTCOME: Final = Seq(
    ("response_code", Integer(ACTIVATION_RESPONSE_CODES)),
    ("firmware_version", FIRMWARE_VERSION),
)
#: CS02b/CS02g execution outcome (response and 0x00CB/0x0124 alerts).
REPLACEMENT_OUTCOME: Final = Seq(
    ("affected_ta_cell_id", TA_CELL_ID),
    ("status", Integer(CELL_STATUSES, number=der.ENUMERATED)),
    ("existing_subject_unique_id", ENTITY_ID),
    ("existing_subject_key_identifier", OctetString(8)),
    ("replacing_subject_unique_id", ENTITY_ID),
    ("replacing_subject_key_identifier", OctetString(8)),
)
CREDENTIALS_EXECUTION_OUTCOME: Final = Seq(
    ("authorising_seq_number", INTEGER),
    ("credentials_replacement_mode", Integer(REPLACEMENT_MODES)),
    ("seq_number_changes", SeqOf(SEQ_NUMBER_CHANGE)),
    ("replacement_outcomes", SeqOf(REPLACEMENT_OUTCOME)),
)
# fmt: on

# ----------------------------------------------------------------------------
# Named payload structures, one declaration each (gbcs-protocol.md §2.4 table)
# ----------------------------------------------------------------------------
CS02A_COMMAND: Final = Seq(
    ("authorising_remote_party_ta_cell_id", TA_CELL_ID),
    ("roles_required", SeqOf(ROLE)),
)
CS02A_RESPONSE: Final = Single(
    "remote_parties",
    SeqOf(
        Seq(
            ("role", ROLE),
            ("status", Integer(CELL_STATUSES, number=der.ENUMERATED)),
            optional("current_seq_number", INTEGER),
            optional(
                "trust_anchor_cells",
                SeqOf(
                    Seq(
                        ("key_usage", KEY_USAGE),
                        optional("cell_usage", Integer(CELL_USAGES)),
                        ("subject_unique_id", ENTITY_ID),
                        ("subject_key_identifier", OctetString(8)),
                    )
                ),
            ),
        )
    ),
)
#: CS02b / CS02g Update Security Credentials. The control's context tags are IMPLICIT;
#: authorisingSeqNumber is [3] (``83``) in every RTDS vector.
CS02B_COMMAND: Final = Seq(
    (
        "control",
        Seq(
            ("credentials_replacement_mode", Integer(REPLACEMENT_MODES)),
            optional("plaintext_symmetric_key", OctetString().tagged(0)),
            optional("apply_time_based_cpv_checks", Integer(CPV_CHECKS).tagged(1)),
            optional("authorising_remote_party_ta_cell_id", TA_CELL_ID.tagged(2)),
            ("authorising_seq_number", INTEGER.tagged(3)),
            optional("new_floor_seq_number", INTEGER.tagged(4)),
            optional("specialist_floor_seq_numbers", SeqOf(SPECIALIST_SEQ_NUMBER).tagged(5)),
            optional("other_party_seq_number_changes", SeqOf(SEQ_NUMBER_CHANGE).tagged(6)),
        ),
    ),
    (
        "replacements",
        SeqOf(Seq(("certificate", CERTIFICATE), ("target_ta_cell_id", TA_CELL_ID))),
    ),
    ("certification_path", SeqOf(CERTIFICATE)),
    optional("execution_date_time", GENERALIZED_TIME),
)
CS02B_RESPONSE: Final = Seq(
    ("command_accepted", NULL),
    optional("execution_outcome", CREDENTIALS_EXECUTION_OUTCOME),
)
CS02B_ALERT: Final = Seq(
    ("alert_code", ALERT_CODE),
    ("execution_date_time", GENERALIZED_TIME),
    ("execution_outcome", CREDENTIALS_EXECUTION_OUTCOME),
)
KEY_USAGE_REQUEST: Final = Seq(("key_usage", KEY_USAGE))
CS02C_RESPONSE_CR: Final = Single("certification_request", CERTIFICATION_REQUEST)
CS02C_RESPONSE_ERROR: Final = Single("response_code", Integer(CS02C_RESPONSE_CODES))
CS02D_COMMAND: Final = Single("certificate", CERTIFICATE)
CS02D_RESPONSE: Final = Single("response_code", Integer(CS02D_RESPONSE_CODES))
CS02E_RESPONSE_CERTIFICATE: Final = Single("certificate", CERTIFICATE)
CS02E_RESPONSE_ERROR: Final = Single("response_code", Integer(CS02E_RESPONSE_CODES))
JOIN_COMMAND: Final = Seq(
    ("join_method_and_role", Integer(JOIN_METHODS_AND_ROLES)),
    ("other_entity_id", ENTITY_ID),
    ("other_device_type", Integer(DEVICE_TYPES)),
    optional("other_device_certificate", CERTIFICATE),
)
JOIN_RESPONSE: Final = Single("response_code", Integer(JOIN_RESPONSE_CODES))
UNJOIN_COMMAND: Final = Single("other_entity_id", ENTITY_ID)
UNJOIN_RESPONSE: Final = Single("response_code", Integer(UNJOIN_RESPONSE_CODES))
CS06_COMMAND: Final = Seq(
    ("manufacturer_image_hash", OctetString(32)),
    ("originator_counter", INTEGER),
    optional("execution_date_time", GENERALIZED_TIME),
)
CS06_RESPONSE_ACCEPTED: Final = Single(None, NULL)
CS06_RESPONSE_OUTCOME: Final = ACTIVATION_OUTCOME
CS06_ALERT: Final = Seq(
    ("alert_code", ALERT_CODE),
    ("execution_date_time", GENERALIZED_TIME),
    ("originator_counter", INTEGER),
    ("outcome", ACTIVATION_OUTCOME),
)
READ_REQUEST: Final = Single(None, NULL)
CS07_RESPONSE: Final = Seq(
    ("response_code", Integer(READ_JOIN_DETAILS_RESPONSE_CODES)),
    optional("device_log_entries", SeqOf(DEVICE_LOG_ENTRY)),
)
#: FIXME: §2.4 gives no names for the CS08 response code or the alerts' activateImage.
CS08_RESPONSE: Final = Seq(("firmware_version", FIRMWARE_VERSION), ("response_code", INTEGER))
FIRMWARE_VERSION_ALERT: Final = Seq(
    ("alert_code", ALERT_CODE),
    ("execution_date_time", GENERALIZED_TIME),
    ("firmware_version", FIRMWARE_VERSION),
    ("activate_image", INTEGER),
)
CCS08_ALERT: Final = Seq(
    ("alert_code", ALERT_CODE),
    ("execution_date_time", GENERALIZED_TIME),
    ("entity_id", ENTITY_ID),
    ("firmware_version", FIRMWARE_VERSION),
    ("response_code", Integer(FIRMWARE_TRANSFER_RESPONSE_CODES)),
)
GCS28_COMMAND: Final = Seq(
    ("validity_interval_start", GENERALIZED_TIME),
    ("validity_interval_end", GENERALIZED_TIME),
)
GCS28_RESPONSE: Final = Seq(
    ("device_time", GENERALIZED_TIME),
    ("device_time_status", Integer(DEVICE_TIME_STATUSES)),
)
GCS59_COMMAND: Final = Seq(("device_log_entries", SeqOf(DEVICE_LOG_ENTRY)))
#: No RTDS vector; the entry is taken to be a nested SEQUENCE (inferred from §2.4).
GCS59_RESPONSE: Final = Seq(
    (
        "restore_results",
        SeqOf(
            Seq(
                ("device_log_entry", DEVICE_LOG_ENTRY),
                ("join_response_code", Integer(JOIN_RESPONSE_CODES)),
            )
        ),
    ),
)
GCS62_ALERT: Final = Seq(
    ("alert_code", ALERT_CODE),
    ("backup_date_time", GENERALIZED_TIME),
    ("device_log_entries", SeqOf(DEVICE_LOG_ENTRY)),
)

# ----------------------------------------------------------------------------
# The (message code, CRA) → schema table
# ----------------------------------------------------------------------------
#: Schema name → structure.
SCHEMAS: dict[str, Record] = {}
#: (message code, CRA) → candidate schema names, tried in order.
DISPATCH: dict[tuple[int, int], tuple[str, ...]] = {}

RecordSpec = Record | Mapping[str, Record]


def use_case(
    label: str,
    codes: Iterable[int],
    *,
    command: RecordSpec | None = None,
    response: RecordSpec | None = None,
    alert: RecordSpec | None = None,
) -> None:
    """Register a use case's structures for each of its message codes. A mapping gives
    alternatives (variant name → structure), tried in order; schema names are
    ``<label>.<command|response|alert>[.<variant>]``."""
    codes = tuple(codes)
    for kind, cra, spec in (
        ("command", CRA_COMMAND, command),
        ("response", CRA_RESPONSE, response),
        ("alert", CRA_ALERT, alert),
    ):
        if spec is None:
            continue
        variants = spec.items() if isinstance(spec, Mapping) else [("", spec)]
        names = []
        for variant, record in variants:
            name = f"{label}.{kind}" + (f".{variant}" if variant else "")
            if SCHEMAS.setdefault(name, record) is not record:
                raise ValueError(f"schema {name} declared twice with different structures")
            names.append(name)
        for code in codes:
            if (code, cra) in DISPATCH:
                raise ValueError(f"message code 0x{code:04X} CRA {cra} declared twice")
            DISPATCH[code, cra] = tuple(names)


# fmt: off
use_case("CS02a", [0x0008], command=CS02A_COMMAND, response=CS02A_RESPONSE)
use_case("CS02f", [0x011B], command=CS02A_COMMAND, response=CS02A_RESPONSE)
use_case("CS02b", range(0x0100, 0x010A), command=CS02B_COMMAND, response=CS02B_RESPONSE)
use_case("CS02b", [0x00CB], alert=CS02B_ALERT)
use_case("CS02g", [0x0125, 0x0126], command=CS02B_COMMAND, response=CS02B_RESPONSE)
use_case("CS02g", [0x0124], alert=CS02B_ALERT)
use_case("CS02c", [0x000A], command=KEY_USAGE_REQUEST,
         response={"certification_request": CS02C_RESPONSE_CR, "error": CS02C_RESPONSE_ERROR})
use_case("CS02d", [0x000B], command=CS02D_COMMAND, response=CS02D_RESPONSE)
use_case("CS02e", [0x000C], command=KEY_USAGE_REQUEST,
         response={"certificate": CS02E_RESPONSE_CERTIFICATE, "error": CS02E_RESPONSE_ERROR})
use_case("CS03A1", [0x000D], command=JOIN_COMMAND, response=JOIN_RESPONSE)
use_case("CS03A2", [0x00AB], command=JOIN_COMMAND, response=JOIN_RESPONSE)
use_case("CS03B", [0x000E], command=JOIN_COMMAND, response=JOIN_RESPONSE)
use_case("CS03C", [0x00AF], command=JOIN_COMMAND, response=JOIN_RESPONSE)
use_case("CS04AC", [0x000F], command=UNJOIN_COMMAND, response=UNJOIN_RESPONSE)
use_case("CS04B", [0x0010], command=UNJOIN_COMMAND, response=UNJOIN_RESPONSE)
use_case("CS06", [0x0012], command=CS06_COMMAND,
         response={"accepted": CS06_RESPONSE_ACCEPTED, "outcome": CS06_RESPONSE_OUTCOME})
use_case("CS06", [0x00CA], alert=CS06_ALERT)
use_case("CS07", [0x0013], command=READ_REQUEST, response=CS07_RESPONSE)
use_case("CS08", [0x0129], command=READ_REQUEST, response=CS08_RESPONSE,
         alert=FIRMWARE_VERSION_ALERT)
use_case("CS09", [0x012B], alert=FIRMWARE_VERSION_ALERT)
use_case("CCS08", [0x0128], alert=CCS08_ALERT)
use_case("GCS28", [0x007F], command=GCS28_COMMAND, response=GCS28_RESPONSE)
use_case("GCS59", [0x008C], command=GCS59_COMMAND, response=GCS59_RESPONSE)
use_case("GCS62", [0x00B2], alert=GCS62_ALERT)
# fmt: on

_GENERIC_KEYS: Final = frozenset({"schema", "der", "expected", "mismatch"})


# ----------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------
def decode_asn1_payload(data: bytes, *, message_code: int, cra: int) -> dict[str, Any]:
    """Decode a GBCS ASN.1 DER payload to a JSON-native tree (gbcs-protocol.md §2.4).

    The ``"schema"`` key names the structure: a registered schema chosen by
    ``(message_code, cra)``, or ``"generic"`` (the lossless :mod:`~gfi.codecs.asn1.der` tree
    under ``"der"``, with ``"expected"``/``"mismatch"`` when a named schema was tried).

    :raises DecodeError: only when ``data`` is not one valid DER value.
    """
    node = der.decode_tlv(bytes(data), minimal_lengths=False)
    names = DISPATCH.get((message_code, int(cra)), ())
    mismatches: list[str] = []
    for name in names:
        try:
            tree = SCHEMAS[name].decode_record(node)
        except _Mismatch as exc:
            mismatches.append(f"{name}: {exc}")
            continue
        lengths = der.non_minimal_lengths(node)
        return {"schema": name, **tree, **({LENGTHS_KEY: lengths} if lengths else {})}
    if names:
        logger.debug(
            "ASN.1 payload of 0x%04X CRA %d matches no named schema: %s",
            message_code,
            int(cra),
            "; ".join(mismatches),
        )
    generic: dict[str, Any] = {"schema": GENERIC}
    if names:
        generic["expected"] = list(names)
        generic["mismatch"] = "; ".join(mismatches)
    generic["der"] = der.tlv_to_tree(node)
    return generic


def encode_asn1_payload(tree: dict[str, Any]) -> bytes:
    """The DER bytes of a tree from :func:`decode_asn1_payload` (informational keys ignored).

    :raises EncodeError: not an object, an unknown schema, unknown keys, missing or badly
        typed fields.
    """
    if not isinstance(tree, Mapping):
        raise EncodeError(f"an ASN.1 payload must be an object, got {type(tree).__name__}")
    schema = tree.get("schema")
    if schema == GENERIC:
        unknown = set(tree) - _GENERIC_KEYS
        if unknown:
            raise EncodeError(f"unknown key(s) {sorted(map(str, unknown))} in a generic payload")
        node = der.tlv_from_tree(tree.get("der"), "der")
    elif isinstance(schema, str) and schema in SCHEMAS:
        fields = {k: v for k, v in tree.items() if k not in ("schema", LENGTHS_KEY)}
        node = SCHEMAS[schema].encode_record(fields)
        if tree.get(LENGTHS_KEY) is not None:
            node = der.with_length_octets(node, tree[LENGTHS_KEY], LENGTHS_KEY)
    else:
        raise EncodeError(
            f"unknown ASN.1 schema {schema!r}; expected 'generic' or one of {sorted(SCHEMAS)}",
            path="schema",
        )
    return der.encode_tlv(node)
