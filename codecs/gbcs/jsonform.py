# SPDX-License-Identifier: GPL-3.0-or-later
"""The JSON form of a decoded message — one object per message, as ``gfi decode --json``
writes (JSON Lines) and ``gfi encode`` reads — and its exact inverse.

Keys written: ``source``, ``ok``, ``error`` (+ ``error_path``, ``error_offset``) when not
ok, ``kind`` ("message" | "gbt-block"), ``message_code`` ("0019"), ``use_case``, ``name``,
``cra`` ("command" | "response" | "alert"), ``originator``, ``recipient`` (16 uppercase
hex), ``counter``, ``date_time``, ``other_information``, ``mac_header``, ``signature_hex``,
``mac_hex``, ``mac`` / ``signature`` ("valid" | "invalid" | "absent" | "no-key"),
``decrypted`` (true | false | null), ``checks`` (what decided each verdict), ``family``,
``payload`` (the decoded structure) or ``payload_hex`` (when the payload did not decode),
``notes`` and ``hex`` (the input).

Reading ignores informational keys (``use_case``, ``name``, verdicts, ``hex``, names inside
the payload), so a user can edit a field and encode the message again.
"""

from __future__ import annotations

import re
from typing import Any

from gfi.codecs.gbcs.catalogue import PayloadFamily
from gfi.codecs.gbcs.decoder import DecodedMessage, encode_payload
from gfi.codecs.gbcs.message import (
    Cra,
    DlmsDateTime,
    GbcsFrame,
    GbtBlock,
    OtherInformation,
)
from gfi.codecs.primitives import hex_to_bytes
from gfi.errors import CodecError, EncodeError, GfiError

_CRA_NAMES = {c.label: c for c in Cra}
_EUI = re.compile(r"^[0-9A-Fa-f]{16}$")


# ----------------------------------------------------------------------------
# To JSON
# ----------------------------------------------------------------------------
def _error_fields(error: GfiError) -> dict[str, Any]:
    out: dict[str, Any] = {"error": str(error)}
    if isinstance(error, CodecError):
        if error.path:
            out["error_path"] = error.path
        if error.offset is not None:
            out["error_offset"] = error.offset
    return out


def _header_fields(frame: GbcsFrame | GbtBlock) -> dict[str, Any]:
    return {
        "message_code": f"{frame.message_code:04X}",
        "cra": frame.cra.label,
        "originator": frame.originator,
        "recipient": frame.recipient,
        "counter": frame.counter,
    }


def to_json(dm: DecodedMessage) -> dict[str, Any]:
    """The JSON object of one decoded message."""
    out: dict[str, Any] = {"source": dm.source, "ok": dm.ok}
    if dm.error is not None:
        out.update(_error_fields(dm.error))
    frame = dm.frame
    if frame is None:
        out["hex"] = dm.raw.hex().upper()
        return out
    out["kind"] = "gbt-block" if isinstance(frame, GbtBlock) else "message"
    out.update(_header_fields(frame))
    if dm.info is not None:
        out["use_case"] = dm.info.use_case
        out["name"] = dm.info.name
    if isinstance(frame, GbtBlock):
        out["gbt"] = {
            "block_number": frame.block_number,
            "block_number_ack": frame.block_number_ack,
            "last_block": frame.last_block,
            "streaming": frame.streaming,
            "window": frame.window,
            "security_control": frame.security_control,
            "invocation_counter": frame.invocation_counter,
            "block_data": frame.block_data.hex().upper(),
        }
    else:
        out["date_time"] = None if frame.date_time is None else {
            **frame.date_time.as_dict(), "text": frame.date_time.text()}
        oi = frame.other_information
        out["other_information"] = {
            k: v for k, v in {
                "supplementary_remote_party_id": oi.supplementary_remote_party_id,
                "supplementary_remote_party_counter": oi.supplementary_remote_party_counter,
                "supplementary_originator_counter": oi.supplementary_originator_counter,
                "certificate": None if oi.certificate is None else oi.certificate.hex().upper(),
            }.items() if v is not None
        }
        out["mac_header"] = None if frame.mac is None else {
            "security_control": frame.security_control,
            "invocation_counter": frame.invocation_counter,
        }
        out["signature_hex"] = None if frame.signature is None else frame.signature.hex().upper()
        out["mac_hex"] = None if frame.mac is None else frame.mac.hex().upper()
    out["mac"] = dm.mac.verdict.value
    out["signature"] = dm.signature.verdict.value
    out["decrypted"] = dm.decrypted
    out["checks"] = {
        "mac": dm.mac.detail,
        "signature": dm.signature.detail,
        **({"decryption": [f"{c.verdict.value}: {c.detail}" for c in dm.decryption]}
           if dm.decryption else {}),
    }
    if dm.utrn is not None or dm.utrn_check is not None:
        out["utrn"] = {**(dm.utrn or {}),
                       "verdict": None if dm.utrn_check is None else dm.utrn_check.verdict.value,
                       "check": None if dm.utrn_check is None else dm.utrn_check.detail}
    if dm.family is not None:
        out["family"] = dm.family.value
    if dm.payload is not None:
        out["payload"] = dm.payload
    elif isinstance(frame, GbcsFrame):
        out["payload_hex"] = frame.payload.hex().upper()
    if dm.notes:
        out["notes"] = dm.notes
    out["hex"] = dm.raw.hex().upper()
    return out


