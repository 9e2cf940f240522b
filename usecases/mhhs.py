# SPDX-License-Identifier: GPL-3.0-or-later
"""Market-wide half-hourly settlement (MHHS): a Meter Data Retriever reads the half-hourly
profile logs of a premises (product.md §4.7; gbcs-protocol.md Appendix A 0036/0037/0038,
Appendix B 0078).

The retriever is a party the devices do not know (an "unknown remote party", URP): it has a
key-agreement key pair and certificate (:class:`~gfi.emulators.identity.RemoteParty`,
seeded) and nothing else. The Access Control Broker originates each read on its behalf with
the other-information's certificate form — supplementary remote party id and counter, then
the retriever's KA certificate (gbcs-protocol.md §1.4, length > 26) — and the device answers
with the 26-byte form (its own counter for the encryption). The head end holds the
retriever's private KA key, so it decrypts what the device encrypts for the retriever.

What is encrypted, and why:

* ECS22b (0x0037, active import) — a Data Protection "get protected attributes" read; the
  profile data is Sensitive, so the ESME encrypts it end to end for the retriever.
* GCS17 (0x0078) — Metering GetSampledData sent to the GPF, which answers for the GSME
  (product.md §4.3: "GPF primary and for any Remote Party"); the GetSampledDataResponse is
  encrypted (RTDS 4.8.1 GCS17), here for the retriever.
* ECS22a (0x0036, export) and ECS22c (0x0038, reactive import) — a plain get-with-selection
  (range descriptor, as RTDS 4.8.3 ECS22a). The device answers them in clear: the RTDS
  ECS22a response carries no encrypted data, so only the response MAC protects them and the
  retriever's certificate goes unused. Every slot is still checked.
* MHHS-SEALED shows that a party the device knows cannot read what was encrypted for the
  retriever: with every key the head end holds except the retriever's, the response still
  verifies but does not decrypt.

The period: the ``days`` × 48 half hours that ended by the premises clock (a rolling window;
the ESME stamps an entry with the end of its half hour, the GSME a sample with its start).
Every slot is checked against the device's own log, read in-process from the emulator model
(the ESME's COSEM model, the GSME's own ZSE model — not the GPF that answered): as many
entries as the device holds for the period, timestamps 30 minutes apart except where the
device's log itself has a gap, every value equal; a failure names the first bad slot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

from gfi.api import (
    ACB,
    SAMPLE_LOG_PROFILE,
    DecodedMessage,
    GbcsFrame,
    InMemoryKeyStore,
    KeyEntry,
    KeyUsage,
    RemoteParty,
    SecurityContext,
    SecurityVerdict,
    Session,
    build,
    decode_message,
    dlms_invoke_id,
    encode_dlms_payload,
    usecase,
)

#: The test Meter Data Retriever (an organisation id no device knows).
RETRIEVER = "90B3D51F30990001"
#: Seed of the retriever's key pair and certificate (deterministic TEST keys).
SEED = "gfi"
HALF_HOUR = 1800
DAY = 86400
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
TAGS = ("mhhs", "read", "urp")

#: ESME half-hourly Profile Data Logs (product.md §4.7; gbcs-protocol.md Appendix A).
ACTIVE_IMPORT_LOG = "0-0:99.1.0.255"
EXPORT_LOG = "0-0:99.1.1.255"
REACTIVE_IMPORT_LOG = "0-0:99.1.2.255"
#: The restricting object of the RTDS ECS22a range read: GBCS UTC time 0-0:94.44.100.255.
UTC_TIME_LN = "00005E2C64FF"
METERING = 0x0702
GET_SAMPLED_DATA, GET_SAMPLED_DATA_RESPONSE = 0x08, 0x07

#: One half-hour entry: (GBCS UTC seconds of the end of the half hour, its values).
Slot = tuple[int, tuple[Any, ...]]


# ----------------------------------------------------------------------------
# The retriever and its reads
# ----------------------------------------------------------------------------
def retriever_party(s: Session, entity_id: str) -> RemoteParty:
    """The Meter Data Retriever (seeded), its private KA key put in the head end's key store
    so that the head end decrypts what devices encrypt for it."""
    party = RemoteParty.create(entity_id, seed=SEED)
    party.publish(s.head.keys, private=True)
    return party


async def urp_read(s: Session, party: RemoteParty, message_code: int, to: str,
                   payload: bytes | Callable[[int], bytes]) -> DecodedMessage:
    """The ACB sends a read on behalf of ``party`` with the certificate form of
    other-information (gbcs-protocol.md §1.4); the response is verified by
    :meth:`Session.send` and must carry the URP form."""
    device = s.premises.devices[to]
    s.check(not (device.security.keys.keys(party.entity_id, KeyUsage.KA) or
                 device.security.keys.keys(party.entity_id, KeyUsage.DS)),
            f"the retriever {party.entity_id} is not a remote party the {to} knows (URP)")
    dm = await s.send(message_code, to=to, originator=ACB, payload=payload,
                      supplementary_remote_party_id=party.entity_id,
                      supplementary_remote_party_counter=s.head.next_counter(party.entity_id),
                      certificate=party.certificate_der)
    frame = dm.frame
    oi = frame.other_information if isinstance(frame, GbcsFrame) else None
    s.check(oi is not None and oi.supplementary_remote_party_id == party.entity_id and
            oi.supplementary_originator_counter is not None and oi.certificate is None,
            "the response names the retriever as supplementary remote party and carries the "
            "device's own counter (gbcs-protocol.md §1.4 26-byte form): "
            + (f"{oi.supplementary_remote_party_id}, counter "
               f"{oi.supplementary_originator_counter}, certificate "
               f"{'echoed' if oi.certificate else 'dropped'}" if oi else "no frame"))
    return dm


def window(s: Session, days: int) -> tuple[int, int]:
    """GBCS UTC seconds of the end of the first and of the last of the ``days`` × 48 half
    hours that ended by the premises clock."""
    if not 1 <= days <= 1365:  # GetSampledData asks for at most 65,535 samples
        raise ValueError(f"days must be 1..1365, not {days}")
    now = int((s.premises.now() - EPOCH).total_seconds())
    last = now - now % HALF_HOUR
    return last - days * DAY + HALF_HOUR, last


def _moment(seconds: int) -> dt.datetime:
    return EPOCH + dt.timedelta(seconds=seconds)


def _iso(seconds: int) -> str:
    return _moment(seconds).strftime("%Y-%m-%dT%H:%MZ")


def _dig(tree: Any, *path: str | int) -> Any:
    """``tree[path[0]][path[1]]…``, or ``None`` where the device's answer has no such part."""
    for key in path:
        try:
            tree = tree[key]
        except (KeyError, IndexError, TypeError):
            return None
    return tree


