# SPDX-License-Identifier: GPL-3.0-or-later
"""The ESME's HAN view (ZigBee SE 1.4 annex D: Metering D.3, Price D.4, Prepayment D.7,
Messaging D.5) follows its COSEM model: after a DLMS set or action (RTDS 4.5.0 vectors or
hand-made access-requests) the next Read Attributes shows the new value; every published
attribute encodes in a Read Attributes Response; unknown attributes are unsupported."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gfi.codecs.gbcs.utrn import decode_utrn
from gfi.codecs.zcl import attribute_def, decode_zcl_frame, encode_zcl_frame
from gfi.emulators.cosem import ESME_PROFILE, ESME_TWIN_PROFILE, CosemServer
from gfi.emulators.cosem.values import (
    arr,
    dl,
    dlu,
    lu,
    octets,
    scaler_unit,
    st,
    time4,
    unsigned,
    utf8,
    visible,
)
from gfi.emulators.esme_han import (
    CREDIT_OK,
    EC_AVAILABLE,
    EC_IN_USE,
    EC_SELECTED,
    LOW_CREDIT,
    MAPPING,
    MESSAGING,
    METERING,
    PREPAYMENT,
    PRICE,
    EsmeZse,
    fit,
    mapping_rows,
)
from gfi.emulators.zcl_endpoint import ZclEndpoint
from gfi.emulators.zse.attributes import type_name
from tests.emulators.test_cosem import (
    NULL,
    RTDS_NOW,
    action,
    command,
    make_ctx,
    outcomes,
    request,
    request_of,
    run,
    set_,
)

ESME = "00DB1234567890A0"
IHD = "00DB1234567890B0"


class Clock:
    """A settable clock for the tariff calendar."""

    def __init__(self, now: datetime = RTDS_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def esme(profile: Any = ESME_PROFILE, now: datetime = RTDS_NOW
         ) -> tuple[CosemServer, EsmeZse, Clock]:
    cosem = CosemServer(profile, utrn_validator=lambda token, ctx: True)
    clock = Clock(now)
    return cosem, EsmeZse(cosem, clock=clock), clock


def values(han: EsmeZse, cluster_id: int, *ids: int) -> dict[int, Any]:
    records = han.stores()[cluster_id].read(list(ids))
    return {r["attribute_id"]: r["value"] for r in records}


def dlms(cosem: CosemServer, spec: dict[str, Any], value: dict[str, Any]) -> None:
    result = cosem.handle(request((spec, value)), make_ctx())
    assert outcomes(result.response)[0][1] == 0, result.response


def frame_round_trip(cluster_id: int, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A Read Attributes Response with ``records``, encoded and decoded back (without the
    names the decoder adds)."""
    frame = {"frame_control": {"frame_type": "profile_wide", "manufacturer_specific": False,
                               "direction": "server_to_client",
                               "disable_default_response": True, "reserved": 0},
             "manufacturer_code": None, "sequence_number": 7, "command_id": 0x01,
             "payload": {"records": records}}
    decoded = decode_zcl_frame(encode_zcl_frame(frame, cluster_id), cluster_id)
    assert decoded["command_id"] == 0x01
    return [{k: v for k, v in r.items() if k != "attribute_name"}
            for r in decoded["payload"]["records"]]


def _publish(payload: dict[str, Any], command_id: int = 0x00) -> dict[str, Any]:
    """A server-to-client cluster command frame (Publish Price, Display Message)."""
    return {"frame_control": {"frame_type": "cluster_specific", "manufacturer_specific": False,
                              "direction": "server_to_client",
                              "disable_default_response": True, "reserved": 0},
            "manufacturer_code": None, "sequence_number": 3, "command_id": command_id,
            "payload": payload}


# ----------------------------------------------------------------------------
# The mapping
# ----------------------------------------------------------------------------
def test_mapping_table_names_registry_attributes_and_cites_se_annex_d() -> None:
    rows = mapping_rows()
    assert len(rows) == sum(len(t) for t in MAPPING.values())
    for row in rows:
        assert row["name"] is not None, row
        assert row["spec"].startswith("SE 1.4 D."), row
        assert row["source"] and row["rule"], row
    assert {r["cluster_id"] for r in rows} == {METERING, PRICE, PREPAYMENT}
    assert MESSAGING not in EsmeZse(CosemServer(ESME_PROFILE)).stores()


