# SPDX-License-Identifier: GPL-3.0-or-later
"""The device-condition alert Use Cases (usecases/alerts_device.py): every one and variant
passes on a fresh emulated clocked_premises, checking what the alert says; the injected condition is
taken away again; and a meter whose self-check does not find the fault, or an ESME that does
not report its controls, fails them by name."""

from __future__ import annotations

import pytest

from gfi.api import REGISTRY
from gfi.clock import SimulatedClock
from gfi.codecs.gbcs.catalogue import METER_INTEGRITY_CODES
from gfi.emulators.apc import ApcControl
from gfi.emulators.integrity import FaultyComponent, SelfCheck
from gfi.premises import Premises
from gfi.results import Verdict
from gfi.usecases import alerts, alerts_device
from tests.conftest import run_on

USE_CASES = {uc.id: uc for uc in REGISTRY.usecases.values()
             if uc.function.__module__ == alerts_device.__name__}
RUNS = [(uc_id, variant) for uc_id, uc in sorted(USE_CASES.items()) for variant in uc.variants]


def test_the_use_cases_and_their_references() -> None:
    assert sorted(USE_CASES) == ["CS09", "ECS100", "ECS101", "ECS102", "ECS200",
                                 "MIIWA-DLMS", "MIIWA-ZigBee"]
    assert USE_CASES["ECS101"].variants == USE_CASES["ECS102"].variants == ("INPUT", "OUTPUT")
    assert not set(USE_CASES) & set(alerts.NOT_PROVOKED)
    for uc_id, uc in USE_CASES.items():
        assert uc.tags[0] == "alert" and set(uc.tags[1:]) == set(uc.devices), uc_id
        assert any(key[0] == uc_id for key in alerts.RTDS_SHAPES) or \
            uc_id in alerts.DOCUMENTED_SHAPES, uc_id


@pytest.mark.parametrize(("uc_id", "variant"), RUNS)
async def test_use_case_passes(clocked_premises: tuple[Premises, SimulatedClock], uc_id: str,
                               variant: str) -> None:
    result = await run_on(clocked_premises, USE_CASES[uc_id], variant)
    assert result.verdict is Verdict.PASS, result.reason
    checks = [step.text for step in result.steps if step.kind == "check"]
    assert any("arrives from" in text for text in checks)
    assert any("has the shape of" in text for text in checks)
    assert result.duration_s < 1.0


@pytest.mark.parametrize("code", sorted(METER_INTEGRITY_CODES))
async def test_every_integrity_code_is_reported_and_the_fault_removed(
        clocked_premises: tuple[Premises, SimulatedClock], code: int) -> None:
    p, _ = clocked_premises
    result = await run_on(clocked_premises, USE_CASES["MIIWA-DLMS"], code=code)
    assert result.verdict is Verdict.PASS, result.reason
    assert p.esme.integrity.faulty == set()


async def test_miiwa_zigbee_reports_the_injected_code(
        clocked_premises: tuple[Premises, SimulatedClock]) -> None:
    p, _ = clocked_premises
    result = await run_on(clocked_premises, USE_CASES["MIIWA-ZigBee"], code=3)
    assert result.verdict is Verdict.PASS, result.reason
    assert p.gsme.integrity.faulty == set()


@pytest.mark.parametrize("uc_id", ["MIIWA-DLMS", "MIIWA-ZigBee"])
async def test_no_fault_injected_no_miiwa_alert(clocked_premises: tuple[Premises, SimulatedClock],
                                                monkeypatch: pytest.MonkeyPatch,
                                                uc_id: str) -> None:
    """The condition never reaches the meter: its self-check finds nothing, so no 81A0."""
    monkeypatch.setattr(SelfCheck, "inject", lambda self, condition: None)
    result = await run_on(clocked_premises, USE_CASES[uc_id], timeout=0.2)
    assert result.verdict is Verdict.FAIL
    assert "alert code 0x81A0" in result.reason and "no such alert" in result.reason


async def test_a_wrong_integrity_code_is_named(clocked_premises: tuple[Premises, SimulatedClock],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    original = SelfCheck.inject

    def shifted(self: SelfCheck, condition: FaultyComponent) -> None:
        original(self, FaultyComponent((condition.code + 1) % 10, condition.faulty))

    monkeypatch.setattr(SelfCheck, "inject", shifted)
    result = await run_on(clocked_premises, USE_CASES["MIIWA-DLMS"], code=4)
    assert result.verdict is Verdict.FAIL
    assert "names component 4 (RAM), the one made faulty (it names 0005)" in result.reason


async def test_an_esme_that_does_not_report_its_controls_fails(
        clocked_premises: tuple[Premises, SimulatedClock], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ApcControl, "_start", lambda self, selector, window, ctx: None)
    result = await run_on(clocked_premises, USE_CASES["ECS102"], "OUTPUT", timeout=0.2)
    assert result.verdict is Verdict.FAIL
    assert "ECS102 (alert 0x0122, alert code 0x8F87)" in result.reason


async def test_ecs102_on_a_channel_already_at_the_level(
        clocked_premises: tuple[Premises, SimulatedClock]) -> None:
    p, _ = clocked_premises
    p.esme.apc.levels[0x11] = 100
    result = await run_on(clocked_premises, USE_CASES["ECS102"], "OUTPUT")
    assert result.verdict is Verdict.PASS, result.reason
    assert p.esme.apc.level(0x11) == 0
