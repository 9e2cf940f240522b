# SPDX-License-Identifier: GPL-3.0-or-later
"""The whole decoding pipeline: framing, verdicts, payload families, decryption, UTRN, and
the exact JSON round trip."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gfi.codecs.gbcs.catalogue import PayloadFamily
from gfi.codecs.gbcs.decoder import decode_message
from gfi.codecs.gbcs.jsonform import frame_from_json, to_json
from gfi.codecs.security.gbcs import Verdict
from gfi.errors import EncodeError
from tests.conftest import rtds_bytes, rtds_files

FILES = rtds_files()


def _by_name(name: str) -> bytes:
    return rtds_bytes(next(p for p in FILES if p.name == name))


def test_families_cover_the_corpus() -> None:
    families = {decode_message(rtds_bytes(p)).family for p in FILES}
    assert families == {PayloadFamily.DLMS, PayloadFamily.GBZ, PayloadFamily.ASN1}


def test_decrypted_dlms_and_gbz(security) -> None:  # type: ignore[no-untyped-def]
    dlms = decode_message(_by_name("ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX"),
                          security=security)
    assert dlms.decrypted is True
    assert "decrypted" in dlms.payload["data"][0]  # type: ignore[index]
    gbz_path = next(p for p in FILES if "GCS13b" in p.name and "SUCCESS" in p.name
                    and "RESPONSE" in p.name)
    gbz = decode_message(rtds_bytes(gbz_path), security=security)
    assert gbz.decrypted is True
    # without keys the ciphertext stays, with a "no key" verdict
    bare = decode_message(rtds_bytes(gbz_path))
    assert bare.decrypted is False
    assert {c.verdict for c in bare.decryption} == {Verdict.NO_KEY}


def test_utrn_verdict(security) -> None:  # type: ignore[no-untyped-def]
    dm = decode_message(_by_name("CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX"), security=security)
    assert dm.utrn is not None and dm.utrn["amount"] == "£10"
    assert dm.utrn_check is not None and dm.utrn_check.verdict is Verdict.VALID


def test_payload_error_is_located() -> None:
    raw = bytearray(_by_name("ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX"))
    # the DLMS payload starts D9 at a known offset: make its first data tag unknown
    dm = decode_message(bytes(raw))
    assert dm.frame is not None
    start = raw.index(bytes.fromhex("D9200003E8"))
    raw[start] = 0xD8  # not a DLMS APDU tag any more, and not another family either
    bad = decode_message(bytes(raw))
    assert bad.ok and bad.family is PayloadFamily.UNKNOWN  # kept as raw bytes
    raw[start] = 0xD9
    raw[start + 7] = 0x07  # spec choice 7 does not exist
    bad = decode_message(bytes(raw))
    assert not bad.ok and bad.error is not None
    assert "payload" in str(bad.error) and getattr(bad.error, "offset", None) is not None


def test_frame_from_json_errors_are_clear() -> None:
    obj = to_json(decode_message(rtds_bytes(FILES[0]), source="x"))
    for key, value, message in [
        ("originator", "XYZ", "16 hex digits"),
        ("cra", "banana", "command, response or alert"),
        ("counter", -1, "64 unsigned bits"),
        ("message_code", "zz", "4 hex digits"),
    ]:
        with pytest.raises(EncodeError, match=message):
            frame_from_json({**obj, key: value})
    with pytest.raises(EncodeError, match="payload"):
        frame_from_json({**obj, "payload": {"apdu": "nonsense"}})


@given(st.binary(max_size=400))
@settings(max_examples=400, deadline=None)
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    dm = decode_message(data)
    if dm.ok and dm.frame is not None:
        obj = json.loads(json.dumps(to_json(dm)))
        assert frame_from_json(obj).to_bytes() == data


@given(st.data())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_vectors_never_raise(data) -> None:  # type: ignore[no-untyped-def]
    raw = bytearray(rtds_bytes(data.draw(st.sampled_from(FILES))))
    for _ in range(data.draw(st.integers(1, 3))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        if data.draw(st.booleans()):
            raw[pos] ^= data.draw(st.integers(1, 255))
        else:
            del raw[pos]
    dm = decode_message(bytes(raw))
    if dm.ok and dm.frame is not None:
        obj = json.loads(json.dumps(to_json(dm)))
        assert frame_from_json(obj).to_bytes() == bytes(raw)
