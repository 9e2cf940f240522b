# SPDX-License-Identifier: GPL-3.0-or-later
"""Building commands from typed fields: for the RTDS cases with the same inputs, header and
payload equal the RTDS command, and the signature and MAC verify."""

from __future__ import annotations

import datetime as dt

import pytest

from gfi.codecs.gbcs import build
from gfi.codecs.gbcs.catalogue import Criticality
from gfi.codecs.gbcs.message import GbcsFrame, decode_frame
from gfi.codecs.security.gbcs import Verdict, verify_mac, verify_signature
from gfi.errors import LocalProtocolError
from tests.conftest import rtds_bytes, rtds_files


def rtds(name: str) -> GbcsFrame:
    path = next(p for p in rtds_files() if p.name == name)
    frame = decode_frame(rtds_bytes(path))
    assert isinstance(frame, GbcsFrame)
    return frame


def test_cs06_critical(security) -> None:  # type: ignore[no-untyped-def]
    ref = rtds("CS06_11.3_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX")
    image_hash = bytes.fromhex(
        "AA758690730934FF0685AA758690730934FF0685657788990011223344556677")
    frame = build.command(0x0012, counter=1000, originator="90B3D51F30010000",
                          recipient="00DB1234567890A0",
                          payload=build.cs06_payload(image_hash, originator_counter=1000))
    secured = build.protect(frame, security)
    assert secured.signed_bytes == ref.signed_bytes
    assert verify_signature(secured, security).verdict is Verdict.VALID
    assert verify_mac(secured, security).verdict is Verdict.VALID
    pre = build.precommand(secured)
    assert pre.to_bytes() == rtds("CS06_11.3_IMMEDIATE_SUCCESS_PRECOMMAND_GBCS.HEX").to_bytes()


def test_cs06_future_dated(security) -> None:  # type: ignore[no-untyped-def]
    ref = rtds("CS06_11.3_FUTURE_DATED_SUCCESS_COMMAND_GBCS.HEX")
    from gfi.codecs.asn1 import decode_asn1_payload

    fields = decode_asn1_payload(ref.payload, message_code=0x12, cra=1)
    payload = build.cs06_payload(bytes.fromhex(fields["manufacturer_image_hash"]),
                                 fields["originator_counter"], fields["execution_date_time"])
    assert fields["execution_date_time"] is not None
    frame = build.command(0x0012, counter=ref.counter, originator=ref.originator,
                          recipient=ref.recipient, payload=payload)
    assert build.protect(frame, security).signed_bytes == ref.signed_bytes


def test_ecs17b_non_critical_is_byte_identical(security) -> None:  # type: ignore[no-untyped-def]
    ref = rtds("ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX")
    frame = build.command(0x0027, counter=1000, originator="90B3D51F30010000",
                          recipient="00DB1234567890A0",
                          payload=build.ecs17b_payload(1000, "90B3D51F30010000",
                                                       "00DB1234567890A0"))
    assert build.protect(frame, security).to_bytes() == ref.to_bytes()


def test_ccs02_from_the_acb_is_byte_identical(security) -> None:  # type: ignore[no-untyped-def]
    ref = rtds("CCS02_8.11_SUCCESS_COMMAND_GBCS.HEX")
    frame = build.command(
        0x0002, counter=0x516, originator="90B3D51F30000002", recipient="00DB1234567890A2",
        supplementary_remote_party_id="90B3D51F30010000",
        supplementary_remote_party_counter=ref.other_information.supplementary_remote_party_counter,
        payload=build.ccs02_payload(0x516, "00DB1234567890A0"))
    assert build.protect(frame, security).to_bytes() == ref.to_bytes()


