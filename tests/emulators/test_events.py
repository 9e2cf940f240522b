# SPDX-License-Identifier: GPL-3.0-or-later
"""Device events that raise alerts (emulators/events.py) beyond what the alert Use Cases
show: the billing calendar's dates, an outage too short to report, an image that does not
verify, and the event state a restart keeps."""

from __future__ import annotations

import dataclasses
import datetime as dt

from gfi.clock import SimulatedClock
from gfi.codecs.gbcs.message import GbcsFrame
from gfi.emulators.events import IMAGE_TYPES, MANUFACTURER_CODE, FirmwareImage, ota_header
from gfi.headend import alert_code_of
from gfi.premises import SUPPLIER, Premises

START = dt.datetime(2015, 1, 1, 12, tzinfo=dt.UTC)




def _alerts(p: Premises, code: int) -> list[tuple[str, int | None]]:
    return [(dm.frame.originator, alert_code_of(dm)) for dm in p.head.unclaimed_alerts
            if isinstance(dm.frame, GbcsFrame) and dm.frame.message_code == code]


async def test_billing_calendar_dates(clocked_premises: tuple[Premises, SimulatedClock]) -> None:
    billing = clocked_premises[0].esme.billing
    year = billing.times(START, START.replace(month=12, day=31))
    assert year == [START.replace(month=m) for m in (4, 7, 10)]
    assert billing.next_after(START) == START.replace(month=4)


async def test_a_short_outage_raises_no_alert(
        clocked_premises: tuple[Premises, SimulatedClock]) -> None:
    p, clock = clocked_premises
    p.esme.supply_lost()
    clock.advance(dt.timedelta(minutes=2))
    await p.esme.supply_restored()
    await p.settle()
    assert _alerts(p, 0x0067) == []


async def test_an_image_that_does_not_verify_is_reported_and_not_kept(
        clocked_premises: tuple[Premises, SimulatedClock]) -> None:
    p, _ = clocked_premises
    assert p.hub is not None
    image = FirmwareImage(MANUFACTURER_CODE, IMAGE_TYPES["ESME"], 0x0123ABCF, bytes(100))
    p.hub.ota.offer(p.esme_id, image, requester=SUPPLIER)
    offer = p.hub.ota.offers[p.esme_id]
    p.hub.ota.offers[p.esme_id] = dataclasses.replace(offer, data=offer.data[:-10])
    await p.settle()
    assert _alerts(p, 0x00CE) == [(p.esme_id, 0x8F1C)]  # firmware verification failed
    assert _alerts(p, 0x0128) == [(p.chf_id, 0x8F89)]  # transfer failed: image discarded
    (ccs08,) = [dm for dm in p.head.unclaimed_alerts if dm.frame is not None and
                dm.frame.message_code == 0x0128]
    assert (ccs08.payload or {})["response_code"] == 1
    assert image.image_hash not in p.esme.asn1.images


def test_ota_file_header() -> None:
    image = FirmwareImage(MANUFACTURER_CODE, IMAGE_TYPES["GSME"], 0x01020304, b"abc")
    data = image.ota_file()
    assert ota_header(data) == {"manufacturer_code": MANUFACTURER_CODE,
                                "image_type": IMAGE_TYPES["GSME"],
                                "file_version": 0x01020304, "total_size": len(data)}
    assert ota_header(b"\x00" * 60) is None and image.version == "01020304"


async def test_event_state_survives_a_restart(tmp_path: object) -> None:
    clock = SimulatedClock(START)
    p = Premises(0, now=clock, state_dir=str(tmp_path))
    await p.start()
    p.esme.supply_lost()
    clock.advance(dt.timedelta(minutes=10))
    await p.stop()
    again = Premises(0, now=clock, state_dir=str(tmp_path))
    await again.start()
    assert again.esme.outage.lost == START
    assert again.esme.billing.checked == START
    await again.esme.supply_restored()
    await again.settle()
    assert _alerts(again, 0x0067) == [(again.esme_id, 0x8F36)]
    await again.stop()


def test_calendar_wildcards() -> None:
    from gfi.emulators.cosem.values import calendar_matches

    last_of_month = bytes.fromhex("FFFFFFFEFF")
    assert calendar_matches(last_of_month, dt.date(2015, 2, 28))
    assert not calendar_matches(last_of_month, dt.date(2015, 2, 27))
    assert calendar_matches(bytes.fromhex("FFFFFFFDFF"), dt.date(2016, 2, 28))  # leap year
    assert calendar_matches(bytes.fromhex("FFFF0C19FF"), dt.date(2015, 12, 25))
    assert not calendar_matches(bytes.fromhex("FFFFFFFF06"), dt.date(2015, 12, 25))  # a Friday
