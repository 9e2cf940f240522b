# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault injection: the FaultSpec grammar, and every fault kind on a virtual HAN —
delivery completes thanks to retries or fails with a clear DeliveryFailed; never a hang,
never a silent loss; the same seed gives the same run."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gfi.errors import RadioSpecError
from gfi.radio.base import DeliveryFailed, FailureReason, HanFrame
from gfi.radio.faults import FaultSpec, LinkFaults
from gfi.radio.virtual import VirtualHan, VirtualRadio

from .conftest import CH, ESME, frame_to, until


def make_han(faults: str | None = None, **kwargs: Any) -> tuple[VirtualHan, VirtualRadio,
                                                                 VirtualRadio]:
    kwargs.setdefault("retry_interval", 0.0)
    han = VirtualHan(faults=faults, require_join=False, **kwargs)
    return han, han.attach(CH, 0), han.attach(ESME)


async def send_all(radio: VirtualRadio, frames: list[HanFrame]) -> list[BaseException | None]:
    return await asyncio.wait_for(
        asyncio.gather(*(radio.send(f) for f in frames), return_exceptions=True), 5)


# ---------------------------------------------------------------------------
# Grammar
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("drop=0.2,delay=5ms,seed=7", FaultSpec(drop=0.2, delay=0.005, seed=7)),
    (" drop = 20% , jitter=250us ", FaultSpec(drop=0.2, jitter=0.00025)),
    ("drop=3x", FaultSpec(drop_count=3)),
    ("drop=3x,drop=0.5", FaultSpec(drop_count=3, drop=0.5)),
    ("dup=0.5,reorder=1,window=10ms", FaultSpec(duplicate=0.5, reorder=1.0,
                                                reorder_window=0.01)),
    ("corrupt=100%,bits=3,delay=0.5s", FaultSpec(corrupt=1.0, corrupt_bits=3, delay=0.5)),
    ("", FaultSpec()),
    ("none", FaultSpec()),
])
def test_parse(text: str, expected: FaultSpec) -> None:
    assert FaultSpec.parse(text) == expected
    assert FaultSpec.parse(str(expected)) == expected


@pytest.mark.parametrize("text, fragment", [
    ("drop", "'drop' is not key=value"),
    ("drop=1.5", "'drop=1.5'"),
    ("delay=5", "add a unit"),
    ("delay=5min", "'delay=5min'"),
    ("loss=0.1", "unknown key 'loss'"),
    ("drop=0.1,drop=0.2", "given twice"),
    ("drop=3x,drop=2x", "given twice"),
    ("seed=x", "'seed=x'"),
    ("bits=0", "'bits=0'"),
    ("drop=0.1,", "'' is not key=value"),
    ("drop=-1x", "'drop=-1x'"),
    ("delay=7200s", "longer than"),
])
def test_parse_errors_name_the_bad_token(text: str, fragment: str) -> None:
    with pytest.raises(RadioSpecError) as err:
        FaultSpec.parse(text)
    assert fragment in str(err.value)


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(
    st.text(),
    st.text(alphabet="=,.%xsmu0123456789 -dropelayjitrsbcwn", max_size=40),
    st.lists(st.tuples(st.sampled_from(["drop", "delay", "jitter", "dup", "duplicate",
                                        "reorder", "window", "corrupt", "bits", "seed", "x"]),
                       st.text(alphabet="0123456789.%xmsu-e+", max_size=8)),
             max_size=5).map(lambda kv: ",".join(f"{k}={v}" for k, v in kv)),
))
def test_parse_garbage_raises_only_radiospecerror(text: str) -> None:
    try:
        spec = FaultSpec.parse(text)
    except RadioSpecError:
        return
    assert isinstance(spec, FaultSpec)


probabilities = st.sampled_from([0.0, 0.05, 0.2, 0.5, 1.0]) | st.floats(0, 1)
durations = st.sampled_from([0.0, 0.001, 0.005, 1.5]) | st.floats(0, 3600)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.builds(FaultSpec, drop=probabilities, drop_count=st.integers(0, 10**6),
                 delay=durations, jitter=durations,
                 duplicate=probabilities, reorder=probabilities, reorder_window=durations,
                 corrupt=probabilities, corrupt_bits=st.integers(1, 64),
                 seed=st.none() | st.integers(-(2**40), 2**40)))
def test_str_round_trips(spec: FaultSpec) -> None:
    assert FaultSpec.parse(str(spec)) == spec


