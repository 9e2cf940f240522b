# SPDX-License-Identifier: GPL-3.0-or-later
"""ZigBee Smart Energy on the HAN side: a device's ZCL attribute server (the ESME, GPF and
others publish Metering, Price, Prepayment data to IHDs, PPMIDs and CADs) and the client an
IHD or CAD uses to read it (ZCL §2.5.1 Read Attributes, §2.5.2 Read Attributes Response).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from gfi.codecs.zcl import decode_zcl_frame, encode_zcl_frame
from gfi.emulators.zse import AttributeStore
from gfi.errors import CodecError
from gfi.radio.base import HanFrame, Radio

logger = logging.getLogger(__name__)

READ_ATTRIBUTES = 0x00
READ_ATTRIBUTES_RESPONSE = 0x01
DEFAULT_RESPONSE = 0x0B
UNSUP_CLUSTER = "unsupported_cluster"


def _frame_control(direction: str) -> dict[str, Any]:
    return {"frame_type": "profile_wide", "manufacturer_specific": False,
            "direction": direction, "disable_default_response": True, "reserved": 0}


class ZclAttributeServer:
    """Answers Read Attributes for the clusters it holds stores for; anything else gets a
    Default Response (unsupported cluster / command) — never silence."""

    def __init__(self, radio: Radio, stores: dict[int, AttributeStore]) -> None:
        self.radio = radio
        self.stores = stores

    async def feed(self, frame: HanFrame) -> None:
        try:
            tree = decode_zcl_frame(frame.payload, frame.cluster_id)
        except CodecError as exc:
            logger.info("%s: malformed ZCL frame from %s: %s", self.radio.eui64,
                        frame.src_eui64, exc)
            return
        if tree["frame_control"]["direction"] != "client_to_server":
            return
        store = self.stores.get(frame.cluster_id)
        profile_wide = tree["frame_control"]["frame_type"] == "profile_wide"
        if store is not None and profile_wide and tree["command_id"] == READ_ATTRIBUTES:
            reply = {"frame_control": _frame_control("server_to_client"),
                     "manufacturer_code": None, "sequence_number": tree["sequence_number"],
                     "command_id": READ_ATTRIBUTES_RESPONSE,
                     "payload": {"records": store.read(tree["payload"]["attribute_ids"])}}
        else:
            reply = {"frame_control": _frame_control("server_to_client"),
                     "manufacturer_code": None, "sequence_number": tree["sequence_number"],
                     "command_id": DEFAULT_RESPONSE,
                     "payload": {"command_id": tree["command_id"],
                                 "status": UNSUP_CLUSTER if store is None
                                 else "unsup_general_command"}}
        await self.radio.send(HanFrame(
            dst_eui64=frame.src_eui64, src_ep=frame.dst_ep, dst_ep=frame.src_ep,
            profile_id=frame.profile_id, cluster_id=frame.cluster_id,
            payload=encode_zcl_frame(reply, frame.cluster_id)))


class ZclReader:
    """The client side an IHD or CAD uses: Read Attributes with a timeout."""

    def __init__(self, radio: Radio) -> None:
        self.radio = radio
        self._tsn = 0
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}

    async def read(self, server: str, cluster_id: int, attribute_ids: list[int], *,
                   timeout: float = 5.0) -> dict[int, Any]:
        """attribute id → value (``None`` for unsupported attributes)."""
        self._tsn = (self._tsn + 1) & 0xFF
        tsn = self._tsn
        request = {"frame_control": _frame_control("client_to_server") | {
            "disable_default_response": False}, "manufacturer_code": None,
            "sequence_number": tsn, "command_id": READ_ATTRIBUTES,
            "payload": {"attribute_ids": attribute_ids}}
        future = asyncio.get_running_loop().create_future()
        self._waiting[tsn] = future
        try:
            await self.radio.send(HanFrame(dst_eui64=server, cluster_id=cluster_id,
                                           payload=encode_zcl_frame(request, cluster_id)))
            tree = await asyncio.wait_for(future, timeout)
        finally:
            self._waiting.pop(tsn, None)
        if tree["command_id"] != READ_ATTRIBUTES_RESPONSE:
            raise LookupError(f"{server} refused the read: {tree['payload']}")
        return {r["attribute_id"]: r.get("value") for r in tree["payload"]["records"]}

    def feed(self, frame: HanFrame) -> None:
        try:
            tree = decode_zcl_frame(frame.payload, frame.cluster_id)
        except CodecError as exc:
            logger.info("malformed ZCL answer from %s: %s", frame.src_eui64, exc)
            return
        future = self._waiting.get(tree["sequence_number"])
        if future is not None and not future.done():
            future.set_result(tree)
