# SPDX-License-Identifier: GPL-3.0-or-later
"""Every Use Case of the catalogue (gfi.usecases.catalogue), run by one mechanism: declared
data, not 233 hand-written functions (issue 4).

For one variant the runner

1. sends from the RTDS command's originator to the device that RTDS addressed (premises 0
   uses the RTDS device ids; other premises map them by role), with the RTDS other-
   information (a fresh supplementary counter where RTDS had one);
2. builds the payload from the variant's named parameters (defaults: the RTDS example),
   setting what belongs to this exchange: the DLMS invoke-id, the transaction id,
   originator and recipient of a protected read — and, for a future-dated variant, every
   execution time RTDS set in the future, to one hour after the device's clock;
3. sends it with the protection its criticality requires and verifies the response (MAC,
   signature, decryption; counter and entity ids matched by the head end);
4. checks the response says what the RTDS response of the same variant says: DLMS result
   per request, GBZ cluster / command / status per component, ASN.1 response code;
5. for a future-dated variant, moves the simulated clock past the execution time and awaits
   each alert RTDS shows (e.g. 0x00CC Future Dated Execution alert).

Credential commands without an RTDS command (CS02b modes, CS02d) carry placeholder
certificates in the library; step 2 replaces them with credentials computed from the
session's premises (:mod:`gfi.usecases.credentials`), and once the device reports success
the head end adopts the new keys.

Use cases that GBCS defines as alerts only have no command of their own: the alert Use
Cases (:mod:`gfi.usecases.alerts`, ``alerts_hub``, ``alerts_device``) provoke and check them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from gfi.api import REGISTRY, Registry, Session, UseCase
from gfi.codecs.dlms import dlms_invoke_id
from gfi.codecs.gbcs import build
from gfi.codecs.gbcs.catalogue import Criticality, PayloadFamily
from gfi.codecs.gbcs.decoder import DecodedMessage, encode_payload
from gfi.codecs.gbcs.message import DlmsDateTime
from gfi.emulators.device import HardwareFault, gbz_time
from gfi.premises import ACB, SUPPLIER
from gfi.usecases import credentials
from gfi.usecases.catalogue import UseCaseDef, VariantDef, use_cases
from gfi.usecases.params import (
    Param,
    asn1_statuses,
    parameters,
    payload_tree,
    response_summary,
)

#: RTDS device ids (gbcs-protocol.md §1.5) → the device of a premises.
RTDS_DEVICES = {
    "00DB1234567890A0": "ESME", "00DB1234567890A1": "GSME", "00DB1234567890A2": "CHF",
    "00DB1234567890A3": "GPF", "00DB1234567890A4": "PPMID", "00DB1234567890A5": "HCALCS",
    "00DB1234567890A6": "ESME",
}
#: Where a built entry's target names a device (§3 "Target"; "*" and "?" mark inferences).
_DEVICE_NAMES = ("ESME", "GSME", "CHF", "GPF", "PPMID", "HCALCS")
#: RTDS execution times lie in 2030 and later: such a time is "in the future".
FUTURE = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
#: How far ahead of the device clock a future-dated variant is set to execute.
LEAD = dt.timedelta(hours=1)
ZCL_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_GENERALIZED = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$")


def device_of(defn: UseCaseDef, variant: VariantDef) -> str:
    """The premises device a variant is sent to."""
    if variant.recipient in RTDS_DEVICES:
        return RTDS_DEVICES[variant.recipient]
    for target in defn.target:
        for name in (part.strip("*? ") for part in target.split("/")):
            if name in _DEVICE_NAMES:
                return name
    # "any" (CS use cases apply to every Type 1 device): the ESME, as RTDS mostly does
    return "ESME"


def originator_of(defn: UseCaseDef, variant: VariantDef) -> str:
    """Who sends it: the RTDS command's originator, else the supplier (the ACB on the
    supplier's behalf for the Comms Hub Function, as RTDS does)."""
    if variant.originator:
        return variant.originator
    return ACB if device_of(defn, variant) == "CHF" else SUPPLIER


