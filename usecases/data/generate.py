# SPDX-License-Identifier: GPL-3.0-or-later
"""Write ``library.json``, the data of the Use Case library (``python -m
gfi.usecases.data.generate [--vectors DIR] [--docs FILE] [--output FILE] [--check]``).

Inputs (see PROVENANCE.md):

* the vendored RTDS 4.5.0 vectors ``tests/vectors/rtds/vectors`` (gbcs-protocol.md §5): every
  COMMAND vector becomes a variant, its decoded payload (§2.2–2.4) the variant's default;
* gbcs-protocol.md §3 through :mod:`gfi.codecs.gbcs.catalogue` (ids, titles, targets, families,
  criticality, alert-only codes), and its Appendix A (DLMS specs per code) and Appendix B (ZCL
  components per code) tables, read from the document itself (``--docs``, by default
  ``../shared/docs/gbcs-protocol.md`` next to the repository);
* the ASN.1 schemas of :mod:`gfi.codecs.asn1.gbcs` (§2.4);
* the gfi device object models (:mod:`gfi.emulators.cosem.esme`, :mod:`gfi.emulators.cosem.chf`)
  for DLMS types that no vendored vector shows (rule 5 below).

How a code without a vendored COMMAND vector is built (every value's origin is written to the
variant's ``placeholders``; nothing is made up without saying so):

DLMS (Appendix A)
    the listed specs in the listed order (the union over the code's RTDS commands), invoke-id
    ``0x20000000`` (counter 0). ``get`` carries null-data. A ``set``/``action`` value is, in
    order of preference: (1) the value of the same spec (class, OBIS, attribute/method) in any
    vendored command; (2) for a passive attribute, the value of its active twin of the same
    object (GBCS Extended Data 4↔2, Activity Calendar 6–9↔2–5, Charge 6↔5; §2.2 names) from a
    command or a successful get response; (3) for a ``set``, the value a vendored successful
    ``get`` of the same attribute returned; (4) for attributes and methods whose type the
    interface class fixes (everything but the value attributes 1/2, 3/2, 4/2, 9000/2 and
    9000/4), an example of the same class attribute/method on another object, provided every
    RTDS example of it has one and the same type (Extended Register methods are those of
    Register); (5) else the type from the gfi object model of the target device
    (:data:`MODELS`: ``ESME_PROFILE``, ``CHF_PROFILE``) — for a ``set`` the declared initial
    value of that object attribute, for an ``action`` the argument the emulator's class
    implementation expects (Credit update_amount: the type of the credit amount; ZigBee
    Network Control register_device: {EUI-64, install code}) — with a value from
    :func:`_model_values` (type-checked; each says what it is) or else the model's initial
    value; a Data Protection "get protected attributes" read (class 30 method 1) takes the
    structure and protection parameters of a vendored read without restriction (ECS17b),
    the object list the model declares for that object (attribute 3), and for a log buffer
    the date-range restriction of a vendored read (ECS66). Otherwise the code is
    ``buildable: false`` naming the spec. A ``get-with-selection`` takes the selective access
    of the same spec in a vendored command, else the one of the class-7 read whose OBIS shares
    most leading groups (a placeholder). A URP read (:data:`URP_READS`) is built in the KRP
    form (no supplementary remote party or certificate in the header) and says so.
GBZ (Appendix B)
    one component per listed ZCL command, sequence numbers from 0, frame control as in every
    RTDS command (no default-response suppression). Read Attributes takes the listed
    attribute ids; another command takes the payload of the same command in a vendored vector
    of another use case (a placeholder), else the shortest all-zero payload that decodes (a
    type-correct zero placeholder); a listed from-date-time is 0 unless an example gives one.
ASN.1 (§2.4 schemas)
    the fields of a vendored command of the same structure (same schema, else same ASN.1
    type, e.g. CS03A2 for CS03A1), with the CS02b credentials replacement mode set to the
    code's (code = 0x0100 + mode, §2.4); else schema defaults (INTEGER 0, zero OCTET
    STRINGs of the fixed size, ``20000101000000Z``, no key-usage bits, one SEQUENCE OF element,
    OPTIONALs absent, a certificate taken from a vendored command). A CS02b mode without an
    RTDS command (:data:`CS02B_MODES`) names the cells its mode replaces, the authorising
    party's cell, who sends it and to which device; its certificates are placeholders of the
    right key usage, which gfi.usecases.credentials replaces at run time with the premises'
    new credentials (CS02d likewise: the RTDS ESME's certificate as the placeholder).
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from gfi.codecs.asn1 import gbcs as asn1
from gfi.codecs.gbcs.catalogue import (
    MESSAGE_CODES,
    DeviceType,
    MessageCodeInfo,
    PayloadFamily,
    obis_text,
)
from gfi.codecs.gbcs.decoder import decode_message, encode_payload
from gfi.codecs.gbcs.frame import CRA_COMMAND
from gfi.codecs.gbcs.message import GbcsFrame
from gfi.codecs.zcl import (
    cluster_def,
    decode_command_payload,
    encode_command_payload,
    find_command,
)
from gfi.emulators.cosem.chf import CHF_PROFILE
from gfi.emulators.cosem.esme import ESME_PROFILE
from gfi.emulators.cosem.profile import ObjectDecl, Profile
from gfi.emulators.cosem.values import conforms
from gfi.errors import CodecError
from gfi.usecases.params import response_summary

REPO = Path(__file__).resolve().parents[2]
DEFAULT_VECTORS = REPO / "tests" / "vectors" / "rtds" / "vectors"
DEFAULT_DOCS = REPO.parent / "shared" / "docs" / "gbcs-protocol.md"
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "library.json"

KINDS = ("PRECOMMAND", "COMMAND", "RESPONSE", "ALERT")

#: Ids where §3's use-case column is empty, shared by several codes, or not a plain name
#: (CS02b/CS02g: RTDS folder qualifiers of §5.3; alerts: RTDS folder names or acronyms).
IDS: Mapping[int, str] = {
    0x0004: "CCS05CCS04",
    0x00CA: "CS06Alert", 0x00CB: "CS02bAlert", 0x0124: "CS02gAlert",
    0x00CC: "FDEA-DLMS", 0x00CD: "FDEA-ZigBee", 0x00CE: "FDRA-DLMS", 0x00CF: "FDRA-ZigBee",
    0x00D5: "FDRPMA", 0x00F0: "MIIWA-DLMS", 0x00F2: "MIIWA-ZigBee", 0x1000: "GCA", 0x1001: "GNCA",
    0x0100: "CS02bRootBySupplier", 0x0101: "CS02bRootByWP", 0x0102: "CS02bSupplierBySupplier",
    0x0103: "CS02bNOByNO", 0x0104: "CS02bACBByACB", 0x0105: "CS02bWPByWP",
    0x0106: "CS02bTransCoSByTransCoS", 0x0107: "CS02bSupplierByTransCoS",
    0x0108: "CS02bAnyExceptAbnormalRootByRecovery", 0x0109: "CS02bAnyByContingency",
    0x0125: "CS02gLoadControllerByLoadController", 0x0126: "CS02gLoadControllerBySupplier",
}

#: Use cases §3 (notes) lists as having future-dated variants in RTDS.
FUTURE_DATED = frozenset({
    "ECS01a", "ECS01b", "ECS01c", "ECS01d", "ECS02", "ECS03", "ECS08", "ECS08a", "ECS28a",
    "ECS46c", "ECS46d", "GCS01a", "GCS01b", "GCS02", "GCS03", "GCS05", "CS06",
    "CS02bSupplierBySupplier", "CS02bSupplierByTransCoS", "CS02gLoadControllerByLoadController",
    "CS02gLoadControllerBySupplier",
})
#: CS02b modes without an RTDS command (gbcs-protocol.md §2.4, gbcs-security.md §1.8):
#: mode → (originator, recipient, the cells it replaces as (role, key usage, cell usage),
#: the authorising party's cell or None). Supplier/TCoS/Recovery/contingency modes go to the
#: ESME; the WAN provider's to the CHF, the only device with WAN provider cells; the
#: contingency mode replaces the cells RTDS's anyByContingency responses report.
_DS, _KA, _ROOT = "digitalSignature", "keyAgreement", "keyCertSign"
_SUPPLIER_CELLS = ((2, _DS, 0), (2, _KA, 0), (2, _KA, 1))
CS02B_MODES: Mapping[int, tuple[str, str, tuple[tuple[int, str, int], ...],
                                tuple[int, str] | None]] = {
    0: ("90B3D51F30010000", "00DB1234567890A0", ((0, _ROOT, 0),), (2, _DS)),
    1: ("90B3D51F30000007", "00DB1234567890A2", ((0, _ROOT, 0),), (6, _DS)),
    2: ("90B3D51F30010000", "00DB1234567890A0", _SUPPLIER_CELLS, (2, _DS)),
    5: ("90B3D51F30000007", "00DB1234567890A2", ((6, _DS, 0),), (6, _DS)),
    7: ("90B3D51F30000004", "00DB1234567890A0", _SUPPLIER_CELLS, (5, _DS)),
    8: ("90B3D51F30000001", "00DB1234567890A0", _SUPPLIER_CELLS, (1, _DS)),
    9: ("70B3D51F300017FF", "00DB1234567890A0",
        ((0, _ROOT, 0), (1, _DS, 0), *_SUPPLIER_CELLS, (3, _KA, 0), (3, _DS, 0), (4, _KA, 0),
         (5, _DS, 0)), None),
}
#: CS02d: the RTDS ESME (its certificate is the placeholder, gbcs-security.md §2.2).
CS02D_RECIPIENT = "00DB1234567890A0"
#: Profile-data reads used by market-wide half-hourly settlement (the brief's "mhhs" tag).
MHHS = frozenset({"ECS22a", "ECS22b", "ECS22c", "GCS17"})
_TAG_WORDS = {
    "prepayment": ("prepayment", "top up", "credit", "meter balance", "debt", "payment mode"),
    "tariff": ("tariff", "price", "block counter"),
    "firmware": ("firmware",),
}

# Appendix A choices → access-request choices (§2.2)
_CHOICES = {"get": "get", "set": "set", "act": "action", "getsel": "get-with-selection"}
_SPEC = re.compile(r"(get|set|act|getsel) (\d+)/(\d+-\d+:\d+\.\d+\.\d+\.\d+)/(\d+)")
#: Passive ↔ active attributes of one object (§2.2 attribute names).
_TWINS: Mapping[tuple[int, int], int] = {
    (9000, 4): 2, (9000, 2): 4, (20, 6): 2, (20, 7): 3, (20, 8): 4, (20, 9): 5,
    (20, 2): 6, (20, 3): 7, (20, 4): 8, (20, 5): 9, (113, 6): 5, (113, 5): 6,
}
#: Value attributes whose type depends on the object, not the class.
_INSTANCE_TYPED = frozenset({(1, 2), (3, 2), (4, 2), (9000, 2), (9000, 4)})
#: Appendix B cluster names → cluster ids (§2.3).
_CLUSTERS = {"Basic": 0x0000, "Price": 0x0700, "Metering": 0x0702, "Messaging": 0x0703,
             "Prepayment": 0x0705, "Calendar": 0x0707, "DevMgmt": 0x0708, "Events": 0x0709}
_COMPONENT = re.compile(r"(\w+)\.(\w+)(?:\[([0-9A-F,]+)\])?( \(fdt\))?")


class Unbuildable(Exception):
    """A code whose payload cannot be built from the sources; the message says why."""


@dataclass
class Vector:
    """One vendored RTDS vector, named and decoded."""

    rel: str
    folder_uc: str
    variant: str
    kind: str
    frame: GbcsFrame
    family: PayloadFamily
    payload: dict[str, Any]

    @property
    def code(self) -> int:
        return self.frame.message_code


# ----------------------------------------------------------------------------
# Reading the inputs
# ----------------------------------------------------------------------------
def _name_parts(path: Path) -> tuple[str, str, str]:
    """(folder use case, variant, kind) from ``<uc>_<ref>_<variant>_<KIND>[_x]_GBCS.HEX``."""
    ref, uc = path.parent.name.split("_", 1)
    stem = path.name.removesuffix("_GBCS.HEX")
    prefix = f"{uc}_{ref}_"
    if not stem.startswith(prefix):
        raise ValueError(f"{path}: file name does not start with {prefix!r} (§5.3)")
    tokens = stem[len(prefix):].split("_")
    index = next(i for i, t in enumerate(tokens) if t in KINDS)
    variant = tokens[:index]
    if tokens[index] == "ALERT" and variant and re.fullmatch(r"[0-9A-F]{4}|NA", variant[0]):
        variant = variant[1:]
    return uc, "_".join(variant), tokens[index]


def read_vectors(root: Path) -> list[Vector]:
    vectors = []
    for path in sorted(root.rglob("*_GBCS.HEX")):
        dm = decode_message(bytes.fromhex(path.read_text().strip()), source=str(path))
        if not dm.ok or not isinstance(dm.frame, GbcsFrame) or dm.payload is None \
                or dm.family is None:
            raise ValueError(f"{path}: does not decode: {dm.error}")
        uc, variant, kind = _name_parts(path)
        payload = strip(dm.family, dm.payload)
        if encode_payload(dm.family, payload) != dm.frame.payload:
            raise ValueError(f"{path}: the stripped payload does not encode to the same bytes")
        vectors.append(Vector(path.relative_to(root).as_posix(), uc, variant, kind, dm.frame,
                              dm.family, payload))
    return vectors


def read_appendix(docs: Path, title: str) -> dict[int, list[str]]:
    """Code → items of one appendix table (``| code | use case | a; b; c |``)."""
    text = docs.read_text(encoding="utf-8")
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    rows: dict[int, list[str]] = {}
    for line in text[start:end if end > 0 else None].splitlines():
        m = re.fullmatch(r"\| ([0-9A-F]{4}) \| [^|]+ \| (.+) \|", line.strip())
        if m:
            rows[int(m.group(1), 16)] = [s.strip() for s in m.group(2).split(";")]
    return rows


# ----------------------------------------------------------------------------
# Informational keys (decoder output only; encoders ignore them)
# ----------------------------------------------------------------------------
_DLMS_INFO = ("class_name", "obis_name", "attribute_name", "method_name")


def strip(family: PayloadFamily, tree: Mapping[str, Any]) -> dict[str, Any]:
    """A decoded payload without its informational keys."""
    out: dict[str, Any] = copy.deepcopy(dict(tree))
    if family is PayloadFamily.DLMS:
        out.pop("invoke_id_flags", None)
        out.pop("invoke_id_counter", None)
        for spec in out.get("specs") or []:
            for key in _DLMS_INFO:
                spec["descriptor"].pop(key, None)
        for result in out.get("results") or []:
            result.pop("result_name", None)
    elif family is PayloadFamily.GBZ:
        for comp in out.get("components") or []:
            comp.pop("cluster_name", None)
            frame = comp.get("frame") or {}
            frame.pop("command_name", None)
            payload = frame.get("payload")
            if isinstance(payload, dict):
                payload.pop("attribute_names", None)
                for record in payload.get("records") or []:
                    if isinstance(record, dict):
                        record.pop("attribute_name", None)
        fde = out.get("future_dated_execution")
        if isinstance(fde, dict):
            fde.pop("cluster_name", None)
            fde.pop("command_name", None)
    elif family is PayloadFamily.ASN1:
        record = asn1.SCHEMAS.get(out.get("schema", ""))
        if record is not None:
            _strip_fields(record.fields, out)
    return out


def _strip_fields(fields: Iterable[asn1.Field], value: dict[str, Any]) -> None:
    for f in fields:
        for suffix in f.type.info_suffixes:
            value.pop(f.name + suffix, None)
        _strip_value(f.type, value.get(f.name))


def _strip_value(type_: Any, value: Any) -> None:
    if isinstance(type_, asn1.Seq) and isinstance(value, dict):
        _strip_fields(type_.fields, value)
    elif isinstance(type_, asn1.SeqOf) and isinstance(value, list):
        for item in value:
            _strip_value(type_.item, item)


# ----------------------------------------------------------------------------
# Example banks, from the vendored vectors
# ----------------------------------------------------------------------------
def _signature(item: Any) -> str:
    """The DLMS type of a data item (array lengths and values left out)."""
    kind = item.get("type")
    if kind == "array":
        return "array[" + "|".join(sorted({_signature(x) for x in item["value"]})) + "]"
    if kind == "structure":
        return "structure(" + ",".join(_signature(x) for x in item["value"]) + ")"
    if kind == "octet-string":
        return f"octet-string[{len(item['value']) // 2}]"
    if kind == "bit-string":
        return f"bit-string[{item['bits']}]"
    return str(kind)


def _spec_key(spec: Mapping[str, Any]) -> tuple[str, int, str, int]:
    d = spec["descriptor"]
    return (spec["choice"], d["class_id"], d["obis"], d.get("attribute_id", d.get("method_id")))


def _spec_text(key: tuple[str, int, str, int]) -> str:
    choice = {v: k for k, v in _CHOICES.items()}[key[0]]
    return f"{choice} {key[1]}/{key[2]}/{key[3]}"


class Banks:
    """Examples taken from the vendored vectors, success scenarios first."""

    def __init__(self, vectors: list[Vector]) -> None:
        ordered = sorted(vectors, key=lambda v: ("ERROR" in v.variant, v.rel))
        by_rel = {v.rel: v for v in vectors}
        self.dlms: dict[tuple[str, int, str, int], tuple[Any, Any, str]] = {}
        self.gets: dict[tuple[int, str, int], tuple[Any, str]] = {}
        self.zcl: dict[tuple[int, str, int, str], tuple[dict[str, Any], str]] = {}
        self.asn1: list[tuple[str, dict[str, Any], str]] = []
        self.certificates: list[tuple[str, str]] = []
        #: The CS02d placeholder: the RTDS ESME's DS certificate (hex DER) and its file.
        self.device_certificate: tuple[str, str] | None = None
        for v in ordered:
            if v.kind != "COMMAND":
                continue
            if v.family is PayloadFamily.DLMS:
                for spec, item in zip(v.payload["specs"], v.payload["data"], strict=True):
                    self.dlms.setdefault(_spec_key(spec),
                                         (item, spec.get("access_selection"), v.rel))
                response = by_rel.get(v.rel.replace("_COMMAND_", "_RESPONSE_"))
                if response is not None and response.payload.get("apdu") == "access-response":
                    self._gets(v, response)
            elif v.family is PayloadFamily.GBZ:
                for comp in v.payload.get("components", []):
                    fc = comp["frame"]["frame_control"]
                    key = (comp["cluster_id"], fc["frame_type"], comp["frame"]["command_id"],
                           fc["direction"])
                    self.zcl.setdefault(key, (comp, v.rel))
            elif v.family is PayloadFamily.ASN1:
                self.asn1.append((v.payload["schema"], v.payload, v.rel))
                self._certificates(v.payload, v.rel)

    def _gets(self, command: Vector, response: Vector) -> None:
        for spec, item, result in zip(command.payload["specs"], response.payload["data"],
                                      response.payload["results"], strict=False):
            if spec["choice"] == "get" and result["result"] == 0:
                d = spec["descriptor"]
                self.gets.setdefault((d["class_id"], d["obis"], d["attribute_id"]),
                                     (item, response.rel))

    def _certificates(self, node: Any, rel: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("certificate", "certification_path") and isinstance(value, str):
                    self.certificates.append((value, rel))
                self._certificates(value, rel)
        elif isinstance(node, list):
            for value in node:
                self._certificates(value, rel)


# ----------------------------------------------------------------------------
# DLMS from Appendix A
# ----------------------------------------------------------------------------
def _obis_groups(obis: str) -> list[str]:
    return re.split(r"[-:.]", obis)


def _dlms_value(key: tuple[str, int, str, int], banks: Banks) -> tuple[Any, str]:
    choice, class_id, obis, member = key
    text = _spec_text(key)
    if key in banks.dlms:
        item, _, rel = banks.dlms[key]
        return item, f"{text}: the value of the same {choice} in {rel}"
    twin = _TWINS.get((class_id, member)) if choice == "set" else None
    if twin is not None:
        if ("set", class_id, obis, twin) in banks.dlms:
            item, _, rel = banks.dlms["set", class_id, obis, twin]
            return item, (f"{text}: the value of its twin attribute {twin} of the same "
                          f"object in {rel}")
        if (class_id, obis, twin) in banks.gets:
            item, rel = banks.gets[class_id, obis, twin]
            return item, f"{text}: the value of its twin attribute {twin} read in {rel}"
    if choice == "set" and (class_id, obis, member) in banks.gets:
        item, rel = banks.gets[class_id, obis, member]
        return item, f"{text}: the value a get of the same attribute returned in {rel}"
    if (class_id, member) in _INSTANCE_TYPED and choice == "set":
        raise Unbuildable(f"no vendored RTDS vector shows the data type of {text} "
                          f"(attribute {member} of class {class_id} is typed per object)")
    like = 3 if (class_id, choice, member) == (4, "action", 1) else class_id
    examples = [(k, v) for k, v in banks.dlms.items()
                if (k[0], k[1], k[3]) == (choice, like, member)]
    signatures = {_signature(item) for _, (item, _, _) in examples}
    if len(signatures) == 1:
        (other, (item, _, rel)) = examples[0]
        return item, (f"{text}: placeholder — every RTDS example of class {like} "
                      f"{'method' if choice == 'action' else 'attribute'} {member} has type "
                      f"{signatures.pop()}; value of {_spec_text(other)} in {rel}")
    why = "no example" if not signatures else f"examples of {len(signatures)} different types"
    raise Unbuildable(f"no vendored RTDS vector shows the data type of {text} ({why} of "
                      f"class {like} {'method' if choice == 'action' else 'attribute'} {member})")


def _selection(key: tuple[str, int, str, int], banks: Banks) -> tuple[Any, str]:
    text = _spec_text(key)
    if key in banks.dlms and banks.dlms[key][1] is not None:
        return banks.dlms[key][1], f"{text}: selective access of the same read in " \
                                   f"{banks.dlms[key][2]}"
    groups = _obis_groups(key[2])

    def shared(k: tuple[str, int, str, int]) -> int:
        n = 0
        for a, b in zip(_obis_groups(k[2]), groups, strict=True):
            if a != b:
                break
            n += 1
        return n

    candidates = [k for k, v in banks.dlms.items()
                  if k[0] == "get-with-selection" and k[1] == key[1] and v[1] is not None]
    if not candidates:
        raise Unbuildable(f"no vendored class-{key[1]} read shows a selective access for {text}")
    best = max(candidates, key=lambda k: (shared(k), -candidates.index(k)))
    _, selection, rel = banks.dlms[best]
    return selection, (f"{text}: placeholder — selective access copied from "
                       f"{_spec_text(best)} in {rel}")


# ----------------------------------------------------------------------------
# DLMS types from the gfi device object models (rule 5)
# ----------------------------------------------------------------------------
#: The gfi object model of a command's target device (gbcs-protocol.md §2.2: Appendix A "is
#: effectively the device object model an emulated ESME / CHF must implement").
MODELS: Mapping[str, Profile] = {"ESME": ESME_PROFILE, "CHF": CHF_PROFILE}

#: Codes whose GBCS command is a URP read: other-information with the supplementary remote
#: party's certificate (gbcs-protocol.md §1.4).
URP_READS = frozenset({0x0034, 0x0096, 0x00A0})

SpecKey = tuple[str, int, str, int]


def _octets(hex_value: str) -> dict[str, Any]:
    return {"type": "octet-string", "value": hex_value}


def _text(text: str) -> dict[str, Any]:
    return _octets(text.encode("ascii").hex().upper())


def _install_code(eui64: str) -> str:
    """The install code gfi gives a device (gfi.emulators.identity.DeviceIdentity, seed
    "gfi"; it does not depend on the device type, and a Type 2 identity makes no keys)."""
    from gfi.emulators.identity import DeviceIdentity

    return str(DeviceIdentity.create(eui64, DeviceType.TYPE2).install_code.hex().upper())


def _model_values() -> dict[SpecKey, tuple[Any, str]]:
    """Values of the specs only the object model types (rule 5): spec → (a data item, or the
    spec of a vendored command whose value is taken; what the value is). Each is checked
    against the model's type; a spec not listed takes the model's initial value."""
    zero_bits = {"type": "bit-string", "bits": 512, "value": "00" * 64}
    return {
        # CCS01 Add Device to CHF device log
        ("action", 104, "0-0:30.3.0.255", 1): (
            {"type": "structure", "value": [
                _octets("00DB1234567890A6"), _octets(_install_code("00DB1234567890A6"))]},
            "device 00DB1234567890A6 (the second ESME of the RTDS identities, gbcs-protocol.md "
            "§1.5) with the install code gfi derives for it (gfi.emulators.identity, seed "
            "'gfi'), as gfi.premises add_to_device_log registers a device"),
        ("set", 104, "0-0:30.3.0.255", 3): (
            {"type": "long-unsigned", "value": 120}, "join timeout 120 (placeholder)"),
        ("set", 104, "0-0:30.3.0.255", 2): (
            {"type": "boolean", "value": True}, "joining enabled, for the device just added"),
        # ECS03 Set ESME Payment Mode to Prepayment
        ("set", 9000, "0-0:94.44.128.22", 4): (
            {"type": "double-long", "value": 0},
            "0: supply disabled when the meter balance runs out (placeholder)"),
        # ECS04a Adjust Meter Balance
        ("action", 112, "0-0:19.10.0.255", 1): (
            {"type": "double-long", "value": 100000},
            "+100000, a small positive adjustment: 1.00 in the money units of scaler -5 "
            "(the model's money_per_penny is 1000)"),
        # ECS10 Send Message to ESME
        ("set", 1, "0-2:96.13.1.255", 2): (
            _text("Hello from supplier!"), "ASCII 'Hello from supplier!' (20 characters)"),
        # ECS12 Set Change of Tenancy date
        ("set", 1, "0-0:94.44.3.2", 2): (
            _octets("07DF0101FF000000008000FF"),
            "2015-01-01 00:00:00 UTC, the day the campaign's simulated device clock starts, "
            "in the RTDS date-time form (day of week, deviation, status not specified)"),
        # ECS16 Write Supplier Contact Details
        ("set", 9000, "0-0:96.13.0.255", 2): (
            _text("01234567890"), "ASCII '01234567890' (a placeholder telephone number)"),
        ("set", 9000, "0-0:96.13.1.255", 2): (
            _text("GITTESTSUPPLIER"),
            "ASCII 'GITTESTSUPPLIER', the RTDS supplier's name (gbcs-protocol.md §1.5)"),
        # ECS50 Send CIN to ESME
        ("set", 1, "0-3:96.13.1.255", 2): (
            _text("1234"), "ASCII '1234', the customer identification number the RTDS GCS36 "
                           "command sends the GSME (ZCL customer_id_number 31323334)"),
        # ECS25b / ECS25a2 alert and event behaviours
        ("set", 1, "0-33:97.98.11.255", 2): (
            zero_bits, "all 512 bits 0 (type-correct zero placeholder)"),
        ("set", 1, "0-30:97.98.13.255", 2): (
            zero_bits, "all 512 bits 0 (type-correct zero placeholder)"),
        # ECS47e APC input/output state: the window ECS47a sets on the .1/.2 objects
        ("set", 1, "0-0:94.44.119.3", 2): (("set", 1, "0-0:94.44.119.1", 2),
                                            "the start time ECS47a sets on 0-0:94.44.119.1"),
        ("set", 1, "0-0:94.44.119.4", 2): (("set", 1, "0-0:94.44.119.2", 2),
                                            "the end time ECS47a sets on 0-0:94.44.119.2"),
        ("set", 1, "0-0:94.44.121.3", 2): (("set", 1, "0-0:94.44.121.1", 2),
                                            "the start time ECS47a sets on 0-0:94.44.121.1"),
        ("set", 1, "0-0:94.44.121.4", 2): (("set", 1, "0-0:94.44.121.2", 2),
                                            "the end time ECS47a sets on 0-0:94.44.121.2"),
    }


def _same_type(value: Any, template: Any) -> bool:
    """``value`` has the type of the model's ``template``, octet- and bit-string lengths
    included (an empty octet-string template leaves the length free)."""
    if not conforms(value, template):
        return False
    kind = template.get("type")
    if kind == "structure":
        return all(_same_type(v, t) for v, t in zip(value["value"], template["value"],
                                                     strict=True))
    if kind == "array" and template.get("value"):
        return all(_same_type(v, template["value"][0]) for v in value["value"])
    if kind == "octet-string" and template.get("value"):
        return len(value["value"]) == len(template["value"])
    if kind == "bit-string":
        return bool(value.get("bits") == template.get("bits"))
    return True


def _declared(decl: ObjectDecl, member: int) -> Any:
    from gfi.emulators.cosem.classes import CLASSES

    if member in decl.values:
        return decl.values[member]
    return CLASSES[decl.class_id].defaults.get(member)


def _argument(decl: ObjectDecl, member: int) -> tuple[Any, str] | None:
    """The argument type the emulator's class implementation expects for a method."""
    if (decl.class_id, member) == (112, 1):
        return _declared(decl, 2), ("Credit.update_amount adds the argument to the declared "
                                    "current_credit_amount (attribute 2)")
    if (decl.class_id, member) == (104, 1) and decl.options.get("devices"):
        eui, code = decl.options["devices"][0]
        return ({"type": "structure", "value": [_octets(eui), _octets(code)]},
                "ZigBeeNetworkControl.register_device takes {EUI-64, install code}, the form "
                "of the declared device-log entries")
    return None


