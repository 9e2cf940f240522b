# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``gfi decode`` / ``gfi encode`` command line, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DCCBOXED_KEYSTORE, RTDS_KEYSTORE, RTDS_VECTORS, rtds_bytes, rtds_files

KEYS = ["--keys", str(RTDS_KEYSTORE), "--keys", str(DCCBOXED_KEYSTORE)]


def gfi(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gfi", *args], input=stdin,
                          capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def corpus_json() -> list[dict]:  # type: ignore[type-arg]
    run = gfi("decode", "--json", *KEYS, str(RTDS_VECTORS))
    assert run.returncode == 0, run.stderr[-2000:]
    return [json.loads(line) for line in run.stdout.splitlines()]


def test_decode_corpus_totals(corpus_json) -> None:  # type: ignore[no-untyped-def]
    """The issue's acceptance figures: every vector ok; 497 MACs, 299 signatures and 30
    decryptions verify; the PCS01/PCS02 device-to-device MACs are reported as no-key."""
    assert len(corpus_json) == 797
    assert all(m["ok"] for m in corpus_json), [m for m in corpus_json if not m["ok"]][:3]
    macs = [m["mac"] for m in corpus_json]
    assert macs.count("valid") == 497 and macs.count("invalid") == 0
    assert macs.count("no-key") == 4
    assert {m["use_case"] for m in corpus_json if m["mac"] == "no-key"} == {"PCS01", "PCS02"}
    sigs = [m["signature"] for m in corpus_json]
    assert sigs.count("valid") == 299 and sigs.count("invalid") == 0
    decrypted = [m["decrypted"] for m in corpus_json]
    assert decrypted.count(True) == 30 and decrypted.count(False) == 0


def test_json_fields(corpus_json) -> None:  # type: ignore[no-untyped-def]
    m = next(m for m in corpus_json if m["source"].endswith(
        "ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX"))
    assert m["message_code"] == "0027" and m["use_case"] == "ECS17b"
    assert m["cra"] == "command" and len(m["originator"]) == 16 and len(m["recipient"]) == 16
    assert isinstance(m["counter"], int)
    assert m["mac"] == "valid" and m["signature"] == "absent" and m["decrypted"] is None
    assert m["payload"]["apdu"] == "access-request"
    assert m["hex"] == rtds_bytes(Path(m["source"])).hex().upper()


def test_decode_then_encode_reproduces_every_vector(corpus_json, tmp_path) -> None:  # type: ignore[no-untyped-def]
    lines = tmp_path / "all.jsonl"
    lines.write_text("\n".join(json.dumps(m) for m in corpus_json) + "\n")
    run = gfi("encode", str(lines))
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout.split()
    assert out == [m["hex"] for m in corpus_json]


def test_pipe_decode_encode() -> None:
    path = rtds_files()[0]
    decoded = gfi("decode", "--json", str(path))
    encoded = gfi("encode", stdin=decoded.stdout)
    assert encoded.returncode == 0, encoded.stderr
    assert encoded.stdout.strip() == rtds_bytes(path).hex().upper()


def test_edit_then_resecure(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Editing a field leaves the MAC broken unless --remac is asked for."""
    path = next(p for p in rtds_files()
                if p.name == "ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX")
    obj = json.loads(gfi("decode", "--json", *KEYS, str(path)).stdout)
    obj["counter"] += 1
    edited = json.dumps(obj)
    broken = gfi("encode", stdin=edited).stdout.strip()
    fixed = gfi("encode", "--remac", *KEYS, stdin=edited).stdout.strip()
    verdicts = [json.loads(gfi("decode", "--json", *KEYS, h).stdout)["mac"]
                for h in (broken, fixed)]
    assert verdicts == ["invalid", "valid"]


def test_critical_resign(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = next(p for p in rtds_files() if p.name == "CS06_11.3_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX")
    obj = json.loads(gfi("decode", "--json", *KEYS, str(path)).stdout)
    obj["counter"] += 7
    fixed = gfi("encode", "--resign", "--remac", *KEYS, stdin=json.dumps(obj)).stdout.strip()
    out = json.loads(gfi("decode", "--json", *KEYS, fixed).stdout)
    assert (out["signature"], out["mac"], out["counter"]) == ("valid", "valid", obj["counter"])


def test_bad_inputs_are_named_and_others_still_processed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    good = rtds_bytes(rtds_files()[0]).hex()
    bad_file = tmp_path / "bad.hex"
    bad_file.write_text("DF09010000")
    run = gfi("decode", "--json", good, str(bad_file), "zz-not-hex")
    assert run.returncode == 1
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["ok"] for r in rows] == [True, False, False]
    assert "offset" in rows[1]["error"] or "error_offset" in rows[1]
    assert "not a file, directory or message" in rows[2]["error"]


def test_gfi_text_lines_and_stdin() -> None:
    data = rtds_bytes(rtds_files()[0])
    line = f"GBCS:DATA#0:{len(data)}:{data.hex().upper()}\r\n"
    run = gfi("decode", "--json", "-", stdin=line + line)
    assert run.returncode == 0
    assert [json.loads(x)["ok"] for x in run.stdout.splitlines()] == [True, True]
    wrong = f"GBCS:DATA#0:{len(data) + 1}:{data.hex().upper()}\n"
    run = gfi("decode", "--json", "-", stdin=wrong)
    assert run.returncode == 1 and "GFI line says" in run.stdout


def test_readable_tree() -> None:
    path = next(p for p in rtds_files() if p.name == "CS06_11.3_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX")
    run = gfi("decode", *KEYS, str(path))
    assert run.returncode == 0
    assert "0012 CS06 Activate Firmware — command" in run.stdout
    assert "✔ MAC: valid" in run.stdout and "✔ signature: valid" in run.stdout


def test_encode_rejects_bad_json_with_a_clear_message() -> None:
    run = gfi("encode", stdin='{"cra": "command"}\nnot json\n')
    assert run.returncode == 1
    assert "missing key 'message_code'" in run.stderr and "not JSON" in run.stderr
