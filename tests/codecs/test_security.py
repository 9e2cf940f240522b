# SPDX-License-Identifier: GPL-3.0-or-later
"""GBCS security (gbcs-security.md §1): published unit vectors, the RTDS corpus totals,
building, and the tamper matrix."""

from __future__ import annotations

import collections

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from gfi.codecs.gbcs.message import Cra, GbcsFrame, OtherInformation, decode_frame
from gfi.codecs.security.gbcs import (
    SecurityContext,
    Verdict,
    apply_mac,
    secure,
    verify_mac,
    verify_signature,
)
from gfi.codecs.security.keystore import InMemoryKeyStore, KeyUsage
from gfi.codecs.security.primitives import (
    ecdh,
    ecdsa_sign,
    ecdsa_verify,
    gbcs_kdf,
    gcm_decrypt,
    gcm_encrypt,
    gmac,
)
from gfi.errors import KeyNotFound
from tests.conftest import rtds_bytes, rtds_files

SUPPLIER = "90B3D51F30010000"
ESME = "00DB1234567890A0"
ACB = "90B3D51F30000002"


def _private(value_hex: str) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int(value_hex, 16), ec.SECP256R1())


# -- published unit vectors (gbcs-protocol.md §1.7) --------------------------------------
def test_kdf_vectors(rtds_keys) -> None:  # type: ignore[no-untyped-def]
    acb = rtds_keys.agreement_key(ACB)
    supplier = rtds_keys.agreement_key(SUPPLIER)
    esme_public = rtds_keys.keys(ESME, KeyUsage.KA)[0].public_key
    counter = 0x0000000100000000
    z = ecdh(acb, esme_public)
    assert gbcs_kdf(z, bytes.fromhex(SUPPLIER), 1, counter, bytes.fromhex(ESME)).hex().upper() \
        == "6A93E360717394015DF93E031218C9A6"
    z = ecdh(supplier, esme_public)
    assert gbcs_kdf(z, bytes.fromhex(ESME), 2, counter, bytes.fromhex(SUPPLIER)).hex().upper() \
        == "03FD30815577C49EB7E3834B63EF8302"
    assert gbcs_kdf(z, bytes.fromhex(ESME), 3, 0x7D1, bytes.fromhex(SUPPLIER)).hex().upper() \
        == "558FB1FA6660AF0D9E8365C47804B8FA"


def test_gcm_vectors() -> None:
    key = bytes(range(16))
    iv = bytes.fromhex("90B3D51F30030000") + bytes(4)
    assert gmac(key, iv, b"helloworld").hex().upper() == "FB3AFED43B78508864F00DA3"
    ct, tag = gcm_encrypt(key, iv, b"one two three", b"helloworld")
    assert ct.hex().upper() == "584FA806B24491178829D46C38"
    assert tag.hex().upper() == "6B33BDCB1E223242EC20B957"
    assert gcm_decrypt(key, iv, ct, tag, b"helloworld") == b"one two three"
    assert gcm_decrypt(key, iv, ct, bytes(12), b"helloworld") is None


def test_ecdsa_raw_signature_round_trip() -> None:
    key = _private("3A6B2EAA0D9F25A9E455983FEB5BB947528121911BF3B76BE5661C89DBF24B26")
    sig = ecdsa_sign(key, b"data")
    assert len(sig) == 64
    assert ecdsa_verify(key.public_key(), b"data", sig)
    assert not ecdsa_verify(key.public_key(), b"datA", sig)
    assert not ecdsa_verify(key.public_key(), b"data", bytes(64))


GBCS_18_4 = (
    "DD00000000000081A91100000000DF0901000000000000000108123456789ABCDEF008FFFFFFFFFFFFFFFE"
    "000200B335D92000000100030300700000130A00FF020300700000130A01FF020300700000130A02FF0203"
    "050000000005000000000500000000"
    "40"
    "59045AB0F554622B0360340B9D87B5A23ED5723B41DE3F206E58CDD10F915B9FE2E12E2DA3632478A8DF67"
    "8E418895869AC1E55318CCE04D120D2D6B44DC167B"
    "5D832D15B57A56D620F198B3"
)


def test_gbcs_18_4_example() -> None:
    """The ECS04b worked example of GBCS §18.4: signature and MAC verify."""
    store = InMemoryKeyStore()
    supplier_a = _private("3A6B2EAA0D9F25A9E455983FEB5BB947528121911BF3B76BE5661C89DBF24B26")
    store.add_private_key("123456789ABCDEF0", KeyUsage.DS, supplier_a)
    store.add_private_key("ABABABABABABABAB", KeyUsage.KA, _private(
        "E4A6CFB431471CFCAE491FD566D19C87082CF9FA7722D7FA24B2B3F5669DBEFB"))
    device_point = bytes.fromhex(
        "04" "2DB45A3F21889438B42C8F464C75292BACF5FDDB5DA0B492501B299CBFE92D8F"
        "DB90FC8FF4026129838B1BCAD1402CAE47FE7D8084E409A41AFCE16D63579C5F")
    store.add_public_key("FFFFFFFFFFFFFFFE", KeyUsage.KA,
                         ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), device_point))
    ctx = SecurityContext(store, acb="ABABABABABABABAB")
    frame = decode_frame(bytes.fromhex(GBCS_18_4))
    assert isinstance(frame, GbcsFrame)
    assert verify_signature(frame, ctx).verdict is Verdict.VALID
    assert verify_mac(frame, ctx).verdict is Verdict.VALID
    # re-securing gives a different (randomised) signature that still verifies, and a MAC
    # over the new signature
    again = secure(frame, ctx, sign=True, mac=True)
    assert again.signature != frame.signature
    assert verify_signature(again, ctx).verdict is Verdict.VALID
    assert verify_mac(again, ctx).verdict is Verdict.VALID


