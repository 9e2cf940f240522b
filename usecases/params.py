# SPDX-License-Identifier: GPL-3.0-or-later
"""Named, typed parameters of a use case's command payload, and building the payload bytes.

Parameters are derived generically from the variant's payload tree (the JSON form of
:func:`gfi.codecs.gbcs.decoder.decode_payload`, gbcs-protocol.md §2.2–2.4); their defaults are
the tree's values, i.e. the RTDS example values (or the documented placeholders).

DLMS (§2.2)
    ``invoke_id``; for every set/action spec the data item, named
    ``<class>_<obis>_a<attribute>`` / ``..._m<method>`` (``register_monitor_0_0_16_1_11_255_a2``;
    ``<class>`` is the short COSEM class name of :data:`CLASS_PREFIXES`); for every
    get-with-selection spec its selective-access parameters, ``<spec name>_selection``.
    Structures and arrays are ``list`` parameters (the list of DLMS data items) and each
    element is a parameter too, suffixed with its index path (``..._a2_0_1``).
GBZ (§2.3)
    each ZCL command payload field by its codec field name (``issuer_event_id``), prefixed
    with the command name when several components have that field
    (``set_overall_debt_cap_issuer_event_id``) and with ``c<n>_`` if still ambiguous; read
    attributes as ``<cluster>_attribute_ids``; a component's from-date-time as
    ``from_date_time``. Lists (and dicts) inside a field are expanded like DLMS structures.
ASN.1 (§2.4)
    each schema field by name; nested SEQUENCEs joined with ``_``
    (``control_authorising_seq_number``), SEQUENCE OF as ``list`` plus one parameter per
    element; absent OPTIONAL SEQUENCEs have none.

Types: ``int`` (range-checked when the encoding fixes it), ``str``, ``hex`` (bytes or a hex
string), ``bool``, ``datetime`` (a :class:`datetime.datetime`, or the encoded form: 12-byte
DLMS date-time hex, ZCL UTC seconds since 2000-01-01, or ASN.1 ``YYYYMMDDhhmmssZ``) and
``list`` (checked by encoding). Naive datetimes are taken as UTC; DLMS date-times are written
as RTDS does (day of week, deviation and clock status "not specified").

Aliases (same value, friendlier name; only where the name is free):
``activation_time`` — every DLMS activation date-time set by the command (Activity Calendar
attr 10, Charge attr 7, Account attr 13, GBCS Extended Data attr 6) at once;
``range_from`` / ``range_to`` — the from/to values of the one selector-1 range read;
``utrn`` — the top-up token (CS01a token gateway argument, ZCL ConsumerTopUp code) as text;
``protection_transaction_id`` / ``protection_originator`` / ``protection_recipient`` — the
protection options of a get-protected-attributes read (Data Protection method 1: ECS17b,
ECS17d, ECS20b, ECS20c, ECS66), which name the command's counter and parties (§2.2).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import construct as cs

from gfi.codecs.asn1 import gbcs as asn1
from gfi.codecs.gbcs.catalogue import PayloadFamily
from gfi.codecs.gbcs.decoder import encode_payload
from gfi.codecs.zcl import cluster_name, frame_command
from gfi.errors import CodecError
from gfi.usecases.catalogue import UseCaseDef, VariantDef
from gfi.usecases.errors import NotBuildable, ParameterError, UnknownParameter

PathKey = str | int
TreePath = tuple[PathKey, ...]

#: Parameter types.
TYPES = ("int", "str", "hex", "bool", "datetime", "list")

#: COSEM class id → parameter-name prefix (short form of the §2.2 class names).
CLASS_PREFIXES: Mapping[int, str] = {
    1: "data", 3: "register", 4: "ext_register", 7: "profile", 8: "clock", 9: "script",
    10: "schedule", 11: "special_days", 20: "calendar", 21: "register_monitor",
    22: "single_action", 30: "data_protection", 70: "disconnect", 71: "limiter",
    104: "zigbee", 111: "account", 112: "credit", 113: "charge", 115: "token_gateway",
    9000: "ext_data",
}

#: DLMS integer data types → (minimum, maximum) (§2.2 "DLMS data types").
DLMS_INT_RANGES: Mapping[str, tuple[int, int]] = {
    "integer": (-(1 << 7), (1 << 7) - 1), "long": (-(1 << 15), (1 << 15) - 1),
    "double-long": (-(1 << 31), (1 << 31) - 1), "long64": (-(1 << 63), (1 << 63) - 1),
    "unsigned": (0, 0xFF), "enum": (0, 0xFF), "long-unsigned": (0, 0xFFFF),
    "double-long-unsigned": (0, 0xFFFFFFFF), "long64-unsigned": (0, (1 << 64) - 1),
    "bcd": (-(1 << 7), (1 << 7) - 1),
}

#: (class id, attribute id) of the DLMS activation date-times (``activation_time`` alias).
ACTIVATION_ATTRIBUTES = frozenset({(20, 10), (113, 7), (111, 13), (9000, 6)})

_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})*")
_GENERALIZED_TIME = re.compile(r"[0-9]{14}Z")
_ZCL_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
#: Last 5 bytes of a DLMS date-time as RTDS writes them: hundredths 00, deviation 8000
#: (not specified), clock status FF (not specified).
_DLMS_DATE_TIME_TAIL = "008000FF"


@dataclass(frozen=True)
class Param:
    """One named parameter of a variant's payload."""

    name: str
    #: One of :data:`TYPES`.
    type: str
    #: The value in the payload tree (for ``datetime``: the encoded form).
    default: Any
    #: Where the value sits in the payload tree.
    path: TreePath
    #: ``None`` is accepted (an absent OPTIONAL / ZCL "invalid" value).
    nullable: bool = False
    minimum: int | None = None
    maximum: int | None = None
    #: Exact byte length of a ``hex`` value, when the encoding fixes it.
    size: int | None = None
    #: How the value is stored: ``""`` as given; ``"dlms-date-time"`` 12-byte hex;
    #: ``"utc-seconds"`` ZCL UTC; ``"generalized-time"``; ``"bit-string"`` (the DLMS item's
    #: ``bits`` follows the length); ``"ascii"`` text kept as hex.
    form: str = ""
    #: Further places an alias writes the same value to.
    also: tuple[TreePath, ...] = ()
    #: The parameter this one is an alias of (``None`` for an original).
    alias_of: str | None = None

    @property
    def expected(self) -> str:
        """The accepted input, in words (used in error messages)."""
        text = {
            "int": "an int", "str": "a str", "hex": "bytes or a hex string", "bool": "a bool",
            "list": "a list",
            "datetime": "a datetime or " + {
                "dlms-date-time": "12-byte DLMS date-time hex", "utc-seconds":
                "ZCL UTC seconds (int)", "generalized-time": "'YYYYMMDDhhmmssZ'"}.get(
                    self.form, "its encoded form"),
        }[self.type]
        if self.minimum is not None and self.maximum is not None:
            text += f" in {self.minimum}..{self.maximum}"
        if self.size is not None:
            text += f" of {self.size} bytes"
        return text + (" or None" if self.nullable else "")


