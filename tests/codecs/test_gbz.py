# SPDX-License-Identifier: GPL-3.0-or-later
"""GBZ payloads (gbcs-protocol.md §2.3, §4.1) over every vendored RTDS vector whose payload
starts ``01 09``: decoded with no error, every plaintext ZCL payload by a real schema, every
encrypted payload (decrypted with the RTDS keys) too, identical bytes back, JSON round trip;
plus the alert layouts, errors, and hypothesis invariants."""

from __future__ import annotations

import collections
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gfi.codecs.gbcs.gbz import (
    decode_gbz_payload,
    decode_zcl_command_payload,
    encode_gbz_payload,
    encode_zcl_command_payload,
    encrypted_components,
)
from gfi.codecs.gbcs.message import Cra, GbcsFrame, decode_frame
from gfi.codecs.security.gbcs import Verdict, decrypt_block
from gfi.errors import CodecError, DecodeError, EncodeError
from tests.conftest import rtds_bytes, rtds_files


def _gbz_vectors() -> list[tuple[Path, GbcsFrame]]:
    found = []
    for path in rtds_files():
        frame = decode_frame(rtds_bytes(path))
        if isinstance(frame, GbcsFrame) and frame.payload[:2] == b"\x01\x09":
            found.append((path, frame))
    return found


VECTORS = _gbz_vectors()
DECODED = {
    path.name: decode_gbz_payload(f.payload, message_code=f.message_code, cra=f.cra)
    for path, f in VECTORS
}


def _json(obj: Any) -> Any:
    return json.loads(json.dumps(obj))


def _decode(frame: GbcsFrame) -> dict[str, Any]:
    return decode_gbz_payload(frame.payload, message_code=frame.message_code, cra=frame.cra)


# ----------------------------------------------------------------------------
# The corpus
# ----------------------------------------------------------------------------
def test_gbz_corpus_size() -> None:
    assert len(VECTORS) == 230
    kinds = collections.Counter(int(f.cra) for _, f in VECTORS)
    assert kinds == {1: 123, 2: 95, 3: 12}


@pytest.mark.parametrize("path, frame", VECTORS, ids=[p.name for p, _ in VECTORS])
def test_vector_round_trips(path: Path, frame: GbcsFrame) -> None:
    tree = _decode(frame)
    assert _json(tree) == tree
    assert encode_gbz_payload(tree) == frame.payload
    assert encode_gbz_payload(_json(tree)) == frame.payload
    for component in tree.get("components", []):
        assert component["cluster_name"] is not None
        zcl = component["frame"]
        assert zcl["command_name"] is not None, (component["cluster_id"], zcl["command_id"])
        if not component["control"]["encrypted"]:
            # No raw fallback anywhere in the RTDS corpus: every plaintext payload has a schema.
            assert "raw" not in zcl["payload"], (component["cluster_id"], zcl["command_id"])
    # the last-component bit is set on the final component only (§2.3)
    flags = [c["control"]["last_component"] for c in tree.get("components", [])]
    if flags:
        assert flags == [False] * (len(flags) - 1) + [True]


def test_commands_found_in_the_corpus() -> None:
    """Every (cluster, command) the corpus carries in clear, by name."""
    seen = set()
    for tree in DECODED.values():
        for component in tree.get("components", []):
            zcl = component["frame"]
            seen.add((component["cluster_name"], zcl["command_name"]))
    # fmt: off
    assert {
        ("basic", "read_attributes"), ("basic", "read_attributes_response"),
        ("price", "get_billing_period"), ("price", "publish_price"),
        ("price", "publish_block_period"), ("price", "publish_conversion_factor"),
        ("price", "publish_calorific_value"), ("price", "publish_tariff_information"),
        ("price", "publish_price_matrix"), ("price", "publish_billing_period"),
        ("metering", "get_snapshot"), ("metering", "get_sampled_data"),
        ("metering", "set_supply_status"), ("metering", "set_uncontrolled_flow_threshold"),
        ("metering", "publish_snapshot"), ("metering", "get_sampled_data_response"),
        ("messaging", "display_message"),
        ("prepayment", "consumer_top_up"), ("prepayment", "consumer_top_up_response"),
        ("prepayment", "publish_top_up_log"), ("prepayment", "publish_debt_log"),
        ("prepayment", "publish_prepay_snapshot"), ("prepayment", "change_payment_mode_response"),
        ("calendar", "publish_calendar"), ("calendar", "publish_day_profile"),
        ("calendar", "publish_week_profile"), ("calendar", "publish_seasons"),
        ("calendar", "publish_special_days"),
        ("device_management", "publish_change_of_tenancy"),
        ("device_management", "publish_change_of_supplier"),
        ("device_management", "update_site_id"), ("device_management", "update_cin"),
        ("device_management", "set_event_configuration"),
        ("device_management", "get_event_configuration"),
        ("device_management", "report_event_configuration"),
        ("events", "get_event_log"), ("events", "clear_event_log_request"),
        ("events", "publish_event_log"), ("events", "clear_event_log_response"),
        ("metering", "default_response"),
    } <= seen
    # fmt: on


