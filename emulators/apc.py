# SPDX-License-Identifier: GPL-3.0-or-later
"""The ESME's auxiliary load control (ALCS) and auxiliary proportional controller (APC)
channels, and the RTDS-only alerts their changes raise: ECS100 0x0120 (8F85), ECS101 0x0121
(8F86), ECS102 0x0122 (8F87) and ECS200 0x0123 (8F88), all critical (signed by the ESME, no
MAC; gbcs-security.md).

What these alerts mean is **inferred** — no public source names 8F85-8F88
(gbcs-protocol.md §4.2) — from the RTDS 4.5.0 vectors of the alerts and of the commands that
drive the same objects (ECS46d, ECS47a, ECS47e):

* A **channel** is one byte: ``0x1n`` ALCS/APC output n, ``0x2n`` APC input n (n = 1..5),
  each at a **level** 0..100 (a percentage; ECS200's ``"outputState":"100"``). Evidence:
  the Script Table selectors of ECS47a are channel ‖ level — APC_INPUT ``0x2332``,
  APC_OUTPUT and ALCS activate ``0x1564``, ALCS deactivate ``0x1100`` — and the schedule
  entries of ECS46d use ``0x11xx``/``0x12xx`` in its ALCS and APC_OUTPUT variants but
  ``0x21xx``/``0x22xx`` in APC_INPUT; the first unsigned of ECS101 (INPUT ``0x23``, OUTPUT
  ``0x15``) and ECS102 (INPUT ``0x21``, OUTPUT ``0x11``) is such a channel byte, the INPUT
  variants always ``0x2n``, the OUTPUT ones ``0x1n``.
* A **control** is what ECS47a (ALCS Control Scripts ``0-0:10.0.103.255``) or ECS47e (APC
  Control Scripts ``0-0:10.0.107.255``) starts: method 1 execute with selector channel ‖
  level, for the period whose start and end date-times the same command set just before on
  the ALCS/APC Control objects ``0-0:94.44.{117,119,121}.{1..4}`` (ECS47a sets ``.1`` =
  2015-01-03 00:00 and ``.2`` = 01:00 before executing). One date-time set: open-ended; none:
  from now, open-ended. A control starting on a channel supersedes the one in force there.
* **ECS101** (unsigned, date-time, date-time, unsigned): a control period begins — its
  channel, start, end (as the command gave them, "never" when open-ended) and level; RTDS's
  alert time equals its first date-time. To the supplier (both RTDS vectors).
* **ECS102** (unsigned, unsigned): a channel's level changed — when a period begins and when
  it ends and the channel returns to its level before. To the supplier (both vectors).
* **ECS100** (octet-string of 10 bytes): a timed control period has ended. The 10 bytes are
  read as message code (2) ‖ originator counter (8) of the command that set it — the same
  10 bytes 0x00CC (§2.2) uses to name a command. To that command's originator; when the
  ACB sent it on a user's behalf, with the command's supplementary remote party id and
  counter (the 18-byte other-information of §1.4, which RTDS shows on its one ECS100 alert
  to the ACB).
* **ECS200** (utf8-string): an APC's state object "APC State n" (``0-0:94.44.0.3n``,
  ``{"outputState":…,"inputState":…}``) changed because of a control by a party other than
  the supplier: the ESME sends the supplier the new text, naming that party as the
  supplementary remote party (the 10-byte other-information of §1.4; RTDS names the load
  controller ``90B3D51F30010008``, role 8). The text takes RTDS's form (compact, values as
  strings: ``{"outputState":"100",…}``).

The levels start from the APC State objects of the ESME profile (others at 0). Nothing here
happens unless a command runs a control script, so a premises not sent ECS47a/ECS47e raises
none of these alerts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from gfi.codecs.gbcs.message import OtherInformation
from gfi.emulators.cosem import CosemServer
from gfi.emulators.cosem.values import (
    NEVER_OCTETS,
    DateTimeError,
    datetime_from_octets,
    datetime_octets,
    is_never,
    is_now,
    utf8,
)
from gfi.emulators.device import (
    GbcsDevice,
    Outgoing,
    dlms_stamp,
    notification,
)
from gfi.emulators.model import HandleContext, HandleResult

logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
ECS100, CONTROL_PERIOD_ENDED = 0x0120, 0x8F85
ECS101, CONTROL_PERIOD_STARTED = 0x0121, 0x8F86
ECS102, CHANNEL_LEVEL_CHANGED = 0x0122, 0x8F87
ECS200, APC_STATE_CHANGED = 0x0123, 0x8F88
#: Script Tables whose method 1 starts a control: ALCS (ECS47a), APC (ECS47e).
CONTROL_SCRIPTS = frozenset({"0-0:10.0.103.255", "0-0:10.0.107.255"})
#: ALCS/APC Control objects holding a control's start and end (class 1, attribute 2).
CONTROL_OBJECTS = frozenset(f"0-0:94.44.{c}.{n}" for c in (117, 119, 121) for n in range(1, 5))
OUTPUT, INPUT = 0x10, 0x20
#: The channels: ALCS/APC output n (0x1n) and APC input n (0x2n), n = 1..5.
CHANNELS = frozenset(kind | n for kind in (OUTPUT, INPUT) for n in range(1, 6))


def apc_state_obis(n: int) -> str:
    """The "APC State n" object (class 1, utf8-string)."""
    return f"0-0:94.44.0.{30 + n}"


def channel_name(channel: int) -> str:
    return f"{'output' if channel & 0xF0 == OUTPUT else 'input'} {channel & 0x0F}"


@dataclass
class Control:
    """One control a command started (module docstring)."""

    channel: int
    level: int
    #: 12-byte DLMS date-times as hex, as the command set them ("now" resolved)
    start: str
    end: str
    message_code: int
    counter: int
    requester: str
    supplementary_remote_party_id: str | None = None
    supplementary_remote_party_counter: int | None = None
    started: bool = False
    #: the channel's level before the period began (restored at its end)
    previous: int | None = None

    @property
    def on_behalf_of(self) -> str:
        return self.supplementary_remote_party_id or self.requester


def _when(octets: str) -> datetime | None:
    """The moment a control date-time names (None: never / not a usable date-time)."""
    if is_never(octets):
        return None
    try:
        return datetime_from_octets(octets)
    except DateTimeError:
        return None


class ApcControl:
    """The ESME's channels and controls (module docstring). :meth:`observe` sees every
    command the COSEM model ran; calling it is the :data:`~gfi.emulators.device.AlertSource`
    that starts and ends the controls that are due and raises their alerts."""

    def __init__(self, cosem: CosemServer, state: Mapping[str, Any] | None = None) -> None:
        self.cosem = cosem
        state = state or {}
        saved = state.get("levels")
        self.levels: dict[int, int] = ({int(k): int(v) for k, v in saved.items()}
                                       if saved is not None else self._initial_levels())
        self.controls: list[Control] = [Control(**c) for c in state.get("controls", [])]

    def _initial_levels(self) -> dict[int, int]:
        levels = dict.fromkeys(sorted(CHANNELS), 0)
        for n in range(1, 6):
            found = self.cosem.find(apc_state_obis(n))
            try:
                shown = json.loads(str(found.values[2]["value"])) if found else {}
            except (ValueError, KeyError, TypeError):
                shown = {}
            for key, kind in (("outputState", OUTPUT), ("inputState", INPUT)):
                if isinstance(shown, dict) and key in shown:
                    levels[kind | n] = int(shown[key])
        return levels

    def level(self, channel: int) -> int:
        return self.levels.get(channel, 0)

    # -- commands -----------------------------------------------------------------------
    def observe(self, request: Mapping[str, Any], result: HandleResult,
                ctx: HandleContext) -> None:
        """Record the controls a command started (its successful control-script actions,
        each with the period set before it in the same command)."""
        specs = request.get("specs") or []
        data = request.get("data") or []
        results = result.response.get("results") or []
        window: list[str] = []
        for index, spec in enumerate(specs):
            done = results[index] if index < len(results) else {}
            if not isinstance(spec, Mapping) or done.get("result") != 0 or index >= len(data):
                continue
            d, datum = spec.get("descriptor") or {}, data[index]
            choice, obis = spec.get("choice"), d.get("obis")
            if choice == "set" and d.get("class_id") == 1 and obis in CONTROL_OBJECTS and \
                    datum.get("type") == "octet-string" and len(str(datum["value"])) == 24:
                window.append(str(datum["value"]).upper())
            elif choice == "action" and d.get("class_id") == 9 and obis in CONTROL_SCRIPTS \
                    and d.get("method_id") == 1 and isinstance(datum.get("value"), int):
                self._start(int(datum["value"]), window[-2:], ctx)
                window.clear()

    def _start(self, selector: int, window: list[str], ctx: HandleContext) -> None:
        channel, level = selector >> 8, selector & 0xFF
        if channel not in CHANNELS:
            logger.info("apc: script selector %04X names no channel", selector)
            return
        start, end = [*window, "", ""][:2]
        if not start or is_now(start):
            start = datetime_octets(self.cosem.device_time(ctx.now))
        self.controls.append(Control(
            channel, level, start, (end or NEVER_OCTETS).upper(), ctx.message_code,
            ctx.counter, ctx.requester, ctx.supplementary_remote_party,
            ctx.supplementary_remote_party_counter))
        logger.debug("apc: %s to %d from %s until %s", channel_name(channel), level, start,
                     end or "never")

    # -- time -----------------------------------------------------------------------------
    def __call__(self, device: GbcsDevice, now: datetime) -> list[Outgoing]:
        """Start and end the controls that are due at device time; their alerts."""
        moment = self.cosem.device_time(now)
        out: list[Outgoing] = []
        for control in list(self.controls):
            begins = _when(control.start)
            if not control.started and begins is not None and begins <= moment:
                out += self._begin(device, control, now)
            ends = _when(control.end)
            if control.started and ends is not None and ends <= moment:
                self.controls.remove(control)
                out += self._level(device, control.channel, control.previous or 0, control,
                                   now)
                out.append(self._ended(device, control, now))
        return out

    def _begin(self, device: GbcsDevice, control: Control, now: datetime) -> list[Outgoing]:
        control.started, control.previous = True, self.level(control.channel)
        for other in [c for c in self.controls if c is not control and c.started and
                      c.channel == control.channel]:  # superseded: its base level carries on
            control.previous = other.previous
            self.controls.remove(other)
        started = device.alert(ECS101, notification(device.alert_counter + 1, [
            {"type": "long-unsigned", "value": CONTROL_PERIOD_STARTED}, dlms_stamp(now),
            {"type": "unsigned", "value": control.channel},
            {"type": "octet-string", "value": control.start},
            {"type": "octet-string", "value": control.end},
            {"type": "unsigned", "value": control.level}]), now,
            summary=f"ECS101 {channel_name(control.channel)} control period begins")
        return [started, *self._level(device, control.channel, control.level, control, now)]

    def _level(self, device: GbcsDevice, channel: int, level: int, control: Control,
               now: datetime) -> list[Outgoing]:
        """Set a channel's level: ECS102 when it changed, ECS200 when an APC State object
        changed by another party's control."""
        if self.level(channel) == level:
            return []
        self.levels[channel] = level
        out = [device.alert(ECS102, notification(device.alert_counter + 1, [
            {"type": "long-unsigned", "value": CHANNEL_LEVEL_CHANGED}, dlms_stamp(now),
            {"type": "unsigned", "value": channel}, {"type": "unsigned", "value": level}]),
            now, summary=f"ECS102 {channel_name(channel)} now at {level}")]
        n = channel & 0x0F
        found = self.cosem.find(apc_state_obis(n))
        if found is None:
            return out
        text = json.dumps({"outputState": str(self.level(OUTPUT | n)),
                           "inputState": str(self.level(INPUT | n))}, separators=(",", ":"))
        found.values[2] = utf8(text)
        party = control.on_behalf_of
        if party != device.alert_recipient:
            out.append(device.alert(ECS200, notification(device.alert_counter + 1, [
                {"type": "long-unsigned", "value": APC_STATE_CHANGED}, dlms_stamp(now),
                utf8(text)]), now, other_information=OtherInformation(ECS200, party),
                summary=f"ECS200 APC {n} state {text} (control by {party})"))
        return out

    @staticmethod
    def _ended(device: GbcsDevice, control: Control, now: datetime) -> Outgoing:
        named = control.message_code.to_bytes(2, "big") + control.counter.to_bytes(8, "big")
        oi = OtherInformation(ECS100, control.supplementary_remote_party_id,
                              control.supplementary_remote_party_counter) \
            if control.supplementary_remote_party_id else None
        return device.alert(ECS100, notification(device.alert_counter + 1, [
            {"type": "long-unsigned", "value": CONTROL_PERIOD_ENDED}, dlms_stamp(now),
            {"type": "octet-string", "value": named.hex().upper()}]), now,
            recipient=control.requester, other_information=oi,
            summary=f"ECS100 control period of {control.message_code:04X}/{control.counter} "
                    "ended")

    def state(self) -> dict[str, Any]:
        return {"levels": {str(k): v for k, v in sorted(self.levels.items())},
                "controls": [asdict(c) for c in self.controls]}