def test_link_faults_are_seeded_per_link() -> None:
    spec = FaultSpec(drop=0.5, corrupt=0.5, jitter=0.01, seed=1)

    def fates(link: str) -> list[object]:
        faults = LinkFaults(spec, link=link)
        return [faults.on_transmit(b"abcd") for _ in range(50)]

    assert fates("A>B") == fates("A>B")
    assert fates("A>B") != fates("B>A")


# ---------------------------------------------------------------------------
# Drop and MAC retries
# ---------------------------------------------------------------------------
async def test_forced_drops_are_retried() -> None:
    han, ch, esme = make_han("drop=3x")
    await asyncio.wait_for(ch.send(frame_to(esme, b"survives")), 1)
    assert (await esme.receive(timeout=1)).payload == b"survives"
    assert (han.stats.dropped, han.stats.retried, han.stats.failed) == (3, 3, 0)


async def test_drop_beyond_retries_fails_clearly() -> None:
    han, ch, esme = make_han("drop=4x")
    with pytest.raises(DeliveryFailed, match=r"lost 4 times: 1 transmission \+ 3 MAC retries"
                       ) as err:
        await asyncio.wait_for(ch.send(frame_to(esme, b"lost")), 1)
    assert err.value.reason is FailureReason.NO_ACK
    assert han.stats.delivered == 0 and han.stats.failed == 1
    # the link recovers
    await ch.send(frame_to(esme, b"next"))
    assert (await esme.receive(timeout=1)).payload == b"next"


async def test_mac_retries_are_configurable() -> None:
    _han, ch, esme = make_han("drop=4x", mac_retries=5)
    await asyncio.wait_for(ch.send(frame_to(esme, b"ok")), 1)
    await esme.receive(timeout=1)
    _han2, a, b = make_han("drop=1x", mac_retries=0)
    with pytest.raises(DeliveryFailed, match="0 MAC retries"):
        await a.send(frame_to(b))


async def test_random_drops_never_lose_silently() -> None:
    han, ch, esme = make_han("drop=0.6,seed=3")
    got: list[int] = []
    esme.set_sink(lambda f: got.append(f.payload[0]))
    results = await send_all(ch, [frame_to(esme, bytes([i]) * 10) for i in range(40)])
    await han.drain()
    ok = [i for i, r in enumerate(results) if r is None]
    failed = [r for r in results if r is not None]
    assert ok and failed, "seed 3 should give both outcomes"
    assert all(isinstance(r, DeliveryFailed) and r.reason is FailureReason.NO_ACK
               for r in failed)
    assert got == ok  # exactly the successful sends arrived, in order
    assert han.stats.failed == len(failed) and han.stats.delivered == len(ok)


async def test_drops_on_fragments_are_retried_and_reassembled() -> None:
    han, ch, esme = make_han("drop=0.3,seed=11", mac_retries=6)
    payload = bytes(range(256)) * 6
    await asyncio.wait_for(ch.send(frame_to(esme, payload)), 2)
    assert (await esme.receive(timeout=1)).payload == payload
    assert han.stats.dropped > 0 and han.stats.fragments == 26


async def test_fragment_loss_discards_the_partial_message() -> None:
    han, ch, esme = make_han()
    han.set_faults("drop=0.5,seed=2", src=ch, dst=esme)
    got: list[HanFrame] = []
    esme.set_sink(got.append)
    results = await send_all(ch, [frame_to(esme, bytes([i]) * 400) for i in range(6)])
    await han.drain()
    assert any(isinstance(r, DeliveryFailed) for r in results)
    assert [f.payload for f in got] == [bytes([i]) * 400 for i, r in enumerate(results)
                                        if r is None]


# ---------------------------------------------------------------------------
# Delay, duplicate, reorder, corrupt
# ---------------------------------------------------------------------------
async def test_delay_and_jitter() -> None:
    _han, ch, esme = make_han("delay=5ms,jitter=2ms,seed=1")
    loop = asyncio.get_running_loop()
    start = loop.time()
    await asyncio.wait_for(ch.send(frame_to(esme, bytes(100))), 1)
    frame = await esme.receive(timeout=1)
    assert frame.timestamp - start >= 2 * 0.005  # two blocks, each delayed
    assert frame.payload == bytes(100)


async def test_duplicates_reach_the_sink_unless_rejected() -> None:
    han, ch, esme = make_han("dup=1")
    await ch.send(frame_to(esme, b"twice"))
    assert [(await esme.receive(timeout=1)).payload for _ in range(2)] == [b"twice"] * 2
    assert han.stats.duplicated == 1 and han.stats.delivered == 2

    han2, a, b = make_han("dup=1", duplicate_rejection=True)
    await a.send(frame_to(b, b"once"))
    await han2.drain()
    assert b.unread == 1 and han2.stats.duplicated == 1
    await b.receive(timeout=1)


