# SPDX-License-Identifier: GPL-3.0-or-later
"""A device on the HAN: one radio, its ZCL endpoint, its GBCS tunnel to the Comms Hub and,
for a Type 1 device, its GBCS processing (zigbee-han.md §5, the flow of one command).

Theory of operation
-------------------
A :class:`HanNode` owns what every emulated device shares; the device modules
(``comms_hub``, ``esme``, ``gsme``, ``display``, ``ppmid``, ``hcalcs``) add their behaviour.

* Frames from the radio are dispatched by cluster: the Tunneling cluster (0x0704) to the
  GBCS tunnel of that peer, everything else to the ZCL endpoint. Each frame is handled in
  its own task so the radio's delivery never waits on the application.
* :meth:`join` joins with the pre-configured link key derived from the install code
  (zigbee-han.md §3); :meth:`open_tunnel` requests the tunnel to the Comms Hub.
* A GBCS command arriving through the tunnel goes to the device's
  :class:`~gfi.emulators.device.GbcsDevice`; its response and alerts go back through the
  tunnel, then :meth:`after_command` lets the device act on the HAN (the ESME drives its
  HCALCS, for example).
* Failures inside a task are never lost: they are logged, kept in :attr:`errors` and
  reported as an ``error`` event.

Nothing here knows which radio backend is underneath.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from gfi.codecs.engines.tunnel import Role
from gfi.codecs.gbcs.catalogue import PayloadFamily
from gfi.codecs.security.install_code import link_key_from_install_code
from gfi.codecs.security.keystore import InMemoryKeyStore
from gfi.emulators.asn1_model import Asn1Model
from gfi.emulators.device import ApplicationModel, GbcsDevice, Outcome
from gfi.emulators.identity import DeviceIdentity
from gfi.emulators.integrity import FaultyComponent, SelfCheck
from gfi.emulators.link import TUNNELING_CLUSTER, TunnelLink
from gfi.emulators.zcl_endpoint import ZclEndpoint
from gfi.errors import UsageError
from gfi.radio.base import HanFrame, JoiningRadio, Radio, SleepyRadio

logger = logging.getLogger(__name__)


@dataclass
class Event:
    """Something that happened on the HAN or in a device (for printing and reports)."""

    kind: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)


EventSink = Callable[[Event], None]
Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Tasks:
    """Background tasks of one device, none of whose failures go unnoticed."""

    def __init__(self, owner: str, on_event: EventSink) -> None:
        self.owner = owner
        self.on_event = on_event
        self.errors: list[BaseException] = []
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            self.errors.append(exc)
            logger.error("%s: %s: %s", self.owner, type(exc).__name__, exc, exc_info=exc)
            self.on_event(Event("error", f"{self.owner}: {type(exc).__name__}: {exc}",
                                {"device": self.owner}))

    async def settle(self) -> None:
        """Wait until no task is running (tasks may spawn tasks)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


