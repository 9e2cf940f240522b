# SPDX-License-Identifier: GPL-3.0-or-later
"""Sans-I/O COSEM server: the application model of an emulated ESME and of the DLMS side of
the Comms Hub Function (gbcs-protocol.md §2.2, Appendix A).

Theory of operation
-------------------
:meth:`CosemServer.handle` takes a decoded DLMS access-request tree (as
:func:`gfi.codecs.dlms.decode_dlms_payload` returns it) and a
:class:`~gfi.emulators.model.HandleContext`, and answers an access-response tree that
:func:`gfi.codecs.dlms.encode_dlms_payload` encodes: the invoke-id echoed, an empty date-time
and, per request specification, one data item and one result, in order.

* get / get-with-selection: the attribute value (null-data and a data-access-result on
  failure); Profile Generic buffers honour range and entry descriptors;
* set: the value must have the attribute's data type (DLMS Blue Book), else 12 type
  unmatched; activation date-time attributes (Activity Calendar 10, Charge 7, Account 13,
  GBCS Extended Data 6) activate the passive values now (9×00 ‖ 80 00 FF), schedule them
  (a real date-time: :meth:`tick` runs them later and reports a
  :class:`~gfi.emulators.model.FutureDatedExecution` for alert 0x00CC), or cancel
  (9×FF ‖ 80 00 FF);
* action: the method runs; Data Protection method 1 answers the §2.2 protected form.

Errors never escape: an unknown object is 4, a role or read-only problem 3, a class
mismatch 9, anything else 250 (logged). After the first failed specification the rest are
answered 250 without being executed, as every RTDS ERROR response shows (profile switch
``abort_on_failure``). Nothing here reads a clock or draws unseeded random numbers: time
comes from ``ctx.now`` / :meth:`tick`'s argument, shifted by the emulated Clock object.

:meth:`CosemServer.state` is a complete JSON-native snapshot (every attribute value, the
logs, pending activations, undelivered executions, injected faults);
``CosemServer(profile, state=…)`` restores it exactly.
"""

from __future__ import annotations

# ----------------------------------------------------------------------------
# Imports
# ----------------------------------------------------------------------------
import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, TypeGuard

from gfi.codecs.dlms import dlms_invoke_id
from gfi.codecs.gbcs.catalogue import DATA_ACCESS_RESULTS
from gfi.emulators.cosem.classes import (
    CLASSES,
    OBJECT_CLASS_INCONSISTENT,
    OBJECT_UNDEFINED,
    OTHER_REASON,
    READ_WRITE_DENIED,
    TYPE_UNMATCHED,
    Call,
    Clock,
    CosemError,
    CosemObject,
    Selection,
)
from gfi.emulators.cosem.profile import Profile, valid_obis
from gfi.emulators.cosem.values import (
    NULL,
    DateTimeError,
    Item,
    as_utc,
    clone,
    datetime_from_octets,
    from_gbcs_seconds,
    gbcs_seconds,
    is_item,
    is_never,
    is_now,
)
from gfi.emulators.model import FutureDatedExecution, HandleContext, HandleResult

# ----------------------------------------------------------------------------
# Logging
# ----------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
#: Version tag of :meth:`CosemServer.state`.
STATE_FORMAT: Final = "gfi.emulators.cosem/1"

#: Request choice → response choice (get-with-selection is answered as a get, §2.2).
_RESPONSE_CHOICE: Final[Mapping[str, str]] = {
    "get": "get", "get-with-selection": "get", "set": "set", "action": "action",
}

#: Choice → the kind used by the role table and the fault table.
_KIND: Final[Mapping[str, str]] = {
    "get": "get", "get-with-selection": "get", "set": "set", "action": "action",
}

#: Decides whether a UTRN (20 digits) may be applied (CS01a).
UtrnValidator = Callable[[str, HandleContext], bool]


# ----------------------------------------------------------------------------
# Pending activations
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class PendingActivation:
    """A future-dated activation: which activation attribute, when (GBCS UTC seconds, device
    time) and the command that scheduled it."""

    class_id: int
    obis: str
    attribute_id: int
    when: int
    message_code: int
    counter: int
    requester: str

    @property
    def due(self) -> datetime:
        return from_gbcs_seconds(self.when)


