# SPDX-License-Identifier: GPL-3.0-or-later
"""VirtualHan / VirtualRadio: addressing, ordering, fragmentation, sleepy devices,
deferred delivery, events, clean-state checks."""

from __future__ import annotations

import asyncio
import inspect
import itertools
import math

import pytest

from gfi.errors import RadioError, RadioLost
from gfi.radio.base import (
    DeliveryFailed,
    FailureReason,
    FrameError,
    HanFrame,
    JoinEvent,
    LeaveEvent,
    Radio,
)
from gfi.radio.virtual import HanRegistry, VirtualHan, VirtualRadio

from .conftest import CH, ESME, GSME, IHD, frame_to, until

Pair = tuple[VirtualRadio, VirtualRadio]


# ---------------------------------------------------------------------------
# HanFrame
# ---------------------------------------------------------------------------
def test_hanframe_normalises_eui64_and_validates() -> None:
    frame = HanFrame(dst_eui64="00-db-12-34-56-78-90-a0", payload=bytearray(b"\x01"))  # type: ignore[arg-type]
    assert frame.dst_eui64 == ESME
    assert frame.payload == b"\x01" and isinstance(frame.payload, bytes)
    for bad in ({"dst_eui64": "00DB"}, {"dst_nwk": 0x10000}, {"src_ep": 256},
                {"cluster_id": -1}, {"sequence": 256}, {"payload": "text"}, {"rssi": 200},
                {"dst_ep": True}):
        with pytest.raises(FrameError):
            HanFrame(**bad)


# ---------------------------------------------------------------------------
# Pairs
# ---------------------------------------------------------------------------
async def test_pair_exchanges_frames_both_ways(pair: Pair) -> None:
    ch, esme = pair
    assert isinstance(ch, Radio)
    got_esme: list[HanFrame] = []
    got_ch: list[HanFrame] = []
    esme.set_sink(got_esme.append)
    ch.set_sink(got_ch.append)
    await ch.send(frame_to(esme, b"\x19\x01\x01\x00\x00\x03hello", src_ep=0x7B))
    await esme.send(HanFrame(dst_nwk=0x0000, payload=b"\x11\x02\x02\x00\x00\x03bye"))
    await until(lambda: bool(got_esme and got_ch))
    (down,), (up,) = got_esme, got_ch
    assert (down.src_eui64, down.src_nwk, down.dst_eui64, down.dst_nwk) == (
        CH, 0x0000, ESME, esme.nwk)
    assert down.payload == b"\x19\x01\x01\x00\x00\x03hello" and down.src_ep == 0x7B
    assert (down.profile_id, down.cluster_id, down.sequence) == (0x0109, 0x0704, 0)
    assert (up.src_eui64, up.dst_eui64, up.dst_nwk, up.sequence) == (ESME, CH, 0, 0)
    assert down.lqi == 255 and down.rssi == -45


async def test_injected_clock_stamps_frames() -> None:
    ticks = itertools.count(100)
    han = VirtualHan(clock=lambda: float(next(ticks)), require_join=False)
    a, b = han.attach(CH, 0), han.attach(ESME)
    await a.send(frame_to(b, b"x"))
    frame = await b.receive(timeout=1)
    assert frame.timestamp >= 100.0 and frame.timestamp == int(frame.timestamp)


async def test_receive_backlog_then_sink_flush(pair: Pair) -> None:
    ch, esme = pair
    for i in range(3):
        await ch.send(frame_to(esme, bytes([i])))
    assert (await esme.receive(timeout=1)).payload == b"\x00"
    got: list[bytes] = []
    esme.set_sink(lambda f: got.append(f.payload))
    await until(lambda: len(got) == 2)
    assert got == [b"\x01", b"\x02"]
    with pytest.raises(RadioError, match="sink is set"):
        await esme.receive(timeout=0.1)


async def test_ordering_concurrent_and_sequential(pair: Pair) -> None:
    ch, esme = pair
    got: list[bytes] = []
    esme.set_sink(lambda f: got.append(f.payload))
    sizes = [5, 200, 1, 90, 0, 61, 300, 7]  # mixed whole and fragmented frames
    payloads = [bytes([i]) * n for i, n in enumerate(sizes)]
    await asyncio.wait_for(asyncio.gather(*(ch.send(frame_to(esme, p)) for p in payloads)), 2)
    for p in payloads:
        await ch.send(frame_to(esme, p))
    await until(lambda: len(got) == 2 * len(payloads))
    assert got == payloads + payloads


async def test_aps_counter_wraps_and_explicit_sequence_is_kept(pair: Pair) -> None:
    ch, esme = pair
    for _ in range(257):
        await ch.send(frame_to(esme))
    await ch.send(frame_to(esme, sequence=0x42))
    seqs = [(await esme.receive(timeout=1)).sequence for _ in range(258)]
    assert seqs[:2] == [0, 1] and seqs[255:] == [255, 0, 0x42]