def _model_value(key: SpecKey, banks: Banks, model: Profile,
                 values: Mapping[SpecKey, tuple[Any, str]]) -> tuple[Any, list[str]]:
    choice, class_id, obis, member = key
    text = _spec_text(key)
    where = f"the gfi {model.device_type} object model"
    decl = model.find(obis)
    if decl is None or decl.class_id != class_id:
        raise Unbuildable(f"{where} does not declare {class_id}/{obis}")
    if (choice, class_id, member) == ("action", 30, 1):
        return _protected_read(key, banks, decl, where)
    if choice == "set":
        template = _declared(decl, member)
        alternatives = sorted({t["type"] for t in decl.templates.get(member, ())} -
                              {template.get("type") if template else None})
        how = f"the declared initial value of {decl.name}" + (
            f" (the model also accepts {', '.join(alternatives)})" if alternatives else "")
    else:
        found = _argument(decl, member)
        if found is None:
            raise Unbuildable(f"{where} has no argument type for {text}")
        template, how = found
    if template is None or template.get("type") == "null-data":
        raise Unbuildable(f"{where} gives no type for {text}")
    source, why = values.get(key, (template, "the model's initial value"))
    if isinstance(source, tuple):
        if source not in banks.dlms:
            raise Unbuildable(f"{text}: no vendored value of {_spec_text(source)}")
        item, _, rel = banks.dlms[source]
        why = f"{why} in {rel}"
    else:
        item = source
    if not _same_type(item, template):
        raise ValueError(f"{text}: the value {item} does not have the type of {where}")
    return copy.deepcopy(item), [
        f"{text}: type from {where} (no RTDS example): {_model_signature(template)}, {how}; "
        f"value: {why}"]