def test_default_esme_reads_its_cosem_values() -> None:
    cosem, han, _ = esme()
    metering = values(han, METERING, 0x0000, 0x0001, 0x0014, 0x0020, 0x0300, 0x0301, 0x0302,
                      0x0303, 0x0306, 0x0307, 0x0400)
    assert metering == {
        0x0000: cosem.value("1-0:1.8.0.255", 2)["value"],
        0x0001: cosem.value("1-0:2.8.0.255", 2)["value"],
        0x0014: 0x02,                 # supply switch connected → on
        0x0020: 1,                    # rate 1 all day
        0x0300: 0x00, 0x0301: 1, 0x0302: 1000, 0x0303: 0x33, 0x0306: 0x00,
        0x0307: cosem.value("0-0:94.44.34.11", 2)["value"],
        0x0400: 0,
    }
    price = values(han, PRICE, 0x0300, 0x0301, 0x0410, 0x0611, 0x0613, 0x0615, 0x0616, 0x0617)
    assert price == {0x0300: 0x00, 0x0301: 20000, 0x0410: 1500, 0x0611: 1, 0x0613: 0xFF,
                     0x0615: 0x00, 0x0616: 826, 0x0617: 0x50}
    prepayment = values(han, PREPAYMENT, 0x0000, 0x0001, 0x0002, 0x0003, 0x0005, 0x0010,
                        0x0011, 0x0021, 0x0022, 0x0031, 0x0040)
    assert prepayment == {0x0000: 0x0C97, 0x0001: 250000, 0x0002: 0,
                          0x0003: CREDIT_OK | EC_AVAILABLE, 0x0005: 0, 0x0010: 300000,
                          0x0011: 100000, 0x0021: 5000000, 0x0022: 1000000, 0x0031: 200000,
                          0x0040: 0}


def test_unknown_and_unused_attributes_are_unsupported() -> None:
    _, han, _ = esme()
    records = han.stores()[METERING].read([0x0000, 0x7777, 0x0401])
    assert [r["status"] for r in records] == ["success", "unsupported_attribute",
                                              "unsupported_attribute"]
    assert records[1] == {"attribute_id": 0x7777, "status": "unsupported_attribute",
                          "data_type": None, "value": None}
    # a tier the calendar never selects has no price
    (tier_2,) = han.stores()[PRICE].read([0x0420])
    assert tier_2["status"] == "unsupported_attribute"
    assert frame_round_trip(METERING, records) == records


# ----------------------------------------------------------------------------
# DLMS changes show on the next read
# ----------------------------------------------------------------------------
def test_register_set_shows_on_the_next_read() -> None:
    cosem, han, _ = esme()
    metering = han.stores()[METERING]
    dlms(cosem, set_("1-0:1.8.0.255", 2, 3), dlu(123456))
    dlms(cosem, set_("1-0:2.8.0.255", 2, 3), dlu(789))
    assert values(han, METERING, 0x0000, 0x0001) == {0x0000: 123456, 0x0001: 789}
    assert metering.get(0x0000) == 123456     # the same store object, no rebuild


def test_register_scaler_sets_multiplier_divisor_and_rescales_export() -> None:
    cosem, han, _ = esme()
    dlms(cosem, set_("1-0:1.8.0.255", 3, 3), scaler_unit(1, 30))    # 10 Wh steps
    dlms(cosem, set_("1-0:1.8.0.255", 2, 3), dlu(5000))
    dlms(cosem, set_("1-0:2.8.0.255", 2, 3), dlu(12345))             # scaler 0: Wh
    assert values(han, METERING, 0x0000, 0x0001, 0x0301, 0x0302, 0x0303) == {
        0x0000: 5000, 0x0001: 1234, 0x0301: 1, 0x0302: 100, 0x0303: 0x32}


def test_instantaneous_demand_follows_power_and_fits_int24() -> None:
    cosem, han, _ = esme()
    dlms(cosem, set_("0-0:94.44.34.20", 2, 1), st(dl(-1500), scaler_unit(0, 27)))
    assert values(han, METERING, 0x0400) == {0x0400: -1500}
    dlms(cosem, set_("0-0:94.44.34.20", 2, 1), st(dl(2**31 - 1), scaler_unit(0, 27)))
    assert values(han, METERING, 0x0400) == {0x0400: 2**23 - 1}


def test_supply_switch_state() -> None:
    cosem, han, _ = esme()
    dlms(cosem, action("0-0:96.3.10.255", 1, 70), NULL)     # remote disconnect
    assert values(han, METERING, 0x0014) == {0x0014: 0x00}
    dlms(cosem, action("0-0:96.3.10.255", 2, 70), NULL)     # remote reconnect
    assert values(han, METERING, 0x0014) == {0x0014: 0x02}


