# SPDX-License-Identifier: GPL-3.0-or-later
"""Writing and running Use Cases (issue 4): the decorator that registers one, the session
its steps use, and the runner that turns a run into a :class:`~gfi.results.UseCaseResult`.

A Use Case is an ``async`` function of a :class:`Session` (and keyword parameters with
defaults)::

    from gfi.api import Session, build, usecase

    @usecase("ECS17b", "Read ESME Energy Registers (Import Energy)", devices=["ESME"],
             tags=["read"])
    async def read_import(s: Session) -> None:
        r = await s.send(0x0027, to="ESME",
                         payload=lambda c: build.ecs17b_payload(c, s.originator, s.id("ESME")))
        s.check(r.decrypted is True, "the response's registers decrypt")

Steps never sleep: :meth:`Session.send` awaits the response (waking a sleepy GSME when the
command waits in the GPF queue), :meth:`Session.expect_alert` awaits an alert with a
timeout. :meth:`Session.check` records an assertion and fails the Use Case with its message
when false. Every message sent or received is recorded as a step with its verdicts.
"""

from __future__ import annotations

import datetime as dt
import inspect
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

# What Use Cases use: house-style rule 12 has a Use Case import only gfi.api (and the
# library's own gfi.usecases.* helpers), so every name a Use Case needs from the lower
# layers is re-exported here under its own name: message builders and codecs, frame and
# enum types, the security verdict (as SecurityVerdict, gfi.results.Verdict being the Use
# Case's verdict), head-end helpers, the premises' constants and the conditions and faults
# the emulators model. tests/test_quality.py keeps Use Case modules to gfi.api.
from gfi.codecs.dlms import dlms_invoke_id, encode_dlms_payload
from gfi.codecs.gbcs import build
from gfi.codecs.gbcs.catalogue import (
    ALERT_MESSAGE_CODE_CRITICALITY,
    METER_INTEGRITY_CODES,
    Criticality,
    PayloadFamily,
)
from gfi.codecs.gbcs.decoder import DecodedMessage, decode_message, encode_payload
from gfi.codecs.gbcs.message import Cra, GbcsFrame, decode_frame
from gfi.codecs.security.gbcs import SecurityContext, apply_mac, apply_signature
from gfi.codecs.security.gbcs import Verdict as SecurityVerdict
from gfi.codecs.security.keystore import InMemoryKeyStore, KeyEntry, KeyUsage
from gfi.emulators.asn1_model import generalized_time
from gfi.emulators.comms_hub import CommsHub
from gfi.emulators.cosem.values import NOW_OCTETS, datetime_octets
from gfi.emulators.device import HardwareFault, dlms_date_time
from gfi.emulators.events import IMAGE_TYPES, MANUFACTURER_CODE, FirmwareImage
from gfi.emulators.identity import RemoteParty, derive_key
from gfi.emulators.integrity import FaultyComponent
from gfi.emulators.subghz import Channel, ScanOutcome
from gfi.emulators.zse.profiles import SAMPLE_LOG_PROFILE
from gfi.headend import ExchangeTimeout, alert_code_of
from gfi.premises import ACB, SUPPLIER, PremisesIds

# isort: split
# What gfi.api itself uses besides.
from gfi.clock import SimulatedClock
from gfi.codecs.gbcs.jsonform import to_json
from gfi.errors import GfiError, UsageError
from gfi.headend import HeadEndEvent
from gfi.premises import Premises
from gfi.results import Level, Step, UseCaseResult, Verdict

