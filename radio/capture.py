# SPDX-License-Identifier: GPL-3.0-or-later
"""Captures of HAN traffic that Wireshark/tshark decode down to ZCL and GBCS.

Theory of operation
-------------------
:class:`PcapWriter` writes classic pcap (libpcap 2.4), link type 230
``LINKTYPE_IEEE802_15_4_NOFCS`` by default (195 ``…_WITHFCS`` on request, with the
CRC-16/KERMIT FCS), one record per 802.15.4 transmission:

* IEEE 802.15.4 MAC data header (IEEE 802.15.4-2003 §7.2.1, §7.2.2.2): frame control
  0x8861 (data, ack request, PAN ID compression, short addresses), sequence number,
  destination PAN, destination and source short addresses;
* ZigBee NWK data frame (ZigBee 05-3474 §3.3.1, §3.3.2.1): frame control 0x0048
  (data, **protocol version 2**, route discovery enabled), destination, source, radius,
  sequence number;
* APS data frame (§2.2.5.1, §2.2.5.2.1): frame control (0x40 = ack requested,
  0x20 = security, 0x80 = extended header), destination endpoint, cluster, profile,
  source endpoint, APS counter; for a fragment the extended header (§2.2.5.1.8):
  ``01 <number of blocks>`` for the first block, ``02 <block number>`` for the others;
* the ASDU (typically ZCL) or this block of it.

APS acknowledgements (§2.2.5.2.3; for a fragment with the extended header, block number
and ack bitfield) are written when ``aps_acks=True``.

Joins (:mod:`gfi.radio.virtual`) add three kinds of record:

* MAC Association Request and Response commands (IEEE 802.15.4-2006 §7.3.1, §7.3.2):
  MAC command frames with the joiner's extended address (frame control 0xC823: short
  destination, extended source, source PAN 0xFFFF; and 0xCC63: extended both ways, PAN
  ID compression);
* the APS Transport Key command (ZigBee 05-3474 §2.2.5.2.2, §4.4.9.2) carrying the
  network key: APS frame control 0x01 (command). Encrypted, the NWK layer is *not*
  secured (the joiner has no network key yet) and the APS layer is secured with the
  key-transport key, HMAC-AES-MMO(link key, 0x00) (§4.5.3, Annex B.1.4, B.6): auxiliary
  header control 0x30 (key id 2, extended nonce) + frame counter + the trust centre's
  IEEE address. tshark derives that key itself from the link key in its table;
* the ZDO Device_annce (§2.4.3.1.11), an ordinary APS data frame (profile 0, cluster
  0x0013) without APS security.

By default the writer produces the *decrypted view*: NWK and APS security bits clear,
no auxiliary headers, no MICs, so tshark needs no key. With ``encrypted=True`` it writes
real on-air frames (§4.3 NWK and §4.4 APS frame security, auxiliary header §4.5.1,
CCM* of Annex A at security level 5, ENC-MIC-32): the NWK payload is secured with the
network key (key id 1, extended nonce: the sender's IEEE address is in the auxiliary
header), and frames with ``aps_security`` additionally have their ASDU secured with the
link key (key id 0 = data key). The link key of a frame is the one configured in
``link_keys``, else the one its :class:`~gfi.radio.base.AirFrame` carries (a virtual HAN
knows every key: from joins, CBKE, ``set_link_key``). Keys taken from the frames are
remembered, so :meth:`PcapWriter.tshark_options` returns the
``-o uat:zigbee_pc_keys:…`` arguments for the network key and *every* link key used,
the keys replaced by CBKE included, that let tshark decrypt everything. CCM* with a 4-byte
MIC is plain AES-CCM with M = 4, so ``cryptography``'s ``AESCCM`` computes it; it is
imported only when ``encrypted=True``.

Everything that zigbee-han.md §6 verified with tshark 4.0 is followed: short MAC
addresses (a 64-bit MAC source stops tshark's ZigBee heuristic), NWK version 2, the
first block of a fragmented message written first with the block *count* in its block
number field, every block under the same APS counter.

Where the frames come from:

* a whole :class:`~gfi.radio.virtual.VirtualHan`: ``writer.attach(han)`` adds a HAN
  tap that sees every on-air transmission once (retries and duplicates included, as a
  sniffer would; ``include_lost=False`` leaves out transmissions the receiver lost);
* any one radio: :class:`CapturingRadio` wraps it and writes what it sends and receives,
  fragmenting with the writer's own ``max_aps_payload``/``block_size``.

``gfi.radio.open_radio`` switches capture on when the environment variable
``GFI_CAPTURE`` names a file (``GFI_CAPTURE=han.pcap``): a virtual radio's HAN gets a
tap, any other radio is wrapped in :class:`CapturingRadio`.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------
# Imports
# ---------------------------------------------------------------------------
import asyncio
import itertools
import logging
import os
import struct
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Protocol, Self

from gfi.errors import RadioError

from .base import (
    APS_CMD_TRANSPORT_KEY,
    EUI64_UNKNOWN,
    MAC_CMD_ASSOCIATION_REQUEST,
    NWK_UNKNOWN,
    AirFrame,
    AirKind,
    EventSink,
    FrameSink,
    HanFrame,
    Radio,
    normalize_eui64,
)

__all__ = [
    "LINKTYPE_IEEE802_15_4_NOFCS",
    "LINKTYPE_IEEE802_15_4_WITHFCS",
    "CapturingRadio",
    "PcapWriter",
    "aes_mmo_hash",
    "crc16_kermit",
    "key_transport_key",
    "tshark_key_options",
]

# ---------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------
LINKTYPE_IEEE802_15_4_WITHFCS = 195
LINKTYPE_IEEE802_15_4_NOFCS = 230
PCAP_MAGIC = 0xA1B2C3D4

# fmt: off
MAC_FC_DATA           = 0x8861  # data, ack request, PAN ID compression, short dst + src
MAC_FC_ACK            = 0x0002
MAC_FC_ASSOC_REQUEST  = 0xC823  # command, ack request, short dst, extended src, two PANs
MAC_FC_ASSOC_RESPONSE = 0xCC63  # command, ack request, PAN ID compression, extended dst + src
BROADCAST_PAN         = 0xFFFF
NWK_FC_DATA           = 0x0048  # data, protocol version 2, discover route = enable
NWK_FC_SECURITY       = 0x0200
APS_FC_DATA           = 0x00
APS_FC_COMMAND        = 0x01
APS_FC_ACK            = 0x02
APS_FC_SECURITY       = 0x20
APS_FC_ACK_REQUEST    = 0x40
APS_FC_EXT_HEADER     = 0x80
APS_EXT_FIRST_BLOCK   = 0x01
APS_EXT_OTHER_BLOCK   = 0x02
SEC_NWK_KEY_EXT_NONCE = 0x28  # key id 1 (network key) + extended nonce, level 0 on air
SEC_APS_DATA_KEY      = 0x00  # key id 0 (data key = link key), no extended nonce
SEC_APS_KEY_TRANSPORT = 0x30  # key id 2 (key-transport key) + extended nonce
SEC_KEY_ID_NETWORK    = 0x08  # key id bits (3-4) of a network-key security control
SEC_KEY_ID_MASK       = 0x18
SEC_LEVEL_ENC_MIC_32  = 0x05
MIC_LENGTH            = 4
AES_BLOCK             = 16
# fmt: on


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def crc16_kermit(data: bytes) -> int:
    """The 802.15.4 FCS: CRC-16, polynomial 0x1021 reflected, init 0 (check 0x2189)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