async def test_duplicate_fragments_are_absorbed_by_reassembly() -> None:
    han, ch, esme = make_han("duplicate=1")
    payload = bytes(range(200))
    await ch.send(frame_to(esme, payload))
    await han.drain()
    assert esme.unread == 1 and (await esme.receive(timeout=1)).payload == payload
    assert han.stats.duplicated == 4


async def test_reorder_swaps_and_never_loses() -> None:
    han, ch, esme = make_han("reorder=1,window=5ms")
    got: list[bytes] = []
    esme.set_sink(lambda f: got.append(f.payload))
    payloads = [bytes([i]) for i in range(6)]
    for p in payloads:
        await ch.send(frame_to(esme, p))
    await han.drain()  # the last held frame is released when its window ends
    assert sorted(got) == payloads and got != payloads
    assert got[:2] == [b"\x01", b"\x00"]
    assert han.stats.reordered >= 1


async def test_corrupt_flips_bits_in_the_payload() -> None:
    han, ch, esme = make_han("corrupt=1,bits=3,seed=4")
    payload = bytes(100)
    await ch.send(frame_to(esme, payload))
    frame = await esme.receive(timeout=1)
    flipped = sum(bin(a ^ b).count("1") for a, b in zip(frame.payload, payload, strict=True))
    assert flipped == 6  # 3 bits in each of the 2 blocks
    assert han.stats.corrupted == 2


# ---------------------------------------------------------------------------
# Per-link rules, determinism
# ---------------------------------------------------------------------------
async def test_faults_are_per_direction_and_most_specific_wins() -> None:
    han, ch, esme = make_han()
    han.set_faults("drop=4x", src=ch, dst=esme)
    with pytest.raises(DeliveryFailed):
        await ch.send(frame_to(esme))
    await esme.send(HanFrame(dst_nwk=0))  # the other direction is clean
    await ch.receive(timeout=1)
    han.set_faults("drop=1", dst=esme)  # (any, esme): less specific than (ch, esme)
    han.set_faults(None, src=ch, dst=esme)
    with pytest.raises(DeliveryFailed):
        await ch.send(frame_to(esme))
    han.set_faults("none", src=CH, dst=esme.nwk)  # a perfect specific rule wins
    await ch.send(frame_to(esme))
    await esme.receive(timeout=1)
    han.clear_faults()
    han.set_faults("drop=4x", src=ch, dst=esme, both_ways=True)
    with pytest.raises(DeliveryFailed):
        await esme.send(HanFrame(dst_nwk=0))


async def _scenario(seed: int) -> tuple[list[object], dict[str, int], list[bytes]]:
    han = VirtualHan(f"det{seed}", trace=True, retry_interval=0.0, mac_retries=2,
                     require_join=False,
                     # a window far longer than one send: the next frame on the link, not
                     # the wall clock, releases a held frame (2ms made the run load-dependent)
                     faults=f"drop=0.3,dup=0.2,corrupt=0.1,reorder=0.2,window=200ms,seed={seed}")
    ch, esme = han.attach(CH, 0), han.attach(ESME)
    got: list[bytes] = []
    esme.set_sink(lambda f: got.append(f.payload))
    ch.set_sink(lambda f: got.append(f.payload))
    for i in range(25):
        for src, dst in ((ch, esme), (esme, ch)):
            with contextlib.suppress(DeliveryFailed):
                await asyncio.wait_for(src.send(frame_to(dst, bytes([i]) * (i * 13))), 1)
    await han.drain(2.0)
    assert han.trace is not None
    trace: list[object] = list(han.trace)
    await han.close()
    return trace, han.stats.as_dict(), got


async def test_same_seed_same_run() -> None:
    first, second, other = await _scenario(7), await _scenario(7), await _scenario(8)
    assert first == second
    assert first[0] != other[0]
    stats = first[1]
    assert stats["dropped"] and stats["duplicated"] and stats["corrupted"] and stats["failed"]


async def test_never_hangs_under_every_fault_at_once() -> None:
    han, ch, esme = make_han("drop=0.5,delay=1ms,jitter=1ms,dup=0.5,reorder=0.5,window=2ms,"
                             "corrupt=0.5,seed=9")
    esme.set_sink(lambda f: None)
    results = await send_all(ch, [frame_to(esme, bytes(n)) for n in (0, 10, 83, 300, 5)])
    await han.drain()
    assert all(r is None or isinstance(r, DeliveryFailed) for r in results)
    assert han.stats.delivered >= sum(r is None for r in results)
    await until(han.is_idle)
