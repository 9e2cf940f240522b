# SPDX-License-Identifier: GPL-3.0-or-later
"""`gfi simulate` as a user runs it, and its capture decoded by tshark."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gfi.simulate import EXCHANGES


def test_simulate_json_and_capture(tmp_path: Path) -> None:
    pcap = tmp_path / "out.pcap"
    run = subprocess.run([sys.executable, "-m", "gfi", "simulate", "--json", "--capture",
                          str(pcap)], capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    events = [json.loads(line) for line in run.stdout.splitlines()]
    results = [e for e in events if e["kind"] == "result"]
    assert len(results) == len(EXCHANGES) and all(e["ok"] for e in results), results
    assert {e["device"] for e in results} >= {
        "CHF", "GPF", "ESME", "GSME", "PPMID", "HCALCS", "IHD", "CAD"}
    assert {e["device"] for e in events if e["kind"] == "join"} == {
        "ESME", "GSME", "PPMID", "HCALCS", "IHD", "CAD"}
    assert pcap.stat().st_size > 0
    tshark = shutil.which("tshark")
    if tshark is None:
        pytest.skip("tshark is not installed (.ci/run installs it)")
    bad = subprocess.run([tshark, "-r", str(pcap), "-Y",
                          "_ws.malformed || _ws.expert.severity >= error"],
                         capture_output=True, text=True, check=False)
    assert bad.stdout.strip() == ""
    codes = subprocess.run([tshark, "-r", str(pcap), "-T", "fields", "-e",
                            "gbcs_message.grouping_header.message_code"],
                           capture_output=True, text=True, check=False).stdout.split()
    # every command that crossed the HAN (CHF and GPF commands stay inside the Comms Hub)
    assert {"0x0013", "0x0027", "0x0055", "0x009b", "0x00b8", "0x0129"} <= set(codes)


def test_simulate_reports_bad_fault_spec() -> None:
    run = subprocess.run([sys.executable, "-m", "gfi", "simulate", "--faults", "drop=lots"],
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode != 0
    assert "is not a probability" in run.stderr and "Traceback" not in run.stderr


def test_simulate_fails_clearly_when_the_han_is_dead() -> None:
    run = subprocess.run([sys.executable, "-m", "gfi", "simulate", "--faults", "drop=1.0"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 1
    assert "FAIL" in run.stdout and "Traceback" not in run.stderr + run.stdout