def aes_mmo_hash(message: bytes) -> bytes:
    """The ZigBee block-cipher hash (05-3474 Annex B.6): Matyas-Meyer-Oseas over AES-128,
    the message padded with a 1 bit, zeros and its 16-bit bit length to whole blocks.

    Messages of 2^16 bits or more (not needed here) are refused. Imports ``cryptography``.
    """
    bits = len(message) * 8
    if bits >= 1 << 16:
        raise RadioError("aes_mmo_hash: message of 8 KiB or more not supported")
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    padded = message + b"\x80" + bytes(-(len(message) + 3) % AES_BLOCK) + bits.to_bytes(2, "big")
    digest = bytes(AES_BLOCK)
    for start in range(0, len(padded), AES_BLOCK):
        block = padded[start:start + AES_BLOCK]
        encryptor = Cipher(algorithms.AES(digest), modes.ECB()).encryptor()
        cipher = encryptor.update(block) + encryptor.finalize()
        digest = bytes(c ^ m for c, m in zip(cipher, block, strict=True))
    return digest


def _hmac_mmo(key: bytes, message: bytes) -> bytes:
    """HMAC over :func:`aes_mmo_hash` (05-3474 Annex B.1.4), a 16-byte key."""
    inner = aes_mmo_hash(bytes(k ^ 0x36 for k in key) + message)
    return aes_mmo_hash(bytes(k ^ 0x5C for k in key) + inner)


