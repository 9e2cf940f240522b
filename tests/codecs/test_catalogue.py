# SPDX-License-Identifier: GPL-3.0-or-later
"""The message-code catalogue and naming tables against gbcs-protocol.md §2–§5 and the RTDS
vectors vendored under ``tests/vectors/rtds/vectors``."""

from __future__ import annotations

from pathlib import Path

import pytest

from gfi.codecs.gbcs import catalogue as cat
from gfi.codecs.gbcs.catalogue import (
    ALERT_CODES,
    ALERT_MESSAGE_CODE_CRITICALITY,
    MESSAGE_CODES,
    RTDS_KINDS,
    CredentialsReplacementMode,
    Criticality,
    PayloadFamily,
    lookup,
    obis_text,
)

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "rtds" / "vectors"
VECTOR_FILES = sorted(VECTORS.rglob("*_GBCS.HEX"))


# ----------------------------------------------------------------------------
# Catalogue shape (§3)
# ----------------------------------------------------------------------------
def test_exactly_240_codes_in_order() -> None:
    assert len(MESSAGE_CODES) == 240
    assert list(MESSAGE_CODES) == sorted(MESSAGE_CODES)
    assert all(info.code == code for code, info in MESSAGE_CODES.items())
    assert min(MESSAGE_CODES) == 0x0001
    assert max(MESSAGE_CODES) == 0x1001


def test_codes_only_in_rtds() -> None:
    # "Codes only in R" = in the vectors but unknown to P's name table (§3, §7 item 7);
    # W names one of them (0x0004).
    only_r = {
        code
        for code, info in MESSAGE_CODES.items()
        if "R" in info.sources and "P" not in info.sources
    }
    expected = {0x0004, *range(0x011A, 0x0126 + 1), 0x012A, 0x012B}
    assert len(expected) == 16
    assert only_r == expected
    assert {code for code in expected if MESSAGE_CODES[code].sources != "R"} == {0x0004}


def test_codes_named_by_p_absent_from_rtds() -> None:
    absent = {code for code, info in MESSAGE_CODES.items() if "R" not in info.sources}
    expected = {0x00D5, 0x0100, 0x0101, *range(0x0116, 0x0119 + 1)}
    assert len(expected) == 7
    assert absent == expected
    assert all("P" in MESSAGE_CODES[code].sources for code in expected)
    assert all(MESSAGE_CODES[code].rtds_counts == (0, 0, 0, 0) for code in expected)


def test_source_coverage_counts() -> None:
    def named_by(source: str) -> int:
        return sum(source in info.sources for info in MESSAGE_CODES.values())

    assert named_by("P") == 224
    assert named_by("W") == 216
    assert named_by("H") == 218
    assert named_by("R") == 233


def test_233_codes_have_rtds_vectors() -> None:
    with_vectors = [info for info in MESSAGE_CODES.values() if info.has_rtds_vectors]
    assert len(with_vectors) == 233
    assert all(("R" in info.sources) == info.has_rtds_vectors for info in MESSAGE_CODES.values())


def test_rtds_totals_match_inventory() -> None:
    # §5.1: 501 COMMAND, 178 PRECOMMAND, 503 RESPONSE, 93 ALERT.
    totals = [sum(info.rtds_counts[k] for info in MESSAGE_CODES.values()) for k in range(4)]
    assert totals == [501, 178, 503, 93]


def test_payload_family_counts() -> None:
    # §2: DLMS 138 codes, GBZ 65, ASN.1 32 in R; 0x1000/0x1001 exist in both DLMS and GBZ form.
    in_r = [info for info in MESSAGE_CODES.values() if info.has_rtds_vectors]

    def uses(family: PayloadFamily) -> int:
        return sum(family in (info.family, info.alt_family) for info in in_r)

    assert uses(PayloadFamily.DLMS) == 138
    assert uses(PayloadFamily.GBZ) == 65
    assert uses(PayloadFamily.ASN1) == 32
    assert {info.code for info in MESSAGE_CODES.values() if info.alt_family} == {0x1000, 0x1001}
    unknown = {c for c, i in MESSAGE_CODES.items() if i.family is PayloadFamily.UNKNOWN}
    assert unknown == {0x0116, 0x0117, 0x0118, 0x0119}