# Use cases whose responses (and the GCS53 alert) carry encrypted components (§2.3).
ENCRYPTING_USE_CASES = {
    "GCS13a",
    "GCS13b",
    "GCS13c",
    "GCS14",
    "GCS15b",
    "GCS15c",
    "GCS15d",
    "GCS16a",
    "GCS16b",
    "GCS17",
    "GCS18",
    "GCS61",
    "GCS53",
}


def test_encrypted_components_in_the_corpus() -> None:
    """24 encrypted components in 19 responses (GCS13a, GCS15b/c, GCS53 and GCS61 have no
    encrypted vector in the vendored subset of RTDS)."""
    per_use_case: collections.Counter[str] = collections.Counter()
    messages = 0
    for path, frame in VECTORS:
        parts = encrypted_components(DECODED[path.name])
        if parts:
            messages += 1
            assert frame.cra is Cra.RESPONSE
            per_use_case[path.name.split("_")[0]] += len(parts)
        for part in parts:
            assert part["security_control"] == 0x31
            assert part["invocation_counter"] == 0
            assert len(part["tag"]) == 12
            assert part["node"] is DECODED[path.name]["components"][part["index"]]
    assert sum(per_use_case.values()) == 24
    assert messages == 19
    assert set(per_use_case) <= ENCRYPTING_USE_CASES
    assert per_use_case == {
        "GCS13b": 4,
        "GCS13c": 4,
        "GCS14": 3,
        "GCS15d": 1,
        "GCS16a": 5,
        "GCS16b": 5,
        "GCS17": 1,
        "GCS18": 1,
    }
    # the additional frame counter counts the encrypted components of one message
    for tree in DECODED.values():
        counters = [p["frame_counter"] for p in encrypted_components(tree)]
        assert counters == list(range(len(counters)))


def test_decrypted_payloads_decode_with_real_schemas(security) -> None:  # type: ignore[no-untyped-def]
    """Decrypt every encrypted component with the RTDS keys; the plaintext is a ZCL payload
    that a declared schema decodes completely and builds back identically."""
    names = collections.Counter()
    for path, frame in VECTORS:
        for part in encrypted_components(DECODED[path.name]):
            check, plain = decrypt_block(
                frame,
                security,
                part["ciphertext"],
                part["tag"],
                security_control=part["security_control"],
                invocation_counter=part["invocation_counter"],
            )
            assert check.verdict is Verdict.VALID, path.name
            assert plain is not None
            tree = decode_zcl_command_payload(
                part["cluster_id"], part["frame_control"], part["command_id"], plain
            )
            assert "raw" not in tree, path.name
            assert _json(tree) == tree
            assert (
                encode_zcl_command_payload(
                    part["cluster_id"], part["frame_control"], part["command_id"], _json(tree)
                )
                == plain
            )
            names[part["node"]["frame"]["command_name"]] += 1
    assert names == {
        "read_attributes_response": 11,
        "publish_snapshot": 5,
        "publish_prepay_snapshot": 5,
        "get_sampled_data_response": 2,
        "publish_debt_log": 1,
    }


