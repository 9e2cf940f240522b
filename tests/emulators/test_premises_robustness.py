# SPDX-License-Identifier: GPL-3.0-or-later
"""Whole premises on the virtual HAN under attack and under radio faults.

A. Security negatives end to end (head end → Comms Hub → tunnel → ESME, and → GPF queue →
   GSME): tampered signature or MAC, a replayed command, an untrusted originator, a command
   for a device the Comms Hub does not serve or re-addressed to another device. Each is
   answered with the Generic Critical Alert 0x1000 carrying the rejection's alert code, no
   response, and no change to the device's application models.
B. Radio faults on the Comms Hub ↔ ESME and ↔ GSME links: what MAC retries and APS
   reassembly absorb leaves the exchanges intact (one verified response, one execution);
   what they cannot absorb fails the head end's send quickly with an error naming what was
   lost and between whom.

The last tests pin four bugs this file found (fixed since): a corrupted tunnel frame killed
the tunnel, the head end's timeout did not cover delivery, a duplicated GET lost a GSME
command, and a lost GET left the GSME unable to GET again.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from gfi.codecs.dlms import dlms_invoke_id, encode_dlms_payload
from gfi.codecs.gbcs import build
from gfi.codecs.gbcs.catalogue import PayloadFamily
from gfi.codecs.gbcs.decoder import DecodedMessage
from gfi.codecs.gbcs.message import Cra, GbcsFrame
from gfi.codecs.security.gbcs import SecurityContext, Verdict, apply_mac
from gfi.codecs.security.keystore import InMemoryKeyStore, KeyUsage
from gfi.emulators.device import (
    GENERIC_CRITICAL_ALERT,
    REJECTION_ALERT_CODES,
    GbcsDevice,
    Rejection,
)
from gfi.headend import ExchangeTimeout, HeadEndEvent
from gfi.premises import Premises
from gfi.radio.base import DeliveryFailed, FailureReason

NOW = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
SUPPLIER = "90B3D51F30010000"
#: A remote party nobody trusts: no certificate of it in any device's trust store.
ROGUE = "90B3D51F30FFFF01"
#: An entity id that is not on this Comms Hub's device log.
STRANGER = "00DB000000000001"
DEVICE_LOGGER = "gfi.emulators.device"

#: Waits for things that are expected to happen (they take milliseconds).
EXCHANGE_TIMEOUT = 2.0
#: Waits for things that are expected *not* to happen.
SILENCE = 0.3
#: Hang guard around anything that must end by itself.
GUARD = 3.0

#: Credit added by the state-changing commands (pence × 1000 on the ESME, GSME units).
ESME_TOP_UP = 1234
GSME_TOP_UP = 5000
METER_BALANCE = "0-0:19.10.0.255"
PREPAYMENT = 0x0705


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------
def _adjust_meter_balance(amount: int) -> Callable[[int], bytes]:
    """ECS04a Adjust Meter Balance (critical): Credit 0-0:19.10.0.255 update_amount."""

    def payload(counter: int) -> bytes:
        return encode_dlms_payload({
            "apdu": "access-request", "invoke_id": dlms_invoke_id(counter), "date_time": "",
            "specs": [{"choice": "action", "descriptor": {
                "class_id": 112, "obis": METER_BALANCE, "method_id": 1}}],
            "data": [{"type": "double-long", "value": amount}]})

    return payload


def _credit_adjustment(amount: int) -> bytes:
    """GCS40c Adjust Credit Mode Meter Balance (critical): Prepayment CreditAdjustment,
    type 3 = incremental (as the RTDS GCS40c vector)."""
    return build.gbz_payload([(PREPAYMENT, 0x05, "cluster_specific", "client_to_server", {
        "issuer_event_id": 473385600, "start_time": 0, "credit_adjustment_type": 3,
        "credit_adjustment_value": amount})])


#: kind → (message code, target device, whether critical, payload(premises, originator))
KINDS: dict[str, tuple[int, str, bool, Callable[[Premises, str], Any]]] = {
    "ECS17b": (0x0027, "ESME", False,
               lambda p, who: lambda c: build.ecs17b_payload(c, who, p.esme_id)),
    "ECS04a": (0x001C, "ESME", True, lambda p, who: _adjust_meter_balance(ESME_TOP_UP)),
    "GCS13b": (0x00B8, "GSME", False, lambda p, who: build.gcs13b_payload()),
    "GCS40c": (0x00C0, "GSME", True, lambda p, who: _credit_adjustment(GSME_TOP_UP)),
}
TOP_UP = {"ESME": ESME_TOP_UP, "GSME": GSME_TOP_UP}


def target_id(p: Premises, target: str) -> str:
    return p.esme_id if target == "ESME" else p.gsme_id


def command(p: Premises, kind: str) -> GbcsFrame:
    """A valid command of ``kind`` from the supplier, protected by the head end."""
    code, target, critical, payload = KINDS[kind]
    frame = p.head.command(code, originator=SUPPLIER, recipient=target_id(p, target),
                           payload=payload(p, SUPPLIER))
    assert bool(frame.signature) is critical
    return frame


# ---------------------------------------------------------------------------------------------
# Running a premises
# ---------------------------------------------------------------------------------------------
@asynccontextmanager
async def running(*, clean: bool = True, max_aps_payload: int | None = None,
                  duplicate_rejection: bool = True) -> AsyncIterator[Premises]:
    """A started premises, stopped afterwards; with ``clean`` no device may have failed in
    the background (``Premises.errors``) and the HAN must have no internal error."""
    p = Premises(0, now=lambda: NOW)
    if max_aps_payload is not None:  # larger frames travel unfragmented
        p.han.max_aps_payload = max_aps_payload
    p.han.duplicate_rejection = duplicate_rejection
    try:
        await p.start()
        await p.han.drain(GUARD)
        yield p
    except BaseException:
        await p.han.close()  # a failed test does not wait for what is stuck on the air
        with contextlib.suppress(Exception):
            await asyncio.wait_for(p.stop(), GUARD)
        raise
    if clean:  # everything settles: nothing stuck on the air, no failure in the background
        await asyncio.wait_for(p.stop(), GUARD)
        assert p.errors == [], f"background failures: {p.errors!r}"
        assert p.han.errors == [], f"virtual HAN errors: {p.han.errors!r}"
    else:
        try:
            await asyncio.wait_for(p.stop(), GUARD)
        except TimeoutError:  # a frame still waits for a sleepy device, say
            await p.han.close()


async def exchange(p: Premises, target: str, message: GbcsFrame | bytes, *,
                   timeout: float = EXCHANGE_TIMEOUT,
                   expect_response: bool = True) -> DecodedMessage | None:
    """Send through the Comms Hub; a GSME command waits in the GPF queue until the GSME
    wakes (as ``gfi simulate`` does)."""
    sending = asyncio.ensure_future(p.head.send(message, timeout=timeout,
                                                expect_response=expect_response))
    try:
        if target == "GSME":
            for _ in range(3):  # the head end hands it to the GPF queue
                await asyncio.sleep(0)
            await asyncio.wait_for(p.wake_gsme(), GUARD)
        return await asyncio.wait_for(sending, timeout + GUARD)
    finally:
        if not sending.done():
            sending.cancel()


def assert_verified(dm: DecodedMessage | None, frame: GbcsFrame) -> None:
    """``dm`` is the valid, authenticated response to ``frame``."""
    assert dm is not None and dm.ok, dm
    f = dm.frame
    assert isinstance(f, GbcsFrame) and f.cra is Cra.RESPONSE
    assert (f.counter, f.originator, f.recipient) == (frame.counter, frame.recipient,
                                                      frame.originator)
    assert {dm.mac.verdict, dm.signature.verdict} <= {Verdict.VALID, Verdict.ABSENT}
    assert Verdict.VALID in (dm.mac.verdict, dm.signature.verdict)
    assert dm.decrypted is not False


def responses_to(p: Premises, frame: GbcsFrame) -> list[HeadEndEvent]:
    """Every response to ``frame`` the head end received (matched as the head end does)."""
    out: list[HeadEndEvent] = []
    for event in p.head.events:
        f = event.message.frame
        if event.direction == "received" and isinstance(f, GbcsFrame) and \
                f.cra is Cra.RESPONSE and (f.counter, f.originator) == (frame.counter,
                                                                        frame.recipient):
            out.append(event)
    return out


def alerts_from(p: Premises, eui64: str) -> list[DecodedMessage]:
    return [dm for dm in p.head.unclaimed_alerts
            if isinstance(dm.frame, GbcsFrame) and dm.frame.originator == eui64]


def models_state(device: GbcsDevice) -> dict[str, Any]:
    """The device's application state: every model's ``state()``."""
    return copy.deepcopy({family.value: model.state()
                          for family, model in device.models.items()})


def balance(p: Premises, target: str) -> int:
    """The credit the state-changing commands adjust."""
    device = p.devices[target]
    if target == "ESME":
        cosem = device.models[PayloadFamily.DLMS].state()
        return int(cosem["objects"][METER_BALANCE]["values"]["2"]["value"])
    gbz = device.models[PayloadFamily.GBZ].state()
    return int(gbz["stores"][f"{PREPAYMENT:04X}"]["attributes"]["0001"][1])


def rejections(caplog: pytest.LogCaptureFixture, eui64: str) -> list[Rejection]:
    """The rejections ``eui64`` logged (the alert code alone does not tell BAD_MAC from
    BAD_SIGNATURE or REPLAYED_COUNTER: all are 0x8F53)."""
    by_value = {r.value: r for r in Rejection}
    prefix = f"{eui64} rejects a command: "
    out: list[Rejection] = []
    for record in caplog.records:
        text = record.getMessage()
        if record.name == DEVICE_LOGGER and text.startswith(prefix):
            rest = text[len(prefix):]
            out.extend(r for v, r in by_value.items() if rest.startswith(v))
    return out


async def assert_rejected(p: Premises, target: str, raw: bytes, frame: GbcsFrame,
                          rejection: Rejection, caplog: pytest.LogCaptureFixture, *,
                          answered_before: int = 0) -> None:
    """Send ``raw`` (``frame`` tampered with) and check the whole rejection: the Generic
    Critical Alert with the right alert code, signed by the device and sent to the
    originator; no response; the models untouched and the counters not advanced."""
    device = p.devices[target]
    if target == "GSME":  # a wake pushes what changed to the GPF mirror (and forgets it)
        await asyncio.wait_for(p.wake_gsme(), GUARD)
    models_before, gbcs_before = models_state(device), device.state()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=DEVICE_LOGGER):
        assert await exchange(p, target, raw, expect_response=False) is None
        alert = await p.head.expect_alert(
            GENERIC_CRITICAL_ALERT, originator=device.eui64,
            alert_code=REJECTION_ALERT_CODES[rejection], timeout=EXCHANGE_TIMEOUT)
        await p.han.drain(GUARD)
    assert rejections(caplog, device.eui64) == [rejection]
    assert isinstance(alert.frame, GbcsFrame)
    assert alert.frame.recipient == frame.originator
    assert alert.signature.verdict is Verdict.VALID  # a critical alert: signed
    assert alerts_from(p, device.eui64) == []  # exactly one alert
    assert len(responses_to(p, frame)) == answered_before  # no response to it
    assert models_state(device) == models_before
    after = device.state()
    assert after["last_counters"] == gbcs_before["last_counters"]
    assert after["alert_counter"] == gbcs_before["alert_counter"] + 1


def _flip(data: bytes, index: int = 5) -> bytes:
    out = bytearray(data)
    out[index] ^= 0x01
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# A. Security negatives through the HAN
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind, tamper, rejection", [
    # a byte of the signature flipped and the MAC made again: only the signature is wrong
    pytest.param("ECS04a", "signature", Rejection.BAD_SIGNATURE, id="ESME-ECS04a-signature"),
    pytest.param("GCS40c", "signature", Rejection.BAD_SIGNATURE, id="GSME-GCS40c-signature"),
    # the same byte flipped in transit: the MAC covers the signature, so it fails first
    pytest.param("ECS04a", "signature-in-transit", Rejection.BAD_MAC,
                 id="ESME-ECS04a-signature-in-transit"),
    pytest.param("ECS04a", "mac", Rejection.BAD_MAC, id="ESME-ECS04a-mac"),
    pytest.param("ECS17b", "mac", Rejection.BAD_MAC, id="ESME-ECS17b-mac"),
    pytest.param("GCS40c", "mac", Rejection.BAD_MAC, id="GSME-GCS40c-mac"),
    pytest.param("GCS13b", "mac", Rejection.BAD_MAC, id="GSME-GCS13b-mac"),
])
async def test_tampered_command_is_rejected_with_an_alert(
        kind: str, tamper: str, rejection: Rejection,
        caplog: pytest.LogCaptureFixture) -> None:
    async with running() as p:
        target = KINDS[kind][1]
        frame = command(p, kind)
        if tamper == "signature":
            assert frame.signature
            raw = apply_mac(frame.with_changes(signature=_flip(frame.signature)),
                            p.head.security).to_bytes()
        elif tamper == "signature-in-transit":
            assert frame.signature
            raw = frame.with_changes(signature=_flip(frame.signature)).to_bytes()
        else:
            assert frame.mac is not None
            raw = frame.with_changes(mac=_flip(frame.mac, 0)).to_bytes()
        start = balance(p, target)
        await assert_rejected(p, target, raw, frame, rejection, caplog)
        assert balance(p, target) == start
        # the device is not wedged: the untampered command still works, exactly once
        assert_verified(await exchange(p, target, frame), frame)
        if KINDS[kind][2]:
            assert balance(p, target) == start + TOP_UP[target]


@pytest.mark.parametrize("kind", ["ECS04a", "GCS40c"])
async def test_replayed_command_is_rejected_and_ran_exactly_once(
        kind: str, caplog: pytest.LogCaptureFixture) -> None:
    async with running() as p:
        target = KINDS[kind][1]
        start = balance(p, target)
        frame = command(p, kind)
        assert_verified(await exchange(p, target, frame), frame)
        assert balance(p, target) == start + TOP_UP[target]
        # the very same bytes again: same originator counter
        await assert_rejected(p, target, frame.to_bytes(), frame,
                              Rejection.REPLAYED_COUNTER, caplog, answered_before=1)
        assert balance(p, target) == start + TOP_UP[target]  # once, not twice


@pytest.mark.parametrize("kind", ["ECS04a", "ECS17b", "GCS40c"])
async def test_command_from_an_untrusted_originator_is_rejected(
        kind: str, caplog: pytest.LogCaptureFixture) -> None:
    async with running() as p:
        code, target, critical, payload = KINDS[kind]
        device = p.devices[target]
        assert ROGUE not in device.security.keys.entities()
        # the rogue's own keys; the MAC is right (the ACB's key), so only trust is missing
        keys = InMemoryKeyStore()
        keys.merge(p.head.keys)
        keys.add_private_key(ROGUE, KeyUsage.DS, ec.generate_private_key(ec.SECP256R1()),
                             label="rogue DS")
        keys.add_private_key(ROGUE, KeyUsage.KA, ec.generate_private_key(ec.SECP256R1()),
                             label="rogue KA")
        counter = p.head.next_counter(ROGUE)
        body = payload(p, ROGUE)
        frame = build.protect(build.command(
            code, counter=counter, originator=ROGUE, recipient=target_id(p, target),
            payload=body(counter) if callable(body) else body),
            SecurityContext(keys, acb=p.head.acb))
        assert bool(frame.signature) is critical and frame.mac is not None
        start = balance(p, target)
        await assert_rejected(p, target, frame.to_bytes(), frame,
                              Rejection.UNKNOWN_ORIGINATOR, caplog)
        assert balance(p, target) == start


async def test_command_for_a_device_not_on_the_comms_hub_is_refused_by_routing() -> None:
    """WRONG_RECIPIENT (0x8F1E) cannot be reached through the premises: the Comms Hub routes
    on the very recipient field the device would check, so a command for anyone else never
    reaches a device. The Comms Hub refuses it instead, naming the recipient."""
    async with running() as p:
        before = {name: models_state(d) for name, d in p.devices.items()}
        alerts_before = len(p.head.unclaimed_alerts)
        # the head end holds no key of a stranger: a valid ESME command, re-addressed
        frame = command(p, "ECS17b").with_changes(recipient=STRANGER)
        with pytest.raises(LookupError, match=STRANGER):
            await asyncio.wait_for(p.head.send(frame, timeout=SILENCE), GUARD)
        await p.han.drain(GUARD)
        assert len(p.head.unclaimed_alerts) == alerts_before
        assert {name: models_state(d) for name, d in p.devices.items()} == before


@pytest.mark.parametrize("kind, to", [("ECS17b", "GSME"), ("GCS13b", "ESME")])
async def test_command_readdressed_to_another_device_fails_its_mac(
        kind: str, to: str, caplog: pytest.LogCaptureFixture) -> None:
    """The closest to a wrong recipient that routing allows: a valid command whose recipient
    was rewritten in transit reaches the other device, whose MAC check refuses it."""
    async with running() as p:
        meant_for = KINDS[kind][1]
        frame = command(p, kind)
        readdressed = frame.with_changes(recipient=target_id(p, to))
        untouched = models_state(p.devices[meant_for])
        await assert_rejected(p, to, readdressed.to_bytes(), readdressed,
                              Rejection.BAD_MAC, caplog)
        assert models_state(p.devices[meant_for]) == untouched


# ---------------------------------------------------------------------------------------------
# B. Radio faults
# ---------------------------------------------------------------------------------------------
def esme_link(p: Premises, direction: str) -> dict[str, Any]:
    """set_faults arguments for the Comms Hub ↔ ESME link ("down" = towards the ESME)."""
    if direction == "down":
        return {"src": p.gpf_id, "dst": p.esme_id}
    if direction == "up":
        return {"src": p.esme_id, "dst": p.gpf_id}
    return {"src": p.gpf_id, "dst": p.esme_id, "both_ways": True}


def gsme_link(p: Premises, direction: str) -> dict[str, Any]:
    if direction == "down":
        return {"src": p.gpf_id, "dst": p.gsme_id}
    if direction == "up":
        return {"src": p.gsme_id, "dst": p.gpf_id}
    return {"src": p.gpf_id, "dst": p.gsme_id, "both_ways": True}


@pytest.mark.parametrize("spec, counter", [
    pytest.param("drop=0.2,seed=1", "dropped", id="drop-probability"),
    pytest.param("drop={retries}x", "dropped", id="drop-count-within-mac-retries"),
    pytest.param("delay=5ms,jitter=2ms", None, id="delay"),
    pytest.param("duplicate=1.0", "duplicated", id="duplicate"),
    pytest.param("reorder=1.0", "reordered", id="reorder"),
])
async def test_ecs17b_completes_despite_absorbable_faults_on_the_esme_link(
        spec: str, counter: str | None) -> None:
    async with running() as p:
        retries = p.han.mac_retries
        p.han.set_faults(spec.format(retries=retries), **esme_link(p, "both"))
        before = p.han.stats.as_dict()
        for _ in range(3):
            frame = command(p, "ECS17b")
            dm = await exchange(p, "ESME", frame)
            assert_verified(dm, frame)
            assert dm is not None and dm.decrypted is True
            assert len(responses_to(p, frame)) == 1  # one response, recorded once
        after = p.han.stats.as_dict()
        assert after["failed"] == before["failed"]
        if counter is not None:
            assert after[counter] > before[counter], f"{spec} did not happen"
        if spec.startswith("drop={retries}x"):  # the forced count on each direction, all
            # absorbed by the MAC retries
            assert after["dropped"] - before["dropped"] == 2 * retries
        assert alerts_from(p, p.esme_id) == []


@pytest.mark.parametrize("aps_duplicate_rejection", [True, False])
@pytest.mark.parametrize("direction", ["down", "up", "both"])
async def test_duplicated_delivery_neither_runs_a_command_twice_nor_gives_two_results(
        direction: str, aps_duplicate_rejection: bool,
        caplog: pytest.LogCaptureFixture) -> None:
    """Unfragmented frames (a larger APS payload limit) so that a duplicated transmission
    is not absorbed by APS reassembly. The premises' HAN rejects APS duplicates as ZigBee
    stacks do; without that the copy reaches the tunnel and the application's replay
    protection must hold."""
    async with running(max_aps_payload=1500,
                       duplicate_rejection=aps_duplicate_rejection) as p:
        p.han.set_faults("duplicate=1.0", **esme_link(p, direction))
        start = balance(p, "ESME")
        frame = command(p, "ECS04a")
        with caplog.at_level(logging.INFO, logger=DEVICE_LOGGER):
            dm = await exchange(p, "ESME", frame)
            await p.han.drain(GUARD)
        assert p.han.stats.duplicated > 0
        assert_verified(dm, frame)
        assert balance(p, "ESME") == start + ESME_TOP_UP  # executed once
        answers = responses_to(p, frame)
        assert answers and answers[0].note == ""  # the result …
        assert {e.note for e in answers[1:]} <= {"unsolicited response"}  # … copies are not
        if aps_duplicate_rejection:  # the copies never reach the application
            assert len(answers) == 1 and rejections(caplog, p.esme_id) == []
            return
        assert len(answers) == (1 if direction == "down" else 2)
        if direction != "up":  # the second copy reached the ESME: refused as a replay
            assert rejections(caplog, p.esme_id) == [Rejection.REPLAYED_COUNTER]
            alert = await p.head.expect_alert(
                GENERIC_CRITICAL_ALERT, originator=p.esme_id,
                alert_code=REJECTION_ALERT_CODES[Rejection.REPLAYED_COUNTER], timeout=SILENCE)
            assert alert.signature.verdict is Verdict.VALID


@pytest.mark.parametrize("direction", ["down", "up"])
async def test_corruption_on_the_esme_link_is_never_taken_for_a_valid_result(
        direction: str) -> None:
    """Corrupt faults flip bits in the APS payload and the virtual HAN has no FCS to catch
    them, so the exchange need not complete (the head end does not retry); it must end
    within its timeout, and whatever comes back is either authentic or flagged by its
    verdicts. The read leaves the ESME as it was."""
    async with running(clean=False) as p:
        p.han.set_faults("corrupt=1.0", **esme_link(p, direction))
        untouched = models_state(p.devices["ESME"])
        frame = command(p, "ECS17b")
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            dm = await exchange(p, "ESME", frame, timeout=SILENCE)
        except ExchangeTimeout as exc:
            assert "0027" in str(exc) and p.esme_id in str(exc)
        else:
            assert dm is not None
            if dm.mac.verdict is Verdict.VALID:
                assert_verified(dm, frame)
            else:
                assert dm.mac.verdict is Verdict.INVALID
        assert loop.time() - started < SILENCE + 1.0
        assert p.han.stats.corrupted > 0
        assert models_state(p.devices["ESME"]) == untouched


@pytest.mark.parametrize("direction", ["down", "up"])
async def test_esme_link_recovers_after_corrupted_frames(direction: str) -> None:
    async with running(clean=False) as p:
        p.han.set_faults("corrupt=1.0,bits=64", **esme_link(p, direction))
        frame = command(p, "ECS17b")
        with contextlib.suppress(ExchangeTimeout):  # corrupted frames are lost or rejected
            await exchange(p, "ESME", frame, timeout=SILENCE)
        p.han.set_faults(None, **esme_link(p, direction))
        frame = command(p, "ECS17b")
        assert_verified(await exchange(p, "ESME", frame), frame)


@pytest.mark.parametrize("spec, direction", [
    ("drop=1.0", "down"),
    ("drop={lost}x", "down"),
    ("drop=1.0", "both"),
])
async def test_loss_towards_the_esme_beyond_mac_retries_fails_fast(
        spec: str, direction: str) -> None:
    """The Comms Hub cannot deliver the command: the radio's DeliveryFailed reaches the
    head end's send at once, naming the frame, its two ends and why."""
    async with running() as p:
        lost = p.han.mac_retries + 1
        p.han.set_faults(spec.format(lost=lost), **esme_link(p, direction))
        frame = command(p, "ECS17b")
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(DeliveryFailed) as info:
            await exchange(p, "ESME", frame, timeout=EXCHANGE_TIMEOUT)
        assert loop.time() - started < 1.0  # well within the send's timeout
        message = str(info.value)
        assert info.value.reason is FailureReason.NO_ACK
        assert FailureReason.NO_ACK.value in message
        assert f"{p.gpf_id}/" in message and f"→ {p.esme_id}/" in message
        assert "cluster 0x0704" in message  # the GBCS tunnel
        assert f"{p.han.mac_retries} MAC retries" in message
        # nothing half-done: the link works again once the fault is gone
        p.han.set_faults(None, **esme_link(p, direction))
        frame = command(p, "ECS17b")
        assert_verified(await exchange(p, "ESME", frame), frame)


