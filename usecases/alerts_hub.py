# SPDX-License-Identifier: GPL-3.0-or-later
"""The Comms Hub's sub-GHz alerts (DBCH06, DBCH07, DBCH08, DBCH10, DBCH11; gbcs-protocol.md
§2.2 payload table, §4.2 alert codes 8F20-8F2D), each provoked for real on the emulated
dual-band CHF (emulators/subghz.py).

The virtual HAN has no sub-GHz air, so each Use Case first sets the *conditions* an RF test
bench would — the energy a scan measures per channel, which devices are on the sub-GHz band,
the sub-GHz capacity, airtime other traffic already used — through the premises' Comms Hub.
Then it performs the real trigger (a DBCH05 channel scan request, a CCS01, a supplier command
for a sub-GHz device), awaits the alert with :func:`~gfi.usecases.alerts.check_alert`
(recipient the ACB, MAC'd and unsigned, payload shape that of the RTDS vector or of §2.2)
and checks what the payload says against the CHF's state, read back through GBCS where a
command reads it (DBCH01 for the operating channel).

The conditions stay on the premises; a campaign runs each Use Case on a fresh one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from gfi.api import (
    ACB,
    SUPPLIER,
    Channel,
    CommsHub,
    DecodedMessage,
    ScanOutcome,
    Session,
    build,
    dlms_invoke_id,
    encode_dlms_payload,
    usecase,
)
from gfi.usecases import catalogue
from gfi.usecases.alerts import alert_items, check_alert, newcomer_of, set_aside, title_of
from gfi.usecases.negatives import COMMANDS, command_to
from gfi.usecases.params import payload_tree

DBCH01, DBCH05, CCS01 = 0x010A, 0x010E, 0x0001


# ----------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------
def _hub(s: Session) -> CommsHub:
    hub = s.premises.hub
    assert hub is not None
    return hub


async def _to_chf(s: Session, message_code: int,
                  payload: Callable[[int], bytes]) -> DecodedMessage:
    """A DLMS command to the CHF from the ACB on the supplier's behalf (as RTDS DBCH01-05,
    CCS01 send them)."""
    r = await s.send(message_code, to="CHF", payload=payload, originator=ACB,
                     supplementary_remote_party_id=SUPPLIER,
                     supplementary_remote_party_counter=s.head.next_counter(SUPPLIER))
    results = [x.get("result") for x in (r.payload or {}).get("results", [])]
    s.check(results and all(x == 0 for x in results),
            f"the CHF carries out {message_code:04X} (results {results})")
    return r


async def _library(s: Session, uc: str) -> DecodedMessage:
    """Catalogue entry ``uc``'s RTDS SUCCESS command, to the CHF."""
    defn = catalogue.get(uc)
    tree = payload_tree(defn, defn.variant("SUCCESS"))
    return await _to_chf(s, defn.message_code, lambda counter: encode_dlms_payload(
        tree | {"invoke_id": dlms_invoke_id(counter)}))


async def operating_channel(s: Session) -> Channel:
    """The CHF's operating sub-GHz channel, read with DBCH01."""
    r = await _library(s, "DBCH01")
    return Channel.from_bits((r.payload or {})["data"][0]["value"])


async def scan(s: Session) -> None:
    """DBCH05: request a CHF sub-GHz channel scan (RTDS 6.29 SUCCESS)."""
    await _library(s, "DBCH05")
    s.log("DBCH05: the CHF is asked to scan its sub-GHz channels")


def _octet(item: dict[str, Any]) -> int:
    return int(item["value"], 16)


# ----------------------------------------------------------------------------
# The Use Cases
# ----------------------------------------------------------------------------
@usecase("DBCH08", title_of("DBCH08"), devices=["CHF"], tags=["alert", "CHF"],
         message_codes=[0x0112])