def test_decrypted_snapshot_contents(security) -> None:  # type: ignore[no-untyped-def]
    path, frame = next(
        (p, f) for p, f in VECTORS if p.name == "GCS16a_4.6.1_SUCCESS_RESPONSE_GBCS.HEX"
    )
    part = encrypted_components(DECODED[path.name])[0]
    _, plain = decrypt_block(frame, security, part["ciphertext"], part["tag"])
    assert plain is not None
    tree = decode_zcl_command_payload(0x0702, 0x19, 0x06, plain)
    assert tree["snapshot_payload_type"] == 6
    payload = tree["snapshot_payload"]
    assert payload["number_of_tiers_in_use"] == 4
    assert len(payload["tier_summations_delivered"]) == 4
    assert payload["number_of_tiers_and_block_thresholds_in_use"] == 0x14
    assert len(payload["tier_block_summations_delivered"]) == 4


def test_decoded_shapes() -> None:
    tree = DECODED["GCS07_3.1_SUCCESS_COMMAND_GBCS.HEX"]
    assert tree == {
        "components": [
            {
                "control": {
                    "last_component": True,
                    "encrypted": False,
                    "from_date_time_present": False,
                    "reserved": 0,
                },
                "cluster_id": 0x0703,
                "cluster_name": "messaging",
                "from_date_time": None,
                "frame": {
                    "frame_control": {
                        "frame_type": "cluster_specific",
                        "manufacturer_specific": False,
                        "direction": "server_to_client",
                        "disable_default_response": False,
                        "reserved": 0,
                    },
                    "manufacturer_code": None,
                    "sequence_number": 0,
                    "command_id": 0,
                    "command_name": "display_message",
                    "payload": {
                        "message_id": 0x1C374A80,
                        "message_control": 0,
                        "start_time": 0,
                        "duration_in_minutes": 0xFFFF,
                        "message": "Reset",
                        "extended_message_control": None,
                    },
                },
            }
        ]
    }
    # from-date-time (future-dated) component
    tree = DECODED["GCS05_2.1_FUTURE_DATED_SUCCESS_COMMAND_GBCS.HEX"]
    dated = [c for c in tree["components"] if c["control"]["from_date_time_present"]]
    assert dated and all(c["from_date_time"] == 0x38818890 for c in dated)
    assert dated[0]["frame"]["command_name"] == "set_low_credit_warning_level"
    # publish price of GCS21f: GBCS stops after "price"; the later SE fields are absent
    tree = DECODED["GCS21f_4.11.1_SUCCESS_RESPONSE_GBCS.HEX"]
    price = next(
        c["frame"]["payload"]
        for c in tree["components"]
        if c["frame"]["command_name"] == "publish_price"
    )
    assert price["currency"] == 826 and price["price"] == 9600 and price["price_ratio"] is None


def test_alert_layouts() -> None:
    name = "GCS01b_1.2.1_8F66_FUTURE_DATED_BLOCK_SUCCESS_ALERT_PUBLISH_PRICE_MATRIX_GBCS.HEX"
    tree = DECODED[name]
    assert tree["alert_code"] == 0x8F66 and tree["timestamp"] == 0x38818890
    assert tree["component_count"] == 1
    fde = tree["future_dated_execution"]
    assert (
        fde["message_code"],
        fde["originator_counter"],
        fde["cluster_id"],
        fde["command_id"],
    ) == (0x00A3, 1002, 0x0700, 0x05)
    assert fde["command_name"] == "publish_price_matrix"
    tree = DECODED["FDRA-ZigBee_NA_8F72_ALERT_GBCS.HEX"]
    assert tree["alert_code"] == 0x8F72 and tree["manufacturer_image_hash"] == "A1" * 32
    assert DECODED["GCA-ZigBee_NA_8F30_ALERT_GBCS.HEX"] == {
        "alert_code": 0x8F30,
        "timestamp": 0x1C374A80,
        "components": [],
    }


def test_integrity_alert_0x00f2() -> None:
    payload = bytes.fromhex("0109 01 81A0 1C374A80 0006")
    tree = decode_gbz_payload(payload, message_code=0x00F2, cra=3)
    assert tree == {
        "component_count": 1,
        "alert_code": 0x81A0,
        "timestamp": 0x1C374A80,
        "integrity_code": 6,
    }
    assert encode_gbz_payload(tree) == payload