def _result(s: Session, what: str, dm: DecodedMessage) -> None:
    results = (dm.payload or {}).get("results") or [{}]
    code = results[0].get("result")
    s.check(code == 0, f"{what}: the ESME answers success (data-access-result {code})")


def _rows(s: Session, what: str, item: Any) -> list[Slot]:
    """The entries of a Profile Generic buffer (compact-array of {timestamp, values…})."""
    s.check(isinstance(item, dict) and item.get("type") == "compact-array",
            f"{what}: the buffer is a compact-array "
            f"(got {item.get('type') if isinstance(item, dict) else type(item).__name__})")
    return [(int(row[0]), tuple(row[1:])) for row in item["value"]]


def esme_log(s: Session, obis: str, first: int, last: int) -> list[Slot]:
    """The ESME's own entries of a log stamped ``first`` to ``last`` (inclusive), read from
    its COSEM model at the premises time."""
    buffer = s.premises.esme.cosem.value(obis, 2, s.premises.now())
    return [(int(row[0]), tuple(row[1:])) for row in buffer["value"] if first <= row[0] <= last]


def check_slots(s: Session, what: str, got: Sequence[Slot], expected: Sequence[Slot],
                days: int) -> None:
    """Check every half-hour slot of a read against the device's own log: the count, the
    30-minute steps (gaps only where the device's log has them) and every value; a failure
    names the first bad slot (time, expected, got)."""
    s.check(expected, f"{what}: the device holds half-hour data for the {days} day(s) read")
    got_times, device_times = [t for t, _ in got], [t for t, _ in expected]
    n = next((i for i, (a, b) in enumerate(zip(got_times, device_times, strict=False))
              if a != b), min(len(got), len(expected)))
    if got_times == device_times:
        detail = ""
    elif n < len(expected) and (n >= len(got) or got[n][0] > expected[n][0]):
        detail = (f"; first bad slot {n + 1}, ending {_iso(expected[n][0])}: expected "
                  f"{expected[n][1]}, got nothing (missing)")
    else:
        detail = (f"; first bad slot {n + 1}, ending {_iso(got[n][0])}: expected nothing "
                  f"(not in the device's log), got {got[n][1]}")
    s.check(len(got) == len(expected),
            f"{what}: {len(got)} half-hour entries, the device holds {len(expected)} for the "
            f"period ({days} × 48 = {days * 48} half hours){detail}")
    gaps = [_iso(b) for a, b in pairwise(device_times) if b - a != HALF_HOUR]
    s.check(got_times == device_times,
            f"{what}: timestamps step by 30 minutes from {_iso(device_times[0])} to "
            f"{_iso(device_times[-1])}, gaps only where the device's log has them "
            f"({', '.join(gaps[:5]) or 'none'}){detail}")
    bad = next((i for i, (g, e) in enumerate(zip(got, expected, strict=True)) if g != e), None)
    s.check(bad is None,
            f"{what}: all {len(got)} values equal the device's own" if bad is None else
            f"{what}: first bad slot {bad + 1}, ending {_iso(expected[bad][0])}: expected "
            f"{expected[bad][1]}, got {got[bad][1]}")


