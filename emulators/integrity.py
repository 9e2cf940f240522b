# SPDX-License-Identifier: GPL-3.0-or-later
"""A meter's integrity self-check and the Meter Integrity Issue Warning it raises
(alert code 81A0; gbcs-protocol.md §2.2 message code 0x00F0 from an ESME, §2.3 0x00F2 from a
GSME; non-critical, so MAC'd by the device: gbcs-security.md).

An emulated meter has no hardware to go wrong, so its components are named by the 2-byte
integrity codes of §2.2 (:data:`~gfi.codecs.gbcs.catalogue.METER_INTEGRITY_CODES`: 1
non-volatile memory, 2 program execution, 3 program storage, 4 RAM, 5 unexpected hardware
reset, 6 watchdog, 7 metrology firmware verification, 8 measurement; 0 other and 9
unspecified as catch-alls) and a test harness marks one faulty — an injected condition
(:class:`FaultyComponent`), as :class:`~gfi.emulators.device.HardwareFault` is for a failing
command. The meter's own logic (:class:`SelfCheck`) finds it:

* **when** — at power-up (the ESME when its mains supply returns, the GSME when it
  restarts) and periodically on the meter's clock, once a day at 00:00 (UTC), checked when
  the premises' time moves on (:meth:`SelfCheck.__call__` is an
  :data:`~gfi.emulators.device.AlertSource`);
* **what** — every component: one 81A0 alert per component found failing, carrying its
  code. A failure is reported once, when a check first finds it; a component found
  healthy again (the harness cleared the condition) is reported anew if it fails later.

With no condition injected no check ever fails, so no alert is raised.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gfi.codecs.gbcs.catalogue import METER_INTEGRITY_CODES
from gfi.emulators.device import (
    GbcsDevice,
    Outgoing,
    dlms_stamp,
    gbz_time,
    notification,
)
from gfi.errors import UsageError

logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
MIIWA_DLMS, MIIWA_GBZ = 0x00F0, 0x00F2
METER_INTEGRITY_ISSUE = 0x81A0
#: The periodic check runs once a day, at this time of day (gfi's choice).
CHECK_TIME = dt.time(0, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class FaultyComponent:
    """Injected condition: the meter's component with integrity ``code`` (§2.2) fails its
    self-checks from now on (``faulty=False``: it is healthy again)."""

    code: int
    faulty: bool = True

    def __post_init__(self) -> None:
        if self.code not in METER_INTEGRITY_CODES:
            raise UsageError(f"no meter integrity code {self.code} (§2.2 knows "
                             f"{min(METER_INTEGRITY_CODES)}..{max(METER_INTEGRITY_CODES)})")

    def __str__(self) -> str:
        state = "faulty" if self.faulty else "healthy"
        return f"component {self.code} ({METER_INTEGRITY_CODES[self.code]}) {state}"


def _next_check(after: dt.datetime) -> dt.datetime:
    """The first periodic check time strictly after ``after``."""
    at = dt.datetime.combine(after.astimezone(dt.UTC).date(), CHECK_TIME)
    return at if at > after else at + dt.timedelta(days=1)


class SelfCheck:
    """See the module docstring. ``gbz``: the meter speaks GBZ (GSME, 0x00F2), else DLMS
    (ESME, 0x00F0)."""

    def __init__(self, *, gbz: bool, now: dt.datetime,
                 state: Mapping[str, Any] | None = None) -> None:
        self.gbz = gbz
        state = state or {}
        #: integrity codes of the components marked faulty (the injected conditions)
        self.faulty: set[int] = {int(c) for c in state.get("faulty", [])}
        #: failures already reported (until a check finds the component healthy)
        self.reported: set[int] = {int(c) for c in state.get("reported", [])}
        saved = state.get("next_check")
        self.next_check = dt.datetime.fromisoformat(saved) if saved else _next_check(now)

    def inject(self, condition: FaultyComponent) -> None:
        (self.faulty.add if condition.faulty else self.faulty.discard)(condition.code)
        logger.info("integrity: %s", condition)

    def run(self, device: GbcsDevice, now: dt.datetime) -> list[Outgoing]:
        """One self-check of every component now: the alerts for new failures."""
        failing = {code for code in METER_INTEGRITY_CODES if code in self.faulty}
        new = sorted(failing - self.reported)
        self.reported = failing
        return [self.alert(device, code, now) for code in new]

    def __call__(self, device: GbcsDevice, now: dt.datetime) -> list[Outgoing]:
        """The periodic check, when its time has come (at most once per time move: a check
        covers the moments it skipped)."""
        if now < self.next_check:
            return []
        self.next_check = _next_check(now)
        return self.run(device, now)

    def alert(self, device: GbcsDevice, code: int, now: dt.datetime) -> Outgoing:
        """81A0 with the failing component's 2-byte integrity code (§2.2 / §2.3)."""
        summary = f"meter integrity issue: {METER_INTEGRITY_CODES[code]} ({code})"
        if self.gbz:
            return device.alert(MIIWA_GBZ, {
                "component_count": 1, "alert_code": METER_INTEGRITY_ISSUE,
                "timestamp": gbz_time(now), "integrity_code": code}, now, summary=summary)
        return device.alert(MIIWA_DLMS, notification(device.alert_counter + 1, [
            {"type": "long-unsigned", "value": METER_INTEGRITY_ISSUE},
            dlms_stamp(now),
            {"type": "octet-string", "value": f"{code:04X}"}]), now, summary=summary)

    def state(self) -> dict[str, Any]:
        return {"faulty": sorted(self.faulty), "reported": sorted(self.reported),
                "next_check": self.next_check.isoformat()}
