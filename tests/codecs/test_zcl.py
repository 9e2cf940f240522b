# SPDX-License-Identifier: GPL-3.0-or-later
"""ZCL layer (gbcs-protocol.md §2.3; ZCL 07-5123 chapter 2; ZigBee SE 1.4): data types, the
frame and the profile-wide commands, and the cluster registry — exact round trips, including
hypothesis properties over every type and every declared command schema."""

from __future__ import annotations

import io
import json
import math
import re
import struct
from typing import Any

import construct as cs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gfi.codecs.primitives import plain
from gfi.codecs.zcl import (
    CLUSTERS,
    FOUNDATION_COMMANDS,
    Direction,
    TypedValue,
    ZclType,
    attribute_def,
    cluster_name,
    command_schema,
    decode_command_payload,
    decode_zcl_frame,
    encode_command_payload,
    encode_zcl_frame,
    find_command,
    frame_control_fields,
    frame_control_value,
    type_schema,
)
from gfi.codecs.zcl.types import TYPE_SCHEMAS
from gfi.errors import CodecError, DecodeError, EncodeError


def _json(obj: Any) -> Any:
    return json.loads(json.dumps(obj))


def _roundtrip_type(data_type: ZclType, value: Any) -> bytes:
    schema = type_schema(data_type)
    raw = bytes(schema.build(value))
    back = _json(plain(schema.parse(raw)))
    assert back == value
    assert bytes(schema.build(back)) == raw
    return raw


# ----------------------------------------------------------------------------
# Data types
# ----------------------------------------------------------------------------
_INT_SIZES = {
    **{ZclType.DATA8 + i: i + 1 for i in range(8)},
    **{ZclType.BITMAP8 + i: i + 1 for i in range(8)},
    **{ZclType.UINT8 + i: i + 1 for i in range(8)},
    ZclType.ENUM8: 1,
    ZclType.ENUM16: 2,
    ZclType.UTC_TIME: 4,
    ZclType.CLUSTER_ID: 2,
    ZclType.ATTRIBUTE_ID: 2,
    ZclType.BACNET_OID: 4,
}


@pytest.mark.parametrize("type_id, size", sorted(_INT_SIZES.items()))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_unsigned_types_round_trip(type_id: int, size: int, data: st.DataObject) -> None:
    value = data.draw(st.integers(0, (1 << (8 * size)) - 1))
    raw = _roundtrip_type(ZclType(type_id), value)
    assert raw == value.to_bytes(size, "little")


@pytest.mark.parametrize("size", range(1, 9))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_signed_types_round_trip(size: int, data: st.DataObject) -> None:
    value = data.draw(st.integers(-(1 << (8 * size - 1)), (1 << (8 * size - 1)) - 1))
    raw = _roundtrip_type(ZclType(ZclType.INT8 + size - 1), value)
    assert raw == value.to_bytes(size, "little", signed=True)


@pytest.mark.parametrize(
    "data_type, fmt, width",
    [
        (ZclType.SEMI_FLOAT, "<e", 16),
        (ZclType.SINGLE_FLOAT, "<f", 32),
        (ZclType.DOUBLE_FLOAT, "<d", 64),
    ],
)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_float_types_round_trip(
    data_type: ZclType, fmt: str, width: int, data: st.DataObject
) -> None:
    value = data.draw(st.floats(width=width, allow_nan=False, allow_infinity=False))  # type: ignore[arg-type]
    raw = _roundtrip_type(data_type, value)
    assert raw == struct.pack(fmt, value)


@pytest.mark.parametrize(
    "data_type", [ZclType.SEMI_FLOAT, ZclType.SINGLE_FLOAT, ZclType.DOUBLE_FLOAT]
)
def test_non_finite_floats_keep_their_bits(data_type: ZclType) -> None:
    schema = type_schema(data_type)
    size = {ZclType.SEMI_FLOAT: 2, ZclType.SINGLE_FLOAT: 4, ZclType.DOUBLE_FLOAT: 8}[data_type]
    nan = b"\x01" + b"\x00" * (size - 2) + b"\xff"
    for raw in (b"\xff" * size, b"\x00" * (size - 1) + b"\x7f", nan):
        value = plain(schema.parse(raw))
        if isinstance(value, float):
            assert math.isfinite(value)
        else:
            assert value == {"raw": raw.hex().upper()}
        assert bytes(schema.build(_json(value))) == raw