# ----------------------------------------------------------------------------
# ESME: ECS22b (protected read), ECS22a / ECS22c (get-with-selection)
# ----------------------------------------------------------------------------
async def _ecs22b(s: Session, party: RemoteParty,
                  days: int) -> tuple[DecodedMessage, list[Slot], tuple[int, int]]:
    first, last = window(s, days)
    esme = s.id("ESME")
    dm = await urp_read(s, party, 0x0037, "ESME", lambda c: build.ecs22b_payload(
        c, ACB, esme, _moment(first), _moment(last)))
    _result(s, "ECS22b", dm)
    item = ((dm.payload or {}).get("data") or [{}])[0]
    s.check(dm.decrypted is True and "decrypted" in item,
            "ECS22b: the profile data (Sensitive) is encrypted for the retriever and decrypts "
            "with its key")
    options = _dig(item, "value", 0, "value", 0, "value", 1, "value") or []
    parties = [_dig(o, "value") for o in options[1:3]]
    s.check(parties == [esme, party.entity_id],
            f"ECS22b: the protection parameters name the ESME and the retriever (got {parties})")
    return dm, _rows(s, "ECS22b", _dig(item, "decrypted", "value", 0)), (first, last)


@usecase("MHHS-ECS22b", "MHHS: the Meter Data Retriever reads the ESME active import "
         "half-hourly profile (URP, encrypted for it)", devices=["ESME"], tags=TAGS,
         message_codes=[0x0037])
async def mhhs_ecs22b(s: Session, days: int = 7, retriever: str = RETRIEVER) -> None:
    party = retriever_party(s, retriever)
    _, got, (first, last) = await _ecs22b(s, party, days)
    check_slots(s, "ECS22b", got, esme_log(s, ACTIVE_IMPORT_LOG, first, last), days)


def profile_range_payload(counter: int, obis: str, first: int, last: int) -> bytes:
    """Get-with-selection of a Profile Generic buffer, range descriptor (selector 1) on the
    GBCS UTC time from ``first`` to ``last`` (both inclusive), all columns (the RTDS 4.8.3
    ECS22a command)."""
    return encode_dlms_payload({
        "apdu": "access-request", "invoke_id": dlms_invoke_id(counter), "date_time": "",
        "specs": [{"choice": "get-with-selection",
                   "descriptor": {"class_id": 7, "obis": obis, "attribute_id": 2},
                   "access_selection": {"selector": 1, "parameters": {
                       "type": "structure", "value": [
                           {"type": "structure", "value": [
                               {"type": "long-unsigned", "value": 1},
                               {"type": "octet-string", "value": UTC_TIME_LN},
                               {"type": "integer", "value": 2},
                               {"type": "long-unsigned", "value": 0}]},
                           {"type": "double-long-unsigned", "value": first},
                           {"type": "double-long-unsigned", "value": last},
                           {"type": "array", "value": []}]}}}],
        "data": [{"type": "null-data"}]})


async def _in_clear(s: Session, what: str, code: int, obis: str, days: int,
                    retriever: str) -> None:
    party = retriever_party(s, retriever)
    first, last = window(s, days)
    dm = await urp_read(s, party, code, "ESME",
                        lambda c: profile_range_payload(c, obis, first, last))
    _result(s, what, dm)
    item = ((dm.payload or {}).get("data") or [{}])[0]
    if dm.decrypted is None:
        s.log(f"{what}: the ESME answers in clear (not Sensitive; RTDS 4.8.3 ECS22a is not "
              "encrypted either): the response MAC protects it, the retriever's certificate "
              "is not used")
    else:
        s.log(f"{what}: the ESME encrypts the profile data; the retriever decrypts it")
        item = _dig(item, "decrypted")
    check_slots(s, what, _rows(s, what, item), esme_log(s, obis, first, last), days)


@usecase("MHHS-ECS22a", "MHHS: the Meter Data Retriever reads the ESME export half-hourly "
         "profile (URP; answered in clear)", devices=["ESME"], tags=TAGS,
         message_codes=[0x0036])
async def mhhs_ecs22a(s: Session, days: int = 7, retriever: str = RETRIEVER) -> None:
    await _in_clear(s, "ECS22a", 0x0036, EXPORT_LOG, days, retriever)


@usecase("MHHS-ECS22c", "MHHS: the Meter Data Retriever reads the ESME reactive import "
         "half-hourly profile (URP; answered in clear)", devices=["ESME"], tags=TAGS,
         message_codes=[0x0038])
