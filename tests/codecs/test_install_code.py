# SPDX-License-Identifier: GPL-3.0-or-later
"""Install code → link key (ZigBee Annex B.6 AES-MMO; ZigBee SE install-code example)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gfi.codecs.security.install_code import (
    aes_mmo_hash,
    crc16_x25,
    link_key_from_install_code,
    split_install_code,
    with_crc,
)
from gfi.errors import CodecError, DecodeError

# The published ZigBee SE example: install code 83FED340 7A939723 A5C639B2 6916D505, CRC C3B5,
# hashed link key 66B6900981E1EE3CA4206B6B861C02BB.
CODE = bytes.fromhex("83FED3407A939723A5C639B26916D505")


def test_published_install_code_vector() -> None:
    assert with_crc(CODE)[-2:] == bytes.fromhex("C3B5")
    assert link_key_from_install_code(CODE).hex().upper() == "66B6900981E1EE3CA4206B6B861C02BB"
    assert link_key_from_install_code(with_crc(CODE)) == link_key_from_install_code(CODE)


def test_crc_check_value() -> None:
    assert crc16_x25(b"123456789") == 0x906E


def test_bad_crc_and_lengths() -> None:
    with pytest.raises(DecodeError, match="CRC"):
        split_install_code(CODE + b"\x00\x00")
    with pytest.raises(DecodeError, match="bytes"):
        split_install_code(b"\x01\x02\x03")


def test_aes_mmo_block_boundaries() -> None:
    # padding adds a block exactly when fewer than 3 bytes are left in the last one
    digests = {aes_mmo_hash(bytes(n)) for n in range(0, 40)}
    assert len(digests) == 40


@given(st.binary(max_size=24))
def test_split_raises_only_codec_errors(data: bytes) -> None:
    try:
        body = split_install_code(data)
    except CodecError:
        return
    assert len(body) in (6, 8, 12, 16)