#: The public API: writing and running Use Cases, and what their steps use.
__all__ = [
    "ACB",
    "ALERT_MESSAGE_CODE_CRITICALITY",
    "IMAGE_TYPES",
    "MANUFACTURER_CODE",
    "METER_INTEGRITY_CODES",
    "NOW_OCTETS",
    "REGISTRY",
    "SAMPLE_LOG_PROFILE",
    "SUPPLIER",
    "Channel",
    "CommsHub",
    "Cra",
    "Criticality",
    "DecodedMessage",
    "ExchangeTimeout",
    "FaultyComponent",
    "FirmwareImage",
    "GbcsFrame",
    "HardwareFault",
    "InMemoryKeyStore",
    "KeyEntry",
    "KeyUsage",
    "Level",
    "PayloadFamily",
    "PremisesIds",
    "Registry",
    "RemoteParty",
    "ScanOutcome",
    "SecurityContext",
    "SecurityVerdict",
    "Session",
    "UseCase",
    "UseCaseFailure",
    "UseCaseFunction",
    "UseCaseResult",
    "Verdict",
    "alert_code_of",
    "apply_mac",
    "apply_signature",
    "build",
    "datetime_octets",
    "decode_frame",
    "decode_message",
    "derive_key",
    "dlms_date_time",
    "dlms_invoke_id",
    "encode_dlms_payload",
    "encode_payload",
    "generalized_time",
    "run_usecase",
    "usecase",
]

UseCaseFunction = Callable[..., Awaitable[None]]


class UseCaseFailure(AssertionError):
    """The device did not behave as the Use Case requires (verdict FAIL)."""


@dataclass(frozen=True)
class UseCase:
    """A registered Use Case: GBCS id, title, the devices it targets, tags, variants."""

    id: str
    title: str
    function: UseCaseFunction
    devices: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    variants: tuple[str, ...] = ("",)
    #: The GBCS message codes the Use Case exercises (commands sent, alerts awaited).
    message_codes: tuple[int, ...] = ()

    def parameters(self) -> dict[str, Any]:
        """Keyword parameters and their defaults."""
        sig = inspect.signature(self.function)
        return {name: p.default for name, p in list(sig.parameters.items())[1:]
                if p.default is not inspect.Parameter.empty and name != "variant"}


@dataclass
class Registry:
    """Use Cases by id."""

    usecases: dict[str, UseCase] = field(default_factory=dict)

    def add(self, uc: UseCase) -> None:
        if uc.id in self.usecases and self.usecases[uc.id].function is not uc.function:
            raise GfiError(f"Use Case {uc.id} is registered twice "
                           f"({self.usecases[uc.id].function.__module__} and "
                           f"{uc.function.__module__})")
        self.usecases[uc.id] = uc

    def select(self, ids: Iterable[str] = (), *, tags: Iterable[str] = (),
               device: str | None = None) -> list[UseCase]:
        ids, tags = list(ids), set(tags)
        unknown = [i for i in ids if i not in self.usecases]
        if unknown:
            raise GfiError(f"unknown Use Case {', '.join(unknown)} "
                           f"(see `gfi list`)")
        chosen = [self.usecases[i] for i in ids] if ids else list(self.usecases.values())
        return [uc for uc in chosen if (not tags or tags & set(uc.tags)) and
                (device is None or device in uc.devices)]


REGISTRY = Registry()
#: Where ``@usecase`` registers when no registry is named: :data:`REGISTRY`, or the one a
#: pack is being loaded into (gfi.authoring.load_pack).
loading_into: list[Registry] = []


def usecase(id: str, title: str, *, devices: Iterable[str] = (), tags: Iterable[str] = (),
            variants: Iterable[str] = ("",), message_codes: Iterable[int] = (),
            registry: Registry | None = None) -> Callable[[UseCaseFunction], UseCaseFunction]:
    """Register the decorated ``async def f(session, **params)`` as a Use Case."""
    def register(function: UseCaseFunction) -> UseCaseFunction:
        if not inspect.iscoroutinefunction(function):
            raise GfiError(f"Use Case {id}: {function.__qualname__} must be `async def`")
        target = registry or (loading_into[-1] if loading_into else REGISTRY)
        target.add(UseCase(id, title, function, tuple(devices), tuple(tags), tuple(variants),
                           tuple(message_codes)))
        return function
    return register