async def mhhs_ecs22c(s: Session, days: int = 7, retriever: str = RETRIEVER) -> None:
    await _in_clear(s, "ECS22c", 0x0038, REACTIVE_IMPORT_LOG, days, retriever)


# ----------------------------------------------------------------------------
# Gas: GCS17 through the GPF
# ----------------------------------------------------------------------------
def _samples(start: int, interval: int, samples: Sequence[int]) -> list[Slot]:
    """Samples stamped, like the ESME's entries, with the end of their half hour."""
    return [(start + (k + 1) * interval, (v,)) for k, v in enumerate(samples)]


async def _gcs17(s: Session, party: RemoteParty,
                 days: int) -> tuple[DecodedMessage, list[Slot], tuple[int, int]]:
    first = window(s, days)[0]
    earliest, wanted = first - HALF_HOUR, days * 48
    # sample id 0 and type 0 (consumption delivered) as RTDS 4.8.1 GCS17 (product.md §4.3
    # cites SampleID 1; the device selects the profile log by message code either way)
    dm = await urp_read(s, party, 0x0078, "GPF", build.gbz_payload([(
        METERING, GET_SAMPLED_DATA, "cluster_specific", "client_to_server",
        {"sample_id": 0, "earliest_sample_time": earliest, "sample_type": 0,
         "number_of_samples": wanted})]))
    components = _dig(dm.payload, "components") or [{}]
    component = components[0]
    command = _dig(component, "frame", "command_id")
    s.check(len(components) == 1 and command == GET_SAMPLED_DATA_RESPONSE,
            f"GCS17: the GPF answers with GetSampledDataResponse (command {command})"
            + ("" if command == GET_SAMPLED_DATA_RESPONSE
               else f": {_dig(component, 'frame', 'payload')}"))
    s.check(_dig(component, "control", "encrypted") and dm.decrypted is True and
            isinstance(_dig(component, "decrypted", "samples"), list),
            "GCS17: the profile samples are encrypted for the retriever and decrypt with its "
            "key")
    data = component["decrypted"]
    s.check(data["sample_request_interval"] == HALF_HOUR and
            data["number_of_samples"] == len(data["samples"]),
            f"GCS17: {data['number_of_samples']} samples every "
            f"{data['sample_request_interval']} s (got {len(data['samples'])} samples)")
    got = _samples(data["sample_start_time"], data["sample_request_interval"], data["samples"])
    return dm, got, (earliest, wanted)


@usecase("MHHS-GCS17", "MHHS: the Meter Data Retriever reads the GSME half-hourly profile "
         "from the GPF (URP, encrypted for it)", devices=["GPF", "GSME"], tags=TAGS,
         message_codes=[0x0078])
async def mhhs_gcs17(s: Session, days: int = 7, retriever: str = RETRIEVER) -> None:
    party = retriever_party(s, retriever)
    _, got, (earliest, wanted) = await _gcs17(s, party, days)
    # the GSME's own log (not the GPF's answer) is the ground truth
    start, interval, samples = s.premises.gsme.gbz.sampled_data(
        SAMPLE_LOG_PROFILE, earliest, wanted, s.premises.now())
    check_slots(s, "GCS17", got, _samples(start, interval, samples), days)


# ----------------------------------------------------------------------------
# Only the retriever can read it
# ----------------------------------------------------------------------------
@usecase("MHHS-SEALED", "MHHS: a party the device knows cannot read profile data encrypted "
         "for the Meter Data Retriever", devices=["ESME", "GPF"], tags=(*TAGS, "security"),
         variants=("ECS22b", "GCS17"), message_codes=[0x0037, 0x0078])
async def mhhs_sealed(s: Session, variant: str = "ECS22b", days: int = 1,
                      retriever: str = RETRIEVER) -> None:
    variant = variant or "ECS22b"
    read = {"ECS22b": _ecs22b, "GCS17": _gcs17}[variant]
    party = retriever_party(s, retriever)
    dm, _, _ = await read(s, party, days)
    known = InMemoryKeyStore(
        KeyEntry(e.entity, e.usage, e.public_key, e.private_key, e.certificate,
                 list(e.labels), e.role) for e in s.head.keys if e.entity != party.entity_id)
    holders = sorted({e.entity for e in known if e.private_key is not None})
    other = decode_message(dm.raw, security=SecurityContext(known, acb=s.head.acb))
    s.check(other.mac.verdict is SecurityVerdict.VALID,
            f"{variant}: without the retriever's key the response still verifies (MAC "
            f"{other.mac.verdict.value})")
    s.check(other.decrypted is False,
            f"{variant}: with the private keys of {', '.join(holders)} but not the "
            f"retriever's, the profile data does not decrypt (decrypted: {other.decrypted})")