async def dbch08(s: Session, timeout: float = 5.0, operating_dbm: float = -100.0) -> None:
    """The bench measures every sub-GHz channel quiet (``operating_dbm`` on the operating
    one); DBCH05 asks for a scan; the CHF assesses the channels and reports the outcome.

    Compared with RTDS NA_DBCH08 (``00``, ``00``): the shape, and with the default
    conditions the values too — outcome 00 "kept", operating channel number 0 (page 28
    channel 0, what DBCH01 reads on RTDS's CHF)."""
    await set_aside(s, 0x0112)
    before = await operating_channel(s)
    _hub(s).sub_ghz.set_conditions({before: operating_dbm})
    s.log(f"bench: {before} at {operating_dbm:g} dBm, every other channel at the noise floor")
    await scan(s)
    dm = await check_alert(s, "DBCH08", 0x0112, 0x8F28, device="CHF", recipient=ACB,
                           timeout=timeout)
    outcome, number = (_octet(i) for i in alert_items(dm)[2]["value"])
    after = await operating_channel(s)
    s.check(after == before, f"the CHF stays on {before} (DBCH01 reads {after})")
    s.check((outcome, number) == (ScanOutcome.KEPT, after.number),
            f"DBCH08 reports outcome {outcome:02X} (kept: 00) on channel {number} "
            f"({after.number})")


@usecase("DBCH07", title_of("DBCH07"), devices=["CHF"], tags=["alert", "CHF"],
         message_codes=[0x0111])
async def dbch07(s: Session, timeout: float = 5.0, interference_dbm: float = -60.0) -> None:
    """The bench measures interference (``interference_dbm``) on the CHF's operating
    sub-GHz channel, the others quiet; DBCH05 asks for a scan; the CHF moves to the
    quietest allowed channel (DBCH03's channel masks) and reports it.

    Compared with RTDS NA_DBCH07: the shape only. Its channel (E0000001) is the one the
    CHF starts on, so a move cannot end there; the values are checked against the CHF:
    the channel DBCH01 reads afterwards, cause 00 (a scan request)."""
    await set_aside(s, 0x0111)
    before = await operating_channel(s)
    _hub(s).sub_ghz.set_conditions({before: interference_dbm})
    s.log(f"bench: interference at {interference_dbm:g} dBm on {before}")
    await scan(s)
    dm = await check_alert(s, "DBCH07", 0x0111, 0x8F26, device="CHF", recipient=ACB,
                           timeout=timeout)
    channel_item, cause = alert_items(dm)[2]["value"]
    after = await operating_channel(s)
    s.check(after != before, f"the CHF left {before} (DBCH01 reads {after})")
    s.check(channel_item["value"] == after.bits(),
            f"DBCH07 names the new operating channel {channel_item['value']} ({after})")
    s.check(_octet(cause) == 0, "DBCH07's cause is the scan request (00)")


@usecase("DBCH11", title_of("DBCH11"), devices=["CHF"], tags=["alert", "CHF"],
         message_codes=[0x0115])
async def dbch11(s: Session, timeout: float = 5.0, capacity: int = 1) -> None:
    """The CHF has ``capacity`` sub-GHz device slots, the GSME (on the sub-GHz band) takes
    the first; the bench puts a second IHD on the sub-GHz band too, and CCS01 adds it to
    the CHF device log: no slot is left for it, the CHF raises DBCH11 naming it.

    Compared with RTDS NA_DBCH11: the shape; the id is the device CCS01 added (RTDS names
    its GSME, 00DB1234567890A1, already on our log)."""
    await set_aside(s, 0x0115)
    hub = _hub(s)
    hub.sub_ghz.capacity = capacity
    for name in ("GSME", "ESME", "PPMID", "HCALCS", "IHD", "CAD"):
        if len(hub.sub_ghz.devices) >= capacity:
            break
        s.check(await hub.use_sub_ghz(s.id(name)), f"the {name} takes a sub-GHz slot")
    newcomer, install_code = newcomer_of(s)
    hub.sub_ghz.designate(newcomer)
    s.log(f"bench: {capacity} sub-GHz slot(s), all taken; {newcomer} is on the sub-GHz band")
    await _to_chf(s, CCS01, lambda c: build.ccs01_payload(c, newcomer, install_code))
    dm = await check_alert(s, "DBCH11", 0x0115, 0x8F2D, device="CHF", recipient=ACB,
                           timeout=timeout)
    named = alert_items(dm)[2]["value"]
    s.check(named == newcomer, f"DBCH11 names the device CCS01 added, {newcomer} ({named})")
    s.check(not hub.sub_ghz.uses(newcomer) and len(hub.sub_ghz.devices) == capacity,
            f"the CHF's sub-GHz device set stays at {capacity} without it")