def test_cs01a_top_up_raises_credit_remaining() -> None:
    cosem, han, _ = esme()
    before = values(han, PREPAYMENT, 0x0001)[0x0001]
    path = command("CS01a", "SUCCESS")
    assert outcomes(run(cosem, path).response) == [("action", 0)]
    utrn = decode_utrn(bytes.fromhex(request_of(path)["data"][0]["value"]).decode())
    pennies = utrn.value * (100 if utrn.value_class == 1 else 1)
    assert values(han, PREPAYMENT, 0x0001) == {0x0001: before + pennies * 1000}


def test_balance_below_low_credit_and_exhausted() -> None:
    cosem, han, _ = esme()
    dlms(cosem, action("0-0:19.10.0.255", 2, 112), dl(150000))     # set amount to value
    assert values(han, PREPAYMENT, 0x0001, 0x0003) == {
        0x0001: 150000, 0x0003: CREDIT_OK | LOW_CREDIT | EC_AVAILABLE}
    dlms(cosem, action("0-0:19.10.0.255", 2, 112), dl(-2**31))
    status = values(han, PREPAYMENT, 0x0001, 0x0003)
    assert status[0x0001] == -(2**31 - 1)     # clamped short of int32's invalid value
    assert status[0x0003] & 0x40 and not status[0x0003] & CREDIT_OK


def test_ecs09_emergency_credit_activation() -> None:
    cosem, han, _ = esme()
    path = command("ECS09", "SUCCESS")
    assert outcomes(run(cosem, path).response) == [("action", 0)]
    found = values(han, PREPAYMENT, 0x0002, 0x0003)
    assert found[0x0002] == cosem.value("0-0:19.10.1.255", 9)["value"]
    assert found[0x0003] == CREDIT_OK | EC_SELECTED | EC_IN_USE


def test_ecs07_debts() -> None:
    cosem, han, _ = esme()
    path = command("ECS07", "SUCCESS")
    assert all(r == 0 for _, r in outcomes(run(cosem, path).response))
    found = values(han, PREPAYMENT, *range(0x0211, 0x023A))
    assert {a: v for a, v in found.items() if v is not None} == {
        0x0211: 30000, 0x0212: 0x00, 0x0216: 0x01, 0x0217: 30000,          # 0.3 / day
        0x0221: 15000, 0x0222: 0x00, 0x0226: 0x01, 0x0227: 150000,         # 1.5 / day
        0x0231: 50000, 0x0232: 0x01, 0x0236: 0x01, 0x0239: 1000,           # 10.00 %
    }


def test_ecs02_payment_mode_to_credit() -> None:
    cosem, han, _ = esme()
    assert values(han, PREPAYMENT, 0x0000) == {0x0000: 0x0C97}
    path = command("ECS02", "IMMEDIATE_SINGLE_SUCCESS")
    assert all(r == 0 for _, r in outcomes(run(cosem, path).response))
    assert values(han, PREPAYMENT, 0x0000) == {0x0000: 0x0C94}


def test_ecs08_prepayment_configuration() -> None:
    cosem, han, _ = esme()
    dlms(cosem, set_("0-0:94.44.128.9", 4, 9000), dl(300000))
    dlms(cosem, set_("0-0:94.44.128.9", 6, 9000), octets("00" * 9 + "8000FF"))   # now
    assert values(han, PREPAYMENT, 0x0031, 0x0003) == {
        0x0031: 300000, 0x0003: CREDIT_OK | LOW_CREDIT | EC_AVAILABLE}


