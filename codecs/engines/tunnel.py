# SPDX-License-Identifier: GPL-3.0-or-later
"""The GBCS tunnel: a sans-I/O engine for one ZigBee SE Tunneling cluster (0x0704) tunnel
between the Comms Hub (tunnel SERVER) and one device (tunnel CLIENT).

Theory of operation
===================

References: ZigBee Smart Energy 1.4 (07-5356), annex D.6 "Tunneling cluster": D.6.2 server
(attribute CloseTunnelTimeout; commands received RequestTunnel, CloseTunnel, TransferData,
TransferDataError, AckTransferData, ReadyData, GetSupportedTunnelProtocols; commands generated
RequestTunnelResponse, TransferData, TransferDataError, AckTransferData, ReadyData,
SupportedTunnelProtocolsResponse, TunnelClosureNotification) and D.6.3 client. The
profile-wide Default Response is ZCL 07-5123 §2.5.12. The GBCS use of the tunnel (tunnel
byte ``01`` GET, ``02`` GET-RESPONSE + remaining count + optional message, ``03`` PUT +
message; protocol id 6 "GB-HRGP"; RequestTunnelResponse with maximum incoming transfer size
1500) is zigbee-han.md §5 and §6.6 and gbcs-protocol.md §6.3. FIXME: the SE 1.4 sub-clauses
and ZCL section numbers in this module are quoted from memory; check them against 07-5356 and
07-5123 when the documents are at hand.

I speak ZCL frame bytes (the APS payload on cluster 0x0704) and nothing else: no radio, no
clock, no asyncio (house style §2 and §7 rule 2). Bytes come in through
:meth:`TunnelEngine.receive_data` (one call per received ZCL frame: ZigBee delivers whole
frames, there is no byte stream to cut), events come out of :meth:`TunnelEngine.next_event`
(or :data:`NEED_DATA`), and every command we send is a method that returns the frame bytes
to transmit. Frames are encoded and decoded with the project's ZCL codec
(:func:`gfi.codecs.zcl.encode_zcl_frame` / :func:`~gfi.codecs.zcl.decode_zcl_frame`) and
the Tunneling command schemas declared in :mod:`gfi.codecs.zcl.smart_energy`; this module
declares no wire format of its own.

One engine serves both roles (house style §7 rule 3), chosen by ``role``. Each engine holds
one tunnel. A Comms Hub keeps one ``TunnelEngine(Role.SERVER, tunnel_id=n)`` per device and
allocates the tunnel ids itself (the engine hands out the id it was given); a device keeps one
``TunnelEngine(Role.CLIENT)`` and learns the id from RequestTunnelResponse.

Everything that decides what may happen when sits in :data:`TRANSITIONS`, a module-level
table keyed by ``(state, input)`` and mapping to ``(side effect, next state)``. Inputs are
``SEND_*`` (we send) or ``RECV_*`` (the peer sent). The table does not know which role we
play; :data:`INPUT_ROLES` says which role can meet each input at all (only a client sends
RequestTunnel or GET, only a server sends RequestTunnelResponse or GET-RESPONSE). A pair
missing from the table is a broken rule: the engine goes to ``ERROR`` and raises
:class:`~gfi.errors.LocalProtocolError` when we asked for it (a send method) or
:class:`~gfi.errors.RemoteProtocolError` when the peer did it (``next_event``). As in h11,
any ``LocalProtocolError`` from a send method, argument checks included, leaves the engine in
``ERROR``; an engine in ``ERROR`` refuses every further call. :func:`render_table` draws the
table (Mermaid or Graphviz).

States: ``IDLE`` (no tunnel), ``REQUESTED`` (RequestTunnel sent / received, no answer yet),
``OPEN`` (tunnel established), ``GET_PENDING`` (open, and a GSME's GET waits for its
GET-RESPONSE), ``CLOSED`` (CloseTunnel / TunnelClosureNotification went either way; a new
RequestTunnel starts again), ``ERROR``. A RequestTunnel in ``OPEN`` re-establishes the tunnel
(a device that rebooted asks again).

Sizes and General Block Transfer
--------------------------------
The peer's maximum incoming transfer size comes from the RequestTunnel (at the server) or the
RequestTunnelResponse (at the client). *Sending*, I am conservative: a TransferData frame is
sent whole only when the whole ZCL frame (3-byte ZCL header + 2-byte tunnel id + tunnel byte
+ message) fits the peer's maximum. Otherwise :meth:`TunnelEngine.put` cuts the message into
GBCS General Block Transfer blocks (:func:`gfi.codecs.gbcs.gbt.segment`) and sends each block
message as its own PUT. The block size is ``gbt_block_size`` when given, else the largest
block data size whose PUT frame still fits (1443 bytes for a peer maximum of 1500: a block
message adds 51 bytes of routing and GBT header to its data). A GET-RESPONSE is one frame: a
message that does not fit raises; a Comms Hub then queues the block messages of
:meth:`TunnelEngine.gbt_blocks` as separate GET-RESPONSEs (the remaining count counts blocks).
*Receiving*, I am liberal: only the TransferData ``data`` field (tunnel byte + message) is
held against our maximum incoming transfer size. Received GBT block messages (``DD 09``, in
PUTs or GET-RESPONSEs) are reassembled with :class:`~gfi.codecs.gbcs.gbt.GbtReassembler` and
come out as one :class:`MessageReceived` (or one complete :class:`GetResponse`).

What happens to bad input
-------------------------
:class:`~gfi.errors.RemoteProtocolError`, engine → ``ERROR``:

* a frame of another cluster (``cluster_id`` argument of ``receive_data``), bytes that do not
  decode as a ZCL frame, a manufacturer-specific frame, a reserved frame type, a frame
  travelling in our own direction, an unknown Tunneling command, a profile-wide command other
  than Default Response;
* any command whose ``(state, input)`` is not in the table, e.g. RequestTunnelResponse with
  no request, GET-RESPONSE with no GET, GET sent to a client, CloseTunnel before the tunnel
  is open; CloseTunnel / AckTransferData / ReadyData naming another tunnel id;
* a TransferData with no tunnel byte, an unknown tunnel byte, a GET with trailing bytes, a
  PUT with no message, a GET-RESPONSE with no remaining count or with messages remaining but
  none carried; a GBT block that does not decode or does not fit the blocks before it.

A :class:`TransferDataRefused` event, state unchanged: the cases SE 1.4 answers with
TransferDataError. The caller answers with :meth:`TunnelEngine.transfer_data_error`:

* status 0 *no such tunnel*: TransferData naming a tunnel id that is not our open tunnel,
  including any TransferData before the tunnel is established or after it closed;
* status 1 *wrong device*: TransferData on our tunnel from another source address (only when
  ``receive_data`` is given ``source`` and the peer's address is known);
* status 2 *data overflow*: a TransferData whose data field is larger than our maximum
  incoming transfer size.

Transaction sequence numbers
----------------------------
The engine counts its own ZCL TSN (start value ``tsn``, wrapping at 256); every command it
originates takes the next one. Responses take the TSN of what they answer (ZCL §2.4.1.3):
RequestTunnelResponse echoes the RequestTunnel's TSN and :meth:`~TunnelEngine.default_response`
takes the TSN it is given. Received events carry the TSN of the frame that produced them
(``tsn``; ``tsns`` for a message that took several frames), excluded from equality, so that a
Comms Hub can answer each TransferData with a Default Response.
"""

from __future__ import annotations

