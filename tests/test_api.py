# SPDX-License-Identifier: GPL-3.0-or-later
"""The authoring API: a decorated Use Case runs on a premises through a Session, and its
result says PASS, FAIL (with the failed check's message) or ERROR, with every message sent
and received recorded as a step with its verdicts."""

from __future__ import annotations

import pytest

from gfi.api import Registry, Session, run_usecase, usecase
from gfi.codecs.gbcs import build
from gfi.errors import GfiError
from gfi.premises import Premises
from gfi.results import Verdict

registry = Registry()


@usecase("ECS17b", "Read ESME import registers", devices=["ESME"], tags=["read"],
         registry=registry)
async def ecs17b(s: Session) -> None:
    r = await s.send(0x0027, to="ESME",
                     payload=lambda c: build.ecs17b_payload(c, s.originator, s.id("ESME")))
    s.check(r.decrypted is True, "the registers decrypt")


@usecase("GCS13b", "Read GSME block counters", devices=["GSME"], tags=["read"],
         registry=registry)
async def gcs13b(s: Session, attributes: tuple[int, ...] = (0x0700, 0x0701)) -> None:
    r = await s.send(0x00B8, to="GSME", payload=build.gcs13b_payload(list(attributes)))
    s.check(r.decrypted is True, "the block counters (sensitive) decrypt")


@usecase("X-FAIL", "expects what the ESME does not do", devices=["ESME"], registry=registry)
async def expects_too_much(s: Session) -> None:
    await s.expect_alert(0x0018, timeout=0.1, originator="ESME")


@usecase("X-ERROR", "a broken Use Case", devices=["ESME"], registry=registry)
async def broken(s: Session) -> None:
    await s.send(0x0027, to="NOBODY", payload=b"")




async def test_pass_with_steps(premises: Premises) -> None:
    result = await run_usecase(registry.usecases["ECS17b"], premises)
    assert result.verdict is Verdict.PASS, result.reason
    kinds = [s.kind for s in result.steps]
    assert kinds[:2] == ["send", "receive"] and "check" in kinds
    received = next(s for s in result.steps if s.kind == "receive")
    assert received.message_code == 0x0027 and received.verdicts["mac"] == "valid"
    assert received.message is not None and received.hex


async def test_sleepy_target_is_woken_and_parameters_apply(premises: Premises) -> None:
    uc = registry.usecases["GCS13b"]
    assert uc.parameters() == {"attributes": (0x0700, 0x0701)}
    result = await run_usecase(uc, premises, parameters={"attributes": (0x0702,)})
    assert result.verdict is Verdict.PASS, result.reason
    assert result.parameters == {"attributes": (0x0702,)}


async def test_fail_and_error_verdicts_name_the_reason(premises: Premises) -> None:
    fail = await run_usecase(registry.usecases["X-FAIL"], premises)
    assert fail.verdict is Verdict.FAIL and "no alert 0018" in fail.reason
    error = await run_usecase(registry.usecases["X-ERROR"], premises)
    assert error.verdict is Verdict.ERROR and "NOBODY" in error.reason


def test_registration_rules() -> None:
    with pytest.raises(GfiError, match="must be `async def`"):
        usecase("X", "sync", registry=Registry())(lambda s: None)  # type: ignore[arg-type]
    assert [u.id for u in registry.select(tags=["read"], device="GSME")] == ["GCS13b"]
    with pytest.raises(GfiError, match="unknown Use Case NOPE"):
        registry.select(["NOPE"])
