# SPDX-License-Identifier: GPL-3.0-or-later
"""The radio boundary: one frame dataclass, one protocol, the radio errors.

Theory of operation
-------------------
Everything above the radio (emulators, sessions, use cases) sees the HAN as a stream of
APS data frames (:class:`HanFrame`), the ``APSDE-DATA`` primitive of the ZigBee
specification (05-3474, §2.2.4.1): source and destination addresses, endpoints, profile,
cluster, the ASDU (``payload``) and a few transmit options (APS security, APS ack). A
frame crosses the boundary in one piece. Fragmentation (§2.2.8.4.5), NWK and MAC framing,
retries and indirect transmission to sleepy end devices are the radio's business, never
its user's.

A radio is anything that satisfies the :class:`Radio` protocol (house style §7 rule 9):
``await send(frame)`` returns once the frame has been delivered (acknowledged at the MAC
level by its destination) and raises :class:`DeliveryFailed` when it cannot be;
received frames go to the callable given to ``set_sink`` (called from the event loop,
never from inside the sender's call stack); joins and leaves go to the callable given to
``set_event_sink``; ``terminated`` resolves when the radio goes away. The
in-process :mod:`gfi.radio.virtual` backend and the (future) EZSP backend both implement
it, and :class:`gfi.radio.capture.CapturingRadio` wraps any of them.

:class:`AirFrame` is what a sniffer would see: one 802.15.4 transmission carrying a
whole APS frame, one APS fragment, or an APS acknowledgement. Backends that know their
on-air traffic (the virtual HAN) report it to taps; the capture writer turns it into
pcap records.

This module imports nothing from gfi but :mod:`gfi.errors` (house style §8).
"""

from __future__ import annotations

# ---------------------------------------------------------------------------
# Imports
# ---------------------------------------------------------------------------
import asyncio
import enum
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from gfi.errors import RadioError, RadioLost, RadioSpecError

__all__ = [
    "EUI64_UNKNOWN",
    "NWK_UNKNOWN",
    "AirFrame",
    "AirKind",
    "DeliveryFailed",
    "EventSink",
    "FailureReason",
    "FrameError",
    "FrameSink",
    "HanFrame",
    "JoinEvent",
    "LeaveEvent",
    "Radio",
    "RadioError",
    "RadioEvent",
    "RadioLost",
    "RadioSpecError",
    "normalize_eui64",
]

# ---------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------
#: "No short address" (ZigBee 05-3474 §3.6.1.9 uses 0xFFFE for an unallocated NWK
#: address). In a frame to send it means "resolve the destination by its EUI-64".
NWK_UNKNOWN = 0xFFFE
#: "No extended address". In a frame to send it means "resolve by the NWK address".
EUI64_UNKNOWN = "FFFFFFFFFFFFFFFF"

_EUI64_RE = re.compile(r"[0-9A-F]{16}")


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------
class FrameError(RadioError, ValueError):
    """A frame (or an address) handed to the radio is not well formed."""


class FailureReason(enum.StrEnum):
    """Why :class:`DeliveryFailed` was raised."""

    UNKNOWN_DESTINATION = "unknown destination"
    NO_ACK = "no MAC acknowledgement after all retries"
    INDIRECT_TIMEOUT = "sleepy destination did not poll in time (indirect queue timeout)"
    DESTINATION_LEFT = "destination left the network"
    TOO_LARGE = "payload too large for APS fragmentation"
    RADIO_CLOSED = "radio closed"


class DeliveryFailed(RadioError):
    """A frame could not be delivered; ``reason`` says why, ``frame`` is the frame."""

    def __init__(self, message: str, *, reason: FailureReason, frame: HanFrame | None = None):
        self.reason = reason
        self.frame = frame
        super().__init__(message)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def normalize_eui64(value: str) -> str:
    """``"90-b3-d5-1f-30-00-00-02"`` or ``"90:B3:…"`` → ``"90B3D51F30000002"``.

    Raises :class:`FrameError` unless the value is 16 hex digits once separators
    (``:``, ``-``, space) are removed.
    """
    if not isinstance(value, str):
        raise FrameError(f"EUI-64 must be a str of 16 hex digits, not {type(value).__name__}")
    text = value.replace(":", "").replace("-", "").replace(" ", "").upper()
    if not _EUI64_RE.fullmatch(text):
        raise FrameError(f"EUI-64 {value!r} is not 16 hex digits")
    return text


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise FrameError(f"{name} must be an int in {low:#x}..{high:#x}, not {value!r}")


