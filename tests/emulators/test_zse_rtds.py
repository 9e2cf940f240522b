# SPDX-License-Identifier: GPL-3.0-or-later
"""The GSME / GPF model against RTDS 4.5.0: every GBZ COMMAND vector addressed to the GSME
(``00DB1234567890A1``) or the GPF (``00DB1234567890A3``) goes through a fresh
:class:`GbzServer`, and the shape of the answer is compared with the matching SUCCESS
RESPONSE vector (gbcs-protocol.md §2.3, Appendix B): components, cluster ids, command ids,
frame control, sequence numbers, encryption, and the payload structure — the plaintext of
encrypted RTDS components comes from decrypting them with the RTDS keys."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gfi.codecs.gbcs.decoder import decode_message
from gfi.codecs.gbcs.gbz import decode_gbz_payload, decode_zcl_command_payload, encode_gbz_payload
from gfi.codecs.gbcs.message import GbcsFrame, decode_frame
from gfi.codecs.zcl import frame_control_value
from gfi.emulators.model import HandleContext
from gfi.emulators.zse import GSME_PROFILE, GbzServer, MirrorStore
from tests.conftest import rtds_bytes, rtds_files

GSME = "00DB1234567890A1"
GPF = "00DB1234567890A3"
#: Device time of the RTDS runs: the vectors' "today" is 2015-01-01 (their issuer event ids).
NOW = datetime(2015, 1, 1, 6, 0, tzinfo=UTC)
#: The RTDS reference GSME takes its daily read log snapshot at 09:00 UTC (GCS16a/b show
#: snapshots at 2014-12-30 and 2014-12-31 09:00).
RTDS_GSME = dataclasses.replace(GSME_PROFILE, daily_snapshot_time=9 * 3600)


def reversing_encryptor(plaintext: bytes) -> tuple[bytes, bytes]:
    """No keys needed: the "ciphertext" is the plaintext reversed."""
    return plaintext[::-1], bytes(12)


def _gbz_commands() -> list[Path]:
    found = []
    for path in rtds_files():
        if "_COMMAND_" not in path.name:
            continue
        frame = decode_frame(rtds_bytes(path))
        if isinstance(frame, GbcsFrame) and frame.payload[:2] == b"\x01\x09" \
                and frame.recipient in (GSME, GPF):
            found.append(path)
    return found


COMMANDS = _gbz_commands()
SUCCESS = [p for p in COMMANDS if "SUCCESS" in p.name]


def _strip(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items()
                if not k.endswith(("_name", "_names")) and k != "decrypted"}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def _shape(node: Any) -> Any:
    """The structure of a payload: keys, leaf types and the shapes of list elements (not the
    values, not the list lengths)."""
    if isinstance(node, dict) and set(node) == {"year", "month", "day", "day_of_week"}:
        return "date"  # a ZCL date: any field may be the FF wildcard (None)
    if isinstance(node, dict):
        return {k: _shape(v) for k, v in node.items() if not k.endswith(("_name", "_names"))}
    if isinstance(node, list):
        return ["list", sorted({json.dumps(_shape(v), sort_keys=True) for v in node})]
    if node is None:
        return "none"
    return type(node).__name__


def _serve(path: Path) -> tuple[GbcsFrame, dict[str, Any]]:
    frame = decode_frame(rtds_bytes(path))
    assert isinstance(frame, GbcsFrame)
    request = decode_gbz_payload(frame.payload, message_code=frame.message_code, cra=1)
    gsme = GbzServer(RTDS_GSME)
    server = gsme
    if frame.recipient == GPF:
        gsme.advance(NOW)
        mirror = MirrorStore()
        mirror.apply(gsme.mirror_reports())
        server = GbzServer(RTDS_GSME, mirror=mirror)
    ctx = HandleContext(now=NOW, message_code=frame.message_code, requester=frame.originator,
                        requester_role=2, counter=frame.counter, encrypt=reversing_encryptor,
                        device=frame.recipient)
    result = server.handle(request, ctx)
    raw = encode_gbz_payload(result.response)
    return frame, decode_gbz_payload(raw, message_code=frame.message_code, cra=2)


def _plain(component: dict[str, Any], *, ours: bool) -> Any:
    frame = component["frame"]
    if not component["control"]["encrypted"]:
        return _strip(frame["payload"])
    if not ours:
        return _strip(component["decrypted"])
    ciphertext = bytes.fromhex(frame["ciphered_information"]["ciphertext"])
    return _strip(decode_zcl_command_payload(
        component["cluster_id"], frame_control_value(frame["frame_control"]),
        frame["command_id"], ciphertext[::-1]))


def _header(component: dict[str, Any]) -> tuple[Any, ...]:
    frame = component["frame"]
    control = component["control"]
    return (component["cluster_id"], frame_control_value(frame["frame_control"]),
            frame["sequence_number"], frame["command_id"], control["encrypted"],
            control["last_component"], frame.get("additional_frame_counter"))


def test_the_rtds_set_has_the_gsme_and_gpf_gbz_commands() -> None:
    assert len(COMMANDS) == 95
    assert len(SUCCESS) == 53


@pytest.mark.parametrize("path", SUCCESS, ids=lambda p: p.name.removesuffix("_GBCS.HEX"))
def test_response_shape_matches_rtds(path: Path, security: Any) -> None:
    frame, ours = _serve(path)
    expected_path = path.with_name(path.name.replace("_COMMAND_", "_RESPONSE_"))
    expected = decode_message(rtds_bytes(expected_path), security=security)
    assert expected.ok and expected.payload is not None
    assert expected.decrypted in (None, True)
    theirs = expected.payload["components"]
    mine = ours["components"]
    assert [_header(c) for c in mine] == [_header(c) for c in theirs]
    request = decode_gbz_payload(frame.payload, message_code=frame.message_code, cra=1)
    requests = {c["frame"]["sequence_number"]: c["frame"]["payload"]
                for c in request["components"]}
    for a, b in zip(mine, theirs, strict=True):
        got, want = _plain(a, ours=True), _plain(b, ours=False)
        assert _shape(got) == _shape(want), (a["cluster_id"], a["frame"]["command_id"])
        command_id = a["frame"]["command_id"]
        specific = frame_control_value(a["frame"]["frame_control"]) & 0x03
        asked = requests[a["frame"]["sequence_number"]]
        if not specific and command_id == 0x0B:  # Default Response: status and command
            assert got == want
        if not specific and command_id == 0x01:  # Read Attributes Response
            assert [(r["attribute_id"], r["status"], r["data_type"]) for r in got["records"]] \
                == [(r["attribute_id"], r["status"], r["data_type"]) for r in want["records"]]
        if "samples" in got:  # lengths that come from the request
            assert len(got["samples"]) == len(want["samples"]) == asked["number_of_samples"]
        if "debts" in got:
            assert len(got["debts"]) == len(want["debts"]) == asked["number_of_debts"]
        if "top_ups" in got:
            assert len(got["top_ups"]) == len(want["top_ups"]) == asked["number_of_records"]


@pytest.mark.parametrize("path", [p for p in COMMANDS if "SUCCESS" not in p.name],
                         ids=lambda p: p.name.removesuffix("_GBCS.HEX"))
def test_other_rtds_commands_get_an_answer(path: Path) -> None:
    """ERROR / NOT_FOUND variants show a device failing; the model still answers each
    component with an encodable frame."""
    frame, ours = _serve(path)
    request = decode_gbz_payload(frame.payload, message_code=frame.message_code, cra=1)
    asked = {c["frame"]["sequence_number"] for c in request["components"]}
    assert {c["frame"]["sequence_number"] for c in ours["components"]} == asked