# ----------------------------------------------------------------------------
# From JSON
# ----------------------------------------------------------------------------
def _req(obj: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    if key not in obj:
        raise EncodeError(f"missing key {key!r}", path=key)
    value = obj[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise EncodeError(f"{key!r} must be {names}, got {type(value).__name__}", path=key)
    return value


def _eui(obj: dict[str, Any], key: str) -> str:
    value: str = _req(obj, key, str)
    if not _EUI.match(value):
        raise EncodeError(f"{key!r} must be 16 hex digits, got {value!r}", path=key)
    return value.upper()


def _int(obj: dict[str, Any], key: str, bits: int) -> int:
    value = _req(obj, key, int)
    if not 0 <= value < (1 << bits):
        raise EncodeError(f"{key!r} must fit in {bits} unsigned bits, got {value}", path=key)
    return int(value)


def _cra(obj: dict[str, Any]) -> Cra:
    value = _req(obj, "cra", (str, int))
    try:
        return _CRA_NAMES[value] if isinstance(value, str) else Cra(value)
    except (KeyError, ValueError):
        raise EncodeError(f"'cra' must be command, response or alert, got {value!r}",
                          path="cra") from None


def _message_code(obj: dict[str, Any]) -> int:
    value = _req(obj, "message_code", (str, int))
    if isinstance(value, int):
        code = value
    else:
        try:
            code = int(value, 16)
        except ValueError:
            raise EncodeError(f"'message_code' must be 4 hex digits, got {value!r}",
                              path="message_code") from None
    if not 0 <= code <= 0xFFFF:
        raise EncodeError(f"'message_code' {code} out of range", path="message_code")
    return code


def frame_from_json(obj: dict[str, Any]) -> GbcsFrame | GbtBlock:
    """Rebuild the frame a JSON object describes (payload encoded from its tree)."""
    if not isinstance(obj, dict):
        raise EncodeError(f"expected a JSON object, got {type(obj).__name__}")
    if "originator" not in obj and "hex" in obj:
        raise EncodeError("this line holds no decoded message (decoding it failed: "
                          f"{obj.get('error', 'unknown error')})")
    cra, code = _cra(obj), _message_code(obj)
    originator, recipient = _eui(obj, "originator"), _eui(obj, "recipient")
    counter = _int(obj, "counter", 64)
    if obj.get("kind") == "gbt-block":
        g = _req(obj, "gbt", dict)
        return GbtBlock(
            cra=cra, counter=counter, originator=originator, recipient=recipient,
            message_code=code, block_number=_int(g, "block_number", 16),
            block_number_ack=_int(g, "block_number_ack", 16),
            last_block=bool(_req(g, "last_block", bool)),
            streaming=bool(_req(g, "streaming", bool)), window=_int(g, "window", 6),
            security_control=_int(g, "security_control", 8),
            invocation_counter=_int(g, "invocation_counter", 32),
            block_data=hex_to_bytes(g.get("block_data"), "gbt.block_data"))
    dt = obj.get("date_time")
    date_time = None
    if dt is not None:
        if not isinstance(dt, dict):
            raise EncodeError("'date_time' must be null or an object", path="date_time")
        fields = {k: dt.get(k) for k in DlmsDateTime.__dataclass_fields__}
        bad = [k for k, v in fields.items() if not isinstance(v, int) or isinstance(v, bool)]
        if bad:
            raise EncodeError(f"'date_time' lacks integer field(s) {', '.join(bad)}",
                              path="date_time")
        date_time = DlmsDateTime(**{k: int(v) for k, v in fields.items() if v is not None})
    oi_obj = obj.get("other_information") or {}
    if not isinstance(oi_obj, dict):
        raise EncodeError("'other_information' must be an object", path="other_information")
    cert = oi_obj.get("certificate")
    oi = OtherInformation(
        message_code=code,
        supplementary_remote_party_id=(None if oi_obj.get("supplementary_remote_party_id")
                                       is None else _eui(oi_obj,
                                                         "supplementary_remote_party_id")),
        supplementary_remote_party_counter=(
            None if oi_obj.get("supplementary_remote_party_counter") is None
            else _int(oi_obj, "supplementary_remote_party_counter", 64)),
        supplementary_originator_counter=(
            None if oi_obj.get("supplementary_originator_counter") is None
            else _int(oi_obj, "supplementary_originator_counter", 64)),
        certificate=None if cert is None else hex_to_bytes(cert, "other_information.certificate"),
    )
    payload = _payload_bytes(obj)
    sig = obj.get("signature_hex", "")
    signature = None if sig is None else hex_to_bytes(sig, "signature_hex")
    mac_hex = obj.get("mac_hex")
    mac = None if mac_hex is None else hex_to_bytes(mac_hex, "mac_hex")
    header = obj.get("mac_header") or {}
    if not isinstance(header, dict):
        raise EncodeError("'mac_header' must be null or an object", path="mac_header")
    return GbcsFrame(
        cra=cra, counter=counter, originator=originator, recipient=recipient,
        other_information=oi, payload=payload, date_time=date_time, signature=signature,
        mac=mac,
        security_control=int(header.get("security_control", 0x11)),
        invocation_counter=int(header.get("invocation_counter", 0)),
    )


def _payload_bytes(obj: dict[str, Any]) -> bytes:
    if obj.get("payload") is not None:
        family_name = obj.get("family")
        try:
            family = PayloadFamily(family_name) if family_name else None
        except ValueError:
            raise EncodeError(f"unknown payload family {family_name!r}", path="family") from None
        if family is None:
            raise EncodeError("'family' is needed to encode 'payload'", path="family")
        try:
            return encode_payload(family, obj["payload"])
        except EncodeError as exc:
            raise exc.within("payload") from None
    if "payload_hex" in obj:
        return hex_to_bytes(obj["payload_hex"], "payload_hex")
    raise EncodeError("the message needs 'payload' (with 'family') or 'payload_hex'",
                      path="payload")
