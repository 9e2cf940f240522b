# SPDX-License-Identifier: GPL-3.0-or-later
"""The HCALCS and the ESME's load control (SE 1.4 annex D.2; product.md §4.4-4.5): the DRLC
codec (exact round trips and a hypothesis property), then the ESME COSEM model, the ESME's
DRLC server and the switch end to end, every frame encoded and decoded as on the radio."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gfi.codecs.dlms import decode_dlms_payload, encode_dlms_payload
from gfi.codecs.zcl import (
    CLUSTERS,
    Direction,
    decode_command_payload,
    decode_zcl_frame,
    encode_command_payload,
    encode_zcl_frame,
)
from gfi.codecs.zcl.clusters import DRLC
from gfi.emulators.cosem import ESME_PROFILE, CosemServer
from gfi.emulators.cosem.values import gbcs_seconds
from gfi.emulators.hcalcs import (
    CANCELLED,
    COMPLETED,
    RECEIVED,
    REJECTED,
    REJECTED_EXPIRED,
    REJECTED_INVALID_EFFECTIVE_TIME,
    REJECTED_UNDEFINED_EVENT,
    STARTED,
    SUPERSEDED,
    EsmeLoadControl,
    HcalcsSwitch,
)
from gfi.errors import CodecError
from tests.emulators.test_cosem import RTDS_NOW, action, make_ctx, request

DRLC_ID = 0x0701
NOW = RTDS_NOW
T0 = gbcs_seconds(NOW)


def radio(tree: dict[str, Any]) -> dict[str, Any]:
    """A frame tree as the peer sees it: encoded, sent, decoded."""
    return decode_zcl_frame(encode_zcl_frame(tree, DRLC_ID), DRLC_ID)


def _json(obj: Any) -> Any:
    return json.loads(json.dumps(obj))


# ----------------------------------------------------------------------------
# Codec
# ----------------------------------------------------------------------------
# fmt: off
VECTORS = [
    # Load Control Event: id 1, class 0080, group 0, now, 1440 min, criticality 1, duty 100
    ("19 01 00 01000000 8000 00 00000000 A005 01 FF FF 0080 0080 80 64 00",
     "load_control_event", {"issuer_event_id": 1, "device_class": 0x80, "duty_cycle": 100,
                            "duration_in_minutes": 1440, "cooling_temperature_set_point": -0x8000,
                            "average_load_adjustment_percentage": -0x80}),
    # Cancel Load Control Event, effective now
    ("19 02 01 07000000 8000 00 01 00000000", "cancel_load_control_event",
     {"issuer_event_id": 7, "cancel_control": 1, "effective_time": 0}),
    ("19 03 02 00", "cancel_all_load_control_events", {"cancel_control": 0}),
    # Report Event Status with and without the 42-octet signature
    ("11 04 00 01000000 02 804A371C 01 0080 0080 80 64 00 00" + " FF" * 42,
     "report_event_status", {"event_status": 2, "event_status_time": 0x1C374A80,
                             "signature": "FF" * 42}),
    ("11 05 00 01000000 06 804A371C 01 0080 0080 80 FF 00 00", "report_event_status",
     {"event_status": 6, "duty_cycle_applied": 0xFF, "signature": None}),
    ("01 06 01 00000000 05", "get_scheduled_events",
     {"number_of_events": 5, "issuer_event_id": None}),
    ("01 07 01 00000000 00 FFFFFFFF", "get_scheduled_events", {"issuer_event_id": 0xFFFFFFFF}),
]
# fmt: on


@pytest.mark.parametrize("hex_, name, fields", VECTORS)
def test_drlc_frames_round_trip(hex_: str, name: str, fields: dict[str, Any]) -> None:
    raw = bytes.fromhex(hex_)
    tree = decode_zcl_frame(raw, DRLC_ID)
    assert tree["command_name"] == name
    assert {k: tree["payload"][k] for k in fields} == fields
    assert encode_zcl_frame(_json(tree), DRLC_ID) == raw


def test_drlc_declaration() -> None:
    assert CLUSTERS[DRLC_ID] is DRLC and DRLC.name == "demand_response_and_load_control"
    assert {a.name for a in DRLC.client_attributes.values()} == {
        "utility_enrollment_group", "start_randomization_minutes",
        "duration_randomization_minutes", "device_class_value"}
    assert not DRLC.attributes
    # Read Attributes of the client attributes travel server → client
    tree = decode_zcl_frame(bytes.fromhex("08 09 00 0000 0300"), DRLC_ID)
    assert tree["payload"]["attribute_names"] == ["utility_enrollment_group",
                                                  "device_class_value"]
    with pytest.raises(CodecError):  # a truncated signature
        decode_zcl_frame(bytes.fromhex("11 04 00 01000000 02 804A371C 01 0080 0080 80 64 00 00 FF"),
                         DRLC_ID)


_DRLC_COMMANDS = [(d, c) for d in Direction for c in DRLC.commands(d)]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(_DRLC_COMMANDS), st.binary(max_size=64))
def test_drlc_payloads_are_exact_or_codec_errors(command: tuple[Direction, int],
                                                 data: bytes) -> None:
    direction, command_id = command
    fc = 0x01 | (0x08 if direction is Direction.SERVER_TO_CLIENT else 0)
    try:
        tree = decode_command_payload(DRLC_ID, fc, command_id, data)
    except CodecError:
        return
    assert encode_command_payload(DRLC_ID, fc, command_id, _json(tree)) == data


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=72))
def test_drlc_frames_are_exact_or_codec_errors(data: bytes) -> None:
    try:
        tree = decode_zcl_frame(data, DRLC_ID)
    except CodecError:
        return
    assert encode_zcl_frame(_json(tree), DRLC_ID) == data


_u8, _u16, _u32 = st.integers(0, 0xFF), st.integers(0, 0xFFFF), st.integers(0, 0xFFFFFFFF)
_LCE = st.fixed_dictionaries({
    "issuer_event_id": _u32, "device_class": _u16, "utility_enrollment_group": _u8,
    "start_time": _u32, "duration_in_minutes": _u16, "criticality_level": _u8,
    "cooling_temperature_offset": _u8, "heating_temperature_offset": _u8,
    "cooling_temperature_set_point": st.integers(-0x8000, 0x7FFF),
    "heating_temperature_set_point": st.integers(-0x8000, 0x7FFF),
    "average_load_adjustment_percentage": st.integers(-0x80, 0x7F), "duty_cycle": _u8,
    "event_control": _u8})


@given(_LCE)
def test_load_control_event_trees_round_trip(payload: dict[str, Any]) -> None:
    raw = encode_command_payload(DRLC_ID, 0x09, 0x00, payload)
    assert len(raw) == 23
    assert decode_command_payload(DRLC_ID, 0x09, 0x00, raw) == payload


# ----------------------------------------------------------------------------
# ESME → HCALCS end to end
# ----------------------------------------------------------------------------
def set_switch(server: CosemServer, n: int, on: bool) -> None:
    """ECS47-style: the remote party acts on "ALCS/HCALCS n Switch" (class 70,
    remote_reconnect / remote_disconnect), the DLMS request going through the codec."""
    wire = encode_dlms_payload(request((action(f"0-{n}:96.3.10.255", 2 if on else 1, 70),
                                        {"type": "integer", "value": 0})))
    result = server.handle(decode_dlms_payload(wire), make_ctx())
    assert [r["result"] for r in result.response["results"]] == [0]


def deliver(frames: list[dict[str, Any]], switch: HcalcsSwitch, esme: EsmeLoadControl,
            now: Any = NOW) -> list[dict[str, Any]]:
    """ESME frames → switch over the "radio"; the switch's replies → ESME; the replies."""
    replies = []
    for frame in frames:
        for reply in switch.handle(radio(frame), now=now):
            replies.append(radio(reply))
            esme.on_report(replies[-1])
    return replies