def _exhaust(s: Session, device: str, headroom: dt.timedelta, *, to_limit: bool) -> None:
    """Bench: ``device`` is on the sub-GHz band, and other traffic already used its
    airtime up to ``headroom`` before the Limited threshold (``to_limit``) or the budget."""
    radio = _hub(s).sub_ghz
    eui = s.id(device)
    dc = radio.duty_cycle
    used = (dc.budget * dc.limited if to_limit else dc.budget) - headroom
    radio.book(eui, used - radio.usage(eui, s.premises.now()), s.premises.now())
    s.log(f"bench: {used.total_seconds():g} s of the {device}'s "
          f"{dc.budget.total_seconds():g} s sub-GHz airtime per "
          f"{dc.window.total_seconds() / 3600:g} h already used")


async def _on_sub_ghz(s: Session, device: str) -> None:
    s.check(await _hub(s).use_sub_ghz(s.id(device)), f"the {device} is on the sub-GHz band")


@usecase("DBCH06", title_of("DBCH06"), devices=["CHF"], tags=["alert", "CHF"],
         message_codes=[0x0110])
async def dbch06(s: Session, timeout: float = 5.0, device: str = "ESME",
                 headroom_ms: float = 1.0) -> None:
    """The ``device`` is on the sub-GHz band and other traffic used its airtime up to
    ``headroom_ms`` before the Limited threshold; a supplier command for it (read the
    balance) takes it over: the CHF takes limited duty cycle action naming it (DBCH06), and
    still delivers the command, which fits the budget.

    No vendored RTDS vector: the shape of §2.2 (octet-string(8), a device id)."""
    await set_aside(s, 0x0110)
    await _on_sub_ghz(s, device)
    _exhaust(s, device, dt.timedelta(milliseconds=headroom_ms), to_limit=True)
    code, payload = COMMANDS[device]
    r = await s.send(code, to=device, payload=payload)
    s.check(r.frame is not None and r.frame.originator == s.id(device),
            f"the {device} answers the command: it was delivered")
    dm = await check_alert(s, "DBCH06", 0x0110, 0x8F20, device="CHF", recipient=ACB,
                           timeout=timeout)
    named = alert_items(dm)[2]["value"]
    s.check(named == s.id(device), f"DBCH06 names the {device} {s.id(device)} ({named})")


@usecase("DBCH10", title_of("DBCH10"), devices=["CHF"], tags=["alert", "CHF"],
         message_codes=[0x0114])
async def dbch10(s: Session, timeout: float = 5.0, device: str = "ESME",
                 headroom_ms: float = 1.0) -> None:
    """The ``device`` is on the sub-GHz band and other traffic used its airtime budget up
    to ``headroom_ms``; a supplier command for it (read the balance) does not fit: the CHF
    discards it — the device never gets it, no response comes — and raises DBCH10 naming
    the command (after DBCH06, the limited action).

    No vendored RTDS vector: the shape of §2.2 (octet-string(25): originator ‖ target ‖
    CRA ‖ counter), the values those of the command sent."""
    await set_aside(s, 0x0114)
    await _on_sub_ghz(s, device)
    _exhaust(s, device, dt.timedelta(milliseconds=headroom_ms), to_limit=False)
    frame = command_to(s, device, SUPPLIER)
    await s.send_frame(frame, expect_response=False)
    dm = await check_alert(s, "DBCH10", 0x0114, 0x8F2C, device="CHF", recipient=ACB,
                           timeout=timeout)
    described = bytes.fromhex(alert_items(dm)[2]["value"])
    fields = (described[:8].hex().upper(), described[8:16].hex().upper(), described[16],
              int.from_bytes(described[17:], "big"))
    s.check(fields == (SUPPLIER, s.id(device), 1, frame.counter),
            f"DBCH10 names the discarded command: originator, target, CRA, counter {fields}")
    await s.premises.settle()
    received = s.premises.devices[device].last_counters.get(SUPPLIER)
    s.check(received != frame.counter and not s.responses_to(frame.counter, SUPPLIER),
            f"the {device} never got the command: no response to counter {frame.counter}")
