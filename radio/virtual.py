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

Joining (ZigBee 05-3474 §4.6.3.2, "Joining a secured network"): a HAN has at most one
coordinator, the trust centre, attached with ``attach(eui64, 0x0000)`` or
``attach(eui64, coordinator=True)``; it has formed the network and is joined from the
start. Any other radio is attached *unjoined* (``require_join=True``, the default): it
cannot send (``DeliveryFailed``, ``NOT_JOINED``) and frames for it fail
(``UNKNOWN_DESTINATION``) until ``await radio.join(link_key)`` succeeds. The join is a
real exchange on the air, through the links' faults and MAC retries and seen by taps:

1. joiner → coordinator: MAC Association Request (IEEE 802.15.4-2006 §7.3.1);
2. the coordinator checks its permit-join window (``permit_joining``, closed by
   default) and asks its admission hook (``set_admission``) with a
   :class:`~gfi.radio.base.JoinRequest`; the hook answers with an
   :class:`~gfi.radio.base.AdmissionDecision` (or an awaitable of one);
3. coordinator → joiner: MAC Association Response (§7.3.2): "PAN access denied" when
   the window is closed or the hook refused (the join fails with that reason), else
   success with the NWK address (the one reserved at ``attach``, kept across rejoins);
4. trust centre → joiner: APS Transport Key (05-3474 §4.4.9.2) carrying the network
   key, secured with the key-transport key derived from the link key *the trust centre*
   named in its decision. If that is not the joiner's key the joiner cannot decrypt it
   and the join fails (``KEY_MISMATCH``);
5. joiner → coordinator: ZDO Device_annce (§2.4.3.1.11). Once it is acknowledged the
   join is complete: ``join`` returns a :class:`~gfi.radio.base.JoinResult`, every
   other radio's event sink gets a :class:`~gfi.radio.base.JoinEvent` (from the event
   loop), and the HAN holds the device's link key for (coordinator, device).

Deviations, for clarity: the virtual coordinator is parent and trust centre at once and
decides *before* answering the association (a real parent associates first, and a
refused device just never gets the network key and times out); a join with no
admission hook, or a hook that never answers, is ignored and ends with ``TIMEOUT``;
Device_annce is sent to the coordinator instead of broadcast; join frames are sent
directly even to a sleepy joiner (it polls during the join); corrupt faults change the
bytes the taps see but not the outcome of a join frame. ``leave()``, the coordinator's
``remove(eui64)`` and ``close()`` take a device off the network (a
:class:`~gfi.radio.base.LeaveEvent` goes to the others, and to the device itself when
removed); it may join again, with a full admission (``JoinEvent.rejoin`` is then true).
``require_join=False`` keeps the older model: every attached radio is joined at once
and shares a generated link key with the coordinator.

APS security (§4.4): frames with ``aps_security`` need a link key between their two
ends, else ``send`` fails with ``DeliveryFailed`` (``NO_LINK_KEY``). Keys come from
joins, ``coordinator.key_established(eui64, key)`` (a later CBKE replaces the key) and
``set_link_key`` (a device-to-device application link key). A frame between two
devices, neither of them the coordinator, is accepted when both hold a link key with
the coordinator: in GBCS such traffic (e.g. PPMID → GSME data) goes through the CH
anyway, so the trust centre's keys are taken as sufficient. ``enforce_aps_security=
False`` turns the check off. Taps are given the key of each secured frame
(:attr:`~gfi.radio.base.AirFrame.aps_key`), so encrypted captures can be decrypted.

Faults are set per directed link (:meth:`VirtualHan.set_faults`), the most specific
rule winning; each link draws from its own seeded ``random.Random``, so the same seed
gives the same run. ``stats`` counts what happened; ``trace`` (when enabled) logs each
step without timestamps, so two runs can be compared. For test teardown,
``is_idle()`` is true when nothing is in flight and no callback is pending;
``assert_clean()`` also fails on sink exceptions, internal errors and frames nobody
read; ``await drain()`` waits for idleness.

Not emulated: routing and multi-hop, broadcast and group addressing, NWK address
conflicts, beacons and scans, NWK Leave commands on air, the ciphers themselves (keys are
compared, not used; captures encrypt), key establishment (CBKE runs above the radio and
reports its result with ``key_established``), duty cycles.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------
# Imports
# ---------------------------------------------------------------------------
import asyncio
import collections
import inspect
import itertools
import logging
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from types import TracebackType
from typing import Any, Self

from gfi.errors import RadioError, RadioLost

