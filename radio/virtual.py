# SPDX-License-Identifier: GPL-3.0-or-later
"""The virtual HAN: an in-process ZigBee network of :class:`VirtualRadio` endpoints.

Theory of operation
-------------------
A :class:`VirtualHan` is one bus, an *instance* with no class-level state (house style
§7 rule 10, anti-pattern 2); endpoints attach to it with :meth:`VirtualHan.attach` and
get a :class:`VirtualRadio`, which implements the :class:`~gfi.radio.base.Radio`
protocol. Every link is a direct, single-hop link (the HAN is modelled as a star with no
routing): NWK source = MAC source, NWK destination = MAC destination.

Nothing is ever delivered inside the caller's stack. ``send`` resolves the destination,
stamps the frame (source, APS counter, time), splits it into APS blocks and queues it on
the sender's MAC transmit queue; from then on each step is a callback scheduled with
``loop.call_soon``/``loop.call_later``:

1. *transmit* one block: the link's :class:`~gfi.radio.faults.LinkFaults` decides its
   fate; every transmission (retries included) is reported to the taps as an
   :class:`~gfi.radio.base.AirFrame`. A lost transmission is retried after
   ``retry_interval`` up to ``mac_retries`` times (macMaxFrameRetries, default 3,
   IEEE 802.15.4-2006 §7.4.2); after that ``send`` raises
   :class:`~gfi.radio.base.DeliveryFailed` (``NO_ACK``) and the receiver's partial
   reassembly is discarded: a frame is either delivered or its sender is told.
2. *arrive* after the fault's delay: the block is acknowledged (the MAC ack and, when
   requested, the APS ack, ZigBee 05-3474 §2.2.8.4.2) and the next block is
   transmitted. Blocks of one message go one at a time (a transmit window of one block,
   §2.2.8.4.5.1), and messages from one sender go one at a time, so a sender's frames
   arrive in order unless a reorder fault says otherwise.
3. *deliver*: when the last block has arrived the reassembled frame is handed to the
   receiver's sink in its own callback (held back first if a reorder fault hits), and
   the sender's ``send`` returns.

APS fragmentation (ZigBee 05-3474 §2.2.8.4.5) is emulated: a payload longer than
``max_aps_payload`` (default 82 bytes) travels as blocks of ``block_size`` bytes
(default 61, as HenryGiraldo's CH does; at most 255 blocks). The receiver sees the
reassembled frame; taps (the capture) see every block as its own frame, first block
first.

Sleepy end devices (``attach(..., sleepy=True)``) do not listen between polls: frames
for them wait in their parent's indirect queue (IEEE 802.15.4-2006 §7.5.6.3) until the
device calls ``await radio.poll()``, which transmits everything queued and returns how
many frames were delivered. A frame not polled for within ``indirect_timeout``
(macTransactionPersistenceTime: 0x01F4 unit backoff periods of 15.36 ms = 7.68 s at
2.4 GHz, the default) fails its ``send`` with ``DeliveryFailed`` (``INDIRECT_TIMEOUT``).

Faults are set per directed link (:meth:`VirtualHan.set_faults`), the most specific
rule winning; each link draws from its own seeded ``random.Random``, so the same seed
gives the same run. ``stats`` counts what happened; ``trace`` (when enabled) logs each
step without timestamps, so two runs can be compared. For test teardown,
``is_idle()`` is true when nothing is in flight and no callback is pending;
``assert_clean()`` also fails on sink exceptions, internal errors and frames nobody
read; ``await drain()`` waits for idleness.

Not emulated: routing and multi-hop, broadcast and group addressing, NWK address
conflicts, APS security processing (``aps_security`` is carried, not enforced), joining
and key establishment (an attached radio is joined), duty cycles.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------
# Imports
# ---------------------------------------------------------------------------
import asyncio
import collections
import itertools
import logging
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from types import TracebackType
from typing import Any, Self

from gfi.errors import RadioError, RadioLost

from .base import (
    EUI64_UNKNOWN,
    NWK_UNKNOWN,
    AirFrame,
    AirKind,
    DeliveryFailed,
    EventSink,
    FailureReason,
    FrameError,
    FrameSink,
    HanFrame,
    JoinEvent,
    LeaveEvent,
    RadioEvent,
    TapRegistry,
    normalize_eui64,
)
from .faults import FaultSpec, LinkFaults, TransmitFate

__all__ = ["HanRegistry", "HanStats", "TraceEvent", "VirtualHan", "VirtualRadio"]

# ---------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------
#: ZigBee's typical APS payload limit without fragmentation
DEFAULT_MAX_APS_PAYLOAD = 82
#: APS block size; HenryGiraldo's CH uses 61 (GBCS_ZIGBEE_FRAGMENT_DATA_MAX_SIZE)
DEFAULT_BLOCK_SIZE = 61
#: macMaxFrameRetries default (IEEE 802.15.4-2006 §7.4.2)
DEFAULT_MAC_RETRIES = 3
#: macAckWaitDuration at 2.4 GHz: 54 symbols of 16 µs
DEFAULT_RETRY_INTERVAL = 54 * 16e-6
#: macTransactionPersistenceTime: 0x01F4 × aBaseSuperframeDuration (15.36 ms)
DEFAULT_INDIRECT_TIMEOUT = 0x01F4 * 0.01536
#: the APS extended header's block number is one octet
MAX_BLOCKS = 255

# ---------------------------------------------------------------------------
# Classes
# ---------------------------------------------------------------------------
@dataclass
class HanStats:
    """Counters of a :class:`VirtualHan` (all transmissions, retries included)."""

    #: APS frames accepted by ``send``
    sent: int = 0
    #: APS frames handed to a receiver (duplicates included)
    delivered: int = 0
    #: sends that raised DeliveryFailed
    failed: int = 0
    #: transmissions lost (drop faults)
    dropped: int = 0
    #: MAC retransmissions after a loss
    retried: int = 0
    #: transmissions received twice
    duplicated: int = 0
    #: transmissions with flipped bits
    corrupted: int = 0
    #: APS frames held back so that the next one overtook them
    reordered: int = 0
    #: APS blocks of fragmented frames (first transmissions only)
    fragments: int = 0
    #: frames put in a sleepy device's indirect queue
    indirect_queued: int = 0
    #: frames dropped from an indirect queue for want of a poll
    indirect_expired: int = 0
    #: exceptions raised by sinks
    sink_errors: int = 0
    #: frames that arrived for a radio that had closed meanwhile
    discarded: int = 0

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One step of the virtual HAN, without time, for comparing runs."""

    kind: str
    src: str
    dst: str
    sequence: int
    block: int = 0
    attempt: int = 0
    detail: str = ""


