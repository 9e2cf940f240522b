# SPDX-License-Identifier: GPL-3.0-or-later
"""Securing and checking whole GBCS messages (gbcs-security.md §1, gbcs-protocol.md §1.7).

Which two key-agreement keys give the MAC's shared secret (gbcs-security.md §1.2):

* command — the Access Control Broker's KA key and the recipient device's KA key, whoever
  originated the command;
* response / alert — the originating device's KA key and the recipient remote party's;
* PPMID → meter commands (PCS01 0x009B, PCS02 0x0090) and their responses — the two devices'
  KA keys.

Either side's private key gives the same Z, so a check succeeds whenever the key store holds
one private key and the other party's public key. Order of construction: sign first, MAC
second; the MAC covers the signature field (gbcs-security.md §4 item 3).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import ec

from gfi.codecs.gbcs.frame import CRA_ENCRYPTION, MAC_LENGTH, SECURITY_CONTROL_AUTHENTICATED
from gfi.codecs.gbcs.message import Cra, GbcsFrame
from gfi.codecs.security.keystore import (
    DEFAULT_ACB,
    KeyEntry,
    KeyStore,
    KeyUsage,
    normalise_entity,
)
from gfi.codecs.security.primitives import (
    SECURITY_CONTROL_ENCRYPTED,
    ecdh,
    ecdsa_sign,
    ecdsa_verify,
    gbcs_kdf,
    gcm_decrypt,
    gcm_encrypt,
    gcm_iv,
    gmac,
)
from gfi.errors import KeyNotFound, LocalProtocolError

#: Device-to-device message codes (PPMID → GSME): PCS02, PCS01 (gbcs-security.md §1.2).
DEVICE_TO_DEVICE_CODES = frozenset({0x0090, 0x009B})


class Verdict(enum.Enum):
    """Outcome of one MAC, signature or decryption check."""

    VALID = "valid"
    INVALID = "invalid"
    ABSENT = "absent"
    NO_KEY = "no-key"


@dataclass(frozen=True)
class Check:
    """A verdict with what decided it (key labels, or why no key could check)."""

    verdict: Verdict
    detail: str = ""


@dataclass
class SecurityContext:
    """Keys and settings for securing/checking messages; caches ECDH shared secrets."""

    keys: KeyStore
    acb: str = DEFAULT_ACB
    _z_cache: dict[tuple[int, bytes], bytes] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.acb = normalise_entity(self.acb)

    # -- shared secrets ---------------------------------------------------------------------
    def shared_secrets(self, a: str, b: str) -> Iterator[tuple[bytes, str]]:
        """Every Z computable between the KA keys of entities ``a`` and ``b`` (either side's
        private key with the other side's public key), with a label of the keys used."""
        seen: set[bytes] = set()
        for priv_side, pub_side in ((a, b), (b, a)):
            for mine in self.keys.keys(priv_side, KeyUsage.KA):
                if mine.private_key is None:
                    continue
                for theirs in self.keys.keys(pub_side, KeyUsage.KA):
                    z = self._z(mine, theirs)
                    if z not in seen:
                        seen.add(z)
                        yield z, f"{mine.label} × {theirs.label}"

    def _z(self, mine: KeyEntry, theirs: KeyEntry) -> bytes:
        assert mine.private_key is not None
        key = (id(mine.private_key), theirs.fingerprint)
        z = self._z_cache.get(key)
        if z is None:
            z = self._z_cache[key] = ecdh(mine.private_key, theirs.public_key)
        return z

    def describe_missing(self, a: str, b: str) -> str:
        return (f"needs a KA private key of {a} or {b} and the other's KA certificate; "
                f"the key store has {self._held(a)} for {a} and {self._held(b)} for {b}")

    def _held(self, entity: str) -> str:
        entries = self.keys.keys(entity, KeyUsage.KA)
        if not entries:
            return "no KA key"
        private = sum(1 for e in entries if e.private_key is not None)
        return f"{len(entries)} KA key(s), {private} private"


# ----------------------------------------------------------------------------
# MAC (gbcs-security.md §1.2-§1.4)
# ----------------------------------------------------------------------------
def mac_parties(frame: GbcsFrame, ctx: SecurityContext) -> tuple[str, str]:
    """(device side, remote side) whose KA keys give the MAC's shared secret."""
    if frame.message_code in DEVICE_TO_DEVICE_CODES:
        return frame.originator, frame.recipient
    if frame.cra is Cra.COMMAND:
        return frame.recipient, ctx.acb
    return frame.originator, frame.recipient


def mac_aad(frame: GbcsFrame) -> bytes:
    """AAD = security control ‖ 5 zero bytes ‖ the General-Signing APDU through its signature
    field (gbcs-security.md §1.4; ``11 00 00 00 00 00`` for every RTDS message)."""
    return bytes([frame.security_control]) + bytes(5) + frame.general_signing_bytes


def compute_mac(frame: GbcsFrame, z: bytes) -> bytes:
    """The 12-byte GMAC of ``frame`` for shared secret ``z``."""
    originator = bytes.fromhex(frame.originator)
    key = gbcs_kdf(z, originator, int(frame.cra), frame.counter, bytes.fromhex(frame.recipient))
    return gmac(key, gcm_iv(originator, frame.invocation_counter), mac_aad(frame))


def verify_mac(frame: GbcsFrame, ctx: SecurityContext) -> Check:
    if frame.mac is None:
        return Check(Verdict.ABSENT, "no MAC header")
    device, remote = mac_parties(frame, ctx)
    tried = 0
    for z, label in ctx.shared_secrets(device, remote):
        tried += 1
        if compute_mac(frame, z) == frame.mac:
            return Check(Verdict.VALID, label)
    if not tried:
        return Check(Verdict.NO_KEY, ctx.describe_missing(device, remote))
    return Check(Verdict.INVALID, f"no key pair gives this MAC ({tried} tried)")


def apply_mac(frame: GbcsFrame, ctx: SecurityContext) -> GbcsFrame:
    """``frame`` with its MAC header and a fresh MAC (the first usable key pair)."""
    draft = frame.with_changes(mac=bytes(MAC_LENGTH),
                               signature=b"" if frame.signature is None else frame.signature)
    device, remote = mac_parties(draft, ctx)
    for z, _label in ctx.shared_secrets(device, remote):
        return draft.with_changes(mac=compute_mac(draft, z))
    raise KeyNotFound(f"{device}/{remote}", KeyUsage.KA.title, private=True,
                      detail="cannot MAC: " + ctx.describe_missing(device, remote))


# ----------------------------------------------------------------------------
# Signature (gbcs-security.md §1.6)
# ----------------------------------------------------------------------------
def verify_signature(frame: GbcsFrame, ctx: SecurityContext) -> Check:
    if not frame.signature:
        return Check(Verdict.ABSENT,
                     "pre-command: no signature field" if frame.signature is None
                     else "empty signature field")
    entries = ctx.keys.keys(frame.originator, KeyUsage.DS)
    if not entries:
        return Check(Verdict.NO_KEY, f"no DS certificate of originator {frame.originator}")
    for entry in entries:
        if ecdsa_verify(entry.public_key, frame.signed_bytes, frame.signature):
            return Check(Verdict.VALID, entry.label)
    return Check(Verdict.INVALID, f"signature does not verify with {len(entries)} DS key(s) "
                                  f"of {frame.originator}")


def apply_signature(frame: GbcsFrame, private_key: ec.EllipticCurvePrivateKey) -> GbcsFrame:
    """``frame`` signed with ``private_key`` (raw r‖s over the grouping header and payload).

    A MAC already present is left as it was: call :func:`apply_mac` afterwards."""
    return frame.with_changes(signature=ecdsa_sign(private_key, frame.signed_bytes))


def sign_with_store(frame: GbcsFrame, ctx: SecurityContext) -> GbcsFrame:
    """Sign with the originator's first DS private key in the store."""
    entries = [e for e in ctx.keys.keys(frame.originator, KeyUsage.DS) if e.private_key]
    if not entries:
        raise KeyNotFound(frame.originator, KeyUsage.DS.title, private=True,
                          detail="cannot sign")
    assert entries[0].private_key is not None
    return apply_signature(frame, entries[0].private_key)


def secure(frame: GbcsFrame, ctx: SecurityContext, *, sign: bool, mac: bool) -> GbcsFrame:
    """Sign first, then MAC (gbcs-security.md §4 item 3)."""
    if sign:
        frame = sign_with_store(frame, ctx)
    elif frame.signature is None and mac:
        frame = frame.with_changes(signature=b"")
    if mac:
        frame = apply_mac(frame, ctx)
    return frame


# ----------------------------------------------------------------------------
# Payload encryption (gbcs-security.md §1.5)
# ----------------------------------------------------------------------------
def encryption_parties(frame: GbcsFrame) -> tuple[str, str, int]:
    """(device, party, counter) of a sensitive payload: the supplementary remote party and
    supplementary originator counter when the other-information carries them."""
    oi = frame.other_information
    party = oi.supplementary_remote_party_id or frame.recipient
    counter = oi.supplementary_originator_counter
    return frame.originator, party, frame.counter if counter is None else counter


def _encryption_key(frame: GbcsFrame, z: bytes) -> bytes:
    device, party, counter = encryption_parties(frame)
    return gbcs_kdf(z, bytes.fromhex(device), CRA_ENCRYPTION, counter, bytes.fromhex(party))


def decrypt_block(frame: GbcsFrame, ctx: SecurityContext, ciphertext: bytes, tag: bytes,
                  *, security_control: int = SECURITY_CONTROL_ENCRYPTED,
                  invocation_counter: int = 0) -> tuple[Check, bytes | None]:
    """Decrypt one ``31 00000000 ‖ ciphertext ‖ tag`` block of ``frame``."""
    device, party, _ = encryption_parties(frame)
    iv = gcm_iv(bytes.fromhex(frame.originator), invocation_counter)
    tried = 0
    for z, label in ctx.shared_secrets(device, party):
        tried += 1
        plain = gcm_decrypt(_encryption_key(frame, z), iv, ciphertext, tag,
                            bytes([security_control]))
        if plain is not None:
            return Check(Verdict.VALID, label), plain
    if not tried:
        return Check(Verdict.NO_KEY, ctx.describe_missing(device, party)), None
    return Check(Verdict.INVALID, f"authentication tag does not verify ({tried} key pair(s))"), None


def encrypt_block(frame: GbcsFrame, ctx: SecurityContext, plaintext: bytes,
                  *, invocation_counter: int = 0) -> tuple[bytes, bytes]:
    """(ciphertext, tag) of ``plaintext`` for ``frame``'s encryption parties."""
    device, party, _ = encryption_parties(frame)
    for z, _label in ctx.shared_secrets(device, party):
        iv = gcm_iv(bytes.fromhex(frame.originator), invocation_counter)
        return gcm_encrypt(_encryption_key(frame, z), iv, plaintext,
                           bytes([SECURITY_CONTROL_ENCRYPTED]))
    raise KeyNotFound(f"{device}/{party}", KeyUsage.KA.title, private=True,
                      detail="cannot encrypt: " + ctx.describe_missing(device, party))


def require_mac_header(frame: GbcsFrame) -> None:
    if frame.security_control != SECURITY_CONTROL_AUTHENTICATED:
        raise LocalProtocolError(
            f"security control 0x{frame.security_control:02X}; GBCS MACs use 0x11")