import enum
import functools
import logging
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Concatenate, Final, ParamSpec, TypeVar

from gfi.codecs.gbcs.gbt import GbtReassembler, segment
from gfi.codecs.gbcs.message import Cra, GbtBlock, decode_frame
from gfi.codecs.zcl import cluster_def, decode_zcl_frame, encode_zcl_frame
from gfi.codecs.zcl.registry import Direction
from gfi.codecs.zcl.types import ZclStatus, status_value
from gfi.errors import CodecError, LocalProtocolError, RemoteProtocolError

__all__ = [
    "CLIENT",
    "DEFAULT_MAX_INCOMING_TRANSFER_SIZE",
    "INPUT_ROLES",
    "NEED_DATA",
    "PROTOCOL_ID_GB_HRGP",
    "SERVER",
    "TRANSITIONS",
    "TUNNELING_CLUSTER_ID",
    "AckTransferDataReceived",
    "DefaultResponseReceived",
    "GetRequested",
    "GetResponse",
    "Input",
    "MessageReceived",
    "NeedData",
    "ReadyDataReceived",
    "Role",
    "SupportedProtocols",
    "SupportedProtocolsRequested",
    "TransferDataRefused",
    "TransferDataStatus",
    "TransferError",
    "TunnelClosed",
    "TunnelEngine",
    "TunnelEstablished",
    "TunnelEvent",
    "TunnelRejected",
    "TunnelRequested",
    "TunnelState",
    "TunnelStatus",
    "render_table",
]

# ----------------------------------------------------------------------------
# Logging
# ----------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
TUNNELING_CLUSTER_ID: Final = 0x0704
#: Tunnel protocol id 6, "GB-HRGP" in tshark's table (zigbee-han.md §6.6).
PROTOCOL_ID_GB_HRGP: Final = 6
#: What HenryGiraldo's Comms Hub announces (gbcs-protocol.md §6.3).
DEFAULT_MAX_INCOMING_TRANSFER_SIZE: Final = 1500
#: Profile-wide Default Response (ZCL §2.5.12).
DEFAULT_RESPONSE_COMMAND_ID: Final = 0x0B
#: Bytes of a (not manufacturer-specific) ZCL header: frame control, TSN, command id.
ZCL_HEADER_SIZE: Final = 3
#: ZCL header + TransferData tunnel id, before the data field.
TRANSFER_DATA_OVERHEAD: Final = ZCL_HEADER_SIZE + 2

#: The GBCS tunnel byte, first byte of TransferData data (zigbee-han.md §6.6).
GBCS_GET: Final = 0x01
GBCS_GET_RESPONSE: Final = 0x02
GBCS_PUT: Final = 0x03

_GBT_PREFIX: Final = b"\xdd\x09"


class Role(enum.Enum):
    """Which end of the tunnel we are: the Comms Hub is the SERVER, a device the CLIENT."""

    CLIENT = "client"
    SERVER = "server"


CLIENT: Final = Role.CLIENT
SERVER: Final = Role.SERVER


class TunnelState(enum.Enum):
    """States of one tunnel, the same names for both roles."""

    IDLE = "IDLE"
    REQUESTED = "REQUESTED"
    OPEN = "OPEN"
    GET_PENDING = "GET_PENDING"
    CLOSED = "CLOSED"
    ERROR = "ERROR"


class TunnelStatus(enum.IntEnum):
    """RequestTunnelResponse TunnelStatus (SE 1.4 D.6)."""

    SUCCESS = 0x00
    BUSY = 0x01
    NO_MORE_TUNNEL_IDS = 0x02
    PROTOCOL_NOT_SUPPORTED = 0x03
    FLOW_CONTROL_NOT_SUPPORTED = 0x04


class TransferDataStatus(enum.IntEnum):
    """TransferDataError TransferDataStatus (SE 1.4 D.6)."""

    NO_SUCH_TUNNEL = 0x00
    WRONG_DEVICE = 0x01
    DATA_OVERFLOW = 0x02


class NeedData(enum.Enum):
    """``next_event`` has nothing to give until more frames arrive."""

    NEED_DATA = "NEED_DATA"


NEED_DATA: Final = NeedData.NEED_DATA


class Input(enum.Enum):
    """What can happen to a tunnel: ``SEND_*`` we send, ``RECV_*`` the peer sent."""

    SEND_REQUEST_TUNNEL = enum.auto()
    RECV_REQUEST_TUNNEL = enum.auto()
    SEND_TUNNEL_ACCEPT = enum.auto()
    RECV_TUNNEL_ACCEPT = enum.auto()
    SEND_TUNNEL_REJECT = enum.auto()
    RECV_TUNNEL_REJECT = enum.auto()
    #: A Default Response with a failure status to our RequestTunnel.
    RECV_REQUEST_TUNNEL_FAILED = enum.auto()
    SEND_PUT = enum.auto()
    RECV_PUT = enum.auto()
    SEND_GET = enum.auto()
    RECV_GET = enum.auto()
    SEND_GET_RESPONSE = enum.auto()
    RECV_GET_RESPONSE = enum.auto()
    #: TransferData naming no tunnel we have open (→ TransferDataError 0).
    RECV_DATA_NO_SUCH_TUNNEL = enum.auto()
    #: TransferData on our tunnel from another source (→ TransferDataError 1).
    RECV_DATA_WRONG_DEVICE = enum.auto()
    #: TransferData larger than our maximum incoming transfer size (→ TransferDataError 2).
    RECV_DATA_OVERFLOW = enum.auto()
    SEND_CLOSE = enum.auto()
    RECV_CLOSE = enum.auto()
    SEND_TRANSFER_DATA_ERROR = enum.auto()
    RECV_TRANSFER_DATA_ERROR = enum.auto()
    SEND_ACK_TRANSFER_DATA = enum.auto()
    RECV_ACK_TRANSFER_DATA = enum.auto()
    SEND_READY_DATA = enum.auto()
    RECV_READY_DATA = enum.auto()
    SEND_DEFAULT_RESPONSE = enum.auto()
    RECV_DEFAULT_RESPONSE = enum.auto()
    SEND_GET_SUPPORTED_PROTOCOLS = enum.auto()
    RECV_GET_SUPPORTED_PROTOCOLS = enum.auto()
    SEND_SUPPORTED_PROTOCOLS = enum.auto()
    RECV_SUPPORTED_PROTOCOLS = enum.auto()

    @property
    def sent(self) -> bool:
        return self.name.startswith("SEND_")


_C = frozenset({Role.CLIENT})
_S = frozenset({Role.SERVER})

#: The roles that can meet each input; inputs not listed here belong to both roles.
INPUT_ROLES: Final[Mapping[Input, frozenset[Role]]] = {
    Input.SEND_REQUEST_TUNNEL: _C,
    Input.RECV_REQUEST_TUNNEL: _S,
    Input.SEND_TUNNEL_ACCEPT: _S,
    Input.SEND_TUNNEL_REJECT: _S,
    Input.RECV_TUNNEL_ACCEPT: _C,
    Input.RECV_TUNNEL_REJECT: _C,
    Input.RECV_REQUEST_TUNNEL_FAILED: _C,
    Input.SEND_GET: _C,
    Input.RECV_GET: _S,
    Input.SEND_GET_RESPONSE: _S,
    Input.RECV_GET_RESPONSE: _C,
    Input.SEND_GET_SUPPORTED_PROTOCOLS: _C,
    Input.RECV_GET_SUPPORTED_PROTOCOLS: _S,
    Input.SEND_SUPPORTED_PROTOCOLS: _S,
    Input.RECV_SUPPORTED_PROTOCOLS: _C,
}


