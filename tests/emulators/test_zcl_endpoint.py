# SPDX-License-Identifier: GPL-3.0-or-later
"""ZCL on a device endpoint over the virtual HAN: Read Attributes served from a source,
requests nobody handles answered with the right Default Response (never silence), command
handlers and their default SUCCESS, whole-cluster engines, and malformed frames."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from gfi.emulators.zcl_endpoint import (
    TO_CLIENT,
    ZclCommand,
    ZclEndpoint,
    ZclRefused,
)
from gfi.emulators.zse import AttributeStore
from gfi.radio.base import HanFrame
from gfi.radio.virtual import VirtualHan

ESME = "00DB1234567890A0"
IHD = "00DB1234567890B0"
METERING, PRICE, MESSAGING = 0x0702, 0x0700, 0x0703


class Pair:
    def __init__(self, han: VirtualHan) -> None:
        self.han = han
        self.server = ZclEndpoint(han.attach(ESME, coordinator=True), name="server")
        self.client = ZclEndpoint(han.attach(IHD), name="client")
        self.tasks: set[asyncio.Task[None]] = set()
        for endpoint in (self.server, self.client):
            endpoint.radio.set_sink(self._sink(endpoint))

    def _sink(self, endpoint: ZclEndpoint):  # type: ignore[no-untyped-def]
        def on_frame(frame: HanFrame) -> None:
            task = asyncio.ensure_future(endpoint.feed(frame))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        return on_frame


@pytest.fixture()
async def pair() -> AsyncIterator[Pair]:
    han = VirtualHan("zcl", require_join=False)
    try:
        p = Pair(han)
        p.server.serve(METERING, AttributeStore(
            METERING, {0x0000: 123456, 0x0300: 0, 0x0301: 1, 0x0302: 1000}))
        yield p
        await asyncio.gather(*p.tasks)
        await han.drain(2.0)
    finally:
        await han.close()


async def test_read_attributes(pair: Pair) -> None:
    values = await pair.client.read(ESME, METERING, [0x0000, 0x0302, 0x7777])
    assert values == {0x0000: 123456, 0x0302: 1000, 0x7777: None}


async def test_unserved_cluster_gets_unsupported_cluster(pair: Pair) -> None:
    with pytest.raises(ZclRefused, match="unsupported_cluster"):
        await pair.client.read(ESME, PRICE, [0x0000])


async def test_unhandled_command_gets_unsup_cluster_command(pair: Pair) -> None:
    with pytest.raises(ZclRefused, match="unsup_cluster_command"):
        await pair.client.request(ESME, METERING, ZclCommand(0x00, {
            "interval_channel": 0, "end_time": 0, "number_of_periods": 1}))


async def test_handler_answers_and_default_success(pair: Pair) -> None:
    seen: list[int] = []

    def confirm(frame: HanFrame, tree: dict) -> None:  # type: ignore[type-arg]
        seen.append(tree["payload"]["message_id"])

    pair.server.on_command(MESSAGING, 0x01, confirm)  # Message Confirmation
    answer = await pair.client.request(ESME, MESSAGING, ZclCommand(0x01, {
        "message_id": 7, "confirmation_time": 0, "message_confirmation_control": None,
        "message_response": None}))
    assert seen == [7]
    assert answer["command_id"] == 0x0B and answer["payload"]["status"] == "success"


async def test_engine_gets_the_whole_cluster(pair: Pair) -> None:
    def engine(frame: HanFrame, tree: dict) -> list[dict]:  # type: ignore[type-arg]
        return [{"frame_control": {"frame_type": "profile_wide", "manufacturer_specific": False,
                                   "direction": "server_to_client",
                                   "disable_default_response": True, "reserved": 0},
                 "manufacturer_code": None, "sequence_number": tree["sequence_number"],
                 "command_id": 0x0B, "payload": {"command_id": tree["command_id"],
                                                 "status": "not_authorized"}}]

    pair.server.attach_engine(PRICE, engine)
    with pytest.raises(ZclRefused, match="not_authorized"):
        await pair.client.read(ESME, PRICE, [0x0000])


async def test_no_answer_times_out_clearly(pair: Pair) -> None:
    pair.server.on_command(MESSAGING, 0x00, lambda f, t: [])
    pair.server.radio.set_sink(None)  # the server hears nothing
    with pytest.raises(TimeoutError, match="no answer from 00DB1234567890A0"):
        await pair.client.read(ESME, METERING, [0x0000], timeout=0.2)


async def test_malformed_frame_is_logged_not_answered(
        pair: Pair, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        await pair.server.feed(HanFrame(src_eui64=IHD, dst_eui64=ESME, cluster_id=METERING,
                                        payload=b"\x00"))
    assert "malformed ZCL frame from 00DB1234567890B0" in caplog.text


async def test_unexpected_answer_is_logged(pair: Pair, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        await pair.client.send(ESME, METERING, ZclCommand(
            0x0B, {"command_id": 0, "status": "success"}, cluster_specific=False),
            direction=TO_CLIENT)
        await asyncio.gather(*pair.tasks)
        await pair.han.drain(1.0)
        await asyncio.gather(*pair.tasks)
    assert "unexpected ZCL answer" in caplog.text
