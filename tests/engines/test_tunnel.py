# SPDX-License-Identifier: GPL-3.0-or-later
"""The GBCS tunnel engine (gfi.codecs.engines.tunnel): flows between a real client and a real
server engine, the frames they produce as the project's ZCL codec decodes them, error paths,
and a fuzz invariant."""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gfi.codecs.engines.tunnel import (
    CLIENT,
    NEED_DATA,
    SERVER,
    TRANSITIONS,
    AckTransferDataReceived,
    DefaultResponseReceived,
    GetRequested,
    GetResponse,
    Input,
    MessageReceived,
    ReadyDataReceived,
    Role,
    SupportedProtocols,
    SupportedProtocolsRequested,
    TransferDataRefused,
    TransferDataStatus,
    TransferError,
    TunnelClosed,
    TunnelEngine,
    TunnelEstablished,
    TunnelEvent,
    TunnelRejected,
    TunnelRequested,
    TunnelState,
    TunnelStatus,
    largest_gbt_block,
    render_table,
)
from gfi.codecs.gbcs.gbt import reassemble
from gfi.codecs.gbcs.message import GbcsFrame, GbtBlock, decode_frame
from gfi.codecs.zcl import decode_zcl_frame
from gfi.errors import CodecError, LocalProtocolError, RemoteProtocolError
from tests.conftest import rtds_bytes, rtds_files

TUNNELING = 0x0704
CH_EUI = "90B3D51F30000002"
ESME_EUI = "00DB1234567890A0"

Sent = bytes | list[bytes]


# ----------------------------------------------------------------------------
# Vectors
# ----------------------------------------------------------------------------
def largest_vector() -> bytes:
    """The largest vendored RTDS vector (1468 bytes: a CS02g command)."""
    return max((rtds_bytes(p) for p in rtds_files()), key=len)