# ---------------------------------------------------------------------------
# Fragmentation
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("size", [0, 1, 82, 83, 1500, 4000])
async def test_fragmentation_reassembles_exactly(pair: Pair, han: VirtualHan,
                                                 size: int) -> None:
    ch, esme = pair
    payload = bytes((i * 7 + 3) & 0xFF for i in range(size))
    await asyncio.wait_for(ch.send(frame_to(esme, payload)), 2)
    frame = await esme.receive(timeout=1)
    assert frame.payload == payload
    blocks = 0 if size <= 82 else math.ceil(size / 61)
    assert han.stats.fragments == blocks
    assert han.stats.delivered == 1


async def test_fragmentation_sizes_are_configurable() -> None:
    han = VirtualHan(max_aps_payload=40, block_size=30, require_join=False)
    a, b = han.attach(CH, 0), han.attach(ESME)
    await a.send(frame_to(b, bytes(41)))
    assert (await b.receive(timeout=1)).payload == bytes(41)
    assert han.stats.fragments == 2
    with pytest.raises(RadioError, match="block_size"):
        VirtualHan(max_aps_payload=40, block_size=41)


async def test_too_large_for_255_blocks_fails_clearly(pair: Pair) -> None:
    ch, esme = pair
    with pytest.raises(DeliveryFailed, match="too large") as err:
        await ch.send(frame_to(esme, bytes(255 * 61 + 1)))
    assert err.value.reason is FailureReason.TOO_LARGE
    await ch.send(frame_to(esme, bytes(255 * 61)))
    assert len((await esme.receive(timeout=2)).payload) == 255 * 61


# ---------------------------------------------------------------------------
# Addressing errors
# ---------------------------------------------------------------------------
async def test_unknown_destination(pair: Pair, han: VirtualHan) -> None:
    ch, esme = pair
    with pytest.raises(DeliveryFailed, match=r"unknown destination.*00DB123456789999") as err:
        await ch.send(HanFrame(dst_eui64="00DB123456789999"))
    assert err.value.reason is FailureReason.UNKNOWN_DESTINATION
    with pytest.raises(DeliveryFailed, match="0x7777"):
        await ch.send(HanFrame(dst_nwk=0x7777))
    with pytest.raises(DeliveryFailed, match="has NWK address"):
        await ch.send(HanFrame(dst_eui64=ESME, dst_nwk=0x0000))
    with pytest.raises(FrameError, match="no destination"):
        await ch.send(HanFrame())
    with pytest.raises(FrameError, match="not this radio's address"):
        await ch.send(frame_to(esme, src_eui64=GSME))
    assert han.stats.sent == 0


async def test_attach_rejects_duplicates_and_allocates_nwk_deterministically() -> None:
    def allocate() -> list[int]:
        han = VirtualHan(seed=5, require_join=False)
        return [han.attach(f"00DB12345678900{i}").nwk for i in range(5)]

    nwks = allocate()
    assert nwks == allocate() and len(set(nwks)) == 5
    assert all(0 < n < 0xFFF8 for n in nwks)
    han = VirtualHan()
    han.attach(CH, 0)
    with pytest.raises(RadioError, match="already attached"):
        han.attach(CH.lower())
    with pytest.raises(RadioError, match="already used"):
        han.attach(ESME, 0)
    with pytest.raises(FrameError):
        han.attach(ESME, 0xFFFF)
    assert han.radio(0) is han.radio(CH)
    assert han.allocate_eui64().startswith("02")


# ---------------------------------------------------------------------------
# Deferred delivery
# ---------------------------------------------------------------------------
async def test_delivery_never_inside_the_senders_call_stack(pair: Pair) -> None:
    ch, esme = pair
    order: list[str] = []
    seen: list[tuple[asyncio.Task[object] | None, list[str]]] = []

    def sink(frame: HanFrame) -> None:
        order.append("received")
        seen.append((asyncio.current_task(), [f.function for f in inspect.stack()]))

    esme.set_sink(sink)
    sender = asyncio.current_task()
    coro = ch.send(frame_to(esme, b"ping"))
    order.append("send called")
    assert order == ["send called"]  # creating the call delivered nothing
    await coro
    order.append("send returned")
    await until(lambda: len(seen) == 1)
    task, stack = seen[0]
    assert task is None and task is not sender  # a bare loop callback, not the sender's task
    assert "send" not in stack and "_send" not in stack
    assert order[0] == "send called" and "received" in order


async def test_a_sink_replying_from_a_task_works(pair: Pair) -> None:
    ch, esme = pair
    replies: list[HanFrame] = []
    tasks: set[asyncio.Task[None]] = set()

    def echo(frame: HanFrame) -> None:
        task = asyncio.create_task(esme.send(HanFrame(dst_nwk=frame.src_nwk,
                                                      payload=frame.payload[::-1])))
        tasks.add(task)

    esme.set_sink(echo)
    ch.set_sink(replies.append)
    await ch.send(frame_to(esme, b"abc"))
    await until(lambda: bool(replies))
    await asyncio.gather(*tasks)
    assert replies[0].payload == b"cba"