def test_spot_checks() -> None:
    ecs01a = lookup(0x0019)
    assert ecs01a is not None
    assert ecs01a.use_case == "ECS01a"
    assert ecs01a.criticality is Criticality.CRITICAL
    assert ecs01a.family is PayloadFamily.DLMS
    assert ecs01a.target == "ESME"
    assert ecs01a.rtds_counts == (5, 5, 5, 0)
    assert ecs01a.rtds_count("precommand") == 5
    assert not ecs01a.alert_only

    acb = MESSAGE_CODES[0x0104]
    assert acb.use_case == "CS02b"
    assert acb.name == "Update Security Credentials (accessControlBrokerByACB)"
    assert acb.criticality is Criticality.NON_CRITICAL
    assert acb.family is PayloadFamily.ASN1
    assert acb.rtds_counts == (1, 0, 1, 0)

    fdea = MESSAGE_CODES[0x00CC]
    assert fdea.alert_only
    assert fdea.use_case is None
    assert fdea.criticality is Criticality.ALERT_CRITICAL
    assert fdea.rtds_counts == (0, 0, 0, 41)

    generic = MESSAGE_CODES[0x1000]
    assert generic.family is PayloadFamily.DLMS
    assert generic.alt_family is PayloadFamily.GBZ
    assert MESSAGE_CODES[0x1001].alt_family is PayloadFamily.GBZ
    assert MESSAGE_CODES[0x0021].alt_family is None

    assert MESSAGE_CODES[0x0008].criticality is Criticality.MIXED
    assert MESSAGE_CODES[0x011B].criticality is Criticality.MIXED
    assert MESSAGE_CODES[0x0108].criticality is Criticality.CRITICAL_NO_MAC
    assert MESSAGE_CODES[0x0116].criticality is Criticality.UNKNOWN
    assert MESSAGE_CODES[0x00AB].target == "HCALCS*/PPMID*"
    assert MESSAGE_CODES[0x0074].target == "GPF/GSME"
    assert MESSAGE_CODES[0x0027].use_case == "ECS17b"
    assert MESSAGE_CODES[0x0001].sources == "PWHR"
    assert lookup(0x0005) is None
    assert lookup(0xFFFF) is None


def test_criticality_counts() -> None:
    counts: dict[Criticality, int] = {}
    for info in MESSAGE_CODES.values():
        counts[info.criticality] = counts.get(info.criticality, 0) + 1
    assert counts[Criticality.CRITICAL_NO_MAC] == 1
    assert counts[Criticality.MIXED] == 2
    assert counts[Criticality.ALERT_CRITICAL] == 17
    assert counts[Criticality.ALERT_NON_CRITICAL] == 11
    assert counts[Criticality.UNKNOWN] == 5  # 0x00D5 and 0x0116-0x0119


def test_alert_only_codes() -> None:
    alert_only = {code for code, info in MESSAGE_CODES.items() if info.alert_only}
    assert alert_only == cat.ALERT_ONLY_CODES
    assert len(alert_only) == 29
    for code in alert_only:
        info = MESSAGE_CODES[code]
        assert info.rtds_counts[0] == 0, f"0x{code:04X}"
        assert info.rtds_counts[1] == 0 and info.rtds_counts[2] == 0, f"0x{code:04X}"
    # Every code with alert framing is alert-only; the reverse holds except 0x00D5 (not in R).
    alert_framed = {
        code
        for code, info in MESSAGE_CODES.items()
        if info.criticality in (Criticality.ALERT_CRITICAL, Criticality.ALERT_NON_CRITICAL)
    }
    assert alert_only - alert_framed == {0x00D5}
    assert alert_framed <= alert_only