def key_transport_key(link_key: bytes) -> bytes:
    """The key that secures a Transport Key command: HMAC(link key, 0x00) (§4.5.3)."""
    return _hmac_mmo(_key_bytes(link_key, "link key"), b"\x00")


def _ieee_le(eui64: str) -> bytes:
    return bytes.fromhex(eui64)[::-1]


def _key_bytes(key: bytes | str, what: str) -> bytes:
    raw = bytes.fromhex(key.replace(":", "").replace(" ", "")) if isinstance(key, str) else key
    if len(raw) != 16:
        raise RadioError(f"{what} must be 16 bytes, got {len(raw)}")
    return bytes(raw)


def tshark_key_options(network_key: bytes | None = None,
                       link_keys: Mapping[Any, bytes] | None = None) -> list[str]:
    """``-o uat:zigbee_pc_keys:…`` arguments for tshark (zigbee-han.md §6.8)."""
    options: list[str] = []
    if network_key is not None:
        options += ["-o", f'uat:zigbee_pc_keys:"{network_key.hex().upper()}","Normal","nwk"']
    for owner, key in (link_keys or {}).items():
        label = ">".join(owner) if isinstance(owner, tuple) else str(owner)
        options += ["-o", f'uat:zigbee_pc_keys:"{key.hex().upper()}","Normal","link {label}"']
    return options


class TapSource(Protocol):
    """Something that reports on-air frames, like :class:`~gfi.radio.virtual.VirtualHan`."""

    def add_tap(self, tap: Callable[[AirFrame], None],
                on_close: Callable[[], None] | None = None) -> Callable[[], None]: ...


