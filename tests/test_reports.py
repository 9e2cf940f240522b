# SPDX-License-Identifier: GPL-3.0-or-later
"""The campaign reports (JUnit XML, JSON, HTML, console line) read right and stay safe
whatever text devices, Use Cases and exceptions put in them."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gfi import reports
from gfi.results import CampaignResult, Level, Step, UseCaseResult, Verdict

HOSTILE = ('<script>alert("x&y")</script> \'q\' & « ünïcødé » '
           '\x00\x07\x1b[2J\ud800\ufffe</pre>]]> https://evil.example/x.js @DATA@')
#: HOSTILE as XML 1.0 can carry it: the forbidden characters as visible escapes
HOSTILE_XML = ('<script>alert("x&y")</script> \'q\' & « ünïcødé » '
               '\\x00\\x07\\x1b[2J\\ud800\\ufffe</pre>]]> https://evil.example/x.js @DATA@')
XML_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _message(hex_: str) -> dict[str, object]:
    return {"message_code": "001C", "cra": "command", "use_case": "ECS04a",
            "payload": {"note": HOSTILE, "data": [{"type": "double-long", "value": 1234}]},
            "hex": hex_}


def _steps(text: str = "note") -> list[Step]:
    hex_ = "DD0000000000" * 8
    return [
        Step("send", "sent ECS04a 001C command", device="00DB1234567890A0", at=0.01,
             message_code=0x001C, hex=hex_, message=_message(hex_),
             verdicts={"mac": "valid", "signature": "valid", "decrypted": None}),
        Step("receive", "received 1000 alert", device="00DB1234567890A0", at=0.02,
             message_code=0x1000, hex="<b>&\x01", message=None,
             verdicts={"mac": "invalid", "signature": "absent", "decrypted": False}),
        Step("check", "the alert names the originator", ok=True, at=0.03),
        Step("log", text, Level.WARNING, at=0.04),
    ]


def campaign() -> CampaignResult:
    odd: dict[Any, Any] = {"raw": b"\x01\xab", "ratio": float("nan"), 3: "int key"}
    return CampaignResult(
        target="virtual", started="2026-01-01T12:00:00+01:00",
        finished="2026-01-01T12:00:05+01:00", duration_s=5.0,
        environment={"gfi": "0.1.0", "python": "3.11", "nested": {"b": 1, "a": [1, 2]}},
        results=[
            UseCaseResult("ECS04a", "", "Adjust Meter Balance on the ESME", ["ESME"],
                          ["credit"], Verdict.PASS, duration_s=0.5, message_code=0x001C,
                          parameters={"amount": 1234}, steps=_steps()),
            UseCaseResult("NEG-BAD-MAC", "ESME", "A bad MAC is refused", ["ESME", "GSME"],
                          ["negative"], Verdict.FAIL, HOSTILE, 1.25,
                          steps=[*_steps(HOSTILE), Step("check", HOSTILE, Level.ERROR,
                                                        ok=False, at=0.05)]),
            UseCaseResult("ECS02", "GSME", "Read the <balance> & more", ["ESME", "GSME"],
                          [], Verdict.ERROR, "TimeoutError: no answer\nafter 5 s", 5.0,
                          parameters=odd,
                          steps=_steps()),
            UseCaseResult("CS11", "", "Not for this target", [], [], Verdict.SKIP,
                          "not applicable: <HAN> & co"),
        ])


def _external_references(text: str) -> list[str]:
    """src=/href=/action=/url()/@import pointing anywhere but inside the file."""
    return re.findall(r"""(?:\b(?:src|href|action|srcset)\s*=\s*["']?\s*(?:[a-z]+:|//)"""
                      r"""|url\s*\(|@import|<link\b|<iframe\b|<object\b|<embed\b)""",
                      text, re.IGNORECASE)


# ---- JUnit ---------------------------------------------------------------------------------
def test_junit(tmp_path: Path) -> None:
    c = campaign()
    path = tmp_path / "junit.xml"
    reports.write_junit(c, path)
    raw = path.read_bytes()
    assert raw.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "gfi"
    assert {k: suite.get(k) for k in ("tests", "failures", "errors", "skipped", "time")} == {
        "tests": "4", "failures": "1", "errors": "1", "skipped": "1", "time": "5.000"}
    assert suite.get("timestamp") == "2026-01-01T11:00:00"
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["target"] == "virtual" and props["nested"] == '{"a": [1, 2], "b": 1}'
    cases = suite.findall("testcase")
    assert [(t.get("classname"), t.get("name"), t.get("time")) for t in cases] == [
        ("gfi.ESME", "ECS04a", "0.500"), ("gfi.ESME", "NEG-BAD-MAC[ESME]", "1.250"),
        ("gfi.GSME", "ECS02[GSME]", "5.000"), ("gfi.CS", "CS11", "0.000")]
    passed, failed, errored, skipped = cases
    assert [child.tag for child in passed] == ["system-out"]
    failure = failed.find("failure")
    assert failure is not None and failure.get("message") == HOSTILE_XML
    assert failure.get("type") == "FAIL" and "NOT OK: <script>alert" in (failure.text or "")
    error = errored.find("error")
    assert error is not None and error.get("message") == "TimeoutError: no answer\nafter 5 s"
    skip = skipped.find("skipped")
    assert skip is not None and skip.get("message") == "not applicable: <HAN> & co"
    out = passed.findtext("system-out") or ""
    lines = out.splitlines()
    assert lines[0] == "Adjust Meter Balance on the ESME"
    assert lines[1] == 'parameters: {"amount": 1234}'
    assert len(lines) == 2 + 4  # title, parameters, one line per step
    assert "00DB1234567890A0" in lines[2] and "001C mac=valid signature=valid decrypted=-" \
        in lines[2]
    assert "ok: the alert names the originator" in lines[4]
    assert "WARNING" in lines[5]
    assert "ünïcødé" in (failed.findtext("system-out") or "")


@settings(max_examples=150, deadline=None)
@given(reason=st.text(st.characters(exclude_categories=())),
       text=st.text(st.characters(exclude_categories=())),
       name=st.text(st.characters(exclude_categories=()), max_size=20),
       verdict=st.sampled_from(list(Verdict)))
def test_junit_is_well_formed_whatever_the_text(reason: str, text: str, name: str,
                                                verdict: Verdict) -> None:
    # XML 1.0 has no way at all to carry most C0 controls, lone surrogates, U+FFFE/U+FFFF
    # (not even as &#…;): the report shows them as "\x07"-style escapes; all else is kept.
    result = UseCaseResult(name, text, text, [text], [], verdict, reason,
                           steps=[Step("log", text, device=text, hex=text,
                                       verdicts={"mac": text})])
    c = CampaignResult(target=text, started=text, results=[result], environment={text: text})
    root = ET.fromstring(ET.tostring(reports.junit_xml(c), encoding="utf-8"))
    (case,) = root.iter("testcase")
    expected_name = result.name if not XML_FORBIDDEN.search(result.name) else None
    if expected_name is not None:
        assert case.get("name") == expected_name
    if verdict is not Verdict.PASS and not XML_FORBIDDEN.search(reason):
        assert next(iter(case)).get("message") == reason


# ---- JSON ----------------------------------------------------------------------------------
def test_json(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    reports.write_json(campaign(), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["counts"] == {"PASS": 1, "FAIL": 1, "ERROR": 1, "SKIP": 1}
    assert data["ok"] is False and list(data) == sorted(data)
    results = data["results"]
    assert [r["verdict"] for r in results] == ["PASS", "FAIL", "ERROR", "SKIP"]
    assert results[1]["reason"] == HOSTILE  # exactly, lone surrogate included
    assert results[2]["parameters"] == {"3": "int key", "raw": "01AB", "ratio": "nan"}
    assert results[0]["steps"][0]["message"]["payload"]["note"] == HOSTILE
    again = tmp_path / "again.json"
    reports.write_json(campaign(), again)
    assert again.read_bytes() == path.read_bytes()


# ---- HTML ----------------------------------------------------------------------------------
def _embedded(text: str) -> dict[str, object]:
    match = re.search(r'<script type="application/json" id="gfi-data">(.*?)</script>', text,
                      re.DOTALL)
    assert match is not None
    data: dict[str, object] = json.loads(match.group(1))
    return data


def test_html(tmp_path: Path) -> None:
    c = campaign()
    path = tmp_path / "report.html"
    reports.write_html(c, path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in text
    assert _external_references(text) == []
    assert "<script>alert" not in text and "</pre>]]>" not in text
    assert text.count("<script") == 2  # the data block and the page's own script
    assert "\x00" not in text and "\x1b" not in text
    assert html.escape('<script>alert("x&y")</script>') in text  # the reason cell
    for result in c.results:
        assert f'<td class="id">{html.escape(result.id)}</td>' in text
    data = _embedded(text)
    results = data["results"]
    assert isinstance(results, list)
    assert [r["name"] for r in results] == [r.name for r in c.results]
    assert results[1]["reason"] == HOSTILE
    send, receive = results[0]["steps"][:2]
    assert send["code"] == 0x001C and send["verdicts"]["mac"] == "valid"
    assert "hex" not in send["message"] and send["hex"] == c.results[0].steps[0].hex
    assert receive["hex"] == "<b>&\x01" and "message" not in receive
    for verdict, n in c.counts().items():
        assert f'<div class="count v-{verdict}"><b>{n}</b>{verdict}</div>' in text
    assert reports.render_html(c) == reports.render_html(campaign())  # deterministic


def test_html_without_external_references_at_all() -> None:
    c = campaign()
    for r in c.results:
        r.reason = ""
        r.steps = []
    assert "http" not in reports.render_html(c).lower()


def test_html_of_an_empty_campaign() -> None:
    text = reports.render_html(CampaignResult(target="virtual", started=""))
    assert _embedded(text) == {"results": []} and "—" in text


# ---- console -------------------------------------------------------------------------------
def test_console() -> None:
    failed = campaign().results[1]
    line = reports.render_console(failed)
    assert "\n" not in line and "\x1b" not in line and "\x00" not in line
    assert line.startswith("FAIL  NEG-BAD-MAC[ESME]  A bad MAC is refused — <script>")
    assert "\\x1b[2J" in line and line.endswith("(1.250 s)")
    skipped = campaign().results[3]
    assert reports.render_console(skipped) == (
        "SKIP  CS11  Not for this target — not applicable: <HAN> & co (0.000 s)")
    passed = campaign().results[0]
    passed.duration_s = 125
    assert reports.render_console(passed) == (
        "PASS  ECS04a  Adjust Meter Balance on the ESME (2 min 5 s)")