def _model_signature(template: Any) -> str:
    """The DLMS type of a model template; an empty octet-string leaves the length free."""
    if template.get("type") == "octet-string" and not template.get("value"):
        return "octet-string (any length)"
    if template.get("type") == "structure":
        return "structure(" + ",".join(_model_signature(x) for x in template["value"]) + ")"
    return _signature(template)


def _entries(item: Any) -> list[Any]:
    """The object list of a get-protected-attributes argument."""
    return list(item["value"][0]["value"])


def _restriction_kind(entry: Any) -> int:
    return int(entry["value"][4]["value"][0]["value"])


def _protected_read(key: SpecKey, banks: Banks, decl: ObjectDecl,
                    where: str) -> tuple[Any, list[str]]:
    """Get protected attributes (Data Protection method 1) as the vendored reads do
    (gbcs-protocol.md §2.2): the structure and protection parameters of a vendored read
    without restriction, the object list the model declares for the object (attribute 3,
    protection_object_list), buffers restricted to the date range of a vendored read."""
    text = _spec_text(key)
    reads = [(k, v) for k, v in banks.dlms.items()
             if (k[0], k[1], k[3]) == ("action", 30, 1) and _entries(v[0])]
    plain = next(((k, v) for k, v in reads
                  if all(_restriction_kind(e) == 0 for e in _entries(v[0]))), None)
    ranged = next(((k, v) for k, v in reads
                   if any(_restriction_kind(e) == 1 for e in _entries(v[0]))), None)
    if plain is None or ranged is None:
        raise Unbuildable(f"{text}: no vendored get-protected-attributes read to copy")
    tree = copy.deepcopy(plain[1][0])
    no_restriction = _entries(tree)[0]["value"][4]
    date_range = next(e["value"][4] for e in _entries(ranged[1][0]) if _restriction_kind(e) == 1)
    bounds = [b["value"] for b in date_range["value"][1]["value"]]
    notes = [f"{text}: the structure of the get-protected-attributes read in {plain[1][2]} "
             "(gbcs-protocol.md §2.2): {object list, protection parameters}"]
    listed = (_declared(decl, 3) or {}).get("value") or []
    entries, described = [], []
    for obj in listed:
        class_id, ln, attribute_id = (m["value"] for m in obj["value"][:3])
        buffer = (class_id, attribute_id) == (7, 2)
        entries.append({"type": "structure", "value": [
            *copy.deepcopy(obj["value"]), copy.deepcopy(date_range if buffer else no_restriction)]})
        described.append(f"{class_id}/{obis_text(bytes.fromhex(ln))}/{attribute_id}"
                         + (" restricted to a date range" if buffer else ""))
    tree["value"][0]["value"] = entries
    if entries:
        notes.append(f"{text}: object list from {where} (no RTDS example): the "
                     f"protection_object_list it declares for {decl.name}: "
                     + ", ".join(described))
    else:
        notes.append(f"{text}: object list from {where} (no RTDS example): it declares an "
                     f"empty protection_object_list for {decl.name} (no source names the "
                     "objects), so the list is empty, which the emulated device reads as "
                     "'the declared list' (DataProtection); no date-range restriction (no "
                     "entry to carry one)")
    if any(_restriction_kind(e) == 1 for e in entries):
        notes.append(f"{text}: placeholder — the date range of the read in {ranged[1][2]} "
                     f"({bounds[0]} to {bounds[1]})")
    options = tree["value"][1]["value"][0]["value"][1]["value"]
    options[0]["value"] = "04" + "00" * 8
    notes.append(f"{text}: protection parameters of {plain[1][2]}, transaction id 04 ‖ "
                 "counter 0; the runtime sets transaction id, originator and recipient per "
                 "exchange (protection_* parameters)")
    return tree, notes


