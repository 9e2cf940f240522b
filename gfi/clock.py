# SPDX-License-Identifier: GPL-3.0-or-later
"""A clock the tool moves: campaigns run devices on simulated time so that a future-dated
command executes, and its alert arrives, without anyone waiting for it."""

from __future__ import annotations

import datetime as dt


class SimulatedClock:
    """UTC time that starts at ``start`` (default: now, to the second) and only moves when
    :meth:`advance` is called. Call it to read it."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        start = start or dt.datetime.now(dt.UTC).replace(microsecond=0)
        if start.tzinfo is None:
            raise ValueError("the simulated clock needs a timezone-aware start")
        self._now = start

    def __call__(self) -> dt.datetime:
        return self._now

    def advance(self, by: dt.timedelta | float) -> dt.datetime:
        """Move forward by ``by`` (seconds or a timedelta); the new time."""
        step = by if isinstance(by, dt.timedelta) else dt.timedelta(seconds=by)
        if step < dt.timedelta(0):
            raise ValueError("the simulated clock only moves forward")
        self._now += step
        return self._now

    def set(self, when: dt.datetime) -> dt.datetime:
        """Move forward to ``when`` (never back)."""
        return self.advance(max(when - self._now, dt.timedelta(0)))