def _execution_state(execution: FutureDatedExecution) -> dict[str, Any]:
    out = asdict(execution)
    out["executed_at"] = execution.executed_at.isoformat() if execution.executed_at else None
    return out


def _execution_from(state: Mapping[str, Any]) -> FutureDatedExecution:
    when = state.get("executed_at")
    return FutureDatedExecution(
        message_code=int(state["message_code"]),
        originator_counter=int(state["originator_counter"]),
        success=bool(state["success"]),
        target=dict(state["target"]),
        executed_at=datetime.fromisoformat(when) if when else None,
    )


# ----------------------------------------------------------------------------
# The server
# ----------------------------------------------------------------------------
class CosemServer:
    """The COSEM object model of one device, answering decoded access-requests."""

    def __init__(self, profile: Profile, state: Mapping[str, Any] | None = None, *,
                 utrn_validator: UtrnValidator | None = None, seed: int | None = None) -> None:
        self.profile = profile
        #: Decides CS01a top-ups; ``None``: a UTRN is accepted when its check digit is right.
        self.utrn_validator = utrn_validator
        self._seed = profile.seed if seed is None else seed
        if state is not None and "seed" in state:
            self._seed = int(state["seed"])
        self._objects: dict[str, CosemObject] = {}
        self._build()
        self._pending: dict[tuple[str, int], PendingActivation] = {}
        self._executed: list[FutureDatedExecution] = []
        self._faults: dict[tuple[int, str, int, str], int] = {}
        if state is not None:
            self._restore(state)

    def _build(self) -> None:
        for decl in self.profile.objects:
            self._objects[decl.obis] = CLASSES[decl.class_id](decl, self._seed)

    # -- Services (what objects may use) ---------------------------------------------------
    @property
    def seed(self) -> int:
        return self._seed

    @property
    def empty_log_result(self) -> int:
        return self.profile.empty_log_result

    @property
    def money_per_penny(self) -> int:
        return self.profile.money_per_penny

    def find(self, obis: str) -> CosemObject | None:
        """The object with logical name ``obis`` (``None`` if the device has none)."""
        return self._objects.get(obis)

    def objects(self) -> list[CosemObject]:
        return list(self._objects.values())

    def device_time(self, now: datetime) -> datetime:
        """``now`` shifted by the emulated clock's offset (the time the device believes)."""
        clock = self._objects.get("0-0:1.0.0.255")
        offset = clock.offset if isinstance(clock, Clock) else 0
        try:
            return as_utc(now) + timedelta(seconds=offset)
        except OverflowError:
            return datetime.max.replace(tzinfo=UTC) if offset > 0 \
                else datetime.min.replace(tzinfo=UTC)

    def validate_utrn(self, token: str, ctx: HandleContext) -> bool | None:
        if self.utrn_validator is None:
            return None
        return bool(self.utrn_validator(token, ctx))

    def read_for(self, call: Call, class_id: int, obis: str, attribute_id: int,
                 selection: Selection | None) -> Item:
        """Read on behalf of the requester (role checks apply): Data Protection, capture."""
        target = self._lookup(class_id, obis)
        self._check_role(target, "get", call)
        if selection is None:
            return target.read(attribute_id, call)
        return target.read_selected(attribute_id, selection, call)

    def write_internal(self, call: Call, class_id: int, obis: str, attribute_id: int,
                       value: Item) -> None:
        """A write made by the device itself (script actions): no role checks."""
        target = self._lookup(class_id, obis)
        target.attribute(attribute_id)
        if not is_item(value):
            raise CosemError(TYPE_UNMATCHED, "not a data item")
        target.check_type(attribute_id, value)
        target.write(attribute_id, value, call)
        call.note(f"script wrote {class_id}/{obis}/{attribute_id}")

    def invoke_internal(self, call: Call, class_id: int, obis: str, method_id: int,
                        argument: Item) -> Item | None:
        """A method invoked by the device itself (script actions): no role checks."""
        return self._lookup(class_id, obis).invoke(method_id, argument, call)

    # -- public API ------------------------------------------------------------------------
    def handle(self, request: Mapping[str, Any], ctx: HandleContext) -> HandleResult:
        """Answer one decoded access-request (never raises: failures are results)."""
        call = Call(ctx, self)
        try:
            self._run_due(call.now)
        except (ArithmeticError, ValueError) as exc:  # a device clock pushed out of range
            logger.warning("cosem: future-dated activations not run: %s", exc)
        specs, data = _request_parts(request)
        items: list[Item] = []
        results: list[dict[str, Any]] = []
        failed = False
        for index, spec in enumerate(specs):
            datum = data[index] if index < len(data) else NULL
            choice = spec.get("choice") if isinstance(spec, Mapping) else None
            answer = _RESPONSE_CHOICE.get(choice if isinstance(choice, str) else "", "get")
            if failed and self.profile.abort_on_failure:
                item, result = dict(NULL), OTHER_REASON
            else:
                item, result = self._one(spec, datum, call)
            failed = failed or result != 0
            items.append(item)
            results.append({"choice": answer, "result": result,
                            "result_name": DATA_ACCESS_RESULTS.get(result)})
        invoke_id = request.get("invoke_id") if isinstance(request, Mapping) else None
        if not isinstance(invoke_id, int) or isinstance(invoke_id, bool) \
                or not 0 <= invoke_id < 2**32:
            invoke_id = dlms_invoke_id(ctx.counter)
        response = {
            "apdu": "access-response",
            "invoke_id": invoke_id,
            "invoke_id_flags": invoke_id >> 24,
            "invoke_id_counter": invoke_id & 0xFFFFFF,
            "date_time": "",
            "data": items,
            "results": results,
        }
        logger.debug("cosem <- %d specs, -> results %s", len(specs),
                     [r["result"] for r in results])
        return HandleResult(response=response, changes=call.changes)

    def tick(self, now: datetime) -> list[FutureDatedExecution]:
        """Run the future-dated activations due at ``now`` and return every execution not
        yet reported (one per activation attribute; the emulator raises alert 0x00CC)."""
        self._run_due(self.device_time(now))
        done, self._executed = self._executed, []
        return done

    @property
    def pending(self) -> list[PendingActivation]:
        """Scheduled activations, soonest first."""
        return sorted(self._pending.values(), key=lambda p: p.when)

    def inject_fault(self, class_id: int, obis: str, index: int, result: int = 1,
                     kind: str = "any") -> None:
        """Make every access to ``class_id``/``obis`` attribute or method ``index`` fail
        with ``result`` (kind ``"get"``, ``"set"``, ``"action"`` or ``"any"``) — the
        device faults behind the RTDS ERROR responses."""
        if kind not in ("get", "set", "action", "any") or not 0 < result < 256:
            raise ValueError("kind must be get/set/action/any and result 1..255")
        self._faults[(class_id, obis, index, kind)] = result

    def clear_faults(self) -> None:
        self._faults.clear()

    def value(self, obis: str, attribute_id: int, now: datetime | None = None) -> Item:
        """An attribute value as the device holds it (no role checks; for tests and the
        emulator). Computed attributes (clock time, log buffers, …) need ``now``."""
        target = self._objects[obis]
        if now is None:
            if target.attribute(attribute_id).dynamic or "source" in target.decl.options \
                    or "compose" in target.decl.options:
                raise ValueError(f"{obis} attribute {attribute_id} is computed: give 'now'")
            return clone(target.values[attribute_id])
        ctx = HandleContext(now=now, message_code=0, requester="", requester_role=0, counter=0)
        return target.read(attribute_id, Call(ctx, self))

    # -- one specification -----------------------------------------------------------------
    def _one(self, spec: Any, datum: Any, call: Call) -> tuple[Item, int]:
        try:
            return self._execute(spec, datum, call), 0
        except CosemError as exc:
            logger.debug("cosem: %s", exc.reason)
            return dict(NULL), exc.result
        except Exception as exc:
            logger.warning("cosem: specification %r failed: %s", _short(spec), exc,
                           exc_info=True)
            return dict(NULL), OTHER_REASON

    def _execute(self, spec: Any, datum: Any, call: Call) -> Item:
        if not isinstance(spec, Mapping):
            raise CosemError(OTHER_REASON, "specification is not an object")
        choice = spec.get("choice")
        descriptor = spec.get("descriptor")
        if not isinstance(choice, str) or choice not in _KIND \
                or not isinstance(descriptor, Mapping):
            raise CosemError(OTHER_REASON, f"unsupported specification choice {choice!r}")
        kind = _KIND[choice]
        class_id = descriptor.get("class_id")
        obis = descriptor.get("obis")
        index = descriptor.get("method_id" if kind == "action" else "attribute_id")
        if not _is_int(class_id) or not _is_int(index) or not isinstance(obis, str) \
                or not valid_obis(obis):
            raise CosemError(OTHER_REASON, "malformed COSEM descriptor")
        fault = self._faults.get((class_id, obis, index, kind)) \
            or self._faults.get((class_id, obis, index, "any"))
        if fault:
            raise CosemError(fault, f"injected fault on {class_id}/{obis}/{index}")
        target = self._lookup(class_id, obis)
        self._check_role(target, kind, call)
        if kind == "get":
            selection = None
            if choice == "get-with-selection":
                selection = _selection(spec.get("access_selection"))
            if selection is None:
                return target.read(index, call)
            return target.read_selected(index, selection, call)
        if kind == "set":
            self._set(target, index, datum, call)
            return dict(NULL)
        argument = dict(datum) if isinstance(datum, Mapping) else dict(NULL)
        result = target.invoke(index, argument, call)
        return dict(NULL) if result is None else result

    def _lookup(self, class_id: int, obis: str) -> CosemObject:
        target = self._objects.get(obis)
        if target is None:
            raise CosemError(OBJECT_UNDEFINED, f"no object {obis}")
        if target.class_id != class_id:
            raise CosemError(OBJECT_CLASS_INCONSISTENT,
                             f"{obis} is class {target.class_id}, not {class_id}")
        return target

    def _check_role(self, target: CosemObject, kind: str, call: Call) -> None:
        rule = target.decl.access or self.profile.access
        allowed = {"get": rule.read, "set": rule.write, "action": rule.invoke}[kind]
        if call.ctx.requester_role not in allowed:
            raise CosemError(READ_WRITE_DENIED,
                             f"role {call.ctx.requester_role} may not {kind} {target.obis}")

    # -- set and activation ----------------------------------------------------------------
    def _set(self, target: CosemObject, attribute_id: int, value: Any, call: Call) -> None:
        if not target.writable(attribute_id):
            raise CosemError(READ_WRITE_DENIED,
                             f"{target.obis} attribute {attribute_id} is read-only")
        if not isinstance(value, Mapping) or not is_item(value):
            raise CosemError(TYPE_UNMATCHED, "the new value is not a data item")
        item = clone(dict(value))
        target.check_type(attribute_id, item)
        if target.is_activation(attribute_id):
            self._set_activation(target, attribute_id, item, call)
            return
        target.write(attribute_id, item, call)
        call.note(f"set {target.class_id}/{target.obis}/{attribute_id}")

    def _set_activation(self, target: CosemObject, attribute_id: int, item: Item,
                        call: Call) -> None:
        text = item.get("value")
        if item.get("type") != "octet-string" or not isinstance(text, str) or len(text) != 24:
            raise CosemError(TYPE_UNMATCHED, "an activation time is a 12-byte date-time")
        key = (target.obis, attribute_id)
        where = f"{target.class_id}/{target.obis}/{attribute_id}"
        if is_never(text):
            cancelled = self._pending.pop(key, None)
            target.write(attribute_id, item, call)
            call.note(f"{where}: activation cancelled" if cancelled
                      else f"{where}: activation set to never")
            return
        if is_now(text):
            when = call.now
        else:
            try:
                when = datetime_from_octets(text)
            except DateTimeError as exc:
                raise CosemError(OTHER_REASON, f"activation time: {exc}") from None
        target.write(attribute_id, item, call)
        self._pending.pop(key, None)
        if when <= call.now:
            if not self._activate(target, attribute_id, call):
                raise CosemError(OTHER_REASON, f"{where}: activation failed")
            call.note(f"{where}: activated now")
            return
        self._pending[key] = PendingActivation(
            class_id=target.class_id, obis=target.obis, attribute_id=attribute_id,
            when=gbcs_seconds(when), message_code=call.ctx.message_code,
            counter=call.ctx.counter, requester=call.ctx.requester,
        )
        call.note(f"{where}: activation scheduled for {when.isoformat()}")

    def _activate(self, target: CosemObject, attribute_id: int, call: Call | None) -> bool:
        """Copy the passive values of activation attribute ``attribute_id`` to the active
        ones; ``False`` when a linked object or attribute is missing."""
        copies = target.activation_copies(attribute_id)
        resolved = []
        for src_obis, src_attr, dst_obis, dst_attr in copies:
            src, dst = self._objects.get(src_obis), self._objects.get(dst_obis)
            if src is None or dst is None or src_attr not in src.values \
                    or dst_attr not in dst.values:
                logger.warning("cosem: activation %s/%d: cannot copy %s/%d to %s/%d",
                               target.obis, attribute_id, src_obis, src_attr, dst_obis,
                               dst_attr)
                return False
            resolved.append((src, src_attr, dst, dst_attr))
        for src, src_attr, dst, dst_attr in resolved:
            dst.values[dst_attr] = clone(src.values[src_attr])
        logger.debug("cosem: %s/%d activated (%d copies)", target.obis, attribute_id,
                     len(resolved))
        return True

    def _run_due(self, device_now: datetime) -> None:
        now_s = gbcs_seconds(device_now)
        due = sorted((p for p in self._pending.values() if p.when <= now_s),
                     key=lambda p: p.when)
        for pending in due:
            del self._pending[(pending.obis, pending.attribute_id)]
            target = self._objects.get(pending.obis)
            success = target is not None and self._activate(target, pending.attribute_id, None)
            self._executed.append(FutureDatedExecution(
                message_code=pending.message_code,
                originator_counter=pending.counter,
                success=success,
                target={"class_id": pending.class_id, "obis": pending.obis,
                        "attribute_id": pending.attribute_id},
                executed_at=pending.due,
            ))
            logger.info("cosem: future-dated %s/%d of command %04X/%d executed (%s)",
                        pending.obis, pending.attribute_id, pending.message_code,
                        pending.counter, "success" if success else "failure")

    # -- state -----------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """A complete JSON-native snapshot (``json.dumps`` works on it)."""
        return {
            "format": STATE_FORMAT,
            "profile": self.profile.name,
            "seed": self._seed,
            "objects": {obis: o.state() for obis, o in self._objects.items()},
            "pending": [asdict(p) for p in self.pending],
            "executed": [_execution_state(e) for e in self._executed],
            "faults": [[c, o, i, k, r] for (c, o, i, k), r in self._faults.items()],
        }

    def _restore(self, state: Mapping[str, Any]) -> None:
        if state.get("format") != STATE_FORMAT:
            raise ValueError(f"not a COSEM server state ({state.get('format')!r})")
        if state.get("profile") != self.profile.name:
            raise ValueError(f"state is for profile {state.get('profile')!r}, "
                             f"not {self.profile.name!r}")
        for obis, saved in state.get("objects", {}).items():
            target = self._objects.get(obis)
            if target is None:
                raise ValueError(f"state has object {obis}, which profile "
                                 f"{self.profile.name} lacks")
            target.restore(saved)
        for saved in state.get("pending", []):
            pending = PendingActivation(**saved)
            self._pending[(pending.obis, pending.attribute_id)] = pending
        self._executed = [_execution_from(e) for e in state.get("executed", [])]
        self._faults = {(int(c), str(o), int(i), str(k)): int(r)
                        for c, o, i, k, r in state.get("faults", [])}


# ----------------------------------------------------------------------------
# Request helpers
# ----------------------------------------------------------------------------
def _request_parts(request: Any) -> tuple[list[Any], list[Any]]:
    if not isinstance(request, Mapping):
        return [], []
    specs = request.get("specs")
    data = request.get("data")
    return (list(specs) if isinstance(specs, list) else [],
            list(data) if isinstance(data, list) else [])


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _selection(access: Any) -> Selection | None:
    if access is None:
        return None
    if not isinstance(access, Mapping):
        raise CosemError(OTHER_REASON, "malformed access selection")
    selector = access.get("selector")
    parameters = access.get("parameters")
    if not isinstance(selector, int) or not isinstance(parameters, Mapping):
        raise CosemError(OTHER_REASON, "malformed access selection")
    return Selection(selector, dict(parameters))


def _short(spec: Any) -> str:
    text = repr(spec)
    return text if len(text) < 200 else text[:197] + "..."