# ----------------------------------------------------------------------------
# Tree helpers
# ----------------------------------------------------------------------------
def _get(tree: Any, path: TreePath) -> Any:
    for key in path:
        tree = tree[key]
    return tree


def _set(tree: Any, path: TreePath, value: Any) -> None:
    parent = _get(tree, path[:-1])
    parent[path[-1]] = value


class _Names:
    """Collects parameters, keeping names unique (``_2``, ``_3`` … on a clash)."""

    def __init__(self) -> None:
        self.params: dict[str, Param] = {}

    def add(self, param: Param) -> None:
        name, n = param.name, 1
        while name in self.params:
            n += 1
            name = f"{param.name}_{n}"
        self.params[name] = param if name == param.name else _renamed(param, name)


def _renamed(param: Param, name: str) -> Param:
    return Param(name, param.type, param.default, param.path, param.nullable, param.minimum,
                 param.maximum, param.size, param.form, param.also, param.alias_of)


def _alias(names: _Names, alias: str, target: Param, *, type_: str | None = None,
           form: str | None = None, also: tuple[TreePath, ...] = (),
           default: Any = None) -> None:
    if alias in names.params:
        return
    names.params[alias] = Param(
        alias, type_ or target.type, target.default if default is None else default,
        target.path, target.nullable, target.minimum, target.maximum, target.size,
        target.form if form is None else form, also, target.name)


