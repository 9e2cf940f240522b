# SPDX-License-Identifier: GPL-3.0-or-later
"""An IHD reads the ESME's Metering attributes over the virtual HAN (ZCL Read Attributes);
an unsupported cluster gets a Default Response, never silence."""

from __future__ import annotations

import asyncio

import pytest

from gfi.emulators.zcl_node import ZclAttributeServer, ZclReader
from gfi.emulators.zse import AttributeStore
from gfi.radio.virtual import VirtualHan

ESME = "00DB1234567890A0"
IHD = "00DB1234567890B0"
METERING = 0x0702


async def test_ihd_reads_esme_metering() -> None:
    han = VirtualHan("ihd", require_join=False)
    try:
        esme = han.attach(ESME, coordinator=True)
        ihd = han.attach(IHD)
        store = AttributeStore(METERING, {0x0000: 123456, 0x0300: 0, 0x0301: 1, 0x0302: 1000})
        server = ZclAttributeServer(esme, {METERING: store})
        reader = ZclReader(ihd)
        tasks: set[asyncio.Task[None]] = set()

        def on_esme(frame):  # type: ignore[no-untyped-def]
            task = asyncio.ensure_future(server.feed(frame))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        esme.set_sink(on_esme)
        ihd.set_sink(reader.feed)
        values = await reader.read(ESME, METERING, [0x0000, 0x0302, 0x7777])
        assert values == {0x0000: 123456, 0x0302: 1000, 0x7777: None}
        with pytest.raises(LookupError, match="unsupported_cluster"):
            await reader.read(ESME, 0x0700, [0x0000])
        await asyncio.gather(*tasks)
        await han.drain(2.0)
    finally:
        await han.close()
