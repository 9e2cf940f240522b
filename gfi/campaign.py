# SPDX-License-Identifier: GPL-3.0-or-later
"""A campaign: every variant of the chosen Use Cases run on its own fresh premises, one after
another or in worker processes, each giving a :class:`~gfi.results.UseCaseResult`, the whole
a :class:`~gfi.results.CampaignResult`."""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import platform
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import gfi
from gfi.api import REGISTRY, UseCase, run_usecase
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
                       now: Callable[[], dt.datetime] | None = None,
                       jobs: int = 1, usecase_dirs: tuple[str, ...] = ()) -> CampaignResult:
    """Run every variant of every Use Case, each on a fresh premises (so that one Use Case
    — a device removed from the log, a tariff changed — cannot decide another's verdict),
    on a simulated clock starting at :data:`CLOCK_START`.

    ``jobs`` > 1 runs the variants in that many worker processes (each loads the bundled
    library, the packs in ``usecase_dirs`` and the entry points, as ``gfi run`` does);
    ``on_result`` then sees results as they finish, the campaign keeps them in order."""
    check_target(target)
    if jobs < 1:
        raise UsageError(f"--jobs {jobs}: give 1 or more worker processes")
    if jobs > 1 and capture is not None:
        raise UsageError("--capture writes one pcap from one process: use it with --jobs 1")
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
        if jobs > 1:
            campaign.results = await _run_parallel(usecases, start, jobs, usecase_dirs,
                                                   on_result)
        else:
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


async def _run_parallel(usecases: list[UseCase], start: dt.datetime, jobs: int,
                        usecase_dirs: tuple[str, ...],
                        on_result: ResultSink | None) -> list[UseCaseResult]:
    runs = [(uc.id, variant) for uc in usecases for variant in uc.variants]
    results: list[UseCaseResult | None] = [None] * len(runs)
    loop = asyncio.get_running_loop()
    context = multiprocessing.get_context("spawn")  # no asyncio state inherited
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_worker_start,
                             initargs=(usecase_dirs,)) as pool:
        async def one(i: int) -> tuple[int, UseCaseResult]:
            return i, await loop.run_in_executor(pool, _worker_run, *runs[i], start)

        for done in asyncio.as_completed([one(i) for i in range(len(runs))]):
            i, result = await done
            results[i] = result
            if on_result is not None:
                on_result(result)
    return [r for r in results if r is not None]


def _worker_start(usecase_dirs: tuple[str, ...]) -> None:
    """A worker process loads the Use Cases the parent selected from."""
    from gfi.authoring import load_registry

    load_registry(usecase_dirs)


def _worker_run(uc_id: str, variant: str, start: dt.datetime) -> UseCaseResult:
    return asyncio.run(_run_one(REGISTRY.usecases[uc_id], variant, start, None))


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
