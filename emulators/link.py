# SPDX-License-Identifier: GPL-3.0-or-later
"""GBCS messages over a radio: one tunnel (gfi.codecs.engines.tunnel) between the Comms Hub
and a device, carried as APS frames on the Tunneling cluster 0x0704 of the Smart Energy
profile (zigbee-han.md §5, steps 0-5).

A :class:`TunnelLink` owns the engine for one peer. Frames received from that peer are fed
to :meth:`TunnelLink.feed`; every GBCS message that completes goes to ``on_message``;
:meth:`put` sends a message (in GBT blocks when it is larger than the peer accepts).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from gfi.codecs.engines.tunnel import (
    NEED_DATA,
    GetRequested,
    GetResponse,
    MessageReceived,
    Role,
    TransferDataRefused,
    TunnelEngine,
    TunnelEstablished,
    TunnelRejected,
    TunnelRequested,
)
from gfi.errors import RemoteProtocolError
from gfi.radio.base import HanFrame, Radio

logger = logging.getLogger(__name__)

TUNNELING_CLUSTER = 0x0704
SMART_ENERGY_PROFILE = 0x0109

MessageHandler = Callable[[bytes], Awaitable[None] | None]
#: (server) The next queued message for a sleepy device and how many remain after it.
QueueSource = Callable[[], tuple[int, bytes | None]]
#: A sleepy device's MLME-POLL: fetch what its parent holds, return how many frames.
Poll = Callable[[], Awaitable[int]]


#: How often a sleepy device polls its parent while it awaits an answer (its "fast poll"
#: rate; a virtual HAN delivers in microseconds, a real one in milliseconds).
FAST_POLL_INTERVAL = 0.005

T = TypeVar("T")


async def await_answer(answer: asyncio.Future[T], what: str, timeout: float,
                       poll: Poll | None = None, *,
                       interval: float = FAST_POLL_INTERVAL) -> T:
    """``answer``'s result within ``timeout`` (else :class:`TimeoutError` saying ``what``).
    With ``poll`` (a sleepy device) the parent is polled every ``interval`` meanwhile, since
    the answer waits there; the wait ends as soon as the answer is in."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not answer.done():
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise TimeoutError(f"{what} within {timeout:g} s")
        if poll is not None:
            await poll()
        await asyncio.wait({answer}, timeout=min(interval, remaining) if poll else remaining)
    return answer.result()


class TunnelLink:
    """One end of the GBCS tunnel between ``radio`` and ``peer``."""

    def __init__(self, radio: Radio, peer: str, role: Role, *,
                 on_message: MessageHandler, local_ep: int = 1, peer_ep: int = 1,
                 tunnel_id: int = 0, queue: QueueSource | None = None) -> None:
        self.radio = radio
        self.peer = peer.upper()
        self.engine = TunnelEngine(role, tunnel_id=tunnel_id)
        self.on_message = on_message
        self.local_ep = local_ep
        self.peer_ep = peer_ep
        self.queue = queue
        self._established: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._get_answer: asyncio.Future[int] | None = None

    async def _transmit(self, payloads: list[bytes]) -> None:
        for payload in payloads:
            await self.radio.send(HanFrame(
                dst_eui64=self.peer, src_ep=self.local_ep, dst_ep=self.peer_ep,
                profile_id=SMART_ENERGY_PROFILE, cluster_id=TUNNELING_CLUSTER,
                payload=payload))

    async def establish(self, timeout: float = 5.0, *, poll: Poll | None = None) -> int:
        """(device) Request the tunnel and await the Comms Hub's acceptance; a sleepy device
        passes its ``poll`` to fetch the answer its parent holds."""
        await self._transmit([self.engine.request_tunnel()])
        return await self._answer(self._established, "RequestTunnelResponse", timeout, poll)

    async def put(self, message: bytes) -> None:
        """Send one GBCS message through the tunnel."""
        await self._transmit(self.engine.put(message))

    async def get(self, poll: Poll, timeout: float = 5.0) -> int:
        """(sleepy device) Ask the Comms Hub for the next queued message and poll until its
        GET-RESPONSE arrives; the message (if any) goes to ``on_message``. Returns how many
        messages remain queued."""
        self._get_answer = asyncio.get_running_loop().create_future()
        try:
            await self._transmit([self.engine.get()])
            return await self._answer(self._get_answer, "GET-RESPONSE", timeout, poll)
        except BaseException:
            self.engine.abandon_get()  # the next wake may GET again
            raise

    async def _answer(self, answer: asyncio.Future[int], what: str, timeout: float,
                      poll: Poll | None) -> int:
        return await await_answer(answer, f"no {what} from {self.peer}", timeout, poll)

    async def feed(self, frame: HanFrame) -> None:
        """A frame from the peer on the Tunneling cluster. A frame that breaks the tunnel
        protocol (corrupted, or out of sequence) is logged with its reason and dropped, and
        the tunnel goes on (:meth:`TunnelEngine.recover`)."""
        try:
            await self._feed(frame)
        except RemoteProtocolError as exc:
            state = self.engine.recover()
            logger.warning("tunnel with %s: dropped a frame that breaks the protocol (%s); "
                           "tunnel %s", self.peer, exc, state.value)

    async def _feed(self, frame: HanFrame) -> None:
        self.engine.receive_data(frame.payload, source=frame.src_eui64)
        while True:
            event = self.engine.next_event()
            if event is NEED_DATA:
                return
            if isinstance(event, TunnelRequested):
                await self._transmit([self.engine.request_tunnel_response()])
                if not self._established.done():
                    self._established.set_result(self.engine.tunnel_id or 0)
            elif isinstance(event, TunnelEstablished):
                if not self._established.done():
                    self._established.set_result(event.tunnel_id)
            elif isinstance(event, TunnelRejected):
                if not self._established.done():
                    self._established.set_exception(ConnectionRefusedError(
                        f"tunnel refused by {self.peer}: status {event.status}"))
            elif isinstance(event, MessageReceived):
                result = self.on_message(event.message)
                if result is not None:
                    await result
            elif isinstance(event, GetRequested):
                remaining, message = self.queue() if self.queue else (0, None)
                await self._transmit([self.engine.get_response(remaining, message)])
            elif isinstance(event, GetResponse):
                if event.message is not None:
                    result = self.on_message(event.message)
                    if result is not None:
                        await result
                if self._get_answer is not None and not self._get_answer.done() and \
                        not event.incomplete:
                    self._get_answer.set_result(event.remaining)
            elif isinstance(event, TransferDataRefused):
                await self._transmit([self.engine.transfer_data_error(event.status)])
            else:
                logger.debug("tunnel %s: %s", self.peer, event)