def _moment(param: Param) -> dt.datetime | None:
    """The instant a datetime parameter's default names (None: not a plain instant)."""
    value = param.default
    try:
        if param.form == "utc-seconds" and isinstance(value, int):
            return ZCL_EPOCH + dt.timedelta(seconds=value)
        if param.form == "generalized-time" and isinstance(value, str):
            m = _GENERALIZED.match(value)
            return dt.datetime(*map(int, m.groups()), tzinfo=dt.UTC) if m else None
        if param.form == "dlms-date-time" and isinstance(value, str) and len(value) == 24:
            raw = bytes.fromhex(value)
            year, month, day = int.from_bytes(raw[:2], "big"), raw[2], raw[3]
            if year == 0xFFFF or month > 12 or day > 31:
                return None
            return dt.datetime(year, month, day, raw[5] % 24, raw[6] % 60, raw[7] % 60,
                               tzinfo=dt.UTC)
    except (ValueError, OverflowError):
        return None
    return None


def time_overrides(defn: UseCaseDef, variant: VariantDef, when: dt.datetime, *,
                   future_only: bool = False) -> dict[str, dt.datetime]:
    """Every time the variant names (a log period, a snapshot range — or with
    ``future_only`` only its execution times, those set in the future), moved to ``when``."""
    out = {}
    for name, param in parameters(defn, variant).items():
        if param.type == "datetime" and param.alias_of is None:
            moment = _moment(param)
            if moment is not None and (not future_only or moment >= FUTURE):
                out[name] = when
    return out


def _header(s: Session, defn: UseCaseDef, variant: VariantDef) -> dict[str, Any]:
    header: dict[str, Any] = {}
    if defn.criticality is Criticality.MIXED:  # the variant says which (CS02a, CS02f)
        header["criticality"] = Criticality.CRITICAL_NO_MAC if "SIGNATURE" in variant.name \
            else Criticality.NON_CRITICAL
    for key, value in variant.header.items():
        if key == "execution":
            continue
        if key == "certificate":
            header[key] = bytes.fromhex(value)
        elif key == "date_time":
            header[key] = DlmsDateTime.from_bytes(bytes.fromhex(value))
        elif key == "supplementary_remote_party_counter":
            header[key] = s.head.next_counter(variant.header["supplementary_remote_party_id"])
        else:
            header[key] = value
    return header


def _exchange_values(defn: UseCaseDef, variant: VariantDef, counter: int, originator: str,
                     recipient: str) -> dict[str, Any]:
    """Parameters that belong to this exchange rather than to the test."""
    names = parameters(defn, variant)
    values: dict[str, Any] = {}
    if "invoke_id" in names:
        values["invoke_id"] = dlms_invoke_id(counter)
    if "protection_transaction_id" in names:
        values["protection_transaction_id"] = f"04{counter:016X}"
        values["protection_originator"] = originator
        values["protection_recipient"] = recipient
    return values


def _agrees(family: PayloadFamily, got: dict[str, Any], want: dict[str, Any], *,
            strict_not_found: bool = False) -> str:
    """'' when the device's response says what RTDS's says, else what differs. Where RTDS
    found nothing (NOT_FOUND) and the device returns data, the device simply holds more
    history than the RTDS device — unless the variant is about finding nothing."""
    if family is PayloadFamily.GBZ:
        g, w = got.get("components", []), want.get("components", [])
        if len(g) != len(w):
            return f"{len(g)} response components, RTDS has {len(w)}"
        for i, (a, b) in enumerate(zip(g, w, strict=True)):
            if not strict_not_found and b[2] == "not_found" and a[0] == b[0] and \
                    a[2] in (None, "success"):
                continue  # the device holds data the RTDS device did not: not a failure
            if a != b:
                return (f"component {i}: (cluster, command, status, records, encrypted, "
                        f"sequence number) "
                        f"{a}, RTDS {b}")
        return ""
    for key in sorted(want):
        if got.get(key) != want[key]:
            return f"{key} {got.get(key)}, RTDS {want[key]}"
    return ""


