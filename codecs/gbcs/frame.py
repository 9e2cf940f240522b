# SPDX-License-Identifier: GPL-3.0-or-later
"""GBCS outer framing: MAC header, grouping header, signature field, MAC, and the
General Block Transfer block message (gbcs-protocol.md §1).

Three forms exist on the wire (gbcs-protocol.md §1.1, §1.9):

* ``DD 00 …`` — General-Ciphering APDU (the "MAC header") wrapping a General-Signing APDU
  and a 12-byte MAC;
* ``DF …`` — a bare General-Signing APDU (signed-only messages and pre-commands, which end
  right after the payload, with no signature field at all);
* ``DD 09 …`` — a General Block Transfer block behind a message routing header.

The schemas below are declarative; :mod:`gfi.codecs.gbcs.message` maps their results onto
the typed :class:`~gfi.codecs.gbcs.message.GbcsFrame`.
"""

from __future__ import annotations

from typing import Any

import construct as cs
from construct import this

from gfi.codecs.primitives import BerLength, Eui64, HexBytes

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
TAG_GENERAL_CIPHERING = 0xDD  # DLMS general-ciphering (221)
TAG_GENERAL_SIGNING = 0xDF  # DLMS general-signing (223)
TAG_GENERAL_BLOCK_TRANSFER = 0xE0  # DLMS general-block-transfer (224)

#: Bytes 0-6 of the MAC header: tag + five empty octet strings + key-info absent (§1.3).
MAC_HEADER_PREFIX = bytes([TAG_GENERAL_CIPHERING, 0, 0, 0, 0, 0, 0])
#: Security control byte of the MAC header: authentication only (§1.3).
SECURITY_CONTROL_AUTHENTICATED = 0x11
MAC_LENGTH = 12
SIGNATURE_LENGTH = 64

CRA_COMMAND = 1
CRA_RESPONSE = 2
CRA_ALERT = 3
#: CRA value used only inside the KDF OtherInfo for payload encryption (§1.7).
CRA_ENCRYPTION = 4

# ----------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------


class OptionalTrailing(cs.Subconstruct):  # type: ignore[misc]
    """``subcon`` if any bytes remain in the stream, else ``None``; builds nothing for ``None``.

    GBCS pre-commands end right after the payload: their signature field is absent, not
    empty (gbcs-protocol.md §1.4, §7 item 13).
    """

    def _parse(self, stream: Any, context: Any, path: str) -> Any:
        pos = cs.stream_tell(stream, path)
        if not stream.read(1):
            return None
        cs.stream_seek(stream, pos, 0, path)
        return self.subcon._parsereport(stream, context, path)

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        if obj is None:
            return None
        return self.subcon._build(obj, stream, context, path)


def _fixed_length_field(length: int, subcon: Any) -> Any:
    """``<length byte> <subcon>`` where the length byte must equal ``length``."""
    return cs.FocusedSeq("value", cs.Const(bytes([length])), "value" / subcon)


# ----------------------------------------------------------------------------
# Grouping header (General-Signing, §1.4)
# ----------------------------------------------------------------------------

#: ``09 CRA counter(8)`` — CRA flag and originator counter.
TransactionId = cs.Struct(
    cs.Const(b"\x09"),
    "cra" / cs.Int8ub,
    cs.Check(lambda c: c.cra in (CRA_COMMAND, CRA_RESPONSE, CRA_ALERT)) * "CRA flag 1, 2 or 3",
    "counter" / cs.Int64ub,
)

#: DLMS 12-byte date-time (gbcs-protocol.md §1.4): year, month, day, day of week, hour,
#: minute, second, hundredths, deviation (minutes, ``-32768`` = not specified), clock status.
DlmsDateTime = cs.Struct(
    "year" / cs.Int16ub,
    "month" / cs.Int8ub,
    "day" / cs.Int8ub,
    "day_of_week" / cs.Int8ub,
    "hour" / cs.Int8ub,
    "minute" / cs.Int8ub,
    "second" / cs.Int8ub,
    "hundredths" / cs.Int8ub,
    "deviation" / cs.Int16sb,
    "clock_status" / cs.Int8ub,
)

#: Grouping-header date-time: ``00`` (empty) or ``0C`` + 12-byte DLMS date-time.
DateTimeField = cs.FocusedSeq(
    "value",
    "length" / cs.Rebuild(cs.Int8ub, lambda c: 0 if c.value is None else 12),
    cs.Check(lambda c: c.length in (0, 12)) * "date-time length 0 or 12",
    "value" / cs.If(this.length == 12, DlmsDateTime),
)