def statuses(replies: list[dict[str, Any]]) -> list[tuple[int, int]]:
    return [(r["payload"]["issuer_event_id"], r["payload"]["event_status"]) for r in replies
            if r["command_name"] == "report_event_status"]


@pytest.fixture
def trio() -> tuple[CosemServer, EsmeLoadControl, HcalcsSwitch]:
    server = CosemServer(ESME_PROFILE)
    return server, EsmeLoadControl(server), HcalcsSwitch()


def test_switch_follows_the_esme_model(trio: tuple[CosemServer, EsmeLoadControl,
                                                   HcalcsSwitch]) -> None:
    server, esme, switch = trio
    assert esme.commands_for(2) == [] and esme.confirmed(2) is None and not switch.on
    set_switch(server, 2, True)
    frames = esme.commands_for(2, now=NOW)
    assert [f["command_name"] for f in frames] == ["load_control_event"]
    assert frames[0]["payload"]["duty_cycle"] == 100
    replies = deliver(frames, switch, esme)
    assert statuses(replies) == [(1, RECEIVED), (1, STARTED)]
    assert all(r["sequence_number"] == frames[0]["sequence_number"] for r in replies)
    assert switch.on and switch.active_event_id == 1 and switch.last_change == NOW
    assert esme.confirmed(2) is True and esme.last_report(2)["event_status"] == STARTED
    assert esme.commands_for(2) == []  # nothing changed since
    assert esme.commands_for(3) == [] and esme.confirmed(3) is None

    later = NOW + timedelta(hours=2)
    set_switch(server, 2, False)
    frames = esme.commands_for(2, now=later)
    assert frames[0]["payload"]["duty_cycle"] == 0
    replies = deliver(frames, switch, esme, later)
    assert statuses(replies) == [(1, SUPERSEDED), (2, RECEIVED), (2, STARTED)]
    assert not switch.on and switch.last_change == later and esme.confirmed(2) is False
    assert [(h["issuer_event_id"], h["event_status"], h["on"]) for h in switch.history] == [
        (1, RECEIVED, False), (1, STARTED, True), (1, SUPERSEDED, True), (2, RECEIVED, True),
        (2, STARTED, False)]