async def from_ppmid(s: Session, defn: UseCaseDef, variant: VariantDef,
                     pence: int = 1000, **overrides: Any) -> None:
    """PCS01 / PCS02: the consumer uses the PPMID; its command goes device to device
    through the Comms Hub (the GPF queue for the sleepy GSME) and its answer comes back to
    the PPMID, which verifies it (gfi.emulators.ppmid)."""
    p = s.premises
    store = p.gsme.gbz.store(0x0705)
    if defn.message_code == 0x0090:  # PCS02 needs emergency credit to be available:
        # the supplier first sets the credit below the threshold (GCS40c, absolute)
        low = int(store.get(0x0011)) // 2 if store is not None else 0
        await s.send(0x00C0, to="GSME", payload=build.gbz_payload([(
            0x0705, 0x05, "cluster_specific", "client_to_server", {
                "issuer_event_id": gbz_time(p.now()), "start_time": 0,
                "credit_adjustment_type": 1, "credit_adjustment_value": low})]))
        s.log(f"precondition: the supplier set the GSME credit to {low} (GCS40c)")
        action = p.ppmid.emergency_credit(meter=p.gsme_id)
    else:
        action = p.ppmid.top_up(p.utrn(pence), meter=p.gsme_id)
    before = p.gsme_credit()
    result = await p.through_queue(action, p.gsme_id)
    s.log(f"PPMID: {result.verdict}")
    s.check(result.authentic, f"the GSME's answer to the PPMID is authentic ({result.verdict})")
    s.check(result.accepted, f"the GSME accepts the PPMID's {defn.id} ({result.verdict})")
    if defn.message_code == 0x009B:
        after = p.gsme_credit()
        s.check(after > before, f"the GSME credit rises ({before} → {after})")


async def run_variant(s: Session, defn: UseCaseDef, variant_name: str,
                      **overrides: Any) -> DecodedMessage | None:
    """Run one variant (the module docstring); returns the verified response."""
    variant = defn.variant(variant_name or "default")
    if RTDS_DEVICES.get(variant.originator) == "PPMID":
        await from_ppmid(s, defn, variant, **overrides)
        return None
    device = device_of(defn, variant)
    originator = originator_of(defn, variant)
    recipient = s.id(device)
    execution = variant.header.get("execution")
    when = s.premises.now() + LEAD
    if execution == "future-dated":
        overrides = time_overrides(defn, variant, when, future_only=True) | overrides
    if "NOT_FOUND" in variant.name:  # a period the device holds nothing for
        overrides = time_overrides(defn, variant, s.premises.now() + dt.timedelta(days=1)) \
            | overrides
    # credential commands: the premises' new credentials instead of the placeholders
    creds = credentials.credentials_for(s.premises, defn, variant, device)
    if creds is not None:
        overrides = creds.overrides | overrides

    built: dict[str, Any] = {}  # the command's tree, for the meaning check

    def payload(counter: int) -> bytes:
        values = _exchange_values(defn, variant, counter, originator, recipient) | overrides
        built["tree"] = payload_tree(defn, variant, **values)
        return encode_payload(defn.family, built["tree"])

    fault = rtds_fault(defn, variant)
    if fault is not None:
        s.inject_fault(device, fault)
    response = await s.send(defn.message_code, to=device, payload=payload,
                            originator=originator, **_header(s, defn, variant))
    if variant.response is not None and response.payload is not None:
        differs = _agrees(defn.family, response_summary(defn.family, response.payload),
                          variant.response, strict_not_found="NOT_FOUND" in variant.name)
        s.check(not differs, "the response says what the RTDS response of "
                             f"{variant.name} says" + (f": {differs}" if differs else ""))
    failed = failures(defn.family, response.payload) if response.payload is not None \
        else None
    if variant.response is None and failed is not None and \
            not any(w in variant.name for w in ("ERROR", "NOT_FOUND")):
        s.check(not failed, "the device reports success (no RTDS response to compare with)"
                + (f": {'; '.join(failed[:3])}" if failed else ""))
    if creds is not None and failed == []:
        credentials.adopt(s.premises, creds)
    if execution in (None, "immediate") and response.payload is not None:
        check_meaning(s, defn, device, built["tree"], response.payload)
    if execution == "future-dated" and variant.expects_alerts:
        await s.advance_to(when + dt.timedelta(minutes=1))
        for code in sorted(set(variant.expects_alerts)):
            await s.expect_alert(code, originator=device, timeout=5)
    return response