def rtds_sized_message(size: int = 3986) -> bytes:
    """A ``size``-byte GBCS message: the largest vendored RTDS vector with its payload
    lengthened. The largest RTDS 4.5.0 message (3986 bytes, gbcs-protocol.md §5.1) is not
    among the 797 vectors the project vendors, so this one is built to its size."""
    frame = decode_frame(largest_vector())
    assert isinstance(frame, GbcsFrame)
    grow = size - len(frame.to_bytes())
    message = frame.with_changes(payload=frame.payload + bytes(range(256)) * (grow // 256)
                                 + bytes(grow % 256)).to_bytes()
    assert len(message) == size
    return message


def small_vectors(n: int) -> list[bytes]:
    """The ``n`` smallest vendored RTDS vectors."""
    return sorted((rtds_bytes(p) for p in rtds_files()), key=len)[:n]


#: A real GBCS message that fits any tunnel frame.
SMALL = small_vectors(1)[0]


# ----------------------------------------------------------------------------
# The pair (h11's ConnectionPair)
# ----------------------------------------------------------------------------
def drain(engine: TunnelEngine) -> list[TunnelEvent]:
    events: list[TunnelEvent] = []
    while True:
        event = engine.next_event()
        if event is NEED_DATA:
            return events
        assert isinstance(event, TunnelEvent)
        events.append(event)


class EnginePair:
    """A client and a server engine joined by a perfect link. ``send`` calls a send method
    on one side, checks that every frame decodes with the ZCL codec as a Tunneling frame
    travelling the sender's way, feeds the frames to the other side and asserts that the
    events it gets are the events expected."""

    def __init__(self, client: TunnelEngine | None = None,
                 server: TunnelEngine | None = None) -> None:
        self.client = client or TunnelEngine(CLIENT)
        self.server = server or TunnelEngine(SERVER, tunnel_id=0x0102)
        self.frames: list[tuple[Role, bytes]] = []

    def side(self, role: Role) -> TunnelEngine:
        return self.client if role is CLIENT else self.server

    def other(self, role: Role) -> TunnelEngine:
        return self.server if role is CLIENT else self.client

    def send(self, role: Role, call: Callable[[TunnelEngine], Sent],
             expect: Sequence[TunnelEvent] | None = None) -> list[TunnelEvent]:
        out = call(self.side(role))
        frames = [out] if isinstance(out, bytes) else out
        receiver = self.other(role)
        for frame in frames:
            decoded = decode_zcl_frame(frame, TUNNELING)
            assert decoded["frame_control"]["direction"] == (
                "client_to_server" if role is CLIENT else "server_to_client")
            assert decoded["command_name"] is not None
            self.frames.append((role, frame))
            receiver.receive_data(frame, source=ESME_EUI if role is CLIENT else CH_EUI)
        events = drain(receiver)
        if expect is not None:
            assert events == list(expect)
        return events

    def establish(self) -> None:
        self.send(CLIENT, lambda e: e.request_tunnel(),
                  [TunnelRequested(6, 0xFFFF, False, self.client.max_incoming_transfer_size)])
        self.send(SERVER, lambda e: e.request_tunnel_response(),
                  [TunnelEstablished(self.server._server_tunnel_id,
                                     self.server.max_incoming_transfer_size)])
        assert self.client.state is self.server.state is TunnelState.OPEN


@pytest.fixture
def pair() -> EnginePair:
    p = EnginePair()
    p.establish()
    return p


def transfer(frame: bytes) -> dict[str, Any]:
    decoded = decode_zcl_frame(frame, TUNNELING)
    assert decoded["command_name"] == "transfer_data"
    return decoded


# ----------------------------------------------------------------------------
# Flows
# ----------------------------------------------------------------------------
def test_request_establish() -> None:
    p = EnginePair(TunnelEngine(CLIENT, tsn=0x41), TunnelEngine(SERVER, tunnel_id=5, tsn=9))
    request = p.client.request_tunnel()
    assert request == bytes.fromhex("0141 00 06 FFFF 00 DC05".replace(" ", ""))
    assert p.client.state is TunnelState.REQUESTED
    p.server.receive_data(request)
    assert drain(p.server) == [TunnelRequested(6, 0xFFFF, False, 1500)]
    assert p.server.state is TunnelState.REQUESTED
    response = p.server.request_tunnel_response()
    # fc 19 (cluster-specific, server→client, no default response), TSN echoed, tunnel 5,
    # status 0, 1500: what HenryGiraldo's CH sends (gbcs-protocol.md §6.3)
    assert response == bytes.fromhex("194100 0500 00 DC05".replace(" ", ""))
    assert p.server.tsn == 9  # a response uses no TSN of its own
    p.client.receive_data(response)
    [event] = drain(p.client)
    assert event == TunnelEstablished(5, 1500)
    assert isinstance(event, TunnelEstablished) and event.tsn == 0x41
    assert p.client.tunnel_id == p.server.tunnel_id == 5
    assert p.client.peer_max_transfer_size == p.server.peer_max_transfer_size == 1500


def test_server_put_client_receives(pair: EnginePair) -> None:
    message = largest_vector()
    [event] = pair.send(SERVER, lambda e: e.put(message), [MessageReceived(message)])
    _, frame = pair.frames[-1]
    decoded = transfer(frame)
    assert decoded["command_id"] == 0x01
    assert decoded["frame_control"]["direction"] == "server_to_client"
    assert decoded["frame_control"]["frame_type"] == "cluster_specific"
    assert decoded["payload"]["tunnel_id"] == 0x0102
    assert bytes.fromhex(decoded["payload"]["data"]) == b"\x03" + message
    assert len(frame) == 5 + 1 + len(message) <= 1500  # fits: no GBT
    assert isinstance(event, MessageReceived) and event.tsns == (decoded["sequence_number"],)


def test_client_put_server_receives(pair: EnginePair) -> None:
    message = small_vectors(1)[0]
    pair.send(CLIENT, lambda e: e.put(message), [MessageReceived(message)])
    decoded = transfer(pair.frames[-1][1])
    assert decoded["command_id"] == 0x02
    assert decoded["frame_control"]["direction"] == "client_to_server"
    assert bytes.fromhex(decoded["payload"]["data"]) == b"\x03" + message


def test_gsme_get_flow(pair: EnginePair) -> None:
    queued = small_vectors(3)
    for remaining, message in zip((2, 1, 0), queued, strict=True):
        pair.send(CLIENT, lambda e: e.get(), [GetRequested()])
        assert pair.server.state is pair.client.state is TunnelState.GET_PENDING
        assert bytes.fromhex(transfer(pair.frames[-1][1])["payload"]["data"]) == b"\x01"
        pair.send(SERVER, lambda e, r=remaining, m=message: e.get_response(r, m),
                  [GetResponse(remaining, message)])
        data = bytes.fromhex(transfer(pair.frames[-1][1])["payload"]["data"])
        assert data == bytes([2, remaining]) + message
        # the GSME answers each command with a PUT
        pair.send(CLIENT, lambda e, m=message: e.put(m), [MessageReceived(message)])
    pair.send(CLIENT, lambda e: e.get(), [GetRequested()])
    pair.send(SERVER, lambda e: e.get_response(0), [GetResponse(0, None)])
    assert bytes.fromhex(transfer(pair.frames[-1][1])["payload"]["data"]) == b"\x02\x00"
    assert pair.client.state is TunnelState.OPEN


def test_put_while_get_pending(pair: EnginePair) -> None:
    pair.send(CLIENT, lambda e: e.get(), [GetRequested()])
    alert = small_vectors(1)[0]
    pair.send(CLIENT, lambda e: e.put(alert), [MessageReceived(alert)])
    pair.send(SERVER, lambda e: e.put(alert), [MessageReceived(alert)])
    assert pair.client.state is TunnelState.GET_PENDING
    pair.send(SERVER, lambda e: e.get_response(0), [GetResponse(0, None)])


def test_client_closes(pair: EnginePair) -> None:
    pair.send(CLIENT, lambda e: e.close(), [TunnelClosed(0x0102)])
    decoded = decode_zcl_frame(pair.frames[-1][1], TUNNELING)
    assert decoded["command_name"] == "close_tunnel" and decoded["command_id"] == 0x01
    assert pair.client.state is pair.server.state is TunnelState.CLOSED
    # and again: a closed tunnel can be requested anew
    pair.establish()


def test_server_closes(pair: EnginePair) -> None:
    pair.send(SERVER, lambda e: e.close(), [TunnelClosed(0x0102)])
    decoded = decode_zcl_frame(pair.frames[-1][1], TUNNELING)
    assert decoded["command_name"] == "tunnel_closure_notification"
    assert decoded["command_id"] == 0x06
    assert pair.client.state is pair.server.state is TunnelState.CLOSED


def test_re_request_while_open(pair: EnginePair) -> None:
    pair.establish()


# ----------------------------------------------------------------------------
# Sizes and GBT
# ----------------------------------------------------------------------------
def test_rtds_sized_message_crosses_1500_in_gbt_blocks(pair: EnginePair) -> None:
    message = rtds_sized_message(3986)
    assert largest_gbt_block(1500 - 6) == 1443
    [event] = pair.send(SERVER, lambda e: e.put(message), [MessageReceived(message)])
    frames = [f for _, f in pair.frames[-3:]]
    assert len(pair.frames) == 2 + 3
    blocks = []
    for frame in frames:
        assert len(frame) <= 1500
        data = bytes.fromhex(transfer(frame)["payload"]["data"])
        assert data[:3] == b"\x03\xdd\x09"
        block = decode_frame(data[1:])
        assert isinstance(block, GbtBlock)
        blocks.append(block)
    assert [b.block_number for b in blocks] == [1, 2, 3]
    assert [len(b.block_data) for b in blocks] == [1443, 1443, 3986 - 2 * 1443]
    assert [b.last_block for b in blocks] == [False, False, True]
    assert reassemble(blocks) == message
    seqs = [transfer(f)["sequence_number"] for f in frames]
    assert isinstance(event, MessageReceived) and event.tsns == tuple(seqs)
    assert seqs == [seqs[0], seqs[0] + 1, seqs[0] + 2]


def test_client_sends_rtds_sized_message(pair: EnginePair) -> None:
    message = rtds_sized_message(3986)
    pair.send(CLIENT, lambda e: e.put(message), [MessageReceived(message)])
    assert all(transfer(f)["command_id"] == 0x02 for _, f in pair.frames[-3:])


def test_largest_real_vector_across_a_small_peer_limit() -> None:
    p = EnginePair(client=TunnelEngine(CLIENT, max_incoming_transfer_size=500))
    p.establish()
    message = largest_vector()
    p.send(SERVER, lambda e: e.put(message), [MessageReceived(message)])
    frames = [f for r, f in p.frames if r is SERVER][1:]
    assert len(frames) == 4 and all(len(f) <= 500 for f in frames)


def test_explicit_block_size() -> None:
    p = EnginePair(server=TunnelEngine(SERVER, gbt_block_size=200))
    p.establish()
    message = rtds_sized_message(1600)
    p.send(SERVER, lambda e: e.put(message), [MessageReceived(message)])
    assert len(p.frames) == 2 + 8


def test_block_size_too_large_for_peer() -> None:
    p = EnginePair(client=TunnelEngine(CLIENT, max_incoming_transfer_size=300),
                   server=TunnelEngine(SERVER, gbt_block_size=1000))
    p.establish()
    with pytest.raises(LocalProtocolError, match="too large"):
        p.server.put(largest_vector())
    assert p.server.state is TunnelState.ERROR


def test_oversized_non_gbcs_message_cannot_be_split(pair: EnginePair) -> None:
    with pytest.raises(LocalProtocolError, match="GBT"):
        pair.server.put(b"\x00" * 2000)


def test_get_response_too_large_then_blocks(pair: EnginePair) -> None:
    message = rtds_sized_message(3986)
    pair.send(CLIENT, lambda e: e.get(), [GetRequested()])
    blocks = pair.server.gbt_blocks(message, for_get_response=True)
    assert len(blocks) == 3
    for n, block in enumerate(blocks):
        if n:
            pair.send(CLIENT, lambda e: e.get(), [GetRequested()])
        remaining = len(blocks) - 1 - n
        last = remaining == 0
        pair.send(SERVER, lambda e, r=remaining, b=block: e.get_response(r, b),
                  [GetResponse(remaining, message if last else None, not last)])
        assert len(pair.frames[-1][1]) <= 1500


def test_get_response_exceeding_peer_limit(pair: EnginePair) -> None:
    pair.send(CLIENT, lambda e: e.get(), [GetRequested()])
    with pytest.raises(LocalProtocolError, match="gbt_blocks"):
        pair.server.get_response(0, rtds_sized_message(3986))


# ----------------------------------------------------------------------------
# TSN
# ----------------------------------------------------------------------------
def test_tsn_wraps_and_is_injectable() -> None:
    p = EnginePair(TunnelEngine(CLIENT, tsn=254), TunnelEngine(SERVER, tsn=255))
    p.establish()
    assert p.client.tsn == 255
    message = rtds_sized_message(3986)
    p.send(SERVER, lambda e: e.put(message), [MessageReceived(message)])
    assert [transfer(f)["sequence_number"] for _, f in p.frames[-3:]] == [255, 0, 1]
    assert p.server.tsn == 2
    p.send(CLIENT, lambda e: e.get(), [GetRequested()])
    p.send(CLIENT, lambda e: e.put(SMALL), [MessageReceived(SMALL)])
    assert p.client.tsn == 1


def test_default_response_both_ways(pair: EnginePair) -> None:
    [event] = pair.send(SERVER, lambda e: e.put(SMALL), [MessageReceived(SMALL)])
    assert isinstance(event, MessageReceived)
    tsn = event.tsns[0]
    before = pair.client.tsn
    [dr] = pair.send(CLIENT, lambda e: e.default_response(tsn, 0x01),
                     [DefaultResponseReceived(0x01, 0)])
    assert isinstance(dr, DefaultResponseReceived) and dr.tsn == tsn
    assert pair.client.tsn == before
    decoded = decode_zcl_frame(pair.frames[-1][1], TUNNELING)
    assert decoded["command_name"] == "default_response"
    assert decoded["frame_control"]["frame_type"] == "profile_wide"
    assert decoded["frame_control"]["disable_default_response"] is True
    assert decoded["payload"] == {"command_id": 1, "status": "success"}
    pair.send(SERVER, lambda e: e.default_response(7, 0x02, 0x81),
              [DefaultResponseReceived(0x02, 0x81)])
    assert pair.client.state is TunnelState.OPEN


def test_default_response_fails_the_request() -> None:
    p = EnginePair()
    p.send(CLIENT, lambda e: e.request_tunnel(), None)
    p.send(SERVER, lambda e: e.default_response(0, 0x00, 0x81),
           [DefaultResponseReceived(0x00, 0x81)])
    assert p.client.state is TunnelState.IDLE


# ----------------------------------------------------------------------------
# Refusals, rejections, flow control, protocols
# ----------------------------------------------------------------------------
def test_protocol_mismatch_is_rejected() -> None:
    p = EnginePair(client=TunnelEngine(CLIENT, protocol_id=200))
    p.send(CLIENT, lambda e: e.request_tunnel(), [TunnelRequested(200, 0xFFFF, False, 1500)])
    p.send(SERVER, lambda e: e.request_tunnel_response(),
           [TunnelRejected(0xFFFF, TunnelStatus.PROTOCOL_NOT_SUPPORTED)])
    assert p.client.state is p.server.state is TunnelState.IDLE
    with pytest.raises(LocalProtocolError):
        p.client.put(SMALL)


def test_flow_control_not_supported_and_explicit_status() -> None:
    p = EnginePair(client=TunnelEngine(CLIENT, flow_control_support=True))
    p.send(CLIENT, lambda e: e.request_tunnel(), None)
    p.send(SERVER, lambda e: e.request_tunnel_response(),
           [TunnelRejected(0xFFFF, TunnelStatus.FLOW_CONTROL_NOT_SUPPORTED)])
    p.send(CLIENT, lambda e: e.request_tunnel(), None)
    p.send(SERVER, lambda e: e.request_tunnel_response(TunnelStatus.BUSY),
           [TunnelRejected(0xFFFF, TunnelStatus.BUSY)])


def test_transfer_data_on_unknown_tunnel_is_refused(pair: EnginePair) -> None:
    stranger = TunnelEngine(SERVER, tunnel_id=0x0999)
    stranger.receive_data(pair.client.request_tunnel())
    drain(stranger)
    pair.client.receive_data(stranger.request_tunnel_response())
    drain(pair.client)  # the client now believes in tunnel 0x0999
    pair.send(CLIENT, lambda e: e.put(SMALL),
              [TransferDataRefused(0x0999, TransferDataStatus.NO_SUCH_TUNNEL)])
    assert pair.server.state is TunnelState.OPEN
    pair.send(SERVER, lambda e: e.transfer_data_error(TransferDataStatus.NO_SUCH_TUNNEL,
                                                      tunnel_id=0x0999),
              [TransferError(0x0999, TransferDataStatus.NO_SUCH_TUNNEL)])
    decoded = decode_zcl_frame(pair.frames[-1][1], TUNNELING)
    assert decoded["command_name"] == "transfer_data_error" and decoded["command_id"] == 0x02


def test_data_before_the_tunnel_is_refused() -> None:
    p = EnginePair()
    p.establish()
    put = p.server.put(SMALL)[0]
    fresh = TunnelEngine(CLIENT)
    fresh.receive_data(put)
    assert drain(fresh) == [TransferDataRefused(0x0102, TransferDataStatus.NO_SUCH_TUNNEL)]
    assert fresh.state is TunnelState.IDLE
    closed = EnginePair()
    closed.establish()
    closed.send(CLIENT, lambda e: e.close(), None)
    closed.client.receive_data(put)
    assert drain(closed.client) == [
        TransferDataRefused(0x0102, TransferDataStatus.NO_SUCH_TUNNEL)]


def test_wrong_device_is_refused(pair: EnginePair) -> None:
    frame = pair.client.put(SMALL)[0]
    pair.server.receive_data(frame, source="0000000000000BAD")
    assert drain(pair.server) == [
        TransferDataRefused(0x0102, TransferDataStatus.WRONG_DEVICE)]
    pair.server.receive_data(frame, source=ESME_EUI)
    assert drain(pair.server) == [MessageReceived(SMALL)]


def test_data_overflow_is_refused() -> None:
    p = EnginePair(server=TunnelEngine(SERVER, max_incoming_transfer_size=100,
                                            tunnel_id=0x0102))
    p.establish()
    big = next(m for m in small_vectors(400) if len(m) > 100)
    # a client that ignores the limit: a hand-built TransferData (tunnel 0x0102, PUT)
    too_big = zcl(0x01, 1, 0x02, "0201") + b"\x03" + big[:100]
    p.server.receive_data(too_big)
    assert drain(p.server) == [TransferDataRefused(0x0102, TransferDataStatus.DATA_OVERFLOW)]
    assert p.server.state is TunnelState.OPEN
    # the data field (tunnel byte + message) at the limit exactly is accepted...
    p.server.receive_data(zcl(0x01, 2, 0x02, "0201") + b"\x03" + big[:99])
    assert drain(p.server) == [MessageReceived(big[:99])]
    # ...and the client's engine cuts what does not fit the server's 100 bytes into GBT
    p.send(CLIENT, lambda e: e.put(big), [MessageReceived(big)])
    sent = [f for r, f in p.frames if r is CLIENT][1:]
    assert len(sent) > 1 and all(len(f) <= 100 for f in sent)
    tiny = EnginePair(server=TunnelEngine(SERVER, max_incoming_transfer_size=50))
    tiny.establish()
    with pytest.raises(LocalProtocolError, match="no room"):
        tiny.client.put(big)


def test_flow_control_commands(pair: EnginePair) -> None:
    pair.send(CLIENT, lambda e: e.ack_transfer_data(1000),
              [AckTransferDataReceived(0x0102, 1000)])
    pair.send(SERVER, lambda e: e.ready_data(1500), [ReadyDataReceived(0x0102, 1500)])
    ids = [decode_zcl_frame(f, TUNNELING)["command_id"] for _, f in pair.frames[-2:]]
    assert ids == [0x04, 0x04]


def test_supported_protocols() -> None:
    p = EnginePair()
    p.send(CLIENT, lambda e: e.get_supported_tunnel_protocols(), [SupportedProtocolsRequested(0)])
    p.send(SERVER, lambda e: e.supported_tunnel_protocols_response(),
           [SupportedProtocols(True, ((0xFFFF, 6),))])
    assert p.client.state is TunnelState.IDLE


# ----------------------------------------------------------------------------
# The peer breaks a rule: RemoteProtocolError, engine → ERROR
# ----------------------------------------------------------------------------
def client_open() -> EnginePair:
    p = EnginePair()
    p.establish()
    return p


def zcl(fc: int, tsn: int, command: int, payload: str = "") -> bytes:
    return bytes([fc, tsn, command]) + bytes.fromhex(payload)


REMOTE_ERRORS: dict[str, tuple[Role, bytes, str]] = {
    # name: (receiver, frame, message fragment)
    "malformed": (CLIENT, bytes.fromhex("09"), "malformed"),
    "empty": (SERVER, b"", "malformed"),
    "truncated_transfer": (CLIENT, zcl(0x09, 1, 0x01, "02"), "malformed"),
    "manufacturer_specific": (CLIENT, bytes.fromhex("0D341201010201000300"), "manufacturer"),
    "reserved_frame_type": (CLIENT, zcl(0x0B, 1, 0x01), "reserved"),
    "own_direction": (CLIENT, zcl(0x01, 1, 0x02, "020103DD"), "travels client_to_server"),
    "unknown_command": (SERVER, zcl(0x01, 1, 0x07, "00"), "unknown Tunneling command"),
    "read_attributes": (SERVER, zcl(0x00, 1, 0x00, "0000"), "profile-wide"),
    "no_tunnel_byte": (CLIENT, zcl(0x09, 1, 0x01, "0201"), "tunnel byte"),
    "unknown_tunnel_byte": (CLIENT, zcl(0x09, 1, 0x01, "020104DD00"), "0x04"),
    "put_without_message": (CLIENT, zcl(0x09, 1, 0x01, "020103"), "PUT without"),
    "get_with_bytes": (SERVER, zcl(0x01, 1, 0x02, "02010100"), "GET followed"),
    "get_to_client": (CLIENT, zcl(0x09, 1, 0x01, "020101"), "RECV_GET"),
    "get_response_to_server": (SERVER, zcl(0x01, 1, 0x02, "02010200"), "RECV_GET_RESPONSE"),
    "get_response_without_get": (CLIENT, zcl(0x09, 1, 0x01, "02010200"), "GET_RESPONSE"),
    "response_without_request": (CLIENT, zcl(0x19, 1, 0x00, "020100DC05"), "OPEN"),
    "close_other_tunnel": (SERVER, zcl(0x01, 1, 0x01, "0300"), "ours is"),
    "bad_gbt_block": (CLIENT, zcl(0x09, 1, 0x01, "020103DD0900"), "malformed"),
}


@pytest.mark.parametrize("name", sorted(REMOTE_ERRORS))
def test_remote_errors(name: str) -> None:
    role, frame, fragment = REMOTE_ERRORS[name]
    engine = client_open().side(role)
    engine.receive_data(frame)
    with pytest.raises(RemoteProtocolError, match=fragment):
        engine.next_event()
    assert engine.state is TunnelState.ERROR
    with pytest.raises(LocalProtocolError):
        engine.next_event()
    with pytest.raises(LocalProtocolError):
        engine.receive_data(frame)
    with pytest.raises(LocalProtocolError):
        engine.put(SMALL)


def test_other_cluster() -> None:
    p = client_open()
    p.client.receive_data(p.server.put(SMALL)[0], cluster_id=0x0702)
    with pytest.raises(RemoteProtocolError, match="0x0702"):
        p.client.next_event()


def test_get_response_claiming_messages_but_carrying_none() -> None:
    p = client_open()
    p.send(CLIENT, lambda e: e.get(), [GetRequested()])
    p.client.receive_data(zcl(0x09, 1, 0x01, "02010203"))
    with pytest.raises(RemoteProtocolError, match="3 message"):
        p.client.next_event()


def test_close_before_open() -> None:
    server = TunnelEngine(SERVER)
    server.receive_data(zcl(0x01, 1, 0x01, "0000"))
    with pytest.raises(RemoteProtocolError, match="RECV_CLOSE"):
        server.next_event()


def test_gbt_block_of_another_message() -> None:
    p = client_open()
    a = p.server.gbt_blocks(rtds_sized_message(3986))
    other = decode_frame(a[1])
    assert isinstance(other, GbtBlock)
    forged = GbtBlock(cra=other.cra, counter=other.counter + 1, originator=other.originator,
                      recipient=other.recipient, message_code=other.message_code,
                      block_number=2, block_data=b"x", last_block=False).to_bytes()
    p.client.receive_data(zcl(0x09, 1, 0x01, "0201") + b"\x03" + a[0])
    p.client.receive_data(zcl(0x09, 2, 0x01, "0201") + b"\x03" + forged)
    with pytest.raises(RemoteProtocolError, match="another message"):
        p.client.next_event()


# ----------------------------------------------------------------------------
# Our own illegal calls: LocalProtocolError, engine → ERROR
# ----------------------------------------------------------------------------
LOCAL_ERRORS: dict[str, tuple[bool, Role, Callable[[TunnelEngine], object], str]] = {
    # name: (tunnel open?, role, call, message fragment)
    "put_before_established": (False, CLIENT, lambda e: e.put(SMALL), "SEND_PUT"),
    "server_put_before_established": (False, SERVER, lambda e: e.put(SMALL), "SEND_PUT"),
    "server_requests": (False, SERVER, lambda e: e.request_tunnel(), "tunnel server"),
    "client_answers": (False, CLIENT, lambda e: e.request_tunnel_response(), "tunnel client"),
    "answer_without_request": (False, SERVER, lambda e: e.request_tunnel_response(), "IDLE"),
    "server_gets": (True, SERVER, lambda e: e.get(), "SEND_GET"),
    "client_get_responds": (True, CLIENT, lambda e: e.get_response(0), "SEND_GET_RESPONSE"),
    "get_response_without_get": (True, SERVER, lambda e: e.get_response(0), "OPEN"),
    "close_before_open": (False, CLIENT, lambda e: e.close(), "SEND_CLOSE"),
    "empty_put": (True, CLIENT, lambda e: e.put(b""), "needs"),
    "remaining_out_of_range": (True, SERVER, lambda e: e.get_response(256), "remaining"),
    "bad_status": (True, SERVER, lambda e: e.default_response(1, 2, 300), "status"),
    "bad_tsn": (True, SERVER, lambda e: e.default_response(256, 2), "tsn"),
    "flow_control_closed": (False, CLIENT, lambda e: e.ready_data(1), "SEND_READY_DATA"),
}


@pytest.mark.parametrize("name", sorted(LOCAL_ERRORS))
def test_local_errors(name: str) -> None:
    is_open, role, call, fragment = LOCAL_ERRORS[name]
    p = EnginePair()
    if is_open:
        p.establish()
    engine = p.side(role)
    with pytest.raises(LocalProtocolError, match=fragment):
        call(engine)
    assert engine.state is TunnelState.ERROR
    with pytest.raises(LocalProtocolError, match="ERROR"):
        engine.default_response(0, 0)


def test_get_response_with_remaining_needs_a_message() -> None:
    p = client_open()
    p.send(CLIENT, lambda e: e.get(), [GetRequested()])
    with pytest.raises(LocalProtocolError, match="must carry"):
        p.server.get_response(1)


def test_constructor_checks() -> None:
    with pytest.raises(LocalProtocolError):
        TunnelEngine("client")  # type: ignore[arg-type]
    with pytest.raises(LocalProtocolError):
        TunnelEngine(CLIENT, tsn=256)
    with pytest.raises(LocalProtocolError):
        TunnelEngine(SERVER, tunnel_id=0x10000)
    with pytest.raises(LocalProtocolError):
        TunnelEngine(SERVER, gbt_block_size=0)


# ----------------------------------------------------------------------------
# The table
# ----------------------------------------------------------------------------
def test_table_shape() -> None:
    states = {s for s, _ in TRANSITIONS} | {t for _, t in TRANSITIONS.values()}
    assert TunnelState.ERROR not in states
    assert states == set(TunnelState) - {TunnelState.ERROR}
    assert {i for _, i in TRANSITIONS} == set(Input)


def test_render_table() -> None:
    mermaid = render_table()
    assert mermaid.startswith("stateDiagram-v2\n")
    assert "IDLE --> REQUESTED : SEND_REQUEST_TUNNEL (client)" in mermaid
    assert "GET_PENDING --> OPEN : SEND_GET_RESPONSE (server)" in mermaid
    dot = render_table("dot")
    assert dot.startswith("digraph tunnel {") and "OPEN -> GET_PENDING" in dot
    with pytest.raises(ValueError):
        render_table("svg")


# ----------------------------------------------------------------------------
# Fuzz: garbage gives only CodecError or RemoteProtocolError
# ----------------------------------------------------------------------------
def _engines() -> list[TunnelEngine]:
    idle_client, idle_server = TunnelEngine(CLIENT), TunnelEngine(SERVER)
    p = client_open()
    q = client_open()
    q.send(CLIENT, lambda e: e.get(), [GetRequested()])
    return [idle_client, idle_server, p.client, p.server, q.client, q.server]


def _feed(frames: list[bytes]) -> None:
    for engine in _engines():
        try:
            for frame in frames:
                engine.receive_data(frame)
            drain(engine)
        except (CodecError, RemoteProtocolError):
            assert engine.state is TunnelState.ERROR


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.binary(max_size=64), min_size=1, max_size=4))
def test_fuzz_arbitrary_bytes(frames: list[bytes]) -> None:
    _feed(frames)


