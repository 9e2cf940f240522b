# SPDX-License-Identifier: GPL-3.0-or-later
"""Compact storage for the buffers of Profile Generic objects (DLMS Blue Book class 7),
e.g. the ESME half-hourly Profile Data Log (0-0:99.1.0.255, 19,056 entries = 397 days × 48,
product.md §4.7) and the event, billing and daily logs.

A log is column-oriented: the entry timestamps (GBCS UTC seconds, gbcs-protocol.md §2.3)
live in one :class:`array.array` and every integer column in another; only columns of
other types (octet strings, nested arrays) are Python lists. So a whole log of 19,056
half-hours is two arrays of 76 KB, and a range read is two bisections plus a slice.

Logs are synthetic until someone writes to them: :meth:`ColumnarLog.sync` fills the slots
up to "now" (the caller's clock, never the wall clock) from a generator seeded with the
profile seed, the log's salt and the block of slots, so the value of a slot does not depend
on when the log was first filled. Optional gaps (slots left out) and a clock-status column
model an imperfect meter. Entries are served in the GBCS form of the RTDS responses: a
compact-array of structures whose first member is the double-long-unsigned timestamp.
"""

from __future__ import annotations

# ----------------------------------------------------------------------------
# Imports
# ----------------------------------------------------------------------------
import base64
import bisect
import logging
import random
import sys
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from gfi.emulators.cosem.values import GBCS_EPOCH, Item, capture_object, from_gbcs_seconds

# ----------------------------------------------------------------------------
# Logging
# ----------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
#: array typecode per DLMS integer type (every other type is kept in a list).
_TYPECODES: Final[Mapping[str, str]] = {
    "double-long-unsigned": "I" if array("I").itemsize == 4 else "L",
    "double-long": "i" if array("i").itemsize == 4 else "l",
    "long-unsigned": "H",
    "long": "h",
    "unsigned": "B",
    "integer": "b",
    "enum": "B",
    "boolean": "B",
    "long64": "q",
    "long64-unsigned": "Q",
}

#: Slots generated per seeded random block (the unit of determinism).
BLOCK: Final = 64

#: Relative half-hourly load (per cent of the peak) by hour of day, for "load" columns.
# fmt: off
_LOAD_SHAPE: Final = (30, 25, 22, 20, 20, 22, 35, 60, 70, 55, 45, 42,
                      45, 42, 40, 45, 60, 85, 100, 95, 80, 65, 50, 38)
# fmt: on

#: ``period`` value of a log with one entry per calendar month (billing logs).
MONTHLY: Final = "month"


# ----------------------------------------------------------------------------
# Declarations
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """One member of a log entry: its DLMS type, the capture object it stands for and how
    synthetic values are made.

    ``kind``: ``"time"`` (the entry timestamp, GBCS UTC seconds), ``"load"`` (half-hourly
    consumption following a daily shape, ``low``..``high`` per 30 minutes), ``"uniform"``
    (``low``..``high``), ``"rising"`` (a register reading that grows by up to ``high`` per
    slot), ``"choice"`` (one of ``choices``), ``"const"`` (``low``), ``"clock_status"``
    (``00``, now and then ``01`` invalid / ``08`` daylight saving) and ``"array"`` (a list of
    ``count`` ``element`` values, ``low``..``high``).
    """

    type: str
    capture: tuple[int, str, int, int] = (0, "0-0:0.0.0.0", 0, 0)
    kind: str = "uniform"
    low: int = 0
    high: int = 0
    choices: tuple[Any, ...] = ()
    count: int = 0
    element: str = ""

    def description(self) -> Item:
        """The compact-array type description of this member (gbcs-protocol.md §2.2)."""
        if self.kind == "array":
            return {"type": "array", "count": self.count, "element": {"type": self.element}}
        return {"type": self.type}

    def capture_item(self) -> Item:
        class_id, obis, attribute_id, data_index = self.capture
        return capture_object(class_id, obis, attribute_id, data_index)


@dataclass(frozen=True)
class LogSpec:
    """A log: its columns (the first is the timestamp), the spacing of synthetic entries
    (seconds, or :data:`MONTHLY`), its capacity, and the optional imperfections."""

    columns: tuple[Column, ...]
    period: int | str
    capacity: int
    #: Synthetic entries fall at a random moment of their slot (event logs) instead of on
    #: the slot boundary.
    jitter: bool = False
    #: Slots left out, per thousand (gaps in the profile data).
    gap_per_mille: int = 0
    #: Distinguishes the generators of logs that share a profile seed.
    salt: str = ""
    #: Fill synthetic entries at all (``False``: the log starts empty).
    synthetic: bool = True

    def __post_init__(self) -> None:
        if not self.columns or self.columns[0].kind != "time":
            raise ValueError("the first column of a log is its timestamp (kind 'time')")
        if self.capacity <= 0:
            raise ValueError("a log needs a positive capacity")
        if self.period != MONTHLY and (not isinstance(self.period, int) or self.period <= 0):
            raise ValueError(f"log period must be seconds > 0 or {MONTHLY!r}")
        if not 0 <= self.gap_per_mille <= 1000:
            raise ValueError("gap_per_mille must be 0..1000")

    def description(self, columns: Sequence[int] | None = None) -> Item:
        """Compact-array type description of an entry (all columns or those listed)."""
        chosen = range(len(self.columns)) if columns is None else columns
        return {"type": "structure", "members": [self.columns[c].description() for c in chosen]}