def test_events_run_out_and_are_renewed(trio: tuple[CosemServer, EsmeLoadControl,
                                                    HcalcsSwitch]) -> None:
    server, esme, switch = trio
    set_switch(server, 1, True)
    deliver(esme.commands_for(1, now=NOW), switch, esme)
    assert switch.tick(NOW + timedelta(minutes=1439)) == []
    day = NOW + timedelta(days=1)
    reports = [radio(r) for r in switch.tick(day + timedelta(seconds=5))]
    assert statuses(reports) == [(1, COMPLETED)]
    assert reports[0]["payload"]["event_status_time"] == gbcs_seconds(day)
    assert esme.on_report(reports[0]) == 1 and esme.confirmed(1) is False
    assert not switch.on and switch.active_event_id is None
    assert esme.commands_for(1) == []  # without a clock the ESME cannot tell
    frames = esme.commands_for(1, now=day)
    assert frames[0]["payload"]["issuer_event_id"] == 2
    assert statuses(deliver(frames, switch, esme, day)) == [(2, RECEIVED), (2, STARTED)]
    assert switch.on and esme.confirmed(1) is True


def test_cancel_restores_the_default(trio: tuple[CosemServer, EsmeLoadControl,
                                                 HcalcsSwitch]) -> None:
    server, esme, switch = trio
    assert esme.cancel(4) == []
    set_switch(server, 4, True)
    deliver(esme.commands_for(4, now=NOW), switch, esme)
    frames = esme.cancel(4)
    assert [f["command_name"] for f in frames] == ["cancel_load_control_event"]
    assert statuses(deliver(frames, switch, esme)) == [(1, CANCELLED)]
    assert not switch.on and switch.event is None and esme.confirmed(4) is False
    # the model still wants the load on: the ESME sends it again
    assert statuses(deliver(esme.commands_for(4), switch, esme)) == [(2, RECEIVED), (2, STARTED)]
    # a cancel for an event the switch does not hold
    replies = deliver(frames, switch, esme)
    assert statuses(replies) == [(1, REJECTED_UNDEFINED_EVENT)] and switch.on
    cancel_all = {**frames[0], "command_id": 0x02, "payload": {"cancel_control": 0}}
    assert statuses(deliver([cancel_all], switch, esme)) == [(2, CANCELLED)]
    assert not switch.on
    replies = deliver([cancel_all], switch, esme)
    assert [r["payload"]["status"] for r in replies] == ["success"]


