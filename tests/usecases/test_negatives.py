# SPDX-License-Identifier: GPL-3.0-or-later
"""The security negatives of the library pass against devices that refuse correctly and
fail, naming what went wrong, against a device that does not."""

from __future__ import annotations

import pytest

import gfi.usecases.negatives  # noqa: F401  (registers the Use Cases)
from gfi.api import REGISTRY, run_usecase
from gfi.emulators.device import GbcsDevice
from gfi.premises import Premises
from gfi.results import Verdict

NEGATIVES = sorted(u for u in REGISTRY.usecases if u.startswith("NEG-"))




@pytest.mark.parametrize("variant", ["ESME", "GSME"])
@pytest.mark.parametrize("uc_id", NEGATIVES)
async def test_negative_passes_on_a_conforming_device(premises: Premises, uc_id: str,
                                                      variant: str) -> None:
    result = await run_usecase(REGISTRY.usecases[uc_id], premises, variant=variant)
    assert result.verdict is Verdict.PASS, result.reason
    assert any(step.kind == "check" and step.ok for step in result.steps)


async def test_a_device_that_accepts_a_bad_mac_fails_the_use_case(
        premises: Premises, monkeypatch: pytest.MonkeyPatch) -> None:
    original = GbcsDevice.check

    def lax(self: GbcsDevice, dm):  # type: ignore[no-untyped-def]
        rejection, detail = original(self, dm)
        return (None, "") if rejection is not None and "MAC" in rejection.name else \
            (rejection, detail)

    monkeypatch.setattr(GbcsDevice, "check", lax)
    result = await run_usecase(REGISTRY.usecases["NEG-BAD-MAC"], premises, variant="ESME")
    assert result.verdict is Verdict.FAIL
    assert "no alert 1000" in result.reason