def build_dlms(specs: list[str], banks: Banks, model: Profile | None = None
               ) -> tuple[dict[str, Any], list[str]]:
    tree: dict[str, Any] = {"apdu": "access-request", "invoke_id": 0x20 << 24, "date_time": "",
                            "specs": [], "data": []}
    values = _model_values() if model is not None else {}
    notes = ["invoke_id: 0x20000000 (counter 0); set it from the grouping-header counter"]
    problems = []
    for text in specs:
        m = _SPEC.fullmatch(text)
        if m is None:
            raise ValueError(f"Appendix A spec {text!r} not understood")
        choice = _CHOICES[m.group(1)]
        class_id, obis, member = int(m.group(2)), m.group(3), int(m.group(4))
        key = (choice, class_id, obis, member)
        id_key = "method_id" if choice == "action" else "attribute_id"
        spec: dict[str, Any] = {"choice": choice, "descriptor": {
            "class_id": class_id, "obis": obis, id_key: member}, "access_selection": None}
        item: Any = {"type": "null-data"}
        try:
            if choice == "get-with-selection":
                spec["access_selection"], note = _selection(key, banks)
                notes.append(note)
            elif choice in ("set", "action"):
                try:
                    item, note = _dlms_value(key, banks)
                    notes.append(note)
                except Unbuildable as exc:
                    if model is None:
                        raise
                    try:
                        item, more = _model_value(key, banks, model, values)
                    except Unbuildable as why:
                        raise Unbuildable(f"{exc}; {why}") from None
                    notes.extend(more)
        except Unbuildable as exc:
            problems.append(str(exc))
        tree["specs"].append(spec)
        tree["data"].append(copy.deepcopy(item))
    if problems:
        raise Unbuildable("; ".join(problems))
    return tree, notes