def _other_information_length(c: Any) -> int:
    n = 2
    if c.supplementary_remote_party_id is not None:
        n += 8
    if c.supplementary_remote_party_counter is not None:
        n += 8
    if c.supplementary_originator_counter is not None:
        n += 8
    if c.certificate is not None:
        n += len(bytes.fromhex(c.certificate))
    return n


#: Other-information: message code and the optional supplementary fields, chosen by
#: length — 2, 10, 18, 26 (originator counter) or > 26 (certificate) (§1.4, §7 item 3).
OtherInformation = cs.Struct(
    "length" / cs.Rebuild(BerLength, _other_information_length),
    cs.Check(lambda c: c.length in (2, 10, 18, 26) or c.length > 26)
    * "other-information length 2, 10, 18, 26 or more",
    "message_code" / cs.Int16ub,
    "supplementary_remote_party_id" / cs.If(this.length >= 10, Eui64),
    "supplementary_remote_party_counter" / cs.If(this.length >= 18, cs.Int64ub),
    "supplementary_originator_counter" / cs.If(this.length == 26, cs.Int64ub),
    "certificate" / cs.If(this.length > 26, HexBytes(cs.Bytes(this.length - 18))),
)

#: Transaction id, originator and recipient: the addressing shared by the grouping header
#: and the GBT message routing header (§1.4, §1.9).
ADDRESSING = (
    "transaction_id" / TransactionId,
    "originator" / _fixed_length_field(8, Eui64),
    "recipient" / _fixed_length_field(8, Eui64),
)

#: Everything after ``DF`` up to the end of the payload: the bytes a signature covers (§1.7).
GroupingHeaderAndContent = cs.Struct(
    *ADDRESSING,
    "date_time" / DateTimeField,
    "other_information" / OtherInformation,
    "content" / cs.Prefixed(BerLength, cs.GreedyBytes),
)

#: Signature field: ``00`` (none) or ``40`` + 64-byte raw r‖s; ``None`` when absent.
SignatureField = OptionalTrailing(cs.Prefixed(BerLength, cs.GreedyBytes))

#: General-Signing APDU (tag ``DF``).
GeneralSigning = cs.Struct(
    cs.Const(bytes([TAG_GENERAL_SIGNING])),
    "signed" / cs.RawCopy(GroupingHeaderAndContent),
    "signature" / SignatureField,
)

#: General-Ciphering APDU (the MAC header, §1.3) around a General-Signing APDU and its MAC.
GeneralCiphering = cs.Struct(
    cs.Const(MAC_HEADER_PREFIX),
    "ciphered_service"
    / cs.Prefixed(
        BerLength,
        cs.Struct(
            "security_control" / cs.Int8ub,
            "invocation_counter" / cs.Int32ub,
            "general_signing" / cs.RawCopy(GeneralSigning),
            "mac" / cs.Bytes(MAC_LENGTH),
            cs.Terminated,
        ),
    ),
)

# ----------------------------------------------------------------------------
# General Block Transfer (§1.9)
# ----------------------------------------------------------------------------

#: Block control: bit 7 last block, bit 6 streaming, bits 5-0 window.
BlockControl = cs.BitStruct(
    "last_block" / cs.Flag,
    "streaming" / cs.Flag,
    "window" / cs.BitsInteger(6),
)

#: General-Block-Transfer APDU (tag ``E0``).
GeneralBlockTransfer = cs.Struct(
    cs.Const(bytes([TAG_GENERAL_BLOCK_TRANSFER])),
    "block_control" / BlockControl,
    "block_number" / cs.Int16ub,
    "block_number_ack" / cs.Int16ub,
    "block_data" / cs.Prefixed(BerLength, cs.GreedyBytes),
)

#: A GBT block message: message routing header (a General-Ciphering APDU whose header fields
#: are populated) around one General-Block-Transfer APDU.
GbtBlockMessage = cs.Struct(
    cs.Const(bytes([TAG_GENERAL_CIPHERING])),
    *ADDRESSING,
    cs.Const(b"\x00"),  # date-time: empty
    "message_code" / _fixed_length_field(2, cs.Int16ub),  # other-information
    cs.Const(b"\x00"),  # key-info: absent
    "ciphered_service"
    / cs.Prefixed(
        BerLength,
        cs.Struct(
            "security_control" / cs.Int8ub,
            "invocation_counter" / cs.Int32ub,
            "gbt" / GeneralBlockTransfer,
            cs.Terminated,
        ),
    ),
)
