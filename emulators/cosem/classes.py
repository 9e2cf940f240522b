# SPDX-License-Identifier: GPL-3.0-or-later
"""COSEM interface classes of the emulated ESME and Comms Hub Function, declared as tables.

Each class lists its attributes (DLMS Blue Book attribute ids and names; attribute 1 is
always ``logical_name``), which of them a remote party may write, default values, its
methods (id → handler) and, for the classes with passive/active pairs, which attribute is
the activation date-time and what it copies (gbcs-protocol.md §2.2 "Future dating").
The class ids are those of the RTDS access-requests (gbcs-protocol.md §2.2):

=====  ===========================  =====  ===========================
1      Data                         30     Data Protection
3      Register                     70     Disconnect Control
4      Extended Register            71     Limiter
7      Profile Generic              104    ZigBee Network Control
8      Clock                        111    Account
9      Script Table                 112    Credit
10     Schedule                     113    Charge
11     Special Days Table           115    Token Gateway
20     Activity Calendar            9000   GBCS Extended Data
21     Register Monitor
22     Single Action Schedule
=====  ===========================  =====  ===========================

Values are decoded A-XDR items (:mod:`gfi.emulators.cosem.values`). A failing access
raises :class:`CosemError` carrying the data-access-result / action-result code; the server
turns it into the response's result. Objects never see the access-request tree, the radio
or a clock: the :class:`Call` gives them the command's :class:`HandleContext`, the device
time and the rest of the object model (:class:`Services`).
"""

from __future__ import annotations

# ----------------------------------------------------------------------------
# Imports
# ----------------------------------------------------------------------------
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Final, Protocol

from gfi.codecs.dlms import encode_data
from gfi.codecs.gbcs.utrn import decode_utrn
from gfi.emulators.cosem.logs import MONTHLY, ColumnarLog, LogSpec
from gfi.emulators.cosem.values import (
    NULL,
    DateTimeError,
    Item,
    arr,
    as_utc,
    bits,
    boolean,
    capture_object,
    clone,
    conforms,
    datetime_from_octets,
    datetime_octets,
    dl,
    dlu,
    enum,
    gbcs_seconds,
    integer,
    is_item,
    ln,
    long,
    lu,
    obis_octets,
    obis_text,
    octets,
    scaler_unit,
    seconds_of,
    st,
    unsigned,
    zero_like,
)
from gfi.emulators.model import HandleContext
from gfi.errors import GfiError

if TYPE_CHECKING:
    from gfi.emulators.cosem.profile import ObjectDecl

# ----------------------------------------------------------------------------
# Logging
# ----------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
# fmt: off
#: DLMS data-access-result / action-result codes used here (gbcs-protocol.md §2.2).
SUCCESS: Final = 0
HARDWARE_FAULT: Final = 1
TEMPORARY_FAILURE: Final = 2
READ_WRITE_DENIED: Final = 3
OBJECT_UNDEFINED: Final = 4
OBJECT_CLASS_INCONSISTENT: Final = 9
OBJECT_UNAVAILABLE: Final = 11
TYPE_UNMATCHED: Final = 12
SCOPE_OF_ACCESS_VIOLATED: Final = 13
OTHER_REASON: Final = 250
# fmt: on

#: Clock attribute used as restricting object of range reads (Blue Book class 8 attr 2).
CLOCK_TIME: Final = (8, "0-0:1.0.0.255", 2)

#: Token status codes (Blue Book class 115 token_status.status_code).
TOKEN_EXECUTION_OK: Final = 3
TOKEN_FORMAT_FAILURE: Final = 4
TOKEN_AUTHENTICATION_FAILURE: Final = 5
TOKEN_VALIDATION_FAILURE: Final = 6

#: Credit status values (Blue Book class 112 attribute 8).
CREDIT_SELECTABLE: Final = 1
CREDIT_IN_USE: Final = 3

#: Disconnect Control control_state values (Blue Book class 70 attribute 3).
DISCONNECTED: Final = 0
CONNECTED: Final = 1
READY_FOR_RECONNECTION: Final = 2

#: An all-unspecified date-time (used as an empty default).
NULL_DATE_TIME: Final = "FFFFFFFFFFFFFFFFFF8000FF"

#: Security control byte and empty invocation counter of a protected-attributes octet
#: string (gbcs-protocol.md §2.2).
PROTECTED_PREFIX: Final = "31" + "00000000"
#: CRA value of the protected-data transaction id (§1.7).
PROTECTED_CRA: Final = "04"


class CosemError(GfiError):
    """An access that fails with DLMS result ``result`` (never ``0``)."""

    def __init__(self, result: int, reason: str) -> None:
        super().__init__(f"{reason} (result {result})")
        self.result = result
        self.reason = reason


# ----------------------------------------------------------------------------
# Declarations
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class AttributeDef:
    """An attribute of an interface class (DLMS Blue Book)."""

    id: int
    name: str
    #: A remote party may write it (subject to the role table).
    writable: bool = True
    #: Computed on every read, never stored (clock time, log buffer, …).
    dynamic: bool = False


@dataclass(frozen=True)
class MethodDef:
    """A method of an interface class; ``handler`` names the Python method."""

    id: int
    name: str
    handler: str


@dataclass(frozen=True)
class Selection:
    """Selective access of a get-with-selection: selector and its parameters item."""

    selector: int
    parameters: Item


def _attrs(*defs: AttributeDef) -> Mapping[int, AttributeDef]:
    table = {1: AttributeDef(1, "logical_name", writable=False)}
    table.update((d.id, d) for d in defs)
    return table


def _methods(*defs: MethodDef) -> Mapping[int, MethodDef]:
    return {d.id: d for d in defs}


A = AttributeDef
M = MethodDef


# ----------------------------------------------------------------------------
# What an object may use of the server
# ----------------------------------------------------------------------------
class Services(Protocol):
    """The object model as seen from inside one object."""

    @property
    def empty_log_result(self) -> int: ...

    @property
    def money_per_penny(self) -> int: ...

    @property
    def seed(self) -> int: ...

    def find(self, obis: str) -> CosemObject | None: ...

    def device_time(self, now: datetime) -> datetime: ...

    def read_for(self, call: Call, class_id: int, obis: str, attribute_id: int,
                 selection: Selection | None) -> Item: ...

    def write_internal(self, call: Call, class_id: int, obis: str, attribute_id: int,
                       value: Item) -> None: ...

    def invoke_internal(self, call: Call, class_id: int, obis: str, method_id: int,
                        argument: Item) -> Item | None: ...

    def validate_utrn(self, token: str, ctx: HandleContext) -> bool | None: ...


@dataclass
class Call:
    """One access: the command's context, the server and the change notes."""

    ctx: HandleContext
    services: Services
    changes: list[str] = field(default_factory=list)

    @property
    def now(self) -> datetime:
        """Device time (the command's time shifted by the device clock's offset)."""
        return self.services.device_time(self.ctx.now)

    @property
    def now_s(self) -> int:
        """Device time in GBCS UTC seconds."""
        return gbcs_seconds(self.now)

    def note(self, text: str) -> None:
        self.changes.append(text)
        logger.debug("cosem: %s", text)


# ----------------------------------------------------------------------------
# Argument helpers
# ----------------------------------------------------------------------------
def _value(item: Any, *types: str) -> Any:
    """The value of ``item`` if it has one of ``types``; else type-unmatched."""
    if not isinstance(item, Mapping) or item.get("type") not in types:
        shown = item.get("type") if isinstance(item, Mapping) else type(item).__name__
        raise CosemError(TYPE_UNMATCHED, f"expected {'/'.join(types)}, got {shown}")
    return item.get("value")


