# SPDX-License-Identifier: GPL-3.0-or-later
"""The alert-only Use Cases (usecases/alerts.py): every alert-only code of the catalogue is
either provoked by a Use Case or listed with the reason it cannot be; each Use Case passes on
the emulated clocked_premises, quickly; its RTDS reference shapes are those of the vendored vectors;
and a device that does not raise the alert, or raises it wrongly, fails it by name."""

from __future__ import annotations

from typing import Any

import pytest

from gfi.api import REGISTRY
from gfi.clock import SimulatedClock
from gfi.codecs.gbcs.catalogue import Criticality
from gfi.codecs.gbcs.decoder import decode_message
from gfi.emulators import device as device_module
from gfi.emulators.comms_hub import CommsHub
from gfi.emulators.device import Rejection
from gfi.emulators.zse import GbzServer
from gfi.premises import Premises
from gfi.results import Verdict
from gfi.usecases import alerts, alerts_device, alerts_hub
from gfi.usecases.catalogue import use_cases
from tests.conftest import RTDS_VECTORS, rtds_bytes, run_on

ALERT_USE_CASES = {uc.id: uc for uc in REGISTRY.usecases.values()
                   if uc.function.__module__ in (alerts.__name__, alerts_hub.__name__,
                                                 alerts_device.__name__)}
RUNS = [(uc_id, variant) for uc_id, uc in sorted(ALERT_USE_CASES.items())
        for variant in uc.variants]


def test_every_alert_only_code_is_provoked_or_explained() -> None:
    alert_only = {d.id for d in use_cases() if d.alert_only}
    assert len(alert_only) == 29
    assert set(ALERT_USE_CASES) | set(alerts.NOT_PROVOKED) == alert_only
    assert not set(ALERT_USE_CASES) & set(alerts.NOT_PROVOKED)
    for uc in ALERT_USE_CASES.values():
        assert uc.tags[0] == "alert" and set(uc.tags[1:]) == set(uc.devices), uc.id


@pytest.mark.parametrize(("uc_id", "variant"), RUNS)
async def test_alert_use_case_passes(clocked_premises: tuple[Premises, SimulatedClock], uc_id: str,
                                     variant: str) -> None:
    result = await run_on(clocked_premises, ALERT_USE_CASES[uc_id], variant)
    assert result.verdict is Verdict.PASS, result.reason
    checks = [step.text for step in result.steps if step.kind == "check"]
    assert any("arrives from" in text for text in checks)
    assert any("has the shape of" in text for text in checks)
    assert result.duration_s < 1.0


@pytest.mark.parametrize("key", sorted(alerts.RTDS_SHAPES))
def test_reference_shapes_are_those_of_the_vendored_vectors(key: tuple[str, str],
                                                            security: Any) -> None:
    reference = alerts.RTDS_SHAPES[key]
    dm = decode_message(rtds_bytes(RTDS_VECTORS / reference.vector), security=security)
    assert dm.ok and dm.decrypted is not False
    assert alerts.alert_shape(dm) == reference.shape


async def test_a_hub_that_does_not_raise_cs14_fails(
        clocked_premises: tuple[Premises, SimulatedClock], monkeypatch: pytest.MonkeyPatch) -> None:
    async def silent(self: CommsHub, before: dict[str, str]) -> None:
        return None

    monkeypatch.setattr(CommsHub, "_after_chf", silent)
    result = await run_on(clocked_premises, ALERT_USE_CASES["CS14"], timeout=0.2)
    assert result.verdict is Verdict.FAIL
    assert "CS14 (alert 0x0018, alert code 0x8F12)" in result.reason
    assert "no such alert" in result.reason


async def test_a_gsme_that_keeps_its_billing_alert_fails(
        clocked_premises: tuple[Premises, SimulatedClock], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(GbzServer, "take_alerts", lambda self, encrypt: [])
    result = await run_on(clocked_premises, ALERT_USE_CASES["GCS53"], timeout=0.2)
    assert result.verdict is Verdict.FAIL
    assert "GCS53 (alert 0x008B, alert code 0x8F0A)" in result.reason


async def test_a_wrong_alert_code_is_named(clocked_premises: tuple[Premises, SimulatedClock],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(device_module.REJECTION_ALERT_CODES, Rejection.BAD_MAC, 0x8F1E)
    result = await run_on(clocked_premises, ALERT_USE_CASES["GCA"], "ESME", timeout=0.2)
    assert result.verdict is Verdict.FAIL
    assert "it raised 0x1000 with alert code 0x8F1E" in result.reason


async def test_a_critical_alert_that_is_only_maced_fails(
        clocked_premises: tuple[Premises, SimulatedClock], monkeypatch: pytest.MonkeyPatch) -> None:
    table = dict(device_module.ALERT_MESSAGE_CODE_CRITICALITY)
    table[0x00CE] = Criticality.ALERT_NON_CRITICAL
    monkeypatch.setattr(device_module, "ALERT_MESSAGE_CODE_CRITICALITY", table)
    result = await run_on(clocked_premises, ALERT_USE_CASES["FDRA-DLMS"])
    assert result.verdict is Verdict.FAIL
    assert "FDRA-DLMS is critical: signed by the ESME" in result.reason
