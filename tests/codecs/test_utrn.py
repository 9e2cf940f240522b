# SPDX-License-Identifier: GPL-3.0-or-later
"""UTRN construction and decoding (gbcs-protocol.md §2.5)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gfi.codecs.gbcs.utrn import check_digit, decode_utrn, make_utrn
from gfi.codecs.security.keystore import KeyUsage
from gfi.codecs.security.primitives import ecdh
from gfi.errors import CodecError, LocalProtocolError

SUPPLIER = bytes.fromhex("90B3D51F30010000")
ESME = bytes.fromhex("00DB1234567890A0")


@pytest.fixture(scope="module")
def z(rtds_keys):  # type: ignore[no-untyped-def]
    pp = rtds_keys.agreement_key("90B3D51F30010000", KeyUsage.PP_KA)
    return ecdh(pp, rtds_keys.keys("00DB1234567890A0", KeyUsage.KA)[0].public_key)


@pytest.mark.parametrize("counter, value, value_class, expected", [
    (0x100000000, 100, 1, "73943333457189043313"),
    (0x400000000, 1234, 0, "73947252416745201637"),
])
def test_published_vectors(z, counter, value, value_class, expected) -> None:  # type: ignore[no-untyped-def]
    assert make_utrn(z, supplier=SUPPLIER, device=ESME, counter=counter, value=value,
                     value_class=value_class) == expected
    u = decode_utrn(expected)
    assert (u.value, u.value_class, u.check_digit_ok) == (value, value_class, True)
    assert u.verify(z, supplier=SUPPLIER, device=ESME, counter=counter)
    assert not u.verify(z, supplier=SUPPLIER, device=ESME, counter=counter + (1 << 32))


def test_check_digit_detects_single_digit_errors() -> None:
    pptd = 7394333345718904331
    for pos in range(19):
        digits = list(str(pptd))
        digits[pos] = str((int(digits[pos]) + 1) % 10)
        assert check_digit(int("".join(digits))) != check_digit(pptd) or digits[0] == "0"


def test_range_checks() -> None:
    with pytest.raises(LocalProtocolError):
        make_utrn(bytes(32), supplier=SUPPLIER, device=ESME, counter=1, value=8192, value_class=0)
    with pytest.raises(CodecError):
        decode_utrn("1234")


@given(st.text(max_size=25))
def test_decode_raises_only_codec_errors(text: str) -> None:
    with contextlib.suppress(CodecError):
        decode_utrn(text)
