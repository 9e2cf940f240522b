# SPDX-License-Identifier: GPL-3.0-or-later
"""The reports of a campaign: JUnit XML for CI, JSON for tools, one self-contained HTML file
for people (no external resources; works opened from disk) and one console line per Use Case.

Every text comes from a device, a Use Case or an exception, so all of it is escaped. XML 1.0
cannot carry most C0 control characters, lone surrogates, U+FFFE and U+FFFF at all (not even
as character references): the JUnit report shows them as ``\\x07``/``\\ud800``-style escapes.
The console line shows every control character that way too, so that a hostile reason cannot
drive the terminal (ANSI escapes).
"""

from __future__ import annotations

import datetime as dt
import enum
import html
import json
import math
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import gfi
from gfi.results import CampaignResult, Step, UseCaseResult, Verdict

__all__ = ["junit_xml", "render_console", "render_html", "write_html", "write_json",
           "write_junit"]

PathLike = str | os.PathLike[str]

# What XML 1.0 cannot carry (production 2 "Char"): most C0 controls, surrogates, U+FFFE/F.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# What no terminal line should hold: C0, DEL, C1 (ANSI escapes), surrogates, U+FFFE/F.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"\s+")


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _xml_text(text: object) -> str:
    """``text`` with the characters XML 1.0 cannot carry replaced by visible escapes."""
    return _NOT_XML.sub(_escape_char, str(text))


def _one_line(text: object) -> str:
    """``text`` on one line: whitespace runs become one space, control characters escapes."""
    return _CONTROL.sub(_escape_char, _SPACES.sub(" ", str(text)).strip())


def _code(code: int | None) -> str:
    return "" if code is None else f"{code:04X}"


def _seconds(value: float) -> float:
    return value if math.isfinite(value) and value > 0 else 0.0


def _duration(seconds: float) -> str:
    seconds = _seconds(seconds)
    if seconds < 60:
        return f"{seconds:.3f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min {rest} s"