@given(st.binary(max_size=254))
def test_octet_string_round_trip(data: bytes) -> None:
    raw = _roundtrip_type(ZclType.OCTET_STRING, data.hex().upper())
    assert raw == bytes([len(data)]) + data


@given(st.text(max_size=60))
def test_character_string_round_trip(text: str) -> None:
    encoded = text.encode("utf-8")
    raw = _roundtrip_type(ZclType.CHARACTER_STRING, text)
    assert raw == bytes([len(encoded)]) + encoded


@given(st.binary(max_size=300))
def test_long_strings_round_trip(data: bytes) -> None:
    raw = _roundtrip_type(ZclType.LONG_OCTET_STRING, data.hex().upper())
    assert raw == len(data).to_bytes(2, "little") + data


def test_strings_special_cases() -> None:
    # invalid length FF: no data, None
    assert _roundtrip_type(ZclType.OCTET_STRING, None) == b"\xff"
    assert _roundtrip_type(ZclType.CHARACTER_STRING, None) == b"\xff"
    assert _roundtrip_type(ZclType.LONG_CHARACTER_STRING, None) == b"\xff\xff"
    # bytes that are not UTF-8 keep their value exactly
    cs_ = type_schema(ZclType.CHARACTER_STRING)
    assert plain(cs_.parse(b"\x02\xff\xfe")) == {"raw": "FFFE"}
    assert bytes(cs_.build({"raw": "FFFE"})) == b"\x02\xff\xfe"
    with pytest.raises(cs.ConstructError):
        cs_.build("x" * 255)


def test_boolean() -> None:
    assert _roundtrip_type(ZclType.BOOL, True) == b"\x01"
    assert _roundtrip_type(ZclType.BOOL, False) == b"\x00"
    assert _roundtrip_type(ZclType.BOOL, 0xFF) == b"\xff"  # invalid stays an int


@given(
    st.one_of(st.none(), st.integers(1900, 2154)),
    st.one_of(st.none(), st.integers(0, 254)),
    st.one_of(st.none(), st.integers(0, 254)),
    st.one_of(st.none(), st.integers(0, 254)),
)
def test_date_and_time_of_day_round_trip(
    a: int | None, b: int | None, c: int | None, d: int | None
) -> None:
    raw = _roundtrip_type(ZclType.DATE, {"year": a, "month": b, "day": c, "day_of_week": d})
    assert raw[0] == (0xFF if a is None else a - 1900)
    _roundtrip_type(
        ZclType.TIME_OF_DAY, {"hours": b, "minutes": c, "seconds": d, "hundredths": None}
    )


def test_date_from_calendar_vector() -> None:
    """Special day ``FF0101FF``: every 1st of January (GCS05)."""
    assert plain(type_schema(ZclType.DATE).parse(bytes.fromhex("FF0101FF"))) == {
        "year": None,
        "month": 1,
        "day": 1,
        "day_of_week": None,
    }
    assert plain(type_schema(ZclType.DATE).parse(bytes.fromhex("720A1BFF")))["year"] == 2014


def test_ieee_address_and_key() -> None:
    raw = _roundtrip_type(ZclType.IEEE_ADDRESS, "00DB1234567890A0")
    assert raw == bytes.fromhex("A09078563412DB00")
    _roundtrip_type(ZclType.SECURITY_KEY, "00112233445566778899AABBCCDDEEFF")
    assert _roundtrip_type(ZclType.NO_DATA, None) == b""
    assert _roundtrip_type(ZclType.UNKNOWN, None) == b""


