# SPDX-License-Identifier: GPL-3.0-or-later
"""The CHF's sub-GHz radio model (emulators/subghz.py): channel encoding, the scan
assessment, the sub-GHz capacity, the duty cycle — and, on a running premises, that a message
the duty cycle discards is really not delivered, and that nothing changes by default."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from gfi.clock import SimulatedClock
from gfi.codecs.gbcs.message import GbcsFrame
from gfi.emulators.subghz import (
    Channel,
    DutyCycle,
    ScanOutcome,
    SubGhzRadio,
    channels_of,
    discarded_item,
)
from gfi.premises import SUPPLIER, Premises
from gfi.usecases.negatives import COMMANDS

START = dt.datetime(2015, 1, 1, 12, tzinfo=dt.UTC)
P28_0, P28_1, P28_2 = Channel(28, 0), Channel(28, 1), Channel(28, 2)
ALLOWED = channels_of("E0000006") + channels_of("E8000006")


# -- channels and scans -------------------------------------------------------------------
def test_channel_bit_strings() -> None:
    assert Channel.from_bits("E0000001") == P28_0 and P28_0.bits() == "E0000001"
    assert channels_of("E0000006") == [P28_1, P28_2]
    assert channels_of("F8000006") == [Channel(31, 1), Channel(31, 2)]
    with pytest.raises(ValueError):
        Channel.from_bits("E0000006")
    with pytest.raises(ValueError):
        Channel(27, 0)


def test_no_conditions_no_assessment() -> None:
    assert SubGhzRadio().assess(P28_0, ALLOWED) is None


def test_a_quiet_operating_channel_is_kept() -> None:
    radio = SubGhzRadio()
    radio.set_conditions({P28_1: -110.0})
    a = radio.assess(P28_0, ALLOWED)
    assert a is not None and a.outcome is ScanOutcome.KEPT and a.channel == P28_0
    assert a.dbch08_item()["value"] == [{"type": "octet-string", "value": "00"}] * 2


def test_interference_moves_to_the_quietest_allowed_channel() -> None:
    radio = SubGhzRadio()
    radio.set_conditions({P28_0: -60.0, P28_1: -90.0, Channel(29, 2): -105.0})
    a = radio.assess(P28_0, ALLOWED)
    assert a is not None and a.outcome is ScanOutcome.CHANGED and a.channel == Channel(29, 2)
    assert a.dbch07_item()["value"][0] == {"type": "bit-string", "bits": 32,
                                           "value": "E8000004"}
    assert [i["value"] for i in a.dbch08_item()["value"]] == ["01", "02"]


def test_no_channel_better_by_the_agility_margin() -> None:
    radio = SubGhzRadio(agility_margin_db=10.0)
    radio.set_conditions({P28_0: -80.0}, floor_dbm=-86.0)
    a = radio.assess(P28_0, ALLOWED)
    assert a is not None and a.outcome is ScanOutcome.NOT_CHANGED and a.channel == P28_0


# -- capacity ------------------------------------------------------------------------------
def test_capacity() -> None:
    radio = SubGhzRadio(capacity=2)
    assert radio.admit("A") and radio.admit("B") and radio.admit("A")
    assert not radio.admit("C") and radio.devices == ["A", "B"]
    radio.release("A")
    assert radio.admit("C") and radio.uses("C") and not radio.uses("A")


# -- duty cycle ----------------------------------------------------------------------------
def test_duty_cycle_limited_then_discard_then_recovered() -> None:
    dc = DutyCycle(budget=dt.timedelta(milliseconds=100), window=dt.timedelta(minutes=10))
    radio = SubGhzRadio(duty_cycle=dc)
    radio.admit("A")
    assert dc.airtime(250) == dt.timedelta(milliseconds=20)  # 2000 bits at 100 kbit/s
    decisions = [radio.transmit("A", 250, START) for _ in range(5)]
    assert [(d.deliver, d.limited_action) for d in decisions] == [
        (True, False), (True, False), (True, False), (True, True), (True, False)]
    refused = radio.transmit("A", 250, START)
    assert (refused.deliver, refused.limited_action) == (False, False)
    assert radio.usage("A", START) == dc.budget
    later = START + dc.window + dt.timedelta(seconds=1)  # the window rolled on
    assert radio.usage("A", later) == dt.timedelta()
    assert radio.transmit("A", 250, later).deliver


def test_a_message_that_does_not_fit_takes_limited_action_first() -> None:
    radio = SubGhzRadio()
    radio.admit("A")
    radio.book("A", radio.duty_cycle.budget, START)
    d = radio.transmit("A", 100, START)
    assert (d.deliver, d.limited_action) == (False, True)


def test_devices_off_sub_ghz_are_not_counted() -> None:
    radio = SubGhzRadio(duty_cycle=DutyCycle(budget=dt.timedelta()))
    assert radio.transmit("B", 10_000, START).deliver
    assert radio.usage("B", START) == dt.timedelta()


def test_state_round_trip() -> None:
    radio = SubGhzRadio(capacity=3, designated=["A"])
    radio.admit("A")
    radio.set_conditions({P28_0: -70.0})
    radio.book("A", dt.timedelta(seconds=2), START)
    again = SubGhzRadio(state=radio.state())
    assert again.state() == radio.state()
    assert again.usage("A", START) == dt.timedelta(seconds=2)


def test_discarded_item_layout() -> None:
    item = discarded_item(SUPPLIER, "00DB1234567890A0", 1, 1006)
    assert len(bytes.fromhex(item["value"])) == 25
    assert item["value"] == f"{SUPPLIER}00DB1234567890A001{1006:016X}"


# -- on the premises -----------------------------------------------------------------------
@pytest.fixture()
async def premises() -> AsyncIterator[Premises]:
    p = Premises(0, now=SimulatedClock(START))
    await p.start()
    yield p
    await p.stop()
    assert p.errors == []


def _alerts(p: Premises, first: int, last: int) -> list[int]:
    return [e.message.frame.message_code for e in p.head.events
            if e.direction == "received" and isinstance(e.message.frame, GbcsFrame)
            and first <= e.message.frame.message_code <= last]


async def test_by_default_the_hub_has_no_sub_ghz_devices(premises: Premises) -> None:
    assert premises.hub is not None
    assert premises.hub.sub_ghz.devices == [] and premises.hub.sub_ghz.conditions is None
    assert _alerts(premises, 0x0110, 0x0115) == []


async def test_a_discarded_message_is_not_delivered(premises: Premises) -> None:
    hub = premises.hub
    assert hub is not None
    esme = premises.devices["ESME"]
    assert await hub.use_sub_ghz(premises.esme_id)
    hub.sub_ghz.book(premises.esme_id, hub.sub_ghz.duty_cycle.budget, premises.now())
    code, payload = COMMANDS["ESME"]
    frame = premises.head.command(code, originator=SUPPLIER, recipient=premises.esme_id,
                                  payload=payload)
    await premises.head.send(frame, expect_response=False)
    await premises.settle()
    assert esme.last_counters.get(SUPPLIER) != frame.counter
    assert not [e for e in premises.head.events if e.direction == "received" and
                isinstance(e.message.frame, GbcsFrame) and
                e.message.frame.counter == frame.counter]
    assert _alerts(premises, 0x0110, 0x0115) == [0x0110, 0x0114]
    # the window rolls on: the next command gets through and is answered
    assert isinstance(premises.now, SimulatedClock)
    premises.now.set(premises.now() + hub.sub_ghz.duty_cycle.window)
    response = await premises.head.send(premises.head.command(
        code, originator=SUPPLIER, recipient=premises.esme_id, payload=payload))
    assert response is not None and response.ok


async def test_premises_option_puts_devices_on_sub_ghz() -> None:
    p = Premises(0, now=SimulatedClock(START), sub_ghz_devices=["GSME"])
    await p.start()
    try:
        assert p.hub is not None and p.hub.sub_ghz.devices == [p.gsme_id]
        assert _alerts(p, 0x0110, 0x0115) == []
        assert await p.wake_gsme() == 0  # the GSME still gets its traffic
    finally:
        await p.stop()
    assert p.errors == []


async def test_a_sleepy_device_misses_a_discarded_queued_message(premises: Premises) -> None:
    """The GSME fetches its queue: the CHF transmits then, so the duty cycle applies then."""
    hub = premises.hub
    assert hub is not None
    assert await hub.use_sub_ghz(premises.gsme_id)
    code, payload = COMMANDS["GSME"]
    frame = premises.head.command(code, originator=SUPPLIER, recipient=premises.gsme_id,
                                  payload=payload)
    await premises.head.send(frame, expect_response=False)
    await hub.wait_queued(premises.gsme_id)
    hub.sub_ghz.book(premises.gsme_id, hub.sub_ghz.duty_cycle.budget, premises.now())
    assert await premises.wake_gsme() == 0
    await premises.settle()
    assert premises.devices["GSME"].last_counters.get(SUPPLIER) != frame.counter
    assert _alerts(premises, 0x0110, 0x0115) == [0x0110, 0x0114]