# ----------------------------------------------------------------------------
# GBZ from Appendix B
# ----------------------------------------------------------------------------
def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _frame_control(frame_type: str, direction: str) -> dict[str, Any]:
    return {"frame_type": frame_type, "manufacturer_specific": False, "direction": direction,
            "disable_default_response": False, "reserved": 0}


def zero_payload(cluster_id: int, fc: Mapping[str, Any], command_id: int) -> dict[str, Any]:
    """The shortest all-zero ZCL payload of a command that decodes and encodes back."""
    for n in range(256):
        try:
            tree = decode_command_payload(cluster_id, fc, command_id, bytes(n))
        except CodecError:
            continue
        if isinstance(tree, dict) and "raw" not in tree and \
                encode_command_payload(cluster_id, fc, command_id, tree) == bytes(n):
            return tree
    raise Unbuildable(f"no all-zero payload of ZCL command {command_id} of cluster "
                      f"0x{cluster_id:04X} decodes")


def build_gbz(items: list[str], banks: Banks) -> tuple[dict[str, Any], list[str]]:
    components, notes = [], []
    for seq, text in enumerate(items):
        m = _COMPONENT.fullmatch(text)
        if m is None or m.group(1) not in _CLUSTERS:
            raise ValueError(f"Appendix B component {text!r} not understood")
        cluster_id, name = _CLUSTERS[m.group(1)], _snake(m.group(2))
        payload: dict[str, Any]
        if name == "read_attributes":
            fc = _frame_control("profile_wide", "client_to_server")
            command_id = 0x00
            payload = {"attribute_ids": [int(a, 16) for a in (m.group(3) or "").split(",")]}
            notes.append(f"{text}: attribute ids as listed in Appendix B")
        else:
            command = find_command(cluster_id, name)
            definition = cluster_def(cluster_id)
            if command is None or definition is None:
                raise Unbuildable(f"the ZCL codec does not know {text}")
            direction = "client_to_server" if command.id in definition.client_to_server and \
                definition.client_to_server[command.id] is command else "server_to_client"
            fc = _frame_control("cluster_specific", direction)
            command_id = command.id
            example = banks.zcl.get((cluster_id, "cluster_specific", command_id, direction))
            if example is not None:
                payload = copy.deepcopy(example[0]["frame"]["payload"])
                notes.append(f"{text}: placeholder — payload of the same command in "
                             f"{example[1]}")
            else:
                payload = zero_payload(cluster_id, fc, command_id)
                notes.append(f"{text}: placeholder — all-zero payload")
        fdt = None
        if m.group(4):
            example = banks.zcl.get((cluster_id, fc["frame_type"], command_id, fc["direction"]))
            fdt = example[0]["from_date_time"] if example and \
                example[0]["from_date_time"] is not None else 0
            notes.append(f"{text}: from-date-time {fdt}")
        components.append({
            "control": {"last_component": seq == len(items) - 1, "encrypted": False,
                        "from_date_time_present": fdt is not None, "reserved": 0},
            "cluster_id": cluster_id,
            "from_date_time": fdt,
            "frame": {"frame_control": fc, "manufacturer_code": None, "sequence_number": seq,
                      "command_id": command_id, "payload": payload},
        })
    return {"components": components}, notes