# ----------------------------------------------------------------------------
# DLMS (gbcs-protocol.md §2.2)
# ----------------------------------------------------------------------------
def _obis_name(obis: str) -> str:
    return re.sub(r"[-:.]", "_", obis)


def _spec_name(spec: Mapping[str, Any]) -> str:
    """Parameter name of a DLMS spec: ``<class>_<obis>_a<attribute>`` / ``_m<method>``."""
    d = spec["descriptor"]
    prefix = CLASS_PREFIXES.get(d["class_id"], f"class{d['class_id']}")
    member = f"m{d['method_id']}" if "method_id" in d else f"a{d['attribute_id']}"
    return f"{prefix}_{_obis_name(d['obis'])}_{member}"


def _dlms_item(names: _Names, name: str, item: Any, path: TreePath) -> None:
    if not isinstance(item, Mapping):
        return
    kind = str(item.get("type"))
    value_path = (*path, "value")
    value = item.get("value")
    if kind in ("array", "structure"):
        names.add(Param(name, "list", value, value_path))
        for i, child in enumerate(value or []):
            _dlms_item(names, f"{name}_{i}", child, (*value_path, i))
    elif kind == "compact-array":
        names.add(Param(name, "list", value, value_path))
    elif kind in DLMS_INT_RANGES:
        low, high = DLMS_INT_RANGES[kind]
        names.add(Param(name, "int", value, value_path, minimum=low, maximum=high))
    elif kind == "boolean":
        names.add(Param(name, "bool", value, value_path))
    elif kind in ("visible-string", "utf8-string"):
        names.add(Param(name, "str", value, value_path))
    elif kind == "bit-string":
        names.add(Param(name, "hex", value, value_path, form="bit-string"))
    elif kind in ("octet-string", "date-time") and isinstance(value, str) and len(value) == 24:
        names.add(Param(name, "datetime", value, value_path, size=12, form="dlms-date-time"))
    elif kind in ("octet-string", "date", "time"):
        names.add(Param(name, "hex", value, value_path))


def _dlms_params(tree: Mapping[str, Any]) -> dict[str, Param]:
    names = _Names()
    names.add(Param("invoke_id", "int", tree.get("invoke_id"), ("invoke_id",), minimum=0,
                    maximum=0xFFFFFFFF))
    specs, data = tree.get("specs") or [], tree.get("data") or []
    activation: list[Param] = []
    selections: list[str] = []
    for i, spec in enumerate(specs):
        base = _spec_name(spec)
        choice = spec.get("choice")
        selection = spec.get("access_selection")
        if choice == "get-with-selection" and isinstance(selection, Mapping):
            before = set(names.params)
            _dlms_item(names, f"{base}_selection", selection.get("parameters"),
                       ("specs", i, "access_selection", "parameters"))
            selections.extend(n for n in names.params if n not in before)
        if choice in ("set", "action") and i < len(data):
            before = set(names.params)
            _dlms_item(names, base, data[i], ("data", i))
            d = spec["descriptor"]
            if choice == "set" and (d["class_id"], d.get("attribute_id")) in ACTIVATION_ATTRIBUTES:
                activation.extend(p for n, p in names.params.items()
                                  if n not in before and p.form == "dlms-date-time"
                                  and len(p.path) == 3)
    if activation:
        first = activation[0]
        _alias(names, "activation_time", first, also=tuple(p.path for p in activation[1:]))
    reads = [s for s in specs if s.get("choice") == "get-with-selection"]
    if len(reads) == 1:
        top = [n for n in selections if n.endswith("_selection")]
        if len(top) == 1:
            ranged = names.params[top[0]]
            if isinstance(ranged.default, list) and len(ranged.default) == 4:
                for alias, index in (("range_from", 1), ("range_to", 2)):
                    target = names.params.get(f"{top[0]}_{index}")
                    if target is not None and target.type != "list":
                        _alias(names, alias, target)
    protected = []
    for spec, item in zip(specs, data, strict=False):
        d = spec.get("descriptor", {})
        if (d.get("class_id"), d.get("method_id")) == (115, 1) and \
                item.get("type") == "octet-string":
            target = names.params[_spec_name(spec)]
            _alias(names, "utrn", target, type_="str", form="ascii",
                   default=_ascii(target.default))
        if (d.get("class_id"), d.get("method_id")) == (30, 1):
            protected.append(_spec_name(spec))
    if len(protected) == 1:
        # get-protected-attributes: protection options = transaction id, originator,
        # recipient, other information, key info (§2.2)
        for alias, index in (("protection_transaction_id", 0), ("protection_originator", 1),
                             ("protection_recipient", 2)):
            target = names.params.get(f"{protected[0]}_1_0_1_{index}")
            if target is not None and target.type == "hex":
                _alias(names, alias, target)
    return names.params


