# SPDX-License-Identifier: GPL-3.0-or-later
"""Joining and trust-centre admission on the virtual HAN (zigbee-han.md §3.3, §5 step 0;
product.md §4.2): the device log decides, the link key must match, the permit window
must be open; leave, remove and rejoin; APS link keys; the join in a capture that tshark
decodes; determinism under faults."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import pytest

from gfi.errors import RadioError, RadioLost
from gfi.radio import JoiningRadio, TrustCentreRadio, open_radio
from gfi.radio.base import (
    NWK_UNKNOWN,
    AdmissionDecision,
    AirFrame,
    AirKind,
    DeliveryFailed,
    FailureReason,
    FrameError,
    HanFrame,
    JoinEvent,
    JoinFailed,
    JoinFailure,
    JoinRequest,
    LeaveEvent,
    RadioEvent,
    link_key_proof,
)
from gfi.radio.capture import PcapWriter, aes_mmo_hash, key_transport_key
from gfi.radio.virtual import HanRegistry, TraceEvent, VirtualHan

from .conftest import (
    CH,
    ESME,
    GSME,
    IHD,
    INSTALL_CODES,
    LINK_KEYS,
    DeviceLog,
    attach_joined,
    frame_to,
    trust_centre,
    until,
)
from .test_capture import TRANSFER_DATA_DOWN, TRANSFER_DATA_UP, assert_decodes_cleanly, fields

NETWORK_KEY = bytes.fromhex("0102030405060708090A0B0C0D0E0F10")
WRONG_KEY = bytes(range(16))
#: a CBKE result (any 16 bytes will do for the radio layer)
CBKE_KEY = bytes.fromhex("F0E1D2C3B4A5968778695A4B3C2D1E0F")


def new_han(**kwargs: object) -> VirtualHan:
    kwargs.setdefault("retry_interval", 0.0)
    return VirtualHan("join", **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Admission
# ---------------------------------------------------------------------------
async def test_join_with_the_right_key_is_admitted() -> None:
    han = new_han()
    log = DeviceLog()
    ch = trust_centre(han, log)
    events: list[RadioEvent] = []
    ch.set_event_sink(events.append)
    esme = han.attach(ESME, 0x3C4D)
    assert not esme.joined and esme.nwk == NWK_UNKNOWN and esme.reserved_nwk == 0x3C4D
    result = await esme.join(LINK_KEYS[ESME], timeout=1)
    assert (result.eui64, result.nwk, result.trust_centre, result.rejoin) == (
        ESME, 0x3C4D, CH, False)
    assert result.network_key == han.network_key == esme.network_key
    assert esme.joined and esme.nwk == 0x3C4D
    assert han.link_key(CH, ESME) == LINK_KEYS[ESME] == han.link_key(ESME, 0x0000)
    (request,) = log.requests  # the hook saw a proof of the key, never the key itself
    assert request.eui64 == ESME and not request.rejoin and not request.sleepy
    assert LINK_KEYS[ESME] not in (request.nonce, request.proof)
    assert request.verify(LINK_KEYS[ESME]) and not request.verify(WRONG_KEY)
    await until(lambda: bool(events))
    assert events == [JoinEvent(ESME, 0x3C4D, False, events[0].timestamp, False)]
    # joined: APS-secured traffic both ways
    await ch.send(frame_to(esme, TRANSFER_DATA_DOWN + b"\x02"))
    await esme.send(HanFrame(dst_nwk=0, payload=TRANSFER_DATA_UP + b"\x02"))
    assert (await esme.receive(timeout=1)).src_eui64 == CH
    assert (await ch.receive(timeout=1)).src_nwk == 0x3C4D
    assert han.stats.joins == 1 and han.stats.join_failures == 0
    assert han.stats.sent == 2 and han.stats.delivered == 2  # join frames are not counted


async def test_wrong_key_is_refused_with_a_clear_reason() -> None:
    han = new_han()
    ch = trust_centre(han)
    events: list[RadioEvent] = []
    ch.set_event_sink(events.append)
    esme = han.attach(ESME, 0x3C4D)
    with pytest.raises(JoinFailed, match=r"refused by the trust centre.*does not match the "
                       r"install code") as err:
        await esme.join(WRONG_KEY, timeout=1)
    assert err.value.reason is JoinFailure.REFUSED and err.value.eui64 == ESME
    assert not esme.joined and esme.nwk == NWK_UNKNOWN and esme.network_key is None
    assert han.link_key(CH, ESME) is None
    with pytest.raises(DeliveryFailed, match="not joined") as sent:
        await esme.send(HanFrame(dst_nwk=0, payload=b"x"))
    assert sent.value.reason is FailureReason.NOT_JOINED
    with pytest.raises(DeliveryFailed, match="has not joined") as to:
        await ch.send(frame_to(esme, b"x"))
    assert to.value.reason is FailureReason.UNKNOWN_DESTINATION
    with pytest.raises(DeliveryFailed, match="no device with NWK address 0x3c4d"):
        await ch.send(HanFrame(dst_nwk=0x3C4D))
    await han.drain()
    assert events == [] and han.stats.join_failures == 1 and han.stats.sent == 0


async def test_admitting_with_a_key_that_is_not_the_joiners_fails() -> None:
    """Not bypassable: a trust centre that says yes with the wrong key does not get the
    device in (on air the Transport Key would not decrypt)."""
    han = new_han()
    ch = han.attach(CH, coordinator=True)
    ch.set_admission(lambda request: AdmissionDecision.admit(WRONG_KEY))
    ch.permit_joining(10)
    esme = han.attach(ESME)
    with pytest.raises(JoinFailed, match=r"link key mismatch.*does not decrypt") as err:
        await esme.join(LINK_KEYS[ESME], timeout=1)
    assert err.value.reason is JoinFailure.KEY_MISMATCH
    assert not esme.joined and esme.nwk == NWK_UNKNOWN and han.link_key(CH, ESME) is None


async def test_device_not_on_the_log_is_refused() -> None:
    han = new_han()
    log = DeviceLog({ESME: INSTALL_CODES[ESME]})
    trust_centre(han, log)
    ihd = han.attach(IHD)
    with pytest.raises(JoinFailed, match=f"{IHD} is not on the device log") as err:
        await ihd.join(LINK_KEYS[IHD], timeout=1)
    assert err.value.reason is JoinFailure.REFUSED
    log.codes[IHD] = INSTALL_CODES[IHD]  # CCS01 adds it: now it may join
    assert (await ihd.join(LINK_KEYS[IHD], timeout=1)).eui64 == IHD


async def test_join_outside_the_permit_window_is_refused() -> None:
    han = new_han()
    log = DeviceLog()
    ch = trust_centre(han, log, permit=0)
    esme = han.attach(ESME)
    with pytest.raises(JoinFailed, match="permit joining is closed") as err:
        await esme.join(LINK_KEYS[ESME], timeout=1)  # closed by default
    assert err.value.reason is JoinFailure.PERMIT_CLOSED
    ch.permit_joining(60, GSME)  # open for another device only
    assert ch.joining_permitted(GSME) and not ch.joining_permitted(ESME)
    with pytest.raises(JoinFailed, match=f"open only for {GSME}, not {ESME}"):
        await esme.join(LINK_KEYS[ESME], timeout=1)
    ch.permit_joining(0.01)  # a window that ends before the device tries
    await asyncio.sleep(0.02)
    with pytest.raises(JoinFailed, match="permit joining is closed"):
        await esme.join(LINK_KEYS[ESME], timeout=1)
    ch.permit_joining(60)
    ch.permit_joining(0)  # 0 closes every window
    assert not ch.joining_permitted(GSME)
    with pytest.raises(JoinFailed, match="permit joining is closed"):
        await esme.join(LINK_KEYS[ESME], timeout=1)
    assert log.requests == []  # the hook is never asked outside the window
    ch.permit_joining(60, ESME)
    assert (await esme.join(LINK_KEYS[ESME], timeout=1)).eui64 == ESME
    with pytest.raises(RadioError, match="seconds >= 0"):
        ch.permit_joining(-1)


async def test_join_times_out_when_the_trust_centre_never_answers() -> None:
    han = new_han()
    ch = han.attach(CH, coordinator=True)
    ch.permit_joining(60)  # open, but no admission hook: nobody answers
    esme = han.attach(ESME)
    loop = asyncio.get_running_loop()
    start = loop.time()
    with pytest.raises(JoinFailed, match=r"no answer from the trust centre within 0.05 s.*"
                       "has no admission hook") as err:
        await asyncio.wait_for(esme.join(LINK_KEYS[ESME], timeout=0.05), 2)
    assert err.value.reason is JoinFailure.TIMEOUT
    assert loop.time() - start < 1.0 and han.is_idle() and not esme.joined

    never = asyncio.Event()
    cancelled: list[bool] = []

    async def undecided(request: JoinRequest) -> AdmissionDecision:
        try:
            await never.wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        raise AssertionError("unreachable")

    ch.set_admission(undecided)
    with pytest.raises(JoinFailed, match="admission hook has not decided"):
        await esme.join(LINK_KEYS[ESME], timeout=0.05)
    await until(lambda: bool(cancelled))  # the pending decision was abandoned


async def test_an_async_admission_hook_decides() -> None:
    han = new_han()
    ch = trust_centre(han)
    log = DeviceLog()

    async def slow(request: JoinRequest) -> AdmissionDecision:
        await asyncio.sleep(0.01)  # e.g. a look-up in a store
        return log(request)

    ch.set_admission(slow)
    esme = han.attach(ESME)
    assert (await esme.join(LINK_KEYS[ESME], timeout=1)).eui64 == ESME
    assert [r.eui64 for r in log.requests] == [ESME]


async def test_a_failing_admission_hook_refuses_and_is_reported() -> None:
    han = new_han()
    ch = trust_centre(han)

    def broken(request: JoinRequest) -> AdmissionDecision:
        raise KeyError("device log unavailable")

    ch.set_admission(broken)
    esme = han.attach(ESME)
    with pytest.raises(JoinFailed, match="admission hook failed: KeyError") as err:
        await esme.join(LINK_KEYS[ESME], timeout=1)
    assert err.value.reason is JoinFailure.REFUSED
    assert [type(e) for e in han.errors] == [KeyError]  # assert_clean would flag it
    han.errors.clear()


# ---------------------------------------------------------------------------
# Before joining, leaving, removal, rejoin
# ---------------------------------------------------------------------------
async def test_unjoined_radio_cannot_send() -> None:
    han = new_han()
    trust_centre(han)
    esme = han.attach(ESME)
    with pytest.raises(DeliveryFailed) as err:
        await esme.send(HanFrame(dst_nwk=0, payload=b"hello"))
    assert err.value.reason is FailureReason.NOT_JOINED and str(err.value.reason) == "not joined"
    assert "await radio.join(link_key) first" in str(err.value)
    assert han.stats.sent == 0


async def test_leave_remove_and_rejoin() -> None:
    han = new_han()
    log = DeviceLog()
    ch = trust_centre(han, log)
    ch_events: list[RadioEvent] = []
    esme_events: list[RadioEvent] = []
    ch.set_event_sink(ch_events.append)
    esme = await attach_joined(han, ESME, 0x3C4D)
    esme.set_event_sink(esme_events.append)
    await until(lambda: len(ch_events) == 1)

    await esme.leave()
    assert not esme.joined and han.link_key(CH, ESME) is None
    await until(lambda: len(ch_events) == 2)
    assert ch_events[1] == LeaveEvent(ESME, 0x3C4D, ch_events[1].timestamp, removed=False)
    with pytest.raises(DeliveryFailed, match="not joined"):
        await esme.send(HanFrame(dst_nwk=0))
    with pytest.raises(DeliveryFailed, match="unknown destination"):
        await ch.send(frame_to(esme))
    with pytest.raises(RadioError, match="nothing to leave"):
        await esme.leave()

    result = await esme.join(LINK_KEYS[ESME], timeout=1)  # the key is still on the log
    assert result.rejoin and result.nwk == 0x3C4D and log.requests[-1].rejoin
    await until(lambda: len(ch_events) == 3)
    assert isinstance(ch_events[2], JoinEvent) and ch_events[2].rejoin

    # CCS02: the CH takes the device off its log and off the network
    del log.codes[ESME]
    assert await ch.remove(ESME) is True
    assert not esme.joined and await ch.remove(ESME) is False
    await until(lambda: len(ch_events) == 4 and len(esme_events) == 1)
    assert isinstance(ch_events[3], LeaveEvent) and ch_events[3].removed
    assert isinstance(esme_events[-1], LeaveEvent) and esme_events[-1].eui64 == ESME
    with pytest.raises(JoinFailed, match="not on the device log"):
        await esme.join(LINK_KEYS[ESME], timeout=1)
    log.codes[ESME] = INSTALL_CODES[ESME]  # CCS01 again
    assert (await esme.join(LINK_KEYS[ESME], timeout=1)).rejoin
    assert han.stats.joins == 3 and han.stats.leaves == 2


async def test_leaving_fails_frames_in_flight() -> None:
    han = new_han()
    ch = trust_centre(han)
    gsme = await attach_joined(han, GSME, sleepy=True)
    held = asyncio.create_task(ch.send(frame_to(gsme, b"for later")))
    await until(lambda: gsme.pending_indirect == 1)
    await gsme.leave()
    with pytest.raises(DeliveryFailed, match="left the network") as err:
        await held
    assert err.value.reason is FailureReason.DESTINATION_LEFT


async def test_events_come_from_the_event_loop_not_from_join() -> None:
    han = new_han()
    ch = trust_centre(han)
    seen: list[tuple[RadioEvent, asyncio.Task[object] | None, list[str]]] = []

    def sink(event: RadioEvent) -> None:
        seen.append((event, asyncio.current_task(), [f.function for f in inspect.stack()]))

    ch.set_event_sink(sink)
    esme = han.attach(ESME)
    joining = asyncio.current_task()
    coro = esme.join(LINK_KEYS[ESME], timeout=1)
    assert seen == []  # creating the call did nothing
    await coro
    await until(lambda: bool(seen))
    (event, task, stack), = seen
    assert isinstance(event, JoinEvent) and event.eui64 == ESME
    assert task is None and task is not joining  # a bare loop callback
    assert "join" not in stack and "_join" not in stack


# ---------------------------------------------------------------------------
# APS link keys
# ---------------------------------------------------------------------------
async def test_aps_security_needs_a_link_key() -> None:
    han = new_han()
    ch = trust_centre(han)
    esme = await attach_joined(han, ESME)
    gsme = await attach_joined(han, GSME)
    esme.set_sink(lambda f: None)
    gsme.set_sink(lambda f: None)
    # device to device: both share a key with the trust centre, which is taken as enough
    await esme.send(frame_to(gsme, b"via the CH's keys"))
    han.set_link_key(CH, ESME, None)
    with pytest.raises(DeliveryFailed, match="no APS link key between") as err:
        await ch.send(frame_to(esme, b"secret"))
    assert err.value.reason is FailureReason.NO_LINK_KEY
    with pytest.raises(DeliveryFailed, match="no APS link key"):
        await gsme.send(frame_to(esme, b"secret"))
    await ch.send(frame_to(esme, b"clear", aps_security=False))  # e.g. Key Establishment
    han.set_link_key(ESME, GSME, CBKE_KEY)  # an application link key
    await gsme.send(frame_to(esme, b"direct key"))
    assert han.link_keys == {(ESME, GSME): CBKE_KEY, (GSME, CH): LINK_KEYS[GSME]}


async def test_key_established_replaces_the_link_key() -> None:
    han = new_han()
    ch = trust_centre(han)
    await attach_joined(han, ESME)
    ch.key_established(ESME, CBKE_KEY)
    assert han.link_key(CH, ESME) == CBKE_KEY
    with pytest.raises(FrameError, match="16 bytes"):
        ch.key_established(ESME, b"short")
    with pytest.raises(RadioError, match="has not joined"):
        ch.key_established(han.attach(IHD).eui64, CBKE_KEY)


async def test_enforcement_can_be_switched_off() -> None:
    han = new_han(enforce_aps_security=False)
    ch = trust_centre(han)
    esme = await attach_joined(han, ESME)
    han.set_link_key(CH, ESME, None)
    await ch.send(frame_to(esme, b"unchecked"))
    assert (await esme.receive(timeout=1)).aps_security


async def test_require_join_false_keeps_attach_as_join() -> None:
    han = new_han(require_join=False, seed=4)
    esme = han.attach(ESME)  # before the coordinator: keyed when it arrives
    ch = han.attach(CH, 0)
    assert ch.is_coordinator and esme.joined and han.coordinator is ch
    key = han.link_key(CH, ESME)
    assert key is not None and len(key) == 16 and key != han.network_key
    await ch.send(frame_to(esme, b"x"))
    assert (await esme.receive(timeout=1)).payload == b"x"


# ---------------------------------------------------------------------------
# Rules and edge cases
# ---------------------------------------------------------------------------
async def test_coordinator_rules_and_misuse() -> None:
    han = new_han()
    ch = han.attach(CH, 0x0000)  # NWK 0x0000 is the coordinator
    assert ch.is_coordinator and ch.joined and isinstance(ch, TrustCentreRadio)
    esme = han.attach(ESME)
    assert isinstance(esme, JoiningRadio) and not esme.is_coordinator
    with pytest.raises(RadioError, match="already has a coordinator"):
        han.attach(GSME, coordinator=True)
    with pytest.raises(FrameError, match="coordinator's NWK address is 0x0000"):
        new_han().attach(GSME, 0x1234, coordinator=True)
    with pytest.raises(RadioError, match="does not join"):
        await ch.join(LINK_KEYS[ESME])
    with pytest.raises(RadioError, match="is for the coordinator"):
        esme.set_admission(None)
    with pytest.raises(RadioError, match="is for the coordinator"):
        esme.permit_joining(1)
    with pytest.raises(RadioError, match="is for the coordinator"):
        await esme.remove(GSME)
    with pytest.raises(FrameError, match="16 bytes"):
        await esme.join(b"too short")
    with pytest.raises(RadioError, match="finite number of seconds"):
        await esme.join(LINK_KEYS[ESME], timeout=0)
    with pytest.raises(RadioError, match="cannot leave its own network"):
        await ch.leave()


async def test_join_without_coordinator_and_double_joins() -> None:
    han = new_han()
    esme = han.attach(ESME)
    with pytest.raises(JoinFailed, match="no coordinator") as err:
        await esme.join(LINK_KEYS[ESME])
    assert err.value.reason is JoinFailure.NO_NETWORK
    ch = trust_centre(han)
    first = asyncio.create_task(esme.join(LINK_KEYS[ESME], timeout=1))
    await until(lambda: any("join of" in line for line in han.describe_pending()))
    with pytest.raises(RadioError, match="already in progress"):
        await esme.join(LINK_KEYS[ESME])
    await first
    with pytest.raises(RadioError, match="already joined"):
        await esme.join(LINK_KEYS[ESME])
    assert ch.joined


async def test_closing_during_a_join() -> None:
    han = new_han()
    ch = han.attach(CH, coordinator=True)
    ch.permit_joining(60)  # no hook: the join waits
    esme, gsme = han.attach(ESME), han.attach(GSME)
    joining = asyncio.create_task(esme.join(LINK_KEYS[ESME], timeout=5))
    await until(lambda: any("waiting for the admission hook" in line
                            for line in han.describe_pending()))
    await esme.close()
    with pytest.raises(RadioLost, match="closed while joining"):
        await joining
    joining = asyncio.create_task(gsme.join(LINK_KEYS[GSME], timeout=5))
    await until(lambda: any("join of" in line for line in han.describe_pending()))
    await ch.close()
    with pytest.raises(JoinFailed, match="coordinator closed") as err:
        await joining
    assert err.value.reason is JoinFailure.NO_NETWORK
    await han.drain()
    assert han.is_idle() and han.coordinator is None


async def test_cancelling_join_leaves_the_han_clean() -> None:
    han = new_han()
    ch = han.attach(CH, coordinator=True)
    ch.permit_joining(60)
    esme = han.attach(ESME)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(esme.join(LINK_KEYS[ESME], timeout=5), 0.02)
    await han.drain()  # the 5 s join timer went with the join
    assert han.is_idle() and not esme.joined
    ch.set_admission(DeviceLog())
    assert (await esme.join(LINK_KEYS[ESME], timeout=1)).eui64 == ESME


async def test_sleepy_device_joins_then_polls() -> None:
    han = new_han()
    ch = trust_centre(han)
    gsme = await attach_joined(han, GSME, sleepy=True)
    assert gsme.parent is ch
    send = asyncio.create_task(ch.send(frame_to(gsme, b"queued")))
    await until(lambda: gsme.pending_indirect == 1)
    assert await gsme.poll() == 1
    await send
    assert (await gsme.receive(timeout=1)).payload == b"queued"


async def test_open_radio_opens_the_coordinator() -> None:
    registry = HanRegistry()
    ch = await open_radio("virtual:home?coordinator=yes", registry=registry, eui64=CH)
    esme = await open_radio(f"virtual:home?eui64={ESME}", registry=registry)
    assert isinstance(ch, TrustCentreRadio) and isinstance(esme, JoiningRadio)
    ch.set_admission(DeviceLog())
    ch.permit_joining(60, ESME)
    assert (await esme.join(LINK_KEYS[ESME], timeout=1)).trust_centre == CH
    await registry.close()


def test_proof_and_decision_values() -> None:
    nonce = bytes(16)
    proof = link_key_proof(LINK_KEYS[ESME], ESME, nonce)
    assert len(proof) == 16 and proof != link_key_proof(LINK_KEYS[ESME], GSME, nonce)
    request = JoinRequest(ESME, nonce=nonce, proof=proof)
    assert request.verify(LINK_KEYS[ESME]) and not request.verify(b"short")
    assert "proof" not in repr(request) and "link_key" not in repr(AdmissionDecision.admit(
        LINK_KEYS[ESME]))
    assert AdmissionDecision.admit(LINK_KEYS[ESME].hex()).link_key == LINK_KEYS[ESME]
    with pytest.raises(FrameError):
        AdmissionDecision(True)
    with pytest.raises(FrameError):
        AdmissionDecision(False, LINK_KEYS[ESME])


def test_key_derivations() -> None:
    # ZigBee install-code vector (zigbee-han.md §3.3): AES-MMO(code ‖ CRC) = link key
    assert aes_mmo_hash(INSTALL_CODES[ESME]) == LINK_KEYS[ESME]
    assert LINK_KEYS[ESME].hex().upper() == "66B6900981E1EE3CA4206B6B861C02BB"
    assert aes_mmo_hash(b"") != aes_mmo_hash(b"\x00")
    assert key_transport_key(LINK_KEYS[ESME]) != LINK_KEYS[ESME]
    assert len(key_transport_key(LINK_KEYS[ESME])) == 16


# ---------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------
async def _faulty_join(seed: int) -> tuple[list[TraceEvent], dict[str, int]]:
    han = VirtualHan(f"faulty{seed}", retry_interval=0.0, mac_retries=8, trace=True,
                     faults=f"drop=0.4,seed={seed}")
    ch = trust_centre(han)
    esme, gsme = han.attach(ESME), han.attach(GSME, sleepy=True)
    for radio in (esme, gsme):
        result = await radio.join(LINK_KEYS[radio.eui64], timeout=2)
        assert result.nwk == radio.nwk
    ch.set_sink(lambda f: None)
    await esme.send(HanFrame(dst_nwk=0, payload=TRANSFER_DATA_UP + b"\x02"))
    await han.drain()
    assert han.trace is not None
    return list(han.trace), han.stats.as_dict()


@pytest.mark.parametrize("seed", range(4))
async def test_join_is_deterministic_under_drops_with_mac_retries(seed: int) -> None:
    first, second = await _faulty_join(seed), await _faulty_join(seed)
    assert first == second
    trace, stats = first
    assert stats["joins"] == 2 and stats["join_failures"] == 0
    kinds = [t.kind for t in trace if t.kind.startswith("join")]
    assert kinds == ["join", "joined"] * 2
    # the drops hit the join frames too (which ones depends on the seed)
    assert stats["dropped"] == stats["retried"] == sum(t.detail == "lost" for t in trace)


async def test_drops_hit_join_frames_and_are_retried() -> None:
    lost_in: set[str] = set()
    for seed in range(4):
        trace, _ = await _faulty_join(seed)
        stage = ""
        for event in trace:
            if event.kind == "send":
                stage = event.detail
            elif event.kind == "tx" and event.detail == "lost":
                lost_in.add(stage)
    assert {"association request", "association response", "transport key",
            "device announce"} <= lost_in


async def test_join_frame_lost_beyond_the_retries_fails_the_join() -> None:
    han = new_han(mac_retries=3)
    trust_centre(han)
    esme = han.attach(ESME)
    han.set_faults("drop=4x", src=esme)  # the association request never gets through
    with pytest.raises(JoinFailed, match=r"join frame not acknowledged.*association request") \
            as err:
        await esme.join(LINK_KEYS[ESME], timeout=1)
    assert err.value.reason is JoinFailure.NO_ACK and han.stats.dropped == 4
    han.clear_faults()
    events: list[RadioEvent] = []
    han.radio(CH).set_event_sink(events.append)

    def lose_the_announce(air: AirFrame) -> None:  # once the key is out, cut the way back
        if air.kind is AirKind.APS_COMMAND and not air.attempt:
            han.set_faults("drop=4x", src=esme)

    remove = han.add_tap(lose_the_announce)
    with pytest.raises(JoinFailed, match=r"not acknowledged.*device announce"):
        await esme.join(LINK_KEYS[ESME], timeout=1)
    assert not esme.joined and esme.nwk == NWK_UNKNOWN and esme.network_key is None
    remove()
    han.clear_faults()
    assert (await esme.join(LINK_KEYS[ESME], timeout=1)).eui64 == ESME
    await until(lambda: bool(events))
    assert [type(e) for e in events] == [JoinEvent]  # only the join that completed


# ---------------------------------------------------------------------------
# Captures
# ---------------------------------------------------------------------------
JOIN_FIELDS = ("frame.number", "wpan.cmd", "wpan.asoc.addr", "wpan.assoc.status",
               "zbee_aps.cmd.id", "zbee_aps.cmd.key_type", "zbee_aps.cmd.key",
               "zbee_aps.cmd.dst", "zbee_zdp.nwk_addr", "zbee_zdp.ext_addr",
               "zbee_zcl_se.tun.cmd.srv_rx.id")


async def _capture_join(path: Path, *, encrypted: bool) -> tuple[PcapWriter, VirtualHan]:
    han = new_han(network_key=NETWORK_KEY)
    writer = PcapWriter(path, encrypted=encrypted, network_key=NETWORK_KEY)
    writer.attach(han, close_with=True)
    ch = trust_centre(han)
    esme = han.attach(ESME, 0x3C4D)
    await esme.join(LINK_KEYS[ESME], timeout=1)
    ch.set_sink(lambda f: None)
    await esme.send(HanFrame(dst_nwk=0, payload=TRANSFER_DATA_UP + b"\x02"))
    await han.drain()
    return writer, han


def _expected_rows() -> list[list[str]]:
    eui = ":".join(ESME[i:i + 2] for i in range(0, 16, 2)).lower()
    return [
        ["1", "0x01", "", "", "", "", "", "", "", "", ""],  # association request
        ["2", "0x02", "0x3c4d", "0x00", "", "", "", "", "", "", ""],  # response: 0x3C4D
        ["3", "", "", "", "0x05", "0x01", NETWORK_KEY.hex(), eui, "", "", ""],  # Transport Key
        ["4", "", "", "", "", "", "", "", "0x3c4d", eui, ""],  # Device_annce
        ["5", "", "", "", "", "", "", "", "", "", "0x02"],  # then data flows
    ]


async def test_join_capture_decrypted_view(tmp_path: Path) -> None:
    path = tmp_path / "join.pcap"
    writer, han = await _capture_join(path, encrypted=False)
    await han.close()
    assert writer.tshark_options() == []
    assert_decodes_cleanly(path)
    assert fields(path, *JOIN_FIELDS) == _expected_rows()


async def test_join_capture_encrypted_decrypts_with_the_learnt_keys(tmp_path: Path) -> None:
    path = tmp_path / "join-encrypted.pcap"
    writer, han = await _capture_join(path, encrypted=True)
    ch = han.radio(CH)
    ch.key_established(ESME, CBKE_KEY)  # after CBKE, frames use the new key
    esme = han.radio(ESME)
    esme.set_sink(lambda f: None)
    await ch.send(frame_to(esme, TRANSFER_DATA_DOWN + b"\x02"))
    await han.drain()
    await han.close()
    keys = writer.tshark_options()
    assert [k for k in keys if k != "-o"] == [
        f'uat:zigbee_pc_keys:"{NETWORK_KEY.hex().upper()}","Normal","nwk"',
        f'uat:zigbee_pc_keys:"{LINK_KEYS[ESME].hex().upper()}","Normal","link {CH}>{ESME}"',
        f'uat:zigbee_pc_keys:"{CBKE_KEY.hex().upper()}","Normal","link {CH}>{ESME}"']
    assert_decodes_cleanly(path, keys)
    rows = fields(path, *JOIN_FIELDS, "zbee_nwk.security", "zbee_aps.security",
                  "zbee_zcl_se.tun.cmd.srv_tx.id", keys=keys)
    assert [r[:11] for r in rows[:5]] == _expected_rows()
    # Transport Key: NWK in clear (the joiner has no network key yet), APS secured
    assert rows[2][11:13] == ["0", "1"] and rows[3][11:13] == ["1", "0"]
    assert rows[4][11:13] == ["1", "1"] and rows[5][11:14] == ["1", "1", "0x01"]
    # without the link keys the Transport Key and the data stay opaque
    nwk_only = keys[:2]
    opaque = fields(path, "zbee_aps.cmd.key", "zbee_zcl_se.tun.cmd.srv_tx.id", keys=nwk_only)
    assert all(r == ["", ""] for r in opaque)