# ----------------------------------------------------------------------------
# Events (frozen; do not subclass them further)
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class TunnelEvent:
    """Base of the events :meth:`TunnelEngine.next_event` returns."""


@dataclass(frozen=True)
class TunnelRequested(TunnelEvent):
    """(server) A device sent RequestTunnel; answer with ``request_tunnel_response``."""

    protocol_id: int
    manufacturer_code: int
    flow_control_support: bool
    max_transfer_size: int
    tsn: int = field(default=0, compare=False)


@dataclass(frozen=True)
class TunnelEstablished(TunnelEvent):
    """(client) RequestTunnelResponse SUCCESS: the tunnel id and the server's maximum
    incoming transfer size."""

    tunnel_id: int
    max_transfer_size: int
    tsn: int = field(default=0, compare=False)


@dataclass(frozen=True)
class TunnelRejected(TunnelEvent):
    """(client) RequestTunnelResponse with a failure :class:`TunnelStatus`."""

    tunnel_id: int
    status: int
    tsn: int = field(default=0, compare=False)


@dataclass(frozen=True)
class MessageReceived(TunnelEvent):
    """A whole GBCS message arrived in PUT(s) (GBT blocks already reassembled)."""

    message: bytes
    tsns: tuple[int, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class GetRequested(TunnelEvent):
    """(server) A device sent GET: answer with ``get_response``."""

    tsn: int = field(default=0, compare=False)


@dataclass(frozen=True)
class GetResponse(TunnelEvent):
    """(client) GET-RESPONSE: the count of messages still queued and the message carried.

    ``incomplete`` is true when the GET-RESPONSE carried a GBT block that did not complete
    its message (``message`` is then ``None``; GET again for the next block)."""

    remaining: int
    message: bytes | None
    incomplete: bool = False
    tsn: int = field(default=0, compare=False)


@dataclass(frozen=True)
class TunnelClosed(TunnelEvent):
    """The peer closed the tunnel (CloseTunnel or TunnelClosureNotification)."""

    tunnel_id: int
    tsn: int = field(default=0, compare=False)


@dataclass(frozen=True)
class TransferError(TunnelEvent):
    """The peer sent TransferDataError (:class:`TransferDataStatus`)."""

    tunnel_id: int
    status: int
    tsn: int = field(default=0, compare=False)


@dataclass(frozen=True)
class TransferDataRefused(TunnelEvent):
    """We received a TransferData SE 1.4 answers with TransferDataError ``status``; send
    ``transfer_data_error(status, tunnel_id=tunnel_id)``. The data was dropped."""

    tunnel_id: int
    status: int
    tsn: int = field(default=0, compare=False)


@dataclass(frozen=True)
class AckTransferDataReceived(TunnelEvent):
    """The peer sent AckTransferData (flow control)."""

    tunnel_id: int
    number_of_bytes_left: int
    tsn: int = field(default=0, compare=False)


@dataclass(frozen=True)
class ReadyDataReceived(TunnelEvent):
    """The peer sent ReadyData (flow control)."""

    tunnel_id: int
    number_of_octets_left: int
    tsn: int = field(default=0, compare=False)


@dataclass(frozen=True)
class DefaultResponseReceived(TunnelEvent):
    """The peer sent a profile-wide Default Response to our ``command_id``."""

    command_id: int
    status: int
    tsn: int = field(default=0, compare=False)


@dataclass(frozen=True)
class SupportedProtocolsRequested(TunnelEvent):
    """(server) GetSupportedTunnelProtocols."""

    protocol_offset: int
    tsn: int = field(default=0, compare=False)


@dataclass(frozen=True)
class SupportedProtocols(TunnelEvent):
    """(client) SupportedTunnelProtocolsResponse: ``(manufacturer_code, protocol_id)``
    pairs."""

    complete: bool
    protocols: tuple[tuple[int, int], ...]
    tsn: int = field(default=0, compare=False)


# ----------------------------------------------------------------------------
# The transition table
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Frame:
    """One frame, sent or received, as the side effects see it."""

    tsn: int
    payload: Mapping[str, Any]
    #: TransferData: what follows the GBCS tunnel byte.
    body: bytes = b""
    source: object = None


SideEffect = Callable[["TunnelEngine", _Frame], list[TunnelEvent]]


def _nothing(engine: TunnelEngine, frame: _Frame) -> list[TunnelEvent]:
    return []


def _request_sent(engine: TunnelEngine, frame: _Frame) -> list[TunnelEvent]:
    engine._forget_tunnel()
    return []


def _tunnel_requested(engine: TunnelEngine, frame: _Frame) -> list[TunnelEvent]:
    p = frame.payload
    engine._forget_tunnel()
    engine._request = p
    engine._request_tsn = frame.tsn
    engine._peer_max = int(p["maximum_incoming_transfer_size"])
    engine._peer_address = frame.source
    return [TunnelRequested(int(p["protocol_id"]), int(p["manufacturer_code"]),
                            bool(p["flow_control_support"]),
                            int(p["maximum_incoming_transfer_size"]), tsn=frame.tsn)]


def _accept_sent(engine: TunnelEngine, frame: _Frame) -> list[TunnelEvent]:
    engine._tunnel_id = int(frame.payload["tunnel_id"])
    engine._reset_reassembly()
    return []


def _reject_sent(engine: TunnelEngine, frame: _Frame) -> list[TunnelEvent]:
    engine._forget_tunnel()
    return []


def _tunnel_accepted(engine: TunnelEngine, frame: _Frame) -> list[TunnelEvent]:
    p = frame.payload
    engine._tunnel_id = int(p["tunnel_id"])
    engine._peer_max = int(p["maximum_incoming_transfer_size"])
    engine._peer_address = frame.source
    engine._reset_reassembly()
    return [TunnelEstablished(engine._tunnel_id, engine._peer_max, tsn=frame.tsn)]


def _tunnel_rejected(engine: TunnelEngine, frame: _Frame) -> list[TunnelEvent]:
    engine._forget_tunnel()
    return [TunnelRejected(int(frame.payload["tunnel_id"]),
                           int(frame.payload["tunnel_status"]), tsn=frame.tsn)]


def _put_received(engine: TunnelEngine, frame: _Frame) -> list[TunnelEvent]:
    message, tsns = engine._reassemble("put", frame.body, frame.tsn)
    return [] if message is None else [MessageReceived(message, tsns)]


def _get_received(engine: TunnelEngine, frame: _Frame) -> list[TunnelEvent]:
    return [GetRequested(tsn=frame.tsn)]


def _get_response_received(engine: TunnelEngine, frame: _Frame) -> list[TunnelEvent]:
    remaining, carried = frame.body[0], frame.body[1:]
    if not carried:
        if remaining:
            raise RemoteProtocolError(
                f"GET-RESPONSE says {remaining} message(s) remain but carries none")
        return [GetResponse(0, None, tsn=frame.tsn)]
    message, _ = engine._reassemble("get_response", carried, frame.tsn)
    return [GetResponse(remaining, message, message is None, tsn=frame.tsn)]


def _close_sent(engine: TunnelEngine, frame: _Frame) -> list[TunnelEvent]:
    engine._reset_reassembly()
    return []


def _closed(engine: TunnelEngine, frame: _Frame) -> list[TunnelEvent]:
    engine._reset_reassembly()
    return [TunnelClosed(int(frame.payload["tunnel_id"]), tsn=frame.tsn)]


def _refuse(status: TransferDataStatus) -> SideEffect:
    def refuse(engine: TunnelEngine, frame: _Frame) -> list[TunnelEvent]:
        return [TransferDataRefused(int(frame.payload["tunnel_id"]), status, tsn=frame.tsn)]

    refuse.__name__ = f"_refuse_{status.name.lower()}"
    return refuse


def _transfer_error(engine: TunnelEngine, frame: _Frame) -> list[TunnelEvent]:
    p = frame.payload
    return [TransferError(int(p["tunnel_id"]), int(p["transfer_data_status"]), tsn=frame.tsn)]


def _ack_received(engine: TunnelEngine, frame: _Frame) -> list[TunnelEvent]:
    p = frame.payload
    return [AckTransferDataReceived(int(p["tunnel_id"]), int(p["number_of_bytes_left"]),
                                    tsn=frame.tsn)]


def _ready_received(engine: TunnelEngine, frame: _Frame) -> list[TunnelEvent]:
    p = frame.payload
    return [ReadyDataReceived(int(p["tunnel_id"]), int(p["number_of_octets_left"]),
                              tsn=frame.tsn)]


def _default_response(engine: TunnelEngine, frame: _Frame) -> list[TunnelEvent]:
    p = frame.payload
    return [DefaultResponseReceived(int(p["command_id"]), _status(p["status"]), tsn=frame.tsn)]


def _request_failed(engine: TunnelEngine, frame: _Frame) -> list[TunnelEvent]:
    engine._forget_tunnel()
    return _default_response(engine, frame)


def _protocols_requested(engine: TunnelEngine, frame: _Frame) -> list[TunnelEvent]:
    return [SupportedProtocolsRequested(int(frame.payload["protocol_offset"]), tsn=frame.tsn)]


def _protocols_received(engine: TunnelEngine, frame: _Frame) -> list[TunnelEvent]:
    p = frame.payload
    protocols = tuple((int(e["manufacturer_code"]), int(e["protocol_id"]))
                      for e in p["protocols"])
    return [SupportedProtocols(bool(p["protocol_list_complete"]), protocols, tsn=frame.tsn)]


S = TunnelState
I = Input  # noqa: E741
_ALIVE = (S.IDLE, S.REQUESTED, S.OPEN, S.GET_PENDING, S.CLOSED)
_ESTABLISHED = (S.OPEN, S.GET_PENDING)
_REQUESTABLE = (S.IDLE, S.OPEN, S.GET_PENDING, S.CLOSED)


def _everywhere(
    states: Iterable[TunnelState], inp: Input, effect: SideEffect
) -> dict[tuple[TunnelState, Input], tuple[SideEffect, TunnelState]]:
    """``inp`` allowed in each of ``states``, leaving the state as it is."""
    return {(s, inp): (effect, s) for s in states}


# fmt: off
#: (state, input) → (side effect, next state). Anything missing is a broken rule.
TRANSITIONS: Final[Mapping[tuple[TunnelState, Input], tuple[SideEffect, TunnelState]]] = {
    # -- establishing (RequestTunnel / RequestTunnelResponse) -----------------------------
    **{(s, I.SEND_REQUEST_TUNNEL): (_request_sent, S.REQUESTED) for s in _REQUESTABLE},
    **{(s, I.RECV_REQUEST_TUNNEL): (_tunnel_requested, S.REQUESTED)
       for s in (*_REQUESTABLE, S.REQUESTED)},
    (S.REQUESTED, I.SEND_TUNNEL_ACCEPT):         (_accept_sent,       S.OPEN),
    (S.REQUESTED, I.SEND_TUNNEL_REJECT):         (_reject_sent,       S.IDLE),
    (S.REQUESTED, I.RECV_TUNNEL_ACCEPT):         (_tunnel_accepted,   S.OPEN),
    (S.REQUESTED, I.RECV_TUNNEL_REJECT):         (_tunnel_rejected,   S.IDLE),
    (S.REQUESTED, I.RECV_REQUEST_TUNNEL_FAILED): (_request_failed,    S.IDLE),
    **_everywhere((S.IDLE, S.OPEN, S.GET_PENDING, S.CLOSED),
                  I.RECV_REQUEST_TUNNEL_FAILED, _default_response),
    # -- GBCS traffic: PUT either way, GET / GET-RESPONSE for sleepy devices --------------
    **_everywhere(_ESTABLISHED, I.SEND_PUT, _nothing),
    **_everywhere(_ESTABLISHED, I.RECV_PUT, _put_received),
    (S.OPEN,        I.SEND_GET):                 (_nothing,               S.GET_PENDING),
    (S.OPEN,        I.RECV_GET):                 (_get_received,          S.GET_PENDING),
    (S.GET_PENDING, I.SEND_GET_RESPONSE):        (_nothing,               S.OPEN),
    (S.GET_PENDING, I.RECV_GET_RESPONSE):        (_get_response_received, S.OPEN),
    # -- TransferData SE 1.4 answers with TransferDataError -------------------------------
    **_everywhere(_ALIVE, I.RECV_DATA_NO_SUCH_TUNNEL, _refuse(TransferDataStatus.NO_SUCH_TUNNEL)),
    **_everywhere(_ESTABLISHED, I.RECV_DATA_WRONG_DEVICE, _refuse(TransferDataStatus.WRONG_DEVICE)),
    **_everywhere(_ESTABLISHED, I.RECV_DATA_OVERFLOW, _refuse(TransferDataStatus.DATA_OVERFLOW)),
    **_everywhere(_ALIVE, I.SEND_TRANSFER_DATA_ERROR, _nothing),
    **_everywhere(_ALIVE, I.RECV_TRANSFER_DATA_ERROR, _transfer_error),
    # -- flow control (GBCS does not ask for it; accepted while the tunnel is open) -------
    **_everywhere(_ESTABLISHED, I.SEND_ACK_TRANSFER_DATA, _nothing),
    **_everywhere(_ESTABLISHED, I.RECV_ACK_TRANSFER_DATA, _ack_received),
    **_everywhere(_ESTABLISHED, I.SEND_READY_DATA, _nothing),
    **_everywhere(_ESTABLISHED, I.RECV_READY_DATA, _ready_received),
    # -- closing -------------------------------------------------------------------------
    **{(s, I.SEND_CLOSE): (_close_sent, S.CLOSED) for s in _ESTABLISHED},
    **{(s, I.RECV_CLOSE): (_closed, S.CLOSED) for s in _ESTABLISHED},
    # -- anytime --------------------------------------------------------------------------
    **_everywhere(_ALIVE, I.SEND_DEFAULT_RESPONSE, _nothing),
    **_everywhere(_ALIVE, I.RECV_DEFAULT_RESPONSE, _default_response),
    **_everywhere(_ALIVE, I.SEND_GET_SUPPORTED_PROTOCOLS, _nothing),
    **_everywhere(_ALIVE, I.RECV_GET_SUPPORTED_PROTOCOLS, _protocols_requested),
    **_everywhere(_ALIVE, I.SEND_SUPPORTED_PROTOCOLS, _nothing),
    **_everywhere(_ALIVE, I.RECV_SUPPORTED_PROTOCOLS, _protocols_received),
}
# fmt: on
del S, I


def render_table(fmt: str = "mermaid") -> str:
    """:data:`TRANSITIONS` as a Mermaid ``stateDiagram-v2`` (``fmt="mermaid"``) or a
    Graphviz digraph (``fmt="dot"``); inputs one role only meets are marked with it."""
    edges: dict[tuple[TunnelState, TunnelState], list[str]] = {}
    for (state, inp), (_, target) in TRANSITIONS.items():
        roles = INPUT_ROLES.get(inp)
        label = inp.name if roles is None else f"{inp.name} ({next(iter(roles)).value})"
        edges.setdefault((state, target), []).append(label)
    ordered = sorted(edges.items(), key=lambda kv: (list(TunnelState).index(kv[0][0]),
                                                    list(TunnelState).index(kv[0][1])))
    if fmt == "mermaid":
        lines = ["stateDiagram-v2", f"    [*] --> {TunnelState.IDLE.value}"]
        for (src, dst), labels in ordered:
            lines.append(f"    {src.value} --> {dst.value} : {'<br/>'.join(labels)}")
        lines.append(f"    note right of {TunnelState.ERROR.value} : any pair not listed")
        return "\n".join(lines) + "\n"
    if fmt == "dot":
        lines = ["digraph tunnel {", "    rankdir=LR;", "    node [shape=box];"]
        for (src, dst), labels in ordered:
            text = "\\n".join(labels)
            lines.append(f'    {src.value} -> {dst.value} [label="{text}"];')
        lines.append(f'    {TunnelState.ERROR.value} [label="ERROR\\n(any pair not listed)"];')
        lines.append("}")
        return "\n".join(lines) + "\n"
    raise ValueError(f"unknown format {fmt!r}: use 'mermaid' or 'dot'")


# ----------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------
def _tunneling_command_ids() -> dict[tuple[Direction, str], int]:
    tunneling = cluster_def(TUNNELING_CLUSTER_ID)
    if tunneling is None:  # pragma: no cover - the ZCL registry always declares it
        raise ImportError("the ZCL registry does not declare the Tunneling cluster")
    return {(d, c.name): c.id for d in Direction for c in tunneling.commands(d).values()}


#: (direction, command name) → command id, from the ZCL registry.
_COMMAND_IDS: Final = _tunneling_command_ids()


def _status(value: Any) -> int:
    found = status_value(value)
    if not isinstance(found, int):  # pragma: no cover - decoded statuses are known or ints
        raise RemoteProtocolError(f"unknown ZCL status {value!r}")
    return found


def _check_uint(name: str, value: int, bits: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << bits:
        raise LocalProtocolError(f"{name} must be an unsigned {bits}-bit integer, got {value!r}")
    return value


@functools.lru_cache(maxsize=32)
def _gbt_overhead(block_data_size: int) -> int:
    """Bytes a GBT block message adds to ``block_data_size`` bytes of block data."""
    dummy = GbtBlock(cra=Cra(1), counter=0, originator="00" * 8, recipient="00" * 8,
                     message_code=0, block_number=1, block_data=bytes(block_data_size),
                     last_block=True)
    return len(dummy.to_bytes()) - block_data_size


def largest_gbt_block(frame_budget: int) -> int:
    """The largest block data size whose GBT block message fits ``frame_budget`` bytes
    (0 when none does)."""
    n = max(frame_budget - _gbt_overhead(1), 0)
    while n > 0 and n + _gbt_overhead(n) > frame_budget:
        n -= 1
    return n


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _sends(
    method: Callable[Concatenate[TunnelEngine, _P], _R],
) -> Callable[Concatenate[TunnelEngine, _P], _R]:
    """A send method: refused in ERROR, and any LocalProtocolError leaves the engine in
    ERROR (as h11 does)."""

    @functools.wraps(method)
    def wrapper(self: TunnelEngine, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        if self._state is TunnelState.ERROR:
            raise LocalProtocolError("the tunnel engine is in the ERROR state")
        try:
            return method(self, *args, **kwargs)
        except LocalProtocolError:
            self._state = TunnelState.ERROR
            raise

    return wrapper


# ----------------------------------------------------------------------------
# The engine
# ----------------------------------------------------------------------------
class TunnelEngine:
    """One GBCS tunnel, either end (see the module docstring).

    :param role: :data:`CLIENT` (device) or :data:`SERVER` (Comms Hub).
    :param max_incoming_transfer_size: what we announce and enforce on reception.
    :param protocol_id: the tunnel protocol (6, GB-HRGP). A client requests it; a server
        answers ``PROTOCOL_NOT_SUPPORTED`` by default to requests for another one.
    :param manufacturer_code: sent with and checked like ``protocol_id`` (0xFFFF: none).
    :param gbt_block_size: GBT block data size for oversized PUTs; ``None`` = the largest
        that fits the peer's maximum incoming transfer size.
    :param tunnel_id: (server) the tunnel id this engine hands out.
    :param tsn: first ZCL transaction sequence number we use.
    :param flow_control_support: what a client asks for / a server supports (GBCS: no).
    :param disable_default_response: set the ZCL disable-default-response bit on the
        commands we originate.
    """

    def __init__(
        self,
        role: Role,
        *,
        max_incoming_transfer_size: int = DEFAULT_MAX_INCOMING_TRANSFER_SIZE,
        protocol_id: int = PROTOCOL_ID_GB_HRGP,
        manufacturer_code: int = 0xFFFF,
        gbt_block_size: int | None = None,
        tunnel_id: int = 0,
        tsn: int = 0,
        flow_control_support: bool = False,
        disable_default_response: bool = False,
    ) -> None:
        if not isinstance(role, Role):
            raise LocalProtocolError(f"role must be a Role, got {role!r}")
        self.role: Final = role
        self.max_incoming_transfer_size: Final = _check_uint(
            "max_incoming_transfer_size", max_incoming_transfer_size, 16)
        self.protocol_id: Final = _check_uint("protocol_id", protocol_id, 8)
        self.manufacturer_code: Final = _check_uint("manufacturer_code", manufacturer_code, 16)
        if gbt_block_size is not None and (
                isinstance(gbt_block_size, bool) or not isinstance(gbt_block_size, int)
                or gbt_block_size < 1):
            raise LocalProtocolError(f"gbt_block_size must be at least 1, got {gbt_block_size!r}")
        self.gbt_block_size: Final = gbt_block_size
        self.flow_control_support: Final = bool(flow_control_support)
        self.disable_default_response: Final = bool(disable_default_response)
        self._server_tunnel_id = _check_uint("tunnel_id", tunnel_id, 16)
        self._tsn = _check_uint("tsn", tsn, 8)
        self._our_direction = (Direction.CLIENT_TO_SERVER if role is Role.CLIENT
                               else Direction.SERVER_TO_CLIENT)
        self._peer_direction = (Direction.SERVER_TO_CLIENT if role is Role.CLIENT
                                else Direction.CLIENT_TO_SERVER)
        self._state = TunnelState.IDLE
        self._tunnel_id: int | None = None
        self._peer_max: int | None = None
        self._peer_address: object = None
        self._request: Mapping[str, Any] | None = None
        self._request_tsn = 0
        self._incoming: deque[tuple[bytes, object, int]] = deque()
        self._events: deque[TunnelEvent] = deque()
        self._reassemblers: dict[str, tuple[GbtReassembler, list[int]]] = {}

    # -- inspection --------------------------------------------------------------------
    @property
    def state(self) -> TunnelState:
        return self._state

    @property
    def tunnel_id(self) -> int | None:
        """The tunnel id while one is established (or being answered, at a server)."""
        return self._tunnel_id

    @property
    def peer_max_transfer_size(self) -> int | None:
        """The peer's maximum incoming transfer size, once known."""
        return self._peer_max

    @property
    def peer_address(self) -> object:
        """The ``source`` given with the frame that opened the tunnel, if any."""
        return self._peer_address

    @property
    def tsn(self) -> int:
        """The next transaction sequence number we will use."""
        return self._tsn

    def __repr__(self) -> str:
        return (f"<TunnelEngine {self.role.value} {self._state.value} "
                f"tunnel={self._tunnel_id} tsn={self._tsn}>")

    # -- receiving ---------------------------------------------------------------------
    def receive_data(self, data: bytes, *, source: object = None,
                     cluster_id: int = TUNNELING_CLUSTER_ID) -> None:
        """Queue one received ZCL frame (the APS payload). ``source`` (any comparable
        address) enables the wrong-device check; ``cluster_id`` is the APS cluster the
        frame came on. Nothing is parsed before :meth:`next_event`."""
        if self._state is TunnelState.ERROR:
            raise LocalProtocolError("the tunnel engine is in the ERROR state")
        self._incoming.append((bytes(data), source, cluster_id))

    def next_event(self) -> TunnelEvent | NeedData:
        """The next event, or :data:`NEED_DATA`. Raises :class:`RemoteProtocolError` (and
        the engine goes to ERROR) when the peer broke a rule."""
        if self._state is TunnelState.ERROR:
            raise LocalProtocolError("the tunnel engine is in the ERROR state")
        while not self._events:
            if not self._incoming:
                return NEED_DATA
            data, source, cluster_id = self._incoming.popleft()
            try:
                self._process(data, source, cluster_id)
            except RemoteProtocolError:
                self._state = TunnelState.ERROR
                raise
            except CodecError as exc:
                self._state = TunnelState.ERROR
                raise RemoteProtocolError(f"malformed Tunneling frame: {exc}") from exc
        return self._events.popleft()

    def _process(self, data: bytes, source: object, cluster_id: int) -> None:
        if cluster_id != TUNNELING_CLUSTER_ID:
            raise RemoteProtocolError(
                f"frame for cluster 0x{cluster_id:04X}, not Tunneling 0x0704")
        frame = decode_zcl_frame(data, TUNNELING_CLUSTER_ID)
        fc = frame["frame_control"]
        tsn = int(frame["sequence_number"])
        command_id = int(frame["command_id"])
        logger.debug("← %s tunnel frame tsn=%d %s", self.role.value, tsn, data.hex())
        if fc["manufacturer_specific"]:
            raise RemoteProtocolError("manufacturer-specific frame on the Tunneling cluster")
        direction = Direction.of(fc["direction"])
        if direction is not self._peer_direction:
            raise RemoteProtocolError(
                f"frame travels {direction.label}; a {self.role.value} receives "
                f"{self._peer_direction.label} only")
        payload: Mapping[str, Any] = frame["payload"]
        if fc["frame_type"] == "profile_wide":
            if command_id != DEFAULT_RESPONSE_COMMAND_ID:
                raise RemoteProtocolError(
                    f"profile-wide command 0x{command_id:02X} is not handled by the tunnel")
            failed_request = (self.role is Role.CLIENT
                              and payload["command_id"] == _COMMAND_IDS[
                                  (self._our_direction, "request_tunnel")]
                              and _status(payload["status"]) != ZclStatus.SUCCESS)
            inp = Input.RECV_REQUEST_TUNNEL_FAILED if failed_request else \
                Input.RECV_DEFAULT_RESPONSE
            self._apply(inp, _Frame(tsn, payload, source=source))
            return
        if fc["frame_type"] != "cluster_specific":
            raise RemoteProtocolError(f"reserved ZCL frame type {fc['frame_type']!r}")
        name = frame["command_name"]
        if name is None:
            raise RemoteProtocolError(
                f"unknown Tunneling command 0x{command_id:02X} ({direction.label})")
        inp, body = self._classify(name, payload, source)
        self._apply(inp, _Frame(tsn, payload, body, source))

    def _classify(self, name: str, payload: Mapping[str, Any],
                  source: object) -> tuple[Input, bytes]:
        """The input a received cluster-specific command is, and the TransferData body."""
        if name == "transfer_data":
            return self._classify_transfer(payload, source)
        simple = {
            "request_tunnel": Input.RECV_REQUEST_TUNNEL,
            "close_tunnel": Input.RECV_CLOSE,
            "tunnel_closure_notification": Input.RECV_CLOSE,
            "transfer_data_error": Input.RECV_TRANSFER_DATA_ERROR,
            "ack_transfer_data": Input.RECV_ACK_TRANSFER_DATA,
            "ready_data": Input.RECV_READY_DATA,
            "get_supported_tunnel_protocols": Input.RECV_GET_SUPPORTED_PROTOCOLS,
            "supported_tunnel_protocols_response": Input.RECV_SUPPORTED_PROTOCOLS,
        }
        if name == "request_tunnel_response":
            ok = int(payload["tunnel_status"]) == TunnelStatus.SUCCESS
            return (Input.RECV_TUNNEL_ACCEPT if ok else Input.RECV_TUNNEL_REJECT), b""
        if name not in simple:  # pragma: no cover - every declared command is listed
            raise RemoteProtocolError(f"Tunneling command {name} is not handled")
        inp = simple[name]
        if (inp in (Input.RECV_CLOSE, Input.RECV_ACK_TRANSFER_DATA, Input.RECV_READY_DATA)
                and self._tunnel_id is not None and self._state in _ESTABLISHED
                and int(payload["tunnel_id"]) != self._tunnel_id):
            raise RemoteProtocolError(
                f"{name} for tunnel {payload['tunnel_id']}, ours is {self._tunnel_id}")
        return inp, b""

    def _classify_transfer(self, payload: Mapping[str, Any],
                           source: object) -> tuple[Input, bytes]:
        tunnel_id = int(payload["tunnel_id"])
        data = bytes.fromhex(payload["data"])
        if self._state not in _ESTABLISHED or tunnel_id != self._tunnel_id:
            return Input.RECV_DATA_NO_SUCH_TUNNEL, b""
        if (source is not None and self._peer_address is not None
                and source != self._peer_address):
            return Input.RECV_DATA_WRONG_DEVICE, b""
        if len(data) > self.max_incoming_transfer_size:
            return Input.RECV_DATA_OVERFLOW, b""
        if not data:
            raise RemoteProtocolError("TransferData without a GBCS tunnel byte")
        command, body = data[0], data[1:]
        if command == GBCS_GET:
            if body:
                raise RemoteProtocolError(f"GET followed by {len(body)} byte(s)")
            return Input.RECV_GET, b""
        if command == GBCS_GET_RESPONSE:
            if not body:
                raise RemoteProtocolError("GET-RESPONSE without the remaining-messages count")
            return Input.RECV_GET_RESPONSE, body
        if command == GBCS_PUT:
            if not body:
                raise RemoteProtocolError("PUT without a GBCS message")
            return Input.RECV_PUT, body
        raise RemoteProtocolError(f"unknown GBCS tunnel byte 0x{command:02X}")

    # -- the table ---------------------------------------------------------------------
    def _transition(self, inp: Input) -> tuple[SideEffect, TunnelState]:
        """The table entry for ``inp`` now, or raise (the kind of error by direction)."""
        error = LocalProtocolError if inp.sent else RemoteProtocolError
        roles = INPUT_ROLES.get(inp)
        if roles is not None and self.role not in roles:
            raise error(f"{inp.name} is not possible for a tunnel {self.role.value}")
        found = TRANSITIONS.get((self._state, inp))
        if found is None:
            raise error(f"{inp.name} is not allowed in state {self._state.value} "
                        f"(tunnel {self.role.value})")
        return found

    def _apply(self, inp: Input, frame: _Frame) -> None:
        effect, target = self._transition(inp)
        events = effect(self, frame)
        logger.debug("%s %s: %s → %s", self.role.value, inp.name, self._state.value,
                     target.value)
        self._state = target
        self._events.extend(events)

    # -- recovery (the caller decides; the engine never recovers on its own) ----------
    def recover(self) -> TunnelState:
        """Leave ERROR after a peer's bad frame: back to OPEN when a tunnel had been
        established (its id and the peer's limits are kept), else IDLE. Frames queued but
        not processed and partial reassemblies are dropped. Returns the new state."""
        self._incoming.clear()
        self._reset_reassembly()
        self._state = TunnelState.OPEN if self._tunnel_id is not None else TunnelState.IDLE
        return self._state

    def abandon_get(self) -> None:
        """(client) Give up waiting for the answer to a GET that was lost (its frame was
        not delivered, or no GET-RESPONSE came in time): GET_PENDING → OPEN."""
        if self._state is TunnelState.GET_PENDING:
            self._state = TunnelState.OPEN

    # -- tunnel bookkeeping (used by the side effects) ---------------------------------
    def _forget_tunnel(self) -> None:
        self._tunnel_id = None
        self._peer_max = None
        self._peer_address = None
        self._request = None
        self._reset_reassembly()

    def _reset_reassembly(self) -> None:
        self._reassemblers.clear()

    def _reassemble(self, channel: str, carried: bytes,
                    tsn: int) -> tuple[bytes | None, tuple[int, ...]]:
        """A message carried whole, or fed to the GBT reassembler of ``channel``."""
        if not carried.startswith(_GBT_PREFIX):
            return carried, (tsn,)
        block = decode_frame(carried)
        if not isinstance(block, GbtBlock):  # pragma: no cover - DD 09 always decodes so
            raise RemoteProtocolError("DD 09 message is not a GBT block")
        reassembler, tsns = self._reassemblers.setdefault(channel, (GbtReassembler(), []))
        tsns.append(tsn)
        message = reassembler.feed(block)
        if message is None:
            return None, ()
        del self._reassemblers[channel]
        return message, tuple(tsns)

    # -- sending -------------------------------------------------------------------------
    def _frame(self, command: str, payload: Mapping[str, Any], *, tsn: int,
               profile_wide: bool = False, disable_default_response: bool | None = None) -> bytes:
        ddr = (self.disable_default_response if disable_default_response is None
               else disable_default_response)
        command_id = (DEFAULT_RESPONSE_COMMAND_ID if profile_wide
                      else _COMMAND_IDS[(self._our_direction, command)])
        tree = {
            "frame_control": {
                "frame_type": "profile_wide" if profile_wide else "cluster_specific",
                "manufacturer_specific": False,
                "direction": self._our_direction.label,
                "disable_default_response": ddr,
                "reserved": 0,
            },
            "manufacturer_code": None,
            "sequence_number": tsn,
            "command_id": command_id,
            "payload": payload,
        }
        try:
            data = encode_zcl_frame(tree, TUNNELING_CLUSTER_ID)
        except CodecError as exc:
            raise LocalProtocolError(f"cannot encode {command}: {exc}") from exc
        logger.debug("→ %s %s tsn=%d %s", self.role.value, command, tsn, data.hex())
        return data

    def _send_one(self, inp: Input, command: str, payload: Mapping[str, Any], *,
                  tsn: int | None = None, profile_wide: bool = False,
                  disable_default_response: bool | None = None) -> bytes:
        """Check, encode and commit one frame; ``tsn`` given = a response (no TSN used)."""
        effect, target = self._transition(inp)
        own = tsn is None
        data = self._frame(command, payload, tsn=self._tsn if tsn is None else tsn,
                           profile_wide=profile_wide,
                           disable_default_response=disable_default_response)
        self._events.extend(effect(self, _Frame(self._tsn if tsn is None else tsn, payload)))
        self._state = target
        if own:
            self._tsn = (self._tsn + 1) % 256
        return data

    def _established(self) -> tuple[int, int]:
        if self._tunnel_id is None or self._peer_max is None:  # pragma: no cover - table
            raise LocalProtocolError("no tunnel is established")
        return self._tunnel_id, self._peer_max

    @_sends
    def request_tunnel(self) -> bytes:
        """(client) RequestTunnel with our protocol, manufacturer code, flow control and
        maximum incoming transfer size."""
        return self._send_one(Input.SEND_REQUEST_TUNNEL, "request_tunnel", {
            "protocol_id": self.protocol_id,
            "manufacturer_code": self.manufacturer_code,
            "flow_control_support": self.flow_control_support,
            "maximum_incoming_transfer_size": self.max_incoming_transfer_size,
        })

    @_sends
    def request_tunnel_response(self, status: int | None = None) -> bytes:
        """(server) RequestTunnelResponse to the pending RequestTunnel, echoing its TSN.

        ``status`` ``None`` = SUCCESS, unless the request asked for another protocol or
        manufacturer (PROTOCOL_NOT_SUPPORTED) or for flow control we lack
        (FLOW_CONTROL_NOT_SUPPORTED). SUCCESS opens the tunnel with our ``tunnel_id``; any
        other status leaves us IDLE (and the response carries tunnel id 0xFFFF)."""
        if status is None:
            status = self._answer_for(self._request)
        status = _check_uint("status", int(status), 8)
        ok = status == TunnelStatus.SUCCESS
        inp = Input.SEND_TUNNEL_ACCEPT if ok else Input.SEND_TUNNEL_REJECT
        return self._send_one(inp, "request_tunnel_response", {
            "tunnel_id": self._server_tunnel_id if ok else 0xFFFF,
            "tunnel_status": status,
            "maximum_incoming_transfer_size": self.max_incoming_transfer_size,
        }, tsn=self._request_tsn, disable_default_response=True)

    def _answer_for(self, request: Mapping[str, Any] | None) -> int:
        if request is None:
            return TunnelStatus.SUCCESS  # the table refuses the send anyway
        if (int(request["protocol_id"]) != self.protocol_id
                or int(request["manufacturer_code"]) != self.manufacturer_code):
            return TunnelStatus.PROTOCOL_NOT_SUPPORTED
        if request["flow_control_support"] and not self.flow_control_support:
            return TunnelStatus.FLOW_CONTROL_NOT_SUPPORTED
        return TunnelStatus.SUCCESS

    @_sends
    def put(self, message: bytes) -> list[bytes]:
        """TransferData ``03`` PUT + ``message`` (server→client command 0x01 or
        client→server 0x02): one frame, or one PUT per GBT block when the frame would
        exceed the peer's maximum incoming transfer size."""
        message = bytes(message)
        if not message:
            raise LocalProtocolError("PUT needs a GBCS message")
        effect, target = self._transition(Input.SEND_PUT)
        tunnel_id, peer_max = self._established()
        if TRANSFER_DATA_OVERHEAD + 1 + len(message) <= peer_max:
            chunks = [message]
        else:
            chunks = self._blocks(message, prefix=1, peer_max=peer_max)
        frames = [
            self._frame("transfer_data", {"tunnel_id": tunnel_id,
                                          "data": bytes([GBCS_PUT]) + chunk},
                        tsn=(self._tsn + n) % 256)
            for n, chunk in enumerate(chunks)
        ]
        self._events.extend(effect(self, _Frame(self._tsn, {"tunnel_id": tunnel_id})))
        self._state = target
        self._tsn = (self._tsn + len(frames)) % 256
        return frames

    @_sends
    def get(self) -> bytes:
        """(client) TransferData ``01`` GET: ask the Comms Hub for a queued message."""
        tunnel_id = self._tunnel_id if self._tunnel_id is not None else 0
        return self._send_one(Input.SEND_GET, "transfer_data",
                              {"tunnel_id": tunnel_id, "data": bytes([GBCS_GET])})

    @_sends
    def get_response(self, remaining: int, message: bytes | None = None) -> bytes:
        """(server) TransferData ``02`` GET-RESPONSE: ``remaining`` messages still queued
        after this one, and the message (``None``: nothing queued). The frame must fit the
        peer's maximum: queue :meth:`gbt_blocks` of a larger message instead."""
        _check_uint("remaining", remaining, 8)
        carried = b"" if message is None else bytes(message)
        if message is not None and not carried:
            raise LocalProtocolError("GET-RESPONSE message is empty: pass None")
        if remaining and not carried:
            raise LocalProtocolError(f"GET-RESPONSE with {remaining} remaining must carry one")
        self._transition(Input.SEND_GET_RESPONSE)
        tunnel_id, peer_max = self._established()
        size = TRANSFER_DATA_OVERHEAD + 2 + len(carried)
        if size > peer_max:
            raise LocalProtocolError(
                f"GET-RESPONSE frame of {size} bytes exceeds the peer's maximum incoming "
                f"transfer size {peer_max}: queue engine.gbt_blocks(message) instead")
        return self._send_one(Input.SEND_GET_RESPONSE, "transfer_data", {
            "tunnel_id": tunnel_id,
            "data": bytes([GBCS_GET_RESPONSE, remaining]) + carried,
        })

    def gbt_blocks(self, message: bytes, *, for_get_response: bool = False) -> list[bytes]:
        """The GBT block messages of ``message`` sized for the peer (each fits one PUT, or
        one GET-RESPONSE with ``for_get_response``). No state change."""
        if self._peer_max is None:
            raise LocalProtocolError("the peer's maximum transfer size is not known yet")
        return self._blocks(bytes(message), prefix=2 if for_get_response else 1,
                            peer_max=self._peer_max)

    def _blocks(self, message: bytes, *, prefix: int, peer_max: int) -> list[bytes]:
        budget = peer_max - TRANSFER_DATA_OVERHEAD - prefix
        size = self.gbt_block_size or largest_gbt_block(budget)
        if size < 1:
            raise LocalProtocolError(
                f"the peer's maximum incoming transfer size {peer_max} leaves no room for "
                "a GBT block")
        try:
            blocks = [b.to_bytes() for b in segment(message, size)]
        except CodecError as exc:
            raise LocalProtocolError(
                f"a {len(message)}-byte message exceeds the peer's maximum incoming transfer "
                f"size {peer_max} and cannot be cut into GBT blocks: {exc}") from exc
        for n, block in enumerate(blocks, start=1):
            if len(block) > budget:
                raise LocalProtocolError(
                    f"GBT block {n} is {len(block)} bytes: block size {size} is too large "
                    f"for the peer's maximum incoming transfer size {peer_max}")
        return blocks

    @_sends
    def close(self) -> bytes:
        """Close the tunnel: CloseTunnel (client) or TunnelClosureNotification (server)."""
        command = "close_tunnel" if self.role is Role.CLIENT else "tunnel_closure_notification"
        tunnel_id = self._tunnel_id if self._tunnel_id is not None else 0
        return self._send_one(Input.SEND_CLOSE, command, {"tunnel_id": tunnel_id})

    @_sends
    def transfer_data_error(self, status: int, *, tunnel_id: int | None = None) -> bytes:
        """TransferDataError (:class:`TransferDataStatus`) for a TransferData on
        ``tunnel_id`` (default: ours)."""
        if tunnel_id is None:
            tunnel_id = self._tunnel_id if self._tunnel_id is not None else 0
        return self._send_one(Input.SEND_TRANSFER_DATA_ERROR, "transfer_data_error", {
            "tunnel_id": _check_uint("tunnel_id", tunnel_id, 16),
            "transfer_data_status": _check_uint("status", int(status), 8),
        })

    @_sends
    def ack_transfer_data(self, number_of_bytes_left: int) -> bytes:
        """AckTransferData (flow control): bytes still free in our receive buffer."""
        _check_uint("number_of_bytes_left", number_of_bytes_left, 16)
        self._transition(Input.SEND_ACK_TRANSFER_DATA)
        tunnel_id, _ = self._established()
        return self._send_one(Input.SEND_ACK_TRANSFER_DATA, "ack_transfer_data", {
            "tunnel_id": tunnel_id, "number_of_bytes_left": number_of_bytes_left})

    @_sends
    def ready_data(self, number_of_octets_left: int) -> bytes:
        """ReadyData (flow control): we can receive again."""
        _check_uint("number_of_octets_left", number_of_octets_left, 16)
        self._transition(Input.SEND_READY_DATA)
        tunnel_id, _ = self._established()
        return self._send_one(Input.SEND_READY_DATA, "ready_data", {
            "tunnel_id": tunnel_id, "number_of_octets_left": number_of_octets_left})

    @_sends
    def default_response(self, tsn: int, command_id: int,
                         status: int = ZclStatus.SUCCESS) -> bytes:
        """Profile-wide Default Response to the command ``command_id`` received with
        ``tsn`` (e.g. to each TransferData: ``command_id`` 0x02 at a server, 0x01 at a
        client)."""
        _check_uint("tsn", tsn, 8)
        return self._send_one(Input.SEND_DEFAULT_RESPONSE, "default_response", {
            "command_id": _check_uint("command_id", command_id, 8),
            "status": _check_uint("status", int(status), 8),
        }, tsn=tsn, profile_wide=True, disable_default_response=True)

    @_sends
    def get_supported_tunnel_protocols(self, protocol_offset: int = 0) -> bytes:
        """(client) GetSupportedTunnelProtocols."""
        return self._send_one(Input.SEND_GET_SUPPORTED_PROTOCOLS,
                              "get_supported_tunnel_protocols",
                              {"protocol_offset": _check_uint("protocol_offset",
                                                              protocol_offset, 8)})

    @_sends
    def supported_tunnel_protocols_response(self) -> bytes:
        """(server) SupportedTunnelProtocolsResponse listing our one protocol."""
        return self._send_one(Input.SEND_SUPPORTED_PROTOCOLS,
                              "supported_tunnel_protocols_response", {
                                  "protocol_list_complete": True,
                                  "protocols": [{"manufacturer_code": self.manufacturer_code,
                                                 "protocol_id": self.protocol_id}],
                              })


if __name__ == "__main__":  # pragma: no cover - docs helper
    import sys

    print(render_table(sys.argv[1] if len(sys.argv) > 1 else "mermaid"), end="")