def _ascii(hex_text: Any) -> str | None:
    try:
        return bytes.fromhex(hex_text).decode("ascii")
    except (TypeError, ValueError):
        return None


# ----------------------------------------------------------------------------
# GBZ (gbcs-protocol.md §2.3)
# ----------------------------------------------------------------------------
def _unwrap(sc: Any) -> Any:
    for _ in range(8):
        if isinstance(sc, cs.Renamed | cs.Adapter) and not hasattr(sc, "text"):
            sc = sc.subcon
        else:
            break
    return sc


def _zcl_field(sc: Any, name: str, value: Any) -> tuple[str, dict[str, Any]]:
    """Type and constraints of a top-level ZCL payload field from its construct schema."""
    sc = _unwrap(sc)
    nullable = value is None
    if isinstance(value, bool):
        return "bool", {}
    if hasattr(sc, "text") and hasattr(sc, "length_size"):
        return ("str" if sc.text else "hex"), {"nullable": True}
    size, signed = None, False
    if isinstance(sc, cs.FormatField):
        size, signed = sc.sizeof(), sc.fmtstr[-1].islower()
    elif isinstance(sc, cs.BytesInteger) and isinstance(sc.length, int):
        size, signed = sc.length, bool(sc.signed)
    if size is not None and (isinstance(value, int) or value is None):
        low, high = (-(1 << (8 * size - 1)), (1 << (8 * size - 1)) - 1) if signed else \
            (0, (1 << (8 * size)) - 1)
        if size == 4 and not signed and ("time" in name or "date" in name):
            return "datetime", {"form": "utc-seconds", "nullable": nullable}
        return "int", {"minimum": low, "maximum": high, "nullable": nullable}
    return _value_type(value), {"nullable": nullable}


def _value_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int) or value is None:
        return "int"
    if isinstance(value, list):
        return "list"
    return "str"


def _value_params(names: _Names, name: str, value: Any, path: TreePath) -> None:
    """Parameters for a value inside a ZCL or ASN.1 field without schema typing."""
    if isinstance(value, Mapping):
        for key, child in value.items():
            _value_params(names, f"{name}_{key}", child, (*path, key))
        return
    names.add(Param(name, _value_type(value), value, path, nullable=value is None))
    if isinstance(value, list):
        for i, child in enumerate(value):
            _value_params(names, f"{name}_{i}", child, (*path, i))


def _gbz_params(tree: Mapping[str, Any]) -> dict[str, Param]:
    names = _Names()
    components = tree.get("components")
    if not isinstance(components, list):
        return names.params
    fields: list[tuple[int, str, str, Any, TreePath, Any]] = []
    for c, comp in enumerate(components):
        frame = comp.get("frame") or {}
        payload = frame.get("payload")
        fc = frame.get("frame_control") or {}
        command = frame_command(comp.get("cluster_id"), fc, frame.get("command_id"))
        command_name = command.name if command is not None else f"command{frame.get('command_id')}"
        if (comp.get("control") or {}).get("from_date_time_present"):
            fields.append((c, command_name, "from_date_time", comp.get("from_date_time"),
                           ("components", c, "from_date_time"), cs.Int32ul))
        if not isinstance(payload, Mapping):
            continue
        schema = getattr(command, "schema", None)
        subcons = {sc.name: sc for sc in getattr(schema, "subcons", []) if sc.name}
        base = ("components", c, "frame", "payload")
        for key, value in payload.items():
            if key == "attribute_names":
                continue
            if key == "attribute_ids" and fc.get("frame_type") in ("profile_wide", 0):
                names.add(Param(f"{cluster_name(comp.get('cluster_id'))}_attribute_ids", "list",
                                value, (*base, key)))
                continue
            fields.append((c, command_name, key, value, (*base, key), subcons.get(key)))
    counts: dict[str, int] = {}
    pairs: dict[tuple[str, str], int] = {}
    for _, command_name, key, *_rest in fields:
        counts[key] = counts.get(key, 0) + 1
        pairs[command_name, key] = pairs.get((command_name, key), 0) + 1
    for c, command_name, key, value, path, sc in fields:
        name = key if counts[key] == 1 else f"{command_name}_{key}" \
            if pairs[command_name, key] == 1 else f"c{c}_{command_name}_{key}"
        if key == "raw":
            names.add(Param(name, "hex", value, path))
        elif sc is not None and not isinstance(value, list | Mapping):
            type_, extra = _zcl_field(sc, key, value)
            names.add(Param(name, type_, value, path, **extra))
        else:
            _value_params(names, name, value, path)
        if key == "top_up_code" and isinstance(value, str):
            _alias(names, "utrn", names.params[name], type_="str", form="ascii",
                   default=_ascii(value))
    return names.params