async def test_loss_of_the_esme_response_ends_in_an_exchange_timeout() -> None:
    """The ESME runs the command but its response cannot reach the Comms Hub: the head end
    times out naming the command and the device; the ESME's failure is not lost either."""
    async with running(clean=False) as p:
        p.han.set_faults("drop=1.0", **esme_link(p, "up"))
        frame = command(p, "ECS17b")
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(ExchangeTimeout) as info:
            await exchange(p, "ESME", frame, timeout=SILENCE)
        assert SILENCE <= loop.time() - started < SILENCE + 1.0
        message = str(info.value)
        assert "0027" in message and f"counter {frame.counter}" in message
        assert p.esme_id in message
        await p.han.drain(GUARD)
        failures = [e for e in p.errors if isinstance(e, DeliveryFailed)]
        assert failures and all(f.reason is FailureReason.NO_ACK for f in failures)
        assert any(f"{p.esme_id}/" in str(f) for f in failures)
        p.han.set_faults(None, **esme_link(p, "up"))
        frame = command(p, "ECS17b")
        assert_verified(await exchange(p, "ESME", frame), frame)


async def test_head_end_send_honours_its_timeout_on_a_slow_link() -> None:
    async with running() as p:
        p.han.set_faults("delay=500ms", **esme_link(p, "down"))
        frame = command(p, "ECS17b")
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(ExchangeTimeout):
            await asyncio.wait_for(p.head.send(frame, timeout=SILENCE), GUARD)
        assert loop.time() - started < SILENCE + 0.2