_INTS = ("integer", "long", "double-long", "unsigned", "long-unsigned", "double-long-unsigned",
         "enum", "long64", "long64-unsigned")


def _int(item: Any) -> int:
    value = _value(item, *_INTS)
    if not isinstance(value, int) or isinstance(value, bool):
        raise CosemError(TYPE_UNMATCHED, "integer value expected")
    return value


def _members(item: Any, count: int | None = None) -> list[Any]:
    value = _value(item, "structure")
    if not isinstance(value, list) or (count is not None and len(value) != count):
        raise CosemError(TYPE_UNMATCHED, f"structure of {count} members expected")
    return value


def _elements(item: Any) -> list[Any]:
    value = _value(item, "array")
    if not isinstance(value, list):
        raise CosemError(TYPE_UNMATCHED, "array expected")
    return value


def _octets(item: Any) -> str:
    value = _value(item, "octet-string")
    if not isinstance(value, str):
        raise CosemError(TYPE_UNMATCHED, "octet-string expected")
    return value


def _descriptor(item: Any) -> tuple[int, str, int]:
    """(class id, OBIS text, attribute id) of a capture_object_definition-like structure."""
    members = _members(item)
    if len(members) < 3:
        raise CosemError(TYPE_UNMATCHED, "object definition needs class, name and index")
    try:
        obis = obis_text(_octets(members[1]))
    except ValueError as exc:
        raise CosemError(TYPE_UNMATCHED, f"bad logical name: {exc}") from None
    return _int(members[0]), obis, _int(members[2])


def _time(item: Any) -> datetime:
    try:
        return datetime_from_octets(_octets(item))
    except DateTimeError as exc:
        raise CosemError(OTHER_REASON, str(exc)) from None


# ----------------------------------------------------------------------------
# Base class
# ----------------------------------------------------------------------------
class CosemObject:
    """One COSEM object: an instance of an interface class with its attribute values.

    Attribute values are replaced on every change and never modified in place (readers get
    copies), so initial values may be shared with the declaration."""

    class_id: ClassVar[int] = 0
    version: ClassVar[int] = 0
    name: ClassVar[str] = ""
    attributes: ClassVar[Mapping[int, AttributeDef]] = _attrs()
    methods: ClassVar[Mapping[int, MethodDef]] = {}
    #: Attribute values used when the declaration gives none.
    defaults: ClassVar[Mapping[int, Item]] = {}
    #: Activation date-time attribute → (passive attribute, active attribute) pairs it
    #: copies when it falls due (gbcs-protocol.md §2.2 future dating).
    activations: ClassVar[Mapping[int, tuple[tuple[int, int], ...]]] = {}

    def __init__(self, decl: ObjectDecl, seed: int) -> None:
        self.decl = decl
        self.obis = decl.obis
        self.seed = seed
        self.values: dict[int, Item] = {}
        #: Acceptable data types per attribute (a set must conform to one of them); the
        #: initial values, shared with the declaration and never modified.
        self.templates: dict[int, tuple[Item, ...]] = {}
        for attribute_id, attribute in self.attributes.items():
            if attribute.dynamic:
                continue
            if attribute_id == 1:
                initial = ln(decl.obis)
            elif attribute_id in decl.values:
                initial = dict(decl.values[attribute_id])
            else:
                initial = dict(self.defaults.get(attribute_id, NULL))
            # Values are replaced, never modified in place, so the initial items can be
            # shared with the declaration until the first write.
            self.values[attribute_id] = initial
            self.templates[attribute_id] = (initial,)
        for attribute_id, alternatives in decl.templates.items():
            self.templates[attribute_id] = tuple(dict(t) for t in alternatives)
        #: Class-specific internal state (JSON-native; part of :meth:`state`).
        self.extra: dict[str, Any] = {}
        self.setup()

    def setup(self) -> None:
        """Class-specific initialisation (after the values are in place)."""

    def option(self, name: str, default: Any = None) -> Any:
        return self.decl.options.get(name, default)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.obis}>"

    # -- attributes ------------------------------------------------------------------------
    def attribute(self, attribute_id: int) -> AttributeDef:
        found = self.attributes.get(attribute_id)
        if found is None:
            raise CosemError(OBJECT_UNDEFINED,
                             f"{self.name} has no attribute {attribute_id}")
        return found

    def writable(self, attribute_id: int) -> bool:
        return self.attribute(attribute_id).writable and attribute_id not in self.decl.read_only

    def read(self, attribute_id: int, call: Call) -> Item:
        attribute = self.attribute(attribute_id)
        if attribute.dynamic:
            return self.read_dynamic(attribute_id, call)
        return clone(self.values[attribute_id])

    def read_dynamic(self, attribute_id: int, call: Call) -> Item:
        raise CosemError(OBJECT_UNAVAILABLE, f"attribute {attribute_id} has no value")

    def read_selected(self, attribute_id: int, selection: Selection, call: Call) -> Item:
        raise CosemError(OTHER_REASON,
                         f"selective access to {self.name} attribute {attribute_id} "
                         "is not supported")

    def check_type(self, attribute_id: int, value: Mapping[str, Any]) -> None:
        """Raise type-unmatched unless ``value`` conforms to one of the attribute's types."""
        templates = self.templates.get(attribute_id, ())
        if templates and not any(conforms(value, t) for t in templates):
            raise CosemError(TYPE_UNMATCHED,
                             f"{self.name} {self.obis} attribute {attribute_id} takes "
                             f"{templates[0].get('type')}, got {value.get('type')}")

    def write(self, attribute_id: int, value: Item, call: Call) -> None:
        """Store a (type-checked) value; classes override :meth:`write_dynamic` for
        computed attributes."""
        if self.attribute(attribute_id).dynamic:
            self.write_dynamic(attribute_id, value, call)
            return
        self.values[attribute_id] = clone(value)

    def write_dynamic(self, attribute_id: int, value: Item, call: Call) -> None:
        raise CosemError(READ_WRITE_DENIED, f"attribute {attribute_id} cannot be written")

    # -- activation ------------------------------------------------------------------------
    def activation_copies(self, attribute_id: int) -> list[tuple[str, int, str, int]]:
        """(source OBIS, attribute, target OBIS, attribute) copies made when activation
        attribute ``attribute_id`` falls due: the class's own passive → active pairs plus
        the links the declaration adds (``activates`` option)."""
        copies = [(self.obis, p, self.obis, a) for p, a in self.activations.get(attribute_id, ())]
        for link in self.option("activates", ()):
            if len(link) == 5:
                attr, src, src_attr, dst, dst_attr = link
                if attr != attribute_id:
                    continue
            else:
                src, src_attr, dst, dst_attr = link
            copies.append((src, src_attr, dst, dst_attr))
        return copies

    def is_activation(self, attribute_id: int) -> bool:
        return attribute_id in self.activations

    # -- methods ---------------------------------------------------------------------------
    def invoke(self, method_id: int, argument: Item, call: Call) -> Item | None:
        method = self.methods.get(method_id)
        if method is None:
            raise CosemError(OBJECT_UNDEFINED, f"{self.name} has no method {method_id}")
        handler: Callable[[Item, Call], Item | None] = getattr(self, method.handler)
        return handler(argument, call)

    def _unsupported(self, argument: Item, call: Call) -> Item | None:
        raise CosemError(OTHER_REASON, f"this {self.name} method is not supported")

    # -- state -----------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "class_id": self.class_id,
            "values": {str(a): clone(v) for a, v in sorted(self.values.items())},
        }
        if self.extra:
            out["extra"] = clone(self.extra)
        return out

    def restore(self, state: Mapping[str, Any]) -> None:
        if state.get("class_id") != self.class_id:
            raise ValueError(f"state of {self.obis} is for class {state.get('class_id')}")
        for key, value in state.get("values", {}).items():
            attribute_id = int(key)
            if attribute_id not in self.values:
                raise ValueError(f"state of {self.obis} has unknown attribute {key}")
            self.values[attribute_id] = clone(value)
        self.extra = clone(dict(state.get("extra", {})))


