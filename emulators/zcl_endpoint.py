# SPDX-License-Identifier: GPL-3.0-or-later
"""ZCL on one device endpoint, both sides (ZCL 07-5123 §2.4-2.5; SE 1.4 07-5356 annex D).

As a **server** the endpoint answers Read Attributes from the attribute sources it holds, one
per cluster, and passes cluster-specific commands and attribute reports to the handlers
registered for them. As a **client** it sends requests and awaits the answer that carries
the same transaction sequence number from the same peer.

Nothing is silently dropped: a request nobody handles gets a Default Response naming why
(UNSUPPORTED_CLUSTER, UNSUP_CLUSTER_COMMAND or UNSUP_GENERAL_COMMAND, ZCL §2.5.12.2); a
request handled without a specific answer gets Default Response SUCCESS unless it disabled
it (ZCL §2.5.12.2); a malformed frame or an answer nobody awaits is logged with its source.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from gfi.codecs.zcl import decode_zcl_frame, encode_zcl_frame
from gfi.errors import CodecError
from gfi.radio.base import HanFrame, Radio

logger = logging.getLogger(__name__)

SMART_ENERGY_PROFILE = 0x0109
#: Profile-wide command ids (ZCL §2.5).
READ_ATTRIBUTES = 0x00
READ_ATTRIBUTES_RESPONSE = 0x01
REPORT_ATTRIBUTES = 0x0A
DEFAULT_RESPONSE = 0x0B
#: Frame types and directions as the ZCL codec names them.
PROFILE_WIDE = "profile_wide"
CLUSTER_SPECIFIC = "cluster_specific"
TO_SERVER = "client_to_server"
TO_CLIENT = "server_to_client"


class AttributeSource(Protocol):
    """Anything that answers Read Attributes (AttributeStore, MirrorStore views, live
    views of a device model)."""

    def read(self, attribute_ids: Sequence[int]) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class ZclCommand:
    """A ZCL command to send: the endpoint fills in the frame control and sequence number."""

    command_id: int
    payload: Any
    cluster_specific: bool = True


#: A handler gets the received frame and its decoded tree and returns its answers (none:
#: Default Response SUCCESS when the sender wants one).
Handler = Callable[[HanFrame, dict[str, Any]],
                   Awaitable[list[ZclCommand] | None] | list[ZclCommand] | None]


#: Profile-wide responses: Read/Write Attributes, Configure Reporting and Read Reporting
#: Configuration responses, Default Response, the Discover responses (ZCL §2.5).
_PROFILE_WIDE_RESPONSES = frozenset({0x01, 0x04, 0x07, 0x09, 0x0B, 0x0D, 0x12, 0x14, 0x16})

#: A whole-cluster engine: (frame, decoded tree) → complete reply frame trees.
Engine = Callable[[HanFrame, dict[str, Any]], list[dict[str, Any]]]


class ZclRefused(LookupError):
    """The peer answered a request with a Default Response carrying a failure status."""


def _frame_control(frame_type: str, direction: str, *, disable_default_response: bool
                   ) -> dict[str, Any]:
    return {"frame_type": frame_type, "manufacturer_specific": False, "direction": direction,
            "disable_default_response": disable_default_response, "reserved": 0}


def _opposite(direction: str) -> str:
    return TO_CLIENT if direction == TO_SERVER else TO_SERVER


class ZclEndpoint:
    """See the module docstring. ``name`` labels log lines."""

    def __init__(self, radio: Radio, *, endpoint: int = 1, name: str = "") -> None:
        self.radio = radio
        self.endpoint = endpoint
        self.name = name or radio.eui64
        self.sources: dict[int, AttributeSource] = {}
        self._handlers: dict[tuple[int, str, int, str], Handler] = {}
        self._engines: dict[int, Engine] = {}
        self._tsn = 0
        #: (peer, sequence number) → (future, direction of the awaited answer)
        self._waiting: dict[tuple[str, int], tuple[asyncio.Future[dict[str, Any]], str]] = {}

    # -- configuration ----------------------------------------------------------------------
    def serve(self, cluster_id: int, source: AttributeSource) -> None:
        """Answer Read Attributes on ``cluster_id`` from ``source``."""
        self.sources[cluster_id] = source

    def attach_engine(self, cluster_id: int, engine: Engine) -> None:
        """Give every frame of ``cluster_id`` to ``engine``, which answers with complete
        frame trees (a sans-I/O cluster implementation such as the HCALCS's DRLC client)."""
        self._engines[cluster_id] = engine

    def on_command(self, cluster_id: int, command_id: int, handler: Handler, *,
                   direction: str = TO_SERVER, cluster_specific: bool = True) -> None:
        """Run ``handler`` for this command arriving in ``direction``."""
        kind = CLUSTER_SPECIFIC if cluster_specific else PROFILE_WIDE
        self._handlers[(cluster_id, kind, command_id, direction)] = handler

    # -- client side ------------------------------------------------------------------------
    def _next_tsn(self) -> int:
        self._tsn = (self._tsn + 1) & 0xFF
        return self._tsn

    async def send(self, dst: str, cluster_id: int, command: ZclCommand, *,
                   direction: str = TO_SERVER, tsn: int | None = None,
                   disable_default_response: bool = True, dst_ep: int = 1) -> int:
        """Send one command; returns its transaction sequence number."""
        tsn = self._next_tsn() if tsn is None else tsn
        tree = {"frame_control": _frame_control(
                    CLUSTER_SPECIFIC if command.cluster_specific else PROFILE_WIDE, direction,
                    disable_default_response=disable_default_response),
                "manufacturer_code": None, "sequence_number": tsn,
                "command_id": command.command_id, "payload": command.payload}
        await self.send_frame(dst, cluster_id, tree, dst_ep=dst_ep)
        return tsn

    async def send_frame(self, dst: str, cluster_id: int, tree: Mapping[str, Any], *,
                         dst_ep: int = 1) -> None:
        """Send a complete ZCL frame tree (for engines that build their own frames)."""
        await self.radio.send(HanFrame(
            dst_eui64=dst, src_ep=self.endpoint, dst_ep=dst_ep,
            profile_id=SMART_ENERGY_PROFILE, cluster_id=cluster_id,
            payload=encode_zcl_frame(tree, cluster_id)))

    async def request(self, dst: str, cluster_id: int, command: ZclCommand, *,
                      direction: str = TO_SERVER, timeout: float = 5.0,
                      dst_ep: int = 1) -> dict[str, Any]:
        """Send a command and await the peer's answer (its decoded frame); a Default
        Response with a failure status raises :class:`ZclRefused`."""
        tsn = self._next_tsn()
        key = (dst.upper(), tsn)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[key] = (future, _opposite(direction))
        try:
            await self.send(dst, cluster_id, command, direction=direction, tsn=tsn,
                            disable_default_response=False, dst_ep=dst_ep)
            try:
                tree = await asyncio.wait_for(future, timeout)
            except TimeoutError:
                raise TimeoutError(
                    f"no answer from {dst} to ZCL command 0x{command.command_id:02X} on "
                    f"cluster 0x{cluster_id:04X} within {timeout:g} s") from None
        finally:
            self._waiting.pop(key, None)
        if tree["frame_control"]["frame_type"] == PROFILE_WIDE and \
                tree["command_id"] == DEFAULT_RESPONSE and \
                tree["payload"]["status"] not in ("success", 0):
            raise ZclRefused(f"{dst} refused ZCL command 0x{command.command_id:02X} on "
                             f"cluster 0x{cluster_id:04X}: {tree['payload']['status']}")
        return tree

    async def read(self, dst: str, cluster_id: int, attribute_ids: Sequence[int], *,
                   timeout: float = 5.0, dst_ep: int = 1) -> dict[int, Any]:
        """Read Attributes: attribute id → value (``None`` for an unsupported attribute)."""
        tree = await self.request(dst, cluster_id, ZclCommand(
            READ_ATTRIBUTES, {"attribute_ids": list(attribute_ids)}, cluster_specific=False),
            timeout=timeout, dst_ep=dst_ep)
        if tree["command_id"] != READ_ATTRIBUTES_RESPONSE:
            raise ZclRefused(f"{dst} answered Read Attributes on cluster 0x{cluster_id:04X} "
                             f"with command 0x{tree['command_id']:02X}")
        return {r["attribute_id"]: r.get("value") for r in tree["payload"]["records"]}

    # -- server side ------------------------------------------------------------------------
    async def feed(self, frame: HanFrame) -> None:
        """A frame for this endpoint from the radio."""
        try:
            tree = decode_zcl_frame(frame.payload, frame.cluster_id)
        except CodecError as exc:
            logger.warning("%s: malformed ZCL frame from %s on cluster 0x%04X: %s",
                           self.name, frame.src_eui64, frame.cluster_id, exc)
            return
        fc = tree["frame_control"]
        engine = self._engines.get(frame.cluster_id)
        if engine is not None:
            for reply in engine(frame, tree):
                await self.send_frame(frame.src_eui64, frame.cluster_id, reply,
                                      dst_ep=frame.src_ep)
            return
        waiting = self._waiting.get((frame.src_eui64.upper(), tree["sequence_number"]))
        if waiting is not None and not waiting[0].done() and fc["direction"] == waiting[1] and \
                (fc["frame_type"] == CLUSTER_SPECIFIC or self._is_response(tree)):
            waiting[0].set_result(tree)
            return
        key = (frame.cluster_id, fc["frame_type"], tree["command_id"], fc["direction"])
        handler = self._handlers.get(key)
        answers: list[ZclCommand] | None
        if handler is not None:
            result = handler(frame, tree)
            answers = await result if asyncio.iscoroutine(result) else result  # type: ignore[assignment]
        elif fc["frame_type"] == PROFILE_WIDE and tree["command_id"] == READ_ATTRIBUTES and \
                frame.cluster_id in self.sources:
            records = self.sources[frame.cluster_id].read(tree["payload"]["attribute_ids"])
            answers = [ZclCommand(READ_ATTRIBUTES_RESPONSE, {"records": records},
                                  cluster_specific=False)]
        elif fc["frame_type"] == PROFILE_WIDE and self._is_response(tree):
            logger.info("%s: unexpected ZCL answer 0x%02X from %s on cluster 0x%04X (seq %d)",
                        self.name, tree["command_id"], frame.src_eui64, frame.cluster_id,
                        tree["sequence_number"])
            return
        else:
            status = ("unsupported_cluster" if not self._serves(frame.cluster_id) else
                      "unsup_cluster_command" if fc["frame_type"] == CLUSTER_SPECIFIC else
                      "unsup_general_command")
            logger.info("%s: %s for command 0x%02X from %s on cluster 0x%04X", self.name,
                        status, tree["command_id"], frame.src_eui64, frame.cluster_id)
            answers = [self._default_response(tree, status)]
        if not answers and not fc["disable_default_response"]:
            answers = [self._default_response(tree, "success")]
        for answer in answers or []:
            await self.send(frame.src_eui64, frame.cluster_id, answer,
                            direction=_opposite(fc["direction"]), tsn=tree["sequence_number"],
                            dst_ep=frame.src_ep)

    def _serves(self, cluster_id: int) -> bool:
        # (a cluster with an engine never gets here: feed hands it all its frames)
        return cluster_id in self.sources or any(k[0] == cluster_id for k in self._handlers)

    @staticmethod
    def _is_response(tree: Mapping[str, Any]) -> bool:
        """A profile-wide response (ZCL §2.5): never answered, only awaited. A cluster-specific
        frame is an answer only when its sequence number and direction are awaited."""
        return tree["command_id"] in _PROFILE_WIDE_RESPONSES

    @staticmethod
    def _default_response(tree: Mapping[str, Any], status: str) -> ZclCommand:
        return ZclCommand(DEFAULT_RESPONSE, {"command_id": tree["command_id"],
                                             "status": status}, cluster_specific=False)
