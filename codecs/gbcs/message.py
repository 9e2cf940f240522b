# SPDX-License-Identifier: GPL-3.0-or-later
"""Typed façade over the GBCS outer framing (house style rule 5).

:func:`decode_frame` turns bytes into a :class:`GbcsFrame` (a whole message, MAC'd or not)
or a :class:`GbtBlock` (one General Block Transfer block); :meth:`GbcsFrame.to_bytes` and
:meth:`GbtBlock.to_bytes` turn them back into the identical bytes
(gbcs-protocol.md §1).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from gfi.codecs.gbcs import frame as fr
from gfi.codecs.primitives import decode_exact, encode_with
from gfi.errors import DecodeError, EncodeError


class Cra(enum.IntEnum):
    """CRA flag of the transaction id (gbcs-protocol.md §1.4)."""

    COMMAND = fr.CRA_COMMAND
    RESPONSE = fr.CRA_RESPONSE
    ALERT = fr.CRA_ALERT

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class DlmsDateTime:
    """A DLMS 12-byte date-time (gbcs-protocol.md §1.4). ``0xFF`` fields are "not specified";
    ``deviation`` -32768 (``0x8000``) is "not specified"."""

    year: int
    month: int
    day: int
    day_of_week: int
    hour: int
    minute: int
    second: int
    hundredths: int
    deviation: int
    clock_status: int

    @classmethod
    def from_bytes(cls, raw: bytes) -> DlmsDateTime:
        parsed = decode_exact(fr.DlmsDateTime, raw, "DLMS date-time")
        return cls(**{k: v for k, v in parsed.items() if not k.startswith("_")})

    def to_bytes(self) -> bytes:
        return encode_with(fr.DlmsDateTime, self.as_dict(), "DLMS date-time")

    def as_dict(self) -> dict[str, int]:
        return {
            "year": self.year, "month": self.month, "day": self.day,
            "day_of_week": self.day_of_week, "hour": self.hour, "minute": self.minute,
            "second": self.second, "hundredths": self.hundredths,
            "deviation": self.deviation, "clock_status": self.clock_status,
        }

    def text(self) -> str:
        """ISO-like rendering; ``*`` marks unspecified fields."""
        if self.as_dict() == {**{k: 0 for k in self.as_dict()}, "deviation": -32768,
                              "clock_status": 0xFF}:
            return "now"
        if self.year == 0xFFFF and self.month == 0xFF and self.day == 0xFF:
            return "never" if self.hour == 0xFF else f"every day {self._time()}"

        def f(v: int, w: int, unspecified: int = 0xFF) -> str:
            return "*" * w if v == unspecified else f"{v:0{w}d}"

        date = f"{f(self.year, 4, 0xFFFF)}-{f(self.month, 2)}-{f(self.day, 2)}"
        return f"{date}T{self._time()}"

    def _time(self) -> str:
        def f(v: int) -> str:
            return "**" if v == 0xFF else f"{v:02d}"

        return f"{f(self.hour)}:{f(self.minute)}:{f(self.second)}"


@dataclass(frozen=True)
class OtherInformation:
    """Other-information of the grouping header (gbcs-protocol.md §1.4)."""

    message_code: int
    supplementary_remote_party_id: str | None = None
    supplementary_remote_party_counter: int | None = None
    supplementary_originator_counter: int | None = None
    certificate: bytes | None = None

    def __post_init__(self) -> None:
        has = (self.supplementary_remote_party_id is not None,
               self.supplementary_remote_party_counter is not None)
        if has[1] and not has[0]:
            raise EncodeError("other-information: a supplementary remote party counter "
                              "needs a supplementary remote party id")
        if (self.supplementary_originator_counter is not None
                or self.certificate is not None) and not all(has):
            raise EncodeError("other-information: a supplementary originator counter or "
                              "certificate needs the supplementary remote party id and counter")
        if self.certificate is not None and len(self.certificate) <= 8:
            raise EncodeError("other-information: a certificate must be longer than 8 bytes "
                              "(8 bytes after the supplementary counter mean an originator "
                              "counter)")
        if self.supplementary_originator_counter is not None and self.certificate is not None:
            raise EncodeError("other-information holds either a supplementary originator "
                              "counter or a certificate, not both")


@dataclass(frozen=True)
class GbcsFrame:
    """One whole GBCS message: grouping header, payload bytes, signature field, and the MAC
    header + MAC when present (gbcs-protocol.md §1.1).

    ``signature`` is ``None`` when the signature field is absent (pre-commands), ``b""`` for
    the empty field ``00`` and 64 bytes r‖s when signed. ``mac`` is ``None`` when the message
    has no MAC header.
    """

    cra: Cra
    counter: int
    originator: str
    recipient: str
    other_information: OtherInformation
    payload: bytes
    date_time: DlmsDateTime | None = None
    signature: bytes | None = b""
    mac: bytes | None = None
    security_control: int = fr.SECURITY_CONTROL_AUTHENTICATED
    invocation_counter: int = 0
    _raw: bytes | None = field(default=None, repr=False, compare=False)

    # -- derived ----------------------------------------------------------------------------
    @property
    def message_code(self) -> int:
        return self.other_information.message_code

    @property
    def has_mac_header(self) -> bool:
        return self.mac is not None

    @property
    def is_precommand(self) -> bool:
        return self.signature is None

    @cached_property
    def signed_bytes(self) -> bytes:
        """The bytes a signature covers: from the byte after ``DF`` through the payload."""
        return encode_with(fr.GroupingHeaderAndContent, self._header_container(), "grouping header")

    @cached_property
    def general_signing_bytes(self) -> bytes:
        """The General-Signing APDU from ``DF`` through the signature field (the MAC's AAD)."""
        return encode_with(
            fr.GeneralSigning,
            {"signed": {"data": self.signed_bytes}, "signature": self.signature},
            "general-signing APDU",
        )

    def to_bytes(self) -> bytes:
        """The message on the wire."""
        if self._raw is not None:
            return self._raw
        if self.mac is None:
            return self.general_signing_bytes
        return encode_with(
            fr.GeneralCiphering,
            {
                "ciphered_service": {
                    "security_control": self.security_control,
                    "invocation_counter": self.invocation_counter,
                    "general_signing": {"data": self.general_signing_bytes},
                    "mac": self.mac,
                }
            },
            "MAC header",
        )

    def with_changes(self, **changes: Any) -> GbcsFrame:
        """A copy with fields replaced (derived byte views are recomputed)."""
        return replace(self, _raw=None, **changes)

    def _header_container(self) -> dict[str, Any]:
        oi = self.other_information
        return {
            "transaction_id": {"cra": int(self.cra), "counter": self.counter},
            "originator": self.originator,
            "recipient": self.recipient,
            "date_time": None if self.date_time is None else self.date_time.as_dict(),
            "other_information": {
                "message_code": oi.message_code,
                "supplementary_remote_party_id": oi.supplementary_remote_party_id,
                "supplementary_remote_party_counter": oi.supplementary_remote_party_counter,
                "supplementary_originator_counter": oi.supplementary_originator_counter,
                "certificate": None if oi.certificate is None else oi.certificate.hex(),
            },
            "content": self.payload,
        }


@dataclass(frozen=True)
class GbtBlock:
    """One General Block Transfer block message (gbcs-protocol.md §1.9)."""

    cra: Cra
    counter: int
    originator: str
    recipient: str
    message_code: int
    block_number: int
    block_data: bytes
    last_block: bool
    block_number_ack: int = 0
    streaming: bool = False
    window: int = 0
    security_control: int = 0
    invocation_counter: int = 0

    def to_bytes(self) -> bytes:
        return encode_with(
            fr.GbtBlockMessage,
            {
                "transaction_id": {"cra": int(self.cra), "counter": self.counter},
                "originator": self.originator,
                "recipient": self.recipient,
                "message_code": self.message_code,
                "ciphered_service": {
                    "security_control": self.security_control,
                    "invocation_counter": self.invocation_counter,
                    "gbt": {
                        "block_control": {
                            "last_block": self.last_block,
                            "streaming": self.streaming,
                            "window": self.window,
                        },
                        "block_number": self.block_number,
                        "block_number_ack": self.block_number_ack,
                        "block_data": self.block_data,
                    },
                },
            },
            "GBT block",
        )


# ----------------------------------------------------------------------------
# Decoding
# ----------------------------------------------------------------------------
def _frame_from(gs: Any, *, mac: bytes | None, security_control: int,
                invocation_counter: int, raw: bytes, gs_raw: bytes) -> GbcsFrame:
    header = gs.signed.value
    oi = header.other_information
    dt = header.date_time
    frame = GbcsFrame(
        cra=Cra(header.transaction_id.cra),
        counter=header.transaction_id.counter,
        originator=header.originator,
        recipient=header.recipient,
        date_time=None if dt is None else DlmsDateTime(
            dt.year, dt.month, dt.day, dt.day_of_week, dt.hour, dt.minute, dt.second,
            dt.hundredths, dt.deviation, dt.clock_status),
        other_information=OtherInformation(
            message_code=oi.message_code,
            supplementary_remote_party_id=oi.supplementary_remote_party_id,
            supplementary_remote_party_counter=oi.supplementary_remote_party_counter,
            supplementary_originator_counter=oi.supplementary_originator_counter,
            certificate=None if oi.certificate is None else bytes.fromhex(oi.certificate),
        ),
        payload=bytes(header.content),
        signature=None if gs.signature is None else bytes(gs.signature),
        mac=mac,
        security_control=security_control,
        invocation_counter=invocation_counter,
        _raw=raw,
    )
    # the byte views the checks need are the input's own bytes (decoding is strict, so they
    # equal what encoding would give): no need to encode them again
    frame.__dict__["signed_bytes"] = bytes(gs.signed.data)
    frame.__dict__["general_signing_bytes"] = gs_raw
    return frame


def _check_signature_field(frame: GbcsFrame) -> GbcsFrame:
    sig = frame.signature
    if sig is not None and len(sig) not in (0, fr.SIGNATURE_LENGTH):
        raise DecodeError(
            f"signature field holds {len(sig)} bytes; GBCS allows 0 or "
            f"{fr.SIGNATURE_LENGTH}", path="signature")
    if frame.mac is not None and sig is None:
        raise DecodeError("MAC'd message without a signature field", path="signature")
    return frame


def decode_frame(data: bytes) -> GbcsFrame | GbtBlock:
    """Decode the outer framing of one GBCS message or GBT block (gbcs-protocol.md §1)."""
    data = bytes(data)
    if len(data) < 2:
        raise DecodeError(f"too short for a GBCS message ({len(data)} byte(s))", offset=0)
    first, second = data[0], data[1]
    if first == fr.TAG_GENERAL_SIGNING:
        gs = decode_exact(fr.GeneralSigning, data, "general-signing APDU")
        return _check_signature_field(_frame_from(
            gs, mac=None, security_control=fr.SECURITY_CONTROL_AUTHENTICATED,
            invocation_counter=0, raw=data, gs_raw=data))
    if first == fr.TAG_GENERAL_CIPHERING and second == 0x00:
        gc = decode_exact(fr.GeneralCiphering, data, "MAC header")
        cs_ = gc.ciphered_service
        return _check_signature_field(_frame_from(
            cs_.general_signing.value, mac=bytes(cs_.mac),
            security_control=cs_.security_control,
            invocation_counter=cs_.invocation_counter, raw=data,
            gs_raw=bytes(cs_.general_signing.data)))
    if first == fr.TAG_GENERAL_CIPHERING and second == 0x09:
        m = decode_exact(fr.GbtBlockMessage, data, "GBT block")
        g = m.ciphered_service.gbt
        return GbtBlock(
            cra=Cra(m.transaction_id.cra), counter=m.transaction_id.counter,
            originator=m.originator, recipient=m.recipient, message_code=m.message_code,
            block_number=g.block_number, block_number_ack=g.block_number_ack,
            block_data=bytes(g.block_data), last_block=g.block_control.last_block,
            streaming=g.block_control.streaming, window=g.block_control.window,
            security_control=m.ciphered_service.security_control,
            invocation_counter=m.ciphered_service.invocation_counter,
        )
    raise DecodeError(
        f"not a GBCS message: starts {first:02X} {second:02X}; expected DD 00 (MAC header), "
        "DD 09 (GBT block) or DF (general-signing)", offset=0)