# ---------------------------------------------------------------------------
# Classes
# ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class HanFrame:
    """One APS data frame (ZigBee 05-3474 §2.2.4.1.1 APSDE-DATA.request / .indication).

    To send, give at least one of ``dst_eui64``/``dst_nwk``; the radio fills in the
    source address, the APS counter (``sequence`` left as ``None``), the link quality
    and the timestamp. A received frame has every field filled in; ``timestamp`` is the
    reception time read from the radio's (injectable) clock.
    """

    #: destination EUI-64, 16 uppercase hex digits (:data:`EUI64_UNKNOWN` = resolve by NWK)
    dst_eui64: str = EUI64_UNKNOWN
    #: destination NWK short address (:data:`NWK_UNKNOWN` = resolve by EUI-64)
    dst_nwk: int = NWK_UNKNOWN
    src_ep: int = 1
    dst_ep: int = 1
    #: 0x0109 = Smart Energy
    profile_id: int = 0x0109
    #: 0x0704 = Tunneling
    cluster_id: int = 0x0704
    #: the ASDU: a ZCL frame, a ZDO frame, …
    payload: bytes = b""
    #: APS-encrypted with the link key (TransmitOptions.APS_Encryption)
    aps_security: bool = True
    #: APS acknowledgement requested (APS frame control bit 6)
    aps_ack_requested: bool = True
    #: APS counter; ``None`` in a frame to send = allocated by the radio
    sequence: int | None = None
    src_eui64: str = EUI64_UNKNOWN
    src_nwk: int = NWK_UNKNOWN
    lqi: int = 255
    rssi: int = 0
    timestamp: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "dst_eui64", normalize_eui64(self.dst_eui64))
        object.__setattr__(self, "src_eui64", normalize_eui64(self.src_eui64))
        _check_int("dst_nwk", self.dst_nwk, 0, 0xFFFF)
        _check_int("src_nwk", self.src_nwk, 0, 0xFFFF)
        _check_int("src_ep", self.src_ep, 0, 0xFF)
        _check_int("dst_ep", self.dst_ep, 0, 0xFF)
        _check_int("profile_id", self.profile_id, 0, 0xFFFF)
        _check_int("cluster_id", self.cluster_id, 0, 0xFFFF)
        if self.sequence is not None:
            _check_int("sequence", self.sequence, 0, 0xFF)
        _check_int("lqi", self.lqi, 0, 0xFF)
        _check_int("rssi", self.rssi, -128, 127)
        if isinstance(self.payload, bytearray | memoryview):
            object.__setattr__(self, "payload", bytes(self.payload))
        if not isinstance(self.payload, bytes):
            raise FrameError(f"payload must be bytes, not {type(self.payload).__name__}")

    def describe(self) -> str:
        """One line for logs and error messages."""
        seq = "?" if self.sequence is None else str(self.sequence)
        return (
            f"APS #{seq} {self.src_eui64}/{self.src_nwk:#06x} ep{self.src_ep} → "
            f"{self.dst_eui64}/{self.dst_nwk:#06x} ep{self.dst_ep} "
            f"profile {self.profile_id:#06x} cluster {self.cluster_id:#06x} "
            f"({len(self.payload)} bytes)"
        )


class AirKind(enum.Enum):
    """What an :class:`AirFrame` carries."""

    DATA = "data"
    APS_ACK = "aps-ack"


@dataclass(frozen=True, slots=True)
class AirFrame:
    """One 802.15.4 transmission as a sniffer next to the sender would see it.

    For ``DATA``, ``chunk`` is the part of ``frame.payload`` this transmission carries
    (all of it when ``blocks == 1``; possibly with flipped bits if a corrupt fault hit
    it). For ``APS_ACK``, ``frame`` is the acknowledged data frame (the ack travels from
    ``frame.dst`` to ``frame.src``) and ``chunk`` is empty. ``attempt`` is 0 for the
    first transmission and counts MAC retries; ``lost`` says the destination did not
    receive it.
    """

    frame: HanFrame
    kind: AirKind = AirKind.DATA
    #: index of this APS block, 0 = first (ZigBee 05-3474 §2.2.5.1.8)
    block: int = 0
    #: total number of APS blocks; 1 = not fragmented
    blocks: int = 1
    chunk: bytes = b""
    mac_seq: int = 0
    nwk_seq: int = 0
    attempt: int = 0
    lost: bool = False
    timestamp: float = 0.0

    @property
    def fragmented(self) -> bool:
        return self.blocks > 1


@dataclass(frozen=True, slots=True)
class JoinEvent:
    """A device joined the network (or a radio attached to the virtual HAN)."""

    eui64: str
    nwk: int
    sleepy: bool = False
    timestamp: float = 0.0


@dataclass(frozen=True, slots=True)
class LeaveEvent:
    """A device left the network."""

    eui64: str
    nwk: int
    timestamp: float = 0.0


RadioEvent = JoinEvent | LeaveEvent
#: receives each frame addressed to this radio, from the event loop
FrameSink = Callable[[HanFrame], None]
#: receives join and leave events, from the event loop
EventSink = Callable[[RadioEvent], None]


@runtime_checkable
class Radio(Protocol):
    """What every radio backend offers (house style §7 rule 9)."""

    @property
    def eui64(self) -> str: ...

    @property
    def nwk(self) -> int: ...

    @property
    def terminated(self) -> asyncio.Future[None]: ...

    async def send(self, frame: HanFrame) -> None:
        """Deliver ``frame``; raise :class:`DeliveryFailed` (a :class:`RadioError`) if not."""
        ...

    def set_sink(self, sink: FrameSink | None) -> None: ...

    def set_event_sink(self, sink: EventSink | None) -> None: ...

    async def close(self) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


@dataclass
class TapRegistry:
    """A list of on-air taps (callables receiving :class:`AirFrame`); errors are logged."""

    taps: list[Callable[[AirFrame], None]] = field(default_factory=list)

    def add(self, tap: Callable[[AirFrame], None]) -> Callable[[], None]:
        self.taps.append(tap)

        def remove() -> None:
            if tap in self.taps:
                self.taps.remove(tap)

        return remove

    def emit(self, air: AirFrame) -> None:
        for tap in list(self.taps):
            try:
                tap(air)
            except Exception:
                logger.exception("capture tap %r failed on %s", tap, air.frame.describe())