def test_billing_data_log_alert_0x008b() -> None:
    """GCS53 (0x008B, 8F0A): alert header then one real, encrypted PublishSnapshot component
    (built here from a GCS16a response component)."""
    source = DECODED["GCS16a_4.6.1_SUCCESS_RESPONSE_GBCS.HEX"]
    component = copy.deepcopy(source["components"][0])
    assert component["control"]["encrypted"]
    component["control"]["last_component"] = True
    alert = {"alert_code": 0x8F0A, "timestamp": 0x1C374A80, "components": [component]}
    payload = encode_gbz_payload(alert)
    assert payload[:9] == bytes.fromhex("0109 01 8F0A 1C374A80")
    tree = decode_gbz_payload(payload, message_code=0x008B, cra=3)
    assert tree == _json(alert)
    (part,) = encrypted_components(tree)
    assert part["command_id"] == 0x06 and part["frame_control"] == 0x19


def test_informational_keys_are_ignored_when_encoding() -> None:
    names = ("GCS21f_4.11.1_SUCCESS_RESPONSE_GBCS.HEX", "GCS16a_4.6.1_SUCCESS_RESPONSE_GBCS.HEX")
    for name in names:
        path, frame = next((p, f) for p, f in VECTORS if p.name == name)
        tree = _json(DECODED[name])
        for component in tree["components"]:
            component["cluster_name"] = "renamed"
            component["frame"]["command_name"] = "renamed"
            component["decrypted"] = {"anything": 1}
            for record in component["frame"].get("payload", {}).get("records", []):
                record["attribute_name"] = "renamed"
        assert encode_gbz_payload(tree) == frame.payload, path.name


def test_encrypted_component_without_date_and_with_date() -> None:
    """W reads a from-date-time on encrypted components too (§7 item 8)."""
    source = DECODED["GCS18_4.10_SUCCESS_RESPONSE_GBCS.HEX"]
    component = copy.deepcopy(next(c for c in source["components"] if c["control"]["encrypted"]))
    component["control"] = {
        **component["control"],
        "from_date_time_present": True,
        "last_component": True,
    }
    component["from_date_time"] = 0xFFFFFFFF
    payload = encode_gbz_payload({"components": [component]})
    assert payload[3] == 0x13
    assert decode_gbz_payload(payload, message_code=0x0079, cra=2)["components"] == [
        _json(component)
    ]


def test_unknown_control_bits_and_raw_payloads_round_trip() -> None:
    payload = bytes.fromhex("0109 01 E1 FC00 0005 01 00 00 ABCD")
    tree = decode_gbz_payload(payload, message_code=0x0074, cra=1)
    (component,) = tree["components"]
    assert component["control"]["reserved"] == 0xE0 and component["cluster_name"] is None
    assert component["frame"]["payload"] == {"raw": "ABCD"}
    assert encode_gbz_payload(tree) == payload


# ----------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "hex_payload, cra, message_code, match",
    [
        ("", 1, 0x0074, "GBZ header"),
        ("0209 00", 1, 0x0074, "GBZ header"),
        ("0109 01", 1, 0x0074, "component 1 of 1 is missing"),
        ("0109 01 01 0702 0010 000000", 2, 0x0074, "command length of 16"),
        ("0109 00 FF", 2, 0x0074, "left over"),
        ("0109 01 01 0702 0004 18 00 0B 06", 2, 0x0074, "GBZ component"),
        ("0109 01 01 0702 0006 18 00 0B 06 8B 00", 2, 0x0074, "left over"),
        ("0109 01 03 0702 0008 00 00 18 00 01 0001 00", 2, 0x0074, "GBZ component"),
        ("0109 01 8F66 1C374A80", 3, 0x00CD, "GBZ alert 0x00CD"),
        ("0109 01 8F66 1C374A80 0D 00A300000000000003EA070009", 3, 0x00CD, "GBZ alert"),
        ("0109 00 8F30", 3, 0x1000, "GBZ alert header"),
    ],
)
def test_decode_errors(hex_payload: str, cra: int, message_code: int, match: str) -> None:
    with pytest.raises(DecodeError, match=match):
        decode_gbz_payload(bytes.fromhex(hex_payload), message_code=message_code, cra=cra)