# ----------------------------------------------------------------------------
# Slots and time
# ----------------------------------------------------------------------------
def _month_start(index: int) -> int:
    year, month = divmod(index, 12)
    moment = datetime(2000 + year, month + 1, 1, tzinfo=UTC)
    return int((moment - GBCS_EPOCH).total_seconds())


def slot_time(spec: LogSpec, slot: int) -> int:
    """GBCS UTC seconds of the boundary that ends ``slot``."""
    if spec.period == MONTHLY:
        return _month_start(slot)
    assert isinstance(spec.period, int)
    return slot * spec.period


def last_slot(spec: LogSpec, now_s: int) -> int:
    """The latest slot whose boundary is at or before ``now_s``."""
    if spec.period == MONTHLY:
        moment = from_gbcs_seconds(now_s)
        return (moment.year - 2000) * 12 + moment.month - 1
    assert isinstance(spec.period, int)
    return now_s // spec.period


def _slot_length(spec: LogSpec, slot: int) -> int:
    return slot_time(spec, slot) - slot_time(spec, slot - 1)


# ----------------------------------------------------------------------------
# The log
# ----------------------------------------------------------------------------
def _empty_column(column: Column) -> array[Any] | list[Any]:
    code = _TYPECODES.get(column.type) if column.kind != "array" else None
    return array(code) if code else []