from .base import (
    APS_CMD_TRANSPORT_KEY,
    EUI64_UNKNOWN,
    KEY_TYPE_STANDARD_NETWORK_KEY,
    MAC_CMD_ASSOCIATION_REQUEST,
    MAC_CMD_ASSOCIATION_RESPONSE,
    NWK_UNKNOWN,
    AdmissionDecision,
    AdmissionHook,
    AirFrame,
    AirKind,
    DeliveryFailed,
    EventSink,
    FailureReason,
    FrameError,
    FrameSink,
    HanFrame,
    JoinEvent,
    JoinFailed,
    JoinFailure,
    JoinRequest,
    JoinResult,
    LeaveEvent,
    RadioEvent,
    TapRegistry,
    check_key,
    link_key_proof,
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
#: how long ``join`` waits for the whole exchange by default
DEFAULT_JOIN_TIMEOUT = 5.0
#: the coordinator's NWK address (ZigBee 05-3474 §3.6.1.1)
COORDINATOR_NWK = 0x0000
# fmt: off
#: association status (IEEE 802.15.4-2006 §7.3.2.3)
ASSOCIATION_SUCCESS      = 0x00
ASSOCIATION_DENIED       = 0x02  # PAN access denied
#: capability information (IEEE 802.15.4-2006 §7.3.1.2)
CAPABILITY_MAINS_POWER   = 0x04
CAPABILITY_RX_ON_IDLE    = 0x08
CAPABILITY_ALLOCATE_ADDR = 0x80
#: ZDO Device_annce (ZigBee 05-3474 §2.4.3.1.11)
ZDO_PROFILE              = 0x0000
ZDO_DEVICE_ANNCE         = 0x0013
ZDO_ENDPOINT             = 0x00
# fmt: on

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
    #: joins completed (rejoins included)
    joins: int = 0
    #: joins that failed (refused, wrong key, timeout, lost frames, …)
    join_failures: int = 0
    #: devices that left or were removed (closing a joined radio included)
    leaves: int = 0

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

    __slots__ = ("aps_key", "block", "blocks", "done", "expiry", "failed", "frame", "future",
                 "kind", "mac_seq", "nwk_security", "nwk_seq", "on_done", "queue", "received",
                 "receiver", "sender")

    def __init__(self, frame: HanFrame, sender: VirtualRadio, receiver: VirtualRadio,
                 blocks: list[bytes], future: asyncio.Future[None], *,
                 kind: AirKind = AirKind.DATA, aps_key: bytes | None = None,
                 nwk_security: bool = True,
                 on_done: Callable[[BaseException | None], None] | None = None):
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
        self.kind = kind
        self.aps_key = aps_key
        self.nwk_security = nwk_security
        #: set for the HAN's own frames (joins): called by ``_finish`` instead of
        #: delivering to a sink
        self.on_done = on_done

    @property
    def fragmented(self) -> bool:
        return len(self.blocks) > 1

    @property
    def system(self) -> bool:
        """One of the HAN's own frames (a join step), not an APS data frame of a user."""
        return self.on_done is not None


class _Join:
    """One join in progress (see the module docstring for the steps)."""

    __slots__ = ("admission", "done", "future", "key", "msgs", "nwk", "radio", "request",
                 "stage", "tc", "tc_key", "timeout", "timer")

    def __init__(self, radio: VirtualRadio, tc: VirtualRadio, key: bytes, request: JoinRequest,
                 future: asyncio.Future[JoinResult], timeout: float):
        self.radio = radio
        self.tc = tc
        self.key = key
        self.request = request
        self.future = future
        self.timeout = timeout
        self.nwk = radio.reserved_nwk
        self.tc_key: bytes | None = None
        self.admission: asyncio.Future[AdmissionDecision] | None = None
        self.timer: int | None = None
        self.msgs: set[_Message] = set()
        self.stage = "association request"
        self.done = False


@dataclass(slots=True)
class _Held:
    receiver: VirtualRadio
    frame: HanFrame
    token: int


class VirtualRadio:
    """One endpoint of a :class:`VirtualHan`; a :class:`~gfi.radio.base.Radio`.

    Received frames go to the sink set with :meth:`set_sink`; while no sink is set they
    wait in a backlog that :meth:`receive` reads (and that a later ``set_sink`` flushes).

    A device radio implements :class:`~gfi.radio.base.JoiningRadio` (``join``,
    ``leave``); the coordinator implements :class:`~gfi.radio.base.TrustCentreRadio`
    (``set_admission``, ``permit_joining``, ``remove``, ``key_established``).
    """

    def __init__(self, han: VirtualHan, eui64: str, nwk: int, *, sleepy: bool,
                 parent: VirtualRadio | None, loop: asyncio.AbstractEventLoop,
                 coordinator: bool = False):
        self._han = han
        self._eui64 = eui64
        #: the NWK address the HAN assigns when this radio joins
        self._reserved_nwk = nwk
        self._nwk = NWK_UNKNOWN
        self._joined = False
        self._network_key: bytes | None = None
        self._coordinator = coordinator
        self._admission: AdmissionHook | None = None
        #: permit-join windows: EUI-64 (None = any device) → end time on the HAN's clock
        self._permits: dict[str | None, float] = {}
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
        self._zdo_seq = itertools.count()
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
    def joined(self) -> bool:
        """On the network: the coordinator always, a device once ``join`` succeeded."""
        return self._joined

    @property
    def is_coordinator(self) -> bool:
        return self._coordinator

    @property
    def reserved_nwk(self) -> int:
        """The NWK address this radio has, or gets when it joins (``nwk`` is 0xFFFE until
        then)."""
        return self._reserved_nwk

    @property
    def network_key(self) -> bytes | None:
        """The network key, once delivered by the trust centre."""
        return self._network_key

    @property
    def terminated(self) -> asyncio.Future[None]:
        return self._terminated

    async def send(self, frame: HanFrame) -> None:
        """Deliver ``frame``; return once its destination has it (MAC-acknowledged).

        Raises :class:`~gfi.radio.base.DeliveryFailed` (not joined, unknown or unjoined
        destination, no APS link key, no ack after the MAC retries, indirect-queue
        timeout, destination left, payload too large), :class:`~gfi.errors.RadioLost` if
        this radio is or gets closed, and :class:`~gfi.radio.base.FrameError` for a frame
        claiming another source.
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

    # -- joining (device side) ------------------------------------------------------------
    async def join(self, link_key: bytes | str, *,
                   timeout: float = DEFAULT_JOIN_TIMEOUT) -> JoinResult:
        """Join the network with the pre-configured link key (ZigBee 05-3474 §4.6.3.2).

        ``link_key`` is the key derived from the device's install code (16 bytes or 32
        hex digits). Returns once the trust centre delivered the network key and the
        Device_annce was acknowledged; raises :class:`~gfi.radio.base.JoinFailed` with a
        :class:`~gfi.radio.base.JoinFailure` reason (no coordinator, permit joining
        closed, refused, link key mismatch, timeout, frames lost), never waiting longer
        than ``timeout`` seconds. Cancelling the call abandons the join.
        """
        return await self._han._join(self, link_key, timeout)

    async def leave(self) -> None:
        """NLME-LEAVE (§3.2.2.16): leave the network; the others get a LeaveEvent.

        Frames in flight to or from this radio fail. It can ``join`` again.
        """
        self._han._leave(self, removed=False)

    # -- trust centre (coordinator side) ----------------------------------------------------
    def set_admission(self, hook: AdmissionHook | None) -> None:
        """Who may join: ``hook(JoinRequest)`` returns an AdmissionDecision (or an
        awaitable of one). Without a hook, join requests go unanswered (they time out)."""
        self._require_coordinator("set_admission")
        self._admission = hook

    def permit_joining(self, duration_s: float, eui64: str | None = None) -> None:
        """Open the permit-join window for ``duration_s`` seconds (NLME-PERMIT-JOINING,
        §3.2.2.5; ``math.inf`` = until closed) for any device, or only for ``eui64``.

        ``0`` closes it: without ``eui64`` every window, general and per device, closes.
        Per-device windows add up (several devices can be waiting to join, as after
        several CCS01); joining is closed until this is called.
        """
        self._require_coordinator("permit_joining")
        if (not isinstance(duration_s, int | float) or isinstance(duration_s, bool)
                or math.isnan(duration_s) or duration_s < 0):
            raise RadioError(f"permit_joining duration must be seconds >= 0, not {duration_s!r}")
        eui = None if eui64 is None else normalize_eui64(eui64)
        if duration_s == 0:
            if eui is None:
                self._permits.clear()
            else:
                self._permits.pop(eui, None)
        else:
            self._permits[eui] = self._han.now() + duration_s
        logger.info("%s: permit joining %s for %s", self._han.name,
                    f"{duration_s:g} s" if duration_s else "closed", eui or "any device")

    def joining_permitted(self, eui64: str) -> bool:
        """Would a join request from ``eui64`` be let through to the admission hook now?"""
        now = self._han.now()
        eui = normalize_eui64(eui64)
        return any(now < self._permits.get(key, -math.inf) for key in (None, eui))

    async def remove(self, eui64: str) -> bool:
        """Take a device off the network (the trust centre's APS Remove Device /
        NWK leave request, §4.4.9.6): it gets a LeaveEvent with ``removed=True``, so do
        the others. A join in progress is refused. Returns whether it was joined."""
        self._require_coordinator("remove")
        return self._han._remove(self, self._han.radio(eui64))

    def key_established(self, eui64: str, link_key: bytes | str) -> None:
        """Replace the link key shared with ``eui64`` (the result of CBKE, SE 1.4
        §5.4.1); frames sent from now on use it."""
        self._require_coordinator("key_established")
        device = self._han.radio(eui64)
        if not device.joined:
            raise RadioError(f"{device.eui64} has not joined {self._han.name!r}: "
                             "no link key to replace")
        self._han.set_link_key(self, device, link_key)

    def _require_coordinator(self, what: str) -> None:
        if not self._coordinator:
            raise RadioError(f"{what}() is for the coordinator (trust centre); "
                             f"{self._eui64} is not it")
        if self.closed:
            raise RadioLost(f"radio {self._eui64} is closed")

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
        kind += " coordinator" if self._coordinator else ("" if self._joined else " unjoined")
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

    def _next_zdo_seq(self) -> int:
        return next(self._zdo_seq) & 0xFF

    def _capability(self) -> int:
        """MAC capability information of an end device (802.15.4-2006 §7.3.1.2)."""
        awake = 0 if self.sleepy else CAPABILITY_MAINS_POWER | CAPABILITY_RX_ON_IDLE
        return CAPABILITY_ALLOCATE_ADDR | awake

    def _permit_detail(self, eui64: str) -> str:
        now = self._han.now()
        open_for = sorted(k for k, end in self._permits.items() if k is not None and now < end)
        if open_for:
            return f"permit joining is open only for {', '.join(open_for)}, not {eui64}"
        return "permit joining is closed (coordinator.permit_joining() opens it)"

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
        require_join: bool = True,
        enforce_aps_security: bool = True,
        network_key: bytes | str | None = None,
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
        #: devices must ``join`` before they can send or receive (False: attached = joined)
        self.require_join = require_join
        #: frames with ``aps_security`` need a link key between their ends
        self.enforce_aps_security = enforce_aps_security
        #: the network key the trust centre hands out (generated from ``seed`` if not given)
        self.network_key = (check_key(network_key, "network key") if network_key is not None
                            else random.Random(f"{seed}:network-key").randbytes(16))
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
        self._coordinator: VirtualRadio | None = None
        self._joins: dict[str, _Join] = {}
        #: APS link keys, by the pair of EUI-64s that share them
        self._link_keys: dict[frozenset[str], bytes] = {}
        #: EUI-64s that have been on this network (a later join is a rejoin)
        self._ever_joined: set[str] = set()
        #: NWK address each EUI-64 had, reused when it attaches again
        self._nwk_of: dict[str, int] = {}
        self._key_rng = random.Random(f"{seed}:link-keys")
        self._nonce_rng = random.Random(f"{seed}:join-nonce")
        self._pending: dict[int, asyncio.Handle] = {}
        self._tokens = itertools.count(1)
        self._taps = TapRegistry()
        self._on_close: list[Callable[[], None]] = []
        self._closed = False
        if faults is not None:
            self.set_faults(faults)

    # -- topology -----------------------------------------------------------------------
    def attach(self, eui64: str, nwk: int | None = None, *, sleepy: bool = False,
               parent: VirtualRadio | None = None, coordinator: bool = False) -> VirtualRadio:
        """Put a new endpoint on the air; its NWK address is allocated when ``nwk`` is None
        (an EUI-64 attached before gets its old address back when it is free).

        ``coordinator=True``, or ``nwk=0x0000``, makes it the coordinator and trust
        centre (at most one per HAN): it is joined at once. Another radio is joined at
        once only with ``require_join=False``; otherwise it must ``await join(key)``.
        When a radio is joined, other radios' event sinks get a
        :class:`~gfi.radio.base.JoinEvent`. Must be called with an event loop running.
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
            previous = self._nwk_of.get(eui)
            if coordinator:
                nwk = COORDINATOR_NWK
            elif (previous is not None and previous != COORDINATOR_NWK
                  and previous not in self._by_nwk):
                nwk = previous
            else:
                nwk = self._allocate_nwk()
        elif not isinstance(nwk, int) or isinstance(nwk, bool) or not 0 <= nwk <= 0xFFF7:
            raise FrameError(f"NWK address {nwk!r} is not a unicast address (0..0xFFF7)")
        elif nwk in self._by_nwk:
            raise RadioError(f"NWK address {nwk:#06x} is already used by "
                             f"{self._by_nwk[nwk].eui64} on {self.name!r}")
        if nwk == COORDINATOR_NWK:
            coordinator = True
        if coordinator:
            if nwk != COORDINATOR_NWK:
                raise FrameError(f"the coordinator's NWK address is {COORDINATOR_NWK:#06x}, "
                                 f"not {nwk:#06x} (ZigBee 05-3474 §3.6.1.1)")
            if sleepy:
                raise RadioError("the coordinator cannot be a sleepy end device")
            if self._coordinator is not None:
                raise RadioError(f"{self.name!r} already has a coordinator "
                                 f"({self._coordinator.eui64})")
        if sleepy and parent is None:
            parent = self._coordinator or next(
                (r for r in self._by_eui.values() if not r.sleepy), None)
        radio = VirtualRadio(self, eui, nwk, sleepy=sleepy, parent=parent, loop=loop,
                             coordinator=coordinator)
        self._by_eui[eui] = radio
        self._by_nwk[nwk] = radio
        self._nwk_of[eui] = nwk
        if coordinator:
            self._coordinator = radio
            logger.info("%s: %s is the coordinator and trust centre", self.name, eui)
        if coordinator or not self.require_join:
            self._announce_joined(radio)
            if not self.require_join:
                self._pre_joined_keys(radio)
        else:
            logger.info("%s: %s attached (NWK %#06x when it joins)%s", self.name, eui, nwk,
                        " (sleepy)" if sleepy else "")
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

    @property
    def coordinator(self) -> VirtualRadio | None:
        """The coordinator and trust centre, if one is attached."""
        return self._coordinator

    # -- APS link keys ------------------------------------------------------------------
    def link_key(self, a: Any, b: Any) -> bytes | None:
        """The APS link key shared by ``a`` and ``b`` (radios, EUI-64s or NWK addresses)."""
        return self._link_keys.get(self._pair(a, b))

    def set_link_key(self, a: Any, b: Any, key: bytes | str | None) -> None:
        """Install (or with ``None`` forget) the APS link key between ``a`` and ``b``: an
        application link key between two devices, or a key replaced by CBKE."""
        pair = self._pair(a, b)
        if key is None:
            self._link_keys.pop(pair, None)
        else:
            self._link_keys[pair] = check_key(key)
        logger.info("%s: link key %s between %s", self.name,
                    "removed" if key is None else "set", " and ".join(sorted(pair)))

    @property
    def link_keys(self) -> dict[tuple[str, str], bytes]:
        """Every link key, by the (sorted) pair of EUI-64s that share it."""
        keys: dict[tuple[str, str], bytes] = {}
        for pair, key in self._link_keys.items():
            a, b = sorted(pair)
            keys[(a, b)] = key
        return keys

    def _pair(self, a: Any, b: Any) -> frozenset[str]:
        ends = (self._end(a), self._end(b))
        if ends[0] is None or ends[1] is None or ends[0] == ends[1]:
            raise RadioError(f"a link key is shared by two different devices, not {a!r}, {b!r}")
        return frozenset((ends[0], ends[1]))

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
        """No frame in flight, none held back, no join in progress, no callback or timer
        pending."""
        return not (self._pending or self._in_flight or self._held or self._joins)

    def describe_pending(self) -> list[str]:
        """What keeps the HAN from being clean, one line per item."""
        lines = [f"in flight: {m.frame.describe()} (block {m.block + 1}/{len(m.blocks)})"
                 for m in self._in_flight]
        lines += [f"held back (reorder): {h.frame.describe()}" for h in self._held.values()]
        lines += [f"join of {j.radio.eui64} in progress ({j.stage})"
                  for j in self._joins.values()]
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
        if by_eui is not None and not by_eui.joined:
            raise DeliveryFailed(
                f"cannot deliver {frame.describe()}: {FailureReason.UNKNOWN_DESTINATION} "
                f"({frame.dst_eui64} is on {self.name!r} but has not joined)",
                reason=FailureReason.UNKNOWN_DESTINATION, frame=frame)
        if by_nwk is not None and not by_nwk.joined:
            raise DeliveryFailed(
                f"cannot deliver {frame.describe()}: {FailureReason.UNKNOWN_DESTINATION} "
                f"(no device with NWK address {frame.dst_nwk:#06x} on {self.name!r}: "
                f"{by_nwk.eui64} gets it when it joins)",
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
        if not radio.joined:
            raise DeliveryFailed(
                f"cannot send {frame.describe()}: {FailureReason.NOT_JOINED} ({radio.eui64} "
                f"has not joined {self.name!r}: await radio.join(link_key) first)",
                reason=FailureReason.NOT_JOINED, frame=frame)
        receiver = self._resolve(frame)
        aps_key = self._aps_key(radio, receiver, frame)
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
        msg = _Message(frame, radio, receiver, blocks, future, aps_key=aps_key)
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

    def _aps_key(self, sender: VirtualRadio, receiver: VirtualRadio,
                 frame: HanFrame) -> bytes | None:
        """The link key securing ``frame`` (None without APS security); raises
        ``DeliveryFailed`` (``NO_LINK_KEY``) when one is needed and missing."""
        if not frame.aps_security:
            return None
        key = self._link_keys.get(frozenset((sender.eui64, receiver.eui64)))
        if key is not None or not self.enforce_aps_security:
            return key
        tc = self._coordinator
        if (tc is not None and tc is not sender and tc is not receiver
                and frozenset((tc.eui64, sender.eui64)) in self._link_keys
                and frozenset((tc.eui64, receiver.eui64)) in self._link_keys):
            return None  # device to device: the trust centre's keys are taken as enough
        raise DeliveryFailed(
            f"cannot deliver {frame.describe()}: {FailureReason.NO_LINK_KEY} between "
            f"{sender.eui64} and {receiver.eui64} (join first, set one with "
            "set_link_key/key_established, send with aps_security=False, or create the HAN "
            "with enforce_aps_security=False)", reason=FailureReason.NO_LINK_KEY, frame=frame)

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
              kind: AirKind | None = None) -> None:
        if not self._taps.taps:
            return
        kind = msg.kind if kind is None else kind
        if kind is AirKind.APS_ACK:
            mac_seq, nwk_seq = msg.receiver._next_mac_seq(), msg.receiver._next_nwk_seq()
        else:
            mac_seq, nwk_seq = msg.mac_seq, msg.nwk_seq
        self._taps.emit(AirFrame(msg.frame, kind, block, len(msg.blocks), chunk, mac_seq,
                                 nwk_seq, attempt, lost, self.now(), aps_key=msg.aps_key,
                                 nwk_security=msg.nwk_security))

    def _arrive(self, msg: _Message, block: int, chunk: bytes, attempt: int,
                duplicate_follows: bool) -> None:
        if msg.failed:
            return  # failed meanwhile (destination left, HAN closed)
        if block in msg.received:  # a duplicate of this block
            if msg.fragmented or msg.system:
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
        if not msg.system:  # the HAN's own frames go to on_done, not to a sink
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
            self._trace_event("failed", msg.sender.eui64, msg.receiver.eui64,
                              msg.frame.sequence or 0, detail=str(getattr(error, "reason", "")))
            if msg.system:
                logger.debug("%s: %s %s failed: %s", self.name, msg.kind.value,
                             msg.frame.describe(), error)
            else:
                self.stats.failed += 1
                logger.warning("%s: %s", self.name, error)
            if not msg.future.done():
                msg.future.set_exception(error)
        if msg.on_done is not None:
            msg.on_done(error)
        self._check_idle()

    def _detach(self, radio: VirtualRadio) -> None:
        if radio.closed:
            return
        radio.closed = True
        for join in list(self._joins.values()):
            if join.radio is radio:
                self._fail_join(join, RadioLost(f"radio {radio.eui64} closed while joining"))
            elif join.tc is radio:
                self._fail_join(join, JoinFailed(
                    f"{join.radio.eui64} could not join {self.name!r}: "
                    f"{JoinFailure.NO_NETWORK} (the coordinator closed)",
                    reason=JoinFailure.NO_NETWORK, eui64=join.radio.eui64))
        was_joined, nwk = radio.joined, radio.reserved_nwk
        self._by_eui.pop(radio.eui64, None)
        self._by_nwk.pop(radio.reserved_nwk, None)
        if radio is self._coordinator:
            self._coordinator = None
        self._links.clear()
        self._drop_traffic(radio, lambda msg: RadioLost(
            f"radio {radio.eui64} closed while sending {msg.frame.describe()}"))
        if was_joined:
            self._unjoin(radio)
        radio._arrived.set()
        if not radio.terminated.done():
            radio.terminated.set_result(None)
        logger.info("%s: %s (%#06x) closed", self.name, radio.eui64, nwk)
        if was_joined and not self._closed:
            self.stats.leaves += 1
            event = LeaveEvent(radio.eui64, nwk, self.now())
            for other in self._by_eui.values():
                self._later(0.0, other._event, event)
        self._check_idle()

    def _drop_traffic(self, radio: VirtualRadio,
                      sender_error: Callable[[_Message], BaseException]) -> None:
        """Fail the data frames in flight to or from ``radio``; release frames held back
        for others."""
        for msg in list(self._in_flight):
            if msg.system:
                continue  # a join's frames: failed with their join
            if msg.receiver is radio:
                self._finish(msg, DeliveryFailed(
                    f"cannot deliver {msg.frame.describe()}: "
                    f"{FailureReason.DESTINATION_LEFT}",
                    reason=FailureReason.DESTINATION_LEFT, frame=msg.frame))
            elif msg.sender is radio:
                self._finish(msg, sender_error(msg))
        for key in [k for k in self._held if radio.eui64 in k]:
            held = self._held.pop(key)
            self._cancel(held.token)
            if held.receiver is not radio:
                self._later(0.0, held.receiver._deliver, held.frame)

    # -- internals: joined state ---------------------------------------------------------------
    def _announce_joined(self, radio: VirtualRadio, *, rejoin: bool | None = None) -> JoinEvent:
        """Mark ``radio`` joined and tell every other radio (from the event loop)."""
        if rejoin is None:
            rejoin = radio.eui64 in self._ever_joined
        radio._joined = True
        radio._nwk = radio.reserved_nwk
        radio._network_key = self.network_key
        self._ever_joined.add(radio.eui64)
        logger.info("%s: %s joined as %#06x%s%s", self.name, radio.eui64, radio.nwk,
                    " (sleepy)" if radio.sleepy else "", " (rejoin)" if rejoin else "")
        event = JoinEvent(radio.eui64, radio.nwk, radio.sleepy, self.now(), rejoin)
        for other in self._by_eui.values():
            if other is not radio:
                self._later(0.0, other._event, event)
        return event

    def _unjoin(self, radio: VirtualRadio) -> None:
        radio._joined = False
        radio._nwk = NWK_UNKNOWN
        radio._network_key = None
        for pair in [p for p in self._link_keys if radio.eui64 in p]:
            del self._link_keys[pair]

    def _pre_joined_keys(self, radio: VirtualRadio) -> None:
        """``require_join=False``: give each device a link key with the coordinator, as if
        it had joined (generated from the HAN's seed)."""
        tc = self._coordinator
        if tc is None:
            return
        devices = [r for r in self._by_eui.values() if r is not tc] if radio is tc else [radio]
        for device in devices:
            pair = frozenset((tc.eui64, device.eui64))
            if pair not in self._link_keys:
                self._link_keys[pair] = self._key_rng.randbytes(16)

    # -- internals: joining ----------------------------------------------------------------------
    async def _join(self, radio: VirtualRadio, link_key: bytes | str,
                    timeout: float) -> JoinResult:
        key = check_key(link_key)
        if radio.closed or self._closed:
            raise RadioLost(f"radio {radio.eui64} is closed; cannot join")
        if radio.is_coordinator:
            raise RadioError(f"{radio.eui64} is the coordinator: it formed {self.name!r} and "
                             "does not join")
        if radio.joined:
            raise RadioError(f"{radio.eui64} has already joined {self.name!r}; leave() first")
        if radio.eui64 in self._joins:
            raise RadioError(f"a join of {radio.eui64} is already in progress")
        if (not isinstance(timeout, int | float) or isinstance(timeout, bool)
                or not 0 < timeout < math.inf):
            raise RadioError(f"join timeout must be a finite number of seconds > 0, "
                             f"not {timeout!r}")
        tc = self._coordinator
        if tc is None:
            self.stats.join_failures += 1
            raise JoinFailed(f"{radio.eui64} could not join {self.name!r}: "
                             f"{JoinFailure.NO_NETWORK}", reason=JoinFailure.NO_NETWORK,
                             eui64=radio.eui64)
        assert self._loop is not None
        nonce = self._nonce_rng.randbytes(16)
        request = JoinRequest(radio.eui64, radio.sleepy, radio.eui64 in self._ever_joined,
                              nonce, link_key_proof(key, radio.eui64, nonce), self.now())
        future: asyncio.Future[JoinResult] = self._loop.create_future()
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        join = _Join(radio, tc, key, request, future, timeout)
        self._joins[radio.eui64] = join
        join.timer = self._later(timeout, self._join_timeout, join)
        self._trace_event("join", radio.eui64, tc.eui64, 0, detail="rejoin" if request.rejoin
                          else "")
        logger.info("%s: %s asks %s to join%s", self.name, radio.eui64, tc.eui64,
                    " (rejoin)" if request.rejoin else "")
        self._join_frame(join, radio, tc, AirKind.MAC_COMMAND,
                         bytes([MAC_CMD_ASSOCIATION_REQUEST, radio._capability()]),
                         self._on_association_request)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            self._fail_join(join, RadioError(f"join of {radio.eui64} cancelled"))
            raise

    def _join_frame(self, join: _Join, sender: VirtualRadio, receiver: VirtualRadio,
                    kind: AirKind, payload: bytes, then: Callable[[_Join], None], *,
                    aps_key: bytes | None = None, dst_nwk: int | None = None,
                    **frame: Any) -> None:
        """Send one frame of the join exchange; ``then(join)`` once it is acknowledged."""
        assert self._loop is not None
        aps = kind is not AirKind.MAC_COMMAND
        frame.setdefault("profile_id", 0)
        frame.setdefault("cluster_id", 0)
        hanframe = HanFrame(
            dst_eui64=receiver.eui64, src_eui64=sender.eui64, src_nwk=sender.nwk,
            dst_nwk=receiver.nwk if dst_nwk is None else dst_nwk, src_ep=0, dst_ep=0,
            payload=payload, aps_security=aps_key is not None, aps_ack_requested=False,
            sequence=sender._next_aps_counter() if aps else 0, timestamp=self.now(), **frame)
        future: asyncio.Future[None] = self._loop.create_future()
        future.add_done_callback(lambda f: f.cancelled() or f.exception())

        def done(error: BaseException | None) -> None:
            join.msgs.discard(msg)
            if join.done:
                return
            if error is not None:
                self._fail_join(join, JoinFailed(
                    f"{join.radio.eui64} could not join {self.name!r}: {JoinFailure.NO_ACK} "
                    f"({join.stage}: {error})", reason=JoinFailure.NO_ACK,
                    eui64=join.radio.eui64))
                return
            then(join)

        msg = _Message(hanframe, sender, receiver, [payload], future, kind=kind,
                       aps_key=aps_key, nwk_security=kind is not AirKind.APS_COMMAND,
                       on_done=done)
        join.msgs.add(msg)
        self._in_flight.add(msg)
        self._trace_event("send", sender.eui64, receiver.eui64, hanframe.sequence or 0,
                          detail=join.stage)
        logger.debug("%s: join of %s: %s", self.name, join.radio.eui64, join.stage)
        sender._txq.push(msg)  # directly, even to a sleepy joiner: it polls while joining

    def _on_association_request(self, join: _Join) -> None:
        """At the coordinator: permit window, then the admission hook."""
        tc, eui = join.tc, join.radio.eui64
        if not tc.joining_permitted(eui):
            self._deny(join, JoinFailure.PERMIT_CLOSED, tc._permit_detail(eui))
            return
        hook = tc._admission
        join.stage = "waiting for the admission hook"
        if hook is None:
            logger.warning("%s: join request from %s ignored: the trust centre %s has no "
                           "admission hook", self.name, eui, tc.eui64)
            self._trace_event("join-ignored", eui, tc.eui64, 0)
            return  # the joiner times out
        try:
            result = hook(join.request)
        except Exception as exc:
            self._hook_failed(join, exc)
            return
        if isinstance(result, AdmissionDecision):
            self._decided(join, result)
        elif inspect.isawaitable(result):
            task = asyncio.ensure_future(result)
            join.admission = task
            task.add_done_callback(lambda t: self._admission_done(join, t))
        else:
            self._hook_failed(join, TypeError(f"admission hook returned {result!r}, not an "
                                              "AdmissionDecision"))

    def _admission_done(self, join: _Join, task: asyncio.Future[AdmissionDecision]) -> None:
        if task.cancelled():
            return
        if join.done:  # decided too late: the join is over
            if task.exception() is not None:
                logger.warning("%s: admission hook for %s failed after the join ended: %r",
                               self.name, join.radio.eui64, task.exception())
            return
        self._later(0.0, self._admission_result, join, task)

    def _admission_result(self, join: _Join, task: asyncio.Future[AdmissionDecision]) -> None:
        join.admission = None
        if join.done:
            return
        error = task.exception()
        if error is not None:
            self._hook_failed(join, error)
            return
        result: object = task.result()
        if isinstance(result, AdmissionDecision):
            self._decided(join, result)
        else:
            self._hook_failed(join, TypeError(f"admission hook returned {result!r}, not an "
                                              "AdmissionDecision"))

    def _hook_failed(self, join: _Join, error: BaseException) -> None:
        self.errors.append(error)
        logger.error("%s: admission hook failed on %s: %r", self.name, join.radio.eui64, error)
        self._deny(join, JoinFailure.REFUSED, f"the admission hook failed: {error!r}")

    def _deny(self, join: _Join, reason: JoinFailure, detail: str) -> None:
        error = JoinFailed(f"{join.radio.eui64} could not join {self.name!r}: {reason} "
                           f"({detail})", reason=reason, eui64=join.radio.eui64)
        join.stage = "association response (denied)"
        self._join_frame(join, join.tc, join.radio, AirKind.MAC_COMMAND,
                         bytes([MAC_CMD_ASSOCIATION_RESPONSE, 0xFF, 0xFF, ASSOCIATION_DENIED]),
                         lambda j: self._fail_join(j, error))

    def _decided(self, join: _Join, decision: AdmissionDecision) -> None:
        if not decision.admitted:
            self._deny(join, JoinFailure.REFUSED, decision.reason or "the admission hook said no")
            return
        join.tc_key = decision.link_key
        join.stage = "association response"
        self._join_frame(join, join.tc, join.radio, AirKind.MAC_COMMAND,
                         bytes([MAC_CMD_ASSOCIATION_RESPONSE]) + join.nwk.to_bytes(2, "little")
                         + bytes([ASSOCIATION_SUCCESS]), self._send_transport_key)

    def _send_transport_key(self, join: _Join) -> None:
        """Trust centre → joiner: the network key, under the key-transport key (§4.4.9.2)."""
        join.stage = "transport key"
        payload = (bytes([APS_CMD_TRANSPORT_KEY, KEY_TYPE_STANDARD_NETWORK_KEY])
                   + self.network_key + bytes([0])  # key sequence number
                   + bytes.fromhex(join.radio.eui64)[::-1] + bytes.fromhex(join.tc.eui64)[::-1])
        self._join_frame(join, join.tc, join.radio, AirKind.APS_COMMAND, payload,
                         self._on_transport_key, aps_key=join.tc_key, dst_nwk=join.nwk)

    def _on_transport_key(self, join: _Join) -> None:
        """At the joiner: decrypt the network key (only with the same link key), announce."""
        radio = join.radio
        if join.tc_key is None or not join.request.verify(join.tc_key):
            self._fail_join(join, JoinFailed(
                f"{radio.eui64} could not join {self.name!r}: {JoinFailure.KEY_MISMATCH} "
                "(the trust centre admitted it with a link key that is not the joiner's: the "
                "Transport Key does not decrypt)", reason=JoinFailure.KEY_MISMATCH,
                eui64=radio.eui64))
            return
        radio._nwk = join.nwk
        radio._network_key = self.network_key
        join.stage = "device announce"
        payload = (bytes([radio._next_zdo_seq()]) + join.nwk.to_bytes(2, "little")
                   + bytes.fromhex(radio.eui64)[::-1] + bytes([radio._capability()]))
        self._join_frame(join, radio, join.tc, AirKind.DATA, payload, self._join_complete,
                         profile_id=ZDO_PROFILE, cluster_id=ZDO_DEVICE_ANNCE)

    def _join_complete(self, join: _Join) -> None:
        radio = join.radio
        join.done = True
        self._joins.pop(radio.eui64, None)
        if join.timer is not None:
            self._cancel(join.timer)
        assert join.tc_key is not None
        self._link_keys[frozenset((join.tc.eui64, radio.eui64))] = join.tc_key
        event = self._announce_joined(radio, rejoin=join.request.rejoin)
        self.stats.joins += 1
        self._trace_event("joined", radio.eui64, join.tc.eui64, 0, detail=f"{radio.nwk:#06x}")
        join.future.set_result(JoinResult(radio.eui64, radio.nwk, self.network_key, 0,
                                          join.tc.eui64, event.rejoin, event.timestamp))
        self._check_idle()

    def _join_timeout(self, join: _Join) -> None:
        join.timer = None
        if join.tc._admission is None:
            hint = "; the trust centre has no admission hook"
        elif join.admission is not None:
            hint = "; its admission hook has not decided"
        else:
            hint = ""
        self._fail_join(join, JoinFailed(
            f"{join.radio.eui64} could not join {self.name!r}: {JoinFailure.TIMEOUT} within "
            f"{join.timeout:g} s (at: {join.stage}{hint})", reason=JoinFailure.TIMEOUT,
            eui64=join.radio.eui64))

    def _fail_join(self, join: _Join, error: BaseException) -> None:
        if join.done:
            return
        join.done = True
        radio = join.radio
        self._joins.pop(radio.eui64, None)
        if join.timer is not None:
            self._cancel(join.timer)
            join.timer = None
        if join.admission is not None and not join.admission.done():
            join.admission.cancel()
        for msg in list(join.msgs):
            self._finish(msg, error)
        if not radio.joined:  # roll back what the exchange gave it so far
            radio._nwk = NWK_UNKNOWN
            radio._network_key = None
        self.stats.join_failures += 1
        self._trace_event("join-failed", radio.eui64, join.tc.eui64, 0,
                          detail=str(getattr(error, "reason", type(error).__name__)))
        logger.warning("%s: %s", self.name, error)
        if not join.future.done():
            join.future.set_exception(error)
        self._check_idle()

    # -- internals: leaving --------------------------------------------------------------------
    def _leave(self, radio: VirtualRadio, *, removed: bool) -> None:
        if radio.closed or self._closed:
            raise RadioLost(f"radio {radio.eui64} is closed")
        if radio.is_coordinator:
            raise RadioError(f"{radio.eui64} is the coordinator: it cannot leave its own "
                             "network (close() it)")
        if not radio.joined:
            raise RadioError(f"{radio.eui64} has not joined {self.name!r}: nothing to leave")
        nwk = radio.nwk
        self._unjoin(radio)
        self._drop_traffic(radio, lambda msg: DeliveryFailed(
            f"cannot deliver {msg.frame.describe()}: {FailureReason.NOT_JOINED} "
            f"({radio.eui64} left the network)", reason=FailureReason.NOT_JOINED,
            frame=msg.frame))
        self.stats.leaves += 1
        self._trace_event("leave", radio.eui64, EUI64_UNKNOWN, 0,
                          detail="removed" if removed else "")
        logger.info("%s: %s (%#06x) %s", self.name, radio.eui64, nwk,
                    "removed by the trust centre" if removed else "left")
        event = LeaveEvent(radio.eui64, nwk, self.now(), removed)
        for other in self._by_eui.values():
            if other is not radio or removed:
                self._later(0.0, other._event, event)
        self._check_idle()

    def _remove(self, tc: VirtualRadio, device: VirtualRadio) -> bool:
        if device is tc:
            raise RadioError("the trust centre cannot remove itself")
        join = self._joins.get(device.eui64)
        if join is not None:
            self._fail_join(join, JoinFailed(
                f"{device.eui64} could not join {self.name!r}: {JoinFailure.REFUSED} "
                "(removed by the trust centre)", reason=JoinFailure.REFUSED,
                eui64=device.eui64))
        if not device.joined:
            return False
        self._leave(device, removed=True)
        return True


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
