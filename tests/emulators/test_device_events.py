# SPDX-License-Identifier: GPL-3.0-or-later
"""A device's own condition and controls as alert sources, beyond what the Use Cases of
usecases/alerts_device.py show: the meters' integrity self-check (emulators/integrity.py:
when it runs, what it reports, once), the ESME's ALCS/APC controls (emulators/apc.py: when
they begin and end, what each alert carries, to whom) and the PPMID's OTA client and CS09."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest

from gfi.clock import SimulatedClock
from gfi.codecs.gbcs.decoder import DecodedMessage, decode_message
from gfi.codecs.gbcs.message import GbcsFrame
from gfi.codecs.security.gbcs import Verdict
from gfi.emulators.apc import ApcControl, apc_state_obis
from gfi.emulators.cosem.values import NEVER_OCTETS, NOW_OCTETS, datetime_octets, lu, octets
from gfi.emulators.device import Outgoing
from gfi.emulators.events import IMAGE_TYPES, MANUFACTURER_CODE, FirmwareImage
from gfi.emulators.integrity import FaultyComponent, SelfCheck
from gfi.emulators.model import HandleContext, HandleResult
from gfi.errors import UsageError
from gfi.headend import alert_code_of
from gfi.premises import ACB, SUPPLIER, Premises

START = dt.datetime(2015, 1, 1, 12, tzinfo=dt.UTC)
LOAD_CONTROLLER = "90B3D51F30010008"




def _alerts(p: Premises, code: int) -> list[DecodedMessage]:
    return [dm for dm in p.head.unclaimed_alerts
            if isinstance(dm.frame, GbcsFrame) and dm.frame.message_code == code]


def _items(out: Outgoing) -> list[Any]:
    dm = decode_message(out.data)
    return [item.get("value") for item in (dm.payload or {})["body"]["value"]]


# ----------------------------------------------------------------------------
# Integrity self-check
# ----------------------------------------------------------------------------
async def test_no_injected_fault_no_integrity_alert(
        clocked_premises: tuple[Premises, SimulatedClock]) -> None:
    p, clock = clocked_premises
    p.esme.supply_lost()
    await p.esme.supply_restored()
    await p.gsme.restart()
    clock.set(START + dt.timedelta(days=3))
    await p.tick()
    assert _alerts(p, 0x00F0) == [] and _alerts(p, 0x00F2) == []


async def test_esme_power_up_check_reports_a_faulty_component_once(
        clocked_premises: tuple[Premises, SimulatedClock]) -> None:
    p, _ = clocked_premises

    async def power_cycle() -> list[DecodedMessage]:
        p.esme.supply_lost()
        await p.esme.supply_restored()
        await p.settle()
        return [dm for dm in _alerts(p, 0x00F0) if dm.frame is not None and
                dm.frame.counter > seen]

    seen = 0
    p.esme.inject_condition(FaultyComponent(4))  # RAM
    (dm,) = await power_cycle()
    assert alert_code_of(dm) == 0x81A0 and dm.payload is not None
    assert dm.payload["body"]["value"][2]["value"] == "0004"
    # non-critical: MAC'd by the ESME for the supplier, not signed
    assert dm.mac.verdict is Verdict.VALID and not dm.frame.signature  # type: ignore[union-attr]
    assert dm.frame.recipient == SUPPLIER and dm.frame.originator == p.esme_id  # type: ignore[union-attr]
    seen = dm.frame.counter  # type: ignore[union-attr]
    assert await power_cycle() == []  # already reported
    p.esme.inject_condition(FaultyComponent(4, faulty=False))
    assert await power_cycle() == []  # healthy again
    p.esme.inject_condition(FaultyComponent(4))
    p.esme.inject_condition(FaultyComponent(6))
    found = await power_cycle()
    assert [d.payload["body"]["value"][2]["value"] for d in found  # type: ignore[index]
            ] == ["0004", "0006"]


@pytest.mark.parametrize("device", ["ESME", "GSME"])
async def test_periodic_check_runs_daily_at_midnight(
        clocked_premises: tuple[Premises, SimulatedClock], device: str) -> None:
    p, clock = clocked_premises
    node = p.esme if device == "ESME" else p.gsme
    code = 0x00F0 if device == "ESME" else 0x00F2
    assert node.integrity.next_check == dt.datetime(2015, 1, 2, tzinfo=dt.UTC)
    node.inject_condition(FaultyComponent(8))
    clock.set(dt.datetime(2015, 1, 1, 23, 59, tzinfo=dt.UTC))
    await p.tick()
    assert _alerts(p, code) == []
    clock.set(dt.datetime(2015, 1, 2, 0, 0, 1, tzinfo=dt.UTC))
    await p.tick()
    (dm,) = _alerts(p, code)
    assert node.integrity.next_check == dt.datetime(2015, 1, 3, tzinfo=dt.UTC)
    assert alert_code_of(dm) == 0x81A0 and dm.mac.verdict is Verdict.VALID
    p_ = dm.payload or {}
    assert (p_.get("integrity_code") if device == "GSME" else
            p_["body"]["value"][2]["value"]) in (8, "0008")


def test_self_check_state_and_conditions() -> None:
    check = SelfCheck(gbz=True, now=START)
    check.inject(FaultyComponent(2))
    again = SelfCheck(gbz=True, now=START + dt.timedelta(days=9), state=check.state())
    assert again.state() == check.state() and again.faulty == {2}
    with pytest.raises(UsageError):
        FaultyComponent(10)
    assert str(FaultyComponent(7)) == \
        "component 7 (metrology firmware verification failure) faulty"


async def test_a_device_without_the_condition_refuses_it(
        clocked_premises: tuple[Premises, SimulatedClock]) -> None:
    p, _ = clocked_premises
    with pytest.raises(UsageError):
        p.nodes["IHD"].inject_condition(FaultyComponent(1))
    with pytest.raises(UsageError):
        p.esme.inject_condition("a cold day")


# ----------------------------------------------------------------------------
# ALCS / APC controls
# ----------------------------------------------------------------------------
def _control(apc: ApcControl, selector: int, start: str, end: str, *, ok: bool = True,
             requester: str = SUPPLIER, counter: int = 1000, message_code: int = 0x011E,
             **ctx: Any) -> None:
    """What ECS47a does: set a period on 94.44.121.1/.2, run an ALCS control script."""
    request = {"specs": [
        {"choice": "set", "descriptor": {"class_id": 1, "obis": "0-0:94.44.121.1",
                                         "attribute_id": 2}},
        {"choice": "set", "descriptor": {"class_id": 1, "obis": "0-0:94.44.121.2",
                                         "attribute_id": 2}},
        {"choice": "action", "descriptor": {"class_id": 9, "obis": "0-0:10.0.103.255",
                                            "method_id": 1}}],
        "data": [octets(start), octets(end), lu(selector)]}
    result = HandleResult({"results": [{"result": 0}, {"result": 0},
                                       {"result": 0 if ok else 1}]})
    apc.observe(request, result, HandleContext(START, message_code, requester, 2, counter,
                                               **ctx))


async def test_a_control_period_begins_and_ends(
        clocked_premises: tuple[Premises, SimulatedClock]) -> None:
    p, _ = clocked_premises
    apc, device = p.esme.apc, p.esme.gbcs
    assert device is not None
    begins, ends = START + dt.timedelta(hours=2), START + dt.timedelta(hours=3)
    _control(apc, 0x2342, datetime_octets(begins), datetime_octets(ends))
    assert apc(device, START) == [] and apc.level(0x23) == 0
    out = apc(device, begins)
    assert [o.message_code for o in out] == [0x0121, 0x0122]
    assert _items(out[0])[2:] == [0x23, datetime_octets(begins), datetime_octets(ends), 0x42]
    assert _items(out[1])[2:] == [0x23, 0x42] and apc.level(0x23) == 0x42
    text = p.esme.cosem.value(apc_state_obis(3), 2)["value"]
    assert json.loads(text) == {"outputState": "100", "inputState": "66"}
    assert all(o.recipient == SUPPLIER for o in out)
    out = apc(device, ends)
    assert [o.message_code for o in out] == [0x0122, 0x0120]
    assert _items(out[0])[2:] == [0x23, 0] and apc.level(0x23) == 0
    assert _items(out[1])[2] == "011E" + f"{1000:016X}" and out[1].recipient == SUPPLIER
    assert apc(device, ends + dt.timedelta(days=1)) == [] and apc.controls == []


async def test_controls_that_do_not_start(
        clocked_premises: tuple[Premises, SimulatedClock]) -> None:
    p, _ = clocked_premises
    apc = p.esme.apc
    _control(apc, 0x1164, NOW_OCTETS, NEVER_OCTETS, ok=False)  # the script failed
    _control(apc, 0x3164, NOW_OCTETS, NEVER_OCTETS)  # 0x31: no such channel
    assert apc.controls == []


async def test_an_open_ended_control_and_a_superseding_one(
        clocked_premises: tuple[Premises, SimulatedClock]) -> None:
    p, _ = clocked_premises
    apc, device = p.esme.apc, p.esme.gbcs
    assert device is not None
    _control(apc, 0x1232, NOW_OCTETS, NEVER_OCTETS)
    out = apc(device, START)
    assert [o.message_code for o in out] == [0x0121, 0x0122]
    assert _items(out[0])[3:5] == [datetime_octets(START), NEVER_OCTETS]
    later = START + dt.timedelta(minutes=5)
    _control(apc, 0x1250, NOW_OCTETS, datetime_octets(later + dt.timedelta(minutes=5)),
             counter=1001)
    out = apc(device, later)
    assert [o.message_code for o in out] == [0x0121, 0x0122] and len(apc.controls) == 1
    out = apc(device, later + dt.timedelta(minutes=5))
    assert [o.message_code for o in out] == [0x0122, 0x0120]
    assert _items(out[0])[2:] == [0x12, 0]  # back to the level before the first control
    again = ApcControl(p.esme.cosem, apc.state())
    assert again.state() == apc.state()


async def test_another_partys_control_is_told_to_the_supplier(
        clocked_premises: tuple[Premises, SimulatedClock]) -> None:
    p, _ = clocked_premises
    apc, device = p.esme.apc, p.esme.gbcs
    assert device is not None
    _control(apc, 0x1264, NOW_OCTETS, NEVER_OCTETS, requester=LOAD_CONTROLLER,
             message_code=0x011F)
    ecs200 = [o for o in apc(device, START) if o.message_code == 0x0123]
    assert len(ecs200) == 1 and ecs200[0].recipient == SUPPLIER
    frame = decode_message(ecs200[0].data).frame
    assert isinstance(frame, GbcsFrame)
    assert frame.other_information.supplementary_remote_party_id == LOAD_CONTROLLER
    assert json.loads(_items(ecs200[0])[2]) == {"outputState": "100", "inputState": "0"}
    # the supplier's own control, or the ACB's on its behalf: no ECS200
    _control(apc, 0x1200, NOW_OCTETS, NEVER_OCTETS, counter=1001)
    _control(apc, 0x2264, NOW_OCTETS, datetime_octets(START + dt.timedelta(minutes=1)),
             requester=ACB, counter=7, supplementary_remote_party=SUPPLIER,
             supplementary_remote_party_counter=55)
    out = apc(device, START)
    assert [o.message_code for o in out] == [0x0121, 0x0122, 0x0121, 0x0122]
    (ended,) = [o for o in apc(device, START + dt.timedelta(minutes=1))
                if o.message_code == 0x0120]
    frame = decode_message(ended.data).frame
    assert isinstance(frame, GbcsFrame) and ended.recipient == ACB
    oi = frame.other_information
    assert (oi.supplementary_remote_party_id, oi.supplementary_remote_party_counter) == \
        (SUPPLIER, 55)


async def test_no_control_no_alert(clocked_premises: tuple[Premises, SimulatedClock]) -> None:
    p, clock = clocked_premises
    clock.set(START + dt.timedelta(days=40))
    await p.tick()
    assert all(_alerts(p, code) == [] for code in (0x0120, 0x0121, 0x0122, 0x0123))


# ----------------------------------------------------------------------------
# PPMID firmware
# ----------------------------------------------------------------------------
async def test_ppmid_applies_an_image_and_reports_its_version(
        clocked_premises: tuple[Premises, SimulatedClock]) -> None:
    p, _ = clocked_premises
    assert p.hub is not None
    image = FirmwareImage(MANUFACTURER_CODE, IMAGE_TYPES["PPMID"], 0x02000001, bytes(90))
    p.hub.ota.offer(p.ids["PPMID"], image, requester=SUPPLIER)
    await p.settle()
    (dm,) = _alerts(p, 0x012B)
    assert dm.frame is not None and dm.frame.originator == p.ids["PPMID"]
    assert dm.signature.verdict is Verdict.VALID and dm.frame.mac is None
    assert (dm.payload or {})["firmware_version"] == "02000001"
    assert (dm.payload or {})["activate_image"] == 0
    assert p.ppmid.asn1.firmware_version == "02000001"
    assert [alert_code_of(a) for a in _alerts(p, 0x0128)] == [0x8F8A]


async def test_ppmid_keeps_its_firmware_when_the_image_does_not_verify(
        clocked_premises: tuple[Premises, SimulatedClock]) -> None:
    p, _ = clocked_premises
    assert p.hub is not None
    before = p.ppmid.asn1.firmware_version
    image = FirmwareImage(MANUFACTURER_CODE, IMAGE_TYPES["PPMID"], 0x02000002, bytes(90))
    p.hub.ota.offer(p.ids["PPMID"], image, requester=SUPPLIER)
    offer = p.hub.ota.offers[p.ids["PPMID"]]
    p.hub.ota.offers[p.ids["PPMID"]] = dataclasses.replace(offer, data=offer.data[:-5])
    await p.settle()
    (dm,) = _alerts(p, 0x012B)
    assert ((dm.payload or {})["firmware_version"], (dm.payload or {})["activate_image"]) == \
        (before, 1)
    assert p.ppmid.asn1.firmware_version == before


async def test_an_image_for_another_kind_of_device_is_not_taken(
        clocked_premises: tuple[Premises, SimulatedClock]) -> None:
    p, _ = clocked_premises
    assert p.hub is not None
    image = FirmwareImage(MANUFACTURER_CODE, IMAGE_TYPES["ESME"], 0x02000003, bytes(90))
    p.hub.ota.offer(p.ids["PPMID"], image, requester=SUPPLIER)
    await p.settle()
    assert _alerts(p, 0x012B) == [] and p.ppmid.asn1.firmware_version == "0123ABCD"
