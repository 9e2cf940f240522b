# SPDX-License-Identifier: GPL-3.0-or-later
"""Speed of a library campaign, against the cost of the premises it runs on, measured in the
same run.

Run: ``python bench/campaign.py [--tag T ...] [--jobs N] [--bring-ups N]`` (from the
repository root, gfi installed). Without ``--tag``: the whole bundled library, as
``gfi run --all`` runs it.

Prints the campaign's variants per second and, as the baseline, what bringing up and
stopping a fresh virtual premises costs (each variant runs on its own): the ratio of a
variant's mean wall time to one bring-up says how much of a campaign is the Use Cases'
own work (sending, verifying, checking) and how much is the premises.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from gfi.api import REGISTRY
from gfi.campaign import CLOCK_START, run_campaign
from gfi.clock import SimulatedClock
from gfi.premises import Premises
from gfi.usecases import load_bundled


async def bring_up(times: int) -> list[float]:
    """Wall time of ``times`` fresh premises started and stopped."""
    out = []
    for _ in range(times):
        t0 = time.perf_counter()
        p = Premises(0, now=SimulatedClock(CLOCK_START))
        await p.start()
        await p.stop()
        out.append(time.perf_counter() - t0)
    return out


async def main(tags: list[str], bring_ups: int, jobs: int) -> None:
    load_bundled()
    chosen = REGISTRY.select(tags=tags) if tags else list(REGISTRY.usecases.values())
    baseline = statistics.median(await bring_up(bring_ups))
    t0 = time.perf_counter()
    campaign = await run_campaign(chosen, jobs=jobs)
    wall = time.perf_counter() - t0
    n = len(campaign.results)
    own = sum(r.duration_s for r in campaign.results)
    failed = sum(r.verdict != "PASS" for r in campaign.results)
    print(f"campaign: {n} variants of {len(chosen)} Use Cases in {wall:.1f} s, {jobs} job(s) "
          f"({n / wall:.1f} variants/s; {failed} not PASS)")
    print(f"baseline: a premises brought up and stopped in {baseline * 1000:.1f} ms "
          f"(median of {bring_ups})")
    print(f"ratio:    a variant takes {wall / n / baseline:.2f}× a bring-up (wall time); the "
          f"Use Cases' own steps are {own / (own + n * baseline):.0%} of the work")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", action="append", default=[], help="only these tags")
    parser.add_argument("--bring-ups", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    args = parser.parse_args()
    asyncio.run(main(args.tag, args.bring_ups, args.jobs))
