# SPDX-License-Identifier: GPL-3.0-or-later
"""What a campaign of Use Cases produced: plain data that the reports (JUnit XML, JSON,
HTML) and the console render. No behaviour beyond summaries and JSON conversion.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any


class Verdict(enum.StrEnum):
    """Outcome of one Use Case variant: PASS; FAIL (the device did not behave as GBCS
    requires); ERROR (the run itself broke: bad parameters, a timeout of the tool, a bug);
    SKIP (not applicable to the target)."""

    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"
    SKIP = "SKIP"


class Level(enum.StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass
class Step:
    """One thing a Use Case did or observed.

    ``kind``: "send" (a message sent), "receive" (a message received), "check" (an
    assertion, with ``ok``), "log" (a note). ``message`` holds the decoded message (the JSON
    form of gfi.codecs.gbcs.jsonform) for send/receive; ``verdicts`` the security verdicts
    (mac, signature, decrypted)."""

    kind: str
    text: str
    level: Level = Level.INFO
    device: str = ""
    ok: bool | None = None
    at: float = 0.0
    message_code: int | None = None
    hex: str = ""
    message: dict[str, Any] | None = None
    verdicts: dict[str, Any] = field(default_factory=dict)


@dataclass
class UseCaseResult:
    """The run of one Use Case variant."""

    id: str
    variant: str
    title: str
    devices: list[str]
    tags: list[str]
    verdict: Verdict
    reason: str = ""
    duration_s: float = 0.0
    message_code: int | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)

    @property
    def name(self) -> str:
        """``ID`` or ``ID[variant]`` (what a JUnit testcase is called)."""
        return f"{self.id}[{self.variant}]" if self.variant else self.id


@dataclass
class CampaignResult:
    """A whole ``gfi run``."""

    target: str
    started: str  # ISO 8601
    finished: str = ""
    duration_s: float = 0.0
    results: list[UseCaseResult] = field(default_factory=list)
    environment: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        out = {v.value: 0 for v in Verdict}
        for r in self.results:
            out[r.verdict.value] += 1
        return out

    @property
    def ok(self) -> bool:
        """No FAIL and no ERROR."""
        return all(r.verdict in (Verdict.PASS, Verdict.SKIP) for r in self.results)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {"counts": self.counts(), "ok": self.ok}
