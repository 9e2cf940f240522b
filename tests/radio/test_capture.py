# SPDX-License-Identifier: GPL-3.0-or-later
"""Captures: pcap layout byte for byte (zigbee-han.md §6), and, when tshark is on PATH,
that tshark decodes them as 802.15.4 → ZigBee NWK → APS (reassembled) → ZCL Tunneling →
GBCS without malformed or error-level expert items."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from gfi.radio import open_radio
from gfi.radio.base import AirFrame, DeliveryFailed, HanFrame
from gfi.radio.capture import (
    LINKTYPE_IEEE802_15_4_WITHFCS,
    CapturingRadio,
    PcapWriter,
    crc16_kermit,
    tshark_key_options,
)
from gfi.radio.virtual import HanRegistry, VirtualHan, VirtualRadio

from ..conftest import RTDS_VECTORS
from .conftest import CH, ESME, frame_to

ECS17B = RTDS_VECTORS / "4.1.1_ECS17b" / "ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX"
#: ZCL Tunneling TransferData server→client (cluster-specific, s→c, disable default
#: response), TSN 1, command 0x01, tunnel id 0, GBCS tunnel byte 03 = PUT
TRANSFER_DATA_DOWN = bytes.fromhex("19 01 01 00 00 03")
#: client→server TransferData: command 0x02
TRANSFER_DATA_UP = bytes.fromhex("11 07 02 00 00 03")
NETWORK_KEY = bytes.fromhex("0102030405060708090A0B0C0D0E0F10")
LINK_KEY = bytes.fromhex("66B6900981E1EE3CA4206B6B861C02BB")
#: arbitrary bytes after the PUT byte are not a GBCS message: keep tshark's GBCS
#: heuristic (zigbee-han.md §6.6) from trying to decode them
NO_GBCS = ["--disable-heuristic", "gbcs_zbee_zcl_se.tun"]
FIELDS = ("frame.number", "zbee_nwk.src", "zbee_nwk.dst", "zbee_aps.type", "zbee_aps.cluster",
          "zbee_aps.profile", "zbee_zcl_se.tun.cmd.srv_tx.id", "zbee_zcl_se.tun.cmd.srv_rx.id",
          "zbee_aps.reassembled.length", "gbcs_message.grouping_header.message_code")


def gbcs_ecs17b() -> bytes:
    return bytes.fromhex(ECS17B.read_text().strip())


def tshark(path: Path, *args: str, keys: list[str] | None = None) -> str:
    exe = shutil.which("tshark")
    if exe is None:
        pytest.skip("tshark is not installed (apt-get install tshark) - decode not checked")
    run = subprocess.run([exe, "-r", str(path), *(keys or []), *args], capture_output=True,
                         text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    return run.stdout


def fields(path: Path, *names: str, keys: list[str] | None = None,
           display_filter: str | None = None) -> list[list[str]]:
    args = ["-T", "fields", "-E", "occurrence=f"] + [a for n in names for a in ("-e", n)]
    if display_filter:
        args += ["-Y", display_filter]
    return [line.split("\t") for line in tshark(path, *args, keys=keys).splitlines()]


def assert_decodes_cleanly(path: Path, keys: list[str] | None = None) -> None:
    bad = tshark(path, "-Y", "_ws.malformed || _ws.expert.severity >= error", keys=keys)
    assert bad.strip() == "", bad


async def ch_and_esme(han: VirtualHan) -> tuple[VirtualRadio, VirtualRadio]:
    return han.attach(CH, 0x0000), han.attach(ESME, 0x3C4D)


# ---------------------------------------------------------------------------
# Byte layout (no tshark needed)
# ---------------------------------------------------------------------------
def test_crc16_kermit_check_value() -> None:
    assert crc16_kermit(b"123456789") == 0x2189


def test_pcap_layout_matches_the_verified_example() -> None:
    out = io.BytesIO()
    writer = PcapWriter(out)
    frame = HanFrame(src_eui64=CH, src_nwk=0x0000, dst_eui64=ESME, dst_nwk=0x3C4D, src_ep=0x7B,
                     dst_ep=1, sequence=3, payload=bytes.fromhex("0902010000 03 dd00"))
    writer.write_air(AirFrame(frame, chunk=frame.payload, mac_seq=3, nwk_seq=3,
                              timestamp=1.25))
    data = out.getvalue()
    magic, major, minor, _, _, _, linktype = struct.unpack_from("<IHHiIII", data)
    assert (magic, major, minor, linktype) == (0xA1B2C3D4, 2, 4, 230)
    seconds, micros, caplen, origlen = struct.unpack_from("<IIII", data, 24)
    assert (seconds, micros) == (1, 250000) and caplen == origlen == len(data) - 40
    # zigbee-han.md §6.4: MAC | NWK | APS | ZCL TransferData | PUT | GBCS
    assert data[40:].hex(" ") == ("61 88 03 2b 1a 4d 3c 00 00 48 00 4d 3c 00 00 1e 03 "
                                  "40 01 04 07 09 01 7b 03 09 02 01 00 00 03 dd 00")


def test_fragment_headers_first_block_carries_the_count() -> None:
    out = io.BytesIO()
    writer = PcapWriter(out, aps_acks=True)
    frame = HanFrame(src_eui64=CH, src_nwk=0, dst_eui64=ESME, dst_nwk=0x3C4D, sequence=9,
                     payload=bytes(130))
    assert writer.write_frame(frame) == 6  # 3 blocks + 3 APS acks
    records, offset = [], 24
    while offset < len(out.getvalue()):
        length = struct.unpack_from("<I", out.getvalue(), offset + 8)[0]
        records.append(out.getvalue()[offset + 16:offset + 16 + length])
        offset += 16 + length
    aps = [r[17:27] for r in records[::2]]
    assert [a[0] for a in aps] == [0xC0] * 3  # data, ack request, extended header
    assert [a[8:10].hex() for a in aps] == ["0103", "0201", "0202"]
    assert [r[17] for r in records[1::2]] == [0x82] * 3  # APS acks with extended header


def test_writer_rejects_bad_settings(tmp_path: Path) -> None:
    from gfi.errors import RadioError

    with pytest.raises(RadioError, match="link type"):
        PcapWriter(tmp_path / "x.pcap", linktype=1)
    with pytest.raises(RadioError, match="network_key"):
        PcapWriter(tmp_path / "x.pcap", encrypted=True)
    with pytest.raises(RadioError, match="16 bytes"):
        PcapWriter(tmp_path / "x.pcap", encrypted=True, network_key=b"short")


# ---------------------------------------------------------------------------
# tshark
# ---------------------------------------------------------------------------
async def test_han_tap_capture_decodes_as_zcl_tunnel(tmp_path: Path) -> None:
    path = tmp_path / "han.pcap"
    han = VirtualHan(require_join=False)
    ch, esme = await ch_and_esme(han)
    with PcapWriter(path) as writer:
        writer.attach(han)
        esme.set_sink(lambda f: None)
        ch.set_sink(lambda f: None)
        await ch.send(frame_to(esme, TRANSFER_DATA_DOWN + b"\xdd\x00short", src_ep=0x7B))
        await ch.send(frame_to(esme, TRANSFER_DATA_DOWN + bytes(range(256)) + bytes(44),
                               src_ep=0x7B))
        await esme.send(HanFrame(dst_nwk=0, dst_ep=0x7B, payload=TRANSFER_DATA_UP + b"\x02"))
        await han.drain()
    assert writer.count == 1 + 6 + 1  # 306 bytes = 6 blocks of up to 61
    assert_decodes_cleanly(path, NO_GBCS)
    rows = fields(path, *FIELDS, keys=NO_GBCS)
    assert [r[1:3] for r in rows] == [["0x0000", "0x3c4d"]] * 7 + [["0x3c4d", "0x0000"]]
    assert {(r[4], r[5]) for r in rows} == {("0x0704", "0x0109")}
    assert rows[0][6] == "0x01"  # TransferData server→client, single frame
    reassembled = [r for r in rows if r[8]]
    assert len(reassembled) == 1 and reassembled[0][8] == str(6 + 300)
    assert reassembled[0][6] == "0x01" and reassembled[0][0] == "7"
    assert rows[-1][7] == "0x02"  # TransferData client→server


async def test_gbcs_message_in_the_tunnel(tmp_path: Path) -> None:
    path = tmp_path / "gbcs.pcap"
    han = VirtualHan(require_join=False)
    ch, esme = await ch_and_esme(han)
    writer = PcapWriter(path, aps_acks=True)
    writer.attach(han, close_with=True)
    esme.set_sink(lambda f: None)
    message = gbcs_ecs17b()
    await ch.send(frame_to(esme, TRANSFER_DATA_DOWN + message, src_ep=0x7B))
    await han.drain()
    await han.close()  # closes the writer
    assert_decodes_cleanly(path)
    rows = fields(path, "frame.number", "gbcs_tunnel.command",
                  "gbcs_message.grouping_header.cra_flag",
                  "gbcs_message.grouping_header.message_code", "zbee_aps.reassembled.length",
                  display_filter="gbcs_message")
    assert rows == [["5", "0x03", "0x01", "0x0027", str(6 + len(message))]]


async def test_capture_under_faults_still_reassembles(tmp_path: Path) -> None:
    path = tmp_path / "faults.pcap"
    han = VirtualHan(faults="drop=0.3,dup=0.3,seed=5", retry_interval=0.0, mac_retries=8,
                     require_join=False)
    ch, esme = await ch_and_esme(han)
    with PcapWriter(path) as writer:
        writer.attach(han)
        esme.set_sink(lambda f: None)
        message = gbcs_ecs17b()
        for _ in range(3):
            await ch.send(frame_to(esme, TRANSFER_DATA_DOWN + message))
        await han.drain()
    assert han.stats.dropped and han.stats.duplicated
    assert writer.count > 9  # retransmissions and duplicates are on air too
    assert_decodes_cleanly(path)
    codes = fields(path, "gbcs_message.grouping_header.message_code",
                   display_filter="gbcs_message")
    assert codes == [["0x0027"]] * 3


async def test_capturing_radio_wraps_one_radio(tmp_path: Path) -> None:
    path = tmp_path / "wrapped.pcap"
    han = VirtualHan(require_join=False)
    ch, esme = await ch_and_esme(han)
    writer = PcapWriter(path)
    async with CapturingRadio(ch, writer, close_writer=True) as wrapped:
        got: list[HanFrame] = []
        wrapped.set_sink(got.append)
        await wrapped.send(frame_to(esme, TRANSFER_DATA_DOWN + gbcs_ecs17b()))
        assert (await esme.receive(timeout=1)).sequence == 0
        await esme.send(HanFrame(dst_nwk=0, payload=TRANSFER_DATA_UP + b"\x01"))
        await han.drain()
        assert [f.payload for f in got] == [TRANSFER_DATA_UP + b"\x01"]
        assert wrapped.han is han  # other attributes come from the wrapped radio
    assert writer.count == 3 + 1 and ch.closed
    assert_decodes_cleanly(path)
    rows = fields(path, *FIELDS)
    assert rows[2][9] == "0x0027" and rows[3][7] == "0x02"


async def test_encrypted_capture_decrypts_with_the_keys(tmp_path: Path) -> None:
    path = tmp_path / "encrypted.pcap"
    han = VirtualHan(require_join=False)
    ch, esme = await ch_and_esme(han)
    writer = PcapWriter(path, encrypted=True, aps_acks=True, network_key=NETWORK_KEY,
                        link_keys={ESME: LINK_KEY})
    writer.attach(han, close_with=True)
    esme.set_sink(lambda f: None)
    ch.set_sink(lambda f: None)
    await ch.send(frame_to(esme, TRANSFER_DATA_DOWN + gbcs_ecs17b()))
    # Key Establishment travels without APS security (here: Terminate Key Establishment)
    await esme.send(HanFrame(dst_nwk=0, cluster_id=0x0800, aps_security=False,
                             payload=bytes.fromhex("01 01 03 01 0a 02 00")))
    await han.drain()
    await han.close()
    keys = writer.tshark_options()
    assert keys == tshark_key_options(NETWORK_KEY, {ESME: LINK_KEY})
    assert keys[1] == 'uat:zigbee_pc_keys:"0102030405060708090A0B0C0D0E0F10","Normal","nwk"'
    assert_decodes_cleanly(path, keys)
    rows = fields(path, "frame.number", "zbee_nwk.security", "zbee_aps.security",
                  "gbcs_message.grouping_header.message_code", keys=keys)
    assert len(rows) == 8
    assert all(r[1] == "1" for r in rows)
    assert rows[4][2:] == ["1", "0x0027"]
    assert rows[6][2] == "0"
    assert fields(path, "gbcs_message.grouping_header.message_code",
                  display_filter="gbcs_message") == []  # nothing readable without keys


async def test_link_type_195_with_fcs(tmp_path: Path) -> None:
    path = tmp_path / "fcs.pcap"
    han = VirtualHan(require_join=False)
    ch, esme = await ch_and_esme(han)
    with PcapWriter(path, linktype=LINKTYPE_IEEE802_15_4_WITHFCS) as writer:
        writer.attach(han)
        await ch.send(frame_to(esme, TRANSFER_DATA_DOWN + gbcs_ecs17b()))
        await esme.receive(timeout=1)
    assert tshark(path, "-Y", "_ws.expert").strip() == ""  # not even a Bad FCS warning
    assert fields(path, "wpan.fcs_ok", "gbcs_message.grouping_header.message_code")[-1] == [
        "1", "0x0027"]


async def test_gfi_capture_env_var_through_open_radio(tmp_path: Path) -> None:
    path = tmp_path / "env.pcap"
    env = {"GFI_CAPTURE": str(path)}
    registry = HanRegistry(require_join=False)
    ch = await open_radio("virtual:home", registry=registry, env=env, eui64=CH, nwk=0)
    esme = await open_radio(f"virtual:home?eui64={ESME}", registry=registry, env=env)
    await ch.send(HanFrame(dst_eui64=ESME, payload=TRANSFER_DATA_DOWN + gbcs_ecs17b()))
    assert isinstance(esme, VirtualRadio)
    await esme.receive(timeout=1)
    await registry.close()
    assert path.stat().st_size > 24
    assert_decodes_cleanly(path)
    assert fields(path, "gbcs_message.grouping_header.message_code",
                  display_filter="gbcs_message") == [["0x0027"]]


async def test_gfi_capture_without_registry_closes_with_the_radio(tmp_path: Path) -> None:
    path = tmp_path / "solo.pcap"
    radio = await open_radio("virtual:solo", env={"GFI_CAPTURE": str(path)}, eui64=CH,
                             coordinator=True)
    assert isinstance(radio, VirtualRadio)
    with pytest.raises(DeliveryFailed, match="unknown destination"):
        await radio.send(HanFrame(dst_eui64=ESME))
    await radio.close()
    assert path.read_bytes()[:4] == bytes.fromhex("d4c3b2a1")  # header only, file closed