def test_errors_name_the_component_and_offset() -> None:
    good = "01 0702 0005 18 00 0B 06 8B"
    bad = "01 0702 0006 18 00 01 0000 00"  # read attributes response, truncated record
    with pytest.raises(DecodeError) as info:
        decode_gbz_payload(bytes.fromhex(f"0109 02 {good} {bad}"), message_code=0x0074, cra=2)
    assert info.value.path is not None and info.value.path.startswith("components[1]")
    assert info.value.offset is not None and info.value.offset >= 13


@pytest.mark.parametrize(
    "tree",
    [
        [],
        {},
        {"components": {}},
        {"components": [1]},
        {"components": [{"control": {}, "cluster_id": 0x0702}]},
        {"components": [{"control": {"bogus_bit": 3}, "cluster_id": 0x0702, "frame": {}}]},
        {"components": [{"control": 1, "cluster_id": 0x0702, "from_date_time": None, "frame": {}}]},
        {
            "components": [
                {
                    "control": {},
                    "cluster_id": 0x10000,
                    "from_date_time": None,
                    "frame": {
                        "frame_control": {},
                        "sequence_number": 0,
                        "command_id": 0,
                        "payload": {"attribute_ids": []},
                    },
                }
            ]
        },
        {
            "components": [
                {
                    "control": {},
                    "cluster_id": 0x0702,
                    "from_date_time": None,
                    "frame": {
                        "frame_control": {},
                        "sequence_number": 0,
                        "command_id": 0,
                        "payload": {"attribute_ids": ["x"]},
                    },
                }
            ]
        },
        {"alert_code": 0x8F30, "components": []},
        {
            "alert_code": 0x8F66,
            "timestamp": 0,
            "component_count": 1,
            "future_dated_execution": {"message_code": 1},
        },
    ],
)
def test_encode_errors(tree: Any) -> None:
    with pytest.raises(EncodeError):
        encode_gbz_payload(tree)


def test_encode_error_names_the_component() -> None:
    tree = _json(DECODED["GCS07_3.1_SUCCESS_COMMAND_GBCS.HEX"])
    tree["components"][0]["frame"]["payload"]["message_id"] = -1
    with pytest.raises(EncodeError) as info:
        encode_gbz_payload(tree)
    assert info.value.path is not None and info.value.path.startswith("components[0]")


def test_encrypted_components_of_non_component_trees() -> None:
    assert encrypted_components(DECODED["FDRA-ZigBee_NA_8F72_ALERT_GBCS.HEX"]) == []
    with pytest.raises(EncodeError):
        encrypted_components({"components": [{"control": {"encrypted": True}}]})


# ----------------------------------------------------------------------------
# Hypothesis: arbitrary and mutated bytes give a tree that round-trips, or a CodecError
# ----------------------------------------------------------------------------
_CODES_AND_CRAS = st.tuples(
    st.sampled_from([0x0074, 0x0079, 0x006F, 0x00CD, 0x00CF, 0x00F2, 0x008B, 0x1000, 0x1001]),
    st.sampled_from([1, 2, 3]),
)


def _check(data: bytes, code_and_cra: tuple[int, int]) -> None:
    message_code, cra = code_and_cra
    try:
        tree = decode_gbz_payload(data, message_code=message_code, cra=cra)
    except CodecError:
        return
    assert encode_gbz_payload(_json(tree)) == data


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80), _CODES_AND_CRAS)
def test_arbitrary_bytes(data: bytes, code_and_cra: tuple[int, int]) -> None:
    _check(data, code_and_cra)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=80), _CODES_AND_CRAS)
def test_arbitrary_bytes_after_the_profile_id(data: bytes, code_and_cra: tuple[int, int]) -> None:
    _check(b"\x01\x09" + data, code_and_cra)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(VECTORS), st.data())
def test_mutated_vectors(vector: tuple[Path, GbcsFrame], data: st.DataObject) -> None:
    _, frame = vector
    payload = bytearray(frame.payload)
    for _ in range(data.draw(st.integers(1, 3))):
        action = data.draw(st.sampled_from(["flip", "truncate", "insert"]))
        at = data.draw(st.integers(0, max(len(payload) - 1, 0)))
        if action == "flip" and payload:
            payload[at] ^= data.draw(st.integers(1, 255))
        elif action == "truncate":
            del payload[at:]
        else:
            payload[at:at] = data.draw(st.binary(min_size=1, max_size=4))
    _check(bytes(payload), (frame.message_code, int(frame.cra)))