# -- the GSME link ---------------------------------------------------------------------------
@pytest.mark.parametrize("spec, direction, counter", [
    pytest.param("drop=2x,delay=2ms", "both", "dropped", id="drop-count-and-delay"),
    pytest.param("drop=0.2,seed=1", "both", "dropped", id="drop-probability"),
    pytest.param("reorder=1.0", "both", "reordered", id="reorder"),
    pytest.param("duplicate=1.0", "down", "duplicated", id="duplicate-towards-the-gsme"),
])
async def test_gsme_exchanges_complete_despite_absorbable_faults(
        spec: str, direction: str, counter: str) -> None:
    """GCS13b (a read) and GCS40c (a credit adjustment) through the GPF queue."""
    async with running() as p:
        p.han.set_faults(spec, **gsme_link(p, direction))
        before = p.han.stats.as_dict()
        start = balance(p, "GSME")
        for kind in ("GCS13b", "GCS40c"):
            frame = command(p, kind)
            assert_verified(await exchange(p, "GSME", frame), frame)
            assert len(responses_to(p, frame)) == 1
        assert balance(p, "GSME") == start + GSME_TOP_UP  # once
        after = p.han.stats.as_dict()
        assert after[counter] > before[counter], f"{spec} did not happen"
        assert after["failed"] == before["failed"]
        assert alerts_from(p, p.gsme_id) == []


