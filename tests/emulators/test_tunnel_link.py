# SPDX-License-Identifier: GPL-3.0-or-later
"""One GBCS exchange end to end on the virtual HAN: the ESME joins with its install-code
link key (admitted only because it is on the device log), opens the tunnel, and answers a
register read and a sensitive (encrypted) read from the head end with real COSEM state."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from gfi.codecs.engines.tunnel import Role
from gfi.codecs.gbcs import build
from gfi.codecs.gbcs.catalogue import DeviceType, PayloadFamily
from gfi.codecs.security.gbcs import Verdict
from gfi.codecs.security.install_code import link_key_from_install_code
from gfi.codecs.security.keystore import InMemoryKeyStore, parse_dccboxed_keystore
from gfi.emulators.cosem import ESME_PROFILE, CosemServer
from gfi.emulators.device import GbcsDevice
from gfi.emulators.identity import DeviceIdentity
from gfi.emulators.link import TunnelLink
from gfi.headend import HeadEnd
from gfi.radio.base import AdmissionDecision, JoinFailed, JoinRequest
from gfi.radio.virtual import VirtualHan
from tests.conftest import DCCBOXED_KEYSTORE

CH = "00DB1234567890A3"
ESME = "00DB1234567890A0"
SUPPLIER = "90B3D51F30010000"
NOW = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)


def _sink(link: TunnelLink, tasks: set[asyncio.Task[None]]):  # type: ignore[no-untyped-def]
    """A radio sink that feeds ``link`` from the event loop, keeping the tasks to await."""
    def on_frame(frame):  # type: ignore[no-untyped-def]
        task = asyncio.ensure_future(link.feed(frame))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    return on_frame


async def test_esme_exchange_over_the_virtual_han() -> None:
    trust = parse_dccboxed_keystore(DCCBOXED_KEYSTORE.read_text())
    ident = DeviceIdentity.create(ESME, DeviceType.ESME, seed="link")
    device = GbcsDevice(ident, trust=trust, acb="90B3D51F30000002",
                        models={PayloadFamily.DLMS: CosemServer(ESME_PROFILE)})
    device_log = {ESME: ident.install_code}

    def admission(request: JoinRequest) -> AdmissionDecision:
        code = device_log.get(request.eui64)
        if code is None:
            return AdmissionDecision.refuse("not on the CHF device log")
        return AdmissionDecision.admit(link_key_from_install_code(code))

    head_keys = InMemoryKeyStore()
    head_keys.merge(trust)
    ident.publish(head_keys)
    han = VirtualHan("premises-1")
    try:
        ch_radio = han.attach(CH, coordinator=True)
        ch_radio.set_admission(admission)
        ch_radio.permit_joining(60)
        esme_radio = han.attach(ESME)
        await esme_radio.join(link_key_from_install_code(ident.install_code), timeout=2)
        stranger = han.attach("00DB1234567890FF")
        with pytest.raises(JoinFailed, match="refused"):
            await stranger.join(bytes(16), timeout=2)

        head: HeadEnd
        ch_link = TunnelLink(ch_radio, ESME, Role.SERVER,
                             on_message=lambda m: head.receive(m, source=ESME) and None)

        async def on_command(message: bytes) -> None:
            for out in device.process(message, NOW).messages:
                await esme_link.put(out.data)

        esme_link = TunnelLink(esme_radio, CH, Role.CLIENT, on_message=on_command)
        tasks: set[asyncio.Task[None]] = set()
        ch_radio.set_sink(_sink(ch_link, tasks))
        esme_radio.set_sink(_sink(esme_link, tasks))
        await esme_link.establish()
        head = HeadEnd(head_keys, submit=ch_link.put)

        from gfi.codecs.dlms import dlms_invoke_id, encode_dlms_payload

        def read(counter: int) -> bytes:
            return encode_dlms_payload({
                "apdu": "access-request", "invoke_id": dlms_invoke_id(counter),
                "date_time": "",
                "specs": [{"choice": "get", "descriptor": {
                    "class_id": 3, "obis": "1-0:2.8.0.255", "attribute_id": 2}}],
                "data": [{"type": "null-data"}]})

        response = await head.send(head.command(0x0026, originator=SUPPLIER, recipient=ESME,
                                                payload=read), timeout=5)
        assert response is not None and response.mac.verdict is Verdict.VALID
        assert response.payload["results"][0]["result"] == 0  # type: ignore[index]

        sensitive = await head.send(head.command(
            0x0027, originator=SUPPLIER, recipient=ESME,
            payload=lambda c: build.ecs17b_payload(c, SUPPLIER, ESME)), timeout=5)
        assert sensitive is not None and sensitive.decrypted is True
        await asyncio.gather(*tasks)
        await han.drain(2.0)
    finally:
        await han.close()


async def test_sleepy_gsme_fetches_its_queued_command() -> None:
    """The head end's GCS13b goes into the Comms Hub's queue for the sleepy GSME; the GSME
    wakes, GETs it, answers with an encrypted read through a PUT."""
    from gfi.emulators.zse import GSME_PROFILE, GbzServer

    gsme_id = "00DB1234567890A1"
    trust = parse_dccboxed_keystore(DCCBOXED_KEYSTORE.read_text())
    ident = DeviceIdentity.create(gsme_id, DeviceType.GSME, seed="link")
    device = GbcsDevice(ident, trust=trust, acb="90B3D51F30000002",
                        models={PayloadFamily.GBZ: GbzServer(GSME_PROFILE)})
    head_keys = InMemoryKeyStore()
    head_keys.merge(trust)
    ident.publish(head_keys)
    han = VirtualHan("premises-2", require_join=False)
    queue: list[bytes] = []
    try:
        ch_radio = han.attach(CH, coordinator=True)
        gsme_radio = han.attach(gsme_id, sleepy=True)
        head: HeadEnd
        ch_link = TunnelLink(ch_radio, gsme_id, Role.SERVER,
                             on_message=lambda m: head.receive(m, source=gsme_id) and None,
                             queue=lambda: (max(len(queue) - 1, 0),
                                            queue.pop(0) if queue else None))

        async def on_command(message: bytes) -> None:
            for out in device.process(message, NOW).messages:
                await gsme_link.put(out.data)

        gsme_link = TunnelLink(gsme_radio, CH, Role.CLIENT, on_message=on_command)
        tasks: set[asyncio.Task[None]] = set()
        ch_radio.set_sink(_sink(ch_link, tasks))
        gsme_radio.set_sink(_sink(gsme_link, tasks))
        # the response waits at the parent for the sleepy GSME's poll
        await gsme_link.establish(poll=gsme_radio.poll)

        async def enqueue(data: bytes) -> None:
            queue.append(data)

        head = HeadEnd(head_keys, submit=enqueue)
        pending = asyncio.ensure_future(head.send(head.command(
            0x00B8, originator=SUPPLIER, recipient=gsme_id,
            payload=build.gcs13b_payload()), timeout=5))
        await asyncio.sleep(0)
        assert len(queue) == 1
        remaining = await gsme_link.get(gsme_radio.poll)
        assert remaining == 0 and queue == []
        response = await pending
        assert response is not None and response.mac.verdict is Verdict.VALID
        assert response.decrypted is True
        assert await gsme_link.get(gsme_radio.poll) == 0  # nothing more queued
        await asyncio.gather(*tasks)
        await han.drain(2.0)
    finally:
        await han.close()