def test_array_and_structure() -> None:
    array = {"element_type": "uint16", "elements": [1, 2, 0xFFFF]}
    assert _roundtrip_type(ZclType.ARRAY, array) == bytes.fromhex("21 0300 0100 0200 FFFF")
    assert _roundtrip_type(
        ZclType.BAG, {"element_type": "uint8", "elements": None}
    ) == bytes.fromhex("20FFFF")
    structure = {
        "elements": [
            {"data_type": "bool", "value": True},
            {"data_type": "character_string", "value": "GB"},
            {"data_type": "array", "value": array},
        ]
    }
    raw = _roundtrip_type(ZclType.STRUCTURE, structure)
    assert raw[:2] == b"\x03\x00"


def test_every_type_id_has_a_schema() -> None:
    assert set(TYPE_SCHEMAS) == {t.value for t in ZclType}
    # fmt: off
    required = [*range(0x08, 0x0C), 0x10, *range(0x18, 0x20), *range(0x20, 0x28),
                *range(0x28, 0x30), 0x30, 0x31, 0x38, 0x39, 0x41, 0x42, 0x43, 0x44,
                0xE0, 0xE1, 0xE2, 0xE8, 0xE9, 0xF0, 0xFF]
    # fmt: on
    for needed in required:
        assert type_schema(needed) is TYPE_SCHEMAS[needed]
        assert type_schema(ZclType(needed).label) is TYPE_SCHEMAS[needed]
    with pytest.raises(KeyError):
        type_schema(0x07)


_TYPE_IDS = sorted(TYPE_SCHEMAS)


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(_TYPE_IDS), st.binary(max_size=40))
def test_typed_values_are_exact(type_id: int, tail: bytes) -> None:
    """Any bytes that parse as a typed value re-encode to exactly the bytes consumed."""
    data = bytes([type_id]) + tail
    stream = io.BytesIO(data)
    try:
        parsed = TypedValue.parse_stream(stream)
    except cs.ConstructError:
        return
    used = data[: stream.tell()]
    tree = _json(plain(parsed))
    assert bytes(TypedValue.build(tree)) == used


def test_unknown_data_type_is_an_explicit_error() -> None:
    with pytest.raises(cs.ExplicitError, match="unknown ZCL data type 0x07"):
        TypedValue.parse(b"\x07\x00")


# ----------------------------------------------------------------------------
# Frame control and frames
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("value", range(256))
def test_frame_control_keeps_every_bit(value: int) -> None:
    fields = frame_control_fields(value)
    assert frame_control_value(_json(fields)) == value
    assert fields["manufacturer_specific"] is bool(value & 0x04)
    assert fields["direction"] == ("server_to_client" if value & 0x08 else "client_to_server")
    assert fields["reserved"] == value & 0xE0


def test_frame_control_values_from_the_vectors() -> None:
    assert frame_control_fields(0x09) == {
        "frame_type": "cluster_specific",
        "manufacturer_specific": False,
        "direction": "server_to_client",
        "disable_default_response": False,
        "reserved": 0,
    }
    assert frame_control_fields(0x18)["frame_type"] == "profile_wide"
    assert frame_control_fields(0x18)["disable_default_response"] is True
    assert frame_control_value({"frame_type": "cluster_specific"}) == 0x01
    with pytest.raises(cs.ConstructError):
        frame_control_value({"frame_type": "bogus"})


def _frame_roundtrip(hex_frame: str, cluster_id: int) -> dict[str, Any]:
    raw = bytes.fromhex(hex_frame)
    tree = decode_zcl_frame(raw, cluster_id)
    assert _json(tree) == tree
    assert encode_zcl_frame(_json(tree), cluster_id) == raw
    return tree


def test_tunneling_transfer_data_frame() -> None:
    """zigbee-han.md §2: a TransferData PUT is ``0000 03 DD000000`` after the ZCL header."""
    tree = _frame_roundtrip("01 07 02 0000 03DD000000", 0x0704)
    assert tree["command_name"] == "transfer_data"
    assert tree["payload"] == {"tunnel_id": 0, "data": "03DD000000"}
    tree = _frame_roundtrip("09 07 01 0000 01", 0x0704)
    assert tree["command_name"] == "transfer_data"  # server -> client is command 01


