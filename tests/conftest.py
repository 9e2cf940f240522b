# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared fixtures: the vendored RTDS vectors and key stores (tests/vectors/PROVENANCE.md),
and a running virtual premises."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from gfi.api import UseCase
    from gfi.clock import SimulatedClock
    from gfi.premises import Premises
    from gfi.results import UseCaseResult

#: Midday of the RTDS reference day: premises in tests start here unless a module overrides
#: the ``premises_start`` fixture.
RTDS_NOON = dt.datetime(2015, 1, 1, 12, tzinfo=dt.UTC)
VECTORS = Path(__file__).parent / "vectors"
RTDS = VECTORS / "rtds"
RTDS_VECTORS = RTDS / "vectors"
RTDS_KEYSTORE = RTDS / "keystore"
DCCBOXED_KEYSTORE = RTDS / "dccboxed-keystore.json"


def rtds_files() -> list[Path]:
    return sorted(RTDS_VECTORS.rglob("*_GBCS.HEX"))


def rtds_bytes(path: Path) -> bytes:
    return bytes.fromhex(path.read_text().strip())


def vector_kind(path: Path) -> str:
    for kind in ("PRECOMMAND", "COMMAND", "RESPONSE", "ALERT"):
        if f"_{kind}" in path.name:
            return kind
    raise ValueError(path.name)


@pytest.fixture(scope="session")
def rtds_keys():  # type: ignore[no-untyped-def]
    from gfi.keys import load_keys

    return load_keys([RTDS_KEYSTORE, DCCBOXED_KEYSTORE])


@pytest.fixture(scope="session")
def security(rtds_keys):  # type: ignore[no-untyped-def]
    from gfi.codecs.security.gbcs import SecurityContext

    return SecurityContext(rtds_keys)


@pytest.fixture(autouse=True)
def raise_on_bad_log_formatting(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any test whose log call cannot be formatted with its arguments (as zigpy does)."""
    original = logging.LogRecord.getMessage

    def checked(self: logging.LogRecord) -> str:
        try:
            return original(self)
        except Exception as exc:  # pragma: no cover - the point is to fail loudly
            raise AssertionError(f"bad log format {self.msg!r} % {self.args!r}: {exc}") from exc

    monkeypatch.setattr(logging.LogRecord, "getMessage", checked)
    yield


@pytest.fixture()
def premises_start() -> dt.datetime:
    """When the premises' clock reads at the start of a test."""
    return RTDS_NOON


@pytest.fixture()
async def premises(premises_start: dt.datetime) -> AsyncIterator[Premises]:
    """A started virtual premises whose clock stands still; no device may have failed."""
    from gfi.premises import Premises

    p = Premises(0, now=lambda: premises_start)
    await p.start()
    yield p
    await p.stop()
    assert p.errors == []


@pytest.fixture()
async def clocked_premises(
        premises_start: dt.datetime) -> AsyncIterator[tuple[Premises, SimulatedClock]]:
    """A started virtual premises on a simulated clock that tests move; no device may have
    failed."""
    from gfi.clock import SimulatedClock
    from gfi.premises import Premises

    clock = SimulatedClock(premises_start)
    p = Premises(0, now=clock)
    await p.start()
    yield p, clock
    await p.stop()
    assert p.errors == []


async def run_on(clocked: tuple[Premises, SimulatedClock], uc: UseCase, variant: str = "",
                 **parameters: object) -> UseCaseResult:
    """Run ``uc`` (its first variant unless ``variant``) on a ``clocked_premises``."""
    from gfi.api import run_usecase

    p, clock = clocked
    return await run_usecase(uc, p, variant=variant or uc.variants[0], clock=clock,
                             parameters=dict(parameters))
