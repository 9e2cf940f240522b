# SPDX-License-Identifier: GPL-3.0-or-later
"""GBCS cryptographic primitives as pure functions over ``cryptography``
(gbcs-security.md §1.2-§1.6, gbcs-protocol.md §1.7).

* static-static ECDH on P-256 (:func:`ecdh`) and the NIST SP 800-56A single-step KDF with
  GBCS's OtherInfo (:func:`gbcs_kdf`);
* AES-128-GCM with 12-byte tags: GMAC over an AAD (:func:`gmac`), authenticated encryption
  and decryption (:func:`gcm_encrypt`, :func:`gcm_decrypt`);
* ECDSA P-256 / SHA-256 with raw 64-byte r‖s signatures (:func:`ecdsa_sign`,
  :func:`ecdsa_verify`).

No key material is ever logged.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from gfi.errors import SecurityError

#: KDF AlgorithmID (gbcs-security.md §1.3): an opaque 7-byte constant.
KDF_ALGORITHM_ID = bytes.fromhex("60857406080300")
#: GCM tag length used throughout GBCS (gbcs-security.md §1.4).
TAG_LENGTH = 12
#: Security control byte of an encrypted block: authenticated and encrypted (§1.5).
SECURITY_CONTROL_ENCRYPTED = 0x31


def ecdh(private_key: ec.EllipticCurvePrivateKey, public_key: ec.EllipticCurvePublicKey) -> bytes:
    """Static-static ECDH: Z = x-coordinate of d_A·Q_B (gbcs-security.md §1.2)."""
    if not isinstance(private_key.curve, ec.SECP256R1) or not isinstance(
        public_key.curve, ec.SECP256R1
    ):
        raise SecurityError("GBCS key agreement needs P-256 (prime256v1) keys")
    return private_key.exchange(ec.ECDH(), public_key)


def kdf_other_info(originator: bytes, cra: int, counter: int, recipient: bytes) -> bytes:
    """OtherInfo (33 bytes): AlgorithmID ‖ originator ‖ ``09`` CRA counter ‖ recipient
    (gbcs-security.md §1.3)."""
    if len(originator) != 8 or len(recipient) != 8:
        raise SecurityError("KDF entity ids must be 8 bytes")
    return (
        KDF_ALGORITHM_ID
        + originator
        + bytes([0x09, cra])
        + counter.to_bytes(8, "big")
        + recipient
    )


def gbcs_kdf(z: bytes, originator: bytes, cra: int, counter: int, recipient: bytes) -> bytes:
    """K = first 16 bytes of SHA-256(00000001 ‖ Z ‖ OtherInfo) (gbcs-security.md §1.3).

    ``cra`` is 1 (command MAC), 2 (response MAC), 3 (alert MAC) or 4 (payload encryption).
    """
    digest = hashlib.sha256(
        b"\x00\x00\x00\x01" + z + kdf_other_info(originator, cra, counter, recipient)
    ).digest()
    return digest[:16]


def gcm_iv(originator: bytes, invocation_counter: int = 0) -> bytes:
    """IV = originator entity id ‖ invocation counter (4 bytes, 0 in GBCS) (§1.4)."""
    return originator + invocation_counter.to_bytes(4, "big")


def _gcm_tag(key: bytes, iv: bytes, aad: bytes, plaintext: bytes) -> tuple[bytes, bytes]:
    encryptor = Cipher(algorithms.AES(key), modes.GCM(iv)).encryptor()
    encryptor.authenticate_additional_data(aad)
    ciphertext = encryptor.update(plaintext) + encryptor.finalize()
    return ciphertext, encryptor.tag


def gmac(key: bytes, iv: bytes, aad: bytes, tag_length: int = TAG_LENGTH) -> bytes:
    """AES-GCM tag over ``aad`` with empty plaintext, truncated to ``tag_length`` (§1.4)."""
    return _gcm_tag(key, iv, aad, b"")[1][:tag_length]


def gcm_encrypt(key: bytes, iv: bytes, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
    """AES-128-GCM encryption; returns (ciphertext, 12-byte tag) (§1.5)."""
    ciphertext, tag = _gcm_tag(key, iv, aad, plaintext)
    return ciphertext, tag[:TAG_LENGTH]


def gcm_decrypt(key: bytes, iv: bytes, ciphertext: bytes, tag: bytes, aad: bytes) -> bytes | None:
    """AES-128-GCM decryption with a truncated tag; ``None`` when the tag does not verify."""
    if len(tag) < TAG_LENGTH:
        return None
    decryptor = Cipher(
        algorithms.AES(key), modes.GCM(iv, tag, min_tag_length=TAG_LENGTH)
    ).decryptor()
    decryptor.authenticate_additional_data(aad)
    plaintext = decryptor.update(ciphertext)
    try:
        return plaintext + decryptor.finalize()
    except InvalidTag:
        return None


def ecdsa_sign(private_key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """ECDSA P-256/SHA-256 signature as raw 64-byte r‖s (gbcs-security.md §1.6)."""
    der = private_key.sign(data, ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def ecdsa_verify(public_key: ec.EllipticCurvePublicKey, data: bytes, signature: bytes) -> bool:
    """Verify a raw 64-byte r‖s ECDSA P-256/SHA-256 signature."""
    if len(signature) != 64:
        return False
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if r == 0 or s == 0:
        return False
    try:
        public_key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True
