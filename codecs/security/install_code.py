# SPDX-License-Identifier: GPL-3.0-or-later
"""ZigBee install codes and the link keys derived from them (ZigBee spec 05-3474 Annex B.6
"Block-Cipher-Based Cryptographic Hash Function"; ZigBee SE 1.4 §5.4.8.1.1 install codes).

An install code is 6, 8, 12 or 16 bytes followed by its CRC-16 (CRC-16/X-25: polynomial
0x1021 reflected, initial value 0xFFFF, final XOR 0xFFFF), appended least significant byte
first. The pre-configured link key is the AES-MMO hash of the install code with its CRC.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from gfi.errors import DecodeError

INSTALL_CODE_LENGTHS = (6, 8, 12, 16)
_BLOCK = 16


def crc16_x25(data: bytes) -> int:
    """CRC-16/X-25 (check value of ``b"123456789"`` is 0x906E)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc ^ 0xFFFF


def _aes_block(key: bytes, block: bytes) -> bytes:
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # one block: plain AES
    return encryptor.update(block) + encryptor.finalize()


def aes_mmo_hash(message: bytes) -> bytes:
    """Matyas-Meyer-Oseas hash over AES-128 with the ZigBee padding (Annex B.6): the message,
    a 1 bit, zeros, then the bit length (16 bits when the message is shorter than 2^16 bits,
    else 32 bits followed by 16 zero bits), to a multiple of 16 bytes."""
    bits = len(message) * 8
    if bits < 1 << 16:
        trailer = bits.to_bytes(2, "big")
    elif bits < 1 << 32:
        trailer = bits.to_bytes(4, "big") + b"\x00\x00"
    else:
        raise ValueError("message too long for the ZigBee AES-MMO hash")
    padded = message + b"\x80"
    while (len(padded) + len(trailer)) % _BLOCK:
        padded += b"\x00"
    padded += trailer
    digest = bytes(_BLOCK)
    for i in range(0, len(padded), _BLOCK):
        block = padded[i:i + _BLOCK]
        digest = bytes(a ^ b for a, b in zip(_aes_block(digest, block), block, strict=True))
    return digest


def with_crc(install_code: bytes) -> bytes:
    """The install code followed by its CRC-16, least significant byte first."""
    if len(install_code) not in INSTALL_CODE_LENGTHS:
        raise DecodeError(f"install code of {len(install_code)} bytes; ZigBee allows "
                          f"{', '.join(map(str, INSTALL_CODE_LENGTHS))} (+2 CRC bytes)")
    return install_code + crc16_x25(install_code).to_bytes(2, "little")


def split_install_code(code: bytes) -> bytes:
    """Accept an install code with or without its CRC; check the CRC when present and return
    the code without it."""
    if len(code) in INSTALL_CODE_LENGTHS:
        return code
    if len(code) - 2 in INSTALL_CODE_LENGTHS:
        body, crc = code[:-2], int.from_bytes(code[-2:], "little")
        if crc16_x25(body) != crc:
            raise DecodeError(f"install code CRC {code[-2:].hex().upper()} does not match "
                              f"its code (expected {with_crc(body)[-2:].hex().upper()})")
        return body
    raise DecodeError(f"install code of {len(code)} bytes is neither 6/8/12/16 bytes nor that "
                      "plus a 2-byte CRC")


def link_key_from_install_code(code: bytes) -> bytes:
    """The pre-configured link key for an install code (with or without its CRC)."""
    return aes_mmo_hash(with_crc(split_install_code(code)))
