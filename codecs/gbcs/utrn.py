# SPDX-License-Identifier: GPL-3.0-or-later
"""Prepayment top-up tokens: the 20-digit UTRN of CS01a, CS01b and PCS01
(gbcs-protocol.md §2.5, gbcs-security.md §1.9).

PTUT (64 bits) = high ‖ low. High 32 bits = 7 zero bits ‖ bits 32-41 of the originator
counter (10 bits) ‖ value class (2 bits: 0 pennies, 1 pounds) ‖ value (13 bits). Low 32 bits
= the last 4 bytes of a 16-byte GMAC keyed by the GBCS KDF (CRA 1, supplier → device) over the
supplier's *prepayment* KA key and the device's KA key; IV = supplier id ‖ 0; AAD =
``11 00 00 00 00 00`` ‖ supplier ‖ device ‖ ``01`` ‖ counter (8) ‖ high 32 bits.
PPTD = 7394156990786306048 + PTUT; UTRN = PPTD (19 digits) ‖ check digit.
"""

from __future__ import annotations

from dataclasses import dataclass

from gfi.codecs.security.primitives import gbcs_kdf, gcm_iv, gmac
from gfi.errors import DecodeError, LocalProtocolError

PPTD_OFFSET = 7394156990786306048
VALUE_CLASSES = {0: "pennies", 1: "pounds"}
_MAC_AAD_PREFIX = bytes.fromhex("110000000000")

# Verhoeff-style check digit: dihedral group D5 multiplication, the permutation table, and
# the final mapping of gbcs-protocol.md §2.5.
# fmt: off
_D5 = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6), (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4), (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_PERMUTATION_STEP = (1, 5, 7, 6, 2, 8, 3, 0, 9, 4)
_FINAL = (1, 2, 6, 7, 5, 8, 3, 0, 9, 4)
# fmt: on


def _permutations() -> tuple[tuple[int, ...], ...]:
    rows = [tuple(range(10))]
    for _ in range(7):
        rows.append(tuple(rows[-1][x] for x in _PERMUTATION_STEP))
    return tuple(rows)


_P = _permutations()


def check_digit(pptd: int) -> int:
    """Check digit of a 19-digit PPTD (row 4 for the leftmost digit, advancing mod 8)."""
    c = 0
    for i, digit in enumerate(str(pptd)):
        c = _D5[c][_P[(4 + i) % 8][int(digit)]]
    return _FINAL[c]


def high_word(counter: int, value: int, value_class: int) -> int:
    if not 0 <= value <= 0x1FFF:
        raise LocalProtocolError(f"UTRN value {value} outside 0-8191")
    if value_class not in VALUE_CLASSES:
        raise LocalProtocolError(f"UTRN value class {value_class} is not 0 (pennies) or 1 (pounds)")
    return (((counter >> 32) & 0x3FF) << 15) | (value_class << 13) | value


def utrn_mac(z: bytes, supplier: bytes, device: bytes, counter: int, high: int) -> int:
    """The low 32 bits of the PTUT for a shared secret ``z`` (supplier PP KA × device KA)."""
    key = gbcs_kdf(z, supplier, 1, counter, device)
    aad = _MAC_AAD_PREFIX + supplier + device + b"\x01" + counter.to_bytes(8, "big") + \
        high.to_bytes(4, "big")
    return int.from_bytes(gmac(key, gcm_iv(supplier), aad, tag_length=16)[-4:], "big")


def make_utrn(z: bytes, *, supplier: bytes, device: bytes, counter: int, value: int,
              value_class: int) -> str:
    """The 20-digit UTRN for a top-up of ``value`` (pennies or pounds by ``value_class``)."""
    high = high_word(counter, value, value_class)
    pptd = PPTD_OFFSET + ((high << 32) | utrn_mac(z, supplier, device, counter, high))
    return f"{pptd}{check_digit(pptd)}"


@dataclass(frozen=True)
class Utrn:
    """A decoded UTRN."""

    text: str
    pptd: int
    ptut: int
    counter_bits: int  # bits 32-41 of the originator counter
    value_class: int
    value: int
    mac: int
    check_digit_ok: bool

    @property
    def amount_text(self) -> str:
        return f"£{self.value}" if self.value_class == 1 else f"{self.value}p"

    def as_dict(self) -> dict[str, object]:
        return {"utrn": self.text, "pptd": self.pptd, "counter_bits_32_41": self.counter_bits,
                "value_class": VALUE_CLASSES.get(self.value_class, self.value_class),
                "value": self.value, "amount": self.amount_text,
                "mac": f"{self.mac:08X}", "check_digit_ok": self.check_digit_ok}

    def verify(self, z: bytes, *, supplier: bytes, device: bytes, counter: int) -> bool:
        """The counter bits and MAC agree with ``counter`` and the shared secret ``z``."""
        high = self.ptut >> 32
        return ((counter >> 32) & 0x3FF) == self.counter_bits and \
            utrn_mac(z, supplier, device, counter, high) == self.mac


def decode_utrn(text: str) -> Utrn:
    """Split a 20-digit UTRN into its fields; :class:`DecodeError` when it is not one."""
    if len(text) != 20 or not text.isdigit():
        raise DecodeError(f"a UTRN is 20 decimal digits, got {text[:24]!r}")
    pptd = int(text[:19])
    ptut = pptd - PPTD_OFFSET
    if not 0 <= ptut < 1 << 64:
        raise DecodeError(f"UTRN {text}: PPTD below {PPTD_OFFSET} or PTUT over 64 bits")
    high = ptut >> 32
    if high >> 25:
        raise DecodeError(f"UTRN {text}: the 7 top bits of the PTUT are not zero")
    return Utrn(text=text, pptd=pptd, ptut=ptut, counter_bits=(high >> 15) & 0x3FF,
                value_class=(high >> 13) & 3, value=high & 0x1FFF, mac=ptut & 0xFFFFFFFF,
                check_digit_ok=check_digit(pptd) == int(text[19]))
