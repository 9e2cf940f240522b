# SPDX-License-Identifier: GPL-3.0-or-later
"""General Block Transfer: cutting a GBCS message into blocks and putting it back together
(gbcs-protocol.md §1.9).

The sources leave open which bytes are cut into blocks (gbcs-protocol.md §7 item 1). gfi
cuts **the whole message as sent** (``DD 00 … MAC`` or ``DF …``) into consecutive slices and
carries each slice in one GBT block message whose routing header repeats the message's
CRA flag, counter, originator, recipient and message code. Blocks are numbered from 1; the
last one has the last-block bit set; gfi sends with window 0 and no streaming, and the
block-number-ack field 0. The routing header's security header is ``00 00000000`` (the
routing header is not protected; the message inside keeps its own MAC and signature).
"""

from __future__ import annotations

from collections.abc import Iterable

from gfi.codecs.gbcs.message import GbcsFrame, GbtBlock, decode_frame
from gfi.errors import DecodeError, LocalProtocolError, RemoteProtocolError

#: Block data size gfi uses unless told otherwise.
DEFAULT_BLOCK_SIZE = 200


def segment(message: bytes, block_size: int = DEFAULT_BLOCK_SIZE) -> list[GbtBlock]:
    """Cut one GBCS message into GBT blocks of at most ``block_size`` data bytes."""
    if block_size < 1:
        raise LocalProtocolError(f"GBT block size must be at least 1, got {block_size}")
    frame = decode_frame(message)
    if not isinstance(frame, GbcsFrame):
        raise LocalProtocolError("cannot segment a GBT block: it is already a block")
    chunks = [message[i : i + block_size] for i in range(0, len(message), block_size)]
    if len(chunks) > 0xFFFF:
        raise LocalProtocolError(f"{len(chunks)} blocks exceed the 16-bit block number")
    return [
        GbtBlock(
            cra=frame.cra, counter=frame.counter, originator=frame.originator,
            recipient=frame.recipient, message_code=frame.message_code,
            block_number=n, block_data=chunk, last_block=n == len(chunks),
        )
        for n, chunk in enumerate(chunks, start=1)
    ]


class GbtReassembler:
    """Collects the blocks of one message, in any order, and yields the message once the
    last block and every block before it have arrived (sans-I/O).

    A block that disagrees with the first one's routing header, a block number reused with
    different data, or blocks beyond the last one raise :class:`RemoteProtocolError`.
    """

    def __init__(self) -> None:
        self._key: tuple[int, int, str, str, int] | None = None
        self._blocks: dict[int, bytes] = {}
        self._last: int | None = None

    @staticmethod
    def _routing(block: GbtBlock) -> tuple[int, int, str, str, int]:
        return (int(block.cra), block.counter, block.originator, block.recipient,
                block.message_code)

    def feed(self, block: GbtBlock) -> bytes | None:
        """Add one block; the whole message when complete, else ``None``."""
        key = self._routing(block)
        if self._key is None:
            self._key = key
        elif key != self._key:
            raise RemoteProtocolError(
                f"GBT block {block.block_number} belongs to another message "
                f"(counter {block.counter}, code {block.message_code:04X})")
        if block.block_number < 1:
            raise RemoteProtocolError("GBT block number 0: blocks are numbered from 1")
        previous = self._blocks.get(block.block_number)
        if previous is not None and previous != block.block_data:
            raise RemoteProtocolError(f"GBT block {block.block_number} received twice "
                                      "with different data")
        self._blocks[block.block_number] = block.block_data
        if block.last_block:
            if self._last is not None and self._last != block.block_number:
                raise RemoteProtocolError(f"two last blocks: {self._last} and "
                                          f"{block.block_number}")
            self._last = block.block_number
        if self._last is not None and max(self._blocks) > self._last:
            raise RemoteProtocolError(f"GBT block {max(self._blocks)} follows the last "
                                      f"block {self._last}")
        if self._last is None or len(self._blocks) != self._last:
            return None
        message = b"".join(self._blocks[n] for n in range(1, self._last + 1))
        self._check(message)
        return message

    def missing(self) -> list[int]:
        """Block numbers not yet received (up to the last block, when known)."""
        top = self._last if self._last is not None else max(self._blocks, default=0)
        return [n for n in range(1, top + 1) if n not in self._blocks]

    def _check(self, message: bytes) -> None:
        assert self._key is not None
        try:
            frame = decode_frame(message)
        except DecodeError as exc:
            raise RemoteProtocolError(f"reassembled GBT message does not decode: {exc}") from None
        if not isinstance(frame, GbcsFrame):
            raise RemoteProtocolError("reassembled GBT message is itself a GBT block")
        cra, counter, originator, recipient, code = self._key
        if (int(frame.cra), frame.counter, frame.originator, frame.recipient,
                frame.message_code) != self._key:
            raise RemoteProtocolError(
                "reassembled message does not match its routing header: header says "
                f"CRA {cra} counter {counter} {originator}→{recipient} code {code:04X}, "
                f"message says CRA {int(frame.cra)} counter {frame.counter} "
                f"{frame.originator}→{frame.recipient} code {frame.message_code:04X}")


def reassemble(blocks: Iterable[GbtBlock | bytes]) -> bytes:
    """The message carried by ``blocks`` (block objects or encoded block messages)."""
    r = GbtReassembler()
    message: bytes | None = None
    count = 0
    for item in blocks:
        count += 1
        block = item if isinstance(item, GbtBlock) else decode_frame(item)
        if not isinstance(block, GbtBlock):
            raise RemoteProtocolError(f"item {count} is a whole GBCS message, not a GBT block")
        message = r.feed(block)
    if message is None:
        missing = r.missing()
        raise RemoteProtocolError(
            f"incomplete GBT transfer: {count} block(s) received"
            + (f", missing {missing}" if missing else ", no last block"))
    return message
