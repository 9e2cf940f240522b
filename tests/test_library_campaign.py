# SPDX-License-Identifier: GPL-3.0-or-later
"""The README's main job: the whole bundled library as one campaign on the virtual premises
(`gfi run --all` with JUnit and HTML reports, here in two worker processes) — every variant
passes, every message code that RTDS has vectors for is exercised, and the reports list every
variant in library order."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from gfi.api import REGISTRY
from gfi.usecases import load_bundled, rtds_coverage


def test_every_rtds_message_code_is_exercised() -> None:
    load_bundled()
    covered, missing = rtds_coverage(REGISTRY.usecases.values())
    assert not missing, "no Use Case exercises " + " ".join(f"{c:04X}" for c in missing)
    assert len(covered) == 233


def test_the_whole_library_passes(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "gfi", "run", "--all", "--jobs", "2", "--report-junit", "r.xml",
         "--report-html", "r.html", "--report-json", "r.json"],
        capture_output=True, text=True, timeout=900, check=False, cwd=tmp_path)
    failed = [line for line in run.stdout.splitlines() if line.startswith(("FAIL", "ERROR"))]
    assert run.returncode == 0 and not failed, "\n".join(failed[:20]) + run.stderr[-2000:]

    load_bundled()
    listed = [f"{uc.id}[{v}]" if v else uc.id
              for uc in REGISTRY.usecases.values() for v in uc.variants]
    suite = ET.parse(tmp_path / "r.xml").getroot().find("testsuite")
    assert suite is not None
    names = [c.get("name") for c in suite.findall("testcase")]
    assert names == listed  # one testcase per Use Case variant, none left out, in order
    assert suite.get("failures") == "0" and suite.get("errors") == "0"

    report = json.loads((tmp_path / "r.json").read_text())
    assert report["ok"] is True and report["counts"]["PASS"] == len(listed)
    html = (tmp_path / "r.html").read_text()
    assert "ECS17b" in html and "GCS13a" in html and "CS02bNOByNO" in html