def failures(family: PayloadFamily, payload: dict[str, Any]) -> list[str]:
    """Where a response reports a failure: DLMS results other than success (0), ZCL
    statuses other than SUCCESS / NOT_FOUND, ASN.1 statuses and response codes other than
    success (§2.2–2.4)."""
    if family is PayloadFamily.ASN1:
        return [f"{where}: {key} {value} ({_name_at(payload, where, key)})"
                for where, key, value in asn1_statuses(payload) if value != 0]
    summary = response_summary(family, payload)  # DLMS results, GBZ (…, status, records, …)
    out = [f"request {i}: DLMS result {r}"
           for i, r in enumerate(summary.get("results", [])) if r != 0]
    for i, (_, command, status, records, *_) in enumerate(summary.get("components", [])):
        out += [f"component {i}: ZCL {st}" for st in ([status] if command == 0x0B else records)
                if st not in (None, "success", "not_found")]
    return out


def _name_at(payload: dict[str, Any], where: str, key: str) -> Any:
    """The informational ``<key>_name`` beside a value found by :func:`asn1_statuses`."""
    node: Any = payload
    for part in where.replace("[", ".[").split(".") if where != "response" else []:
        node = node[int(part[1:-1])] if part.startswith("[") else node.get(part, {})
    return node.get(f"{key}_name") if isinstance(node, dict) else None