# ----------------------------------------------------------------------------
# ASN.1 (gbcs-protocol.md §2.4)
# ----------------------------------------------------------------------------
def _asn1_value(names: _Names, name: str, type_: Any, value: Any, path: TreePath,
                optional: bool) -> None:
    if isinstance(type_, asn1.Seq):
        if isinstance(value, Mapping):
            for f in type_.fields:
                _asn1_value(names, f"{name}_{f.name}", f.type, value.get(f.name),
                            (*path, f.name), f.optional)
        return
    if isinstance(type_, asn1.SeqOf):
        names.add(Param(name, "list", value, path, nullable=optional))
        for i, item in enumerate(value or []):
            _asn1_value(names, f"{name}_{i}", type_.item, item, (*path, i), False)
        return
    if isinstance(type_, asn1.Null):
        return
    if isinstance(type_, asn1.Integer):
        names.add(Param(name, "int", value, path, nullable=optional,
                        minimum=-(1 << (8 * asn1.MAX_INTEGER_OCTETS - 1)),
                        maximum=(1 << (8 * asn1.MAX_INTEGER_OCTETS - 1)) - 1))
    elif isinstance(type_, asn1.OctetString):
        names.add(Param(name, "hex", value, path, nullable=optional, size=type_.size))
    elif isinstance(type_, asn1.GeneralizedTime):
        names.add(Param(name, "datetime", value, path, nullable=optional,
                        form="generalized-time"))
    elif isinstance(type_, asn1.NamedBits):
        names.add(Param(name, "list", value, path, nullable=optional))
    elif isinstance(type_, asn1.SignedObject):
        names.add(Param(name, "hex", value, path, nullable=optional))


def _asn1_params(tree: Mapping[str, Any]) -> dict[str, Param]:
    names = _Names()
    record = asn1.SCHEMAS.get(tree.get("schema", ""))
    for f in getattr(record, "fields", ()):
        _asn1_value(names, f.name, f.type, tree.get(f.name), (f.name,), f.optional)
    return names.params


# ----------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------
def _family(family: PayloadFamily | str) -> PayloadFamily:
    return family if isinstance(family, PayloadFamily) else PayloadFamily(family)


def tree_parameters(family: PayloadFamily | str, payload: Mapping[str, Any]) -> dict[str, Param]:
    """The parameters of a payload tree (see the module docstring)."""
    fam = _family(family)
    if fam is PayloadFamily.DLMS:
        return _dlms_params(payload)
    if fam is PayloadFamily.GBZ:
        return _gbz_params(payload)
    if fam is PayloadFamily.ASN1:
        return _asn1_params(payload)
    return {}


def _resolve(defn: UseCaseDef, variant: str | VariantDef) -> VariantDef:
    if defn.alert_only or not defn.buildable:
        raise NotBuildable(f"{defn.id} cannot be built: "
                           + ("alert-only message code" if defn.alert_only else defn.reason))
    return variant if isinstance(variant, VariantDef) else defn.variant(variant)


def parameters(defn: UseCaseDef, variant: str | VariantDef = "default") -> dict[str, Param]:
    """Name → :class:`Param` for one variant of a use case (aliases included)."""
    return tree_parameters(defn.family, _resolve(defn, variant).payload)


