# SPDX-License-Identifier: GPL-3.0-or-later
"""The MHHS Use Cases (usecases/mhhs.py; product.md §4.7): the Meter Data Retriever's reads
pass against the emulated premises for 1, 7 and 30 days, and fail, naming the slot, when the
device's own log differs from what was read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from gfi.api import REGISTRY, Session, UseCaseFailure, run_usecase
from gfi.codecs.gbcs.message import GbcsFrame
from gfi.emulators.cosem.classes import ProfileGeneric
from gfi.headend import HeadEndEvent
from gfi.premises import Premises
from gfi.results import Verdict
from gfi.usecases import mhhs

NOW = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
READS = ["MHHS-ECS22a", "MHHS-ECS22b", "MHHS-ECS22c", "MHHS-GCS17"]
#: ESME Use Case → the log it reads.
ESME_LOGS = {"MHHS-ECS22a": mhhs.EXPORT_LOG, "MHHS-ECS22b": mhhs.ACTIVE_IMPORT_LOG,
             "MHHS-ECS22c": mhhs.REACTIVE_IMPORT_LOG}
CODES = {"MHHS-ECS22a": 0x0036, "MHHS-ECS22b": 0x0037, "MHHS-ECS22c": 0x0038,
         "MHHS-GCS17": 0x0078}




@pytest.fixture()
def premises_start() -> dt.datetime:
    return NOW  # the slot times asserted below are counted from it


def after_response(p: Premises, code: int, action: Callable[[], None]) -> None:
    """Run ``action`` as soon as the head end receives the response with ``code`` (after
    the device answered, before the Use Case reads the device's own log)."""
    def listener(event: HeadEndEvent) -> None:
        frame = event.message.frame
        if event.direction == "received" and isinstance(frame, GbcsFrame) and \
                frame.message_code == code:
            action()

    p.head.listeners.append(listener)


def test_registered_with_their_parameters() -> None:
    chosen = {uc.id: uc for uc in REGISTRY.select(tags=["mhhs"])}
    assert set(READS) | {"MHHS-SEALED"} <= set(chosen)
    for uc_id in READS:
        assert chosen[uc_id].parameters() == {"days": 7, "retriever": mhhs.RETRIEVER}
    assert chosen["MHHS-SEALED"].variants == ("ECS22b", "GCS17")


@pytest.mark.parametrize("days", [1, 7, 30])
@pytest.mark.parametrize("uc_id", READS)
async def test_read_passes_checking_every_slot(premises: Premises, uc_id: str,
                                               days: int) -> None:
    result = await run_usecase(REGISTRY.usecases[uc_id], premises, parameters={"days": days})
    assert result.verdict is Verdict.PASS, result.reason
    assert result.message_code == CODES[uc_id]
    checks = [step.text for step in result.steps if step.kind == "check"]
    assert any(f"{days * 48} half-hour entries, the device holds {days * 48}" in c
               for c in checks), checks
    assert any(f"all {days * 48} values equal the device's own" in c for c in checks)
    received = next(step for step in result.steps if step.kind == "receive")
    assert received.verdicts["mac"] == "valid"
    encrypted = uc_id in ("MHHS-ECS22b", "MHHS-GCS17")
    assert received.verdicts["decrypted"] is (True if encrypted else None)
    if not encrypted:
        assert any("answers in clear" in step.text for step in result.steps)


@pytest.mark.parametrize("variant", ["ECS22b", "GCS17"])
async def test_a_known_party_cannot_read_what_is_encrypted_for_the_retriever(
        premises: Premises, variant: str) -> None:
    result = await run_usecase(REGISTRY.usecases["MHHS-SEALED"], premises, variant=variant)
    assert result.verdict is Verdict.PASS, result.reason
    assert any("90B3D51F30010000" in step.text and "does not decrypt" in step.text
               for step in result.steps)


@pytest.mark.parametrize("uc_id", sorted(ESME_LOGS))
async def test_a_slot_differing_in_the_esme_log_fails_naming_it(premises: Premises,
                                                                uc_id: str) -> None:
    log = premises.esme.cosem.find(ESME_LOGS[uc_id])
    assert isinstance(log, ProfileGeneric)
    slot = mhhs.window(Session(premises), 7)[0] + 9 * mhhs.HALF_HOUR  # the 10th of the period

    def corrupt() -> None:
        (index,) = log.log.index_range(slot, slot)
        log.log.columns[0][index] += 1

    after_response(premises, CODES[uc_id], corrupt)
    result = await run_usecase(REGISTRY.usecases[uc_id], premises)
    assert result.verdict is Verdict.FAIL
    assert "first bad slot 10, ending 2025-12-25T17:00Z: expected (" in result.reason, \
        result.reason


async def test_a_gas_slot_differing_from_the_gsme_fails_naming_it(
        premises: Premises, monkeypatch: pytest.MonkeyPatch) -> None:
    gbz = premises.gsme.gbz
    original = gbz.sampled_data

    def corrupted(*args: Any) -> tuple[int, int, list[int]]:
        start, interval, samples = original(*args)
        samples[47] += 5  # the last half hour of the first day
        return start, interval, samples

    after_response(premises, 0x0078,
                   lambda: monkeypatch.setattr(gbz, "sampled_data", corrupted))
    result = await run_usecase(REGISTRY.usecases["MHHS-GCS17"], premises,
                               parameters={"days": 2})
    assert result.verdict is Verdict.FAIL
    assert "GCS17: first bad slot 48, ending 2025-12-31T12:00Z: expected" in result.reason, \
        result.reason


def test_check_slots_names_a_missing_or_extra_slot() -> None:
    s = Session(Premises(0, now=lambda: NOW))
    base = 820_584_000  # 2026-01-01T12:00Z
    device = [(base + k * mhhs.HALF_HOUR, (k,)) for k in range(4)]
    mhhs.check_slots(s, "X", list(device), device, 1)
    with pytest.raises(UseCaseFailure, match=r"3 half-hour entries, the device holds 4 .*"
                       r"slot 3, ending 2026-01-01T13:00Z: expected \(2,\), got nothing"):
        mhhs.check_slots(s, "X", device[:2] + device[3:], device, 1)
    with pytest.raises(UseCaseFailure, match=r"timestamps .*slot 2, ending 2026-01-01T12:15Z: "
                       r"expected nothing \(not in the device's log\), got \(9,\)"):
        mhhs.check_slots(s, "X", [device[0], (base + 900, (9,)), *device[2:]], device, 1)
    gappy = device[:1] + device[2:]  # the device's own log has a gap: so may the read
    mhhs.check_slots(s, "X", list(gappy), gappy, 1)
    assert "(2026-01-01T13:00Z)" in s.steps[-2].text
    s.close()


@pytest.mark.parametrize("uc_id", ["MHHS-ECS22b", "MHHS-GCS17"])
async def test_an_unfinished_half_hour_is_not_read(uc_id: str) -> None:
    p = Premises(0, now=lambda: NOW + dt.timedelta(minutes=17, seconds=30))
    await p.start()
    try:
        result = await run_usecase(REGISTRY.usecases[uc_id], p, parameters={"days": 1})
        assert result.verdict is Verdict.PASS, result.reason
        assert any("from 2025-12-31T12:30Z to 2026-01-01T12:00Z" in step.text
                   for step in result.steps)
        bad = await run_usecase(REGISTRY.usecases[uc_id], p, parameters={"days": 0})
        assert bad.verdict is Verdict.ERROR and "days must be 1..1365" in bad.reason
    finally:
        await p.stop()