# ----------------------------------------------------------------------------
# ASN.1 from the schemas
# ----------------------------------------------------------------------------
def _default(type_: Any, banks: Banks, notes: list[str], where: str) -> Any:
    if isinstance(type_, asn1.Seq):
        return {f.name: None if f.optional else _default(f.type, banks, notes, f.name)
                for f in type_.fields}
    if isinstance(type_, asn1.SeqOf):
        return [_default(type_.item, banks, notes, where)]
    if isinstance(type_, asn1.Integer):
        return 0
    if isinstance(type_, asn1.OctetString):
        return "00" * (type_.size or 0)
    if isinstance(type_, asn1.GeneralizedTime):
        return "20000101000000Z"
    if isinstance(type_, asn1.NamedBits):
        return []
    if isinstance(type_, asn1.SignedObject):
        if not banks.certificates:
            raise Unbuildable(f"{where}: no certificate in the vendored vectors")
        value, rel = banks.certificates[0]
        notes.append(f"{where}: placeholder — a certificate from {rel}")
        return value
    return None


def _certificate_of(banks: Banks, usage: str) -> tuple[str, str]:
    """A vendored certificate with key usage ``usage`` (a placeholder) and where it is."""
    paths = [(value, rel) for _, tree, rel in banks.asn1
             for value in tree.get("certification_path") or []]
    for value, rel in [*banks.certificates, *paths]:
        if usage in ((asn1.CERTIFICATE.info(value).get("_info") or {}).get("key_usage") or []):
            return value, rel
    raise Unbuildable(f"no {usage} certificate in the vendored vectors")