def _plain(value: Any) -> Any:
    """``value`` as JSON data: string keys, lists, no NaN, bytes as upper-case hex."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=str)
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, bytes | bytearray):
        return value.hex().upper()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)


def _write(path: PathLike, text: str) -> None:
    # backslashreplace only ever meets lone surrogates, which can only sit inside JSON strings
    # here (other text is escaped first): "\ud800" is then the right JSON escape for them.
    Path(path).write_text(text, encoding="utf-8", errors="backslashreplace")


# --------------------------------------------------------------------------------------------
# Console
# --------------------------------------------------------------------------------------------
def render_console(result: UseCaseResult) -> str:
    """One terminal line: ``FAIL  ID[variant]  title — reason (0.123 s)``."""
    reason = f" — {_one_line(result.reason)}" if result.reason else ""
    return (f"{Verdict(result.verdict).value:<5} {_one_line(result.name)}  "
            f"{_one_line(result.title)}{reason} ({_duration(result.duration_s)})")


# --------------------------------------------------------------------------------------------
# JUnit XML
# --------------------------------------------------------------------------------------------
def _step_line(step: Step) -> str:
    """One line of the step log: time, level, device, kind, text, code and verdicts."""
    mark = "" if step.ok is None else "ok: " if step.ok else "NOT OK: "
    extra = ([_code(step.message_code)] if step.message_code is not None else []) + [
        f"{k}={'-' if v is None else v}" for k, v in step.verdicts.items()]
    security = f" [{_one_line(' '.join(extra))}]" if extra else ""
    return (f"{step.at:9.3f} s {_one_line(step.level).upper():7} "
            f"{_one_line(step.device) or '-':16} {_one_line(step.kind):7} "
            f"{mark}{_one_line(step.text)}{security}")


def _log(result: UseCaseResult) -> str:
    head = [_one_line(result.title)]
    if result.parameters:
        head.append("parameters: " + _one_line(json.dumps(_plain(result.parameters),
                                                          sort_keys=True, ensure_ascii=False)))
    return "\n".join(head + [_step_line(s) for s in result.steps]) + "\n"


def _classname(result: UseCaseResult) -> str:
    """``gfi.<device>`` (the variant's, or the only one), else ``gfi.<family>`` (ECS, NEG…)."""
    if result.variant and result.variant in result.devices:
        group = result.variant
    elif len(result.devices) == 1:
        group = result.devices[0]
    else:
        family = re.match(r"[A-Za-z]+", result.id)
        group = family.group() if family else "other"
    return "gfi." + (re.sub(r"[^A-Za-z0-9_-]", "_", group) or "other")


def _timestamp(iso: str) -> str:
    """JUnit's timestamp: ISO 8601 without zone (in UTC when the input says its zone)."""
    try:
        when = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when.isoformat(timespec="seconds")


def junit_xml(campaign: CampaignResult) -> ET.Element:
    """The JUnit XML tree: ``<testsuites>`` holding one ``<testsuite name="gfi">``."""
    counts = campaign.counts()
    seconds = campaign.duration_s or sum(r.duration_s for r in campaign.results)
    totals = {"tests": str(len(campaign.results)), "failures": str(counts["FAIL"]),
              "errors": str(counts["ERROR"]), "skipped": str(counts["SKIP"]),
              "time": f"{_seconds(seconds):.3f}"}
    root = ET.Element("testsuites", {"name": "gfi", **totals})
    suite = ET.SubElement(root, "testsuite", {"name": "gfi", **totals,
                                              "timestamp": _xml_text(_timestamp(campaign.started))})
    properties = ET.SubElement(suite, "properties")
    for name, value in [("target", campaign.target), *sorted(campaign.environment.items())]:
        text = value if isinstance(value, str) else json.dumps(_plain(value), sort_keys=True)
        ET.SubElement(properties, "property", name=_xml_text(name), value=_xml_text(text))
    for result in campaign.results:
        case = ET.SubElement(suite, "testcase", classname=_classname(result),
                             name=_xml_text(result.name),
                             time=f"{_seconds(result.duration_s):.3f}")
        log = _xml_text(_log(result))
        reason = _xml_text(result.reason)
        verdict = Verdict(result.verdict)
        if verdict in (Verdict.FAIL, Verdict.ERROR):
            tag = "failure" if verdict is Verdict.FAIL else "error"
            ET.SubElement(case, tag, message=reason, type=verdict.value).text = log
        elif verdict is Verdict.SKIP:
            ET.SubElement(case, "skipped", message=reason)
        ET.SubElement(case, "system-out").text = log
    ET.indent(root)
    return root


def write_junit(campaign: CampaignResult, path: PathLike) -> None:
    """Write the JUnit XML report (UTF-8, with an XML declaration)."""
    ET.ElementTree(junit_xml(campaign)).write(path, encoding="utf-8", xml_declaration=True)


# --------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------
def write_json(campaign: CampaignResult, path: PathLike) -> None:
    """Write ``campaign.to_json()``, indented, keys sorted."""
    _write(path, json.dumps(_plain(campaign.to_json()), indent=2, sort_keys=True,
                            ensure_ascii=False, allow_nan=False) + "\n")


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------
def _step_data(step: Step) -> dict[str, Any]:
    """A step for the embedded data; empty fields left out (the page knows the defaults)."""
    data: dict[str, Any] = {"kind": step.kind, "text": step.text, "level": str(step.level),
                            "at": _plain(step.at)}
    optional = {"device": step.device, "hex": step.hex, "verdicts": _plain(step.verdicts)}
    data |= {k: v for k, v in optional.items() if v}
    if step.ok is not None:
        data["ok"] = step.ok
    if step.message_code is not None:
        data["code"] = step.message_code
    if step.message is not None:
        message = _plain(step.message)
        if isinstance(message, dict) and step.hex and message.get("hex") == step.hex:
            del message["hex"]  # shown once, as the step's raw hex
        data["message"] = message
    return data


def _result_data(result: UseCaseResult) -> dict[str, Any]:
    return {"name": result.name, "id": result.id, "variant": result.variant,
            "title": result.title, "devices": list(result.devices), "tags": list(result.tags),
            "verdict": Verdict(result.verdict).value, "reason": result.reason,
            "duration": _plain(result.duration_s), "code": result.message_code,
            "parameters": _plain(result.parameters),
            "steps": [_step_data(s) for s in result.steps]}


def _script_json(data: Any) -> str:
    """JSON that is safe inside ``<script>``: no ``<``, ``>`` or ``&`` characters at all."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _h(text: object) -> str:
    return html.escape(_xml_text(text))


def _header(campaign: CampaignResult) -> str:
    facts = [("Target", campaign.target), ("Started", campaign.started),
             ("Finished", campaign.finished or "—"), ("Duration", _duration(campaign.duration_s)),
             ("Use Case variants", str(len(campaign.results)))]
    env = [(k, v if isinstance(v, str) else json.dumps(_plain(v), sort_keys=True))
           for k, v in sorted(campaign.environment.items())]
    dl = "".join(f"<dt>{_h(k)}</dt><dd>{_h(v)}</dd>" for k, v in facts)
    env_dl = "".join(f"<dt>{_h(k)}</dt><dd>{_h(v)}</dd>" for k, v in env)
    return (f'<dl class="facts">{dl}</dl>'
            + (f'<h3>Environment</h3><dl class="facts">{env_dl}</dl>' if env else ""))


def _summary(campaign: CampaignResult) -> str:
    counts = campaign.counts()
    total = len(campaign.results)
    ran = counts["PASS"] + counts["FAIL"] + counts["ERROR"]
    rate = f"{100 * counts['PASS'] / ran:.1f} %" if ran else "—"
    boxes = "".join(f'<div class="count v-{v}"><b>{n}</b>{v}</div>' for v, n in counts.items())
    bar = "".join(f'<span class="v-{v}" style="width:{100 * n / total:.3f}%" '
                  f'title="{v} {n}"></span>' for v, n in counts.items() if n and total)
    status = ("OK", "ok") if campaign.ok else ("NOT OK", "nok")
    return (f'<div class="counts"><div class="count status {status[1]}"><b>{status[0]}</b>'
            f'campaign</div>{boxes}<div class="count"><b>{rate}</b>pass rate</div></div>'
            f'<div class="bar" role="img" aria-label="'
            + _h(", ".join(f"{v} {n}" for v, n in counts.items())) + f'">{bar}</div>'
            '<p class="note">Pass rate: PASS of PASS + FAIL + ERROR (SKIP left out).</p>')


def _row(index: int, result: UseCaseResult) -> str:
    verdict = Verdict(result.verdict).value
    return (f'<tr class="uc" id="uc-{index}" data-i="{index}"><td class="js-only">'
            '<button type="button" class="tg" aria-expanded="false" aria-label="details">▸'
            '</button></td>'
            f'<td class="id">{_h(result.id)}</td><td>{_h(result.variant)}</td>'
            f'<td>{_h(result.title)}</td><td>{_h(", ".join(result.devices))}</td>'
            f'<td><span class="badge v-{verdict}">{verdict}</span></td>'
            f'<td class="reason">{_h(result.reason)}</td>'
            f'<td class="num">{_h(_duration(result.duration_s))}</td></tr>')


def render_html(campaign: CampaignResult) -> str:
    """The HTML report as text: the header, summary and Use Case table rendered here, the
    details and the log view rendered in the browser from the embedded JSON data (so that the
    messages' trees and hex cost no markup and no DOM until someone opens them)."""
    counts = campaign.counts()
    filters = "".join(f'<label class="chip v-{v}"><input type="checkbox" name="verdict" '
                      f'value="{v}" checked> {v} ({n})</label>' for v, n in counts.items())
    rows = "".join(_row(i, r) for i, r in enumerate(campaign.results))
    data = {"results": [_result_data(r) for r in campaign.results]}
    replacements = {
        "@TITLE@": _h(f"gfi report — {campaign.target} — {campaign.started}"),
        "@HEADER@": _header(campaign), "@SUMMARY@": _summary(campaign),
        "@FILTERS@": filters, "@ROWS@": rows, "@VERSION@": _h(gfi.__version__),
        "@CSS@": _CSS, "@JS@": _JS, "@DATA@": _script_json(data),
    }
    # One pass: what goes in (data included) is never searched for markers itself.
    return re.sub("@[A-Z]+@", lambda m: replacements[m.group()], _PAGE)


def write_html(campaign: CampaignResult, path: PathLike) -> None:
    """Write the self-contained HTML report."""
    _write(path, render_html(campaign))


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="gfi @VERSION@">
<title>@TITLE@</title>
<style>@CSS@</style>
<noscript><style>.js-only { display: none !important; }</style></noscript>
</head>
<body>
<header><h1>gfi campaign report</h1>@HEADER@</header>
<main>
<section id="summary"><h2>Summary</h2>@SUMMARY@</section>
<noscript><p class="note">The Use Case details and the log view need JavaScript; the same
data is in the JSON report.</p></noscript>
<section id="usecases"><h2>Use Cases</h2>
<div class="filters js-only" id="uc-filter">@FILTERS@
<input type="search" id="uc-q" placeholder="filter: id, title, device, tag, reason…"
 aria-label="filter the Use Cases">
<button type="button" id="uc-open">expand shown</button>
<button type="button" id="uc-close">collapse all</button>
<span class="note" id="uc-count"></span></div>
<table id="uc-table"><thead><tr><th class="js-only"></th>
<th><button type="button" data-key="id">ID</button></th>
<th><button type="button" data-key="variant">Variant</button></th>
<th><button type="button" data-key="title">Title</button></th>
<th><button type="button" data-key="devices">Devices</button></th>
<th><button type="button" data-key="verdict">Verdict</button></th>
<th><button type="button" data-key="reason">Reason</button></th>
<th><button type="button" data-key="duration">Duration</button></th>
</tr></thead><tbody id="uc-body">@ROWS@</tbody></table>
</section>
<section id="log" class="js-only"><h2>Log</h2>
<div class="filters">
<label>level ≥ <select id="log-level"><option value="0">debug</option>
<option value="1">info</option><option value="2">warning</option>
<option value="3">error</option></select></label>
<label>device <select id="log-device"><option value="">all</option></select></label>
<label>kind <select id="log-kind"><option value="">all</option><option>send</option>
<option>receive</option><option>check</option><option>log</option></select></label>
<input type="search" id="log-q" placeholder="keyword…" aria-label="filter the log">
<span class="note" id="log-count"></span></div>
<table id="log-table"><thead><tr><th>Use Case</th><th>at (s)</th><th>device</th>
<th>level</th><th>kind</th><th>step</th></tr></thead><tbody id="log-body"></tbody></table>
<button type="button" id="log-more" hidden>show more</button>
</section>
</main>
<footer class="note">Written by gfi @VERSION@.</footer>
<script type="application/json" id="gfi-data">@DATA@</script>
<script>@JS@</script>
</body>
</html>
"""

_CSS = """
:root { --pass: #1a7f37; --fail: #cf222e; --error: #bc4c00; --skip: #6e7781;
  --fg: #1f2328; --bg: #fff; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117;
  --muted: #9198a1; --line: #3d444d; --soft: #151b23; } }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg);
  margin: 0 auto; padding: 1rem 1.5rem; max-width: 1600px; }
h1 { margin: 0 0 .5rem; } h2 { border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
h3, h4 { margin: .8rem 0 .3rem; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: 0; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; overflow-wrap: anywhere; }
.note { color: var(--muted); font-size: 90%; }
.counts { display: flex; flex-wrap: wrap; gap: .5rem; }
.count { border: 1px solid var(--line); border-radius: 6px; padding: .3rem .8rem;
  min-width: 6rem; text-align: center; }
.count b { display: block; font-size: 1.6rem; }
.count.v-PASS b, .ok { color: var(--pass); } .count.v-FAIL b, .nok { color: var(--fail); }
.count.v-ERROR b { color: var(--error); } .count.v-SKIP b { color: var(--skip); }
.bar { display: flex; height: 14px; border-radius: 7px; overflow: hidden; margin: .6rem 0;
  background: var(--soft); border: 1px solid var(--line); }
.bar span.v-PASS, .badge.v-PASS { background: var(--pass); }
.bar span.v-FAIL, .badge.v-FAIL { background: var(--fail); }
.bar span.v-ERROR, .badge.v-ERROR { background: var(--error); }
.bar span.v-SKIP, .badge.v-SKIP { background: var(--skip); }
.badge { color: #fff; border-radius: 4px; padding: 0 .4rem; font-weight: 600; font-size: 85%; }
.filters { display: flex; flex-wrap: wrap; gap: .4rem .8rem; align-items: center;
  margin: .5rem 0; }
.chip { border: 1px solid var(--line); border-radius: 1rem; padding: .1rem .6rem; }
input[type=search] { min-width: 18rem; padding: .2rem .4rem; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .4rem; text-align: left;
  vertical-align: top; }
th { position: sticky; top: 0; background: var(--bg); }
th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0;
  color: inherit; cursor: pointer; }
th[aria-sort=ascending] button::after { content: " ▲"; }
th[aria-sort=descending] button::after { content: " ▼"; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.id { white-space: nowrap; font-weight: 600; }
td.reason, td.text { white-space: pre-wrap; overflow-wrap: anywhere; }
button.tg { background: none; border: 0; cursor: pointer; color: inherit; font-size: 1rem; }
button.tg[aria-expanded=true] { transform: rotate(90deg); }
tr.detail > td { background: var(--soft); padding: .5rem 1rem 1rem 2.5rem; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0 1rem; margin: 0; }
.meta dt { color: var(--muted); } .meta dd { margin: 0; white-space: pre-wrap;
  overflow-wrap: anywhere; }
pre { background: var(--bg); border: 1px solid var(--line); padding: .4rem; margin: .2rem 0;
  max-height: 30rem; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
pre.hex { word-break: break-all; font-size: 90%; }
summary { cursor: pointer; color: var(--muted); }
.sec { margin-top: .15rem; display: flex; gap: .3rem; flex-wrap: wrap; }
.sec span { border: 1px solid var(--line); border-radius: 4px; padding: 0 .3rem;
  font-size: 85%; }
.sec .good { color: var(--pass); border-color: var(--pass); }
.sec .bad { color: var(--fail); border-color: var(--fail); }
tr.lv-warning > td { background: rgba(188, 76, 0, .08); }
tr.lv-error > td { background: rgba(207, 34, 46, .10); }
footer { margin-top: 2rem; }
@media print { .filters, #log, button.tg { display: none; } th { position: static; } }
"""

_JS = r"""
"use strict";
(() => {
const R = JSON.parse(document.getElementById("gfi-data").textContent).results;
const $ = (s) => document.querySelector(s);
function el(tag, props, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") e.textContent = v; else if (k === "cls") e.className = v;
    else e.setAttribute(k, v);
  }
  for (const k of kids) if (k !== null && k !== undefined) e.append(k);
  return e;
}
const hex4 = (c) => (c === undefined || c === null) ? "" :
  Number(c).toString(16).toUpperCase().padStart(4, "0");
const at = (s) => Number(s.at || 0).toFixed(3);
const LEVELS = {debug: 0, info: 1, warning: 2, error: 3};
const ORDER = {FAIL: 0, ERROR: 1, SKIP: 2, PASS: 3};
const collator = new Intl.Collator(undefined, {numeric: true, sensitivity: "base"});

function verdictSpans(s) {
  const out = [];
  if (s.code !== undefined && s.code !== null) out.push(el("span", {text: hex4(s.code)}));
  for (const [k, v] of Object.entries(s.verdicts || {})) {
    const good = v === true || v === "valid", bad = v === false || v === "invalid";
    out.push(el("span", {cls: good ? "good" : bad ? "bad" : "", text: k + " " +
      (v === null ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v))}));
  }
  return out.length ? el("div", {cls: "sec"}, ...out) : null;
}
function lazy(label, cls, fill) {
  const pre = el("pre", {cls});
  const d = el("details", null, el("summary", {text: label}), pre);
  d.addEventListener("toggle", () => { if (d.open && !pre.firstChild) pre.textContent = fill(); });
  return d;
}
function stepText(s, full) {
  const mark = s.ok === true ? el("span", {cls: "ok", text: "✔ "}) :
    s.ok === false ? el("span", {cls: "nok", text: "✘ "}) : null;
  const td = el("td", {cls: "text"}, mark, String(s.text), verdictSpans(s));
  if (full && s.message !== undefined)
    td.append(lazy("decoded message", "json", () => JSON.stringify(s.message, null, 2)));
  if (full && s.hex) td.append(lazy("hex (" + Math.floor(s.hex.length / 2) + " bytes)", "hex",
    () => String(s.hex)));
  return td;
}
function stepRow(s, full, first) {
  return el("tr", {cls: "lv-" + s.level}, first, el("td", {cls: "num", text: at(s)}),
    el("td", {text: s.device || ""}), el("td", {text: s.level}), el("td", {text: s.kind}),
    stepText(s, full));
}

// ---- Use Case table --------------------------------------------------------------------
const body = $("#uc-body");
const rows = Array.from(body.querySelectorAll("tr.uc"));
const details = new Map();
const isOpen = (tr) => tr.querySelector("button.tg").getAttribute("aria-expanded") === "true";
function detailRow(i) {
  const r = R[i], td = el("td", {colspan: "8"}), meta = el("dl", {cls: "meta"});
  const add = (k, v) => { if (v) meta.append(el("dt", {text: k}), el("dd", {text: v})); };
  add("Use Case", r.name); add("Title", r.title); add("Devices", r.devices.join(", "));
  add("Tags", r.tags.join(", ")); add("Message code", hex4(r.code));
  add("Verdict", r.verdict); add("Reason", r.reason);
  td.append(meta);
  if (Object.keys(r.parameters).length)
    td.append(el("h4", {text: "Parameters"}),
              el("pre", {cls: "json", text: JSON.stringify(r.parameters, null, 2)}));
  const tb = el("tbody");
  for (const s of r.steps) tb.append(stepRow(s, true));
  const head = el("tr", null, ...["at (s)", "device", "level", "kind", "step"].map(
    (h) => el("th", {text: h})));
  td.append(el("h4", {text: "Steps (" + r.steps.length + ")"}),
            el("table", {cls: "steps"}, el("thead", null, head), tb));
  return el("tr", {cls: "detail"}, td);
}
function toggle(tr, open) {
  const i = Number(tr.dataset.i);
  if (open === undefined) open = !isOpen(tr);
  let d = details.get(i);
  if (open && !d) { d = detailRow(i); details.set(i, d); tr.after(d); }
  if (d) d.hidden = !open || tr.hidden;
  tr.querySelector("button.tg").setAttribute("aria-expanded", String(open));
}
body.addEventListener("click", (ev) => {
  const b = ev.target.closest("button.tg");
  if (b) toggle(b.closest("tr"));
});

const boxes = Array.from(document.querySelectorAll("#uc-filter input[name=verdict]"));
const q = $("#uc-q");
const hay = R.map((r) => [r.name, r.title, r.devices.join(" "), r.tags.join(" "), r.reason,
  r.verdict, hex4(r.code)].join("\n").toLowerCase());
function filter() {
  const on = new Set(boxes.filter((b) => b.checked).map((b) => b.value));
  const words = q.value.toLowerCase().split(/\s+/).filter(Boolean);
  let n = 0;
  for (const tr of rows) {
    const i = Number(tr.dataset.i);
    tr.hidden = !(on.has(R[i].verdict) && words.every((w) => hay[i].includes(w)));
    if (!tr.hidden) n++;
    const d = details.get(i);
    if (d) d.hidden = tr.hidden || !isOpen(tr);
  }
  $("#uc-count").textContent = n + " of " + R.length + " shown";
}
function debounce(f) { let t; return () => { clearTimeout(t); t = setTimeout(f, 150); }; }
boxes.forEach((b) => b.addEventListener("change", filter));
q.addEventListener("input", debounce(filter));
$("#uc-open").addEventListener("click",
  () => rows.forEach((tr) => { if (!tr.hidden) toggle(tr, true); }));
$("#uc-close").addEventListener("click", () => rows.forEach((tr) => toggle(tr, false)));

const KEYS = {id: (r) => r.name, variant: (r) => r.variant, title: (r) => r.title,
  devices: (r) => r.devices.join(", "), verdict: (r) => ORDER[r.verdict],
  reason: (r) => r.reason, duration: (r) => Number(r.duration)};
let sortKey = null, sortDir = 1;
document.querySelectorAll("#uc-table th button[data-key]").forEach((button) => {
  button.addEventListener("click", () => {
    const k = button.dataset.key, key = KEYS[k];
    sortDir = sortKey === k ? -sortDir : 1; sortKey = k;
    const cmp = (x, y) => typeof x === "number" ? x - y : collator.compare(x, y);
    const sorted = rows.slice().sort((a, b) =>
      sortDir * cmp(key(R[a.dataset.i]), key(R[b.dataset.i])) || a.dataset.i - b.dataset.i);
    const frag = document.createDocumentFragment();
    for (const tr of sorted) {
      frag.append(tr);
      const d = details.get(Number(tr.dataset.i));
      if (d) frag.append(d);
    }
    body.append(frag);
    document.querySelectorAll("#uc-table th").forEach((th) => th.removeAttribute("aria-sort"));
    button.parentElement.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending");
  });
});

function openHash() {
  const m = /^#uc-(\d+)$/.exec(location.hash), tr = m && document.getElementById("uc-" + m[1]);
  if (!tr) return;
  if (tr.hidden) { boxes.forEach((b) => { b.checked = true; }); q.value = ""; filter(); }
  toggle(tr, true);
  tr.scrollIntoView();
}
window.addEventListener("hashchange", openHash);

// ---- Log view ---------------------------------------------------------------------------
const PAGE = 500;
const flat = [];
R.forEach((r, i) => r.steps.forEach((s) => flat.push([i, s])));
const devices = [...new Set(flat.map(([, s]) => s.device).filter(Boolean))].sort();
const deviceSelect = $("#log-device");
for (const d of devices) deviceSelect.append(el("option", {text: d}));
let logHay = null, matches = [], shown = 0;
const logBody = $("#log-body"), more = $("#log-more");
function logFilter() {
  if (!logHay) logHay = flat.map(([i, s]) => [R[i].name, s.device, s.kind, s.text,
    hex4(s.code)].join("\n").toLowerCase());
  const min = Number($("#log-level").value), device = deviceSelect.value;
  const kind = $("#log-kind").value;
  const words = $("#log-q").value.toLowerCase().split(/\s+/).filter(Boolean);
  matches = [];
  flat.forEach(([i, s], n) => {
    if ((LEVELS[s.level] ?? 1) >= min && (!device || s.device === device) &&
        (!kind || s.kind === kind) && words.every((w) => logHay[n].includes(w)))
      matches.push(n);
  });
  logBody.replaceChildren();
  shown = 0;
  showMore();
}
function showMore() {
  const frag = document.createDocumentFragment();
  for (const n of matches.slice(shown, shown + PAGE)) {
    const [i, s] = flat[n];
    frag.append(stepRow(s, false, el("td", null, el("a", {href: "#uc-" + i, text: R[i].name}))));
  }
  shown = Math.min(matches.length, shown + PAGE);
  logBody.append(frag);
  more.hidden = shown >= matches.length;
  $("#log-count").textContent = matches.length + " of " + flat.length + " steps" +
    (shown < matches.length ? " (first " + shown + " shown)" : "");
}
more.addEventListener("click", showMore);
["#log-level", "#log-device", "#log-kind"].forEach(
  (s) => $(s).addEventListener("change", logFilter));
$("#log-q").addEventListener("input", debounce(logFilter));

filter();
logFilter();
openHash();
})();
"""
