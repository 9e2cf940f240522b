# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``gfi`` command line."""

from __future__ import annotations

import collections
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from gfi import __version__
from gfi.errors import GfiError

logger = logging.getLogger(__name__)


def _security(keys: Sequence[str], acb: str) -> Any:
    from gfi.codecs.security.gbcs import SecurityContext
    from gfi.codecs.security.keystore import InMemoryKeyStore
    from gfi.keys import load_keys

    store = load_keys(keys) if keys else InMemoryKeyStore()
    return SecurityContext(store, acb=acb)


_KEYS_OPTION = click.option(
    "--keys", "keys", multiple=True, metavar="PATH",
    help="Key directory (<eui>[-pp]-<ds|ka>.<pem|key> files), key file or DCC Boxed "
         "keystore.json. Repeatable.")
_ACB_OPTION = click.option(
    "--acb", default="90B3D51F30000002", show_default=True, metavar="EUI",
    help="Entity id of the Access Control Broker whose KA key MACs commands.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gfi")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """gfi — GBCS for Industry: decode, build and verify GBCS messages, emulate the DCC, a
    Communications Hub and the devices of a smart-metering home."""
    logging.basicConfig(
        level=logging.WARNING - 10 * min(verbose, 2),
        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


# ----------------------------------------------------------------------------
# decode
# ----------------------------------------------------------------------------
@main.command()
@_KEYS_OPTION
@_ACB_OPTION
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per message per line (JSON Lines).")
@click.option("--strict", is_flag=True,
              help="Also exit non-zero when a MAC, signature or decryption is invalid.")
@click.option("--summary/--no-summary", default=True, show_default=True,
              help="Print verdict totals on standard error at the end.")
@click.argument("inputs", nargs=-1, required=True)
def decode(keys: tuple[str, ...], acb: str, as_json: bool, strict: bool, summary: bool,
           inputs: tuple[str, ...]) -> None:
    """Decode and verify GBCS messages.

    INPUT is a hex string, a file (hex text, GFI text lines, base64 or raw binary), a
    directory (every *.hex, *.bin, *.txt, *.gbcs, *.gfi, *.b64 file below it) or - for
    standard input.
    """
    from gfi.codecs.gbcs.decoder import decode_message
    from gfi.codecs.gbcs.jsonform import to_json
    from gfi.inputs import read_inputs
    from gfi.render import render

    try:
        security = _security(keys, acb)
    except GfiError as exc:
        raise click.UsageError(str(exc)) from None
    totals: collections.Counter[str] = collections.Counter()
    failed = 0
    for item in read_inputs(inputs, sys.stdin):
        totals["messages"] += 1
        if item.data is None:
            failed += 1
            if as_json:
                click.echo(json.dumps({"source": item.source, "ok": False, "error": item.error}))
            else:
                click.echo(f"{item.source}\n  ✘ error: {item.error}")
            continue
        dm = decode_message(item.data, security=security, source=item.source)
        if not dm.ok or (strict and not dm.verdicts_ok):
            failed += 1
        for name, check in (("mac", dm.mac), ("signature", dm.signature)):
            totals[f"{name} {check.verdict.value}"] += 1
        if dm.decryption:
            totals[f"decrypted {str(dm.decrypted).lower()}"] += 1
        if as_json:
            click.echo(json.dumps(to_json(dm), separators=(",", ":")))
        else:
            click.echo(render(dm) + "\n")
    if summary:
        parts = [f"{totals['messages']} message(s), {totals['messages'] - failed} ok, "
                 f"{failed} failed"]
        for kind in ("mac", "signature"):
            counts = ", ".join(f"{v} {totals[f'{kind} {v}']}" for v in
                               ("valid", "invalid", "absent", "no-key")
                               if totals[f"{kind} {v}"])
            if counts:
                parts.append(f"{kind}: {counts}")
        if totals["decrypted true"] or totals["decrypted false"]:
            parts.append(f"decrypted: {totals['decrypted true']} "
                         f"(not: {totals['decrypted false']})")
        click.echo("; ".join(parts), err=True)
    if failed:
        sys.exit(1)


# ----------------------------------------------------------------------------
# encode
# ----------------------------------------------------------------------------
@main.command()
@_KEYS_OPTION
@_ACB_OPTION
@click.option("--json", "as_json", is_flag=True, default=True,
              help="Input is JSON Lines as written by `gfi decode --json` (the default).")
@click.option("--resign", is_flag=True,
              help="Sign again with the originator's DS private key (signed messages).")
@click.option("--remac", is_flag=True,
              help="MAC again with the key-agreement keys (MAC'd messages).")
@click.option("--sign", "force_sign", is_flag=True,
              help="Sign even if the input was not signed (adds a signature).")
@click.option("--mac", "force_mac", is_flag=True,
              help="MAC even if the input had no MAC header (adds the MAC header).")
@click.option("--gfi-lines", is_flag=True,
              help="Write GFI text lines (GBCS:DATA#0:<len>:<HEX>) instead of bare hex.")
@click.argument("inputs", nargs=-1)
def encode(keys: tuple[str, ...], acb: str, as_json: bool, resign: bool, remac: bool,
           force_sign: bool, force_mac: bool, gfi_lines: bool, inputs: tuple[str, ...]) -> None:
    """Encode messages from their JSON form (one object per line) and write their hex.

    Without --resign/--remac the signature and MAC are written exactly as given, so an edited
    field leaves them broken on purpose (negative testing). INPUT is a file or - (default).
    """
    from gfi.codecs.gbcs.jsonform import frame_from_json
    from gfi.codecs.gbcs.message import GbcsFrame
    from gfi.codecs.security.gbcs import secure

    security = None
    if resign or remac or force_sign or force_mac:
        try:
            security = _security(keys, acb)
        except GfiError as exc:
            raise click.UsageError(str(exc)) from None
    failed = 0
    for source, line_no, text in _json_lines(inputs or ("-",)):
        where = f"{source}:{line_no}"
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            click.echo(f"{where}: not JSON: {exc}", err=True)
            failed += 1
            continue
        try:
            frame = frame_from_json(obj)
            if isinstance(frame, GbcsFrame) and security is not None:
                sign = force_sign or (resign and bool(frame.signature))
                mac = force_mac or (remac and frame.mac is not None)
                frame = secure(frame, security, sign=sign, mac=mac)
            data = frame.to_bytes()
        except GfiError as exc:
            click.echo(f"{where}: {exc}", err=True)
            failed += 1
            continue
        hex_text = data.hex().upper()
        click.echo(f"GBCS:DATA#0:{len(data)}:{hex_text}" if gfi_lines else hex_text)
    if failed:
        sys.exit(1)


def _json_lines(inputs: Sequence[str]) -> Any:
    for name in inputs:
        if name == "-":
            source, lines = "<stdin>", sys.stdin.read().splitlines()
        else:
            try:
                with open(name, encoding="utf-8") as handle:
                    source, lines = name, handle.read().splitlines()
            except OSError as exc:
                raise click.UsageError(f"{name}: cannot read: {exc.strerror}") from None
        for n, line in enumerate(lines, 1):
            if line.strip():
                yield source, n, line


# ----------------------------------------------------------------------------
# simulate
# ----------------------------------------------------------------------------
@main.command()
@click.option("--premises", "count", default=1, show_default=True, type=click.IntRange(1, 50),
              help="How many premises to bring up.")
@click.option("--capture", type=click.Path(dir_okay=False), default=None,
              help="Write the HAN traffic to a pcap file Wireshark decodes (one file per "
                   "premises after the first: FILE-<n>.pcap).")
@click.option("--faults", default=None, metavar="SPEC",
              help="Radio faults on every link, e.g. 'drop=0.2,delay=5ms,seed=7'.")
@click.option("--json", "as_json", is_flag=True, help="Events as JSON Lines.")
def simulate(count: int, capture: str | None, faults: str | None, as_json: bool) -> None:
    """Bring up premises on the virtual HAN and run one exchange per payload family.

    Each premises: a Comms Hub (CHF + GPF), ESME, sleepy GSME, PPMID, HCALCS, IHD and CAD.
    CCS01 puts every device on the CHF device log (CS14 alert), they join with their
    install-code link keys, the Type 1 devices open their GBCS tunnels, the GSME sets up its
    mirror on the GPF; then one exchange per device and payload family runs (DLMS, GBZ,
    ASN.1, ZCL) and each gets a PASS or FAIL with its reason. Exit status non-zero when
    anything failed.
    """
    import asyncio

    if faults:
        from gfi.radio.faults import FaultSpec

        try:
            FaultSpec.parse(faults)
        except GfiError as exc:
            raise click.BadParameter(str(exc), param_hint="--faults") from None
    failures = asyncio.run(_simulate(count, capture, faults, as_json))
    if failures:
        sys.exit(1)


async def _simulate(count: int, capture: str | None, faults: str | None,
                    as_json: bool) -> int:
    from gfi.premises import Event, Premises
    from gfi.simulate import run_premises

    def emit(n: int, event: Event) -> None:
        if as_json:
            click.echo(json.dumps({"premises": n, "kind": event.kind, "text": event.text,
                                   **event.data}, default=str))
        else:
            click.echo(f"[{n}] {event.kind:8} {event.text}")

    failures = 0
    for n in range(count):
        p = Premises(n, on_event=lambda e, n=n: emit(n, e))
        if faults:
            p.han.set_faults(faults)
        if capture:
            from gfi.radio.capture import PcapWriter

            path = capture if n == 0 else capture.replace(".pcap", "") + f"-{n}.pcap"
            PcapWriter(path).attach(p.han, close_with=True)
        p.head.listeners.append(lambda e, n=n: emit(n, Event(
            e.direction, _summary(e.message), {"hex": e.message.raw.hex().upper()})))
        checks = await run_premises(p, lambda e, n=n: emit(n, e))
        failed = [c for c in checks if not c.ok]
        failures += len(failed)
        emit(n, Event("summary", f"{len(checks) - len(failed)} of {len(checks)} exchanges "
                                 f"passed", {"passed": len(checks) - len(failed),
                                             "failed": len(failed)}))
    return failures


# ----------------------------------------------------------------------------
# list / run (the Use Case library)
# ----------------------------------------------------------------------------
_USECASES_OPTION = click.option(
    "--usecases", "usecase_dirs", multiple=True, metavar="DIR",
    help="Also load the Use Cases in DIR (*.py with @usecase, *.yaml). Repeatable.")


def _select(usecase_dirs: tuple[str, ...], ids: Sequence[str], tags: Sequence[str],
            device: str | None, text: str | None = None) -> list[Any]:
    from gfi.authoring import load_registry

    chosen = load_registry(usecase_dirs).select(ids, tags=tags, device=device)
    if text:
        needle = text.lower()
        chosen = [u for u in chosen if needle in u.id.lower() or needle in u.title.lower()]
    return chosen


@main.command("list")
@click.option("--device", default=None, help="Only Use Cases targeting this device type.")
@click.option("--tag", "tags", multiple=True, help="Only Use Cases with this tag. Repeatable.")
@_USECASES_OPTION
@click.option("--json", "as_json", is_flag=True, help="One JSON object per Use Case.")
@click.argument("text", required=False, metavar="[FILTER]")
def list_(device: str | None, tags: tuple[str, ...], usecase_dirs: tuple[str, ...],
          as_json: bool, text: str | None) -> None:
    """Show the Use Case library: id, title, devices, variants (FILTER matches id or
    title)."""
    try:
        chosen = _select(usecase_dirs, (), tags, device, text)
    except GfiError as exc:
        raise click.ClickException(str(exc)) from None
    for uc in chosen:
        variants = [v for v in uc.variants if v]
        if as_json:
            click.echo(json.dumps({"id": uc.id, "title": uc.title, "devices": list(uc.devices),
                                   "tags": list(uc.tags), "variants": variants,
                                   "message_codes": [f"{c:04X}" for c in uc.message_codes]}))
        else:
            click.echo(f"{uc.id:24} {uc.title[:56]:56} {','.join(uc.devices):12} "
                       f"{' '.join(variants)}")
    if not as_json:
        from gfi.usecases import rtds_coverage

        covered, missing = rtds_coverage(chosen)
        click.echo(f"{len(chosen)} Use Cases, {sum(len(u.variants) for u in chosen)} "
                   f"variants; they exercise {len(covered)} of the {len(covered) + len(missing)}"
                   " message codes RTDS has vectors for"
                   + (f" (not: {' '.join(f'{c:04X}' for c in missing)})"
                      if missing and len(missing) <= 40 else ""), err=True)


@main.command()
@click.option("--all", "run_all", is_flag=True, help="Every Use Case of the library.")
@click.option("--tag", "tags", multiple=True, help="The Use Cases with this tag. Repeatable.")
@click.option("--device", default=None, help="The Use Cases targeting this device type.")
@click.option("--target", default="virtual", show_default=True, metavar="virtual|RADIO-SPEC",
              help="Where the devices are: the virtual premises (radio specs such as "
                   "ezsp:/dev/ttyUSB0 are refused until the EZSP backend exists).")
@_USECASES_OPTION
@click.option("--report-junit", type=click.Path(dir_okay=False), help="Write JUnit XML.")
@click.option("--report-html", type=click.Path(dir_okay=False), help="Write an HTML report.")
@click.option("--report-json", type=click.Path(dir_okay=False), help="Write a JSON report.")
@click.option("--capture", type=click.Path(dir_okay=False), help="Write the HAN traffic (pcap).")
@click.option("--jobs", "-j", type=int, default=1, show_default=True, metavar="N",
              help="Run variants in N worker processes (0: one per CPU).")
@click.argument("ids", nargs=-1, metavar="[ID]...")
def run(run_all: bool, tags: tuple[str, ...], device: str | None, target: str,
        usecase_dirs: tuple[str, ...], report_junit: str | None, report_html: str | None,
        report_json: str | None, capture: str | None, jobs: int, ids: tuple[str, ...]) -> None:
    """Run a campaign of Use Cases: PASS/FAIL/ERROR per Use Case variant with the reason;
    exit status non-zero on any FAIL or ERROR."""
    import asyncio

    from gfi.campaign import check_target

    if not (run_all or ids or tags or device):
        raise click.UsageError("say what to run: --all, Use Case ids, --tag or --device")
    try:
        check_target(target)
        chosen = _select(usecase_dirs, ids, tags, device)
    except GfiError as exc:
        raise click.ClickException(str(exc)) from None
    if not chosen:
        raise click.ClickException("no Use Case matches (see `gfi list`)")
    total = sum(len(u.variants) for u in chosen)
    jobs = jobs or os.cpu_count() or 1
    try:
        campaign = asyncio.run(_run_with_progress(chosen, total, target, capture, jobs,
                                                  usecase_dirs))
    except GfiError as exc:
        raise click.ClickException(str(exc)) from None
    from gfi import reports

    for path, write in ((report_junit, reports.write_junit), (report_json, reports.write_json),
                        (report_html, reports.write_html)):
        if path:
            write(campaign, path)
    counts = campaign.counts()
    click.echo(" ".join(f"{k} {v}" for k, v in counts.items() if v or k == "PASS") +
               f" of {len(campaign.results)} in {campaign.duration_s:.1f} s")
    if not campaign.ok:
        sys.exit(1)


async def _run_with_progress(chosen: list[Any], total: int, target: str,
                             capture: str | None, jobs: int,
                             usecase_dirs: tuple[str, ...]) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from gfi import reports
    from gfi.campaign import run_campaign

    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True,
                  disable=not console.is_terminal) as progress:
        task = progress.add_task("running", total=total)

        def on_result(result: Any) -> None:
            click.echo(reports.render_console(result))
            progress.advance(task)

        return await run_campaign(chosen, target=target, capture=capture, on_result=on_result,
                                  jobs=min(jobs, total), usecase_dirs=usecase_dirs)


def _summary(dm: Any) -> str:
    f = dm.frame
    if f is None:
        return f"undecodable: {dm.error}"
    name = f"{dm.info.use_case or ''} {dm.info.name}" if dm.info else "unknown code"
    return (f"{f.message_code:04X} {name} {f.cra.label} {f.originator}→{f.recipient} "
            f"counter {f.counter} mac={dm.mac.verdict.value} "
            f"signature={dm.signature.verdict.value}")


if __name__ == "__main__":  # pragma: no cover
    main()
