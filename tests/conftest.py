# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared fixtures: the vendored RTDS vectors and key stores (tests/vectors/PROVENANCE.md)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

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
