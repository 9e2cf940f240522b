# SPDX-License-Identifier: GPL-3.0-or-later
"""A readable tree of a decoded message, for people (``gfi decode`` without ``--json``)."""

from __future__ import annotations

from typing import Any

from gfi.codecs.gbcs.decoder import DecodedMessage
from gfi.codecs.gbcs.message import GbcsFrame, GbtBlock
from gfi.codecs.security.gbcs import Check, Verdict

_MARK = {Verdict.VALID: "✔", Verdict.INVALID: "✘", Verdict.ABSENT: "·", Verdict.NO_KEY: "?"}


def _verdict(name: str, check: Check) -> str:
    detail = f" ({check.detail})" if check.detail else ""
    return f"{_MARK[check.verdict]} {name}: {check.verdict.value}{detail}"


def _scalar(value: Any) -> str:
    if isinstance(value, str) and len(value) > 96:
        return f"{value[:96]}… ({len(value) // 2} bytes)"
    return repr(value) if isinstance(value, bool) or value is None else str(value)


_CONTAINERS = ("structure", "array")


def _is_data_item(value: Any) -> bool:
    """A DLMS A-XDR data item ``{"type": …, "value": …}`` (gbcs-protocol.md §2.2)."""
    return isinstance(value, dict) and isinstance(value.get("type"), str) and (
        set(value) <= {"type", "value", "bits", "description", "decrypted"})


def _data_item(value: dict[str, Any], indent: str, out: list[str], label: str) -> None:
    head = f"{indent}{label}: " if label else indent
    kind = value["type"]
    if kind in _CONTAINERS and isinstance(value.get("value"), list):
        out.append(f"{head}{kind} ({len(value['value'])})")
        for i, item in enumerate(value["value"]):
            _tree(item, indent + "  ", out, f"[{i}]")
    elif "value" not in value:
        out.append(f"{head}{kind}")
    else:
        shown = value["value"]
        if kind == "octet-string" and isinstance(shown, str):
            shown = f"{shown or '(empty)'}" + _ascii_hint(shown)
        out.append(f"{head}{kind} {_scalar(shown)}")
    if "decrypted" in value:
        _tree(value["decrypted"], indent + "  ", out, "decrypted")


def _ascii_hint(hex_text: str) -> str:
    try:
        text = bytes.fromhex(hex_text).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return ""
    return f' "{text}"' if len(text) >= 4 and text.isprintable() else ""


def _tree(value: Any, indent: str, out: list[str], label: str = "") -> None:
    head = f"{indent}{label}: " if label else indent
    if _is_data_item(value):
        _data_item(value, indent, out, label)
        return
    if isinstance(value, dict):
        simple = {k: v for k, v in value.items() if not isinstance(v, dict | list)}
        nested = {k: v for k, v in value.items() if isinstance(v, dict | list)}
        if simple and len(simple) <= 4 and all(len(_scalar(v)) < 40 for v in simple.values()):
            out.append(head + ", ".join(f"{k}={_scalar(v)}" for k, v in simple.items()))
        else:
            out.append(head.rstrip(": ") + ":" if label else head.rstrip())
            for k, v in simple.items():
                out.append(f"{indent}  {k}: {_scalar(v)}")
            simple = {}
        for k, v in nested.items():
            _tree(v, indent + "  ", out, k)
    elif isinstance(value, list):
        out.append(f"{head}[{len(value)}]")
        for i, item in enumerate(value):
            _tree(item, indent + "  ", out, f"[{i}]")
    else:
        out.append(head + _scalar(value))


def render(dm: DecodedMessage) -> str:
    """The message as indented text."""
    out = [dm.source or "message"]
    frame = dm.frame
    if frame is None:
        out.append(f"  ✘ error: {dm.error}")
        return "\n".join(out)
    info = dm.info
    title = f"{info.use_case or '—'} {info.name}" if info else "unknown message code"
    out.append(f"  {frame.message_code:04X} {title} — {frame.cra.label}")
    out.append(f"  {frame.originator} → {frame.recipient}  counter {frame.counter} "
               f"(0x{frame.counter:X})")
    if isinstance(frame, GbtBlock):
        out.append(f"  GBT block {frame.block_number}{' (last)' if frame.last_block else ''}: "
                   f"{len(frame.block_data)} data bytes")
        return "\n".join(out)
    assert isinstance(frame, GbcsFrame)
    if frame.date_time is not None:
        out.append(f"  date-time {frame.date_time.text()} "
                   f"(clock status 0x{frame.date_time.clock_status:02X})")
    oi = frame.other_information
    if oi.supplementary_remote_party_id:
        extra = f"  supplementary remote party {oi.supplementary_remote_party_id}"
        if oi.supplementary_remote_party_counter is not None:
            extra += f" counter {oi.supplementary_remote_party_counter}"
        if oi.supplementary_originator_counter is not None:
            extra += f", supplementary originator counter {oi.supplementary_originator_counter}"
        if oi.certificate is not None:
            extra += f", certificate ({len(oi.certificate)} bytes)"
        out.append(extra)
    form = ("pre-command (unsigned)" if frame.signature is None
            else "MAC'd" if frame.mac is not None else "signed, no MAC header")
    out.append(f"  form: {form}")
    out.append("  " + _verdict("MAC", dm.mac))
    out.append("  " + _verdict("signature", dm.signature))
    for i, check in enumerate(dm.decryption):
        out.append("  " + _verdict(f"decryption {i + 1}", check))
    if dm.utrn is not None:
        out.append(f"  UTRN {dm.utrn['utrn']}: {dm.utrn['amount']}, counter bits "
                   f"{dm.utrn['counter_bits_32_41']}")
    if dm.utrn_check is not None:
        out.append("  " + _verdict("UTRN", dm.utrn_check))
    for note in dm.notes:
        out.append(f"  note: {note}")
    if dm.error is not None:
        out.append(f"  ✘ error: {dm.error}")
    if dm.payload is not None:
        family = dm.family.value if dm.family else "?"
        _tree(dm.payload, "  ", out, f"payload ({family}, {len(frame.payload)} bytes)")
    return "\n".join(out)