# ----------------------------------------------------------------------------
# Classes
# ----------------------------------------------------------------------------
class Data(CosemObject):
    """Data (class 1). Option ``source``: ``"utc_seconds"`` (value = device time as GBCS
    UTC seconds, double-long-unsigned) or ``"device_id"`` (value = the device's entity id
    as an 8-byte octet string); option ``compose``: (OBIS, attribute) pairs whose current
    values make up the value, a structure (register collections); else the stored value."""

    class_id = 1
    name = "Data"
    attributes = _attrs(A(2, "value"))

    def read(self, attribute_id: int, call: Call) -> Item:
        source = self.option("source")
        parts = self.option("compose")
        if attribute_id == 2 and parts:
            values = []
            for obis, part_attribute in parts:
                part = call.services.find(obis)
                if part is None:
                    raise CosemError(OBJECT_UNAVAILABLE, f"{self.obis}: no {obis}")
                values.append(part.read(part_attribute, call))
            return st(*values)
        if attribute_id == 2 and source == "utc_seconds":
            return dlu(call.now_s & 0xFFFFFFFF)
        if attribute_id == 2 and source == "device_id" and len(call.ctx.device) == 16:
            return octets(call.ctx.device)
        return super().read(attribute_id, call)


class Register(CosemObject):
    """Register (class 3): value and scaler_unit; method 1 reset."""

    class_id = 3
    name = "Register"
    attributes = _attrs(A(2, "value"), A(3, "scaler_unit"))
    methods = _methods(M(1, "reset", "reset"))
    defaults = MappingProxyType({2: dlu(0), 3: scaler_unit(0, 255)})

    def reset(self, argument: Item, call: Call) -> Item | None:
        self.values[2] = zero_like(self.values[2])
        call.note(f"register {self.obis} reset")
        return None


class ExtendedRegister(Register):
    """Extended Register (class 4): adds status and capture_time; reset also stamps the
    capture time."""

    class_id = 4
    name = "Extended Register"
    attributes = _attrs(A(2, "value"), A(3, "scaler_unit"), A(4, "status"),
                        A(5, "capture_time", writable=False))
    defaults = MappingProxyType({
        2: dlu(0), 3: scaler_unit(0, 255), 4: NULL,
        5: octets(datetime_octets(datetime(2000, 1, 1))),
    })

    def reset(self, argument: Item, call: Call) -> Item | None:
        super().reset(argument, call)
        self.values[5] = octets(datetime_octets(call.now))
        return None


class ProfileGeneric(CosemObject):
    """Profile Generic (class 7). The buffer lives in a :class:`ColumnarLog` (option
    ``log``: a :class:`LogSpec`); attribute 2 is served as a compact-array (GBCS form) or,
    with option ``buffer_form="array"``, as an array of structures. Selective access: range
    descriptor (selector 1; restricting object = the timestamp capture object or the clock
    time attribute; from/to as GBCS UTC seconds or DLMS date-times, both inclusive) and
    entry descriptor (selector 2)."""

    class_id = 7
    version = 1
    name = "Profile Generic"
    attributes = _attrs(
        A(2, "buffer", writable=False, dynamic=True),
        A(3, "capture_objects", writable=False),
        A(4, "capture_period"),
        A(5, "sort_method", writable=False),
        A(6, "sort_object", writable=False),
        A(7, "entries_in_use", writable=False, dynamic=True),
        A(8, "profile_entries", writable=False),
    )
    methods = _methods(M(1, "reset", "reset"), M(2, "capture", "capture"))
    defaults = MappingProxyType({5: enum(1), 6: capture_object(0, "0-0:0.0.0.0", 0, 0)})

    def setup(self) -> None:
        spec = self.option("log")
        if not isinstance(spec, LogSpec):
            raise ValueError(f"Profile Generic {self.obis} needs a 'log' option (LogSpec)")
        self.log = ColumnarLog(spec, self.seed)
        self.values[3] = self.log.capture_objects()
        self.values[8] = dlu(spec.capacity)
        if self.values[4] == NULL:
            self.values[4] = dlu(0 if spec.period == MONTHLY else int(spec.period))
        self.templates[4] = (dlu(0),)

    # -- reading ---------------------------------------------------------------------------
    def read_dynamic(self, attribute_id: int, call: Call) -> Item:
        self.log.sync(call.now_s)
        if attribute_id == 7:
            return dlu(len(self.log))
        return self.select(call)

    def read_selected(self, attribute_id: int, selection: Selection, call: Call) -> Item:
        if attribute_id != 2:
            return super().read_selected(attribute_id, selection, call)
        self.log.sync(call.now_s)
        if selection.selector == 1:
            return self._by_range(selection.parameters, call)
        if selection.selector == 2:
            return self._by_entry(selection.parameters, call)
        raise CosemError(OTHER_REASON, f"selector {selection.selector} is not supported")

    def _columns(self, selected: list[Any]) -> list[int] | None:
        if not selected:
            return None
        captures = [c.capture for c in self.log.spec.columns]
        chosen = []
        for item in selected:
            class_id, obis, attribute_id = _descriptor(item)
            match = [i for i, c in enumerate(captures) if c[:3] == (class_id, obis, attribute_id)]
            if not match:
                raise CosemError(OTHER_REASON, f"{obis} is not captured by {self.obis}")
            chosen.append(match[0])
        return chosen

    def _by_range(self, parameters: Item, call: Call) -> Item:
        members = _members(parameters)
        if len(members) not in (3, 4):
            raise CosemError(TYPE_UNMATCHED, "range_descriptor has 4 members")
        restricting = _descriptor(members[0])
        if restricting not in (self.log.spec.columns[0].capture[:3], CLOCK_TIME):
            raise CosemError(OTHER_REASON, "only the timestamp can restrict a range")
        try:
            from_s, to_s = seconds_of(members[1]), seconds_of(members[2])
        except DateTimeError as exc:
            raise CosemError(OTHER_REASON, f"range bound: {exc}") from None
        columns = self._columns(_elements(members[3]) if len(members) == 4 else [])
        return self.select(call, from_s=from_s, to_s=to_s, columns=columns)

    def _by_entry(self, parameters: Item, call: Call) -> Item:
        members = _members(parameters, 4)
        first, last, first_value, last_value = (_int(m) for m in members)
        width = len(self.log.spec.columns)
        last_value = last_value or width
        if not (first_value >= 1 and first_value <= last_value <= width):
            raise CosemError(OTHER_REASON, "selected value range outside the capture objects")
        count = len(self.log)
        last = min(last or count, count)
        indices = range(max(first, 1) - 1, max(first - 1, last))
        return self.buffer(indices, list(range(first_value - 1, last_value)), call)

    def select(self, call: Call, *, from_s: int | None = None, to_s: int | None = None,
               columns: list[int] | None = None) -> Item:
        """The buffer, or the entries with ``from_s <= timestamp <= to_s``."""
        if from_s is None or to_s is None:
            indices = range(len(self.log))
        else:
            indices = self.log.index_range(from_s, to_s)
        return self.buffer(indices, columns, call)

    def buffer(self, indices: range, columns: list[int] | None, call: Call) -> Item:
        if not len(self.log) and call.services.empty_log_result:
            raise CosemError(call.services.empty_log_result, f"log {self.obis} is empty")
        rows = self.log.rows(indices, columns)
        description = self.log.spec.description(columns)
        if self.option("buffer_form", "compact") == "array":
            return {"type": "array", "value": [_tag(description, row) for row in rows]}
        return {"type": "compact-array", "description": description, "value": rows}

    # -- methods ---------------------------------------------------------------------------
    def reset(self, argument: Item, call: Call) -> Item | None:
        self.log.sync(call.now_s)
        self.log.clear()
        call.note(f"log {self.obis} cleared")
        return None

    def capture(self, argument: Item, call: Call) -> Item | None:
        """Append an entry made of the current values of the capture objects."""
        self.log.sync(call.now_s)
        row: list[Any] = []
        for column in self.log.spec.columns[1:]:
            class_id, obis, attribute_id, _ = column.capture
            value = call.services.read_for(call, class_id, obis, attribute_id, None)
            raw = value.get("value")
            if column.kind == "array" or value.get("type") != column.type:
                raise CosemError(OTHER_REASON, f"cannot capture {obis} into {self.obis}")
            row.append(raw)
        try:
            self.log.append(call.now_s, row)
        except (OverflowError, TypeError, ValueError) as exc:
            raise CosemError(OTHER_REASON, f"capture failed: {exc}") from None
        call.note(f"log {self.obis}: entry captured")
        return None

    # -- state -----------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        out = super().state()
        out["log"] = self.log.state()
        return out

    def restore(self, state: Mapping[str, Any]) -> None:
        super().restore(state)
        if "log" in state:
            self.log.restore(state["log"])