def test_read_attributes_and_response_frames() -> None:
    tree = _frame_roundtrip("00 00 00 0400 0500 0300", 0x0000)
    assert tree["command_name"] == "read_attributes"
    assert tree["payload"]["attribute_names"] == [
        "manufacturer_name",
        "model_identifier",
        "hw_version",
    ]
    tree = _frame_roundtrip("18 00 01 0400 00 42 0431323334 0500 86 0300 00 20 01", 0x0000)
    records = tree["payload"]["records"]
    assert records[0] == {
        "attribute_id": 4,
        "attribute_name": "manufacturer_name",
        "status": "success",
        "data_type": "character_string",
        "value": "1234",
    }
    assert records[1]["status"] == "unsupported_attribute" and records[1]["value"] is None
    assert records[2]["value"] == 1


def test_client_side_attribute_names() -> None:
    # Read Attributes sent server -> client reads the client's attributes (OTA Upgrade).
    tree = _frame_roundtrip("08 01 00 0200", 0x0019)
    assert tree["payload"]["attribute_names"] == ["current_file_version"]
    assert attribute_def(0x0019, 0x0002, server=False) is not None
    assert attribute_def(0x0702, 0xFFFD) is not None  # global cluster revision


def test_other_foundation_commands() -> None:
    # Write Attributes and its all-success response (single status byte).
    _frame_roundtrip("00 01 02 0000 21 1027", 0x0703)
    tree = _frame_roundtrip("08 01 04 00", 0x0703)
    assert tree["payload"]["records"] == [{"status": "success", "attribute_id": None}]
    tree = _frame_roundtrip("08 01 04 88 0000 86 0100", 0x0704)
    assert [r["attribute_id"] for r in tree["payload"]["records"]] == [0, 1]
    # Configure Reporting: analog type with reportable change, discrete without, received.
    tree = _frame_roundtrip(
        "00 02 06 00 0000 25 0100 3C00 640000000000 00 1400 18 0100 0200 01 0002 1E00", 0x0702
    )
    records = tree["payload"]["records"]
    assert records[0]["reportable_change"] == 100
    assert records[1]["reportable_change"] is None
    assert records[2]["timeout_period"] == 30
    _frame_roundtrip("08 02 07 00", 0x0702)
    _frame_roundtrip("08 02 07 8C 00 0000", 0x0702)
    _frame_roundtrip("00 03 08 00 0000 01 0000", 0x0702)
    _frame_roundtrip("08 03 09 00 00 0000 25 0100 3C00 010000000000 86 00 0100", 0x0702)
    tree = _frame_roundtrip("18 04 0A 0000 25 112233445566", 0x0702)
    assert tree["payload"]["records"][0]["attribute_name"] == "current_summation_delivered"
    tree = _frame_roundtrip("18 05 0B 06 8B", 0x0702)
    assert tree["payload"] == {"command_id": 6, "status": "not_found"}
    _frame_roundtrip("00 06 0C 0000 10", 0x0702)
    _frame_roundtrip("08 06 0D 01 0000 25 0003 30", 0x0702)
    _frame_roundtrip("00 07 11 00 FF", 0x0702)
    _frame_roundtrip("08 07 12 01 000106", 0x0702)
    _frame_roundtrip("08 08 16 01 0000 25 01", 0x0702)


def test_unknown_commands_stay_raw() -> None:
    # unknown cluster
    tree = _frame_roundtrip("01 00 00 A1B2", 0xFC00)
    assert tree["payload"] == {"raw": "A1B2"} and tree["command_name"] is None
    # manufacturer-specific cluster command: manufacturer code kept, payload raw
    tree = _frame_roundtrip("05 3412 00 01 DEAD", 0x0702)
    assert tree["manufacturer_code"] == 0x1234 and tree["payload"] == {"raw": "DEAD"}
    # reserved frame type
    assert _frame_roundtrip("02 00 00 01", 0x0702)["payload"] == {"raw": "01"}
    # unknown command id of a known cluster
    assert _frame_roundtrip("09 00 7F", 0x0702)["payload"] == {"raw": ""}
    # unknown profile-wide command
    assert _frame_roundtrip("00 00 0E 00", 0x0702)["payload"] == {"raw": "00"}