class _TxQueue:
    """One MAC transmit queue: messages go one at a time, in order."""

    def __init__(self, han: VirtualHan, name: str):
        self._han = han
        self.name = name
        self._queue: collections.deque[_Message] = collections.deque()
        self.busy: _Message | None = None

    def push(self, msg: _Message) -> None:
        msg.queue = self
        self._queue.append(msg)
        if self.busy is None:
            self._start_next()

    def _start_next(self) -> None:
        self.busy = self._queue.popleft() if self._queue else None
        if self.busy is not None:
            self._han._later(0.0, self._han._transmit, self.busy, 0)

    def finished(self, msg: _Message) -> None:
        if self.busy is msg:
            self._start_next()
        elif msg in self._queue:
            self._queue.remove(msg)

    def __len__(self) -> int:
        return len(self._queue) + (self.busy is not None)


class _Message:
    """One APS frame in flight."""

    __slots__ = ("block", "blocks", "done", "expiry", "failed", "frame", "future", "mac_seq",
                 "nwk_seq", "queue", "received", "receiver", "sender")

    def __init__(self, frame: HanFrame, sender: VirtualRadio, receiver: VirtualRadio,
                 blocks: list[bytes], future: asyncio.Future[None]):
        self.frame = frame
        self.sender = sender
        self.receiver = receiver
        self.blocks = blocks
        self.future = future
        self.received: dict[int, bytes] = {}
        self.block = 0
        self.mac_seq = 0
        self.nwk_seq = 0
        self.done = False
        self.failed = False
        self.expiry: int | None = None
        self.queue: _TxQueue | None = None

    @property
    def fragmented(self) -> bool:
        return len(self.blocks) > 1


@dataclass(slots=True)
class _Held:
    receiver: VirtualRadio
    frame: HanFrame
    token: int


