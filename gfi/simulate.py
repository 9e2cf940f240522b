# SPDX-License-Identifier: GPL-3.0-or-later
"""``gfi simulate``: premises on the virtual HAN and one representative exchange per payload
family per device (issue 3). :data:`EXCHANGES` declares them; :func:`run_premises` brings a
premises up, runs them and reports a :class:`Check` for each — a verdict with its reason,
never an exception escaping for a device's misbehaviour.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from gfi.codecs.gbcs import build
from gfi.codecs.gbcs.catalogue import PayloadFamily
from gfi.codecs.gbcs.decoder import DecodedMessage, encode_payload
from gfi.codecs.security.gbcs import Verdict
from gfi.errors import GfiError
from gfi.headend import alert_code_of
from gfi.premises import SUPPLIER, Event, Premises


@dataclass
class Check:
    """The verdict of one exchange."""

    device: str
    family: str
    title: str
    ok: bool
    reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def message_verdict(dm: DecodedMessage | None) -> tuple[bool, str, dict[str, Any]]:
    """Is a received message sound: decoded, MAC and signature valid where present,
    encrypted parts decrypted?"""
    if dm is None:
        return False, "nothing received", {}
    verdicts = {"mac": dm.mac.verdict.value, "signature": dm.signature.verdict.value,
                "decrypted": dm.decrypted}
    problems = []
    if not dm.ok:
        problems.append(f"undecodable: {dm.error}")
    for what, check in (("MAC", dm.mac), ("signature", dm.signature)):
        if check.verdict not in (Verdict.VALID, Verdict.ABSENT):
            problems.append(f"{what} {check.verdict.value}: {check.detail}")
    if dm.decrypted is False:
        problems.append("encrypted content did not decrypt")
    return not problems, "; ".join(problems) or "verified", verdicts


def _dlms_results_ok(dm: DecodedMessage) -> str:
    results = (dm.payload or {}).get("results", [])
    bad = [r for r in results if r.get("result") not in (0, "success")]
    return f"DLMS results {bad}" if bad else ""


def _gbz_statuses(dm: DecodedMessage) -> str:
    """Failures inside a GBZ response: Default Responses with a failure status or read
    records that are not SUCCESS."""
    problems = []
    for comp in (dm.payload or {}).get("components", []):
        frame = comp.get("frame") or {}
        payload = frame.get("payload") or {}
        if frame.get("command_id") == 0x0B and payload.get("status") not in (None, "success"):
            problems.append(f"default response {payload.get('status')}")
        for record in payload.get("records", []) if isinstance(payload, dict) else []:
            if record.get("status") not in (None, "success"):
                problems.append(f"attribute 0x{record['attribute_id']:04X} {record['status']}")
    return ", ".join(problems)


Runner = Callable[[Premises], Awaitable[Check]]


@dataclass(frozen=True)
class Exchange:
    device: str
    family: str
    title: str
    run: Runner


async def _command(p: Premises, device: str, family: str, title: str, code: int,
                   recipient: str, payload: Any, *,
                   inner: Callable[[DecodedMessage], str] | None = None) -> Check:
    dm = await p.through_queue(p.head.send(p.head.command(
        code, originator=SUPPLIER, recipient=recipient, payload=payload), timeout=10),
        recipient)
    ok, reason, data = message_verdict(dm)
    if ok and inner is not None and dm is not None:
        problem = inner(dm)
        ok, reason = (False, problem) if problem else (True, reason)
    return Check(device, family, title, ok, reason, data)


async def _cs14(p: Premises) -> Check:
    dm = await p.head.expect_alert(0x0018, timeout=5)
    ok, reason, data = message_verdict(dm)
    if ok and alert_code_of(dm) != 0x8F12:
        ok, reason = False, f"alert code {alert_code_of(dm)} is not 0x8F12"
    return Check("CHF", "DLMS", "CCS01 device log change raised CS14 (0x8F12)", ok, reason, data)


async def _ecs17b(p: Premises) -> Check:
    return await _command(p, "ESME", "DLMS", "ECS17b import registers (encrypted)", 0x0027,
                          p.esme_id, lambda c: build.ecs17b_payload(c, SUPPLIER, p.esme_id),
                          inner=_dlms_results_ok)


def _asn1_read(device: str, code: int, title: str) -> Runner:
    async def run(p: Premises) -> Check:
        payload = encode_payload(PayloadFamily.ASN1, {"schema": title.split()[0] + ".command"})
        return await _command(p, device, "ASN.1", title, code, p.ids[device], payload)
    return run


async def _gcs13b(p: Premises) -> Check:
    return await _command(p, "GSME", "GBZ", "GCS13b block counters (encrypted) through the "
                          "GPF queue", 0x00B8, p.gsme_id, build.gcs13b_payload(),
                          inner=_gbz_statuses)


async def _gcs13c(p: Premises) -> Check:
    payload = build.gbz_payload([build.read_attributes(
        build.METERING_CLUSTER, [0x0302, 0x0301, 0x0300, 0x0100, 0x0102])])
    return await _command(p, "GPF", "GBZ", "GCS13c TOU registers answered by the GPF from "
                          "its mirror", 0x00B6, p.gpf_id, payload, inner=_gbz_statuses)


async def _pcs01(p: Premises) -> Check:
    before = p.gsme_credit()
    result = await p.through_queue(p.ppmid.top_up(p.utrn(1000), meter=p.gsme_id), p.gsme_id)
    after = p.gsme_credit()
    problems = [] if result.accepted else [result.verdict]
    if after <= before:
        problems.append(f"GSME credit did not rise ({before} → {after})")
    if result.credit_remaining is not None and result.credit_remaining != after:
        problems.append(f"the GSME reported credit {result.credit_remaining}, holds {after}")
    return Check("PPMID", "GBZ", "PCS01 £10 top-up keyed in at the PPMID, applied by the GSME",
                 not problems, "; ".join(problems) or f"credit {before} → {after}",
                 {"credit_before": before, "credit_after": after})


async def _hcalcs_switch(p: Premises) -> Check:
    """ECS47 (0x0055) on the ESME switches auxiliary load 1 on; the ESME drives its HCALCS
    over DRLC and the HCALCS confirms."""
    from gfi.codecs.dlms import dlms_invoke_id, encode_dlms_payload

    def payload(counter: int) -> bytes:
        return encode_dlms_payload({
            "apdu": "access-request", "invoke_id": dlms_invoke_id(counter), "date_time": "",
            "specs": [{"choice": "action", "descriptor": {
                "class_id": 70, "obis": "0-1:96.3.10.255", "method_id": 2}}],
            "data": [{"type": "integer", "value": 0}]})

    check = await _command(p, "HCALCS", "DLMS+ZCL", "ECS47 on the ESME switches the HCALCS "
                           "load on over DRLC", 0x0055, p.esme_id, payload,
                           inner=_dlms_results_ok)
    await p.settle()
    problems = [] if check.ok else [check.reason]
    if not p.hcalcs.switch.on:
        problems.append("the HCALCS load is still off")
    if p.esme.load_control.confirmed(1) is not True:
        problems.append("the ESME has no confirmation from its HCALCS")
    check.ok, check.reason = not problems, "; ".join(problems) or "load on, confirmed"
    return check


def _display(name: str) -> Runner:
    async def run(p: Premises) -> Check:
        view = await p.display(name).refresh()
        missing = [k for k in ("electricity_import", "gas_import") if view.values[k] is None]
        return Check(name, "ZCL", "reads consumption, price and credit from the ESME and "
                     "the GPF mirror", not missing,
                     f"no {', '.join(missing)}" if missing else view.text(),
                     {"values": view.values})
    return run


EXCHANGES: tuple[Exchange, ...] = (
    Exchange("CHF", "DLMS", "CS14", _cs14),
    Exchange("ESME", "DLMS", "ECS17b", _ecs17b),
    Exchange("ESME", "ASN.1", "CS07", _asn1_read("ESME", 0x0013, "CS07 read join details")),
    Exchange("GSME", "GBZ", "GCS13b", _gcs13b),
    Exchange("GPF", "GBZ", "GCS13c", _gcs13c),
    Exchange("PPMID", "GBZ", "PCS01", _pcs01),
    Exchange("HCALCS", "DLMS+ZCL", "ECS47", _hcalcs_switch),
    Exchange("PPMID", "ASN.1", "CS08", _asn1_read("PPMID", 0x0129,
                                                  "CS08 read PPMID firmware version")),
    Exchange("HCALCS", "ASN.1", "CS08", _asn1_read("HCALCS", 0x0129,
                                                   "CS08 read HCALCS firmware version")),
    Exchange("IHD", "ZCL", "read", _display("IHD")),
    Exchange("CAD", "ZCL", "read", _display("CAD")),
)


async def run_premises(p: Premises, emit: Callable[[Event], None],
                       exchanges: tuple[Exchange, ...] = EXCHANGES) -> list[Check]:
    """Start ``p``, run every exchange, stop it; one :class:`Check` per exchange (plus one
    for bring-up or background failures, if any)."""
    checks: list[Check] = []

    def record(check: Check) -> None:
        checks.append(check)
        emit(Event("result", f"{check.device} {check.family} {check.title}: "
                             f"{'PASS' if check.ok else 'FAIL'} ({check.reason})",
                   {"ok": check.ok, "device": check.device, "family": check.family,
                    "reason": check.reason, **check.data}))

    try:
        try:
            await p.start()
        except (GfiError, TimeoutError, LookupError, ConnectionError) as exc:
            record(Check("premises", "-", "bring-up", False, f"{type(exc).__name__}: {exc}"))
            return checks
        for exchange in exchanges:
            try:
                record(await exchange.run(p))
            except (GfiError, TimeoutError, LookupError, ConnectionError) as exc:
                record(Check(exchange.device, exchange.family, exchange.title, False,
                             f"{type(exc).__name__}: {exc}"))
    finally:
        await p.stop()
        for exc in p.errors:
            record(Check("premises", "-", "background work", False,
                         f"{type(exc).__name__}: {exc}"))
    return checks