def _to_utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _coerce(param: Param, value: Any) -> Any:
    """``value`` in the payload tree's form, or :class:`ParameterError`."""

    def bad(detail: str) -> ParameterError:
        return ParameterError(param.name, param.expected, detail)

    got = f"got {type(value).__name__} {value!r}"[:120]
    if value is None:
        if param.nullable:
            return None
        raise bad(f"{got}; it is not optional")
    if param.type == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            raise bad(got)
        if (param.minimum is not None and value < param.minimum) or \
                (param.maximum is not None and value > param.maximum):
            raise bad(f"{value} is out of range")
        return value
    if param.type == "bool":
        if not isinstance(value, bool):
            raise bad(got)
        return value
    if param.type == "str":
        if not isinstance(value, str):
            raise bad(got)
        if param.form == "ascii":
            if not value.isascii():
                raise bad("not ASCII text")
            return value.encode("ascii").hex().upper()
        return value
    if param.type == "hex":
        return _hex(param, value, bad, got)
    if param.type == "datetime":
        return _datetime(param, value, bad, got)
    if not isinstance(value, list):
        raise bad(got)
    return copy.deepcopy(value)


def _hex(param: Param, value: Any, bad: Any, got: str) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        text = bytes(value).hex().upper()
    elif isinstance(value, str) and _HEX.fullmatch(value):
        text = value.upper()
    else:
        raise bad(got)
    if param.size is not None and len(text) != 2 * param.size:
        raise bad(f"{len(text) // 2} bytes")
    return text


def _datetime(param: Param, value: Any, bad: Any, got: str) -> Any:
    if isinstance(value, dt.datetime):
        try:
            moment = _to_utc(value)
        except (OverflowError, ValueError):
            raise bad(f"{got}: not representable in UTC") from None
        if param.form == "utc-seconds":
            seconds = int((moment - _ZCL_EPOCH).total_seconds())
            if not 0 <= seconds <= 0xFFFFFFFF:
                raise bad("outside the ZCL UTC range (2000-01-01 to 2136)")
            return seconds
        if param.form == "generalized-time":
            return f"{moment.year:04d}{moment.month:02d}{moment.day:02d}" \
                   f"{moment.hour:02d}{moment.minute:02d}{moment.second:02d}Z"
        head = f"{moment.year:04X}{moment.month:02X}{moment.day:02X}FF" \
               f"{moment.hour:02X}{moment.minute:02X}{moment.second:02X}"
        return head + _DLMS_DATE_TIME_TAIL
    if param.form == "utc-seconds":
        if not isinstance(value, int) or isinstance(value, bool) or \
                not 0 <= value <= 0xFFFFFFFF:
            raise bad(got)
        return value
    if param.form == "generalized-time":
        if not isinstance(value, str) or not _GENERALIZED_TIME.fullmatch(value):
            raise bad(got)
        return value
    return _hex(param, value, bad, got)


def _apply(tree: dict[str, Any], param: Param, value: Any) -> None:
    for path in (param.path, *param.also):
        try:
            _set(tree, path, copy.deepcopy(value))
            if param.form == "bit-string" and isinstance(value, str):
                item = _get(tree, path[:-1])
                if (item.get("bits", 0) + 7) // 8 != len(value) // 2:
                    item["bits"] = 4 * len(value)
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise ParameterError(param.name, param.expected,
                                 f"an earlier override removed its place in the payload "
                                 f"({type(exc).__name__})") from None


def payload_tree(defn: UseCaseDef, variant: str | VariantDef = "default", /,
                 **overrides: Any) -> dict[str, Any]:
    """The variant's payload tree with ``overrides`` applied (type-checked, not encoded)."""
    chosen = _resolve(defn, variant)
    params = tree_parameters(defn.family, chosen.payload)
    tree = copy.deepcopy(chosen.payload)
    unknown = sorted(set(overrides) - set(params))
    if unknown:
        raise UnknownParameter(unknown[0], sorted(params))
    # shorter paths first, so a whole list is replaced before its elements are
    for name in sorted(overrides, key=lambda n: (len(params[n].path), n)):
        param = params[name]
        _apply(tree, param, _coerce(param, overrides[name]))
    return tree


def build_payload(defn: UseCaseDef, variant: str | VariantDef = "default", /,
                  **overrides: Any) -> bytes:
    """The command payload bytes of a use case variant, with parameter ``overrides``.

    :raises NotBuildable: alert-only or unbuildable entry. :raises UnknownVariant:
    :raises UnknownParameter: (lists the valid names). :raises ParameterError: a value of
    the wrong type or range, or overrides that together do not encode.
    """
    tree = payload_tree(defn, variant, **overrides)
    try:
        return encode_payload(defn.family, tree)
    except CodecError as exc:
        if not overrides:
            raise
        names = ", ".join(sorted(overrides))
        raise ParameterError(names, "values that encode", f"the payload does not encode: "
                             f"{exc}") from None


