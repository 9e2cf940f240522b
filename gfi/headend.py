# SPDX-License-Identifier: GPL-3.0-or-later
"""The head end: gfi playing the DCC and the remote parties behind it.

It builds commands, signs them with the remote party's DS key and MACs them with the Access
Control Broker's KA key (gfi.codecs.gbcs.build), hands them to a Comms Hub, and verifies
everything that comes back: responses are matched to their command by originator counter
and swapped entity ids (gbcs-protocol.md §1.6), alerts are queued for whoever awaits them.
No sleeps: callers await futures with timeouts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from gfi.codecs.gbcs import build
from gfi.codecs.gbcs.catalogue import Criticality
from gfi.codecs.gbcs.decoder import DecodedMessage, decode_message
from gfi.codecs.gbcs.message import Cra, GbcsFrame
from gfi.codecs.security.gbcs import SecurityContext
from gfi.codecs.security.keystore import InMemoryKeyStore
from gfi.errors import GfiError

logger = logging.getLogger(__name__)

#: First originator counter of a remote party (RTDS commands start at 1000).
FIRST_COUNTER = 1000


class ExchangeTimeout(GfiError, TimeoutError):
    """No response or alert arrived in time."""


@dataclass
class HeadEndEvent:
    """One message sent or received by the head end (for logs and reports)."""

    direction: str  # "sent" | "received"
    message: DecodedMessage
    note: str = ""


@dataclass
class HeadEnd:
    """See the module docstring."""

    keys: InMemoryKeyStore
    submit: Callable[[bytes], Awaitable[None]]
    acb: str = "90B3D51F30000002"
    counters: dict[str, int] = field(default_factory=dict)
    events: list[HeadEndEvent] = field(default_factory=list)
    listeners: list[Callable[[HeadEndEvent], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.security = SecurityContext(self.keys, acb=self.acb)
        self._waiting: dict[tuple[int, str, str], asyncio.Future[DecodedMessage]] = {}
        self._alerts: list[DecodedMessage] = []
        self._alert_arrived = asyncio.Event()

    # -- building ---------------------------------------------------------------------------
    def next_counter(self, originator: str) -> int:
        """A fresh originator counter (strictly increasing per remote party)."""
        value = self.counters.get(originator, FIRST_COUNTER - 1) + 1
        self.counters[originator] = value
        return value

    def command(self, message_code: int, *, originator: str, recipient: str,
                payload: bytes | Callable[[int], bytes], counter: int | None = None,
                criticality: Criticality | None = None, **header: object) -> GbcsFrame:
        """A protected command; ``payload`` may be a function of the counter (DLMS
        invoke-ids carry it)."""
        counter = self.next_counter(originator) if counter is None else counter
        body = payload(counter) if callable(payload) else payload
        frame = build.command(message_code, counter=counter, originator=originator,
                              recipient=recipient, payload=body, **header)  # type: ignore[arg-type]
        return build.protect(frame, self.security, criticality)

    # -- exchanging -------------------------------------------------------------------------
    async def send(self, frame: GbcsFrame | bytes, *, timeout: float = 10.0,
                   expect_response: bool = True) -> DecodedMessage | None:
        """Send a command and await its response (verified), or only send it."""
        data = frame if isinstance(frame, bytes) else frame.to_bytes()
        sent = decode_message(data, security=self.security, source="head end")
        key = None
        if expect_response and isinstance(sent.frame, GbcsFrame):
            key = (sent.frame.counter, sent.frame.recipient, sent.frame.originator)
            self._waiting[key] = asyncio.get_running_loop().create_future()
        self._record(HeadEndEvent("sent", sent))
        try:
            async with asyncio.timeout(timeout):  # delivery to the Comms Hub counts too
                await self.submit(data)
                if key is None:
                    return None
                return await self._waiting[key]
        except TimeoutError:
            raise ExchangeTimeout(
                f"no response to {sent.frame.message_code:04X} counter {sent.frame.counter} "  # type: ignore[union-attr]
                f"from {sent.frame.recipient} within {timeout:g} s") from None
        finally:
            if key is not None:
                self._waiting.pop(key, None)

    def receive(self, data: bytes, source: str = "comms hub") -> DecodedMessage:
        """A message from the HAN side (called by the Comms Hub)."""
        dm = decode_message(data, security=self.security, source=source)
        frame = dm.frame
        note = ""
        if isinstance(frame, GbcsFrame) and frame.cra is Cra.RESPONSE:
            waiter = self._waiting.get((frame.counter, frame.originator, frame.recipient))
            if waiter is not None and not waiter.done():
                waiter.set_result(dm)
            else:
                note = "unsolicited response"
        elif isinstance(frame, GbcsFrame) and frame.cra is Cra.ALERT:
            self._alerts.append(dm)
            self._alert_arrived.set()
        else:
            note = "not a response or alert" if dm.ok else f"undecodable: {dm.error}"
        self._record(HeadEndEvent("received", dm, note))
        return dm

    async def expect_alert(self, message_code: int, *, timeout: float = 10.0,
                           originator: str | None = None,
                           alert_code: int | None = None) -> DecodedMessage:
        """The first unclaimed alert with this message code (and alert code), awaited."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for dm in self._alerts:
                f = dm.frame
                if isinstance(f, GbcsFrame) and f.message_code == message_code and \
                        (originator is None or f.originator == originator) and \
                        (alert_code is None or alert_code_of(dm) == alert_code):
                    self._alerts.remove(dm)
                    return dm
            self._alert_arrived.clear()
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise ExchangeTimeout(f"no alert {message_code:04X} within {timeout:g} s")
            try:
                await asyncio.wait_for(self._alert_arrived.wait(), remaining)
            except TimeoutError:
                continue

    @property
    def unclaimed_alerts(self) -> list[DecodedMessage]:
        return list(self._alerts)

    def _record(self, event: HeadEndEvent) -> None:
        self.events.append(event)
        for listener in self.listeners:
            listener(event)


def alert_code_of(dm: DecodedMessage) -> int | None:
    """The 16-bit alert code inside an alert's payload (gbcs-protocol.md §4.1)."""
    p = dm.payload or {}
    if "alert_code" in p:
        return int(p["alert_code"])
    body = p.get("body")
    if isinstance(body, dict) and isinstance(body.get("value"), list) and body["value"]:
        first = body["value"][0]
        if isinstance(first, dict) and first.get("type") == "long-unsigned":
            return int(first["value"])
    return None