# -- the RTDS corpus ---------------------------------------------------------------------
def test_rtds_verdict_totals(security) -> None:  # type: ignore[no-untyped-def]
    """gbcs-security.md §1.7 over the vendored part of RTDS 4.5.0: 497 MACs and 299
    signatures verify; the 4 PCS01/PCS02 messages have no key that can check them."""
    totals: collections.Counter[tuple[str, str]] = collections.Counter()
    no_key = []
    for path in rtds_files():
        frame = decode_frame(rtds_bytes(path))
        assert isinstance(frame, GbcsFrame)
        mac = verify_mac(frame, security).verdict
        sig = verify_signature(frame, security).verdict
        totals["mac", mac.value] += 1
        totals["signature", sig.value] += 1
        if mac is Verdict.NO_KEY:
            no_key.append(path.name)
    assert totals["mac", "valid"] == 497
    assert totals["signature", "valid"] == 299
    assert totals["mac", "invalid"] == 0 and totals["signature", "invalid"] == 0
    assert sorted(no_key) == sorted(
        f"{uc}_NA_SUCCESS_{kind}_GBCS.HEX" for uc in ("PCS01", "PCS02")
        for kind in ("COMMAND", "RESPONSE"))


def _vector(name: str) -> GbcsFrame:
    path = next(p for p in rtds_files() if p.name == name)
    frame = decode_frame(rtds_bytes(path))
    assert isinstance(frame, GbcsFrame)
    return frame


def test_build_critical_command_equals_rtds_header_and_payload(security) -> None:  # type: ignore[no-untyped-def]
    """A CS06 command built from its fields, signed by the supplier and MAC'd with the ACB
    key: header and payload equal the RTDS command's; signature and MAC verify."""
    rtds = _vector("CS06_11.3_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX")
    built = GbcsFrame(
        cra=Cra.COMMAND, counter=rtds.counter, originator=rtds.originator,
        recipient=rtds.recipient, other_information=OtherInformation(0x0012),
        payload=rtds.payload,
    )
    built = secure(built, security, sign=True, mac=True)
    assert built.signed_bytes == rtds.signed_bytes
    assert verify_signature(built, security).verdict is Verdict.VALID
    assert verify_mac(built, security).verdict is Verdict.VALID
    again = decode_frame(built.to_bytes())
    assert again == built


def test_non_critical_command_mac_is_deterministic(security) -> None:  # type: ignore[no-untyped-def]
    rtds = _vector("ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX")
    built = apply_mac(GbcsFrame(Cra.COMMAND, rtds.counter, rtds.originator, rtds.recipient,
                                OtherInformation(rtds.message_code), rtds.payload), security)
    assert built.to_bytes() == rtds.to_bytes()


def test_missing_key_is_named() -> None:
    ctx = SecurityContext(InMemoryKeyStore())
    frame = GbcsFrame(Cra.COMMAND, 1, SUPPLIER, ESME, OtherInformation(0x12), b"\x05\x00")
    with pytest.raises(KeyNotFound, match=SUPPLIER):
        secure(frame, ctx, sign=True, mac=False)
    with pytest.raises(KeyNotFound, match="KA"):
        apply_mac(frame, ctx)


# -- tamper matrix -----------------------------------------------------------------------
TAMPER_SAMPLES = [
    "CS06_11.3_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX",  # critical command: signature + MAC
    "ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX",  # non-critical: MAC
    "ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX",  # MAC'd response
    "CS06_11.3_IMMEDIATE_SUCCESS_RESPONSE_GBCS.HEX",  # signed response
]


@pytest.mark.parametrize("name", TAMPER_SAMPLES)
def test_tamper_matrix(name: str, security) -> None:  # type: ignore[no-untyped-def]
    """Changing any single byte never leaves a verdict "valid" that covered that byte: it
    turns the verdict "invalid" or the message fails to decode."""
    from gfi.errors import CodecError

    original = _vector(name)
    raw = original.to_bytes()
    gs_start = len(raw) - len(original.general_signing_bytes) - (12 if original.mac else 0)
    signed = range(gs_start + 1, gs_start + 1 + len(original.signed_bytes))
    for pos in range(len(raw)):
        tampered = bytearray(raw)
        tampered[pos] ^= 0x01
        try:
            frame = decode_frame(bytes(tampered))
        except CodecError:
            continue
        assert isinstance(frame, GbcsFrame)
        if original.mac is not None:
            assert verify_mac(frame, security).verdict is not Verdict.VALID, (
                f"MAC still valid with byte {pos} changed")
        if original.signature and pos in signed:
            assert verify_signature(frame, security).verdict is not Verdict.VALID, (
                f"signature still valid with byte {pos} changed")