class Session:
    """What a Use Case's steps use (see the module docstring)."""

    def __init__(self, premises: Premises, *, originator: str = SUPPLIER,
                 clock: SimulatedClock | None = None) -> None:
        self.premises = premises
        self.clock = clock
        self.head = premises.head
        self.originator = originator
        self.steps: list[Step] = []
        self._started = time.monotonic()
        self.head.listeners.append(self._on_message)

    def close(self) -> None:
        if self._on_message in self.head.listeners:
            self.head.listeners.remove(self._on_message)

    # -- recording --------------------------------------------------------------------------
    def _at(self) -> float:
        return round(time.monotonic() - self._started, 6)

    def _on_message(self, event: HeadEndEvent) -> None:
        dm = event.message
        frame = dm.frame
        self.steps.append(Step(
            kind="send" if event.direction == "sent" else "receive",
            text=f"{event.direction} {(dm.info.use_case or '') if dm.info else ''} "
                 f"{frame.message_code:04X} {frame.cra.label}".strip()
            if frame is not None else f"{event.direction}: undecodable ({dm.error})",
            level=Level.INFO if dm.ok else Level.ERROR,
            device=frame.recipient if frame is not None and event.direction == "sent"
            else frame.originator if frame is not None else "",
            at=self._at(), message_code=frame.message_code if frame is not None else None,
            hex=dm.raw.hex().upper(), message=_json(dm),
            verdicts={"mac": dm.mac.verdict.value, "signature": dm.signature.verdict.value,
                      "decrypted": dm.decrypted}))

    def log(self, text: str, level: Level = Level.INFO) -> None:
        self.steps.append(Step("log", text, level, at=self._at()))

    def check(self, condition: object, message: str) -> None:
        """Assert ``condition``; record it; a false one fails the Use Case with ``message``."""
        ok = bool(condition)
        self.steps.append(Step("check", message, Level.INFO if ok else Level.ERROR, ok=ok,
                               at=self._at()))
        if not ok:
            raise UseCaseFailure(message)

    def inject_fault(self, device: str, fault: HardwareFault) -> None:
        """Make an emulated device fail its next matching command (ERROR scenarios)."""
        self.premises.devices[device].inject(fault)
        self.log(f"the emulated {device} is set to fail: hardware fault at request "
                 f"{fault.at} of its next {fault.message_code or 0:04X} command",
                 Level.WARNING)

    def inject_condition(self, device: str, condition: object) -> None:
        """Put an emulated device into a condition only a test harness can set, which the
        device's own logic then detects (e.g. ``FaultyComponent(4)``: its RAM fails its
        integrity self-check, emulators/integrity.py). A device that models no such
        condition refuses it (UsageError)."""
        self.premises.nodes[device].inject_condition(condition)
        self.log(f"the emulated {device} is put in a condition: {condition}", Level.WARNING)

    # -- time -------------------------------------------------------------------------------
    async def advance_to(self, when: dt.datetime) -> None:
        """Move the simulated clock to ``when`` and let the devices run what is due (the
        alerts that raises are then awaited with :meth:`expect_alert`)."""
        if self.clock is None:
            raise UsageError("this run has no simulated clock to advance (run it in a "
                             "campaign, or give run_usecase a SimulatedClock)")
        self.clock.set(when)
        self.log(f"device time moves to {self.clock().isoformat()}")
        await self.premises.tick()

    # -- exchanging -------------------------------------------------------------------------
    def id(self, device: str) -> str:
        """The entity id of a device of the premises (ESME, GSME, CHF, GPF, PPMID, …)."""
        return self.premises.ids[device] if device in self.premises.ids else device.upper()

    async def send(self, message_code: int, *, to: str,
                   payload: bytes | Callable[[int], bytes], timeout: float = 10.0,
                   originator: str | None = None, **header: object) -> DecodedMessage:
        """Build, protect (as the code's criticality requires) and send a command; await and
        verify its response. A sleepy device is woken to fetch it from the GPF queue."""
        recipient = self.id(to)
        frame = self.head.command(message_code, originator=originator or self.originator,
                                  recipient=recipient, payload=payload, **header)
        if frame.signature:
            self._precommand(frame)
        response = await self.send_frame(frame, to=to, timeout=timeout)
        assert response is not None
        return self.expect_response(response)

    def _precommand(self, frame: GbcsFrame) -> None:
        """Record the DUIS pre-command of a signed command and check that the command is it
        signed: the pre-command's bytes, then ``40`` ‖ the 64-byte signature (before any MAC
        header; gbcs-protocol.md §1.1)."""
        pre = build.precommand(frame).to_bytes()
        signed = frame.with_changes(mac=None).to_bytes()
        self.steps.append(Step(
            "log", f"pre-command {frame.message_code:04X} ({len(pre)} bytes, unsigned) signed "
                   f"by {frame.originator}", at=self._at(), message_code=frame.message_code,
            hex=pre.hex().upper()))  # decoded, it is the command of the next step
        self.check(signed == pre + b"\x40" + frame.signature,
                   "the command is its pre-command followed by the originator's signature")

    async def send_frame(self, frame: GbcsFrame | bytes, *, to: str | None = None,
                         expect_response: bool = True,
                         timeout: float = 10.0) -> DecodedMessage | None:
        """Send a frame as it is (a tampered one, a replay); await its response only when
        ``expect_response``. ``to`` names a sleepy target to wake."""
        return await self.premises.through_queue(
            self.head.send(frame, timeout=timeout, expect_response=expect_response),
            self.id(to) if to else None, timeout=timeout)

    def responses_to(self, counter: int, originator: str | None = None) -> list[DecodedMessage]:
        """Every response the head end received to the command with ``counter``."""
        who = originator or self.originator
        return [e.message for e in self.head.events if e.direction == "received" and
                isinstance(e.message.frame, GbcsFrame) and
                e.message.frame.cra is Cra.RESPONSE and e.message.frame.counter == counter and
                e.message.frame.recipient == who]

    def expect_response(self, dm: DecodedMessage, kind: str = "response") -> DecodedMessage:
        """Check what every response (or alert: ``kind``) must be: decoded, its MAC and
        signature valid where present, its sensitive content decrypted where it has any."""
        self.check(dm.ok, f"the {kind} decodes{'' if dm.ok else f': {dm.error}'}")
        for what, result in (("MAC", dm.mac), ("signature", dm.signature)):
            self.check(result.verdict in (SecurityVerdict.VALID, SecurityVerdict.ABSENT),
                       f"the {kind}'s {what} is {result.verdict.value}"
                       + (f" ({result.detail})" if result.detail else ""))
        if dm.decrypted is not None:
            self.check(dm.decrypted, f"the {kind}'s encrypted content decrypts")
        return dm

    async def expect_alert(self, message_code: int, *, timeout: float = 10.0,
                           alert_code: int | None = None,
                           originator: str | None = None) -> DecodedMessage:
        """Await an alert (and check it like a response)."""
        try:
            dm = await self.head.expect_alert(message_code, timeout=timeout,
                                              alert_code=alert_code,
                                              originator=self.id(originator) if originator
                                              else None)
        except TimeoutError as exc:
            raise UseCaseFailure(str(exc)) from None
        return self.expect_response(dm, "alert")


