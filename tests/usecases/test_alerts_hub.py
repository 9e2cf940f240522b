# SPDX-License-Identifier: GPL-3.0-or-later
"""The Comms Hub's sub-GHz alert Use Cases (usecases/alerts_hub.py): each passes on a fresh
virtual clocked_premises; with the DBCH08 defaults the payload values are RTDS's; and without the
bench's conditions the CHF raises no such alert, so the Use Case fails by name."""

from __future__ import annotations

from typing import Any

import pytest

from gfi.api import REGISTRY, Session
from gfi.clock import SimulatedClock
from gfi.codecs.gbcs.decoder import decode_message
from gfi.codecs.gbcs.message import GbcsFrame
from gfi.emulators.subghz import SubGhzRadio
from gfi.premises import Premises
from gfi.results import Verdict
from gfi.usecases import alerts, alerts_hub
from tests.conftest import RTDS_VECTORS, rtds_bytes, run_on

HUB_USE_CASES = {uc.id: uc for uc in REGISTRY.usecases.values()
                 if uc.function.__module__ == alerts_hub.__name__}
CODES = {"DBCH06": 0x0110, "DBCH07": 0x0111, "DBCH08": 0x0112, "DBCH10": 0x0114,
         "DBCH11": 0x0115}


def _received(p: Premises, message_code: int) -> list[Any]:
    return [e.message for e in p.head.events if e.direction == "received" and
            isinstance(e.message.frame, GbcsFrame) and
            e.message.frame.message_code == message_code]


def test_one_use_case_per_code_declared_as_the_brief_says() -> None:
    assert set(HUB_USE_CASES) == set(CODES)
    for uc_id, uc in HUB_USE_CASES.items():
        assert uc.message_codes == (CODES[uc_id],) and uc.devices == ("CHF",)
        assert uc.tags == ("alert", "CHF") and uc.title == alerts.title_of(uc_id)
        assert uc_id not in alerts.NOT_PROVOKED
        assert (uc_id, "") in alerts.RTDS_SHAPES or uc_id in alerts.DOCUMENTED_SHAPES


@pytest.mark.parametrize("uc_id", sorted(CODES))
async def test_hub_alert_use_case_passes(clocked_premises: tuple[Premises, SimulatedClock],
                                         uc_id: str) -> None:
    result = await run_on(clocked_premises, HUB_USE_CASES[uc_id])
    assert result.verdict is Verdict.PASS, result.reason
    checks = [step.text for step in result.steps if step.kind == "check"]
    assert any("arrives from the CHF" in text for text in checks)
    assert any("has the shape of" in text for text in checks)
    assert any("non-critical: MAC'd" in text for text in checks)
    assert result.duration_s < 1.0


async def test_dbch08_defaults_give_the_rtds_values(
        clocked_premises: tuple[Premises, SimulatedClock], security: Any) -> None:
    result = await run_on(clocked_premises, HUB_USE_CASES["DBCH08"])
    assert result.verdict is Verdict.PASS, result.reason
    ours = _received(clocked_premises[0], 0x0112)[-1].payload["body"]["value"][2]
    reference = alerts.RTDS_SHAPES[("DBCH08", "")].vector
    rtds = decode_message(rtds_bytes(RTDS_VECTORS / reference), security=security)
    assert ours == (rtds.payload or {})["body"]["value"][2]


async def test_dbch07_moves_the_operating_channel_dbch01_reads(
        clocked_premises: tuple[Premises, SimulatedClock]) -> None:
    p, _ = clocked_premises
    result = await run_on(clocked_premises, HUB_USE_CASES["DBCH07"])
    assert result.verdict is Verdict.PASS, result.reason
    assert p.hub is not None
    assert p.hub.chf_model.value("0-0:94.44.10.2", 2)["value"] == "E0000002"
    outcome = _received(p, 0x0112)[-1].payload["body"]["value"][2]["value"]
    assert [o["value"] for o in outcome] == ["01", "01"]  # changed, to channel 1


# -- without the bench's conditions: no alert ---------------------------------------------
@pytest.mark.parametrize(("uc_id", "hook"), [
    ("DBCH08", "set_conditions"), ("DBCH07", "set_conditions"), ("DBCH06", "book"),
    ("DBCH10", "book"), ("DBCH11", "designate")])
async def test_without_the_conditions_no_alert(clocked_premises: tuple[Premises, SimulatedClock],
                                               monkeypatch: pytest.MonkeyPatch, uc_id: str,
                                               hook: str) -> None:
    monkeypatch.setattr(SubGhzRadio, hook, lambda self, *args, **kwargs: None)
    result = await run_on(clocked_premises, HUB_USE_CASES[uc_id], timeout=0.2)
    assert result.verdict is Verdict.FAIL
    assert f"{uc_id} (alert 0x{CODES[uc_id]:04X}" in result.reason
    assert "no such alert" in result.reason
    assert _received(clocked_premises[0], CODES[uc_id]) == []


async def test_a_plain_scan_request_raises_nothing(
        clocked_premises: tuple[Premises, SimulatedClock]) -> None:
    p, clock = clocked_premises
    s = Session(p, clock=clock)
    try:
        await alerts_hub.scan(s)
        assert await alerts_hub.operating_channel(s) == alerts_hub.Channel(28, 0)
    finally:
        s.close()
    await p.settle()
    assert [m for code in CODES.values() for m in _received(p, code)] == []