def _cs02b_default(tree: dict[str, Any], mode: int, banks: Banks) -> list[str]:
    """Fit a CS02b tree to ``mode`` (:data:`CS02B_MODES`); the notes."""
    _, _, cells, authoriser = CS02B_MODES[mode]
    notes = []
    replacements = []
    for role, usage, cell_usage in cells:
        certificate, rel = _certificate_of(banks, usage)
        replacements.append({"certificate": certificate, "target_ta_cell_id": {
            "role": role, "key_usage": [usage], "cell_usage": cell_usage or None}})
        notes.append(f"replacements: cell ({role}, {usage}, {cell_usage}) — placeholder "
                     f"{usage} certificate from {rel}; replaced at run time by the premises' "
                     "new credentials (gfi.usecases.credentials)")
    control = tree["control"]
    control["authorising_remote_party_ta_cell_id"] = None if authoriser is None else {
        "role": authoriser[0], "key_usage": [authoriser[1]], "cell_usage": None}
    if mode == 9:
        control["plaintext_symmetric_key"] = "00" * 16
        notes.append("control.plaintext_symmetric_key: placeholder; the contingency key's "
                     "wrapping key at run time")
    tree["replacements"] = replacements
    notes.append(f"control: authorised by {authoriser or 'the contingency key'} (§2.4 mode "
                 "names); certification_path: placeholder, the issuing authority at run time")
    return notes


def build_asn1(code: int, banks: Banks) -> tuple[dict[str, Any], list[str]]:
    names = asn1.DISPATCH.get((code, CRA_COMMAND))
    if not names:
        raise Unbuildable("no ASN.1 command schema for this code (gbcs-protocol.md §2.4)")
    schema = names[0]
    record = asn1.SCHEMAS[schema]
    sibling = next((x for x in banks.asn1 if x[0] == schema), None) or \
        next((x for x in banks.asn1 if asn1.SCHEMAS.get(x[0]) is record), None)
    if sibling is not None:
        tree = {**copy.deepcopy(sibling[1]), "schema": schema}
        notes = [f"placeholder — fields of {sibling[0]} in {sibling[2]} (same ASN.1 structure)"]
        if 0x0100 <= code <= 0x0109:
            tree["control"]["credentials_replacement_mode"] = code - 0x0100
            notes.append(f"control.credentials_replacement_mode: {code - 0x0100} "
                         "(code = 0x0100 + mode, §2.4)")
            if code - 0x0100 in CS02B_MODES:
                notes += _cs02b_default(tree, code - 0x0100, banks)
        return tree, notes
    notes = [f"placeholder — defaults of the {schema} schema (§2.4)"]
    if code == 0x000B and banks.device_certificate is not None:
        certificate, rel = banks.device_certificate
        return {"schema": schema, "certificate": certificate}, [
            *notes, f"certificate: placeholder — the RTDS ESME's DS certificate ({rel}); at run "
            "time a new certificate of the target device from its CA "
            "(gfi.usecases.credentials)"]
    fields = {f.name: None if f.optional else _default(f.type, banks, notes, f.name)
              for f in record.fields}
    return {"schema": schema, **fields}, notes


# ----------------------------------------------------------------------------
# Entries
# ----------------------------------------------------------------------------
def entry_id(info: MessageCodeInfo) -> str:
    return IDS.get(info.code) or str(info.use_case)


def _target(info: MessageCodeInfo) -> list[str]:
    text = re.sub(r"\s*\(.*?\)", "", info.target)
    return [t.strip(" *?") for t in text.split("/") if t.strip(" *?")]


def _qualified(folder_uc: str, use_case: str, variant: str) -> str:
    qualifier = folder_uc[len(use_case):] if folder_uc.startswith(use_case) else folder_uc
    qualifier = qualifier.strip("-_").upper()
    return f"{qualifier}_{variant}" if qualifier else variant


def _rank(variant: Mapping[str, Any]) -> tuple[int, bool, str]:
    """Immediate successes first, then future-dated, cancellations, errors; within one rank
    the use case's own RTDS folder before qualified ones (e.g. ``HANDOVER_``)."""
    name = variant["name"]
    bad = any(t in name for t in ("ERROR", "NOT_FOUND"))
    return (4 * bad + 2 * ("CANCELLATION" in name) + ("FUTURE_DATED" in name),
            variant["qualified"], name)


def _header(frame: GbcsFrame, variant: str) -> dict[str, Any]:
    oi = frame.other_information
    header: dict[str, Any] = {}
    if oi.supplementary_remote_party_id is not None:
        header["supplementary_remote_party_id"] = oi.supplementary_remote_party_id
    if oi.supplementary_remote_party_counter is not None:
        header["supplementary_remote_party_counter"] = oi.supplementary_remote_party_counter
    if oi.certificate is not None:
        header["certificate"] = oi.certificate.hex().upper()
    if frame.date_time is not None:
        header["date_time"] = frame.date_time.to_bytes().hex().upper()
    for token, execution in (("FUTURE_DATED", "future-dated"), ("CANCELLATION", "cancellation"),
                             ("IMMEDIATE", "immediate")):
        if token in variant:
            header["execution"] = execution
            break
    return header


def rtds_variants(use_case: str, code: int, vectors: list[Vector]) -> list[dict[str, Any]]:
    scenario: dict[tuple[str, str], list[Vector]] = defaultdict(list)
    for v in vectors:
        scenario[v.rel.split("/")[0], v.variant].append(v)
    variants = []
    for v in vectors:
        if v.kind != "COMMAND" or v.code != code:
            continue
        files = scenario[v.rel.split("/")[0], v.variant]
        alerts = [x for x in files if x.kind == "ALERT"]
        responses = [x for x in files if x.kind == "RESPONSE" and x.code == code]
        name = _qualified(v.folder_uc, use_case, v.variant or "default")
        variants.append({
            "name": name,
            "qualified": name != (v.variant or "default"),
            "payload": v.payload,
            "header": _header(v.frame, v.variant),
            "expects_alerts": [f"{a.code:04X}" for a in alerts],
            "rtds": sorted(x.rel for x in files),
            "originator": v.frame.originator, "recipient": v.frame.recipient,
            "counter": v.frame.counter,
            "response": response_summary(responses[0].family, responses[0].payload)
            if responses else None,
        })
    names = [x["name"] for x in variants]
    if len(set(names)) != len(names):
        raise ValueError(f"{use_case}: duplicate variant names {names}")
    variants.sort(key=_rank)
    for variant in variants:
        del variant["qualified"]
    return variants


