# SPDX-License-Identifier: GPL-3.0-or-later
"""A campaign: Use Cases run one after another on one fresh premises, each variant giving a
:class:`~gfi.results.UseCaseResult`, the whole a :class:`~gfi.results.CampaignResult`."""

from __future__ import annotations

import datetime as dt
import platform
import time
from collections.abc import Callable
from pathlib import Path

import gfi
from gfi.api import UseCase, run_usecase
from gfi.errors import UsageError
from gfi.premises import Premises
from gfi.results import CampaignResult, UseCaseResult, Verdict

ResultSink = Callable[[UseCaseResult], None]


def check_target(target: str) -> None:
    """Only the virtual premises runs campaigns today."""
    if target != "virtual":
        raise UsageError(f"--target {target}: campaigns run on the virtual premises only "
                         "for now (a real coordinator through EZSP is a later issue)")


async def run_campaign(usecases: list[UseCase], *, target: str = "virtual",
                       capture: str | Path | None = None,
                       on_result: ResultSink | None = None,
                       now: Callable[[], dt.datetime] | None = None) -> CampaignResult:
    """Run every variant of every Use Case on one fresh premises."""
    check_target(target)
    started = dt.datetime.now(dt.UTC)
    clock = time.monotonic()
    campaign = CampaignResult(target=target, started=started.isoformat(), environment={
        "gfi": gfi.__version__, "python": platform.python_version(),
        "platform": platform.platform(), "premises": "virtual HAN, premises 0"})
    premises = Premises(0, now=now)
    if capture is not None:
        from gfi.radio.capture import PcapWriter

        PcapWriter(str(capture)).attach(premises.han, close_with=True)
    try:
        await premises.start()
        for uc in usecases:
            for variant in uc.variants:
                result = await run_usecase(uc, premises, variant=variant)
                campaign.results.append(result)
                if on_result is not None:
                    on_result(result)
    finally:
        await premises.stop()
        for exc in premises.errors:
            result = UseCaseResult("premises", "", "background work of the devices", [], [],
                                   Verdict.ERROR, f"{type(exc).__name__}: {exc}")
            campaign.results.append(result)
            if on_result is not None:
                on_result(result)
    campaign.finished = dt.datetime.now(dt.UTC).isoformat()
    campaign.duration_s = round(time.monotonic() - clock, 3)
    return campaign
