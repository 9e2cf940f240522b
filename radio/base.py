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

Joining and admission (ZigBee 05-3474 §4.6.3.2 "Joining a secured network", §4.6.3.4
trust-centre authentication): a device radio (:class:`JoiningRadio`) joins with the
pre-configured link key derived from its install code, ``await radio.join(link_key)``,
and cannot send until it has. The coordinator is the trust centre
(:class:`TrustCentreRadio`): a permit-join window (``permit_joining``) and an admission
hook (``set_admission``) decide who gets in. The hook sees a :class:`JoinRequest`
carrying the joiner's EUI-64 and a *proof* of its link key, a keyed hash over a nonce
(:func:`link_key_proof`), never the key itself: the trust centre answers with an
:class:`AdmissionDecision` naming the link key *it* holds for the device (from its
device log), and the join only succeeds if that key matches the joiner's. This stands
for what happens on air, where a trust centre holding the wrong key sends a Transport
Key the joiner cannot decrypt (its CCM* MIC fails, §4.4.1.2). The radio layer never
sees install codes: deriving keys from them is the trust centre's (the caller's) job.

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
import hashlib
import hmac
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from gfi.errors import RadioError, RadioLost, RadioSpecError

__all__ = [
    "APS_CMD_TRANSPORT_KEY",
    "EUI64_UNKNOWN",
    "KEY_TYPE_STANDARD_NETWORK_KEY",
    "LINK_KEY_LENGTH",
    "MAC_CMD_ASSOCIATION_REQUEST",
    "MAC_CMD_ASSOCIATION_RESPONSE",
    "NWK_UNKNOWN",
    "AdmissionDecision",
    "AdmissionHook",
    "AirFrame",
    "AirKind",
    "DeliveryFailed",
    "EventSink",
    "FailureReason",
    "FrameError",
    "FrameSink",
    "HanFrame",
    "JoinEvent",
    "JoinFailed",
    "JoinFailure",
    "JoinRequest",
    "JoinResult",
    "JoiningRadio",
    "LeaveEvent",
    "Radio",
    "RadioError",
    "RadioEvent",
    "RadioLost",
    "RadioSpecError",
    "TrustCentreRadio",
    "check_key",
    "link_key_proof",
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
#: AES-128 keys: link keys, the network key (ZigBee 05-3474 §4.2)
LINK_KEY_LENGTH = 16
#: domain separation of :func:`link_key_proof`
_PROOF_LABEL = b"gfi.radio join proof v1"
# fmt: off
#: MAC command identifiers (IEEE 802.15.4-2006 §7.3)
MAC_CMD_ASSOCIATION_REQUEST  = 0x01
MAC_CMD_ASSOCIATION_RESPONSE = 0x02
#: APS command identifier of Transport Key (ZigBee 05-3474 §4.4.9, Table 4.14)
APS_CMD_TRANSPORT_KEY        = 0x05
#: its key type "standard network key" (§4.4.9.2.2, Table 4.16)
KEY_TYPE_STANDARD_NETWORK_KEY = 0x01
# fmt: on

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
    #: the sender has not joined the network (or has left it)
    NOT_JOINED = "not joined"
    #: APS security requested but the two ends share no link key (§4.4.1.1)
    NO_LINK_KEY = "no APS link key"


class DeliveryFailed(RadioError):
    """A frame could not be delivered; ``reason`` says why, ``frame`` is the frame."""

    def __init__(self, message: str, *, reason: FailureReason, frame: HanFrame | None = None):
        self.reason = reason
        self.frame = frame
        super().__init__(message)


class JoinFailure(enum.StrEnum):
    """Why :class:`JoinFailed` was raised."""

    #: no coordinator/trust centre on the network (an active scan would find no beacon)
    NO_NETWORK = "no network to join (no coordinator)"
    #: the permit-join window is closed, or open for another device only
    PERMIT_CLOSED = "permit joining is closed"
    #: the trust centre's admission hook refused the device
    REFUSED = "refused by the trust centre"
    #: admitted, but the trust centre's link key is not the joiner's: the joiner cannot
    #: decrypt the Transport Key
    KEY_MISMATCH = "link key mismatch"
    #: the trust centre did not answer in time
    TIMEOUT = "no answer from the trust centre"
    #: a join frame was not acknowledged after all MAC retries
    NO_ACK = "join frame not acknowledged"


class JoinFailed(RadioError):
    """A join did not succeed; ``reason`` says why, ``eui64`` is the joiner."""

    def __init__(self, message: str, *, reason: JoinFailure, eui64: str):
        self.reason = reason
        self.eui64 = eui64
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


def check_key(key: object, what: str = "link key") -> bytes:
    """``key`` as 16 bytes (bytes, bytearray or 32 hex digits); :class:`FrameError` if not."""
    if isinstance(key, str):
        text = key.replace(":", "").replace("-", "").replace(" ", "")
        try:
            key = bytes.fromhex(text)
        except ValueError:
            raise FrameError(f"{what} {text!r} is not hex") from None
    if isinstance(key, bytearray | memoryview):
        key = bytes(key)
    if not isinstance(key, bytes) or len(key) != LINK_KEY_LENGTH:
        shown = f"{len(key)} bytes" if isinstance(key, bytes) else type(key).__name__
        raise FrameError(f"{what} must be {LINK_KEY_LENGTH} bytes, not {shown}")
    return key


def link_key_proof(link_key: bytes, eui64: str, nonce: bytes) -> bytes:
    """What a joiner presents to show it holds ``link_key``: HMAC-SHA-256 over the nonce
    and its EUI-64, truncated to 16 bytes.

    It stands for the check ZigBee makes implicitly (05-3474 §4.6.3.2): the Transport
    Key is secured with a key derived from the link key, so only a joiner with the same
    key can decrypt it. The proof lets the trust centre learn *whether* a key matches
    without the key leaving the joiner.
    """
    message = _PROOF_LABEL + nonce + bytes.fromhex(normalize_eui64(eui64))
    return hmac.new(check_key(link_key), message, hashlib.sha256).digest()[:16]


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
    #: an IEEE 802.15.4 MAC command (§7.3): ``chunk`` = command id + payload
    #: (association request 0x01, association response 0x02)
    MAC_COMMAND = "mac-command"
    #: an APS command frame (ZigBee 05-3474 §2.2.5.2.2, §4.4.9): ``chunk`` = command
    #: id + payload in clear (Transport Key 0x05)
    APS_COMMAND = "aps-command"


@dataclass(frozen=True, slots=True)
class AirFrame:
    """One 802.15.4 transmission as a sniffer next to the sender would see it.

    For ``DATA``, ``chunk`` is the part of ``frame.payload`` this transmission carries
    (all of it when ``blocks == 1``; possibly with flipped bits if a corrupt fault hit
    it). For ``APS_ACK``, ``frame`` is the acknowledged data frame (the ack travels from
    ``frame.dst`` to ``frame.src``) and ``chunk`` is empty. For ``MAC_COMMAND`` and
    ``APS_COMMAND``, ``frame`` gives the addresses and ``chunk`` the command. ``attempt``
    is 0 for the first transmission and counts MAC retries; ``lost`` says the
    destination did not receive it.

    ``aps_key`` is the link key that secures the APS frame (for an ``APS_COMMAND``
    Transport Key: the link key the key-transport key is derived from), when the backend
    knows it; a capture writer uses it and offers it to tshark. ``nwk_security`` is
    False for frames sent before the receiver has the network key (the Transport Key,
    §4.6.3.2).
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
    aps_key: bytes | None = field(default=None, repr=False)
    nwk_security: bool = True

    @property
    def fragmented(self) -> bool:
        return self.blocks > 1


@dataclass(frozen=True, slots=True)
class JoinEvent:
    """A device joined the network (trust-centre authenticated, §4.6.3.2)."""

    eui64: str
    nwk: int
    sleepy: bool = False
    timestamp: float = 0.0
    #: the device had been on this network before (a rejoin after a leave or removal)
    rejoin: bool = False


@dataclass(frozen=True, slots=True)
class LeaveEvent:
    """A device left the network."""

    eui64: str
    nwk: int
    timestamp: float = 0.0
    #: removed by the trust centre (e.g. CCS02 took it off the device log), rather than
    #: leaving of its own accord or going away
    removed: bool = False


@dataclass(frozen=True, slots=True)
class JoinRequest:
    """What the trust centre's admission hook sees of a joiner (§4.6.3.2, §4.4.9.3 the
    Update-Device information a parent passes to the trust centre)."""

    eui64: str
    #: the joiner is a sleepy end device (receiver off when idle)
    sleepy: bool = False
    #: the device has been on this network before
    rejoin: bool = False
    nonce: bytes = field(default=b"", repr=False)
    #: :func:`link_key_proof` of the joiner's link key over ``nonce``
    proof: bytes = field(default=b"", repr=False)
    timestamp: float = 0.0

    def verify(self, link_key: bytes) -> bool:
        """Is ``link_key`` the key the joiner holds? (constant-time comparison)"""
        try:
            expected = link_key_proof(link_key, self.eui64, self.nonce)
        except FrameError:
            return False
        return hmac.compare_digest(expected, self.proof)


@dataclass(frozen=True, slots=True)
class AdmissionDecision:
    """The trust centre's answer to a :class:`JoinRequest`.

    Admitting names the link key the trust centre holds for the device (derived from
    its install code, or kept from an earlier membership): the network key is sent
    secured with it, so a key that is not the joiner's makes the join fail
    (:attr:`JoinFailure.KEY_MISMATCH`) even though the hook said yes.
    """

    admitted: bool
    link_key: bytes | None = field(default=None, repr=False)
    reason: str = ""

    def __post_init__(self) -> None:
        if self.admitted:
            object.__setattr__(self, "link_key", check_key(self.link_key))
        elif self.link_key is not None:
            raise FrameError("a refusal carries no link key")

    @classmethod
    def admit(cls, link_key: bytes | str, reason: str = "") -> AdmissionDecision:
        return cls(True, check_key(link_key), reason)

    @classmethod
    def refuse(cls, reason: str) -> AdmissionDecision:
        return cls(False, None, reason)


@dataclass(frozen=True, slots=True)
class JoinResult:
    """What a successful ``join`` returns."""

    eui64: str
    #: the NWK address the parent assigned (§3.6.1.10)
    nwk: int
    #: the network key delivered by the trust centre's Transport Key (§4.4.9.2)
    network_key: bytes = field(repr=False)
    #: its key sequence number
    key_sequence: int = 0
    #: the trust centre's EUI-64
    trust_centre: str = EUI64_UNKNOWN
    rejoin: bool = False
    timestamp: float = 0.0


RadioEvent = JoinEvent | LeaveEvent
#: the trust centre's admission hook: a decision, or an awaitable of one
AdmissionHook = Callable[[JoinRequest], AdmissionDecision | Awaitable[AdmissionDecision]]
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


@runtime_checkable
class JoiningRadio(Radio, Protocol):
    """A device radio that joins with its pre-configured (install-code) link key."""

    @property
    def joined(self) -> bool: ...

    async def join(self, link_key: bytes, *, timeout: float = ...) -> JoinResult:
        """Join; raise :class:`JoinFailed` (refused, wrong key, timeout, …) if not."""
        ...

    async def leave(self) -> None: ...


@runtime_checkable
class SleepyRadio(JoiningRadio, Protocol):
    """A sleepy end device's radio: frames for it wait at its parent until it polls
    (MLME-POLL, IEEE 802.15.4 §7.5.6.3)."""

    async def poll(self) -> int:
        """Fetch what the parent holds; how many frames arrived."""
        ...


@runtime_checkable
class TrustCentreRadio(Radio, Protocol):
    """The coordinator and trust centre of a HAN (§4.6.3.2, §4.7.1)."""

    def set_admission(self, hook: AdmissionHook | None) -> None: ...

    def permit_joining(self, duration_s: float, eui64: str | None = None) -> None: ...

    async def remove(self, eui64: str) -> bool: ...

    def key_established(self, eui64: str, link_key: bytes) -> None: ...


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
