# SPDX-License-Identifier: GPL-3.0-or-later
"""Persistent device state: one SQLite database in a state directory, one JSON document per
device and part (counters, COSEM objects, ZSE attributes, device log, …), written whenever a
device's state changes so that a restarted emulator carries on where it stopped.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

from gfi.errors import GfiError

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS device_state (
    device TEXT NOT NULL,
    part TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (device, part)
)
"""


class StateStoreError(GfiError, OSError):
    """The state directory cannot be used."""


class StateStore:
    """Device state documents in ``<directory>/gfi-state.sqlite`` (in memory without one)."""

    FILE_NAME = "gfi-state.sqlite"

    def __init__(self, directory: str | Path | None = None) -> None:
        if directory is None:
            target = ":memory:"
            self.path: Path | None = None
        else:
            path = Path(directory)
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StateStoreError(f"state directory {path}: {exc.strerror}") from None
            self.path = path / self.FILE_NAME
            target = str(self.path)
        try:
            self._db = sqlite3.connect(target)
            self._db.execute(SCHEMA)
            self._db.commit()
        except sqlite3.Error as exc:
            raise StateStoreError(f"state database {target}: {exc}") from None

    def load(self, device: str, part: str) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT document FROM device_state WHERE device = ? AND part = ?",
            (device, part)).fetchone()
        if row is None:
            return None
        document: dict[str, Any] = json.loads(row[0])
        return document

    def save(self, device: str, part: str, document: dict[str, Any]) -> None:
        text = json.dumps(document, separators=(",", ":"), sort_keys=True)
        self._db.execute(
            "INSERT INTO device_state (device, part, document) VALUES (?, ?, ?) "
            "ON CONFLICT (device, part) DO UPDATE SET document = excluded.document",
            (device, part, text))
        self._db.commit()

    def devices(self) -> list[str]:
        return [r[0] for r in self._db.execute(
            "SELECT DISTINCT device FROM device_state ORDER BY device")]

    def close(self) -> None:
        self._db.close()
