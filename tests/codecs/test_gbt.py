# SPDX-License-Identifier: GPL-3.0-or-later
"""General Block Transfer segmentation and reassembly (gbcs-protocol.md §1.9)."""

from __future__ import annotations

import random

import pytest

from gfi.codecs.gbcs.gbt import GbtReassembler, reassemble, segment
from gfi.codecs.gbcs.message import GbtBlock, decode_frame
from gfi.errors import LocalProtocolError, RemoteProtocolError
from tests.conftest import rtds_bytes, rtds_files

LARGE = [p for p in rtds_files() if len(rtds_bytes(p)) > 200]


def test_there_are_large_vectors() -> None:
    assert len(LARGE) > 100


@pytest.mark.parametrize("path", LARGE, ids=lambda p: p.name)
def test_segment_and_reassemble(path) -> None:  # type: ignore[no-untyped-def]
    raw = rtds_bytes(path)
    blocks = segment(raw, block_size=64)
    assert len(blocks) == -(-len(raw) // 64)
    assert [b.block_number for b in blocks] == list(range(1, len(blocks) + 1))
    assert [b.last_block for b in blocks] == [False] * (len(blocks) - 1) + [True]
    wire = [b.to_bytes() for b in blocks]
    assert all(w[:2] == b"\xdd\x09" for w in wire)
    decoded = [decode_frame(w) for w in wire]
    assert decoded == blocks
    random.Random(len(raw)).shuffle(wire)
    assert reassemble(wire) == raw


def test_incomplete_transfer_names_missing_blocks() -> None:
    blocks = segment(rtds_bytes(LARGE[0]), block_size=50)
    with pytest.raises(RemoteProtocolError, match=r"missing \[2\]"):
        reassemble([blocks[0], *blocks[2:]])


def test_blocks_of_another_message_are_rejected() -> None:
    first = decode_frame(rtds_bytes(LARGE[0]))
    other = next(p for p in LARGE if decode_frame(rtds_bytes(p)).counter != first.counter)
    a = segment(rtds_bytes(LARGE[0]), 50)
    b = segment(rtds_bytes(other), 50)
    r = GbtReassembler()
    r.feed(a[0])
    with pytest.raises(RemoteProtocolError, match="another message"):
        r.feed(b[1])


def test_duplicate_with_other_data_is_rejected() -> None:
    blocks = segment(rtds_bytes(LARGE[0]), 50)
    r = GbtReassembler()
    r.feed(blocks[0])
    assert r.feed(blocks[0]) is None  # an identical duplicate is harmless
    forged = GbtBlock(**{**blocks[0].__dict__, "block_data": b"\x00" * 50})
    with pytest.raises(RemoteProtocolError, match="twice"):
        r.feed(forged)


def test_block_size_must_be_positive() -> None:
    with pytest.raises(LocalProtocolError):
        segment(rtds_bytes(LARGE[0]), 0)