class VirtualRadio:
    """One endpoint of a :class:`VirtualHan`; a :class:`~gfi.radio.base.Radio`.

    Received frames go to the sink set with :meth:`set_sink`; while no sink is set they
    wait in a backlog that :meth:`receive` reads (and that a later ``set_sink`` flushes).
    """

    def __init__(self, han: VirtualHan, eui64: str, nwk: int, *, sleepy: bool,
                 parent: VirtualRadio | None, loop: asyncio.AbstractEventLoop):
        self._han = han
        self._eui64 = eui64
        self._nwk = nwk
        self.sleepy = sleepy
        #: the router that holds frames for this sleepy device (informational)
        self.parent = parent
        self.closed = False
        self._sink: FrameSink | None = None
        self._event_sink: EventSink | None = None
        self._backlog: collections.deque[HanFrame] = collections.deque()
        self._arrived = asyncio.Event()
        self._terminated: asyncio.Future[None] = loop.create_future()
        self._aps_counter = itertools.count()
        self._nwk_seq = itertools.count()
        self._mac_seq = itertools.count()
        self._txq = _TxQueue(han, f"{eui64} MAC")
        self._indirect: collections.deque[_Message] = collections.deque()
        self._indirect_txq = _TxQueue(han, f"{eui64} indirect")

    # -- Radio protocol ---------------------------------------------------------------
    @property
    def eui64(self) -> str:
        return self._eui64

    @property
    def nwk(self) -> int:
        return self._nwk

    @property
    def han(self) -> VirtualHan:
        return self._han

    @property
    def terminated(self) -> asyncio.Future[None]:
        return self._terminated

    async def send(self, frame: HanFrame) -> None:
        """Deliver ``frame``; return once its destination has it (MAC-acknowledged).

        Raises :class:`~gfi.radio.base.DeliveryFailed` (unknown destination, no ack
        after the MAC retries, indirect-queue timeout, destination left, payload too
        large), :class:`~gfi.errors.RadioLost` if this radio is or gets closed, and
        :class:`~gfi.radio.base.FrameError` for a frame claiming another source.
        """
        await self._han._send(self, frame)

    def set_sink(self, sink: FrameSink | None) -> None:
        self._sink = sink
        if sink is not None:
            while self._backlog:
                self._han._later(0.0, self._deliver, self._backlog.popleft())

    def set_event_sink(self, sink: EventSink | None) -> None:
        self._event_sink = sink

    async def close(self) -> None:
        self._han._detach(self)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()

    # -- extras -----------------------------------------------------------------------
    async def receive(self, timeout: float | None = None) -> HanFrame:
        """The next received frame (only while no sink is set); ``TimeoutError``."""
        if self._sink is not None:
            raise RadioError("receive() cannot be used while a sink is set")
        async with asyncio.timeout(timeout):
            while not self._backlog:
                if self.closed:
                    raise RadioLost(f"radio {self._eui64} is closed")
                self._arrived.clear()
                await self._arrived.wait()
        return self._backlog.popleft()

    @property
    def unread(self) -> int:
        """Frames received while no sink was set and not yet read."""
        return len(self._backlog)

    @property
    def pending_indirect(self) -> int:
        """Frames waiting in the parent's indirect queue for this (sleepy) device."""
        return len(self._indirect)

    async def poll(self) -> int:
        """MLME-POLL (IEEE 802.15.4-2006 §7.1.16): fetch everything held by the parent.

        Returns how many frames were delivered to this device. Frames that fail on the
        way (drops beyond the retries) fail their sender's ``send`` and are not counted.
        """
        if self.closed:
            raise RadioLost(f"radio {self._eui64} is closed")
        msgs = list(self._indirect)
        self._indirect.clear()
        logger.debug("%s polls: %d frame(s) held by its parent", self._eui64, len(msgs))
        for msg in msgs:
            if msg.expiry is not None:
                self._han._cancel(msg.expiry)
                msg.expiry = None
            self._indirect_txq.push(msg)
        if not msgs:
            return 0
        await asyncio.wait([m.future for m in msgs])
        return sum(1 for m in msgs if not m.future.cancelled() and m.future.exception() is None)

    def __repr__(self) -> str:
        kind = " sleepy" if self.sleepy else ""
        return f"<VirtualRadio {self._eui64}/{self._nwk:#06x}{kind} on {self._han.name}>"

    # -- used by the HAN (always from an event-loop callback) ---------------------------
    def _deliver(self, frame: HanFrame) -> None:
        han = self._han
        if self.closed:
            han.stats.discarded += 1
            logger.warning("← %s discarded: %s closed", frame.describe(), self._eui64)
            return
        han.stats.delivered += 1
        han._trace_event("deliver", frame.src_eui64, self._eui64, frame.sequence or 0,
                         detail=frame.payload.hex())
        logger.debug("← %s %s", frame.describe(), frame.payload.hex())
        sink = self._sink
        if sink is None:
            self._backlog.append(frame)
            self._arrived.set()
            return
        try:
            sink(frame)
        except Exception as exc:
            han.stats.sink_errors += 1
            han.errors.append(exc)
            logger.exception("sink of %s raised on %s", self._eui64, frame.describe())

    def _event(self, event: RadioEvent) -> None:
        sink = self._event_sink
        if sink is None or self.closed:
            return
        try:
            sink(event)
        except Exception as exc:
            self._han.stats.sink_errors += 1
            self._han.errors.append(exc)
            logger.exception("event sink of %s raised on %r", self._eui64, event)

    def _next_aps_counter(self) -> int:
        return next(self._aps_counter) & 0xFF

    def _next_nwk_seq(self) -> int:
        return next(self._nwk_seq) & 0xFF

    def _next_mac_seq(self) -> int:
        return next(self._mac_seq) & 0xFF