@dataclass
class ColumnarLog:
    """The entries of one Profile Generic buffer, oldest first."""

    spec: LogSpec
    seed: int
    times: array[Any] = field(default_factory=lambda: array(_TYPECODES["double-long-unsigned"]))
    columns: list[array[Any] | list[Any]] = field(default_factory=list)
    #: First slot not yet generated; ``None`` until the log is first filled.
    next_slot: int | None = None

    def __post_init__(self) -> None:
        if not self.columns:
            self.columns = [_empty_column(c) for c in self.spec.columns[1:]]

    # -- size ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.times)

    # -- synthetic filling -------------------------------------------------------------
    def sync(self, now_s: int) -> int:
        """Generate the synthetic entries due up to ``now_s`` (at most one capacity's worth,
        the oldest dropped first); returns how many were added."""
        last = last_slot(self.spec, now_s)
        first = last - self.spec.capacity + 1
        start = first if self.next_slot is None else max(self.next_slot, first)
        self.next_slot = max(self.next_slot if self.next_slot is not None else start, last + 1)
        if not self.spec.synthetic or start > last:
            return 0
        before = len(self.times)
        self._generate(start, last)
        self._trim()
        added = len(self.times) - before
        logger.debug("log %s: %d synthetic entries up to slot %d", self.spec.salt, added, last)
        return added

    def _generate(self, start: int, end: int) -> None:
        spec = self.spec
        periodic = spec.period if isinstance(spec.period, int) else 0
        times: list[int] = []
        rows: list[list[Any]] = []
        block_no = start // BLOCK
        draws = self._block(block_no)
        for slot in range(start, end + 1):
            if slot // BLOCK != block_no:
                block_no = slot // BLOCK
                draws = self._block(block_no)
            rands = draws[slot - block_no * BLOCK]
            if spec.gap_per_mille and rands[0] % 1000 < spec.gap_per_mille:
                continue
            when = slot * periodic if periodic else slot_time(spec, slot)
            if spec.jitter:
                when -= rands[1] % max(1, periodic or _slot_length(spec, slot))
            times.append(when)
            rows.append(self._synthetic_row(when, rands))
        if times and (not self.times or times[0] >= self.times[-1]):
            self.times.extend(times)
            for column, values in zip(self.columns, zip(*rows, strict=True), strict=True):
                column.extend(values)
            return
        for when, row in zip(times, rows, strict=True):
            self._append_row(when, row)

    def _block(self, block_no: int) -> list[list[int]]:
        """The random draws of the ``BLOCK`` slots of one block: deterministic in (seed,
        salt, block), independent of which slots were generated before."""
        rng = random.Random(f"{self.seed}:{self.spec.salt}:{block_no}")
        width = 2 + sum(max(1, c.count) for c in self.spec.columns[1:])
        return [[rng.getrandbits(32) for _ in range(width)] for _ in range(BLOCK)]

    def _synthetic_row(self, when: int, rands: list[int]) -> list[Any]:
        row: list[Any] = []
        pos = 2
        for column in self.spec.columns[1:]:
            r = rands[pos]
            pos += max(1, column.count)
            span = max(1, column.high - column.low + 1)
            if column.kind == "load":
                hour = (when // 3600) % 24
                peak = column.high - column.low
                row.append(column.low + peak * _LOAD_SHAPE[hour] // 100 + r % max(1, peak // 5))
            elif column.kind == "rising":
                slot = last_slot(self.spec, when)
                row.append((column.low + slot * column.high + r % max(1, column.high)) % 2**32)
            elif column.kind == "choice":
                row.append(column.choices[r % len(column.choices)])
            elif column.kind == "const":
                row.append(column.low)
            elif column.kind == "clock_status":
                row.append(0x01 if r % 97 == 0 else 0x08 if r % 89 == 0 else 0x00)
            elif column.kind == "array":
                start = pos - column.count
                row.append([column.low + v % span for v in rands[start:pos]])
            else:
                row.append(column.low + r % span)
        return row

    # -- writing ---------------------------------------------------------------------------
    def _append_row(self, when: int, row: Sequence[Any]) -> None:
        index = len(self.times)
        if index and when < self.times[-1]:
            index = bisect.bisect_right(self.times, when)
        self.times.insert(index, when)
        for column, value in zip(self.columns, row, strict=True):
            column.insert(index, int(value) if isinstance(value, bool) else value)

    def _trim(self) -> None:
        excess = len(self.times) - self.spec.capacity
        if excess > 0:
            del self.times[:excess]
            for column in self.columns:
                del column[:excess]

    def append(self, when: int, row: Sequence[Any]) -> None:
        """Add one entry (timestamp + the other members, untagged values), keeping the
        timestamps sorted and the log within its capacity."""
        if len(row) != len(self.columns):
            raise ValueError(f"an entry of this log has {len(self.columns) + 1} members")
        self._append_row(when, row)
        self._trim()

    def clear(self) -> None:
        """Empty the log (Profile Generic reset). Slots already due are not refilled."""
        del self.times[:]
        for column in self.columns:
            del column[:]

    # -- reading ---------------------------------------------------------------------------
    def index_range(self, from_s: int, to_s: int) -> range:
        """Indices of the entries with ``from_s <= timestamp <= to_s`` (both inclusive, as
        the RTDS range reads show)."""
        lo = bisect.bisect_left(self.times, from_s)
        hi = bisect.bisect_right(self.times, to_s)
        return range(lo, max(lo, hi))

    def rows(self, indices: range, columns: Sequence[int] | None = None) -> list[list[Any]]:
        """The untagged entries at ``indices`` (a contiguous range) restricted to
        ``columns`` (indices into the spec's columns; ``None`` = all)."""
        chosen = list(range(len(self.spec.columns))) if columns is None else list(columns)
        sl = slice(indices.start, indices.stop)
        data: list[Iterable[Any]] = []
        for c in chosen:
            if c == 0:
                data.append(self.times[sl])
                continue
            values: Iterable[Any] = self.columns[c - 1][sl]
            if self.spec.columns[c].type == "boolean":
                values = [bool(v) for v in values]
            data.append(values)
        return [list(row) for row in zip(*data, strict=True)]

    def capture_objects(self) -> Item:
        """Attribute 3 (capture_objects) of the owning Profile Generic."""
        return {"type": "array", "value": [c.capture_item() for c in self.spec.columns]}

    # -- state -----------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """JSON-native state: integer columns as base64 of little-endian arrays."""
        return {
            "next_slot": self.next_slot,
            "times": _pack(self.times),
            "columns": [
                _pack(c) if isinstance(c, array) else [_plain(v) for v in c]
                for c in self.columns
            ],
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Load :meth:`state` output (for the same spec)."""
        columns = state.get("columns", [])
        if len(columns) != len(self.spec.columns) - 1:
            raise ValueError("log state does not match the log's columns")
        self.next_slot = state.get("next_slot")
        self.times = _unpack(self.times.typecode, state["times"])
        restored: list[array[Any] | list[Any]] = []
        for template, saved in zip(self.columns, columns, strict=True):
            if isinstance(template, array):
                restored.append(_unpack(template.typecode, saved))
            else:
                restored.append(list(saved))
        if any(len(c) != len(self.times) for c in restored):
            raise ValueError("log state columns differ in length")
        self.columns = restored


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _pack(values: array[Any]) -> str:
    data = array(values.typecode, values)
    if sys.byteorder == "big":
        data.byteswap()
    return base64.b64encode(data.tobytes()).decode("ascii")


def _unpack(typecode: str, text: Any) -> array[Any]:
    data = array(typecode)
    data.frombytes(base64.b64decode(str(text)))
    if sys.byteorder == "big":
        data.byteswap()
    return data