def test_protect_needs_a_criticality(security) -> None:  # type: ignore[no-untyped-def]
    frame = build.command(0x7FFF, counter=1, originator="90B3D51F30010000",
                          recipient="00DB1234567890A0", payload=b"\x05\x00")
    with pytest.raises(LocalProtocolError, match="not in the catalogue"):
        build.protect(frame, security)
    with pytest.raises(LocalProtocolError, match="say explicitly"):
        build.protect(frame, security, Criticality.MIXED)
    signed = build.protect(frame, security, Criticality.CRITICAL_NO_MAC)
    assert signed.mac is None and signed.signature


def test_gcs13b_gbz_read_is_byte_identical(security) -> None:  # type: ignore[no-untyped-def]
    ref = rtds("GCS13b_4.1.4_SUCCESS_RELIABLE_GSME_COMMAND_GBCS.HEX")
    frame = build.command(0x00B8, counter=ref.counter, originator="90B3D51F30010000",
                          recipient=ref.recipient, payload=build.gcs13b_payload())
    assert build.protect(frame, security).to_bytes() == ref.to_bytes()


def test_gbz_payload_checks() -> None:
    with pytest.raises(LocalProtocolError):
        build.gbz_payload([])
    two = build.gbz_payload([build.read_attributes(0x0702, [0]),
                             build.read_attributes(0x0705, [1])], [None, 0x1C374A80])
    from gfi.codecs.gbcs.gbz import decode_gbz_payload

    tree = decode_gbz_payload(two, message_code=0x0074, cra=1)
    assert [c["control"]["last_component"] for c in tree["components"]] == [False, True]
    assert tree["components"][1]["from_date_time"] == 0x1C374A80


def test_ecs22b_has_the_rtds_date_range_read_shape() -> None:
    """No RTDS 4.5.0 ECS22b vector exists; ECS66 (4.17) is the same protected read with a
    date-range restriction through another collection, so the ECS22b payload equals the
    RTDS ECS66 payload with the two logical names swapped (gbcs-protocol.md App. A 0037)."""
    ref = rtds("ECS66_4.17_SUCCESS_COMMAND_GBCS.HEX")
    obis = {"0000630103FF": "0000630100FF", "00002B0204FF": "00002B0207FF"}  # 99.1.3→0, 43.2.4→7
    expected = ref.payload.hex().upper()
    for old, new in obis.items():
        assert expected.count(old) == 1
        expected = expected.replace(old, new)
    payload = build.ecs22b_payload(ref.counter, ref.originator, ref.recipient,
                                   dt.datetime(2014, 12, 1, 9, tzinfo=dt.UTC),
                                   dt.datetime(2014, 12, 5, 11, 5, tzinfo=dt.UTC))
    assert payload.hex().upper() == expected


def test_ecs22b_range_bounds_are_checked() -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(LocalProtocolError, match="timezone-aware"):
        build.ecs22b_payload(1, "90B3D51F30010000", "00DB1234567890A0",
                             start.replace(tzinfo=None), start.replace(tzinfo=None))
    with pytest.raises(LocalProtocolError, match="ends"):
        build.ecs22b_payload(1, "90B3D51F30010000", "00DB1234567890A0", start,
                             start - dt.timedelta(minutes=30))
    # an offset is turned into UTC
    local = dt.datetime(2026, 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert build.date_range_restriction(local, local)["value"][1]["value"][0]["value"] == \
        "07EA0101FF000000008000FF"


def test_ccs01_registers_the_device_with_its_install_code() -> None:
    from gfi.codecs.dlms import decode_dlms_payload

    tree = decode_dlms_payload(build.ccs01_payload(7, "00db1234567890ad", bytes(range(16))))
    (spec,) = tree["specs"]
    assert (spec["choice"], spec["descriptor"]["class_id"], spec["descriptor"]["obis"],
            spec["descriptor"]["method_id"]) == ("action", 104, "0-0:30.3.0.255", 1)
    assert tree["invoke_id_counter"] == 7
    assert [item["value"] for item in tree["data"][0]["value"]] == [
        "00DB1234567890AD", bytes(range(16)).hex().upper()]