def _tag(description: Mapping[str, Any], value: Any) -> Item:
    """A tagged item from an untagged compact-array value and its type description."""
    kind = description["type"]
    if kind == "structure":
        return {"type": "structure",
                "value": [_tag(m, v) for m, v in zip(description["members"], value, strict=True)]}
    if kind == "array":
        return {"type": "array", "value": [_tag(description["element"], v) for v in value]}
    if kind == "bit-string":
        return {"type": kind, "bits": value["bits"], "value": value["value"]}
    if kind == "null-data":
        return {"type": kind}
    return {"type": kind, "value": value}


class Clock(CosemObject):
    """Clock (class 8). The device time is the command's time plus an offset (``extra``);
    attribute 2 reads and writes it. Methods 4 adjust_to_preset_time and 5
    preset_adjusting_time (ECS70), 6 shift_time and the adjust_to_* roundings."""

    class_id = 8
    name = "Clock"
    attributes = _attrs(
        A(2, "time", dynamic=True), A(3, "time_zone"), A(4, "status", writable=False),
        A(5, "daylight_savings_begin"), A(6, "daylight_savings_end"),
        A(7, "daylight_savings_deviation"), A(8, "daylight_savings_enabled"),
        A(9, "clock_base"),
    )
    methods = _methods(
        M(1, "adjust_to_quarter", "adjust_to_quarter"),
        M(2, "adjust_to_measuring_period", "adjust_to_quarter"),
        M(3, "adjust_to_minute", "adjust_to_minute"),
        M(4, "adjust_to_preset_time", "adjust_to_preset_time"),
        M(5, "preset_adjusting_time", "preset_adjusting_time"),
        M(6, "shift_time", "shift_time"),
    )
    defaults = MappingProxyType({
        3: long(0), 4: unsigned(0), 5: octets("FFFF03FE0701000000800000"),
        6: octets("FFFF0AFE0702000000800080"), 7: integer(60), 8: boolean(False), 9: enum(1),
    })

    def setup(self) -> None:
        self.templates[2] = (octets("00" * 12),)

    @property
    def offset(self) -> int:
        return int(self.extra.get("offset", 0))

    def _set_device_time(self, target: datetime, call: Call) -> None:
        self.extra["offset"] = int((target - as_utc(call.ctx.now)).total_seconds())
        call.note(f"clock set to {target.isoformat()}")

    def read_dynamic(self, attribute_id: int, call: Call) -> Item:
        return octets(datetime_octets(call.now))

    def write_dynamic(self, attribute_id: int, value: Item, call: Call) -> None:
        self._set_device_time(_time(value), call)

    def adjust_to_quarter(self, argument: Item, call: Call) -> Item | None:
        return self._round(call, 900)

    def adjust_to_minute(self, argument: Item, call: Call) -> Item | None:
        return self._round(call, 60)

    def _round(self, call: Call, step: int) -> Item | None:
        now_s = call.now_s
        rounded = (now_s + step // 2) // step * step
        self._set_device_time(call.now + timedelta(seconds=rounded - now_s), call)
        return None

    def preset_adjusting_time(self, argument: Item, call: Call) -> Item | None:
        preset, start, end = (_octets(m) for m in _members(argument, 3))
        self.extra["preset"] = [preset, start, end]
        call.note("clock preset stored")
        return None

    def adjust_to_preset_time(self, argument: Item, call: Call) -> Item | None:
        preset = self.extra.get("preset")
        if not preset:
            raise CosemError(OTHER_REASON, "no preset adjusting time")
        now = call.now
        for bound, later in ((preset[1], False), (preset[2], True)):
            try:
                moment = datetime_from_octets(bound)
            except DateTimeError:
                continue  # unspecified validity bound
            if (now > moment) if later else (now < moment):
                raise CosemError(OTHER_REASON, "device time outside the validity interval")
        try:
            target = datetime_from_octets(preset[0])
        except DateTimeError:
            target = None  # unspecified preset time: the clock stays as it is
        if target is not None:
            self._set_device_time(target, call)
        self.extra.pop("preset", None)
        return None

    def shift_time(self, argument: Item, call: Call) -> Item | None:
        self._set_device_time(call.now + timedelta(seconds=_int(argument)), call)
        return None


class ScriptTable(CosemObject):
    """Script Table (class 9): scripts = array of {script_identifier, actions}, each action
    {service_id (1 write attribute, 2 execute method), class_id, logical_name, index,
    parameter}. Method 1 execute runs the actions inside the device (no role checks).
    Option ``open_scripts``: identifiers not in the table are accepted and only recorded
    (for tables whose script numbering the sources do not give)."""

    class_id = 9
    name = "Script Table"
    attributes = _attrs(A(2, "scripts"))
    methods = _methods(M(1, "execute", "execute"))
    defaults = MappingProxyType({2: arr()})

    def execute(self, argument: Item, call: Call) -> Item | None:
        script_id = _int(argument)
        for script in _elements(self.values[2]):
            members = _members(script, 2)
            if _int(members[0]) != script_id:
                continue
            for action in _elements(members[1]):
                service, class_id, logical_name, index, parameter = _members(action, 5)
                obis = obis_text(_octets(logical_name))
                if _int(service) == 1:
                    call.services.write_internal(call, _int(class_id), obis, _int(index),
                                                 parameter)
                else:
                    call.services.invoke_internal(call, _int(class_id), obis, _int(index),
                                                  parameter)
            break
        else:
            if not self.option("open_scripts", False):
                raise CosemError(OTHER_REASON, f"script {script_id} not in {self.obis}")
        self.extra["last_executed"] = script_id
        call.note(f"script {script_id} of {self.obis} executed")
        return None


def script(script_id: int, *actions: Item) -> Item:
    """A script of a Script Table (profile-table helper)."""
    return st(lu(script_id), arr(*actions))


def script_action(service: int, class_id: int, obis: str, index: int,
                  parameter: Item = NULL) -> Item:
    """A script action (1 write attribute, 2 execute method)."""
    return st(enum(service), lu(class_id), octets(obis_octets(obis)), integer(index), parameter)


class _Entries(CosemObject):
    """Tables of entries keyed by their first member (Schedule, Special Days Table)."""

    def _template(self) -> Item | None:
        templates = self.templates.get(2, ())
        model = templates[0].get("value") if templates else None
        return model[0] if model else None

    def _insert(self, entry: Item, call: Call) -> None:
        template = self._template()
        if template is not None and not conforms(entry, template):
            raise CosemError(TYPE_UNMATCHED, "entry does not match the table's entries")
        index = _int(_members(entry)[0])
        entries = [e for e in _elements(self.values[2]) if _int(_members(e)[0]) != index]
        entries.append(clone(entry))
        entries.sort(key=lambda e: _int(_members(e)[0]))
        self.values[2] = {"type": "array", "value": entries}
        call.note(f"{self.obis}: entry {index} inserted")

    def _delete(self, first: int, last: int, call: Call) -> None:
        entries = _elements(self.values[2])
        kept = [e for e in entries if not first <= _int(_members(e)[0]) <= last]
        self.values[2] = {"type": "array", "value": kept}
        call.note(f"{self.obis}: {len(entries) - len(kept)} entries deleted")


class Schedule(_Entries):
    """Schedule (class 10): entries; methods 1 enable_disable, 2 insert, 3 delete."""

    class_id = 10
    name = "Schedule"
    attributes = _attrs(A(2, "entries"))
    methods = _methods(M(1, "enable_disable", "enable_disable"), M(2, "insert", "insert"),
                       M(3, "delete", "delete"))
    defaults = MappingProxyType({2: arr()})

    def enable_disable(self, argument: Item, call: Call) -> Item | None:
        """{firstIndex, lastIndex} of the entries to disable, then of those to enable."""
        off_first, off_last, on_first, on_last = (_int(m) for m in _members(argument, 4))
        self.values[2] = clone(self.values[2])
        for entry in _elements(self.values[2]):
            members = _members(entry)
            index = _int(members[0])
            if len(members) > 1 and members[1].get("type") == "boolean":
                if off_first <= index <= off_last:
                    members[1] = boolean(False)
                if on_first <= index <= on_last:
                    members[1] = boolean(True)
        call.note(f"{self.obis}: entries enabled/disabled")
        return None

    def insert(self, argument: Item, call: Call) -> Item | None:
        self._insert(argument, call)
        return None

    def delete(self, argument: Item, call: Call) -> Item | None:
        first, last = (_int(m) for m in _members(argument, 2))
        self._delete(first, last, call)
        return None


class SpecialDaysTable(_Entries):
    """Special Days Table (class 11): entries {index, date, day_id}; methods 1 insert,
    2 delete."""

    class_id = 11
    name = "Special Days Table"
    attributes = _attrs(A(2, "entries"))
    methods = _methods(M(1, "insert", "insert"), M(2, "delete", "delete"))
    defaults = MappingProxyType({2: arr()})

    def insert(self, argument: Item, call: Call) -> Item | None:
        self._insert(argument, call)
        return None

    def delete(self, argument: Item, call: Call) -> Item | None:
        index = _int(argument)
        self._delete(index, index, call)
        return None


class ActivityCalendar(CosemObject):
    """Activity Calendar (class 20): active 2-5, passive 6-9; setting 10
    activate_passive_calendar_time activates the passive calendar (now, at that time, or
    never); method 1 activates it at once."""

    class_id = 20
    name = "Activity Calendar"
    attributes = _attrs(
        A(2, "calendar_name_active", writable=False), A(3, "season_profile_active",
                                                          writable=False),
        A(4, "week_profile_table_active", writable=False),
        A(5, "day_profile_table_active", writable=False),
        A(6, "calendar_name_passive"), A(7, "season_profile_passive"),
        A(8, "week_profile_table_passive"), A(9, "day_profile_table_passive"),
        A(10, "activate_passive_calendar_time"),
    )
    methods = _methods(M(1, "activate_passive_calendar", "activate_passive_calendar"))
    activations = MappingProxyType({10: ((6, 2), (7, 3), (8, 4), (9, 5))})
    defaults = MappingProxyType({
        2: octets(), 3: arr(), 4: arr(), 5: arr(), 6: octets(), 7: arr(), 8: arr(), 9: arr(),
        10: octets(NULL_DATE_TIME),
    })

    def activate_passive_calendar(self, argument: Item, call: Call) -> Item | None:
        for passive, active in self.activations[10]:
            self.values[active] = clone(self.values[passive])
        call.note(f"calendar {self.obis} activated")
        return None


class RegisterMonitor(CosemObject):
    """Register Monitor (class 21): thresholds, monitored_value, actions."""

    class_id = 21
    name = "Register Monitor"
    attributes = _attrs(A(2, "thresholds"), A(3, "monitored_value"), A(4, "actions"))
    defaults = MappingProxyType({
        2: arr(), 3: st(lu(0), octets("000000000000"), integer(0)), 4: arr(),
    })


class SingleActionSchedule(CosemObject):
    """Single Action Schedule (class 22): executed_script, type, execution_time."""

    class_id = 22
    name = "Single Action Schedule"
    attributes = _attrs(A(2, "executed_script"), A(3, "type"), A(4, "execution_time"))
    defaults = MappingProxyType({2: st(octets("000000000000"), lu(0)), 3: enum(1), 4: arr()})


class DataProtection(CosemObject):
    """Data Protection (class 30). Method 1 get_protected_attributes (ECS17b/d/e, ECS19,
    ECS20b/c, ECS21a/b, ECS22b, ECS66): the argument is structure{object list (array of
    {class_id, logical_name, attribute_index, data_index, restriction}), protection
    parameters}; the listed attributes are read (an empty list reads attribute 3,
    protection_object_list), encoded as a structure of their values, encrypted with the
    command context's encryptor and returned in the §2.2 "get-protected-attributes
    response" form. Restriction: {enum 0 none | 1 date range {from, to} | 2 entry range
    {from, to}, value}."""

    class_id = 30
    name = "Data Protection"
    attributes = _attrs(A(2, "protection_buffer", writable=False),
                        A(3, "protection_object_list"), A(4, "protection_parameters_get"),
                        A(5, "protection_parameters_set"), A(6, "required_protection"))
    methods = _methods(M(1, "get_protected_attributes", "get_protected_attributes"),
                       M(2, "set_protected_attributes", "_unsupported"),
                       M(3, "invoke_protected_method", "_unsupported"))
    defaults = MappingProxyType({2: octets(), 3: arr(), 4: arr(), 5: arr(), 6: enum(2)})

    def get_protected_attributes(self, argument: Item, call: Call) -> Item | None:
        object_list, parameters = _members(argument, 2)
        entries = _elements(object_list) or _elements(self.values[3])
        values = [self._read_entry(entry, call) for entry in entries]
        plaintext = encode_data(st(*values))
        encrypt = call.ctx.encrypt
        if encrypt is None:
            call.note(f"{self.obis}: no encryptor for the protected response, answered 250")
            raise CosemError(OTHER_REASON, "protected data needs an encryptor")
        ciphertext, tag = encrypt(plaintext)
        self.values[2] = octets()
        call.note(f"{self.obis}: {len(values)} protected attribute(s) returned "
                  f"({len(plaintext)} bytes plaintext)")
        sealed = PROTECTED_PREFIX + ciphertext.hex().upper() + tag.hex().upper()
        return st(self._parameters(parameters, call), octets(sealed))

    def _read_entry(self, entry: Item, call: Call) -> Item:
        members = _members(entry)
        class_id, obis, attribute_id = _descriptor(entry)
        selection = None
        if len(members) >= 5 and members[4].get("type") == "structure":
            selection = _restriction(members[4])
        return call.services.read_for(call, class_id, obis, attribute_id, selection)

    def _parameters(self, requested: Item, call: Call) -> Item:
        """Protection parameters of the response: the request's protection type and key
        information, transaction id 04 ‖ counter, originator = device, recipient =
        requester (§2.2)."""
        protection_type: Item = enum(2)
        key_info: Item = st(enum(2), st(octets("02"), octets()))
        requested_params = requested.get("value") if requested.get("type") == "array" else None
        if requested_params and isinstance(requested_params[0], Mapping):
            first = requested_params[0].get("value")
            if isinstance(first, list) and len(first) == 2:
                protection_type = clone(first[0])
                options = first[1].get("value") if isinstance(first[1], Mapping) else None
                if isinstance(options, list) and len(options) == 5:
                    key_info = clone(options[4])
        device = call.ctx.device or _device_id(call)
        for party in (device, call.ctx.encryption_recipient):
            if len(party) != 16 or not _is_hex(party):
                raise CosemError(OTHER_REASON, f"entity id {party!r} is not 8 bytes of hex")
        transaction = PROTECTED_CRA + f"{call.ctx.encryption_counter & (2**64 - 1):016X}"
        options_item = st(octets(transaction), octets(device),
                          octets(call.ctx.encryption_recipient),
                          octets(), key_info)
        return arr(st(protection_type, options_item))


def _restriction(item: Item) -> Selection | None:
    kind, value = _members(item, 2)
    restriction = _int(kind)
    if restriction == 0:
        return None
    bounds = _members(value, 2)
    if restriction == 1:
        return Selection(1, st(capture_object(*CLOCK_TIME), bounds[0], bounds[1], arr()))
    if restriction == 2:
        return Selection(2, st(dlu(_int(bounds[0])), dlu(_int(bounds[1])), lu(1), lu(0)))
    raise CosemError(OTHER_REASON, f"restriction type {restriction} is not supported")


def _is_hex(text: str) -> bool:
    try:
        bytes.fromhex(text)
    except ValueError:
        return False
    return True


def _device_id(call: Call) -> str:
    """The device's entity id from its Data object 0-0:96.1.1.255 (when the context has
    none)."""
    found = call.services.find("0-0:96.1.1.255")
    if found is not None:
        value = found.values.get(2, {}).get("value")
        if isinstance(value, str):
            return value
    return ""


class DisconnectControl(CosemObject):
    """Disconnect Control (class 70): output_state, control_state (0 disconnected,
    1 connected, 2 ready for reconnection), control_mode; methods 1 remote_disconnect,
    2 remote_reconnect."""

    class_id = 70
    name = "Disconnect Control"
    attributes = _attrs(A(2, "output_state", writable=False),
                        A(3, "control_state", writable=False), A(4, "control_mode"))
    methods = _methods(M(1, "remote_disconnect", "remote_disconnect"),
                       M(2, "remote_reconnect", "remote_reconnect"))
    defaults = MappingProxyType({2: boolean(True), 3: enum(CONNECTED), 4: enum(0)})

    def remote_disconnect(self, argument: Item, call: Call) -> Item | None:
        self.values[2] = boolean(False)
        self.values[3] = enum(DISCONNECTED)
        call.note(f"switch {self.obis} opened")
        return None

    def remote_reconnect(self, argument: Item, call: Call) -> Item | None:
        self.values[2] = boolean(True)
        self.values[3] = enum(CONNECTED)
        call.note(f"switch {self.obis} closed")
        return None


class Limiter(CosemObject):
    """Limiter (class 71)."""

    class_id = 71
    name = "Limiter"
    attributes = _attrs(
        A(2, "monitored_value"), A(3, "threshold_active", writable=False),
        A(4, "threshold_normal"), A(5, "threshold_emergency"),
        A(6, "min_over_threshold_duration"), A(7, "min_under_threshold_duration"),
        A(8, "emergency_profile"), A(9, "emergency_profile_group_id_list"),
        A(10, "emergency_profile_active", writable=False), A(11, "actions"),
    )
    defaults = MappingProxyType({
        2: st(lu(0), octets("000000000000"), integer(0)), 3: dlu(0), 4: dlu(0), 5: dlu(0),
        6: dlu(0), 7: dlu(0), 8: st(lu(0), octets(NULL_DATE_TIME), dlu(0)), 9: arr(),
        10: boolean(False), 11: st(st(octets("000000000000"), lu(0)),
                                  st(octets("000000000000"), lu(0))),
    })


class ZigBeeNetworkControl(CosemObject):
    """ZigBee Network Control (class 104), the Comms Hub device logs (CCS01-CCS07).

    The registered devices and their keys are internal state (``extra["devices"]``: list
    of [EUI-64, key] hex pairs; initial list from option ``devices``); attribute 4
    active_devices holds one 14-member active_device entry per device. Methods 1
    register_device, 2 unregister_device, 3 unregister_all_devices, 4 backup_PAN
    (returns {date-time, extended PAN id, array of {EUI-64, key}}), 5 restore_PAN."""

    class_id = 104
    name = "ZigBee Network Control"
    attributes = _attrs(A(2, "enable_disable_joining"), A(3, "join_timeout"),
                        A(4, "active_devices", writable=False))
    methods = _methods(
        M(1, "register_device", "register_device"),
        M(2, "unregister_device", "unregister_device"),
        M(3, "unregister_all_devices", "unregister_all_devices"),
        M(4, "backup_pan", "backup_pan"), M(5, "restore_pan", "restore_pan"),
        M(6, "identify_device", "_unsupported"), M(7, "remove_mirror", "_unsupported"),
        M(8, "update_network_key", "_unsupported"), M(9, "update_link_key", "_unsupported"),
        M(10, "create_pan", "_unsupported"), M(11, "remove_pan", "_unsupported"),
    )
    defaults = MappingProxyType({2: boolean(False), 3: lu(0), 4: arr()})

    def setup(self) -> None:
        self.extra["devices"] = [[eui.upper(), key.upper()]
                                 for eui, key in self.option("devices", ())]

    def _devices(self) -> list[list[str]]:
        devices: list[list[str]] = self.extra.setdefault("devices", [])
        return devices

    def _active_entry(self, eui: str, call: Call) -> Item:
        return st(octets(eui), bits(8, "00"), integer(0), integer(0), integer(0), unsigned(0),
                  unsigned(0), unsigned(0), octets(datetime_octets(call.now)), unsigned(1),
                  unsigned(0), unsigned(0), unsigned(1), unsigned(1))

    def _sync_active(self, call: Call) -> None:
        euis = [eui for eui, _ in self._devices()]
        by_eui = {}
        for entry in _elements(self.values[4]):
            members = entry.get("value") or []
            if members and isinstance(members[0].get("value"), str):
                by_eui[members[0]["value"].upper()] = entry
        self.values[4] = {"type": "array",
                          "value": [by_eui.get(eui) or self._active_entry(eui, call)
                                    for eui in euis]}

    @staticmethod
    def _device_args(argument: Item) -> list[tuple[str, str]]:
        """EUI-64 (+ key) pairs from an octet string, a structure {EUI, key} or an array of
        either."""
        items = argument.get("value") if argument.get("type") == "array" else [argument]
        found = []
        for item in items or []:
            if item.get("type") == "structure":
                members = _members(item)
                eui = _octets(members[0])
                key = _octets(members[1]) if len(members) > 1 else ""
            else:
                eui, key = _octets(item), ""
            if len(eui) != 16:
                raise CosemError(OTHER_REASON, f"device id {eui} is not an EUI-64")
            found.append((eui.upper(), key.upper()))
        return found

    def register_device(self, argument: Item, call: Call) -> Item | None:
        devices = self._devices()
        for eui, key in self._device_args(argument):
            devices[:] = [d for d in devices if d[0] != eui]
            devices.append([eui, key])
            call.note(f"{self.obis}: device {eui} added")
        self._sync_active(call)
        return None

    def unregister_device(self, argument: Item, call: Call) -> Item | None:
        devices = self._devices()
        for eui, _ in self._device_args(argument):
            if not any(d[0] == eui for d in devices):
                raise CosemError(OTHER_REASON, f"device {eui} is not in the device log")
            devices[:] = [d for d in devices if d[0] != eui]
            call.note(f"{self.obis}: device {eui} removed")
        self._sync_active(call)
        return None

    def unregister_all_devices(self, argument: Item, call: Call) -> Item | None:
        self._devices().clear()
        self._sync_active(call)
        call.note(f"{self.obis}: all devices removed")
        return None

    def backup_pan(self, argument: Item, call: Call) -> Item | None:
        pan = self.extra.get("pan") or self.option("extended_pan_id", "0000000000000000")
        return st(octets(datetime_octets(call.now)), octets(pan),
                  arr(*(st(octets(eui), octets(key)) for eui, key in self._devices())))

    def restore_pan(self, argument: Item, call: Call) -> Item | None:
        pan, devices = _members(argument, 2)
        restored = [[eui, key] for eui, key in self._device_args(devices)]
        self.extra["pan"] = _octets(pan)
        self.extra["devices"] = restored
        self._sync_active(call)
        call.note(f"{self.obis}: PAN restored with {len(restored)} devices")
        return None


class Account(CosemObject):
    """Account (class 111). GBCS keeps a passive account (B = 1) whose attribute 13
    account_activation_time copies it into the active one (links declared by the profile,
    option ``activates``). Methods 1 activate_account, 2 close_account, 3 reset_account."""

    class_id = 111
    name = "Account"
    attributes = _attrs(
        A(2, "account_mode_and_status"), A(3, "current_credit_in_use", writable=False),
        A(4, "current_credit_status", writable=False), A(5, "available_credit",
                                                          writable=False),
        A(6, "amount_to_clear", writable=False), A(7, "clearance_threshold"),
        A(8, "aggregated_debt", writable=False), A(9, "credit_reference_list"),
        A(10, "charge_reference_list"), A(11, "credit_charge_configuration"),
        A(12, "token_gateway_configuration"), A(13, "account_activation_time"),
        A(14, "account_closure_time"), A(15, "currency"), A(16, "low_credit_threshold"),
        A(17, "next_credit_available_threshold"), A(18, "max_provision"),
        A(19, "max_provision_period"),
    )
    methods = _methods(M(1, "activate_account", "activate_account"),
                       M(2, "close_account", "close_account"),
                       M(3, "reset_account", "reset_account"))
    activations = MappingProxyType({13: ()})
    defaults = MappingProxyType({
        2: st(enum(2), enum(2)), 3: unsigned(0), 4: bits(8), 5: dl(0), 6: dl(0), 7: dl(0),
        8: dl(0), 9: arr(), 10: arr(), 11: arr(), 12: arr(), 13: octets(NULL_DATE_TIME),
        14: octets(NULL_DATE_TIME), 15: st(octets(), integer(-5), enum(0)), 16: dl(0),
        17: dl(0), 18: lu(0), 19: dl(0),
    })

    def _status(self, status: int, call: Call) -> None:
        mode = _members(self.values[2], 2)[0]
        self.values[2] = st(mode, enum(status))
        call.note(f"account {self.obis} status {status}")

    def activate_account(self, argument: Item, call: Call) -> Item | None:
        self._status(2, call)
        return None

    def close_account(self, argument: Item, call: Call) -> Item | None:
        self._status(3, call)
        self.values[14] = octets(datetime_octets(call.now))
        return None

    def reset_account(self, argument: Item, call: Call) -> Item | None:
        for attribute_id in (5, 6, 8):
            self.values[attribute_id] = dl(0)
        call.note(f"account {self.obis} reset")
        return None


class Credit(CosemObject):
    """Credit (class 112): methods 1 update_amount (add), 2 set_amount_to_value, 3
    invoke_credit (only when the credit is selectable; adds the preset amount and puts it in
    use)."""

    class_id = 112
    name = "Credit"
    attributes = _attrs(
        A(2, "current_credit_amount", writable=False), A(3, "type"), A(4, "priority"),
        A(5, "warning_threshold"), A(6, "limit"), A(7, "credit_configuration"),
        A(8, "status", writable=False), A(9, "preset_credit_amount"),
        A(10, "credit_available_threshold"), A(11, "period"),
    )
    methods = _methods(M(1, "update_amount", "update_amount"),
                       M(2, "set_amount_to_value", "set_amount_to_value"),
                       M(3, "invoke_credit", "invoke_credit"))
    defaults = MappingProxyType({
        2: dl(0), 3: enum(0), 4: unsigned(1), 5: dl(0), 6: dl(0), 7: bits(5), 8: enum(0),
        9: dl(0), 10: dl(0), 11: octets(NULL_DATE_TIME),
    })

    @property
    def amount(self) -> int:
        return int(self.values[2].get("value", 0))

    def set_amount(self, amount: int, call: Call) -> None:
        if not -(2**31) <= amount < 2**31:
            raise CosemError(OTHER_REASON, f"credit amount {amount} out of range")
        self.values[2] = {"type": self.values[2].get("type", "double-long"), "value": amount}
        call.note(f"credit {self.obis} = {amount}")

    def update_amount(self, argument: Item, call: Call) -> Item | None:
        self.set_amount(self.amount + _int(argument), call)
        return None

    def set_amount_to_value(self, argument: Item, call: Call) -> Item | None:
        self.set_amount(_int(argument), call)
        return None

    def invoke_credit(self, argument: Item, call: Call) -> Item | None:
        _int(argument)
        if _int(self.values[8]) != CREDIT_SELECTABLE:
            raise CosemError(OTHER_REASON, f"credit {self.obis} is not selectable")
        self.set_amount(self.amount + _int(self.values[9]), call)
        self.values[8] = enum(CREDIT_IN_USE)
        return None


class Charge(CosemObject):
    """Charge (class 113): unit_charge_passive (6) becomes active (5) at
    unit_charge_activation_time (7); methods 1 update_unit_charge (new passive unit
    charge), 2 activate_passive_unit_charge, 3 collect, 4 update_total_amount_remaining
    (add), 5 set_total_amount_remaining."""

    class_id = 113
    name = "Charge"
    attributes = _attrs(
        A(2, "total_amount_paid", writable=False), A(3, "charge_type"), A(4, "priority"),
        A(5, "unit_charge_active", writable=False), A(6, "unit_charge_passive"),
        A(7, "unit_charge_activation_time"), A(8, "period"), A(9, "charge_configuration"),
        A(10, "last_collection_time", writable=False),
        A(11, "last_collection_amount", writable=False),
        A(12, "total_amount_remaining", writable=False), A(13, "proportion"),
    )
    methods = _methods(
        M(1, "update_unit_charge", "update_unit_charge"),
        M(2, "activate_passive_unit_charge", "activate_passive_unit_charge"),
        M(3, "collect", "collect"),
        M(4, "update_total_amount_remaining", "update_total_amount_remaining"),
        M(5, "set_total_amount_remaining", "set_total_amount_remaining"),
    )
    activations = MappingProxyType({7: ((6, 5),)})
    defaults = MappingProxyType({
        2: dl(0), 3: enum(0), 4: unsigned(1),
        5: st(st(integer(0), integer(0)), st(lu(0), octets("000000000000"), integer(0)), arr()),
        6: st(st(integer(0), integer(0)), st(lu(0), octets("000000000000"), integer(0)), arr()),
        7: octets(NULL_DATE_TIME), 8: dlu(0), 9: bits(2), 10: octets(NULL_DATE_TIME),
        11: dl(0), 12: dl(0), 13: lu(0),
    })

    def update_unit_charge(self, argument: Item, call: Call) -> Item | None:
        self.check_type(6, argument)
        self.values[6] = clone(argument)
        call.note(f"charge {self.obis}: passive unit charge updated")
        return None

    def activate_passive_unit_charge(self, argument: Item, call: Call) -> Item | None:
        self.values[5] = clone(self.values[6])
        call.note(f"charge {self.obis}: passive unit charge activated")
        return None

    def collect(self, argument: Item, call: Call) -> Item | None:
        self.values[10] = octets(datetime_octets(call.now))
        call.note(f"charge {self.obis} collected")
        return None

    def _remaining(self, amount: int, call: Call) -> None:
        if not -(2**31) <= amount < 2**31:
            raise CosemError(OTHER_REASON, f"amount {amount} out of range")
        self.values[12] = {"type": self.values[12].get("type", "double-long"), "value": amount}
        call.note(f"charge {self.obis}: total amount remaining {amount}")

    def update_total_amount_remaining(self, argument: Item, call: Call) -> Item | None:
        self._remaining(int(self.values[12].get("value", 0)) + _int(argument), call)
        return None

    def set_total_amount_remaining(self, argument: Item, call: Call) -> Item | None:
        self._remaining(_int(argument), call)
        return None


class TokenGateway(CosemObject):
    """Token Gateway (class 115), CS01a top-ups (gbcs-protocol.md §2.5). Method 1 enter
    takes the 20 ASCII digits of a UTRN; the server's UTRN validator (or, without one, the
    check digit) decides; an accepted token credits the Credit object named by option
    ``credit`` (default 0-0:19.10.0.255, meter balance) with the token value × the
    profile's money per penny, unless that exceeds the value of option ``max_balance``
    (a GBCS Extended Data object). A token is accepted once."""

    class_id = 115
    name = "Token Gateway"
    attributes = _attrs(
        A(2, "token", writable=False), A(3, "token_time", writable=False),
        A(4, "token_description", writable=False), A(5, "token_delivery_method",
                                                      writable=False),
        A(6, "token_status", writable=False),
    )
    methods = _methods(M(1, "enter", "enter"))
    defaults = MappingProxyType({2: octets(), 3: octets(NULL_DATE_TIME), 4: arr(), 5: enum(0),
                6: st(enum(0), bits(8))})

    def _status(self, code: int) -> None:
        self.values[6] = st(enum(code), bits(8))

    def enter(self, argument: Item, call: Call) -> Item | None:
        raw = _octets(argument)
        self.values[2] = octets(raw)
        self.values[3] = octets(datetime_octets(call.now))
        try:
            token = bytes.fromhex(raw).decode("ascii")
            utrn = decode_utrn(token)
        except (ValueError, GfiError) as exc:
            self._status(TOKEN_FORMAT_FAILURE)
            call.note(f"token rejected: {exc}")
            raise CosemError(OTHER_REASON, f"not a UTRN: {exc}") from None
        verdict = call.services.validate_utrn(token, call.ctx)
        accepted = utrn.check_digit_ok if verdict is None else verdict
        if not accepted:
            self._status(TOKEN_AUTHENTICATION_FAILURE)
            call.note(f"UTRN {token} rejected")
            raise CosemError(OTHER_REASON, "UTRN rejected")
        used: list[str] = self.extra.setdefault("accepted", [])
        if token in used:
            self._status(TOKEN_VALIDATION_FAILURE)
            call.note(f"UTRN {token} already used")
            raise CosemError(OTHER_REASON, "UTRN already used")
        pennies = utrn.value * (100 if utrn.value_class == 1 else 1)
        amount = pennies * call.services.money_per_penny
        credit = call.services.find(self.option("credit", "0-0:19.10.0.255"))
        if not isinstance(credit, Credit):
            raise CosemError(OTHER_REASON, "no meter balance to credit")
        new_balance = credit.amount + amount
        limit_obj = call.services.find(self.option("max_balance", ""))
        limit = limit_obj.values.get(2, {}).get("value") if limit_obj is not None else None
        if isinstance(limit, int) and not isinstance(limit, bool) and new_balance > limit:
            self._status(TOKEN_VALIDATION_FAILURE)
            call.note(f"UTRN {token} would exceed the maximum meter balance")
            raise CosemError(OTHER_REASON, "maximum meter balance exceeded")
        credit.set_amount(new_balance, call)
        used.append(token)
        self._status(TOKEN_EXECUTION_OK)
        call.note(f"UTRN {token} accepted: {utrn.amount_text} credited")
        return None


class GbcsExtendedData(CosemObject):
    """GBCS Extended Data (class 9000, GBCS-specific): value/scaler_unit active (2, 3) and
    passive (4, 5); setting 6 activate_passive_value_time activates the passive pair (and
    whatever the declaration links to it, e.g. a passive special days table)."""

    class_id = 9000
    name = "GBCS Extended Data"
    attributes = _attrs(A(2, "value_active"), A(3, "scaler_unit_active"),
                        A(4, "value_passive"), A(5, "scaler_unit_passive"),
                        A(6, "activate_passive_value_time"))
    activations = MappingProxyType({6: ((4, 2), (5, 3))})
    defaults = MappingProxyType({2: NULL, 3: scaler_unit(0, 255), 4: NULL, 5: scaler_unit(0, 255),
                6: octets(NULL_DATE_TIME)})

    def write(self, attribute_id: int, value: Item, call: Call) -> None:
        """A value written straight to the active pair is also the passive one, so that an
        activation set in the same command (RTDS ECS08 sets 94.44.2.20 attributes 2 and 6)
        keeps it rather than bringing back an older passive value."""
        super().write(attribute_id, value, call)
        if attribute_id in (2, 3):
            self.values[attribute_id + 2] = clone(value)


#: class id → implementation.
CLASSES: Final[Mapping[int, type[CosemObject]]] = {
    cls.class_id: cls
    for cls in (Data, Register, ExtendedRegister, ProfileGeneric, Clock, ScriptTable,
                Schedule, SpecialDaysTable, ActivityCalendar, RegisterMonitor,
                SingleActionSchedule, DataProtection, DisconnectControl, Limiter,
                ZigBeeNetworkControl, Account, Credit, Charge, TokenGateway, GbcsExtendedData)
}

__all__ = [
    "CLASSES", "Account", "ActivityCalendar", "AttributeDef", "Call", "Charge", "Clock",
    "CosemError", "CosemObject", "Credit", "Data", "DataProtection", "DisconnectControl",
    "ExtendedRegister", "GbcsExtendedData", "Limiter", "MethodDef", "ProfileGeneric",
    "Register", "RegisterMonitor", "Schedule", "ScriptTable", "Selection", "Services",
    "SingleActionSchedule", "SpecialDaysTable", "TokenGateway", "ZigBeeNetworkControl",
    "is_item", "script", "script_action",
]
