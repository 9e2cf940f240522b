# SPDX-License-Identifier: GPL-3.0-or-later
"""ASN.1 DER payloads (gbcs-protocol.md §2.4): the generic DER codec and the named GBCS view,
over every vendored RTDS vector with an ASN.1 payload, plus hypothesis invariants."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gfi.codecs.asn1 import decode_asn1_payload, der, encode_asn1_payload
from gfi.codecs.asn1.der import Tlv
from gfi.codecs.asn1.gbcs import DISPATCH, SCHEMAS
from gfi.codecs.gbcs.message import GbcsFrame, decode_frame
from gfi.errors import CodecError, DecodeError, EncodeError

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "rtds" / "vectors"
ASN1_FIRST_BYTES = (0x30, 0x02, 0x04, 0x05)


def _asn1_vectors() -> list[tuple[str, bytes, int, int]]:
    found = []
    for path in sorted(VECTORS.glob("**/*.HEX")):
        frame = decode_frame(bytes.fromhex(path.read_text().strip()))
        if (
            isinstance(frame, GbcsFrame)
            and frame.payload[:1]
            and (frame.payload[0] in ASN1_FIRST_BYTES)
        ):
            found.append((path.name, frame.payload, frame.message_code, int(frame.cra)))
    return found


ASN1_VECTORS = _asn1_vectors()
BY_NAME = {name: (payload, code, cra) for name, payload, code, cra in ASN1_VECTORS}


def decoded(name: str) -> dict[str, Any]:
    payload, code, cra = BY_NAME[name]
    return decode_asn1_payload(payload, message_code=code, cra=cra)


def assert_round_trip(tree: dict[str, Any], payload: bytes) -> None:
    assert encode_asn1_payload(tree) == payload
    assert encode_asn1_payload(json.loads(json.dumps(tree))) == payload


# ----------------------------------------------------------------------------
# The RTDS corpus
# ----------------------------------------------------------------------------
def test_corpus_has_the_asn1_vectors() -> None:
    assert len(ASN1_VECTORS) == 112


@pytest.mark.parametrize(
    ("name", "payload", "code", "cra"), ASN1_VECTORS, ids=[v[0] for v in ASN1_VECTORS]
)
def test_vector_decodes_named_and_round_trips(name: str, payload: bytes, code: int, cra: int):
    tree = decode_asn1_payload(payload, message_code=code, cra=cra)
    # Every vector in the corpus matches a named structure: no exceptions needed.
    assert tree["schema"] != "generic", tree.get("mismatch")
    assert tree["schema"] in DISPATCH[code, cra]
    assert_round_trip(tree, payload)


def test_every_corpus_schema_is_seen() -> None:
    seen = {decoded(name)["schema"] for name in BY_NAME}
    assert {
        "CS02a.command", "CS02a.response", "CS02b.command", "CS02b.response",
        "CS02c.command", "CS02c.response.certification_request", "CS02c.response.error",
        "CS02e.command", "CS02e.response.certificate", "CS02e.response.error",
        "CS02f.command", "CS02f.response", "CS02g.command", "CS02g.response", "CS02g.alert",
        "CS03A2.command", "CS03A2.response", "CS03B.command", "CS03B.response",
        "CS03C.command", "CS03C.response", "CS04AC.command", "CS04AC.response",
        "CS06.command", "CS06.response.accepted", "CS06.response.outcome", "CS06.alert",
        "CS07.command", "CS07.response", "CS08.command", "CS08.response",
        "GCS28.command", "GCS28.response", "GCS62.alert",
    } <= seen  # fmt: skip


# ----------------------------------------------------------------------------
# Spot checks of field values
# ----------------------------------------------------------------------------
def test_cs06_command() -> None:
    tree = decoded("CS06_11.3_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX")
    assert tree == {
        "schema": "CS06.command",
        "manufacturer_image_hash": "AA758690730934FF0685AA758690730934FF068565778899"
        "0011223344556677",
        "originator_counter": 1000,
        "execution_date_time": None,
    }
    assert len(bytes.fromhex(tree["manufacturer_image_hash"])) == 32
    future = decoded("CS06_11.3_FUTURE_DATED_SUCCESS_COMMAND_GBCS.HEX")
    assert future["execution_date_time"] == "20300115090000Z"
    assert future["originator_counter"] == 1001


def test_cs06_responses_and_alert() -> None:
    assert decoded("CS06_11.3_FUTURE_DATED_SUCCESS_RESPONSE_GBCS.HEX") == {
        "schema": "CS06.response.accepted"
    }
    outcome = decoded("CS06_11.3_IMMEDIATE_ERROR_RESPONSE_GBCS.HEX")
    assert outcome["schema"] == "CS06.response.outcome"
    assert (outcome["response_code"], outcome["response_code_name"]) == (1, "noImageHeld")
    assert outcome["firmware_version"] == "0123ABCF"
    alert = decoded("CS06_11.3_8F67_FUTURE_DATED_ERROR_ALERT_GBCS.HEX")
    assert alert["alert_code"] == 0x8F67
    assert alert["alert_code_hex"] == "8F67"
    assert alert["alert_code_name"].startswith("Future-date HAN Interface Command not")
    assert alert["originator_counter"] == 1004
    assert alert["outcome"]["response_code_name"] == "hashMismatch"


def test_cs03_join_command_with_certificate() -> None:
    tree = decoded("CS03CCritical_8.7.1_SUCCESS_COMMAND_GBCS.HEX")
    assert tree["schema"] == "CS03C.command"
    assert (tree["join_method_and_role"], tree["join_method_and_role_name"]) == (3, "methodC")
    assert re.fullmatch(r"00DB[0-9A-F]{12}", tree["other_entity_id"])
    assert (tree["other_device_type"], tree["other_device_type_name"]) == (5, "PPMID")
    info = tree["other_device_certificate_info"]
    assert info["entity_id"] == tree["other_entity_id"]
    assert info["key_usage"] == ["keyAgreement"]
    assert info["not_after"] == "99991231235959Z"
    plain = decoded("CS03B_8.7.2_SUCCESS_COMMAND_GBCS.HEX")
    assert plain["other_device_certificate"] is None
    assert plain["join_method_and_role_name"] == "methodB"


def test_join_unjoin_responses() -> None:
    assert decoded("CS03B_8.7.2_ERROR_RESPONSE_GBCS.HEX") == {
        "schema": "CS03B.response",
        "response_code": 2,
        "response_code_name": "invalidJoinMethodAndRole",
    }
    assert decoded("CS04ACCritical_8.8.1_SUCCESS_COMMAND_GBCS.HEX") == {
        "schema": "CS04AC.command",
        "other_entity_id": "00DB123456789099",
    }
    assert decoded("CS04ACCritical_8.8.1_ERROR_RESPONSE_GBCS.HEX")["response_code_name"] == (
        "notInDeviceLog"
    )


def test_gcs28_validity_interval_and_device_time() -> None:
    tree = decoded("GCS28Commission_8.1.1_SUCCESS_COMMAND_GBCS.HEX")
    assert tree == {
        "schema": "GCS28.command",
        "validity_interval_start": "20141231233000Z",
        "validity_interval_end": "20150101003000Z",
    }
    response = decoded("GCS28Commission_8.1.1_ERROR_RESPONSE_GBCS.HEX")
    assert response["device_time"] == "20150101000000Z"
    assert response["device_time_status_name"] == "unreliable"


def test_cs02a_command_and_response() -> None:
    tree = decoded("CS02aMAC_6.24.1_SUCCESS_COMMAND_GBCS.HEX")
    cell = tree["authorising_remote_party_ta_cell_id"]
    assert (cell["role_name"], cell["key_usage"], cell["cell_usage"]) == (
        "accessControlBroker",
        ["keyAgreement"],
        None,
    )
    assert tree["roles_required_name"] == ["supplier", "networkOperator"]
    response = decoded("CS02aMAC_6.24.1_SUCCESS_RESPONSE_GBCS.HEX")
    supplier = response["remote_parties"][0]
    assert supplier["status_name"] == "success"
    assert [c["cell_usage"] for c in supplier["trust_anchor_cells"]] == [None, None, 1]
    assert supplier["trust_anchor_cells"][2]["cell_usage_name"] == "prepaymentTopUp"
    error = decoded("CS02aMAC_6.24.1_ERROR_RESPONSE_GBCS.HEX")["remote_parties"][1]
    assert (error["status_name"], error["trust_anchor_cells"]) == ("trustAnchorNotFound", None)


def test_cs02b_command_context_tags() -> None:
    tree = decoded("CS02bTransCoSByTransCoS_NA_SUCCESS_COMMAND_GBCS.HEX")
    control = tree["control"]
    assert control["credentials_replacement_mode_name"] == "transCoSByTransCoS"
    assert control["apply_time_based_cpv_checks_name"] == "disapply"  # [1] 81 01
    assert control["authorising_remote_party_ta_cell_id"]["role_name"] == "transitionalCoS"
    assert control["authorising_seq_number"] == 6000  # [3] 83 17 70
    assert control["new_floor_seq_number"] is None
    (replacement,) = tree["replacements"]
    assert replacement["certificate_info"]["issuer"] == "CN=Z1,OU=07"
    assert len(tree["certification_path"]) == 1
    assert tree["certification_path_info"][0] is not None
    assert tree["execution_date_time"] is None
    nobyno = decoded("CS02bNOByNO_6.15.1_SUCCESS_COMMAND_GBCS.HEX")["control"]
    assert (nobyno["authorising_seq_number"], nobyno["new_floor_seq_number"]) == (1200, 0)
    cs02g = decoded("CS02gLoadControllerBySupplier_6.15.1_CANCELLATION_SUCCESS_COMMAND_GBCS.HEX")
    changes = cs02g["control"]["other_party_seq_number_changes"]  # [6] A6
    assert changes == [
        {"role": 8, "role_name": "loadController", "seq_number": 0, "specialist_seq_numbers": None}
    ]
    assert cs02g["execution_date_time"] == "99991231235959Z"


def test_cs02b_response_and_non_minimal_length() -> None:
    name = "CS02bAnyByContingency_NA_ERROR_RESPONSE_GBCS.HEX"
    tree = decoded(name)
    assert tree["command_accepted"] is None
    outcome = tree["execution_outcome"]
    assert outcome["credentials_replacement_mode_name"] == "anyByContingency"
    supplier = outcome["seq_number_changes"][1]
    assert supplier["specialist_seq_numbers"] == [{"specialist": 0, "seq_number": 0}]
    statuses = [o["status_name"] for o in outcome["replacement_outcomes"]]
    assert "noTrustAnchor" in statuses
    # 30 82 00 83: a BER length form kept as a faithful field.
    response = decoded("CS02bNOByNO_6.15.1_SUCCESS_RESPONSE_GBCS.HEX")
    payload = BY_NAME["CS02bNOByNO_6.15.1_SUCCESS_RESPONSE_GBCS.HEX"][0]
    assert payload[:4] == bytes.fromhex("30820083")
    assert response["non_minimal_lengths"] == {"der": 2}
    minimal = {k: v for k, v in response.items() if k != "non_minimal_lengths"}
    assert encode_asn1_payload(minimal) == bytes.fromhex("308183") + payload[4:]


def test_cs02c_and_cs02e_alternatives() -> None:
    request = decoded("CS02c_6.17_SUCCESS_RESPONSE_GBCS.HEX")
    assert request["certification_request_info"]["signature_valid"] is True
    assert request["certification_request_info"]["entity_id"] == "00DB1234567890A0"
    assert decoded("CS02c_6.17_ERROR_RESPONSE_GBCS.HEX")["response_code_name"] == (
        "certificationRequestProductionFailed"
    )
    assert decoded("CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX")["key_usage"] == ["digitalSignature"]
    certificate = decoded("CS02e_6.24.2_SUCCESS_RESPONSE_GBCS.HEX")
    assert certificate["certificate_info"]["issuer"] == "CN=E357"
    assert certificate["certificate_info"]["subject"] == ""
    assert decoded("CS02e_6.24.2_ERROR_RESPONSE_GBCS.HEX")["response_code_name"] == (
        "retrievalFailure"
    )


def test_device_logs() -> None:
    backup = decoded("GCS62_NA_8071_ALERT_GBCS.HEX")
    assert backup["alert_code_hex"] == "8071"
    assert backup["backup_date_time"] == "20150101000000Z"
    assert len(backup["device_log_entries"]) == 6
    assert backup["device_log_entries"][0]["device_type_name"] == "Type2"
    cs07 = decoded("CS07_8.9_SUCCESS_RESPONSE_GBCS.HEX")
    assert [e["device_type_name"] for e in cs07["device_log_entries"]] == ["GPF", "GPF", "PPMID"]
    assert decoded("CS07_8.9_ERROR_RESPONSE_GBCS.HEX")["device_log_entries"] is None
    assert decoded("CS07_8.9_SUCCESS_COMMAND_GBCS.HEX") == {"schema": "CS07.command"}
    assert decoded("CS08_11.2_SUCCESS_RESPONSE_GBCS.HEX")["firmware_version"] == "0123ABCD"


# ----------------------------------------------------------------------------
# Encoding the named view
# ----------------------------------------------------------------------------
def test_informational_keys_are_ignored_on_encode() -> None:
    name = "CS03CCritical_8.7.1_SUCCESS_COMMAND_GBCS.HEX"
    payload = BY_NAME[name][0]
    tree = decoded(name)
    tree["other_device_certificate_info"] = {"subject": "edited"}
    tree["join_method_and_role_name"] = "nonsense"
    assert encode_asn1_payload(tree) == payload
    del tree["other_device_certificate_info"], tree["other_device_type_name"]
    assert encode_asn1_payload(tree) == payload


def test_edited_fields_encode() -> None:
    tree = decoded("CS06_11.3_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX")
    tree.update(originator_counter=2**63, execution_date_time="20250101000000Z")
    again = decode_asn1_payload(encode_asn1_payload(tree), message_code=0x0012, cra=1)
    assert again == tree
    cells = decoded("CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX")
    cells["key_usage"] = ["keyAgreement", "digitalSignature"]
    assert encode_asn1_payload(cells) == bytes.fromhex("3004030203 88".replace(" ", ""))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"surprise": 1}, "unknown key"),
        ({"originator_counter": None}, "missing required field"),
        ({"originator_counter": "1000"}, "expected an integer"),
        ({"originator_counter": True}, "expected an integer"),
        ({"manufacturer_image_hash": "00"}, "expected 32 octets"),
        ({"manufacturer_image_hash": "XYZ"}, "not a hex string"),
        ({"execution_date_time": "2015-01-01"}, "YYYYMMDDhhmmssZ"),
        ({"schema": "CS99.command"}, "unknown ASN.1 schema"),
        ({"non_minimal_lengths": {"der[7]": 2}}, "no DER node"),
        ({"non_minimal_lengths": {"der": 9}}, "length_octets"),
    ],
)
def test_bad_named_trees_raise_encode_error(change: dict[str, Any], message: str) -> None:
    tree = decoded("CS06_11.3_FUTURE_DATED_SUCCESS_COMMAND_GBCS.HEX")
    tree.update(change)
    with pytest.raises(EncodeError, match=message):
        encode_asn1_payload(tree)


def test_bad_certificate_and_bits_raise_encode_error() -> None:
    tree = decoded("CS03CCritical_8.7.1_SUCCESS_COMMAND_GBCS.HEX")
    tree["other_device_certificate"] = "3003020100FF"
    with pytest.raises(EncodeError, match="not one DER value"):
        encode_asn1_payload(tree)
    tree["other_device_certificate"] = "020100"
    with pytest.raises(EncodeError, match="must be a SEQUENCE"):
        encode_asn1_payload(tree)
    request = decoded("CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX")
    request["key_usage"] = ["keyAgreement", "flying"]
    with pytest.raises(EncodeError, match="unknown bit"):
        encode_asn1_payload(request)
    with pytest.raises(EncodeError):
        encode_asn1_payload([])  # type: ignore[arg-type]


# ----------------------------------------------------------------------------
# Fallback to the generic tree
# ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("hex_payload", "code", "cra", "why"),
    [
        ("300702010102020100", 0x0012, 1, "manufacturer_image_hash"),  # not CS06
        ("3003020100", 0x7777, 1, None),  # unknown message code
        ("02020001", 0x000E, 2, "minimal"),  # non-minimal INTEGER
        ("3005030300FF00", 0x000A, 1, "named-bit"),  # key usage with trailing zero bits
        ("3011180F32303135303130313030303030305A", 0x007F, 1, "validity_interval_end"),
    ],
)
def test_mismatch_falls_back_to_generic(
    hex_payload: str, code: int, cra: int, why: str | None
) -> None:
    payload = bytes.fromhex(hex_payload)
    tree = decode_asn1_payload(payload, message_code=code, cra=cra)
    assert tree["schema"] == "generic"
    if why:
        assert why in tree["mismatch"]
        assert tree["expected"] == list(DISPATCH[code, cra])
    else:
        assert "expected" not in tree
    assert_round_trip(tree, payload)


def test_enumerations_stay_open() -> None:
    payload = bytes.fromhex("020200FF")
    tree = decode_asn1_payload(payload, message_code=0x000E, cra=2)
    assert tree == {"schema": "CS03B.response", "response_code": 255, "response_code_name": None}
    assert_round_trip(tree, payload)
    negative = decode_asn1_payload(bytes.fromhex("0201FF"), message_code=0x000E, cra=2)
    assert negative["response_code"] == -1


def test_generic_tree_shape() -> None:
    tree = decode_asn1_payload(bytes.fromhex("A2050201FF8000"), message_code=1, cra=1)
    assert tree == {
        "schema": "generic",
        "der": {
            "tag": "A2", "class": "context", "constructed": True, "number": 2,
            "children": [
                {"tag": "02", "type": "INTEGER", "class": "universal", "constructed": False,
                 "number": 2, "value": "FF"},
                {"tag": "80", "class": "context", "constructed": False, "number": 0,
                 "value": ""},
            ],
        },
    }  # fmt: skip


# ----------------------------------------------------------------------------
# The generic DER codec
# ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("hex_data", "message", "offset"),
    [
        ("", "empty input", 0),
        ("3080020100 0000", "indefinite length", 1),
        ("30", "length octets missing", 1),
        ("3005020100", r"truncated: SEQUENCE \(30\) needs 5", 2),
        ("300302010000", "left over", 5),
        ("048400000001", "unsupported length form 84", 1),
        ("0482", "truncated length octets", 1),
        ("048105" + "00" * 5, "non-minimal length encoding 81", 1),
        ("1F0100", "high-tag-number form used for tag number 1", 0),
        ("9F800100", "non-minimal high tag number", 1),
        ("9F8181818101", "tag number too large", 5),
        ("9F81", "truncated identifier octets", 2),
        ("0000", "end-of-contents", 0),
        ("1000", "SEQUENCE must use the constructed form", 0),
        ("2203020100", "INTEGER must use the primitive form", 0),
        ("3003300200", "truncated", 4),
    ],
)
def test_der_errors(hex_data: str, message: str, offset: int) -> None:
    with pytest.raises(DecodeError, match=message) as info:
        der.decode_tlv(bytes.fromhex(hex_data))
    assert info.value.offset == offset
    if "non-minimal length" not in message:  # the payload codec keeps BER lengths (lenient)
        with pytest.raises(DecodeError, match=message):
            decode_asn1_payload(bytes.fromhex(hex_data), message_code=0x0012, cra=1)


def test_der_error_path_names_the_node() -> None:
    with pytest.raises(DecodeError) as info:
        der.decode_tlv(bytes.fromhex("3008 0201FF 3003 028000"))
    assert info.value.path == "der[1][0]"


def test_der_nesting_limit() -> None:
    data = b""
    for _ in range(der.MAX_DEPTH + 2):
        data = bytes([0x30]) + der_length(len(data)) + data
    with pytest.raises(DecodeError, match="nesting deeper"):
        der.decode_tlv(data)


def der_length(n: int) -> bytes:
    return bytes([n]) if n < 0x80 else bytes([0x81, n])


def test_high_tag_numbers_and_lenient_lengths() -> None:
    data = bytes.fromhex("BF8F0004" + "9F1F0100")  # [1920] { [31] 00 }
    node = der.decode_tlv(data)
    assert (node.tag_class, node.constructed, node.number) == (der.CONTEXT, True, 1920)
    assert node.children[0].number == 31
    assert der.encode_tlv(node) == data
    ber = bytes.fromhex("30 83 000003 0201 05")
    with pytest.raises(DecodeError, match="non-minimal"):
        der.decode_tlv(ber)
    lenient = der.decode_tlv(ber, minimal_lengths=False)
    assert lenient.length_octets == 3
    assert der.encode_tlv(lenient) == ber
    assert der.encode_der(json.loads(json.dumps(der.tlv_to_tree(lenient)))) == ber


@pytest.mark.parametrize(
    ("tree", "message"),
    [
        ([], "must be an object"),
        ({"class": "galactic", "constructed": False, "number": 2, "value": ""}, "'class'"),
        ({"class": "context", "constructed": 1, "number": 2, "value": ""}, "'constructed'"),
        ({"class": "context", "constructed": False, "number": -1, "value": ""}, "'number'"),
        ({"class": "context", "constructed": False, "number": 1, "value": "0"}, "hex"),
        ({"class": "context", "constructed": True, "number": 1, "value": ""}, "'children'"),
        ({"class": "context", "constructed": True, "number": 1}, "'children' list"),
        ({"class": "context", "constructed": False, "number": 1, "children": []}, "'value'"),
        ({"class": "universal", "constructed": False, "number": 16, "value": ""}, "constructed"),
        ({"class": "context", "constructed": False, "number": 1, "value": "", "x": 1}, "unknown"),
        (
            {
                "class": "context",
                "constructed": False,
                "number": 1,
                "value": "",
                "length_octets": 0,
            },
            "length_octets",
        ),
    ],
)
def test_bad_generic_trees(tree: Any, message: str) -> None:
    with pytest.raises(EncodeError, match=message):
        der.encode_der(tree)
    with pytest.raises(EncodeError):
        encode_asn1_payload({"schema": "generic", "der": tree})


def test_length_octets_must_fit() -> None:
    node = Tlv(der.CONTEXT, False, 1, b"\x00" * 300, (), 1)
    with pytest.raises(EncodeError, match="does not fit"):
        der.encode_tlv(node)


# ----------------------------------------------------------------------------
# Hypothesis
# ----------------------------------------------------------------------------
DISPATCH_KEYS = sorted(DISPATCH)
codes_and_cras = st.one_of(
    st.sampled_from(DISPATCH_KEYS),
    st.tuples(st.integers(0, 0xFFFF), st.integers(0, 4)),
)


def _assert_decodes_losslessly_or_codec_error(data: bytes, code: int, cra: int) -> None:
    try:
        tree = decode_asn1_payload(data, message_code=code, cra=cra)
    except CodecError:
        return
    assert tree["schema"] == "generic" or tree["schema"] in SCHEMAS
    assert_round_trip(tree, data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64), codes_and_cras)
def test_arbitrary_bytes_only_codec_errors(data: bytes, key: tuple[int, int]) -> None:
    _assert_decodes_losslessly_or_codec_error(data, *key)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64), codes_and_cras)
def test_sequence_prefixed_bytes_only_codec_errors(data: bytes, key: tuple[int, int]) -> None:
    body = data[:0x7F]
    _assert_decodes_losslessly_or_codec_error(b"\x30" + data, *key)
    _assert_decodes_losslessly_or_codec_error(b"\x30" + bytes([len(body)]) + body, *key)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ASN1_VECTORS), st.data())
def test_mutated_vectors_only_codec_errors(vector: tuple[str, bytes, int, int], data: Any):
    _, payload, code, cra = vector
    index = data.draw(st.integers(0, len(payload) - 1))
    value = data.draw(st.integers(0, 255))
    mutated = payload[:index] + bytes([value]) + payload[index + 1 :]
    _assert_decodes_losslessly_or_codec_error(mutated, code, cra)


_PRIMITIVE_UNIVERSAL = [n for n in range(1, 31) if n not in der.ALWAYS_CONSTRUCTED]
_tag_numbers = st.one_of(st.integers(0, 40), st.integers(0, der.MAX_TAG_NUMBER))
_length_forms = st.sampled_from([None, None, 3])


def _primitive_nodes() -> st.SearchStrategy[Tlv]:
    universal = st.builds(
        lambda n, c, lo: Tlv(der.UNIVERSAL, False, n, c, (), lo),
        st.sampled_from(_PRIMITIVE_UNIVERSAL), st.binary(max_size=20), _length_forms,
    )  # fmt: skip
    other = st.builds(
        lambda k, n, c, lo: Tlv(k, False, n, c, (), lo),
        st.integers(1, 3), _tag_numbers, st.binary(max_size=20), _length_forms,
    )  # fmt: skip
    return st.one_of(universal, other)


def _constructed(children: st.SearchStrategy[list[Tlv]]) -> st.SearchStrategy[Tlv]:
    universal = st.builds(
        lambda n, cs, lo: Tlv(der.UNIVERSAL, True, n, b"", tuple(cs), lo),
        st.sampled_from(sorted(der.ALWAYS_CONSTRUCTED)), children, _length_forms,
    )  # fmt: skip
    other = st.builds(
        lambda k, n, cs, lo: Tlv(k, True, n, b"", tuple(cs), lo),
        st.integers(1, 3), _tag_numbers, children, _length_forms,
    )  # fmt: skip
    return st.one_of(universal, other)


der_trees = st.recursive(
    _primitive_nodes(), lambda kids: _constructed(st.lists(kids, max_size=4)), max_leaves=24
)


def _has_long_form(node: Tlv) -> bool:
    return bool(der.non_minimal_lengths(node))


@settings(max_examples=300, deadline=None)
@given(der_trees)
def test_generated_der_trees_round_trip(node: Tlv) -> None:
    data = der.encode_tlv(node)
    assert der.decode_tlv(data, minimal_lengths=False) == node
    if _has_long_form(node):
        with pytest.raises(DecodeError, match="non-minimal"):
            der.decode_tlv(data)
    else:
        assert der.decode_tlv(data) == node
    tree = json.loads(json.dumps(der.tlv_to_tree(node)))
    assert der.tlv_from_tree(tree) == node
    assert der.encode_der(tree) == data


@settings(max_examples=200, deadline=None)
@given(der_trees, codes_and_cras)
def test_generated_der_payloads_round_trip(node: Tlv, key: tuple[int, int]) -> None:
    data = der.encode_tlv(node)
    tree = decode_asn1_payload(data, message_code=key[0], cra=key[1])
    assert_round_trip(tree, data)


@settings(max_examples=200, deadline=None)
@given(
    st.binary(min_size=32, max_size=32),
    st.integers(-(2**70), 2**70),
    st.none() | st.from_regex(r"\A[0-9]{14}Z\Z"),
)
def test_cs06_command_property(image_hash: bytes, counter: int, when: str | None) -> None:
    tree = {
        "schema": "CS06.command",
        "manufacturer_image_hash": image_hash.hex().upper(),
        "originator_counter": counter,
        "execution_date_time": when,
    }
    data = encode_asn1_payload(tree)
    assert decode_asn1_payload(data, message_code=0x0012, cra=1) == tree


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(ASN1_VECTORS), st.data())
def test_named_trees_with_edited_integers_round_trip(
    vector: tuple[str, bytes, int, int], data: Any
) -> None:
    _, payload, code, cra = vector
    tree = copy.deepcopy(decode_asn1_payload(payload, message_code=code, cra=cra))
    tree.pop("non_minimal_lengths", None)
    targets: list[tuple[dict[str, Any], str]] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if (
                    isinstance(item, int)
                    and not isinstance(item, bool)
                    and not key.endswith("_info")
                ):
                    targets.append((value, key))
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(tree)
    if targets:
        holder, key = data.draw(st.sampled_from(targets))
        holder[key] = data.draw(st.integers(-(2**63), 2**64))
    encoded = encode_asn1_payload(tree)
    again = decode_asn1_payload(encoded, message_code=code, cra=cra)
    assert again["schema"] == tree["schema"]
    assert encode_asn1_payload(again) == encoded
    assert _canonical(again) == _canonical(tree)


def _canonical(value: Any) -> Any:
    """``value`` without the informational keys."""
    if isinstance(value, dict):
        return {
            k: _canonical(v) for k, v in value.items() if not k.endswith(("_name", "_hex", "_info"))
        }
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value