def test_frame_errors() -> None:
    with pytest.raises(DecodeError, match="left over"):
        decode_zcl_frame(bytes.fromhex("18 00 0B 06 8B FF"), 0x0702)
    with pytest.raises(DecodeError):
        decode_zcl_frame(bytes.fromhex("18 00"), 0x0702)
    with pytest.raises(DecodeError, match="unknown ZCL data type"):
        decode_zcl_frame(bytes.fromhex("18 00 01 0000 00 07 00"), 0x0702)
    with pytest.raises(EncodeError):
        encode_zcl_frame(
            {"frame_control": {}, "sequence_number": 0, "command_id": 0x7F, "payload": {"x": 1}},
            0x0702,
        )
    with pytest.raises(EncodeError):
        encode_zcl_frame([], 0x0702)  # type: ignore[arg-type]


def test_informational_names_are_ignored_when_encoding() -> None:
    raw = bytes.fromhex("18 00 01 0400 00 42 0431323334")
    tree = decode_zcl_frame(raw, 0x0000)
    tree["command_name"] = "something else"
    tree["payload"]["records"][0]["attribute_name"] = "wrong"
    assert encode_zcl_frame(tree, 0x0000) == raw


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([0x0000, 0x0019, 0x0700, 0x0701, 0x0702, 0x0705, 0x0707, 0x0708, 0xFC00]),
    st.binary(max_size=48),
)
def test_random_frames_are_exact_or_codec_errors(cluster_id: int, data: bytes) -> None:
    try:
        tree = decode_zcl_frame(data, cluster_id)
    except CodecError:
        return
    assert encode_zcl_frame(_json(tree), cluster_id) == data


# ----------------------------------------------------------------------------
# Registry
# ----------------------------------------------------------------------------
_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")