def _event(**changes: Any) -> dict[str, Any]:
    frame = decode_zcl_frame(bytes.fromhex(VECTORS[0][0]), DRLC_ID)
    frame["payload"].update(changes)
    return radio(frame)


def _cancel(event_id: int, effective_time: int) -> dict[str, Any]:
    frame = decode_zcl_frame(bytes.fromhex(VECTORS[1][0]), DRLC_ID)
    frame["payload"].update(issuer_event_id=event_id, effective_time=effective_time)
    return radio(frame)


def _answers(replies: list[dict[str, Any]]) -> list[Any]:
    return [r["payload"]["event_status"] if r["command_name"] == "report_event_status"
            else r["payload"]["status"] for r in map(radio, replies)]


def test_scheduled_events_and_future_cancellation() -> None:
    switch = HcalcsSwitch()
    assert _answers(switch.handle(_event(start_time=T0 + 600, duration_in_minutes=30),
                                  now=NOW)) == [RECEIVED]
    assert not switch.on and switch.active_event_id is None and switch.event is not None
    assert _answers(switch.tick(NOW + timedelta(minutes=10))) == [STARTED]
    assert switch.on and switch.last_change == NOW + timedelta(minutes=10)
    assert _answers(switch.handle(_cancel(1, T0 + 3600), now=NOW)) == [
        REJECTED_INVALID_EFFECTIVE_TIME]
    assert _answers(switch.handle(_cancel(1, T0 + 1200), now=NOW + timedelta(minutes=11))) \
        == ["success"]
    assert _answers(switch.tick(NOW + timedelta(minutes=25))) == [CANCELLED]
    assert not switch.on and switch.last_change == NOW + timedelta(minutes=20)


@pytest.mark.parametrize("changes, answer", [
    ({"duty_cycle": 50}, REJECTED),
    ({"duty_cycle": 0xFF}, REJECTED),
    ({"duration_in_minutes": 1441}, REJECTED),
    ({"duration_in_minutes": 0}, REJECTED),
    ({"start_time": T0 - 3600, "duration_in_minutes": 60}, REJECTED_EXPIRED),
    ({"device_class": 0x0001}, "success"),           # not this switch's device class
    ({"utility_enrollment_group": 3}, "success"),    # nor its enrollment group
])
def test_events_the_switch_does_not_run(changes: dict[str, Any], answer: Any) -> None:
    switch = HcalcsSwitch()
    assert _answers(switch.handle(_event(**changes), now=NOW)) == [answer]
    assert not switch.on and switch.event is None


def test_duplicate_event_and_enrollment_group() -> None:
    switch = HcalcsSwitch(utility_enrollment_group=3)
    assert _answers(switch.handle(_event(utility_enrollment_group=3), now=NOW)) == [RECEIVED,
                                                                                   STARTED]
    assert _answers(switch.handle(_event(), now=NOW)) == ["duplicate_exists"]
    assert switch.on and switch.active_event_id == 1


def _profile_wide(command_id: int, payload: Any, direction: int = 1, manufacturer: bool = False
                  ) -> dict[str, Any]:
    fc = (0x08 if direction else 0) | (0x04 if manufacturer else 0)
    head = bytes([fc]) + (b"\x34\x12" if manufacturer else b"") + bytes([0x42, command_id])
    return decode_zcl_frame(head + payload, DRLC_ID)