_header = st.builds(
    lambda fc, tsn, cmd: bytes([fc, tsn, cmd]),
    st.sampled_from([0x00, 0x01, 0x08, 0x09, 0x10, 0x11, 0x18, 0x19, 0x05, 0x0D]),
    st.integers(0, 255), st.integers(0, 12),
)
_tunnel_body = st.one_of(
    st.binary(max_size=40),
    st.builds(lambda t, b, rest: t + bytes([b]) + rest,
              st.sampled_from([b"\x02\x01", b"\x00\x00", b"\x99\x09"]),
              st.integers(0, 4), st.binary(max_size=40)),
    st.builds(lambda t, rest: t + b"\x03\xdd\x09" + rest,
              st.sampled_from([b"\x02\x01", b"\x00\x00"]), st.binary(max_size=80)),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.builds(bytes.__add__, _header, _tunnel_body), min_size=1, max_size=4))
def test_fuzz_tunnel_shaped_frames(frames: list[bytes]) -> None:
    _feed(frames)


def test_module_imports_no_clock_or_asyncio() -> None:
    path = Path(__file__).resolve().parents[2] / "codecs" / "engines" / "tunnel.py"
    imported: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    assert not imported & {"asyncio", "time", "datetime", "random", "secrets"}


# ----------------------------------------------------------------------------
# Recovery (the caller decides: gfi.emulators.link drops the bad frame and goes on)
def test_recover_after_a_corrupted_frame_keeps_the_tunnel(pair: EnginePair) -> None:
    tunnel_id = pair.client.tunnel_id
    pair.client.receive_data(b"\xff\x00\x00", source=CH_EUI)
    with pytest.raises(RemoteProtocolError):
        drain(pair.client)
    assert pair.client.state is TunnelState.ERROR
    assert pair.client.recover() is TunnelState.OPEN and pair.client.tunnel_id == tunnel_id
    message = small_vectors(1)[0]
    pair.send(SERVER, lambda e: e.put(message), [MessageReceived(message)])


def test_recover_before_any_tunnel_goes_idle() -> None:
    client = TunnelEngine(CLIENT)
    client.receive_data(b"\x00", source=CH_EUI)
    with pytest.raises(RemoteProtocolError):
        drain(client)
    assert client.recover() is TunnelState.IDLE


def test_abandon_a_lost_get(pair: EnginePair) -> None:
    pair.client.get()  # the frame is lost on the air
    assert pair.client.state is TunnelState.GET_PENDING
    pair.client.abandon_get()
    assert pair.client.state is TunnelState.OPEN
    pair.send(CLIENT, lambda e: e.get(), [GetRequested()])
