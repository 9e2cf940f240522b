# SPDX-License-Identifier: GPL-3.0-or-later
"""The head end against a device core, without a radio: counters, correlation, alerts and
timeouts."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from gfi.codecs.gbcs import build
from gfi.codecs.gbcs.catalogue import DeviceType, PayloadFamily
from gfi.codecs.security.gbcs import Verdict
from gfi.codecs.security.keystore import InMemoryKeyStore, parse_dccboxed_keystore
from gfi.emulators.asn1_model import Asn1Model
from gfi.emulators.device import GbcsDevice
from gfi.emulators.identity import DeviceIdentity
from gfi.headend import ExchangeTimeout, HeadEnd, alert_code_of
from tests.conftest import DCCBOXED_KEYSTORE

SUPPLIER = "90B3D51F30010000"
ESME = "00DB1234567890A0"
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


async def test_send_correlates_and_alerts_arrive() -> None:
    trust = parse_dccboxed_keystore(DCCBOXED_KEYSTORE.read_text())
    ident = DeviceIdentity.create(ESME, DeviceType.ESME, seed="he")
    device = GbcsDevice(ident, trust=trust, acb="90B3D51F30000002",
                        models={PayloadFamily.ASN1: Asn1Model(ident)})
    keys = InMemoryKeyStore()
    keys.merge(trust)
    ident.publish(keys)
    head: HeadEnd

    async def submit(data: bytes) -> None:
        outcome = device.process(data, NOW)
        for message in outcome.messages:  # delivered later, through the loop
            asyncio.get_running_loop().call_soon(head.receive, message.data)

    head = HeadEnd(keys, submit)
    frame = head.command(0x0129, originator=SUPPLIER, recipient=ESME,
                         payload=bytes.fromhex("0500"))
    assert frame.counter == 1000
    response = await head.send(frame, timeout=1)
    assert response is not None and response.mac.verdict is Verdict.VALID
    assert response.payload["firmware_version"] == "0123ABCD"  # type: ignore[index]
    # a replayed command: the device answers with a generic alert, no response
    with pytest.raises(ExchangeTimeout, match="no response"):
        await head.send(frame, timeout=0.05)
    alert = await head.expect_alert(0x1000, timeout=1)
    assert alert_code_of(alert) == 0x8F53 and alert.signature.verdict is Verdict.VALID
    with pytest.raises(ExchangeTimeout, match="no alert"):
        await head.expect_alert(0x1000, timeout=0.05)
    assert head.next_counter(SUPPLIER) == 1001
    assert [e.direction for e in head.events] == ["sent", "received", "sent", "received"]


def test_commands_take_the_counter_in_their_payload() -> None:
    keys = parse_dccboxed_keystore(DCCBOXED_KEYSTORE.read_text())
    DeviceIdentity.create("00DB1234567890A2", DeviceType.CHF, seed="he").publish(keys)
    head = HeadEnd(keys, submit=lambda data: asyncio.sleep(0))
    frame = head.command(0x0002, originator="90B3D51F30000002", recipient="00DB1234567890A2",
                         payload=lambda c: build.ccs02_payload(c, ESME),
                         criticality=build.Criticality.NON_CRITICAL)
    assert frame.counter == 1000 and frame.payload[1:5] == bytes.fromhex("200003E8")