def _tags(info: MessageCodeInfo, use_case: str, variants: list[dict[str, Any]]) -> list[str]:
    tags = {t.lower().split("-")[0] for t in _target(info)}
    title = info.name.lower()
    if info.alert_only:
        tags.add("alert")
    elif title.startswith("read") or title.startswith("provide"):
        tags.add("read")
    else:
        tags.add("write")
    tags.update(tag for tag, words in _TAG_WORDS.items() if any(w in title for w in words))
    if use_case in MHHS:
        tags.add("mhhs")
    if use_case.startswith(("CS02", "CS03", "CS04")):
        tags.add("security")
    if use_case.startswith("DBCH"):
        tags.add("sub-ghz")
    if use_case in FUTURE_DATED or any("FUTURE_DATED" in v["name"] for v in variants):
        tags.add("future-dated")
    return sorted(tags)


def build_entry(info: MessageCodeInfo, vectors: list[Vector], banks: Banks,
                appendix_a: Mapping[int, list[str]],
                appendix_b: Mapping[int, list[str]]) -> dict[str, Any]:
    use_case = entry_id(info)
    variants = rtds_variants(use_case, info.code, vectors)
    entry_rtds = sorted(v.rel for v in vectors if v.code == info.code)
    entry: dict[str, Any] = {
        "id": use_case, "message_code": f"{info.code:04X}", "title": info.name,
        "target": _target(info), "family": info.family.value,
        "criticality": info.criticality.value, "tags": [],
        "source": "rtds" if entry_rtds else "spec",
        "alert_only": info.alert_only, "buildable": True, "reason": "",
        "rtds": entry_rtds,
    }
    if info.alert_only:
        variants = []
        entry.update(buildable=False,
                     reason="alert-only message code (CRA 3, §3 notes): devices send it, "
                            "there is no command to build")
    elif not variants:
        try:
            if info.family is PayloadFamily.DLMS and info.code in appendix_a:
                targets = _target(info)
                model = MODELS.get(targets[0]) if len(targets) == 1 else None
                source, (payload, notes) = "appendix", build_dlms(appendix_a[info.code], banks,
                                                                  model)
            elif info.family is PayloadFamily.GBZ and info.code in appendix_b:
                source, (payload, notes) = "appendix", build_gbz(appendix_b[info.code], banks)
            elif info.family is PayloadFamily.ASN1:
                source, (payload, notes) = "spec", build_asn1(info.code, banks)
            else:
                raise Unbuildable(f"payload family {info.family.value!r}: no RTDS vector and "
                                  "no source decodes this code (§3 '?')")
            encode_payload(info.family, payload)
            if info.code in URP_READS:
                notes.append("header: the KRP form (no supplementary remote party, no "
                             "certificate): the requester is a known remote party; GBCS sends "
                             "this read as a URP read, other-information with the "
                             "supplementary party's certificate (gbcs-protocol.md §1.4)")
            variants = [{"name": "default", "payload": payload, "header": {},
                         "expects_alerts": [], "rtds": [], "placeholders": notes}]
            if 0x0100 <= info.code <= 0x0109 and info.code - 0x0100 in CS02B_MODES:
                originator, recipient = CS02B_MODES[info.code - 0x0100][:2]
                variants[0].update(originator=originator, recipient=recipient)
            elif info.code == 0x000B:
                variants[0]["recipient"] = CS02D_RECIPIENT
        except Unbuildable as exc:
            source = "appendix" if info.code in appendix_a or info.code in appendix_b else "spec"
            entry.update(buildable=False, reason=str(exc))
        entry["source"] = "rtds" if entry["rtds"] else source
    entry["tags"] = _tags(info, use_case, variants)
    entry["variants"] = variants
    return entry


def generate(vectors_dir: Path, docs: Path) -> dict[str, Any]:
    vectors = read_vectors(vectors_dir)
    banks = Banks(vectors)
    pem = vectors_dir.parent / "keystore" / f"{CS02D_RECIPIENT.lower()}-ds.pem"
    if pem.exists():
        der = x509.load_pem_x509_certificate(pem.read_bytes()).public_bytes(
            serialization.Encoding.DER)
        banks.device_certificate = (der.hex().upper(), f"keystore/{pem.name}")
    appendix_a = read_appendix(docs, "Appendix A")
    appendix_b = read_appendix(docs, "Appendix B")
    entries = [build_entry(info, vectors, banks, appendix_a, appendix_b)
               for info in MESSAGE_CODES.values()]
    ids = [e["id"] for e in entries]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    return {
        "format": 1,
        "generator": "python -m gfi.usecases.data.generate",
        "sources": "RTDS 4.5.0 vectors (SmartDCCInnovation/gbcs-parser test/rtds), "
                   "gbcs-protocol.md §3, Appendix A, Appendix B, gfi.codecs.asn1.gbcs; "
                   "see PROVENANCE.md",
        "use_cases": entries,
    }


def dumps(library: Mapping[str, Any]) -> str:
    """One use case per block, one variant payload per line: readable diffs, small file."""
    lines = ["{"]
    for key, value in library.items():
        if key != "use_cases":
            lines.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},")
    lines.append(' "use_cases": [')
    for i, entry in enumerate(library["use_cases"]):
        head = {k: v for k, v in entry.items() if k != "variants"}
        body = [" " * 3 + json.dumps(v, separators=(",", ":"), ensure_ascii=False)
                for v in entry["variants"]]
        text = json.dumps(head, ensure_ascii=False)[:-1] + ', "variants": ['
        lines.append("  " + text + ("\n" + ",\n".join(body) + "\n  " if body else "") + "]}"
                     + ("," if i < len(library["use_cases"]) - 1 else ""))
    lines.append(" ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gfi.usecases.data.generate",
                                     description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--vectors", type=Path, default=DEFAULT_VECTORS)
    parser.add_argument("--docs", type=Path, default=DEFAULT_DOCS)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the output file differs from what would be written")
    args = parser.parse_args(argv)
    for path in (args.vectors, args.docs):
        if not path.exists():
            parser.error(f"{path} not found (the generator needs a source checkout)")
    text = dumps(generate(args.vectors, args.docs))
    if args.check:
        same = args.output.exists() and args.output.read_text(encoding="utf-8") == text
        print(f"{args.output}: {'up to date' if same else 'OUT OF DATE'}")
        return 0 if same else 1
    args.output.write_text(text, encoding="utf-8")
    library = json.loads(text)["use_cases"]
    by_source: dict[str, int] = defaultdict(int)
    for e in library:
        by_source[e["source"]] += 1
    print(f"wrote {args.output}: {len(library)} use cases "
          f"({', '.join(f'{k} {v}' for k, v in sorted(by_source.items()))}); "
          f"{sum(len(e['variants']) for e in library)} variants; "
          f"{sum(1 for e in library if e['alert_only'])} alert-only; unbuildable: "
          + (", ".join(e["id"] for e in library if not e["buildable"] and not e["alert_only"])
             or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