def _same(a: Any, b: Any) -> bool:
    """DLMS data items equal in type and value (informational names ignored)."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = {k for k in a.keys() | b.keys() if not k.endswith("_name")}
        return all(_same(a.get(k), b.get(k)) for k in keys)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, str) and isinstance(b, str):
        return a.upper() == b.upper()
    return bool(a == b)


def check_meaning(s: Session, defn: UseCaseDef, device: str, request: dict[str, Any],
                  response: dict[str, Any]) -> None:
    """What a successful immediate command means, checked against the device's state: a
    value read is what the device holds; a value written is what it now holds (DLMS get /
    set, GBZ Read / Write Attributes). Reads of computed values and encrypted content are
    not compared."""
    p = s.premises
    if defn.family is PayloadFamily.DLMS and device in ("ESME", "CHF"):
        cosem = p.esme.cosem if device == "ESME" else p.hub.chf_model  # type: ignore[union-attr]
        specs, results = request.get("specs", []), response.get("results", [])
        data_in, data_out = request.get("data", []), response.get("data", [])
        for i, (spec, result) in enumerate(zip(specs, results, strict=False)):
            d = spec.get("descriptor", {})
            if result.get("result") not in (0, "success") or cosem.find(d.get("obis", "")) \
                    is None or spec.get("choice") not in ("get", "set"):
                continue
            try:
                held = cosem.value(d["obis"], int(d.get("attribute_id", 0)))
            except (ValueError, KeyError):
                continue  # computed: no stable value to compare
            if spec["choice"] == "get" and i < len(data_out):
                s.check(_same(data_out[i], held), f"{d['obis']} attribute "
                        f"{d.get('attribute_id')} read is what the {device} holds")
            elif spec["choice"] == "set" and i < len(data_in):
                s.check(_same(data_in[i], held), f"{d['obis']} attribute "
                        f"{d.get('attribute_id')} written is what the {device} now holds")
    elif defn.family is PayloadFamily.GBZ and device in ("GSME", "GPF"):
        model = p.gsme.gbz if device == "GSME" else p.hub.gpf_model  # type: ignore[union-attr]
        for ask, answer in zip(request.get("components", []),
                               response.get("components", []), strict=False):
            frame, reply = ask.get("frame") or {}, answer.get("frame") or {}
            if (answer.get("control") or {}).get("encrypted") or \
                    frame.get("frame_control", {}).get("frame_type") != "profile_wide":
                continue
            store = model.store(int(ask.get("cluster_id", 0)))
            if device == "GPF" and p.hub is not None:
                store = p.hub.mirror.store(int(ask.get("cluster_id", 0))) or store
            if store is None:
                continue
            if frame.get("command_id") == 0x00 and reply.get("command_id") == 0x01:
                for record in (reply.get("payload") or {}).get("records", []):
                    if record.get("status") == "success":
                        held = store.get(record["attribute_id"])
                        s.check(_same(record.get("value"), held),
                                f"cluster 0x{ask['cluster_id']:04X} attribute "
                                f"0x{record['attribute_id']:04X} read ({record.get('value')!r})"
                                f" is what the {device} holds ({held!r})")
            elif frame.get("command_id") in (0x02, 0x03, 0x05):
                for record in (frame.get("payload") or {}).get("records", []):
                    held = store.get(record["attribute_id"])
                    s.check(_same(record.get("value"), held),
                            f"cluster 0x{ask['cluster_id']:04X} attribute "
                            f"0x{record['attribute_id']:04X} written is what the {device} "
                            "now holds")


def _fault_at(variant: VariantDef, reply_index: int) -> int:
    """The request a failing reply answers: the request whose ZCL transaction sequence
    number the reply echoes (ZCL §2.4.1.3)."""
    sequence = (variant.response or {})["components"][reply_index][5]
    for i, request in enumerate(variant.payload.get("components", [])):
        if (request.get("frame") or {}).get("sequence_number") == sequence:
            return i
    return reply_index


def rtds_fault(defn: UseCaseDef, variant: VariantDef) -> HardwareFault | None:
    """The device condition an RTDS ERROR or NOT_FOUND scenario shows, for the emulated
    device to reproduce: a hardware fault at the first failing request, or (NOT_FOUND with
    the same request as a success) no data from the first request that finds none. None
    when the scenario needs no condition."""
    r = variant.response or {}
    code = defn.message_code
    if 1 in r.get("results", []):
        return HardwareFault(at=r["results"].index(1), message_code=code)
    for i, component in enumerate(r.get("components", [])):
        if component[2] == "hardware_failure" or "hardware_failure" in component[3]:
            return HardwareFault(at=_fault_at(variant, i), message_code=code,
                                 records=tuple(component[3]))
        if component[2] == "not_found" and "NOT_FOUND" in variant.name and \
                variant.payload == defn.variants[0].payload:
            return HardwareFault(at=_fault_at(variant, i), message_code=code,
                                 status="not_found", then="not_found")
    if r.get("response_code") not in (None, 0) and "ERROR" in variant.name:
        return HardwareFault(message_code=code, asn1_response_code=r["response_code"])
    # CS02a/f roles, CS02b/g cells (§2.4); 25 "not found" is what a device holding no such
    # cells answers by itself, not a fault
    statuses = r.get("statuses") or []
    if "ERROR" in variant.name and any(status not in (0, 25) for status in statuses):
        at = next(i for i, status in enumerate(statuses) if status not in (0, 25))
        return HardwareFault(at=at, message_code=code, asn1_response_code=statuses[at])
    return None


def _runner(defn: UseCaseDef) -> Any:
    async def run(s: Session, variant: str = "", **overrides: Any) -> None:
        await run_variant(s, defn, variant, **overrides)
    run.__qualname__ = run.__name__ = f"run_{defn.id}"
    return run


def register(registry: Registry = REGISTRY) -> list[str]:
    """Register every runnable catalogue entry; the ids added."""
    added = []
    for defn in use_cases():
        if defn.alert_only or not defn.buildable or not defn.variants:
            continue
        devices = sorted({device_of(defn, v) for v in defn.variants})
        registry.add(UseCase(defn.id, defn.title, _runner(defn), tuple(devices),
                             (*defn.tags, defn.source),
                             tuple(v.name for v in defn.variants), (defn.message_code,)))
        added.append(defn.id)
    return added