# ---------------------------------------------------------------------------
# Classes
# ---------------------------------------------------------------------------
class PcapWriter:
    """Writes 802.15.4/ZigBee frames to a classic pcap file (see the module docstring).

    ``link_keys`` maps an EUI-64 (the device whose link key it is; looked up as the
    frame's destination, then its source) or an ``(src, dst)`` pair to a 16-byte key.
    """

    def __init__(
        self,
        target: str | os.PathLike[str] | BinaryIO,
        *,
        linktype: int = LINKTYPE_IEEE802_15_4_NOFCS,
        pan_id: int = 0x1A2B,
        radius: int = 30,
        max_aps_payload: int = 82,
        block_size: int = 61,
        aps_acks: bool = False,
        include_lost: bool = True,
        encrypted: bool = False,
        network_key: bytes | str | None = None,
        link_keys: Mapping[Any, bytes | str] | None = None,
        key_seq: int = 0,
        epoch: float = 0.0,
    ):
        if linktype not in (LINKTYPE_IEEE802_15_4_NOFCS, LINKTYPE_IEEE802_15_4_WITHFCS):
            raise RadioError(f"link type {linktype} not supported (use 230 or 195)")
        if not 1 <= block_size <= max_aps_payload:
            raise RadioError(f"block_size {block_size} must be in 1..{max_aps_payload}")
        self.linktype = linktype
        self.pan_id = pan_id
        self.radius = radius
        self.max_aps_payload = max_aps_payload
        self.block_size = block_size
        self.aps_acks = aps_acks
        self.include_lost = include_lost
        self.encrypted = encrypted
        self.network_key = _key_bytes(network_key, "network key") if network_key else None
        self.link_keys: dict[Any, bytes] = {}
        for owner, key in (link_keys or {}).items():
            norm = (tuple(normalize_eui64(e) for e in owner) if isinstance(owner, tuple)
                    else normalize_eui64(owner))
            self.link_keys[norm] = _key_bytes(key, f"link key of {owner}")
        if encrypted and self.network_key is None:
            raise RadioError("encrypted=True needs a network_key")
        self.key_seq = key_seq
        self.epoch = epoch
        #: records written
        self.count = 0
        self._nwk_of: dict[str, int] = {}
        self._counters: dict[tuple[str, str], itertools.count[int]] = {}
        self._warned: set[tuple[str, str]] = set()
        #: link keys seen in AirFrames (key → (src, dst) of the first frame using it)
        self.learned_keys: dict[bytes, tuple[str, str]] = {}
        self._aesccm: Callable[[bytes], Any] | None = None
        if isinstance(target, str | os.PathLike):
            self.path: Path | None = Path(target)
            self._file: BinaryIO = open(self.path, "wb")  # noqa: SIM115 - closed by close()
            self._owns_file = True
        else:
            self.path = None
            self._file = target
            self._owns_file = False
        self._file.write(struct.pack("<IHHiIII", PCAP_MAGIC, 2, 4, 0, 0, 262144, linktype))
        self._file.flush()
        if encrypted:
            from cryptography.hazmat.primitives.ciphers.aead import AESCCM

            self._aesccm = lambda key: AESCCM(key, tag_length=MIC_LENGTH)

    # -- sources -------------------------------------------------------------------------
    def attach(self, han: TapSource, *, close_with: bool = False) -> Callable[[], None]:
        """Tap every on-air frame of ``han``; with ``close_with`` close when it closes.

        An encrypted writer should be given the HAN's network key
        (``network_key=han.network_key``): the Transport Key records carry the HAN's key,
        the NWK layer is secured with the writer's.
        """
        return han.add_tap(self.write_air, self.close if close_with else None)

    def write_air(self, air: AirFrame) -> None:
        """Write one on-air transmission (a HAN tap)."""
        if air.kind is AirKind.APS_ACK and not self.aps_acks:
            return
        if air.lost and not self.include_lost:
            return
        self._learn(air.frame)
        self.write_packet(self.encode(air), air.timestamp)

    def write_frame(self, frame: HanFrame, *, timestamp: float | None = None) -> int:
        """Write a whole APS frame as it would go on air (fragmented if too long).

        Sequence numbers are the writer's own. Returns the number of records written.
        """
        self._learn(frame)
        if frame.sequence is None:
            frame = replace(frame, sequence=self._next(frame.src_eui64, "aps"))
        ts = frame.timestamp if timestamp is None else timestamp
        payload = frame.payload
        if len(payload) <= self.max_aps_payload:
            chunks = [payload]
        else:
            chunks = [payload[i:i + self.block_size]
                      for i in range(0, len(payload), self.block_size)]
        before = self.count
        for block, chunk in enumerate(chunks):
            air = AirFrame(frame, AirKind.DATA, block, len(chunks), chunk,
                           self._next(frame.src_eui64, "mac"), self._next(frame.src_eui64, "nwk"),
                           timestamp=ts)
            self.write_air(air)
            if frame.aps_ack_requested:
                self.write_air(replace(air, kind=AirKind.APS_ACK, chunk=b"",
                                       mac_seq=self._next(frame.dst_eui64, "mac"),
                                       nwk_seq=self._next(frame.dst_eui64, "nwk")))
        return self.count - before

    def write_packet(self, data: bytes, timestamp: float = 0.0) -> None:
        """Write one raw 802.15.4 frame (without FCS; added for link type 195)."""
        if self.linktype == LINKTYPE_IEEE802_15_4_WITHFCS:
            data += crc16_kermit(data).to_bytes(2, "little")
        ts = max(0.0, timestamp + self.epoch)
        seconds = int(ts)
        micros = min(999_999, round((ts - seconds) * 1e6))
        self._file.write(struct.pack("<IIII", seconds, micros, len(data), len(data)) + data)
        self._file.flush()
        self.count += 1

    # -- encoding -------------------------------------------------------------------------
    def encode(self, air: AirFrame) -> bytes:
        """The 802.15.4 MAC frame (no FCS) for one on-air transmission."""
        frame = air.frame
        if air.kind is AirKind.MAC_COMMAND:
            return self._mac_command(air)
        if air.kind is AirKind.APS_ACK:
            src_eui, dst_eui = frame.dst_eui64, frame.src_eui64
        else:
            src_eui, dst_eui = frame.src_eui64, frame.dst_eui64
        src_nwk = self._nwk(src_eui, frame.dst_nwk if air.kind is AirKind.APS_ACK
                            else frame.src_nwk)
        dst_nwk = self._nwk(dst_eui, frame.src_nwk if air.kind is AirKind.APS_ACK
                            else frame.dst_nwk)
        aps = (self._aps_command(air) if air.kind is AirKind.APS_COMMAND
               else self._aps(air, src_eui, dst_eui))
        nwk_secured = self.encrypted and air.nwk_security
        nwk_fc = NWK_FC_DATA | (NWK_FC_SECURITY if nwk_secured else 0)
        nwk_header = struct.pack("<HHHBB", nwk_fc, dst_nwk, src_nwk, self.radius,
                                 air.nwk_seq & 0xFF)
        if nwk_secured:
            nwk = nwk_header + self._secure(nwk_header, SEC_NWK_KEY_EXT_NONCE, src_eui, "nwk",
                                            self.network_key or b"", aps, extended=True)
        else:
            nwk = nwk_header + aps
        mac = struct.pack("<HBHHH", MAC_FC_DATA, air.mac_seq & 0xFF, self.pan_id, dst_nwk,
                          src_nwk)
        return mac + nwk

    def _mac_command(self, air: AirFrame) -> bytes:
        """An association request or response (IEEE 802.15.4-2006 §7.3.1, §7.3.2)."""
        frame, seq = air.frame, air.mac_seq & 0xFF
        if air.chunk[:1] == bytes([MAC_CMD_ASSOCIATION_REQUEST]):
            coordinator = self._nwk(frame.dst_eui64, frame.dst_nwk)
            header = struct.pack("<HBHHH", MAC_FC_ASSOC_REQUEST, seq, self.pan_id,
                                 coordinator, BROADCAST_PAN) + _ieee_le(frame.src_eui64)
        else:
            header = (struct.pack("<HBH", MAC_FC_ASSOC_RESPONSE, seq, self.pan_id)
                      + _ieee_le(frame.dst_eui64) + _ieee_le(frame.src_eui64))
        return header + air.chunk

    def _aps_command(self, air: AirFrame) -> bytes:
        """An APS command frame (§2.2.5.2.2): frame control, APS counter, command."""
        frame = air.frame
        assert frame.sequence is not None
        transport = air.chunk[:1] == bytes([APS_CMD_TRANSPORT_KEY])
        if transport and self.encrypted and air.chunk[2:18] != self.network_key:
            self._warn_once(("network key", frame.dst_eui64),
                            "Transport Key to %s carries a network key that is not the "
                            "capture's (give PcapWriter network_key=han.network_key)",
                            frame.dst_eui64)
        key = self._frame_key(air)
        if key is None:
            return bytes([APS_FC_COMMAND, frame.sequence]) + air.chunk
        header = bytes([APS_FC_COMMAND | APS_FC_SECURITY, frame.sequence])
        if transport:
            return header + self._secure(header, SEC_APS_KEY_TRANSPORT, frame.src_eui64, "aps",
                                         key_transport_key(key), air.chunk, extended=True)
        return header + self._secure(header, SEC_APS_DATA_KEY, frame.src_eui64, "aps", key,
                                     air.chunk, extended=False)

    def _aps(self, air: AirFrame, src_eui: str, dst_eui: str) -> bytes:
        frame = air.frame
        key = self._frame_key(air)
        fc = APS_FC_ACK if air.kind is AirKind.APS_ACK else APS_FC_DATA
        if air.kind is AirKind.DATA and frame.aps_ack_requested:
            fc |= APS_FC_ACK_REQUEST
        if key is not None:
            fc |= APS_FC_SECURITY
        if air.fragmented:
            fc |= APS_FC_EXT_HEADER
        assert frame.sequence is not None
        if air.kind is AirKind.APS_ACK:
            header = struct.pack("<BBHHBB", fc, frame.src_ep, frame.cluster_id,
                                 frame.profile_id, frame.dst_ep, frame.sequence)
            if air.fragmented:
                ext = APS_EXT_FIRST_BLOCK if air.block == 0 else APS_EXT_OTHER_BLOCK
                header += bytes([ext, air.block, 0x01])
            body = b""
        else:
            header = struct.pack("<BBHHBB", fc, frame.dst_ep, frame.cluster_id,
                                 frame.profile_id, frame.src_ep, frame.sequence)
            if air.fragmented:
                header += (bytes([APS_EXT_FIRST_BLOCK, air.blocks]) if air.block == 0
                           else bytes([APS_EXT_OTHER_BLOCK, air.block]))
            body = air.chunk
        if key is None:
            return header + body
        return header + self._secure(header, SEC_APS_DATA_KEY, src_eui, "aps", key, body,
                                     extended=False)

    def _secure(self, header: bytes, control: int, src_eui: str, layer: str, key: bytes,
                plaintext: bytes, *, extended: bool) -> bytes:
        """Auxiliary header + CCM* (level 5) ciphertext + MIC (ZigBee 05-3474 §4.5.1, A).

        The auxiliary header carries the sender's IEEE address when ``extended`` (extended
        nonce), and the key sequence number when the key is the network key (§4.5.1.2).
        """
        assert self._aesccm is not None
        counter = self._next(src_eui, f"{layer}-fc", mask=0xFFFFFFFF).to_bytes(4, "little")
        ieee = _ieee_le(src_eui)
        tail = ieee if extended else b""
        if control & SEC_KEY_ID_MASK == SEC_KEY_ID_NETWORK:
            tail += bytes([self.key_seq])
        aux_air = bytes([control]) + counter + tail
        level = control | SEC_LEVEL_ENC_MIC_32
        aux_auth = bytes([level]) + counter + tail
        nonce = ieee + counter + bytes([level])
        sealed: bytes = self._aesccm(key).encrypt(nonce, plaintext, header + aux_auth)
        return aux_air + sealed

    def _frame_key(self, air: AirFrame) -> bytes | None:
        """The link key that secures this frame's APS layer, None to leave it in clear.

        A key configured in ``link_keys`` wins; else the frame's own (remembered for
        :meth:`tshark_options`); with neither the frame is written without APS security.
        """
        frame = air.frame
        if not (self.encrypted and frame.aps_security):
            return None
        for owner in ((frame.src_eui64, frame.dst_eui64), (frame.dst_eui64, frame.src_eui64),
                      frame.dst_eui64, frame.src_eui64):
            key = self.link_keys.get(owner)
            if key is not None:
                return key
        if air.aps_key is not None:
            self.learned_keys.setdefault(air.aps_key, (frame.src_eui64, frame.dst_eui64))
            return air.aps_key
        self._warn_once((frame.src_eui64, frame.dst_eui64), "no link key for %s → %s: APS "
                        "security left off in the capture", frame.src_eui64, frame.dst_eui64)
        return None

    def _warn_once(self, key: tuple[str, str], message: str, *args: object) -> None:
        if key not in self._warned:
            self._warned.add(key)
            logger.warning(message, *args)

    def _learn(self, frame: HanFrame) -> None:
        for eui, nwk in ((frame.src_eui64, frame.src_nwk), (frame.dst_eui64, frame.dst_nwk)):
            if eui != EUI64_UNKNOWN and nwk != NWK_UNKNOWN:
                self._nwk_of[eui] = nwk

    def _nwk(self, eui: str, nwk: int) -> int:
        return self._nwk_of.get(eui, nwk) if nwk == NWK_UNKNOWN else nwk

    def _next(self, owner: str, what: str, mask: int = 0xFF) -> int:
        counter = self._counters.setdefault((owner, what), itertools.count())
        return next(counter) & mask

    # -- keys, closing ------------------------------------------------------------------------
    def tshark_options(self) -> list[str]:
        """The tshark ``-o`` arguments that decrypt this capture ([] for the decrypted view):
        the network key, the configured link keys, then every other link key the frames
        used (in the order first seen)."""
        if not self.encrypted:
            return []
        options = tshark_key_options(self.network_key, self.link_keys)
        known = set(self.link_keys.values())
        for key, owner in self.learned_keys.items():
            if key not in known:
                known.add(key)
                options += tshark_key_options(None, {owner: key})
        return options

    def close(self) -> None:
        if self._owns_file and not self._file.closed:
            self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class CapturingRadio:
    """Wraps any :class:`~gfi.radio.base.Radio` and writes its traffic to a writer.

    Frames sent are written before they are handed to the radio (fragmented with the
    writer's sizes; an unset APS counter is allocated here so that the capture and the
    radio agree); frames received are written as they reach the sink. Frames received
    while no sink is set are not captured. Other attributes are the wrapped radio's.
    """

    def __init__(self, radio: Radio, writer: PcapWriter, *, close_writer: bool = False,
                 clock: Callable[[], float] | None = None):
        self._radio = radio
        self.writer = writer
        self._close_writer = close_writer
        self._clock = clock
        self._sink: FrameSink | None = None
        self._aps_counter = itertools.count()

    @property
    def radio(self) -> Radio:
        return self._radio

    @property
    def eui64(self) -> str:
        return self._radio.eui64

    @property
    def nwk(self) -> int:
        return self._radio.nwk

    @property
    def terminated(self) -> asyncio.Future[None]:
        return self._radio.terminated

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    async def send(self, frame: HanFrame) -> None:
        if frame.sequence is None:
            frame = replace(frame, sequence=next(self._aps_counter) & 0xFF)
        self.writer.write_frame(replace(frame, src_eui64=self.eui64, src_nwk=self.nwk,
                                        timestamp=self._now()))
        await self._radio.send(frame)

    def set_sink(self, sink: FrameSink | None) -> None:
        self._sink = sink
        self._radio.set_sink(None if sink is None else self._on_frame)

    def set_event_sink(self, sink: EventSink | None) -> None:
        self._radio.set_event_sink(sink)

    def _on_frame(self, frame: HanFrame) -> None:
        try:
            self.writer.write_frame(frame)
        except Exception:
            logger.exception("capture of %s failed", frame.describe())
        if self._sink is not None:
            self._sink(frame)

    async def close(self) -> None:
        try:
            await self._radio.close()
        finally:
            if self._close_writer:
                self.writer.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()

    def __getattr__(self, name: str) -> Any:
        # only called for attributes not found normally: poll(), receive(), han, …
        if name.startswith("__") or name == "_radio":
            raise AttributeError(name)
        return getattr(self._radio, name)