def test_alert_message_code_criticality_matches_catalogue() -> None:
    assert len(ALERT_MESSAGE_CODE_CRITICALITY) == 28
    for code, crit in ALERT_MESSAGE_CODE_CRITICALITY.items():
        assert MESSAGE_CODES[code].criticality is crit, f"0x{code:04X}"
    assert ALERT_MESSAGE_CODE_CRITICALITY[0x0018] is Criticality.ALERT_NON_CRITICAL
    assert ALERT_MESSAGE_CODE_CRITICALITY[0x1000] is Criticality.ALERT_CRITICAL


def test_use_case_lookup_and_cs02b_codes() -> None:
    cs02b = cat.codes_for_use_case("CS02b")
    assert [info.code for info in cs02b] == list(range(0x0100, 0x0109 + 1))
    for mode in CredentialsReplacementMode:
        code = cat.CREDENTIALS_REPLACEMENT_MESSAGE_CODES[mode]
        if mode <= CredentialsReplacementMode.ANY_BY_CONTINGENCY:
            assert code == cat.CS02B_MESSAGE_CODE_BASE + mode
            assert MESSAGE_CODES[code].use_case == "CS02b"
        else:
            assert MESSAGE_CODES[code].use_case == "CS02g"
    assert CredentialsReplacementMode.ROOT_BY_SUPPLIER == 0
    assert CredentialsReplacementMode.ROOT_BY_WAN_PROVIDER == 1
    assert CredentialsReplacementMode.ANY_BY_CONTINGENCY == 9


# ----------------------------------------------------------------------------
# Alerts (§4) and enumerations (§2.4)
# ----------------------------------------------------------------------------
def test_alert_codes() -> None:
    assert len(ALERT_CODES) >= 184
    assert len(ALERT_CODES) == 188
    for code in (0x8F66, 0x8F67, 0x8F12, 0x8F85, 0x8F86, 0x8F87, 0x8F88):
        assert code in ALERT_CODES
    assert ALERT_CODES[0x8F66] == "Future-date HAN Interface Command Successfully Actioned"
    assert ALERT_CODES[0x8F12] == "CHF Device Log Changed"
    assert "ECS100" in ALERT_CODES[0x8F85]
    assert "ECS200" in ALERT_CODES[0x8F88]
    for alert_code, message_codes in cat.ALERT_CODE_MESSAGE_CODES_IN_RTDS.items():
        assert alert_code in ALERT_CODES
        assert all(MESSAGE_CODES[code].alert_only for code in message_codes)


def test_enumerations() -> None:
    assert [int(t) for t in cat.DeviceType] == list(range(7))
    assert cat.DeviceType.TYPE2 == 6
    assert cat.RemotePartyRole.ACCESS_CONTROL_BROKER == 4
    assert cat.RemotePartyRole.LOAD_CONTROLLER == 8
    assert cat.RemotePartyRole.OTHER == 127
    assert cat.JoinMethodAndRole.METHOD_C == 3
    assert sorted(cat.RESPONSE_CODES[0x000D]) == list(range(14))
    assert sorted(cat.RESPONSE_CODES[0x000F]) == [0, 1, 2]
    assert sorted(cat.RESPONSE_CODES[0x000B]) == list(range(8))
    assert sorted(cat.RESPONSE_CODES[0x0012]) == [0, 1, 2, 3]
    for code in cat.RESPONSE_CODES:
        assert code in MESSAGE_CODES


