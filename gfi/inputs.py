# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading GBCS messages from what a user names on the command line: a hex string, a file
(hex text, GFI text lines ``GBCS:DATA#n:len:HEX``, base64 as DUIS delivers it, or raw
binary), a directory (every message file below it) or ``-`` (standard input)."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

#: File endings read when a directory is named.
MESSAGE_SUFFIXES = frozenset({".hex", ".bin", ".txt", ".gbcs", ".gfi", ".b64"})
#: The GFI text line (gbcs-protocol.md §6.1): ``GBCS:DATA#<n>:<decimal length>:<hex>``.
GFI_LINE = re.compile(r"^GBCS:DATA#(\d+):(\d+):([0-9A-Fa-f]*)$")
_HEX_SEPARATORS = re.compile(r"[\s:]")
_HEX = re.compile(r"^(?:0[xX])?[0-9A-Fa-f]+$")
_B64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")


@dataclass(frozen=True)
class InputItem:
    """One message to process, or the reason it could not be read."""

    source: str
    data: bytes | None = None
    error: str | None = None


def parse_message_text(text: str) -> bytes:
    """One message from one line of text: hex (spaces and colons allowed), a GFI line, or
    base64. :class:`ValueError` says what is wrong."""
    line = text.strip()
    m = GFI_LINE.match(line)
    if m:
        data = bytes.fromhex(m.group(3)) if len(m.group(3)) % 2 == 0 else None
        if data is None:
            raise ValueError("GFI line: odd number of hex digits")
        if len(data) != int(m.group(2)):
            raise ValueError(f"GFI line says {m.group(2)} bytes but carries {len(data)}")
        return data
    compact = _HEX_SEPARATORS.sub("", line)
    if _HEX.match(compact):
        compact = compact[2:] if compact[:2] in ("0x", "0X") else compact
        if len(compact) % 2:
            raise ValueError(f"odd number of hex digits ({len(compact)})")
        return bytes.fromhex(compact)
    if _B64.match(compact):
        try:
            data = base64.b64decode(compact, validate=True)
        except binascii.Error:
            data = b""
        if data[:1] in (b"\xdd", b"\xdf"):
            return data
    bad = next((c for c in compact if not c.isalnum()), compact[:1])
    raise ValueError(f"not hex, a GFI line or base64 (first unexpected character {bad!r})")


def _from_text(source: str, text: str) -> Iterator[InputItem]:
    lines = [(n, ln) for n, ln in enumerate(text.splitlines(), 1)
             if ln.strip() and not ln.lstrip().startswith("#")]
    for n, line in lines:
        name = source if len(lines) == 1 else f"{source}:{n}"
        try:
            yield InputItem(name, parse_message_text(line))
        except ValueError as exc:
            yield InputItem(name, error=str(exc))


def _from_file(path: Path) -> Iterator[InputItem]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield InputItem(str(path), error=f"cannot read: {exc.strerror}")
        return
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        yield InputItem(str(path), raw)  # raw binary message
        return
    if raw[:1] in (b"\xdd", b"\xdf") or not text.strip():
        if not text.strip():
            yield InputItem(str(path), error="empty file")
        else:
            yield InputItem(str(path), raw)
        return
    yield from _from_text(str(path), text)


def read_inputs(args: Iterable[str], stdin: TextIO | None = None) -> Iterator[InputItem]:
    """Every message named by ``args``, in order."""
    for arg in args:
        if arg == "-":
            if stdin is None:
                yield InputItem("<stdin>", error="standard input is not available")
            else:
                yield from _from_text("<stdin>", stdin.read())
            continue
        path = Path(arg)
        try:
            is_dir, is_file = path.is_dir(), path.is_file()
        except OSError:  # e.g. a long hex string is not a valid file name
            is_dir = is_file = False
        if is_dir:
            files = sorted(p for p in path.rglob("*")
                           if p.is_file() and p.suffix.lower() in MESSAGE_SUFFIXES
                           and not p.name.startswith("."))
            if not files:
                yield InputItem(str(path), error="no message files (*.hex, *.bin, *.txt, "
                                                 "*.gbcs, *.gfi, *.b64) below this directory")
            for file in files:
                yield from _from_file(file)
        elif is_file:
            yield from _from_file(path)
        else:
            try:
                yield InputItem(f"argument {arg[:16]}…" if len(arg) > 16 else arg,
                                parse_message_text(arg))
            except ValueError as exc:
                yield InputItem(arg[:40], error=f"not a file, directory or message: {exc}")