def _json(dm: DecodedMessage) -> dict[str, Any] | None:
    try:
        return to_json(dm)
    except (GfiError, TypeError, ValueError):
        return None


async def run_usecase(uc: UseCase, premises: Premises, *, variant: str = "",
                      parameters: dict[str, Any] | None = None,
                      clock: SimulatedClock | None = None) -> UseCaseResult:
    """Run one Use Case variant on a started premises (``clock``: the simulated clock the
    premises runs on, if any); never raises for a failure."""
    session = Session(premises, clock=clock)
    params = uc.parameters() | (parameters or {})
    kwargs = dict(params)
    if "variant" in inspect.signature(uc.function).parameters:
        kwargs["variant"] = variant
    started = time.monotonic()
    verdict, reason = Verdict.PASS, ""
    try:
        await uc.function(session, **kwargs)
    except UseCaseFailure as exc:
        verdict, reason = Verdict.FAIL, str(exc)
    except TimeoutError as exc:
        verdict, reason = Verdict.FAIL, f"timeout: {exc}"
    except (GfiError, LookupError, ConnectionError, TypeError, ValueError) as exc:
        verdict, reason = Verdict.ERROR, f"{type(exc).__name__}: {exc}"
    finally:
        session.close()
    codes = [s.message_code for s in session.steps if s.kind == "send"]
    return UseCaseResult(
        id=uc.id, variant=variant, title=uc.title, devices=list(uc.devices),
        tags=list(uc.tags), verdict=verdict, reason=reason,
        duration_s=round(time.monotonic() - started, 6),
        message_code=codes[0] if codes else None, parameters=params, steps=session.steps)