# ----------------------------------------------------------------------------
# DLMS / ZCL naming (§2.2, §2.3)
# ----------------------------------------------------------------------------
def test_obis_text_and_names() -> None:
    assert obis_text(bytes([0, 0, 94, 44, 2, 0])) == "0-0:94.44.2.0"
    assert obis_text(bytes.fromhex("0000010000FF")) == "0-0:1.0.0.255"
    assert cat.OBIS_NAMES["0-0:94.44.2.0"] == "Currency Unit"
    assert cat.obis_name(bytes([0, 0, 19, 40, 0, 255])) == "Prepayment Credit"
    assert cat.obis_name(bytes(6)) is None
    with pytest.raises(ValueError, match="6 bytes"):  # a gfi DecodeError
        obis_text(b"\x00\x00")
    assert set(cat.OBIS_CLASSES) == set(cat.OBIS_NAMES)
    assert all(class_id in cat.COSEM_CLASSES for class_id in cat.OBIS_CLASSES.values())


def test_cosem_tables() -> None:
    assert cat.COSEM_CLASSES[8] == "Clock"
    assert cat.COSEM_CLASSES[70] == "Disconnect Control"
    assert cat.COSEM_CLASSES[9000] == "GBCS Extended Data"
    assert len(cat.COSEM_CLASSES) == 20
    assert all(attrs[1] == "logical_name" for attrs in cat.COSEM_ATTRIBUTES.values())
    assert set(cat.COSEM_ATTRIBUTES) == set(cat.COSEM_CLASSES)
    assert cat.COSEM_ATTRIBUTES[20][10] == "Activate Passive Calendar Time"
    assert cat.COSEM_METHODS[115][1] == "Enter"
    assert set(cat.COSEM_METHODS) <= set(cat.COSEM_CLASSES)
    assert cat.DATA_ACCESS_RESULTS[250] == "other reason"
    assert cat.ZCL_STATUS[0x8B] == "not found"
    assert len(cat.ZCL_STATUS) == 33


# ----------------------------------------------------------------------------
# Cross-check against the vendored RTDS vectors (§5)
# ----------------------------------------------------------------------------
def _skip_length(data: bytes, pos: int) -> int:
    """Position after a BER length at ``pos`` (forms <0x80, 81 X, 82 X X)."""
    first = data[pos]
    if first < 0x80:
        return pos + 1
    assert first in (0x81, 0x82), f"unexpected length form 0x{first:02X}"
    return pos + 1 + (first & 0x7F)


def _message_code(data: bytes) -> int:
    """The message code of a whole GBCS message (gbcs-protocol.md §1.3, §1.4)."""
    pos = 0
    if data[:2] == b"\xdd\x00":
        pos = _skip_length(data, 7) + 5  # 7-byte constant, length, security header
    assert data[pos] == 0xDF
    pos += 1 + 1 + 9  # tag, transaction-id
    pos += 1 + 8  # originator system title
    pos += 1 + 8  # recipient system title
    if data[pos] == 0x00:  # date-time: empty ...
        pos += 1
    else:  # ... or 12 bytes
        assert data[pos] == 0x0C
        pos += 1 + 12
    # other-information length: a BER length too (URP commands carry a certificate, §1.4)
    pos = _skip_length(data, pos)
    return int.from_bytes(data[pos : pos + 2], "big")


def _kind(path: Path) -> str:
    kinds = [token for token in path.name.split("_") if token in RTDS_KINDS]
    assert len(kinds) == 1, path.name
    return kinds[0]


def test_vectors_are_present() -> None:
    assert len(VECTOR_FILES) > 0


@pytest.mark.parametrize("path", VECTOR_FILES, ids=lambda p: p.name)
def test_vector_message_code_in_catalogue(path: Path) -> None:
    data = bytes.fromhex(path.read_text().strip())
    code = _message_code(data)
    info = lookup(code)
    assert info is not None, f"0x{code:04X} not in the catalogue"
    kind = _kind(path)
    assert info.rtds_count(kind) > 0, f"0x{code:04X} has no {kind} vectors in the catalogue"
    if kind == "ALERT":
        assert info.alert_only
    else:
        assert not info.alert_only