# fmt: off
#: Commands the GBCS vectors and Appendix B need, per cluster and direction
#: (gbcs-protocol.md §2.3 table, Appendix B and the RTDS responses).
REQUIRED = {
    (0x0700, Direction.CLIENT_TO_SERVER): {0x00: "get_current_price", 0x0B: "get_billing_period"},
    (0x0700, Direction.SERVER_TO_CLIENT): {
        0x00: "publish_price", 0x01: "publish_block_period", 0x02: "publish_conversion_factor",
        0x03: "publish_calorific_value", 0x04: "publish_tariff_information",
        0x05: "publish_price_matrix", 0x06: "publish_block_thresholds",
        0x09: "publish_billing_period"},
    (0x0701, Direction.CLIENT_TO_SERVER): {0x00: "report_event_status",
                                           0x01: "get_scheduled_events"},
    (0x0701, Direction.SERVER_TO_CLIENT): {0x00: "load_control_event",
                                           0x01: "cancel_load_control_event",
                                           0x02: "cancel_all_load_control_events"},
    (0x0702, Direction.CLIENT_TO_SERVER): {
        0x06: "get_snapshot", 0x07: "start_sampling", 0x08: "get_sampled_data",
        0x0B: "change_supply", 0x0D: "set_supply_status",
        0x0E: "set_uncontrolled_flow_threshold"},
    (0x0702, Direction.SERVER_TO_CLIENT): {
        0x06: "publish_snapshot", 0x07: "get_sampled_data_response",
        0x0C: "supply_status_response", 0x0D: "start_sampling_response"},
    (0x0703, Direction.SERVER_TO_CLIENT): {0x00: "display_message"},
    (0x0704, Direction.CLIENT_TO_SERVER): {0x00: "request_tunnel", 0x02: "transfer_data"},
    (0x0704, Direction.SERVER_TO_CLIENT): {0x00: "request_tunnel_response",
                                           0x01: "transfer_data"},
    (0x0705, Direction.CLIENT_TO_SERVER): {
        0x00: "select_available_emergency_credit", 0x02: "change_debt",
        0x03: "emergency_credit_setup", 0x04: "consumer_top_up", 0x05: "credit_adjustment",
        0x06: "change_payment_mode", 0x07: "get_prepay_snapshot", 0x08: "get_top_up_log",
        0x09: "set_low_credit_warning_level", 0x0A: "get_debt_repayment_log",
        0x0B: "set_maximum_credit_limit", 0x0C: "set_overall_debt_cap"},
    (0x0705, Direction.SERVER_TO_CLIENT): {
        0x01: "publish_prepay_snapshot", 0x02: "change_payment_mode_response",
        0x03: "consumer_top_up_response", 0x05: "publish_top_up_log",
        0x06: "publish_debt_log"},
    (0x0707, Direction.CLIENT_TO_SERVER): {
        0x00: "get_calendar", 0x01: "get_day_profiles", 0x02: "get_week_profiles",
        0x03: "get_seasons", 0x04: "get_special_days"},
    (0x0707, Direction.SERVER_TO_CLIENT): {
        0x00: "publish_calendar", 0x01: "publish_day_profile", 0x02: "publish_week_profile",
        0x03: "publish_seasons", 0x04: "publish_special_days"},
    (0x0708, Direction.CLIENT_TO_SERVER): {0x04: "report_event_configuration"},
    (0x0708, Direction.SERVER_TO_CLIENT): {
        0x00: "publish_change_of_tenancy", 0x01: "publish_change_of_supplier",
        0x02: "request_new_password_response", 0x03: "update_site_id",
        0x04: "set_event_configuration", 0x05: "get_event_configuration", 0x06: "update_cin"},
    (0x0709, Direction.CLIENT_TO_SERVER): {0x00: "get_event_log",
                                           0x01: "clear_event_log_request"},
    (0x0709, Direction.SERVER_TO_CLIENT): {0x01: "publish_event_log",
                                           0x02: "clear_event_log_response"},
    (0x0800, Direction.CLIENT_TO_SERVER): {0x00: "initiate_key_establishment_request"},
    (0x0019, Direction.CLIENT_TO_SERVER): {0x01: "query_next_image_request",
                                           0x03: "image_block_request"},
}
# fmt: on


def test_required_clusters_and_commands() -> None:
    assert {
        0x0000,
        0x0003,
        0x000A,
        0x0019,
        0x0700,
        0x0701,
        0x0702,
        0x0703,
        0x0704,
        0x0705,
        0x0707,
        0x0708,
        0x0709,
        0x0800,
    } <= set(CLUSTERS)
    for (cid, direction), commands in REQUIRED.items():
        for command_id, name in commands.items():
            assert command_schema(cid, command_id, direction) is not None, (cid, name)
            assert CLUSTERS[cid].commands(direction)[command_id].name == name
            assert find_command(cid, name) is not None
    assert command_schema(0x0702, 0x06, "server_to_client") is not None
    assert command_schema(0x0702, 0x7F, 1) is None
    assert command_schema(0xFC00, 0x00, 0) is None
    assert cluster_name(0x0705) == "prepayment" and cluster_name(0xFC00) is None


