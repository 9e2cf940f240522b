# SPDX-License-Identifier: GPL-3.0-or-later
"""What a device's application model (COSEM object model, ZSE attribute model) gets for one
GBCS command and gives back. The models are sans-I/O: they never see radios, keys or clocks
of their own; the emulator hands them a :class:`HandleContext` and turns the
:class:`HandleResult` into a signed/MAC'd GBCS response and alerts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: Encrypts a sensitive plaintext for the response being built: returns (ciphertext, tag).
#: The emulator binds it to the response frame's parties and counters (gbcs-security.md §1.5).
Encryptor = Callable[[bytes], tuple[bytes, bytes]]


@dataclass(frozen=True)
class HandleContext:
    """The circumstances of one command."""

    #: Device time when the command is executed (UTC, timezone-aware).
    now: datetime
    #: GBCS message code of the command, e.g. 0x0027.
    message_code: int
    #: Originator (remote party) entity id, 16 uppercase hex digits.
    requester: str
    #: Remote party role of the requester (0 root … 4 ACB … 8 load controller, 127 other).
    requester_role: int
    #: Originator counter of the command (the response echoes it).
    counter: int
    #: Encryption for sensitive data in the response; ``None`` when not available.
    encrypt: Encryptor | None = None
    #: The device's own entity id.
    device: str = ""
    #: URP reads (ECS21b, GCS16b): the supplementary remote party sensitive data is
    #: encrypted for, and the device counter used for it (gbcs-security.md §1.3).
    supplementary_remote_party: str | None = None
    supplementary_originator_counter: int | None = None
    #: The supplementary remote party counter of the command's other-information (a command
    #: the ACB sent on a user's behalf, gbcs-protocol.md §1.4).
    supplementary_remote_party_counter: int | None = None

    @property
    def encryption_recipient(self) -> str:
        """Whom sensitive data in the response is encrypted for."""
        return self.supplementary_remote_party or self.requester

    @property
    def encryption_counter(self) -> int:
        """The counter the encryption's transaction id carries."""
        if self.supplementary_originator_counter is not None:
            return self.supplementary_originator_counter
        return self.counter


@dataclass(frozen=True)
class FutureDatedExecution:
    """A future-dated instruction that has now run (reported by alert 0x00CC / 0x00CD with
    alert code 8F66 on success, 8F67 on failure; gbcs-protocol.md §2.2, §2.3)."""

    message_code: int
    originator_counter: int
    success: bool
    #: DLMS: {"class_id", "obis", "attribute_id"}; GBZ: {"cluster_id", "frame_control",
    #: "command_id"}.
    target: dict[str, Any]
    executed_at: datetime | None = None


@dataclass
class HandleResult:
    """A model's answer to one command."""

    #: The response payload as a decoded tree (DLMS access-response / GBZ response), ready
    #: for the payload encoder.
    response: dict[str, Any]
    #: Human-readable notes on what changed (for logs and reports).
    changes: list[str] = field(default_factory=list)
    #: Alerts to raise now, as (alert message code, payload tree) pairs.
    alerts: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