# ---------------------------------------------------------------------------
# Sleepy end devices
# ---------------------------------------------------------------------------
async def test_sleepy_frames_wait_for_poll(han: VirtualHan) -> None:
    ch = han.attach(CH, 0)
    gsme = han.attach(GSME, sleepy=True)
    assert gsme.parent is ch
    got: list[bytes] = []
    gsme.set_sink(lambda f: got.append(f.payload))
    sends = [asyncio.create_task(ch.send(frame_to(gsme, p))) for p in (b"one", bytes(200))]
    await until(lambda: gsme.pending_indirect == 2)
    assert not any(t.done() for t in sends) and got == []
    assert han.stats.indirect_queued == 2 and not han.is_idle()
    assert await asyncio.wait_for(gsme.poll(), 1) == 2
    await asyncio.wait_for(asyncio.gather(*sends), 1)
    await until(lambda: len(got) == 2)
    assert got == [b"one", bytes(200)]
    assert await gsme.poll() == 0
    # a sleepy device sends directly
    await gsme.send(HanFrame(dst_nwk=0, payload=b"up"))
    assert (await ch.receive(timeout=1)).payload == b"up"


async def test_sleepy_indirect_timeout_fails_the_send() -> None:
    han = VirtualHan(indirect_timeout=0.02, require_join=False)
    ch, gsme = han.attach(CH, 0), han.attach(GSME, sleepy=True)
    with pytest.raises(DeliveryFailed, match=r"did not poll within 0.02 s") as err:
        await asyncio.wait_for(ch.send(frame_to(gsme, b"late")), 1)
    assert err.value.reason is FailureReason.INDIRECT_TIMEOUT
    assert err.value.frame is not None and err.value.frame.payload == b"late"
    assert han.stats.indirect_expired == 1 and han.stats.failed == 1
    assert await gsme.poll() == 0


async def test_destination_leaving_fails_held_frames(han: VirtualHan) -> None:
    ch, gsme = han.attach(CH, 0), han.attach(GSME, sleepy=True)
    send = asyncio.create_task(ch.send(frame_to(gsme, b"x")))
    await until(lambda: gsme.pending_indirect == 1)
    await gsme.close()
    with pytest.raises(DeliveryFailed, match="left the network") as err:
        await asyncio.wait_for(send, 1)
    assert err.value.reason is FailureReason.DESTINATION_LEFT
    assert gsme.terminated.done()
    with pytest.raises(RadioLost):
        await gsme.send(HanFrame(dst_nwk=0))
    with pytest.raises(RadioLost):
        await gsme.poll()


# ---------------------------------------------------------------------------
# Events, lifecycle
# ---------------------------------------------------------------------------
async def test_join_and_leave_events(pair: Pair, han: VirtualHan) -> None:
    ch, _ = pair
    events: list[object] = []
    ch.set_event_sink(events.append)
    async with han.attach(IHD, 0x1234):
        await until(lambda: len(events) == 1)
    await until(lambda: len(events) == 2)
    join, leave = events
    assert isinstance(join, JoinEvent) and (join.eui64, join.nwk) == (IHD, 0x1234)
    assert isinstance(leave, LeaveEvent) and leave.eui64 == IHD


async def test_han_close_terminates_radios() -> None:
    async with VirtualHan() as han:
        a = han.attach(CH, 0)
    assert a.terminated.done() and a.closed
    with pytest.raises(RadioLost):
        han.attach(ESME)
    with pytest.raises(RadioLost):
        await a.send(HanFrame(dst_nwk=0))


async def test_registry_is_an_object_not_a_global() -> None:
    one, two = HanRegistry(), HanRegistry(seed=3)
    assert one.get("han") is one.get("han")
    assert one.get("han") is not two.get("han")
    assert two.get("han").seed == 3 and "han" in two
    await one.close()
    await two.close()


# ---------------------------------------------------------------------------
# Clean-state checks
# ---------------------------------------------------------------------------
async def test_assert_clean_reports_unread_frames_and_sink_errors(pair: Pair,
                                                                   han: VirtualHan) -> None:
    ch, esme = pair
    await ch.send(frame_to(esme, b"unread"))
    await han.drain()
    assert han.is_idle()
    with pytest.raises(AssertionError, match="never read"):
        han.assert_clean()
    await esme.receive(timeout=1)

    def bad_sink(frame: HanFrame) -> None:
        raise ValueError("boom")

    esme.set_sink(bad_sink)
    await ch.send(frame_to(esme, b"x"))
    await han.drain()
    with pytest.raises(AssertionError, match="boom"):
        han.assert_clean()
    assert han.stats.sink_errors == 1
    han.errors.clear()
    han.assert_clean()


async def test_is_idle_false_while_in_flight(pair: Pair, han: VirtualHan) -> None:
    ch, esme = pair
    esme.set_sink(lambda f: None)
    task = asyncio.create_task(ch.send(frame_to(esme, bytes(500))))
    await until(lambda: not han.is_idle())
    assert any("in flight" in line for line in han.describe_pending())
    await task
    await han.drain()
    assert han.is_idle()