class HanNode:
    """See the module docstring. ``gbcs`` is ``None`` for a Type 2 device."""

    def __init__(self, name: str, identity: DeviceIdentity, radio: Radio, *, hub: str,
                 gbcs: GbcsDevice | None = None, now: Clock = utc_now,
                 on_event: EventSink | None = None) -> None:
        self.name = name
        self.identity = identity
        self.radio = radio
        self.hub = hub.upper()
        self.gbcs = gbcs
        self.now = now
        self.on_event: EventSink = on_event or (lambda e: None)
        self.tasks = Tasks(name, self._emit)
        self.zcl = ZclEndpoint(radio, name=name)
        self.tunnel: TunnelLink | None = None
        #: the meter's integrity self-check, for nodes that run one (ESME, GSME)
        self.integrity: SelfCheck | None = None
        radio.set_sink(self.on_frame)

    @property
    def eui64(self) -> str:
        return self.identity.eui64

    def _emit(self, event: Event) -> None:
        self.on_event(event)

    # -- radio ------------------------------------------------------------------------------
    def on_frame(self, frame: HanFrame) -> None:
        if frame.cluster_id == TUNNELING_CLUSTER:
            link = self.link_for(frame.src_eui64)
            if link is None:
                logger.warning("%s: tunnel frame from %s, with which it has no tunnel",
                               self.name, frame.src_eui64)
                return
            self.tasks.spawn(link.feed(frame))
        else:
            self.tasks.spawn(self.zcl.feed(frame))

    def link_for(self, peer: str) -> TunnelLink | None:
        return self.tunnel if self.tunnel is not None and self.tunnel.peer == peer else None

    @property
    def poll(self) -> Callable[[], Coroutine[Any, Any, int]] | None:
        """The radio's MLME-POLL when the device is sleepy."""
        radio = self.radio
        if isinstance(radio, SleepyRadio) and getattr(radio, "sleepy", False):
            return radio.poll
        return None

    async def join(self, timeout: float = 5.0) -> int:
        """Join with the install-code link key; the NWK address the parent gave."""
        if not isinstance(self.radio, JoiningRadio):
            raise TypeError(f"{self.name}: radio {self.radio!r} cannot join")
        result = await self.radio.join(link_key_from_install_code(self.identity.install_code),
                                       timeout=timeout)
        self.on_event(Event("join", f"{self.name} {self.eui64} joined as 0x{result.nwk:04X}",
                            {"device": self.name, "eui64": self.eui64, "nwk": result.nwk}))
        return result.nwk

    async def open_tunnel(self, timeout: float = 5.0) -> None:
        """Request the GBCS tunnel to the Comms Hub (zigbee-han.md §5 step 1)."""
        self.tunnel = TunnelLink(self.radio, self.hub, Role.CLIENT, on_message=self.on_gbcs)
        await self.tunnel.establish(timeout, poll=self.poll)
        self.on_event(Event("tunnel", f"{self.name} tunnel open", {"device": self.name}))

    # -- GBCS -------------------------------------------------------------------------------
    async def on_gbcs(self, message: bytes) -> None:
        """A GBCS message through the tunnel: a command for a Type 1 device."""
        if self.gbcs is None:
            logger.warning("%s (Type 2) got a GBCS message it cannot process", self.name)
            return
        outcome = self.gbcs.process(message, self.now())
        await self.send_gbcs([out.data for out in outcome.messages])
        await self.after_command(outcome)

    async def send_gbcs(self, messages: list[bytes]) -> None:
        if self.tunnel is None:
            raise ConnectionError(f"{self.name} has no tunnel to the Comms Hub")
        for data in messages:
            await self.tunnel.put(data)

    async def after_command(self, outcome: Outcome) -> None:
        """Hook: act on the HAN after a command ran (nothing by default)."""

    def inject_condition(self, condition: object) -> None:
        """Put the emulated device into a condition only a test harness can set (an emulated
        device has no hardware to fail: e.g. a faulty component,
        :class:`~gfi.emulators.integrity.FaultyComponent`). A device that models no such
        condition refuses it."""
        if isinstance(condition, FaultyComponent) and self.integrity is not None:
            self.integrity.inject(condition)  # its self-check will find it
            return
        raise UsageError(f"the emulated {self.name} models no condition {condition!r}")

    # -- state ------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """What survives a restart (the GBCS counters and the models)."""
        if self.gbcs is None:
            return {}
        return {"gbcs": self.gbcs.state(),
                "models": {family.value: model.state()
                           for family, model in self.gbcs.models.items()}}

    async def settle(self) -> None:
        await self.tasks.settle()

    @property
    def errors(self) -> list[BaseException]:
        return self.tasks.errors


def saved_model(state: dict[str, Any] | None, family: PayloadFamily) -> Any:
    """The saved state of a device's ``family`` model (see :meth:`HanNode.state`)."""
    return (state or {}).get("models", {}).get(family.value)


class Type1Node(HanNode):
    """A Type 1 device: SMKI keys and a :class:`GbcsDevice` over its application models;
    every one answers the ASN.1 use cases (CS03/CS04 joins, CS07, CS08) itself."""

    def __init__(self, name: str, identity: DeviceIdentity, radio: Radio, *, hub: str,
                 trust: InMemoryKeyStore, acb: str, now: Clock = utc_now,
                 on_event: EventSink | None = None, state: dict[str, Any] | None = None,
                 models: dict[PayloadFamily, ApplicationModel] | None = None) -> None:
        self.asn1 = Asn1Model(identity, state=saved_model(state, PayloadFamily.ASN1))
        gbcs = GbcsDevice(identity, trust=trust, acb=acb, state=(state or {}).get("gbcs"),
                          models={PayloadFamily.ASN1: self.asn1} | (models or {}))
        super().__init__(name, identity, radio, hub=hub, gbcs=gbcs, now=now,
                         on_event=on_event)