# ----------------------------------------------------------------------------
# Tariff (ECS01a)
# ----------------------------------------------------------------------------
def test_ecs01a_tou_tariff_sets_tier_and_prices() -> None:
    cosem, han, clock = esme()
    assert han.current_price() is not None
    assert han.current_price()["price"] == 1500      # type: ignore[index]
    path = command("ECS01a", "IMMEDIATE_TOU_SUCCESS")
    assert all(r == 0 for _, r in outcomes(run(cosem, path).response))
    # Thursday 2015-01-01 00:00, winter season, week 01, day 1: rate 2 from 00:00
    assert values(han, METERING, 0x0020, 0x000E) == {0x0020: 2, 0x000E: 0}
    assert values(han, PRICE, 0x0410, 0x0420, 0x0430, 0x0440, 0x0611, 0x0613, 0x0301) == {
        0x0410: 2121, 0x0420: 3127, 0x0430: 4744, 0x0440: None, 0x0611: 3, 0x0613: 0xFF,
        0x0301: 20000}
    price = han.current_price()
    assert price is not None and price["price"] == 3127
    assert price["price_trailing_digit_and_price_tier"] == 0x52
    clock.now = RTDS_NOW + timedelta(hours=8)          # day 1: rate 3 from 07:00
    assert values(han, METERING, 0x0020) == {0x0020: 3}
    assert han.current_price()["price"] == 4744       # type: ignore[index]
    clock.now = datetime(2015, 1, 3, 12, tzinfo=UTC)   # Saturday: day 3, rate 1
    assert values(han, METERING, 0x0020) == {0x0020: 1}
    clock.now = datetime(2015, 12, 25, 12, tzinfo=UTC)   # special day → day 3, rate 1
    assert values(han, METERING, 0x0020) == {0x0020: 1}
    clock.now = datetime(2015, 6, 1, 6, 30, tzinfo=UTC)   # summer Monday: day 2, rate 3
    assert values(han, METERING, 0x0020) == {0x0020: 3}


def test_ecs01a_block_tariff() -> None:
    cosem, han, _ = esme()
    path = command("ECS01a", "IMMEDIATE_BLOCK_SUCCESS")
    assert all(r == 0 for _, r in outcomes(run(cosem, path).response))
    assert values(han, PRICE, 0x0410, 0x0411, 0x0412, 0x0413, 0x0612, 0x0613) == {
        0x0410: 1361, 0x0411: 2289, 0x0412: 5566, 0x0413: 0, 0x0612: 2, 0x0613: 0x02}
    assert values(han, METERING, 0x0020, 0x000E) == {0x0020: 1, 0x000E: 1}
    assert han.current_price()["price"] == 1361      # type: ignore[index]
    # the model accumulates no consumption: put 15 kWh in rate 1's block 1 counter, past
    # the 10 kWh threshold (the counters are read-only to DLMS)
    counters = st(*(arr(*(dlu(15000 if (b, r) == (0, 0) else 0) for r in range(8)))
                    for b in range(4)))
    target = cosem.find("0-0:94.44.34.2")
    assert target is not None
    target.values[2] = counters
    assert values(han, METERING, 0x000E) == {0x000E: 2}
    assert han.current_price()["price"] == 2289      # type: ignore[index]


def test_future_dated_tariff_shows_once_activated() -> None:
    cosem, han, clock = esme()
    path = command("ECS01a", "FUTURE_DATED_TOU_BLOCK_SUCCESS")
    run(cosem, path)
    assert values(han, PRICE, 0x0410) == {0x0410: 1500}
    clock.now = datetime(2030, 1, 15, 9, tzinfo=UTC)      # a winter Tuesday, 09:00
    cosem.tick(clock.now)
    # block rates 1 and 2 (selectors 101, 102) on weekdays, TOU rate 1 at weekends
    assert values(han, PRICE, 0x0410, 0x0411, 0x0420, 0x0421, 0x0611, 0x0612, 0x0613) == {
        0x0410: 2289, 0x0411: 3546, 0x0420: 4002, 0x0421: 6969, 0x0611: 2, 0x0612: 1,
        0x0613: 0x02}
    assert values(han, METERING, 0x0020, 0x000E) == {0x0020: 1, 0x000E: 1}
    assert han.current_price()["price"] == 2289      # type: ignore[index]
    clock.now = datetime(2030, 1, 19, 9, tzinfo=UTC)      # Saturday: TOU rate 1
    assert values(han, METERING, 0x0020, 0x000E) == {0x0020: 1, 0x000E: 0}
    assert han.current_price()["price"] == 2121      # type: ignore[index]


def test_tier_above_15_uses_the_extended_price_fields() -> None:
    cosem, han, _ = esme()
    day = st(unsigned(1), arr(st(time4(0), octets("00000A0064FF"), lu(20))))
    dlms(cosem, set_("0-0:13.0.0.255", 9, 20), arr(day))         # passive day profile
    dlms(cosem, action("0-0:13.0.0.255", 1, 20), NULL)           # activate the calendar
    assert values(han, METERING, 0x0020) == {0x0020: 20}
    assert values(han, PRICE, 0x0513, 0x0410, 0x0611) == {0x0513: 1500, 0x0410: None,
                                                          0x0611: 20}
    price = han.current_price()
    assert price is not None
    assert price["price_trailing_digit_and_price_tier"] == 0x5F
    assert price["extended_price_tier"] == 5 and price["extended_number_of_price_tiers"] == 5
    assert decode_zcl_frame(encode_zcl_frame(_publish(price), PRICE), PRICE)["payload"][
        "extended_register_tier"] == 5