async def test_duplicated_get_from_the_gsme_loses_no_command() -> None:
    async with running(clean=False) as p:
        p.han.set_faults("duplicate=1.0", **gsme_link(p, "up"))
        for _ in range(2):  # one command per wake
            frame = command(p, "GCS13b")
            assert_verified(await exchange(p, "GSME", frame, timeout=SILENCE), frame)
        assert p.errors == []


async def test_loss_on_the_gsme_link_beyond_mac_retries_fails_fast() -> None:
    """The GSME's GET cannot reach the Comms Hub: its wake fails at once with the radio's
    DeliveryFailed naming both ends; the head end's send times out naming the command."""
    async with running() as p:
        p.han.set_faults("drop=1.0", **gsme_link(p, "both"))
        frame = command(p, "GCS13b")
        loop = asyncio.get_running_loop()
        started = loop.time()
        sending = asyncio.ensure_future(p.head.send(frame, timeout=SILENCE))
        for _ in range(3):
            await asyncio.sleep(0)
        with pytest.raises(DeliveryFailed) as woke:
            await asyncio.wait_for(p.wake_gsme(), GUARD)
        assert woke.value.reason is FailureReason.NO_ACK
        assert f"{p.gsme_id}/" in str(woke.value) and f"→ {p.gpf_id}/" in str(woke.value)
        with pytest.raises(ExchangeTimeout) as info:
            await asyncio.wait_for(sending, GUARD)
        assert loop.time() - started < SILENCE + 1.0
        assert "00B8" in str(info.value) and p.gsme_id in str(info.value)


async def test_gsme_link_recovers_after_a_lost_get() -> None:
    async with running(clean=False) as p:
        p.han.set_faults(f"drop={p.han.mac_retries + 1}x", **gsme_link(p, "up"))
        lost = asyncio.ensure_future(p.head.send(command(p, "GCS13b"), timeout=SILENCE))
        for _ in range(3):
            await asyncio.sleep(0)
        with pytest.raises(DeliveryFailed):
            await asyncio.wait_for(p.wake_gsme(), GUARD)
        with pytest.raises(ExchangeTimeout):
            await lost
        # the forced drops are spent: the next wake fetches both queued commands
        frame = command(p, "GCS13b")
        assert_verified(await exchange(p, "GSME", frame), frame)