class VirtualHan:
    """An in-process ZigBee HAN (see the module docstring)."""

    def __init__(
        self,
        name: str = "han",
        *,
        max_aps_payload: int = DEFAULT_MAX_APS_PAYLOAD,
        block_size: int = DEFAULT_BLOCK_SIZE,
        mac_retries: int = DEFAULT_MAC_RETRIES,
        retry_interval: float = DEFAULT_RETRY_INTERVAL,
        indirect_timeout: float = DEFAULT_INDIRECT_TIMEOUT,
        faults: FaultSpec | str | None = None,
        seed: int = 0,
        clock: Callable[[], float] | None = None,
        duplicate_rejection: bool = False,
        lqi: int = 255,
        rssi: int = -45,
        trace: bool = False,
    ):
        if not 1 <= block_size <= max_aps_payload:
            raise RadioError(f"block_size {block_size} must be in 1..max_aps_payload "
                             f"({max_aps_payload})")
        if mac_retries < 0 or retry_interval < 0 or indirect_timeout <= 0:
            raise RadioError("mac_retries, retry_interval must be >= 0 and "
                             "indirect_timeout > 0")
        self.name = name
        self.max_aps_payload = max_aps_payload
        self.block_size = block_size
        self.mac_retries = mac_retries
        self.retry_interval = retry_interval
        self.indirect_timeout = indirect_timeout
        self.seed = seed
        #: when True, a duplicate of an unfragmented frame is dropped by the receiver's
        #: APS duplicate rejection (§2.2.8.4.4); by default it reaches the sink, so that
        #: upper layers can be tested against duplicates. Duplicate *blocks* are always
        #: absorbed by reassembly.
        self.duplicate_rejection = duplicate_rejection
        self.lqi = lqi
        self.rssi = rssi
        self.stats = HanStats()
        #: TraceEvents when ``trace=True``
        self.trace: list[TraceEvent] | None = [] if trace else None
        #: exceptions raised by sinks, event sinks and (bugs) the HAN's own callbacks
        self.errors: list[BaseException] = []
        self._clock = clock
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle: asyncio.Event | None = None
        self._by_eui: dict[str, VirtualRadio] = {}
        self._by_nwk: dict[int, VirtualRadio] = {}
        self._nwk_rng = random.Random(f"{seed}:nwk")
        self._eui_rng = random.Random(f"{seed}:eui64")
        self._rules: dict[tuple[str | None, str | None], FaultSpec] = {}
        self._links: dict[tuple[str, str], LinkFaults | None] = {}
        self._held: dict[tuple[str, str], _Held] = {}
        self._in_flight: set[_Message] = set()
        self._pending: dict[int, asyncio.Handle] = {}
        self._tokens = itertools.count(1)
        self._taps = TapRegistry()
        self._on_close: list[Callable[[], None]] = []
        self._closed = False
        if faults is not None:
            self.set_faults(faults)

    # -- topology -----------------------------------------------------------------------
    def attach(self, eui64: str, nwk: int | None = None, *, sleepy: bool = False,
               parent: VirtualRadio | None = None) -> VirtualRadio:
        """Join a new endpoint; its NWK address is allocated when ``nwk`` is None.

        Must be called with an event loop running. Other radios' event sinks get a
        :class:`~gfi.radio.base.JoinEvent`.
        """
        loop = asyncio.get_running_loop()
        if self._closed:
            raise RadioLost(f"virtual HAN {self.name!r} is closed")
        if self._loop is None:
            self._loop = loop
            self._idle = asyncio.Event()
            self._idle.set()
        elif self._loop is not loop:
            raise RadioError(f"virtual HAN {self.name!r} is bound to another event loop")
        eui = normalize_eui64(eui64)
        if eui == EUI64_UNKNOWN:
            raise FrameError(f"{EUI64_UNKNOWN} is not a usable EUI-64")
        if eui in self._by_eui:
            raise RadioError(f"EUI-64 {eui} is already attached to {self.name!r}")
        if nwk is None:
            nwk = self._allocate_nwk()
        elif not isinstance(nwk, int) or not 0 <= nwk <= 0xFFF7:
            raise FrameError(f"NWK address {nwk!r} is not a unicast address (0..0xFFF7)")
        elif nwk in self._by_nwk:
            raise RadioError(f"NWK address {nwk:#06x} is already used by "
                             f"{self._by_nwk[nwk].eui64} on {self.name!r}")
        if sleepy and parent is None:
            parent = next((r for r in self._by_eui.values() if not r.sleepy), None)
        radio = VirtualRadio(self, eui, nwk, sleepy=sleepy, parent=parent, loop=loop)
        self._by_eui[eui] = radio
        self._by_nwk[nwk] = radio
        logger.info("%s: %s joined as %#06x%s", self.name, eui, nwk, " (sleepy)" if sleepy else "")
        event = JoinEvent(eui, nwk, sleepy, self.now())
        for other in self._by_eui.values():
            if other is not radio:
                self._later(0.0, other._event, event)
        return radio

    def allocate_eui64(self) -> str:
        """A fresh, locally administered EUI-64 (deterministic for a given seed)."""
        while True:
            value = (0x02 << 56) | self._eui_rng.getrandbits(56)
            eui = f"{value:016X}"
            if eui not in self._by_eui:
                return eui

    @property
    def radios(self) -> tuple[VirtualRadio, ...]:
        return tuple(self._by_eui.values())

    def radio(self, address: str | int) -> VirtualRadio:
        """The attached radio with this EUI-64 (str) or NWK address (int)."""
        found = (self._by_nwk.get(address) if isinstance(address, int)
                 else self._by_eui.get(normalize_eui64(address)))
        if found is None:
            raise RadioError(f"no radio {address!r} on {self.name!r}")
        return found

    # -- faults -------------------------------------------------------------------------
    def set_faults(self, spec: FaultSpec | str | None, *, src: Any = None, dst: Any = None,
                   both_ways: bool = False) -> None:
        """Install ``spec`` on the links ``src → dst`` (None = any; radio, EUI or NWK).

        The most specific rule applies to a link: (src, dst) beats (src, any) beats
        (any, dst) beats (any, any). ``spec=None`` removes the rule. With ``both_ways``
        the rule also covers ``dst → src``. Link state (random generator, forced drop
        count) restarts whenever rules change.
        """
        if isinstance(spec, str):
            spec = FaultSpec.parse(spec)
        keys = [(self._end(src), self._end(dst))]
        if both_ways:
            keys.append((keys[0][1], keys[0][0]))
        for key in keys:
            if spec is None:
                self._rules.pop(key, None)
            else:
                self._rules[key] = spec
        self._links.clear()
        logger.info("%s: faults %s on %s", self.name, spec, keys)

    def clear_faults(self) -> None:
        self._rules.clear()
        self._links.clear()

    # -- taps, time, state ----------------------------------------------------------------
    def add_tap(self, tap: Callable[[AirFrame], None],
                on_close: Callable[[], None] | None = None) -> Callable[[], None]:
        """Report every on-air transmission to ``tap``; returns a remover.

        ``on_close`` is called when the HAN closes (e.g. to close a capture file).
        """
        remove = self._taps.add(tap)
        if on_close is not None:
            self._on_close.append(on_close)
        return remove

    def now(self) -> float:
        if self._clock is not None:
            return self._clock()
        return self._loop.time() if self._loop is not None else 0.0

    def is_idle(self) -> bool:
        """No frame in flight, none held back, no callback or timer pending."""
        return not (self._pending or self._in_flight or self._held)

    def describe_pending(self) -> list[str]:
        """What keeps the HAN from being clean, one line per item."""
        lines = [f"in flight: {m.frame.describe()} (block {m.block + 1}/{len(m.blocks)})"
                 for m in self._in_flight]
        lines += [f"held back (reorder): {h.frame.describe()}" for h in self._held.values()]
        if self._pending:
            lines.append(f"{len(self._pending)} callback(s)/timer(s) pending")
        lines += [f"error: {e!r}" for e in self.errors]
        lines += [f"{r.eui64}: {r.unread} received frame(s) never read"
                  for r in self._by_eui.values() if r.unread]
        return lines

    def assert_clean(self) -> None:
        """Raise ``AssertionError`` unless idle, error-free and every frame was read."""
        problems = self.describe_pending()
        if problems:
            raise AssertionError(f"virtual HAN {self.name!r} is not clean:\n  "
                                 + "\n  ".join(problems))

    async def drain(self, timeout: float = 1.0) -> None:
        """Wait until :meth:`is_idle` (``TimeoutError`` after ``timeout`` seconds)."""
        if self._idle is None:
            return
        async with asyncio.timeout(timeout):
            while not self.is_idle():
                self._idle.clear()
                await self._idle.wait()

    async def close(self) -> None:
        """Detach every radio, fail what is in flight, cancel timers, close taps."""
        if self._closed:
            return
        self._closed = True
        for radio in list(self._by_eui.values()):
            self._detach(radio)
        for msg in list(self._in_flight):
            self._finish(msg, RadioLost(f"virtual HAN {self.name!r} closed"))
        for handle in self._pending.values():
            handle.cancel()
        self._pending.clear()
        self._held.clear()
        for callback in self._on_close:
            try:
                callback()
            except Exception:
                logger.exception("%s: close callback failed", self.name)
        self._on_close.clear()
        self._check_idle()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<VirtualHan {self.name!r} radios={len(self._by_eui)} stats={self.stats}>"

    # -- internals: scheduling ------------------------------------------------------------
    def _later(self, delay: float, callback: Callable[..., None], *args: Any) -> int:
        """Schedule ``callback(*args)`` on the loop; tracked for :meth:`is_idle`."""
        assert self._loop is not None
        token = next(self._tokens)

        def run() -> None:
            self._pending.pop(token, None)
            try:
                callback(*args)
            except Exception as exc:  # a bug in the HAN: keep running, fail assert_clean
                self.errors.append(exc)
                logger.exception("%s: internal error in %s", self.name, callback)
            finally:
                self._check_idle()

        if delay > 0:
            self._pending[token] = self._loop.call_later(delay, run)
        else:
            self._pending[token] = self._loop.call_soon(run)
        if self._idle is not None:
            self._idle.clear()
        return token

    def _cancel(self, token: int) -> None:
        handle = self._pending.pop(token, None)
        if handle is not None:
            handle.cancel()
        self._check_idle()

    def _check_idle(self) -> None:
        if self._idle is not None and self.is_idle():
            self._idle.set()

    def _trace_event(self, kind: str, src: str, dst: str, sequence: int, block: int = 0,
                     attempt: int = 0, detail: str = "") -> None:
        if self.trace is not None:
            self.trace.append(TraceEvent(kind, src, dst, sequence, block, attempt, detail))

    # -- internals: addressing -------------------------------------------------------------
    def _allocate_nwk(self) -> int:
        while True:
            nwk = self._nwk_rng.randrange(0x0001, 0xFFF8)
            if nwk not in self._by_nwk:
                return nwk

    def _end(self, end: Any) -> str | None:
        if end is None:
            return None
        if isinstance(end, VirtualRadio):
            return end.eui64
        if isinstance(end, int) and not isinstance(end, bool):
            return self.radio(end).eui64
        if isinstance(end, str):
            return normalize_eui64(end)
        raise RadioError(f"link end must be a VirtualRadio, EUI-64, NWK or None: {end!r}")

    def _resolve(self, frame: HanFrame) -> VirtualRadio:
        by_eui = by_nwk = None
        if frame.dst_eui64 != EUI64_UNKNOWN:
            by_eui = self._by_eui.get(frame.dst_eui64)
            if by_eui is None:
                raise DeliveryFailed(
                    f"cannot deliver {frame.describe()}: {FailureReason.UNKNOWN_DESTINATION} "
                    f"(no device {frame.dst_eui64} on {self.name!r})",
                    reason=FailureReason.UNKNOWN_DESTINATION, frame=frame)
        if frame.dst_nwk != NWK_UNKNOWN:
            by_nwk = self._by_nwk.get(frame.dst_nwk)
            if by_nwk is None:
                raise DeliveryFailed(
                    f"cannot deliver {frame.describe()}: {FailureReason.UNKNOWN_DESTINATION} "
                    f"(no device with NWK address {frame.dst_nwk:#06x} on {self.name!r})",
                    reason=FailureReason.UNKNOWN_DESTINATION, frame=frame)
        if by_eui is not None and by_nwk is not None and by_eui is not by_nwk:
            raise DeliveryFailed(
                f"cannot deliver {frame.describe()}: {FailureReason.UNKNOWN_DESTINATION} "
                f"({frame.dst_eui64} has NWK address {by_eui.nwk:#06x}, not "
                f"{frame.dst_nwk:#06x})", reason=FailureReason.UNKNOWN_DESTINATION, frame=frame)
        found = by_eui or by_nwk
        if found is None:
            raise FrameError(f"frame has no destination (dst_eui64 and dst_nwk both unknown): "
                             f"{frame.describe()}")
        return found

    def _link(self, src: VirtualRadio, dst: VirtualRadio) -> LinkFaults | None:
        key = (src.eui64, dst.eui64)
        try:
            return self._links[key]
        except KeyError:
            pass
        spec = None
        for rule in (key, (key[0], None), (None, key[1]), (None, None)):
            spec = self._rules.get(rule)
            if spec is not None:
                break
        link = (None if spec is None or spec.is_perfect
                else LinkFaults(spec, link=f"{key[0]}>{key[1]}", default_seed=self.seed))
        self._links[key] = link
        return link

    # -- internals: the path of one frame ------------------------------------------------------
    async def _send(self, radio: VirtualRadio, frame: HanFrame) -> None:
        if radio.closed or self._closed:
            raise RadioLost(f"radio {radio.eui64} is closed; cannot send {frame.describe()}")
        if not isinstance(frame, HanFrame):
            raise FrameError(f"send() takes a HanFrame, not {type(frame).__name__}")
        for name, mine, unknown in (("src_eui64", radio.eui64, EUI64_UNKNOWN),
                                    ("src_nwk", radio.nwk, NWK_UNKNOWN)):
            value = getattr(frame, name)
            if value not in (mine, unknown):
                raise FrameError(f"{name} {value!r} is not this radio's address {mine!r}")
        receiver = self._resolve(frame)
        sequence = radio._next_aps_counter() if frame.sequence is None else frame.sequence
        frame = replace(frame, src_eui64=radio.eui64, src_nwk=radio.nwk,
                        dst_eui64=receiver.eui64, dst_nwk=receiver.nwk, sequence=sequence,
                        timestamp=self.now())
        payload, size = frame.payload, len(frame.payload)
        if size <= self.max_aps_payload:
            blocks = [payload]
        else:
            blocks = [payload[i:i + self.block_size] for i in range(0, size, self.block_size)]
            if len(blocks) > MAX_BLOCKS:
                raise DeliveryFailed(
                    f"cannot deliver {frame.describe()}: {FailureReason.TOO_LARGE} "
                    f"({len(blocks)} blocks of {self.block_size} bytes > {MAX_BLOCKS})",
                    reason=FailureReason.TOO_LARGE, frame=frame)
        assert self._loop is not None
        future: asyncio.Future[None] = self._loop.create_future()
        # retrieve the exception even if the sender gave up waiting (cancelled)
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        msg = _Message(frame, radio, receiver, blocks, future)
        self._in_flight.add(msg)
        self.stats.sent += 1
        self._trace_event("send", radio.eui64, receiver.eui64, sequence,
                          detail=f"{size} bytes in {len(blocks)} block(s)")
        logger.debug("→ %s %s", frame.describe(), payload.hex())
        if receiver.sleepy:
            self.stats.indirect_queued += 1
            receiver._indirect.append(msg)
            msg.expiry = self._later(self.indirect_timeout, self._expire, msg)
            logger.debug("%s: %s held for sleepy %s", self.name, frame.describe(),
                         receiver.eui64)
        else:
            radio._txq.push(msg)
        if self._idle is not None:
            self._idle.clear()
        await asyncio.shield(future)

    def _transmit(self, msg: _Message, attempt: int) -> None:
        if msg.done:
            return
        block = msg.block
        chunk = msg.blocks[block]
        if attempt == 0:
            msg.mac_seq = msg.sender._next_mac_seq()
            msg.nwk_seq = msg.sender._next_nwk_seq()
            if msg.fragmented:
                self.stats.fragments += 1
        link = self._link(msg.sender, msg.receiver)
        fate = link.on_transmit(chunk) if link is not None else TransmitFate(chunk=chunk)
        self._emit(msg, block, fate.chunk, attempt, fate.lost)
        detail = "lost" if fate.lost else ("corrupt" if fate.corrupted else "ok")
        self._trace_event("tx", msg.sender.eui64, msg.receiver.eui64, msg.frame.sequence or 0,
                          block, attempt, detail + ("+dup" if fate.duplicate else ""))
        if fate.lost:
            self.stats.dropped += 1
            if attempt < self.mac_retries:
                self.stats.retried += 1
                logger.debug("%s: block %d/%d of %s lost, retry %d", self.name, block + 1,
                             len(msg.blocks), msg.frame.describe(), attempt + 1)
                self._later(self.retry_interval, self._transmit, msg, attempt + 1)
            else:
                self._finish(msg, DeliveryFailed(
                    f"cannot deliver {msg.frame.describe()}: {FailureReason.NO_ACK} "
                    f"(block {block + 1} of {len(msg.blocks)} lost {attempt + 1} times: "
                    f"1 transmission + {self.mac_retries} MAC retries)",
                    reason=FailureReason.NO_ACK, frame=msg.frame))
            return
        if fate.corrupted:
            self.stats.corrupted += 1
        self._later(fate.delay, self._arrive, msg, block, fate.chunk, attempt, fate.duplicate)

    def _emit(self, msg: _Message, block: int, chunk: bytes, attempt: int, lost: bool,
              kind: AirKind = AirKind.DATA) -> None:
        if not self._taps.taps:
            return
        if kind is AirKind.APS_ACK:
            mac_seq, nwk_seq = msg.receiver._next_mac_seq(), msg.receiver._next_nwk_seq()
        else:
            mac_seq, nwk_seq = msg.mac_seq, msg.nwk_seq
        self._taps.emit(AirFrame(msg.frame, kind, block, len(msg.blocks), chunk, mac_seq,
                                 nwk_seq, attempt, lost, self.now()))

    def _arrive(self, msg: _Message, block: int, chunk: bytes, attempt: int,
                duplicate_follows: bool) -> None:
        if msg.failed:
            return  # failed meanwhile (destination left, HAN closed)
        if block in msg.received:  # a duplicate of this block
            if msg.fragmented:
                self._trace_event("dup-absorbed", msg.sender.eui64, msg.receiver.eui64,
                                  msg.frame.sequence or 0, block, attempt)
            elif self.duplicate_rejection:
                self._trace_event("dup-rejected", msg.sender.eui64, msg.receiver.eui64,
                                  msg.frame.sequence or 0, block, attempt)
            else:
                self._deliver_up(msg, self._reassembled(msg))
            return
        msg.received[block] = chunk
        if msg.frame.aps_ack_requested:
            self._emit(msg, block, b"", 0, False, AirKind.APS_ACK)
        if duplicate_follows:
            self.stats.duplicated += 1
            self._emit(msg, block, chunk, attempt + 1, False)
            self._later(0.0, self._arrive, msg, block, chunk, attempt + 1, False)
        if block + 1 < len(msg.blocks):
            msg.block = block + 1
            self._later(0.0, self._transmit, msg, 0)
            return
        self._deliver_up(msg, self._reassembled(msg))
        self._finish(msg, None)

    def _reassembled(self, msg: _Message) -> HanFrame:
        payload = b"".join(msg.received[i] for i in range(len(msg.blocks)))
        return replace(msg.frame, payload=payload, lqi=self.lqi, rssi=self.rssi,
                       timestamp=self.now())

    def _deliver_up(self, msg: _Message, frame: HanFrame) -> None:
        receiver = msg.receiver
        key = (msg.sender.eui64, receiver.eui64)
        held = self._held.get(key)
        if held is not None:  # the held frame is overtaken by this one
            self._later(0.0, receiver._deliver, frame)
            self._release(key)
            return
        link = self._link(msg.sender, receiver)
        if link is not None and link.on_deliver():
            self.stats.reordered += 1
            token = self._later(link.spec.reorder_window, self._release, key)
            self._held[key] = _Held(receiver, frame, token)
            self._trace_event("hold", key[0], key[1], frame.sequence or 0)
            return
        self._later(0.0, receiver._deliver, frame)

    def _release(self, key: tuple[str, str]) -> None:
        held = self._held.pop(key, None)
        if held is None:
            return
        self._cancel(held.token)
        self._later(0.0, held.receiver._deliver, held.frame)

    def _expire(self, msg: _Message) -> None:
        msg.expiry = None
        if msg in msg.receiver._indirect:
            msg.receiver._indirect.remove(msg)
        self.stats.indirect_expired += 1
        self._finish(msg, DeliveryFailed(
            f"cannot deliver {msg.frame.describe()}: {FailureReason.INDIRECT_TIMEOUT} "
            f"(sleepy {msg.receiver.eui64} did not poll within {self.indirect_timeout:g} s)",
            reason=FailureReason.INDIRECT_TIMEOUT, frame=msg.frame))

    def _finish(self, msg: _Message, error: BaseException | None) -> None:
        if msg.done:
            return
        msg.done = True
        msg.failed = error is not None
        self._in_flight.discard(msg)
        if msg.expiry is not None:
            self._cancel(msg.expiry)
            msg.expiry = None
        if msg in msg.receiver._indirect:
            msg.receiver._indirect.remove(msg)
        if msg.queue is not None:
            msg.queue.finished(msg)
        if error is None:
            self._trace_event("done", msg.sender.eui64, msg.receiver.eui64,
                              msg.frame.sequence or 0)
            if not msg.future.done():
                msg.future.set_result(None)
        else:
            self.stats.failed += 1
            self._trace_event("failed", msg.sender.eui64, msg.receiver.eui64,
                              msg.frame.sequence or 0, detail=str(getattr(error, "reason", "")))
            logger.warning("%s: %s", self.name, error)
            if not msg.future.done():
                msg.future.set_exception(error)
        self._check_idle()

    def _detach(self, radio: VirtualRadio) -> None:
        if radio.closed:
            return
        radio.closed = True
        self._by_eui.pop(radio.eui64, None)
        self._by_nwk.pop(radio.nwk, None)
        self._links.clear()
        for msg in list(self._in_flight):
            if msg.receiver is radio:
                self._finish(msg, DeliveryFailed(
                    f"cannot deliver {msg.frame.describe()}: "
                    f"{FailureReason.DESTINATION_LEFT}",
                    reason=FailureReason.DESTINATION_LEFT, frame=msg.frame))
            elif msg.sender is radio:
                self._finish(msg, RadioLost(f"radio {radio.eui64} closed while sending "
                                            f"{msg.frame.describe()}"))
        for key in [k for k in self._held if radio.eui64 in k]:
            held = self._held.pop(key)
            self._cancel(held.token)
            if held.receiver is not radio:
                self._later(0.0, held.receiver._deliver, held.frame)
        radio._arrived.set()
        if not radio.terminated.done():
            radio.terminated.set_result(None)
        logger.info("%s: %s (%#06x) left", self.name, radio.eui64, radio.nwk)
        if not self._closed:
            event = LeaveEvent(radio.eui64, radio.nwk, self.now())
            for other in self._by_eui.values():
                self._later(0.0, other._event, event)
        self._check_idle()


class HanRegistry:
    """Named virtual HANs for ``open_radio("virtual:NAME")`` (an object, not a global).

    ``han_options`` are passed to every :class:`VirtualHan` it creates.
    """

    def __init__(self, **han_options: Any):
        self._options = han_options
        self._hans: dict[str, VirtualHan] = {}
        #: state that :func:`gfi.radio.open_radio` keeps per registry (capture writers)
        self.extras: dict[str, Any] = {}
        self._closers: list[Callable[[], None]] = []

    def add_closer(self, closer: Callable[[], None]) -> None:
        """Call ``closer`` (e.g. a capture writer's close) when the registry closes."""
        self._closers.append(closer)

    def get(self, name: str) -> VirtualHan:
        """The HAN called ``name``, created on first use."""
        han = self._hans.get(name)
        if han is None or han._closed:
            han = self._hans[name] = VirtualHan(name, **self._options)
        return han

    def __contains__(self, name: object) -> bool:
        return name in self._hans

    def __iter__(self) -> Iterator[VirtualHan]:
        return iter(list(self._hans.values()))

    async def close(self) -> None:
        for han in list(self._hans.values()):
            await han.close()
        self._hans.clear()
        for closer in self._closers:
            closer()
        self._closers.clear()
        self.extras.clear()