# ----------------------------------------------------------------------------
# Messaging (ECS10)
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("item", [octets(b"Top up soon".hex()), visible("Top up soon"),
                                  utf8("Top up soon")])
def test_ecs10_message_is_the_last_message(item: dict[str, Any]) -> None:
    cosem, han, _ = esme()
    assert han.last_message() is None
    dlms(cosem, set_("0-2:96.13.1.255", 2, 1), item)
    message = han.last_message()
    assert message is not None and message["message"] == "Top up soon"
    decoded = decode_zcl_frame(encode_zcl_frame(_publish(message), MESSAGING), MESSAGING)
    assert decoded["payload"]["message"] == "Top up soon"
    assert decoded["payload"]["message_id"] == message["message_id"]


# ----------------------------------------------------------------------------
# Every exposed attribute encodes
# ----------------------------------------------------------------------------
STATES = [("default", ESME_PROFILE, None), ("twin", ESME_TWIN_PROFILE, None),
          ("tou", ESME_PROFILE, ("ECS01a", "IMMEDIATE_TOU_SUCCESS")),
          ("block", ESME_PROFILE, ("ECS01a", "IMMEDIATE_BLOCK_SUCCESS")),
          ("debt", ESME_PROFILE, ("ECS07", "SUCCESS")),
          ("credit", ESME_PROFILE, ("ECS02", "IMMEDIATE_SINGLE_SUCCESS"))]


@pytest.mark.parametrize("name, profile, vector", STATES, ids=[s[0] for s in STATES])
def test_every_exposed_attribute_encodes(name: str, profile: Any,
                                         vector: tuple[str, str] | None) -> None:
    cosem, han, _ = esme(profile)
    if vector is not None:
        run(cosem, command(*vector))
    for cluster_id, store in han.stores().items():
        ids = sorted(MAPPING[cluster_id])
        records = store.read(ids)
        supported = [r for r in records if r["status"] == "success"]
        assert supported, (name, cluster_id)
        for record in supported:
            found = attribute_def(cluster_id, record["attribute_id"])
            assert found is not None and record["data_type"] == type_name(found.type_id)
        assert frame_round_trip(cluster_id, records) == records
        assert store.ids() == [r["attribute_id"] for r in supported]
    price = han.current_price()
    if price is not None:
        decoded = decode_zcl_frame(encode_zcl_frame(_publish(price), PRICE), PRICE)
        assert decoded["payload"]["price"] == price["price"]


def test_fit_clamps_short_of_invalid_values() -> None:
    assert fit(0x25, 2**60) == 2**48 - 2          # uint48
    assert fit(0x25, -5) == 0
    assert fit(0x2A, -(2**40)) == -(2**23 - 1)     # int24
    assert fit(0x19, 0x1234) == 0x1234             # bitmap16: untouched


# ----------------------------------------------------------------------------
# Over the HAN
# ----------------------------------------------------------------------------
async def test_ihd_reads_live_values_over_the_han() -> None:
    from gfi.radio.virtual import VirtualHan

    cosem, han_view, _ = esme()
    han = VirtualHan("esme-han", require_join=False)
    try:
        esme_radio = han.attach(ESME, coordinator=True)
        ihd = han.attach(IHD)
        server = ZclEndpoint(esme_radio)
        for cluster_id, source in han_view.stores().items():
            server.serve(cluster_id, source)
        reader = ZclEndpoint(ihd)
        tasks: set[asyncio.Task[None]] = set()

        def sink(endpoint: ZclEndpoint):  # type: ignore[no-untyped-def]
            def on_frame(frame):  # type: ignore[no-untyped-def]
                task = asyncio.ensure_future(endpoint.feed(frame))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            return on_frame

        esme_radio.set_sink(sink(server))
        ihd.set_sink(sink(reader))
        before = await reader.read(ESME, PREPAYMENT, [0x0001, 0x7777])
        assert before == {0x0001: 250000, 0x7777: None}
        dlms(cosem, action("0-0:19.10.0.255", 1, 112), dl(1000000))     # update amount
        after = await reader.read(ESME, PREPAYMENT, [0x0001])
        assert after == {0x0001: 1250000}
        await asyncio.gather(*tasks)
        await han.drain(2.0)
    finally:
        await han.close()
