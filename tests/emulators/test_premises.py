# SPDX-License-Identifier: GPL-3.0-or-later
"""A premises end to end on the virtual HAN: CCS01 provisioning with its CS14 alert, joins
through the CHF device log, an ESME read through the tunnel and a GSME read through the
GPF queue."""

from __future__ import annotations

import asyncio
import datetime as dt

from gfi.codecs.gbcs import build
from gfi.codecs.security.gbcs import Verdict
from gfi.headend import alert_code_of
from gfi.premises import Premises

NOW = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
SUPPLIER = "90B3D51F30010000"


async def test_premises_exchanges() -> None:
    events = []
    p = Premises(0, now=lambda: NOW, on_event=events.append)
    try:
        await p.start()
        cs14 = await p.head.expect_alert(0x0018, timeout=2)
        assert alert_code_of(cs14) == 0x8F12 and cs14.mac.verdict is Verdict.VALID
        assert [e.kind for e in events].count("join") == 3
        shown = await p.display_reading("IHD")
        assert shown[0x0302] == 1000
        esme = await p.head.send(p.head.command(
            0x0027, originator=SUPPLIER, recipient=p.esme_id,
            payload=lambda c: build.ecs17b_payload(c, SUPPLIER, p.esme_id)), timeout=5)
        assert esme is not None and esme.decrypted is True and esme.mac.verdict is Verdict.VALID
        pending = asyncio.ensure_future(p.head.send(p.head.command(
            0x00B8, originator=SUPPLIER, recipient=p.gsme_id,
            payload=build.gcs13b_payload()), timeout=5))
        await asyncio.sleep(0)
        assert await p.wake_gsme() == 1
        gsme = await pending
        assert gsme is not None and gsme.decrypted is True
    finally:
        await p.stop()
