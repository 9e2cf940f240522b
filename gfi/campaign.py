# SPDX-License-Identifier: GPL-3.0-or-later
"""A campaign: Use Cases run one after another on one fresh premises, each variant giving a
:class:`~gfi.results.UseCaseResult`, the whole a :class:`~gfi.results.CampaignResult`."""

from __future__ import annotations

import datetime as dt
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gfi
from gfi.api import UseCase, run_usecase
from gfi.clock import SimulatedClock
from gfi.errors import GfiError, UsageError
from gfi.premises import Premises
from gfi.results import CampaignResult, UseCaseResult, Verdict

ResultSink = Callable[[UseCaseResult], None]
#: Devices start at the RTDS reference time, so the RTDS example parameters (log periods,
#: snapshot ranges; future dates lie in 2030) mean what they meant there.
CLOCK_START = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)


def check_target(target: str) -> None:
    """Only the virtual premises runs campaigns today."""
    if target != "virtual":
        raise UsageError(f"--target {target}: campaigns run on the virtual premises only "
                         "for now (a real coordinator through EZSP is a later issue)")


async def run_campaign(usecases: list[UseCase], *, target: str = "virtual",
                       capture: str | Path | None = None,
                       on_result: ResultSink | None = None,
                       now: Callable[[], dt.datetime] | None = None) -> CampaignResult:
    """Run every variant of every Use Case, each on a fresh premises (so that one Use Case
    — a device removed from the log, a tariff changed — cannot decide another's verdict),
    on a simulated clock starting at :data:`CLOCK_START`."""
    check_target(target)
    started = dt.datetime.now(dt.UTC)
    timer = time.monotonic()
    start = now() if now is not None else CLOCK_START
    campaign = CampaignResult(target=target, started=started.isoformat(), environment={
        "gfi": gfi.__version__, "python": platform.python_version(),
        "platform": platform.platform(), "premises": "virtual HAN, a fresh premises 0 per "
        "Use Case variant", "device clock start": start.isoformat()})
    writer = None
    if capture is not None:
        from gfi.radio.capture import PcapWriter

        writer = PcapWriter(str(capture))
    try:
        for uc in usecases:
            for variant in uc.variants:
                result = await _run_one(uc, variant, start, writer)
                campaign.results.append(result)
                if on_result is not None:
                    on_result(result)
    finally:
        if writer is not None:
            writer.close()
    campaign.finished = dt.datetime.now(dt.UTC).isoformat()
    campaign.duration_s = round(time.monotonic() - timer, 3)
    return campaign


async def _run_one(uc: UseCase, variant: str, start: dt.datetime,
                   writer: Any) -> UseCaseResult:
    clock = SimulatedClock(start)
    premises = Premises(0, now=clock)
    if writer is not None:
        writer.attach(premises.han)
    try:
        await premises.start()
    except (GfiError, TimeoutError, LookupError, ConnectionError) as exc:
        await premises.stop()
        return UseCaseResult(uc.id, variant, uc.title, list(uc.devices), list(uc.tags),
                             Verdict.ERROR, f"the premises did not come up: "
                                            f"{type(exc).__name__}: {exc}")
    try:
        result = await run_usecase(uc, premises, variant=variant, clock=clock)
    finally:
        await premises.stop()
    if premises.errors and result.verdict is Verdict.PASS:
        exc = premises.errors[0]
        result.verdict = Verdict.ERROR
        result.reason = f"a device failed in the background: {type(exc).__name__}: {exc}"
    return result
