# SPDX-License-Identifier: GPL-3.0-or-later
"""DLMS/COSEM payloads (gbcs-protocol.md §2.2) over every vendored RTDS DLMS vector, the §2.2
examples, the protected-data helpers and a fuzz invariant."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gfi.codecs.dlms import (
    Data,
    alert_protected_data_parts,
    data_item,
    decode_dlms_payload,
    dlms_invoke_id,
    encode_dlms_payload,
    is_protected_data,
    protected_data_parts,
)
from gfi.codecs.gbcs.message import GbcsFrame, decode_frame
from gfi.codecs.primitives import decode_exact, encode_with, plain
from gfi.errors import CodecError, DecodeError, EncodeError
from tests.conftest import rtds_bytes, rtds_files

DLMS_TAGS = (b"\xd9", b"\xda", b"\x0f")


def _dlms_vectors() -> list[tuple[Path, GbcsFrame]]:
    found = []
    for path in rtds_files():
        frame = decode_frame(rtds_bytes(path))
        if isinstance(frame, GbcsFrame) and frame.payload[:1] in DLMS_TAGS:
            found.append((path, frame))
    return found


VECTORS = _dlms_vectors()
IDS = [path.name for path, _ in VECTORS]

#: Response message codes whose data items are protected when they start ``02 02`` (§2.2).
PROTECTED_RESPONSE_CODES = {
    0x0027,
    0x0029,
    0x002A,
    0x002D,
    0x002F,
    0x0030,
    0x0033,
    0x0034,
    0x0037,
    0x0060,
}
ECS68_ALERT = 0x0061


def _item_bytes(item: dict[str, Any]) -> bytes:
    return encode_with(Data, item, "DLMS data")


def _decode_item(raw: bytes) -> Any:
    return plain(decode_exact(Data, raw, "DLMS data"))


# ----------------------------------------------------------------------------
# RTDS vectors
# ----------------------------------------------------------------------------
def test_vector_corpus_has_dlms_payloads() -> None:
    tags = {frame.payload[:1] for _, frame in VECTORS}
    assert tags == set(DLMS_TAGS)
    assert len(VECTORS) == 455


@pytest.mark.parametrize(("path", "frame"), VECTORS, ids=IDS)
def test_vector_round_trip(path: Path, frame: GbcsFrame) -> None:
    tree = decode_dlms_payload(frame.payload)
    assert (
        tree["apdu"]
        == {0xD9: "access-request", 0xDA: "access-response", 0x0F: "data-notification"}[
            frame.payload[0]
        ]
    )
    assert encode_dlms_payload(tree) == frame.payload
    text = json.dumps(tree)
    assert encode_dlms_payload(json.loads(text)) == frame.payload
    assert tree["invoke_id"] == dlms_invoke_id(frame.counter)
    assert tree["invoke_id_flags"] == 0x20
    assert tree["invoke_id_counter"] == frame.counter & 0xFFFFFF
    assert tree["date_time"] == ""


@pytest.mark.parametrize(("path", "frame"), VECTORS, ids=IDS)
def test_vector_informational_keys_are_ignored(path: Path, frame: GbcsFrame) -> None:
    tree = decode_dlms_payload(frame.payload)
    garbled = copy.deepcopy(tree)
    garbled["invoke_id_flags"] = garbled["invoke_id_counter"] = -1
    for spec in garbled.get("specs", []):
        for key in ("class_name", "obis_name", "attribute_name", "method_name"):
            if key in spec["descriptor"]:
                spec["descriptor"][key] = "garbage"
    for result in garbled.get("results", []):
        result["result_name"] = "garbage"
    assert encode_dlms_payload(garbled) == frame.payload


@pytest.mark.parametrize(
    ("path", "frame"),
    [(p, f) for p, f in VECTORS if f.message_code in PROTECTED_RESPONSE_CODES and f.cra == 2],
    ids=lambda v: v.name if isinstance(v, Path) else "",
)
def test_protected_response_data(path: Path, frame: GbcsFrame) -> None:
    tree = decode_dlms_payload(frame.payload)
    assert tree["apdu"] == "access-response"
    for item in tree["data"]:
        if not _item_bytes(item).startswith(b"\x02\x02"):
            assert not is_protected_data(item)
            continue
        assert is_protected_data(item)
        parts = protected_data_parts(item)
        assert set(parts) == {
            "transaction_id_cra",
            "counter",
            "originator",
            "recipient",
            "security_control",
            "invocation_counter",
            "ciphertext",
            "tag",
        }
        assert parts["transaction_id_cra"] == 4
        assert parts["counter"] == frame.counter
        assert parts["originator"] == bytes.fromhex(frame.originator)
        assert parts["recipient"] == bytes.fromhex(frame.recipient)
        assert parts["security_control"] == 0x31
        assert parts["invocation_counter"] == 0
        assert isinstance(parts["ciphertext"], bytes) and parts["ciphertext"]
        assert isinstance(parts["tag"], bytes) and len(parts["tag"]) == 12
        # ciphertext and tag are the tail of the protected octet string
        sealed = bytes.fromhex(item["value"][1]["value"])
        assert sealed == b"\x31" + bytes(4) + parts["ciphertext"] + parts["tag"]


def test_protected_responses_are_present() -> None:
    protected = [
        item
        for _, frame in VECTORS
        if frame.message_code in PROTECTED_RESPONSE_CODES and frame.cra == 2
        for item in decode_dlms_payload(frame.payload)["data"]
        if is_protected_data(item)
    ]
    assert len(protected) >= 8


@pytest.mark.parametrize(
    ("path", "frame"),
    [(p, f) for p, f in VECTORS if f.message_code == ECS68_ALERT],
    ids=lambda v: v.name if isinstance(v, Path) else "",
)
def test_ecs68_alert_protected_data(path: Path, frame: GbcsFrame) -> None:
    tree = decode_dlms_payload(frame.payload)
    assert tree["apdu"] == "data-notification"
    body = tree["body"]
    assert body["type"] == "structure" and len(body["value"]) == 4
    assert body["value"][0] == {"type": "long-unsigned", "value": 0x8F0A}
    assert not is_protected_data(body)
    parts = alert_protected_data_parts(tree)
    assert parts["transaction_id_cra"] == 4
    assert parts["counter"] == frame.counter
    assert parts["originator"] == bytes.fromhex(frame.originator)
    assert parts["recipient"] == bytes.fromhex(frame.recipient)
    assert parts["security_control"] == 0x31
    assert len(parts["tag"]) == 12 and parts["ciphertext"]


def test_ecs68_alerts_are_present() -> None:
    assert sum(f.message_code == ECS68_ALERT for _, f in VECTORS) == 2


def test_protected_helpers_reject_other_shapes() -> None:
    plain_item = data_item("structure", [data_item("long-unsigned", 1), data_item("null-data")])
    assert not is_protected_data(plain_item)
    assert not is_protected_data({"type": "octet-string", "value": "00"})
    with pytest.raises(DecodeError):
        protected_data_parts(plain_item)
    notification = decode_dlms_payload(
        bytes.fromhex("0F200007D000020212810E090C07DF0101FF000000008000FF")
    )
    with pytest.raises(DecodeError):
        alert_protected_data_parts(notification)
    with pytest.raises(DecodeError):
        alert_protected_data_parts({"apdu": "access-response"})


# ----------------------------------------------------------------------------
# §2.2 examples
# ----------------------------------------------------------------------------
ECS52_REQUEST = bytes.fromhex("D9 20 00 03 E8 00 01 01 0001 0000000201FF 02 01 00")
ECS52_RESPONSE = bytes.fromhex("DA 20 00 03 E8 00 00 01 09 04 01 23 AB CD 01 01 00")


def test_ecs52_request() -> None:
    tree = decode_dlms_payload(ECS52_REQUEST)
    assert tree == {
        "apdu": "access-request",
        "invoke_id": 0x200003E8,
        "invoke_id_flags": 0x20,
        "invoke_id_counter": 1000,
        "date_time": "",
        "specs": [
            {
                "choice": "get",
                "descriptor": {
                    "class_id": 1,
                    "class_name": "Data",
                    "obis": "0-0:0.2.1.255",
                    "obis_name": None,
                    "attribute_id": 2,
                    "attribute_name": "Value",
                },
                "access_selection": None,
            }
        ],
        "data": [{"type": "null-data"}],
    }
    assert encode_dlms_payload(tree) == ECS52_REQUEST
    assert tree["invoke_id"] == dlms_invoke_id(0x03E8)


def test_ecs52_response() -> None:
    tree = decode_dlms_payload(ECS52_RESPONSE)
    assert tree == {
        "apdu": "access-response",
        "invoke_id": 0x200003E8,
        "invoke_id_flags": 0x20,
        "invoke_id_counter": 1000,
        "date_time": "",
        "data": [{"type": "octet-string", "value": "0123ABCD"}],
        "results": [{"choice": "get", "result": 0, "result_name": "success"}],
    }
    assert encode_dlms_payload(tree) == ECS52_RESPONSE


def test_minimal_encode_without_informational_keys() -> None:
    tree = {
        "apdu": "access-request",
        "invoke_id": dlms_invoke_id(1000),
        "date_time": "",
        "specs": [
            {
                "choice": "get",
                "descriptor": {"class_id": 1, "obis": "0-0:0.2.1.255", "attribute_id": 2},
            }
        ],
        "data": [{"type": "null-data"}],
    }
    assert encode_dlms_payload(tree) == ECS52_REQUEST


def test_obis_is_editable() -> None:
    tree = decode_dlms_payload(ECS52_REQUEST)
    tree["specs"][0]["descriptor"]["obis"] = "0-0:94.44.2.0"
    raw = encode_dlms_payload(tree)
    assert raw == ECS52_REQUEST.replace(
        bytes.fromhex("0000000201FF"), bytes.fromhex("00005E2C0200")
    )
    assert decode_dlms_payload(raw)["specs"][0]["descriptor"]["obis_name"] == "Currency Unit"


def test_action_and_get_with_selection_specs() -> None:
    raw = bytes.fromhex(
        "D9 20 00 00 01 00 02"
        "03 0070 0000130A00FF 01"  # action Credit 0-0:19.10.0.255 method 1
        "04 0007 0000636200FF 02 01"  # get-with-selection Profile Generic attr 2 selector 1
        "0202 0F01 0F02"
        "02 0F05 0202 0F01 0F02"
    )
    tree = decode_dlms_payload(raw)
    action, selective = tree["specs"]
    assert action["choice"] == "action"
    assert action["descriptor"]["method_id"] == 1
    assert action["descriptor"]["method_name"] == "Update Amount"
    assert action["descriptor"]["obis_name"] == "Meter Balance"
    assert selective["choice"] == "get-with-selection"
    assert selective["access_selection"]["selector"] == 1
    assert selective["access_selection"]["parameters"]["type"] == "structure"
    assert encode_dlms_payload(tree) == raw


def test_dlms_invoke_id() -> None:
    assert dlms_invoke_id(0x03EB) == 0x200003EB
    assert dlms_invoke_id(0x0123456789ABCDEF) == 0x20ABCDEF
    assert dlms_invoke_id(0) == 0x20000000


# ----------------------------------------------------------------------------
# A-XDR data types
# ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("hex_", "obj"),
    [
        ("00", {"type": "null-data"}),
        ("0300", {"type": "boolean", "value": False}),
        ("03FF", {"type": "boolean", "value": True}),
        ("0301", {"type": "boolean", "value": 1}),
        ("0420E0000001", {"type": "bit-string", "bits": 32, "value": "E0000001"}),
        ("040AFFC0", {"type": "bit-string", "bits": 10, "value": "FFC0"}),
        ("05FFFFFFFE", {"type": "double-long", "value": -2}),
        ("06FFFFFFFE", {"type": "double-long-unsigned", "value": 0xFFFFFFFE}),
        ("09040123ABCD", {"type": "octet-string", "value": "0123ABCD"}),
        ("0900", {"type": "octet-string", "value": ""}),
        ("0A03414243", {"type": "visible-string", "value": "ABC"}),
        ("0C02C3A9", {"type": "utf8-string", "value": "é"}),
        ("0D12", {"type": "bcd", "value": 0x12}),
        ("0F80", {"type": "integer", "value": -128}),
        ("108000", {"type": "long", "value": -32768}),
        ("11FF", {"type": "unsigned", "value": 255}),
        ("12FFFF", {"type": "long-unsigned", "value": 65535}),
        ("14FFFFFFFFFFFFFFFF", {"type": "long64", "value": -1}),
        ("15FFFFFFFFFFFFFFFF", {"type": "long64-unsigned", "value": 2**64 - 1}),
        ("1602", {"type": "enum", "value": 2}),
        ("173FC00000", {"type": "float32", "value": 1.5}),
        ("177FC00001", {"type": "float32", "value": "7FC00001"}),
        ("183FF8000000000000", {"type": "float64", "value": 1.5}),
        ("1907DF0101FF000000008000FF", {"type": "date-time", "value": "07DF0101FF000000008000FF"}),
        ("1A07DF0101FF", {"type": "date", "value": "07DF0101FF"}),
        ("1B00000000", {"type": "time", "value": "00000000"}),
        (
            "0102 1101 1102",
            {
                "type": "array",
                "value": [{"type": "unsigned", "value": 1}, {"type": "unsigned", "value": 2}],
            },
        ),
        ("0200", {"type": "structure", "value": []}),
        (
            "1312 06 0001 0002 0003",
            {"type": "compact-array", "description": {"type": "long-unsigned"}, "value": [1, 2, 3]},
        ),
        (
            "1301 0002 12 08 0001 0002 0003 0004",
            {
                "type": "compact-array",
                "description": {"type": "array", "count": 2, "element": {"type": "long-unsigned"}},
                "value": [[1, 2], [3, 4]],
            },
        ),
        (
            "1302 02 06 09 0C 00000001 02 AABB 00000002 00",
            {
                "type": "compact-array",
                "description": {
                    "type": "structure",
                    "members": [{"type": "double-long-unsigned"}, {"type": "octet-string"}],
                },
                "value": [[1, "AABB"], [2, ""]],
            },
        ),
        (
            "1304 02 02E0",
            {
                "type": "compact-array",
                "description": {"type": "bit-string"},
                "value": [{"bits": 2, "value": "E0"}],
            },
        ),
        ("0981 80" + "00" * 0x80, {"type": "octet-string", "value": "00" * 0x80}),
    ],
)
def test_data_types(hex_: str, obj: dict[str, Any]) -> None:
    raw = bytes.fromhex(hex_)
    assert _decode_item(raw) == obj
    assert _item_bytes(obj) == raw
    assert _item_bytes(json.loads(json.dumps(obj))) == raw


def test_boolean_true_builds_as_ff() -> None:
    assert _item_bytes({"type": "boolean", "value": True}) == b"\x03\xff"


@pytest.mark.parametrize(
    ("hex_", "message"),
    [
        ("07", "unknown DLMS data tag 0x07 at byte offset 0"),
        ("0202 1101 08", "unknown DLMS data tag 0x08 at byte offset 4"),
        ("1307 00", "unknown compact-array type description tag 0x07"),
        ("1313 00", "unknown compact-array type description tag 0x13"),
        ("1300 02 0000", "compact-array element of zero size"),
        ("1301 0002 00 00", "array of zero-size elements"),
        ("0981 05 0000000000", "non-minimal length"),
        ("0A01 80", "ascii"),
        ("0C01 FF", "utf"),
        ("0401 ", "stream read less"),
        ("01" * 40, "nested more than"),
    ],
)
def test_bad_data(hex_: str, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        _decode_item(bytes.fromhex(hex_))


# ----------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("hex_", "message"),
    [
        ("", "stream read less"),
        ("C0 200003E8 00", r"unknown DLMS APDU tag \(D9, DA or 0F expected\) 0xC0"),
        ("DA 200003E8 00 01 00 00", "access-request-specification must be absent"),
        ("DA 200003E8 00 00 01 00 02 0100 0200", "one result per data item"),
        ("D9 200003E8 00 01 01 0001 0000000201FF 02 00", "one data item per spec"),
        ("D9 200003E8 00 01 05 0001 0000000201FF 02 01 00", "specification choice 0x05"),
        ("DA 200003E8 00 00 01 00 01 07 00", "specification choice 0x07"),
        ("0F 200003E8 00 00 00", "left over"),
        ("0F 200003E8 00 20", "unknown DLMS data tag 0x20 at byte offset 6"),
        ("0F 200003E8 05 0102", "stream read less"),
    ],
)
def test_bad_payloads(hex_: str, message: str) -> None:
    with pytest.raises(DecodeError, match=message) as info:
        decode_dlms_payload(bytes.fromhex(hex_))
    assert info.value.offset is not None


def test_decode_error_has_path() -> None:
    with pytest.raises(DecodeError) as info:
        decode_dlms_payload(bytes.fromhex("D9 200003E8 00 01 01 0001 0000000201FF 02 01 07"))
    assert info.value.path is not None and "data" in info.value.path


@pytest.mark.parametrize(
    "change",
    [
        {"apdu": "access-whatever"},
        {"invoke_id": -1},
        {"invoke_id": 2**32},
        {"date_time": "XYZ"},
        {
            "specs": [
                {
                    "choice": "get",
                    "descriptor": {"class_id": 1, "obis": "0-0:0.2.1.256", "attribute_id": 2},
                }
            ]
        },
        {
            "specs": [
                {
                    "choice": "get",
                    "descriptor": {"class_id": 1, "obis": "0.0.0.2.1.255", "attribute_id": 2},
                }
            ]
        },
        {"specs": [{"choice": "fly", "descriptor": {}}]},
        {"specs": [{"choice": "get", "descriptor": {"class_id": 1, "obis": "0-0:0.2.1.255"}}]},
        {"data": [{"type": "quantum"}]},
        {"data": [{"type": "long-unsigned", "value": 70000}]},
        {"data": [{"type": "long-unsigned"}]},
        {"data": [{"type": "structure", "value": {"a": 1}}]},
        {"data": [{"type": "bit-string", "bits": 9, "value": "FF"}]},
        {
            "data": [
                {
                    "type": "compact-array",
                    "description": {"type": "long-unsigned"},
                    "value": [1, "x"],
                }
            ]
        },
        {
            "data": [
                {"type": "compact-array", "description": {"type": "compact-array"}, "value": []}
            ]
        },
        {
            "data": [
                {
                    "type": "compact-array",
                    "description": {"type": "array", "count": 2, "element": {"type": "unsigned"}},
                    "value": [[1]],
                }
            ]
        },
        {"data": [{"type": "float32", "value": 1e300}]},
        {"data": [{"type": "visible-string", "value": "é"}]},
        {"data": [{"type": "octet-string", "value": 5}]},
        {"data": [{"type": "null-data"}, {"type": "null-data"}]},
        {"data": "nope"},
    ],
)
def test_bad_trees(change: dict[str, Any]) -> None:
    tree = {**decode_dlms_payload(ECS52_REQUEST), **change}
    with pytest.raises(EncodeError):
        encode_dlms_payload(tree)


def test_bad_tree_types() -> None:
    with pytest.raises(EncodeError):
        encode_dlms_payload("D9")  # type: ignore[arg-type]
    with pytest.raises(EncodeError):
        encode_dlms_payload({})
    deep: dict[str, Any] = {"type": "null-data"}
    for _ in range(40):
        deep = {"type": "array", "value": [deep]}
    with pytest.raises(EncodeError, match="nested"):
        encode_dlms_payload({**decode_dlms_payload(ECS52_REQUEST), "data": [deep]})


# ----------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------
@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_fuzz_arbitrary_bytes(raw: bytes) -> None:
    _decode_only_codec_errors(raw)


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(
        [
            b"\xd9\x20\x00\x03\xe8\x00",
            b"\xda\x20\x00\x03\xe8\x00\x00",
            b"\x0f\x20\x00\x03\xe8\x00",
            b"\xd9",
            b"\xda",
            b"\x0f",
        ]
    ),
    st.binary(max_size=200),
)
def test_fuzz_dlms_prefixed_bytes(prefix: bytes, rest: bytes) -> None:
    _decode_only_codec_errors(prefix + rest)


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([frame.payload for _, frame in VECTORS]),
    st.lists(st.tuples(st.integers(0, 2**16), st.integers(0, 255)), min_size=1, max_size=4),
    st.integers(0, 2**16),
)
def test_fuzz_mutated_vectors(payload: bytes, changes: list[tuple[int, int]], cut: int) -> None:
    mutated = bytearray(payload)
    for index, value in changes:
        mutated[index % len(mutated)] = value
    _decode_only_codec_errors(bytes(mutated))
    _decode_only_codec_errors(bytes(mutated[: cut % len(mutated)]))


def _decode_only_codec_errors(raw: bytes) -> None:
    try:
        tree = decode_dlms_payload(raw)
    except CodecError:
        return
    # whatever decodes builds back exactly
    assert encode_dlms_payload(json.loads(json.dumps(tree))) == raw


_SIMPLE_ITEMS = st.one_of(
    st.just({"type": "null-data"}),
    st.builds(lambda v: {"type": "boolean", "value": v}, st.booleans()),
    st.builds(lambda v: {"type": "long-unsigned", "value": v}, st.integers(0, 0xFFFF)),
    st.builds(lambda v: {"type": "long", "value": v}, st.integers(-0x8000, 0x7FFF)),
    st.builds(lambda v: {"type": "double-long", "value": v}, st.integers(-(2**31), 2**31 - 1)),
    st.builds(
        lambda v: {"type": "octet-string", "value": v.hex().upper()}, st.binary(max_size=300)
    ),
    st.builds(lambda v: {"type": "utf8-string", "value": v}, st.text(max_size=20)),
    st.builds(
        lambda v: {"type": "float64", "value": v}, st.floats(allow_nan=False, allow_infinity=False)
    ),
    st.builds(
        lambda b: {"type": "bit-string", "bits": b, "value": "A5" * ((b + 7) // 8)},
        st.integers(0, 40),
    ),
)

_ITEMS = st.recursive(
    _SIMPLE_ITEMS,
    lambda children: st.builds(
        lambda kind, values: {"type": kind, "value": values},
        st.sampled_from(["array", "structure"]),
        st.lists(children, max_size=5),
    ),
    max_leaves=20,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ITEMS, min_size=1, max_size=4), st.integers(0, 2**64 - 1))
def test_built_trees_round_trip(items: list[dict[str, Any]], counter: int) -> None:
    tree = {
        "apdu": "access-response",
        "invoke_id": dlms_invoke_id(counter),
        "date_time": "",
        "data": items,
        "results": [{"choice": "get", "result": 0}] * len(items),
    }
    raw = encode_dlms_payload(tree)
    again = decode_dlms_payload(raw)
    assert again["data"] == items
    assert encode_dlms_payload(again) == raw
