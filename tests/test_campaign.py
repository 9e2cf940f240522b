# SPDX-License-Identifier: GPL-3.0-or-later
"""`gfi list` and `gfi run` as users run them: campaigns with JUnit, JSON and HTML reports,
packs from a directory, clear errors for bad requests."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

EXAMPLES = Path(__file__).parent.parent / "examples"


def gfi(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gfi", *args], capture_output=True,
                          text=True, timeout=600, check=False, cwd=cwd)


def test_list_filters_by_tag_and_device() -> None:
    run = gfi("list", "--tag", "mhhs", "--json")
    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert {r["id"] for r in rows} >= {"MHHS-ECS22b", "MHHS-GCS17"}
    run = gfi("list", "--device", "PPMID")
    assert "CS08" in run.stdout and "PCS01" not in run.stdout.split()[0:1]


def test_run_with_reports(tmp_path: Path) -> None:
    run = gfi("run", "--tag", "negative", "--report-junit", "r.xml", "--report-json",
              "r.json", "--report-html", "r.html", cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert run.stdout.count("PASS") >= 12
    suite = ET.parse(tmp_path / "r.xml").getroot().find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == 12 and suite.get("failures") == "0" and suite.get("errors") == "0"
    assert "NEG-BAD-MAC[ESME]" in {c.get("name") for c in cases}
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["counts"]["PASS"] == 12 and report["ok"] is True
    html = (tmp_path / "r.html").read_text()
    assert "NEG-REPLAY" in html and "http://" not in html.split("<body")[0]


def test_run_a_pack_of_both_forms(tmp_path: Path) -> None:
    run = gfi("run", "--usecases", str(EXAMPLES), "EXAMPLE-ECS17b-PY", "EXAMPLE-GCS13b-YAML")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "PASS 2 of 2" in run.stdout


def test_bad_requests_are_clear() -> None:
    nothing = gfi("run")
    assert nothing.returncode == 2 and "say what to run" in nothing.stderr
    unknown = gfi("run", "NOPE")
    assert unknown.returncode == 1 and "unknown Use Case NOPE" in unknown.stderr
    radio = gfi("run", "--all", "--target", "ezsp:/dev/ttyUSB0")
    assert radio.returncode == 1 and "virtual premises only" in radio.stderr
    for result in (nothing, unknown, radio):
        assert "Traceback" not in result.stderr


def test_a_failing_use_case_fails_the_run(tmp_path: Path) -> None:
    (tmp_path / "wrong.yaml").write_text(
        "id: WRONG\ntitle: expects a result the ESME does not give\ntarget: ESME\n"
        "message_code: 0x0013\npayload_hex: '0500'\nexpect:\n  fields: {response_code: 7}\n")
    run = gfi("run", "--usecases", str(tmp_path), "WRONG", "--report-junit",
              str(tmp_path / "r.xml"))
    assert run.returncode == 1
    assert "FAIL" in run.stdout and "expected 7" in run.stdout
    suite = ET.parse(tmp_path / "r.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