# ----------------------------------------------------------------------------
# Structure fingerprint
# ----------------------------------------------------------------------------
def _components(tree: Mapping[str, Any]) -> Iterator[tuple[Any, ...]]:
    for comp in tree.get("components") or []:
        frame = comp.get("frame") or {}
        fc = frame.get("frame_control") or {}
        yield (comp.get("cluster_id"), fc.get("frame_type"), frame.get("command_id"),
               fc.get("direction"))


def payload_shape(family: PayloadFamily | str, payload_tree: Mapping[str, Any]) -> tuple[Any, ...]:
    """A canonical structure fingerprint of a payload tree (decoded or library form):

    * DLMS: ``("dlms", apdu, ((choice, class_id, obis, attribute/method id), ...))``;
    * GBZ: ``("gbz", ((cluster id, frame type, command id, direction), ...))`` (alert bodies
      without components: ``("gbz", <body key>)``);
    * ASN.1: ``("asn1", schema name, (field names present, in schema order))``.
    """
    fam = _family(family)
    if fam is PayloadFamily.DLMS:
        specs = tuple(
            (s.get("choice"), s["descriptor"].get("class_id"), s["descriptor"].get("obis"),
             s["descriptor"].get("attribute_id", s["descriptor"].get("method_id")))
            for s in payload_tree.get("specs") or [])
        return ("dlms", payload_tree.get("apdu"), specs)
    if fam is PayloadFamily.GBZ:
        if "components" not in payload_tree:
            body = [k for k in ("future_dated_execution", "manufacturer_image_hash",
                                "integrity_code") if k in payload_tree]
            return ("gbz", *body)
        return ("gbz", tuple(_components(payload_tree)))
    if fam is PayloadFamily.ASN1:
        schema = payload_tree.get("schema")
        record = asn1.SCHEMAS.get(schema) if isinstance(schema, str) else None
        fields = tuple(f.name for f in getattr(record, "fields", ())
                       if payload_tree.get(f.name) is not None)
        return ("asn1", schema, fields)
    return (fam.value,)


def response_summary(family: PayloadFamily, payload: Mapping[str, Any]) -> dict[str, Any]:
    """What a response says, without its values: DLMS result per request spec, GBZ
    (cluster, command, status, record statuses, encrypted, ZCL sequence number — the request
    it answers) per component, ASN.1 schema and response code. The runtime
    compares a device's response with the RTDS response of the same variant by this."""
    if family is PayloadFamily.DLMS:
        return {"apdu": payload.get("apdu"),
                "results": [r.get("result") for r in payload.get("results", [])]}
    if family is PayloadFamily.GBZ:
        components = []
        for c in payload.get("components", []):
            frame = c.get("frame") or {}
            body = frame.get("payload") if isinstance(frame.get("payload"), dict) else {}
            status = body.get("status") if frame.get("command_id") == 0x0B else None
            records = [r.get("status") for r in body.get("records", [])
                       if isinstance(r, dict) and "status" in r]
            components.append([c.get("cluster_id"), frame.get("command_id"), status, records,
                               bool((c.get("control") or {}).get("encrypted")),
                               frame.get("sequence_number")])
        return {"components": components}
    if family is PayloadFamily.ASN1:
        return {"schema": payload.get("schema"), "response_code": payload.get("response_code"),
                "statuses": [value for _, _, value in asn1_statuses(payload)]}
    return {}


def asn1_statuses(node: Any, where: str = "") -> list[tuple[str, str, int]]:
    """Every ``status`` / ``response_code`` in an ASN.1 payload tree (§2.4: CS02b per-cell
    replacement outcomes, response codes): (where, which, value) in tree order."""
    out: list[tuple[str, str, int]] = []
    if isinstance(node, Mapping):
        for key in ("status", "response_code"):
            if isinstance(node.get(key), int):
                out.append((where or "response", key, int(node[key])))
        for k, v in node.items():
            out += asn1_statuses(v, f"{where}.{k}" if where else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += asn1_statuses(v, f"{where}[{i}]")
    return out
