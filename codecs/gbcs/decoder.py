# SPDX-License-Identifier: GPL-3.0-or-later
"""From bytes to a verified, fully decoded GBCS message (house style rule 6): parse the
outer framing, check MAC and signature with :mod:`gfi.codecs.security`, decode the payload
family (DLMS, GBZ, ASN.1), then decrypt sensitive sub-payloads when the keys allow and
decode their plaintext.

:func:`decode_message` never raises on bad input: the problem is recorded in
:attr:`DecodedMessage.error` with the field path and byte offset, so a caller processing
many messages keeps going.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gfi.codecs.gbcs.catalogue import MessageCodeInfo, PayloadFamily, lookup
from gfi.codecs.gbcs.message import Cra, GbcsFrame, GbtBlock, decode_frame
from gfi.codecs.primitives import hex_to_bytes
from gfi.codecs.security.gbcs import (
    Check,
    SecurityContext,
    Verdict,
    decrypt_block,
    verify_mac,
    verify_signature,
)
from gfi.errors import CodecError, DecodeError, EncodeError, GfiError

# ----------------------------------------------------------------------------
# Payload families (gbcs-protocol.md §2.1)
# ----------------------------------------------------------------------------
_DLMS_TAGS = frozenset({0xD9, 0xDA, 0x0F})
_ASN1_TAGS = frozenset({0x30, 0x02, 0x04, 0x05, 0x0A})


def payload_family(payload: bytes) -> PayloadFamily:
    """Family by the payload's first bytes (§2.1): ``D9``/``DA``/``0F`` DLMS, ``01 09`` GBZ,
    a DER tag (``30 02 04 05 0A``) ASN.1."""
    if payload[:2] == b"\x01\x09":
        return PayloadFamily.GBZ
    if payload[:1] and payload[0] in _DLMS_TAGS:
        return PayloadFamily.DLMS
    if payload[:1] and payload[0] in _ASN1_TAGS:
        return PayloadFamily.ASN1
    return PayloadFamily.UNKNOWN


def decode_payload(payload: bytes, *, message_code: int, cra: int) -> tuple[PayloadFamily,
                                                                             dict[str, Any]]:
    """Decode a payload to a JSON-native tree; :class:`DecodeError` on bad bytes."""
    family = payload_family(payload)
    if family is PayloadFamily.DLMS:
        from gfi.codecs.dlms import decode_dlms_payload

        return family, decode_dlms_payload(payload)
    if family is PayloadFamily.GBZ:
        from gfi.codecs.gbcs.gbz import decode_gbz_payload

        return family, decode_gbz_payload(payload, message_code=message_code, cra=cra)
    if family is PayloadFamily.ASN1:
        from gfi.codecs.asn1 import decode_asn1_payload

        return family, decode_asn1_payload(payload, message_code=message_code, cra=cra)
    return family, {"raw": payload.hex().upper()}


def encode_payload(family: PayloadFamily, tree: dict[str, Any]) -> bytes:
    """The payload bytes of a decoded tree (the inverse of :func:`decode_payload`)."""
    if not isinstance(tree, dict):
        raise EncodeError(f"payload must be an object, got {type(tree).__name__}")
    if family is PayloadFamily.DLMS:
        from gfi.codecs.dlms import encode_dlms_payload

        return encode_dlms_payload(tree)
    if family is PayloadFamily.GBZ:
        from gfi.codecs.gbcs.gbz import encode_gbz_payload

        return encode_gbz_payload(tree)
    if family is PayloadFamily.ASN1:
        from gfi.codecs.asn1 import encode_asn1_payload

        return encode_asn1_payload(tree)
    return hex_to_bytes(tree.get("raw"), "payload.raw")


# ----------------------------------------------------------------------------
# The decoded message
# ----------------------------------------------------------------------------
_NOT_CHECKED = Check(Verdict.NO_KEY, "no key store given")


@dataclass
class DecodedMessage:
    """Everything gfi knows about one input message."""

    raw: bytes
    source: str = ""
    frame: GbcsFrame | GbtBlock | None = None
    error: GfiError | None = None
    info: MessageCodeInfo | None = None
    family: PayloadFamily | None = None
    payload: dict[str, Any] | None = None
    mac: Check = _NOT_CHECKED
    signature: Check = _NOT_CHECKED
    decryption: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: The prepayment top-up token carried by CS01a/CS01b/PCS01, decoded, and its check.
    utrn: dict[str, Any] | None = None
    utrn_check: Check | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def decrypted(self) -> bool | None:
        """``None`` when nothing was encrypted, else whether every block decrypted."""
        if not self.decryption:
            return None
        return all(c.verdict is Verdict.VALID for c in self.decryption)

    @property
    def verdicts_ok(self) -> bool:
        """No verdict is "invalid" (absent or unverifiable checks do not count against)."""
        checks = [self.mac, self.signature, *self.decryption]
        if self.utrn_check is not None:
            checks.append(self.utrn_check)
        return all(c.verdict is not Verdict.INVALID for c in checks)


def payload_offset(frame: GbcsFrame) -> int:
    """Byte offset of the payload within the message as sent."""
    tail = len(frame.payload)
    if frame.signature is not None:
        tail += 1 + len(frame.signature)
    if frame.mac is not None:
        tail += len(frame.mac)
    return len(frame.to_bytes()) - tail


def decode_message(raw: bytes, *, security: SecurityContext | None = None,
                   source: str = "") -> DecodedMessage:
    """Decode, verify and decrypt one message; never raises for bad input."""
    result = DecodedMessage(raw=bytes(raw), source=source)
    try:
        frame = decode_frame(raw)
    except CodecError as exc:
        result.error = exc
        return result
    result.frame = frame
    result.info = lookup(frame.message_code)
    if result.info is None:
        result.notes.append(f"message code {frame.message_code:04X} is not in the catalogue")
    if isinstance(frame, GbtBlock):
        result.mac = result.signature = Check(Verdict.ABSENT, "GBT block: reassemble first")
        return result
    if security is not None:
        result.mac = verify_mac(frame, security)
        result.signature = verify_signature(frame, security)
    try:
        result.family, result.payload = decode_payload(
            frame.payload, message_code=frame.message_code, cra=int(frame.cra))
    except CodecError as exc:
        result.family = payload_family(frame.payload)
        result.error = exc.within("payload", payload_offset(frame))
        return result
    if result.info is not None and result.family is not PayloadFamily.UNKNOWN and \
            result.family not in (result.info.family, result.info.alt_family):
        result.notes.append(f"payload is {result.family.value} where the catalogue has "
                            f"{result.info.family.value} for this message code")
    if security is not None:
        _decrypt(result, frame, security)
    else:
        for _ in _encrypted_parts(result):
            result.decryption.append(Check(Verdict.NO_KEY, "no key store given"))
    if frame.message_code in UTRN_CODES and frame.cra is Cra.COMMAND:
        _check_utrn(result, frame, security)
    return result


# ----------------------------------------------------------------------------
# UTRN (gbcs-protocol.md §2.5)
# ----------------------------------------------------------------------------
#: CS01a (ESME, DLMS), CS01b (GSME, GBZ), PCS01 (PPMID → GSME, GBZ).
UTRN_CODES = frozenset({0x0007, 0x0097, 0x009B})
PCS01 = 0x009B


def _find_utrn(node: Any) -> str | None:
    """The first 20-digit ASCII octet string (as hex) in a payload tree."""
    if isinstance(node, str) and len(node) == 40:
        try:
            text = bytes.fromhex(node).decode("ascii")
        except (ValueError, UnicodeDecodeError):
            return None
        return text if text.isdigit() else None
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        found = _find_utrn(child)
        if found is not None:
            return found
    return None


def _check_utrn(result: DecodedMessage, frame: GbcsFrame,
                security: SecurityContext | None) -> None:
    from gfi.codecs.gbcs.utrn import decode_utrn
    from gfi.codecs.security.keystore import KeyUsage

    text = _find_utrn(result.payload)
    if text is None:
        result.notes.append("no 20-digit UTRN found in the top-up command")
        return
    try:
        utrn = decode_utrn(text)
    except DecodeError as exc:
        result.utrn_check = Check(Verdict.INVALID, str(exc))
        return
    result.utrn = utrn.as_dict()
    if not utrn.check_digit_ok:
        result.utrn_check = Check(Verdict.INVALID, "check digit does not match")
        return
    if security is None:
        result.utrn_check = Check(Verdict.NO_KEY, "no key store given")
        return
    if frame.message_code == PCS01:
        # the PPMID relays a UTRN made by a supplier, for the supplier's own counter: neither
        # is in this message, so the token's MAC cannot be checked here
        result.utrn_check = Check(Verdict.NO_KEY, "PCS01 carries a supplier's UTRN; the "
                                  "supplier and its counter are not in the message")
        return
    tried = 0
    for supplier in (frame.originator,):
        for pp in security.keys.keys(supplier, KeyUsage.PP_KA):
            for device in security.keys.keys(frame.recipient, KeyUsage.KA):
                z = _utrn_secret(pp, device)
                if z is None:
                    continue
                tried += 1
                if utrn.verify(z, supplier=bytes.fromhex(supplier),
                               device=bytes.fromhex(frame.recipient), counter=frame.counter):
                    result.utrn_check = Check(Verdict.VALID, f"{pp.label} × {device.label}")
                    return
    result.utrn_check = (
        Check(Verdict.INVALID, f"UTRN MAC or counter does not verify ({tried} key pair(s))")
        if tried else
        Check(Verdict.NO_KEY, f"needs a supplier prepayment KA private key and the KA "
                              f"certificate of {frame.recipient}"))


def _utrn_secret(pp: Any, device: Any) -> bytes | None:
    from gfi.codecs.security.primitives import ecdh

    if pp.private_key is None:
        return None
    z: bytes = ecdh(pp.private_key, device.public_key)
    return z


# ----------------------------------------------------------------------------
# Encrypted sub-payloads (gbcs-security.md §1.5)
# ----------------------------------------------------------------------------
@dataclass
class _Encrypted:
    ciphertext: bytes
    tag: bytes
    security_control: int
    invocation_counter: int
    attach: Callable[[bytes], None]


def _encrypted_parts(result: DecodedMessage) -> list[_Encrypted]:
    tree = result.payload
    if tree is None or result.frame is None:
        return []
    if result.family is PayloadFamily.DLMS:
        from gfi.codecs.dlms import (
            alert_protected_data_parts,
            decode_data,
            is_protected_data,
            protected_data_parts,
        )

        def attach_data(node: dict[str, Any]) -> Callable[[bytes], None]:
            def attach(plain: bytes) -> None:
                node["decrypted"] = decode_data(plain)

            return attach

        found: list[_Encrypted] = []
        for item in tree.get("data", []) or []:
            if isinstance(item, dict) and is_protected_data(item):
                p = protected_data_parts(item)
                found.append(_Encrypted(p["ciphertext"], p["tag"], p["security_control"],
                                        p["invocation_counter"], attach_data(item)))
        if tree.get("apdu") == "data-notification":
            try:
                p = alert_protected_data_parts(tree)
            except DecodeError:
                return found
            found.append(_Encrypted(p["ciphertext"], p["tag"], p["security_control"],
                                    p["invocation_counter"], attach_data(tree["body"])))
        return found
    if result.family is PayloadFamily.GBZ:
        from gfi.codecs.gbcs.gbz import decode_zcl_command_payload, encrypted_components

        found = []
        for part in encrypted_components(tree):
            node = part["node"]

            def attach(plain: bytes, part: dict[str, Any] = part,
                       node: dict[str, Any] = node) -> None:
                node["decrypted"] = decode_zcl_command_payload(
                    part["cluster_id"], part["frame_control"], part["command_id"], plain)

            found.append(_Encrypted(part["ciphertext"], part["tag"], part["security_control"],
                                    part["invocation_counter"], attach))
        return found
    return []


def _decrypt(result: DecodedMessage, frame: GbcsFrame, security: SecurityContext) -> None:
    for part in _encrypted_parts(result):
        check, plain = decrypt_block(frame, security, part.ciphertext, part.tag,
                                     security_control=part.security_control,
                                     invocation_counter=part.invocation_counter)
        if plain is not None:
            try:
                part.attach(plain)
            except DecodeError as exc:
                check = Check(Verdict.VALID, f"{check.detail}; plaintext does not decode: {exc}")
                result.notes.append(f"decrypted plaintext does not decode: {exc}")
        result.decryption.append(check)


def is_response_to(response: GbcsFrame, command: GbcsFrame) -> bool:
    """The response echoes the command's counter and swaps the entity ids (§1.6)."""
    return (response.cra is Cra.RESPONSE and command.cra is Cra.COMMAND
            and response.counter == command.counter
            and response.originator == command.recipient
            and response.recipient == command.originator)