def test_attributes_named_by_the_protocol_notes() -> None:
    """Every attribute §2.3 and Appendix B name, with the type the vectors carry."""
    # fmt: off
    expected = {
        0x0000: {0x0003: 0x20, 0x0004: 0x42, 0x0005: 0x42},
        0x0700: {0x0100: 0x25, 0x0101: 0x25, 0x0102: 0x25, 0x0202: 0x22, 0x0203: 0x22,
                 0x0301: 0x23, 0x0302: 0x23, 0x0303: 0x18, 0x0304: 0x23, 0x0305: 0x30,
                 0x0306: 0x18, 0x0400: 0x23, 0x0401: 0x23, 0x0402: 0x23, 0x0403: 0x23,
                 0x0410: 0x23, 0x0420: 0x23, 0x0430: 0x23, 0x0440: 0x23, 0x0615: 0x30,
                 0x0616: 0x21, 0x0617: 0x18},
        0x0702: {0x0000: 0x25, 0x0014: 0x30, 0x0100: 0x25, 0x0102: 0x25, 0x0104: 0x25,
                 0x0106: 0x25, 0x0205: 0x21, 0x0206: 0x41, 0x0300: 0x30, 0x0301: 0x22,
                 0x0302: 0x22, 0x0307: 0x41, 0x0607: 0x30, 0x0608: 0x30, 0x0700: 0x25,
                 0x0701: 0x25, 0x0702: 0x25, 0x0703: 0x25, 0x0A00: 0x23, 0x0B10: 0x21,
                 0x0B11: 0x30, 0x0B12: 0x21, 0x0B13: 0x21, 0x0B14: 0x20, 0x0B15: 0x21},
        0x0705: {0x0000: 0x19, 0x0001: 0x2B, 0x0002: 0x2B, 0x0005: 0x2B, 0x0006: 0x2B,
                 0x0010: 0x23, 0x0011: 0x23, 0x0021: 0x23, 0x0022: 0x23, 0x0031: 0x23,
                 0x0040: 0x2B, 0x0211: 0x23, 0x0216: 0x30, 0x0217: 0x23, 0x0221: 0x23,
                 0x0226: 0x30, 0x0227: 0x23, 0x0231: 0x23, 0x0239: 0x21},
    }
    # fmt: on
    for cid, attributes in expected.items():
        for attribute_id, type_id in attributes.items():
            found = attribute_def(cid, attribute_id)
            assert found is not None, (hex(cid), hex(attribute_id))
            assert found.type_id == type_id, (hex(cid), hex(attribute_id))


def test_names_are_snake_case_and_unique() -> None:
    for cluster in CLUSTERS.values():
        assert _SNAKE.match(cluster.name)
        for table in (cluster.attributes, cluster.client_attributes):
            names = [a.name for a in table.values()]
            assert len(names) == len(set(names)), cluster.name
            assert all(_SNAKE.match(n) for n in names)
            assert all(a.type_id in TYPE_SCHEMAS for a in table.values())
        for direction in Direction:
            for command in cluster.commands(direction).values():
                assert _SNAKE.match(command.name)
                assert command.direction is direction
    assert all(_SNAKE.match(c.name) for c in FOUNDATION_COMMANDS.values())


_ALL_COMMANDS = [
    (cid, direction, command_id)
    for cid, cluster in sorted(CLUSTERS.items())
    for direction in Direction
    for command_id in sorted(cluster.commands(direction))
]


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_ALL_COMMANDS), st.binary(max_size=60))
def test_every_command_schema_is_exact(command: tuple[int, Direction, int], data: bytes) -> None:
    """Whatever bytes a declared payload accepts, it builds back identically (one schema per
    command, both ways)."""
    cid, direction, command_id = command
    frame_control = 0x01 | (0x08 if direction is Direction.SERVER_TO_CLIENT else 0)
    try:
        tree = decode_command_payload(cid, frame_control, command_id, data)
    except CodecError:
        return
    assert "raw" not in tree or command_id not in CLUSTERS[cid].commands(direction)
    assert encode_command_payload(cid, frame_control, command_id, _json(tree)) == data


def test_command_payload_api() -> None:
    payload = bytes.fromhex("804A371C0000000000FFFF055265736574")  # GCS07 DisplayMessage
    tree = decode_command_payload(0x0703, 0x09, 0x00, payload)
    assert tree["message"] == "Reset" and tree["duration_in_minutes"] == 0xFFFF
    assert tree["extended_message_control"] is None
    assert encode_command_payload(0x0703, 0x09, 0x00, tree) == payload
    assert decode_command_payload(0x0703, 0x01, 0x7F, b"\x01") == {"raw": "01"}
    assert encode_command_payload(0x0703, 0x01, 0x7F, {"raw": "01"}) == b"\x01"
    with pytest.raises(EncodeError):
        encode_command_payload(0x0703, 0x01, 0x7F, {"message_id": 1})
    with pytest.raises(DecodeError, match="display_message"):
        decode_command_payload(0x0703, 0x09, 0x00, payload[:-3])