def test_attributes_read_and_write() -> None:
    switch = HcalcsSwitch()
    replies = [radio(r) for r in switch.handle(
        _profile_wide(0x00, bytes.fromhex("0000 0300 0400")), now=NOW)]
    assert replies[0]["command_name"] == "read_attributes_response"
    assert replies[0]["frame_control"]["direction"] == "client_to_server"
    assert [(r["attribute_name"], r["status"], r["value"]) for r in replies[0]["payload"]
            ["records"]] == [("utility_enrollment_group", "success", 0),
                             ("device_class_value", "success", 0x80),
                             (None, "unsupported_attribute", None)]
    replies = switch.handle(_profile_wide(0x02, bytes.fromhex("0100 20 0A")), now=NOW)
    assert radio(replies[0])["payload"]["records"] == [{"status": "success",
                                                        "attribute_id": None}]
    assert switch.attributes.get(0x0001) == 10


@pytest.mark.parametrize("tree, status", [
    (_profile_wide(0x0C, bytes.fromhex("0000 10")), "unsup_general_command"),
    (_profile_wide(0x00, bytes.fromhex("0000"), manufacturer=True),
     "unsup_manuf_general_command"),
    (_profile_wide(0x00, bytes.fromhex("0000"), direction=0), "unsupported_cluster"),
    # Get Scheduled Events is for the ESME, not for the switch
    (decode_zcl_frame(bytes.fromhex("01 42 01 00000000 05"), DRLC_ID), "unsupported_cluster"),
    (decode_zcl_frame(bytes.fromhex("09 42 05 0102"), DRLC_ID), "unsup_cluster_command"),
    (decode_zcl_frame(bytes.fromhex("0D 3412 42 00 00"), DRLC_ID),
     "unsup_manuf_cluster_command"),
])
def test_unsupported_commands_get_a_default_response(tree: dict[str, Any], status: str) -> None:
    replies = [radio(r) for r in HcalcsSwitch().handle(tree, now=NOW)]
    assert [(r["command_name"], r["sequence_number"], r["payload"]["command_id"],
             r["payload"]["status"]) for r in replies] == [
        ("default_response", 0x42, tree["command_id"], status)]


def test_other_cluster_and_default_responses() -> None:
    switch = HcalcsSwitch()
    replies = switch.handle(_event(), now=NOW, cluster_id=0x0702)
    assert radio(replies[0])["payload"]["status"] == "unsupported_cluster" and not switch.on
    assert switch.handle(_profile_wide(0x0B, bytes.fromhex("00 00")), now=NOW) == []


def test_report_filtering(trio: tuple[CosemServer, EsmeLoadControl, HcalcsSwitch]) -> None:
    _, esme, switch = trio
    default = radio(switch.handle(_profile_wide(0x0C, bytes.fromhex("0000 10")), now=NOW)[0])
    assert esme.on_report(default) is None
    foreign = radio(HcalcsSwitch().handle(_event(issuer_event_id=99), now=NOW)[0])
    assert esme.on_report(foreign) is None
    with pytest.raises(ValueError):
        esme.commands_for(6)
    with pytest.raises(ValueError):
        esme.commands_for(0)


def test_state_round_trips(trio: tuple[CosemServer, EsmeLoadControl, HcalcsSwitch]) -> None:
    server, esme, switch = trio
    set_switch(server, 2, True)
    deliver(esme.commands_for(2, now=NOW), switch, esme)
    switch.handle(_profile_wide(0x02, bytes.fromhex("0000 20 03")), now=NOW)

    switch_state = _json(switch.state())
    restored = HcalcsSwitch(switch_state)
    assert restored.state() == switch_state
    assert restored.on and restored.active_event_id == 1 and restored.last_change == NOW
    assert restored.attributes.get(0x0000) == 3

    esme_state = _json(esme.state())
    again = EsmeLoadControl(server, esme_state)
    assert again.state() == esme_state and again.confirmed(2) is True
    assert again.commands_for(2) == []
    set_switch(server, 2, False)
    frames = again.commands_for(2)
    assert frames[0]["payload"]["issuer_event_id"] == 2
    assert statuses(deliver(frames, restored, again)) == [(1, SUPERSEDED), (2, RECEIVED),
                                                          (2, STARTED)]
    assert again.confirmed(2) is False
    with pytest.raises(ValueError):
        HcalcsSwitch({"format": "other"})
    with pytest.raises(ValueError):
        EsmeLoadControl(server, {"format": "other"})
