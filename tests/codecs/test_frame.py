# SPDX-License-Identifier: GPL-3.0-or-later
"""Outer framing (gbcs-protocol.md §1) over every vendored RTDS vector."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gfi.codecs.gbcs.message import Cra, GbcsFrame, GbtBlock, OtherInformation, decode_frame
from gfi.codecs.primitives import BerLength, decode_exact, encode_length
from gfi.errors import CodecError, DecodeError, EncodeError
from tests.conftest import rtds_bytes, rtds_files, vector_kind

FILES = rtds_files()


def test_corpus_is_vendored() -> None:
    assert len(FILES) == 797


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_vector_frames_round_trip(path) -> None:  # type: ignore[no-untyped-def]
    raw = rtds_bytes(path)
    frame = decode_frame(raw)
    assert isinstance(frame, GbcsFrame)
    assert frame.to_bytes() == raw
    kind = vector_kind(path)
    expected_cra = {"PRECOMMAND": Cra.COMMAND, "COMMAND": Cra.COMMAND,
                    "RESPONSE": Cra.RESPONSE, "ALERT": Cra.ALERT}[kind]
    assert frame.cra is expected_cra
    if kind == "PRECOMMAND":
        assert frame.signature is None and frame.mac is None
    else:
        assert frame.signature is not None


def test_worked_example_ecs10_response() -> None:
    """gbcs-protocol.md §1.8."""
    raw = bytes.fromhex(
        "DD000000000000401100000000DF090200000000000003EB0800DB1234567890A00890B3D51F30010000"
        "000200210CDA200003EB0000010001020000F4E3A029790221B3B6549478")
    f = decode_frame(raw)
    assert isinstance(f, GbcsFrame)
    assert (f.cra, f.counter, f.originator, f.recipient) == (
        Cra.RESPONSE, 1003, "00DB1234567890A0", "90B3D51F30010000")
    assert f.message_code == 0x0021
    assert f.payload == bytes.fromhex("DA200003EB00000100010200")
    assert f.signature == b"" and f.mac == bytes.fromhex("F4E3A029790221B3B6549478")
    assert f.to_bytes() == raw


@pytest.mark.parametrize(
    "n, encoded",
    [(0, "00"), (127, "7F"), (128, "8180"), (255, "81FF"), (256, "820100"),
     (65535, "82FFFF"), (65536, "83010000")],
)
def test_length_forms(n: int, encoded: str) -> None:
    assert encode_length(n) == bytes.fromhex(encoded)
    assert decode_exact(BerLength, bytes.fromhex(encoded), "length") == n


@pytest.mark.parametrize("encoded", ["817F", "8200FF", "83000100", "84000000", "80"])
def test_non_minimal_or_unsupported_lengths_are_rejected(encoded: str) -> None:
    with pytest.raises(DecodeError):
        decode_exact(BerLength, bytes.fromhex(encoded), "length")


def test_errors_name_field_and_offset() -> None:
    raw = bytearray(rtds_bytes(FILES[0]))
    frame = decode_frame(bytes(raw))
    assert isinstance(frame, GbcsFrame)
    bad = bytes(raw[:-3])  # truncated MAC
    with pytest.raises(DecodeError) as info:
        decode_frame(bad)
    assert info.value.offset is not None


def test_unknown_first_byte() -> None:
    with pytest.raises(DecodeError, match="not a GBCS message"):
        decode_frame(b"\x30\x00\x00")


def test_other_information_rules() -> None:
    with pytest.raises(EncodeError):
        OtherInformation(0x19, supplementary_remote_party_counter=5)
    with pytest.raises(EncodeError, match="certificate"):
        OtherInformation(0x34, "90B3D51F30010000", 1, certificate=b"\x30\x03\x02\x01\x00")
    oi = OtherInformation(0x34, "90B3D51F30010000", 1, certificate=b"\x30\x20" + bytes(32))
    f = GbcsFrame(Cra.COMMAND, 5, "90B3D51F30010000", "00DB1234567890A0", oi, b"\x05\x00")
    back = decode_frame(f.to_bytes())
    assert isinstance(back, GbcsFrame) and back.other_information == oi


@given(st.binary(max_size=300))
@settings(max_examples=400, deadline=None)
def test_arbitrary_bytes_raise_only_codec_errors(data: bytes) -> None:
    try:
        frame = decode_frame(data)
    except CodecError:
        return
    assert frame.to_bytes() == data


@given(st.data())
@settings(max_examples=300, deadline=None)
def test_mutated_vectors_raise_only_codec_errors(data) -> None:  # type: ignore[no-untyped-def]
    raw = bytearray(rtds_bytes(data.draw(st.sampled_from(FILES))))
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        pos = data.draw(st.integers(0, max(0, len(raw) - 1)))
        if op == "flip" and raw:
            raw[pos] ^= data.draw(st.integers(1, 255))
        elif op == "cut":
            del raw[pos:pos + data.draw(st.integers(1, 8))]
        else:
            raw[pos:pos] = data.draw(st.binary(min_size=1, max_size=4))
    try:
        frame = decode_frame(bytes(raw))
    except CodecError:
        return
    assert isinstance(frame, GbcsFrame | GbtBlock)
    assert frame.to_bytes() == bytes(raw)
