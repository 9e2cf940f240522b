# SPDX-License-Identifier: GPL-3.0-or-later
"""Alert-only Use Cases of a device's own condition and controls (gbcs-protocol.md §3 notes,
§4): the meter integrity warnings, the ESME's RTDS-only ALCS/APC alerts and the PPMID's
firmware version alert. Like usecases/alerts.py — whose checks (:func:`check_alert`: codes,
recipient, protection by criticality, payload shape against the RTDS vector or the §2
layout) they share — each brings about what raises the alert and checks what it says:

* **MIIWA-DLMS** (0x00F0) / **MIIWA-ZigBee** (0x00F2), 81A0: a test harness marks one of
  the meter's components faulty (an injected condition: an emulated meter has no hardware);
  the meter's own self-check (emulators/integrity.py) finds it — the ESME's at power-up,
  after a power cycle, the GSME's at its daily check — and reports the component's code.
* **ECS101** (8F86), **ECS102** (8F87), **ECS100** (8F85), **ECS200** (8F88): ECS47a or
  ECS47e starts an ALCS/APC control (a channel to a level for a period); the ESME's channels
  (emulators/apc.py) raise the alerts as the period begins (ECS101), the level changes
  (ECS102), the period ends (ECS100, to whoever set it) and, for another party's control, an
  APC's state object changes (ECS200, naming that party). These codes are named by no public
  source: what they mean is gfi's inference from the RTDS vectors, set out in
  emulators/apc.py.
* **CS09** (0x012B, 8F8B): the DCC distributes a firmware image to the PPMID through the
  Comms Hub (ZigBee OTA); the PPMID applies it and reports the firmware version it runs.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from gfi.api import (
    ACB,
    METER_INTEGRITY_CODES,
    NOW_OCTETS,
    SUPPLIER,
    DecodedMessage,
    FaultyComponent,
    GbcsFrame,
    Session,
    datetime_octets,
    dlms_invoke_id,
    encode_dlms_payload,
    usecase,
)
from gfi.usecases import catalogue
from gfi.usecases.alerts import (
    alert_items,
    check_alert,
    distribute,
    firmware_image,
    set_aside,
    title_of,
)
from gfi.usecases.params import payload_tree

#: The load controller of the RTDS keystore (role 8; gbcs-protocol.md §1.5), which RTDS's
#: ECS200 names as supplementary remote party.
LOAD_CONTROLLER = "90B3D51F30010008"
ECS47A, ECS47E = 0x011E, 0x011F
#: How long the controls these Use Cases start last.
PERIOD = dt.timedelta(hours=1)
VARIANTS = ("INPUT", "OUTPUT")
#: RTDS's channel and level in each variant of ECS101 and ECS102 (emulators/apc.py).
ECS101_RTDS = {"INPUT": (0x23, 100), "OUTPUT": (0x15, 10)}
ECS102_RTDS = {"INPUT": (0x21, 10), "OUTPUT": (0x11, 100)}
#: The ECS47a variant that controls each kind of channel.
ECS47A_VARIANT = {"INPUT": "APC_INPUT_SUCCESS", "OUTPUT": "APC_OUTPUT_SUCCESS"}


# ----------------------------------------------------------------------------
# Triggers
# ----------------------------------------------------------------------------
async def start_control(s: Session, *, channel: int, level: int, start: str, end: str,
                        message_code: int = ECS47A, variant: str = "ALCS_ACTIVATE_SUCCESS",
                        originator: str = SUPPLIER, **header: Any) -> DecodedMessage:
    """ECS47a (or ECS47e) from the library's ``variant``, its control period ``start`` to
    ``end`` (12-byte DLMS date-times as hex) and its script selector channel ‖ level."""
    defn = catalogue.get("ECS47a" if message_code == ECS47A else "ECS47e")
    tree = payload_tree(defn, variant if message_code == ECS47A else "default")
    data = tree["data"]
    data[0], data[1] = ({"type": "octet-string", "value": start},
                        {"type": "octet-string", "value": end})
    data[2] = {"type": "long-unsigned", "value": channel << 8 | level}

    def payload(counter: int) -> bytes:
        return encode_dlms_payload(tree | {"invoke_id": dlms_invoke_id(counter)})

    r = await s.send(message_code, to="ESME", payload=payload, originator=originator,
                     **header)
    results = [x.get("result") for x in (r.payload or {}).get("results", [])]
    s.check(results and all(x == 0 for x in results),
            f"the ESME runs the {defn.id} control (results {results})")
    s.log(f"{defn.id} from {originator}: channel {channel:02X} to {level} from {start} "
          f"until {end}")
    return r


def _device_now(s: Session) -> dt.datetime:
    return s.premises.esme.cosem.device_time(s.premises.now())


def _item(dm: DecodedMessage, index: int) -> Any:
    return alert_items(dm)[index].get("value")


def _changed_level(s: Session, channel: int, level: int) -> int:
    """``level``, or another one when the channel is already there (no change to see)."""
    if s.premises.esme.apc.level(channel) != level:
        return level
    other = 0 if level else 100
    s.log(f"channel {channel:02X} is already at {level}: controlling it to {other}")
    return other


# ----------------------------------------------------------------------------
# Meter integrity
# ----------------------------------------------------------------------------
@usecase("MIIWA-DLMS", title_of("MIIWA-DLMS"), devices=["ESME"], tags=["alert", "ESME"],
         message_codes=[0x00F0])
async def miiwa_dlms(s: Session, timeout: float = 5.0, code: int = 7) -> None:
    """The ESME's component ``code`` (§2.2; default 7, metrology firmware verification) is
    made faulty; the ESME is power-cycled (too briefly for ECS80) and its power-up
    self-check reports the component (81A0)."""
    await set_aside(s, 0x00F0)
    esme = s.premises.esme
    s.inject_condition("ESME", FaultyComponent(code))
    try:
        esme.supply_lost()
        await esme.supply_restored()
        s.log("the ESME was power-cycled: its power-up self-check ran")
        dm = await check_alert(s, "MIIWA-DLMS", 0x00F0, 0x81A0, device="ESME",
                               recipient=SUPPLIER, timeout=timeout)
        s.check(_item(dm, 2) == f"{code:04X}",
                f"the alert names component {code} ({METER_INTEGRITY_CODES[code]}), "
                f"the one made faulty (it names {_item(dm, 2)})")
    finally:
        s.inject_condition("ESME", FaultyComponent(code, faulty=False))


@usecase("MIIWA-ZigBee", title_of("MIIWA-ZigBee"), devices=["GSME"], tags=["alert", "GSME"],
         message_codes=[0x00F2])
async def miiwa_zigbee(s: Session, timeout: float = 5.0, code: int = 1) -> None:
    """The GSME's component ``code`` (§2.2; default 1, non-volatile memory) is made faulty;
    its daily self-check finds it and reports the component (81A0)."""
    await set_aside(s, 0x00F2)
    gsme = s.premises.gsme
    s.inject_condition("GSME", FaultyComponent(code))
    try:
        await s.advance_to(gsme.integrity.next_check + dt.timedelta(minutes=1))
        dm = await check_alert(s, "MIIWA-ZigBee", 0x00F2, 0x81A0, device="GSME",
                               recipient=SUPPLIER, timeout=timeout)
        found = (dm.payload or {}).get("integrity_code")
        s.check(found == code, f"the alert names component {code} "
                               f"({METER_INTEGRITY_CODES[code]}), the one made faulty "
                               f"(it names {found})")
    finally:
        s.inject_condition("GSME", FaultyComponent(code, faulty=False))


# ----------------------------------------------------------------------------
# ALCS / APC controls of the ESME
# ----------------------------------------------------------------------------
@usecase("ECS101", title_of("ECS101"), devices=["ESME"], tags=["alert", "ESME"],
         variants=VARIANTS, message_codes=[ECS47A, 0x0121])
async def ecs101(s: Session, variant: str = "INPUT", timeout: float = 5.0,
                 lead_minutes: int = 10) -> None:
    """ECS47a (APC_INPUT / APC_OUTPUT) sets a control of an APC input / output for a period
    starting ``lead_minutes`` ahead; when it begins the ESME reports it: channel, start,
    end, level (RTDS's values)."""
    await set_aside(s, 0x0121)
    channel, level = ECS101_RTDS[variant]
    begins = _device_now(s).replace(second=0, microsecond=0) + \
        dt.timedelta(minutes=lead_minutes)
    start, end = datetime_octets(begins), datetime_octets(begins + PERIOD)
    await start_control(s, channel=channel, level=level, start=start, end=end,
                        variant=ECS47A_VARIANT[variant])
    await s.advance_to(begins + dt.timedelta(minutes=1))
    dm = await check_alert(s, "ECS101", 0x0121, 0x8F86, device="ESME", recipient=SUPPLIER,
                           timeout=timeout, variant=variant)
    said = [_item(dm, i) for i in range(2, 6)]
    s.check(said == [channel, start, end, level],
            f"ECS101 names the {variant.lower()} channel {channel:02X}, the period and level "
            f"{level} ECS47a set (it says {said})")


@usecase("ECS102", title_of("ECS102"), devices=["ESME"], tags=["alert", "ESME"],
         variants=VARIANTS, message_codes=[ECS47A, 0x0122])
async def ecs102(s: Session, variant: str = "INPUT", timeout: float = 5.0) -> None:
    """ECS47a controls an APC input / output from now: the channel's level changes and the
    ESME reports the channel and its new level."""
    await set_aside(s, 0x0122)
    channel, wanted = ECS102_RTDS[variant]
    level = _changed_level(s, channel, wanted)
    await start_control(s, channel=channel, level=level, start=NOW_OCTETS,
                        end=datetime_octets(_device_now(s) + PERIOD),
                        variant=ECS47A_VARIANT[variant])
    dm = await check_alert(s, "ECS102", 0x0122, 0x8F87, device="ESME", recipient=SUPPLIER,
                           timeout=timeout, variant=variant)
    said = [_item(dm, 2), _item(dm, 3)]
    s.check(said == [channel, level], f"ECS102 names the {variant.lower()} channel "
                                      f"{channel:02X} at level {level} (it says {said})")


@usecase("ECS100", title_of("ECS100"), devices=["ESME"], tags=["alert", "ESME"],
         variants=("SUPPLIER", "ACB"), message_codes=[ECS47A, 0x0120])
async def ecs100(s: Session, variant: str = "SUPPLIER", timeout: float = 5.0,
                 minutes: int = 30) -> None:
    """ECS47a (ALCS activate) sets a control for ``minutes`` — from the supplier, or
    (variant ACB) from the ACB on the supplier's behalf; when the period ends the ESME
    tells whoever set it, naming the command (message code ‖ originator counter)."""
    await set_aside(s, 0x0120)
    channel, level = 0x15, 100   # RTDS ALCS_ACTIVATE: selector 0x1564
    ends = _device_now(s) + dt.timedelta(minutes=minutes)
    header: dict[str, Any] = {}
    originator = SUPPLIER
    if variant == "ACB":
        originator = ACB
        header = {"supplementary_remote_party_id": SUPPLIER,
                  "supplementary_remote_party_counter": s.head.next_counter(SUPPLIER)}
    r = await start_control(s, channel=channel, level=level, start=NOW_OCTETS,
                            end=datetime_octets(ends), originator=originator, **header)
    assert isinstance(r.frame, GbcsFrame)
    await s.advance_to(ends + dt.timedelta(minutes=1))
    dm = await check_alert(s, "ECS100", 0x0120, 0x8F85, device="ESME", recipient=originator,
                           timeout=timeout, variant=variant)
    named = f"{ECS47A:04X}{r.frame.counter:016X}"
    s.check(_item(dm, 2) == named, f"ECS100 names the ECS47a command {named} whose period "
                                   f"ended (it names {_item(dm, 2)})")
    if variant == "ACB":
        assert isinstance(dm.frame, GbcsFrame)
        oi = dm.frame.other_information
        s.check((oi.supplementary_remote_party_id, oi.supplementary_remote_party_counter) ==
                (SUPPLIER, header["supplementary_remote_party_counter"]),
                "ECS100 to the ACB carries the command's supplementary remote party and "
                "counter (18-byte other-information)")


@usecase("ECS200", title_of("ECS200"), devices=["ESME"], tags=["alert", "ESME"],
         message_codes=[ECS47E, 0x0123])
async def ecs200(s: Session, timeout: float = 5.0, apc: int = 1, level: int = 100) -> None:
    """The load controller's ECS47e sets the output of APC ``apc`` to ``level``: the ESME
    tells the supplier the APC's new state (its "APC State" text), naming the load
    controller as supplementary remote party."""
    await set_aside(s, 0x0123)
    channel = 0x10 | apc
    level = _changed_level(s, channel, level)
    await start_control(s, channel=channel, level=level, start=NOW_OCTETS,
                        end=datetime_octets(_device_now(s) + PERIOD), message_code=ECS47E,
                        originator=LOAD_CONTROLLER)
    dm = await check_alert(s, "ECS200", 0x0123, 0x8F88, device="ESME", recipient=SUPPLIER,
                           timeout=timeout)
    assert isinstance(dm.frame, GbcsFrame)
    party = dm.frame.other_information.supplementary_remote_party_id
    s.check(party == LOAD_CONTROLLER,
            f"ECS200 names the load controller {LOAD_CONTROLLER} (other-information: {party})")
    try:
        state = json.loads(str(_item(dm, 2)))
    except ValueError:
        state = {}
    s.check(isinstance(state, dict) and state.get("outputState") == str(level),
            f"ECS200 says APC {apc}'s output is now at {level} (it says {_item(dm, 2)!r})")


# ----------------------------------------------------------------------------
# PPMID firmware
# ----------------------------------------------------------------------------
@usecase("CS09", title_of("CS09"), devices=["PPMID"], tags=["alert", "PPMID"],
         message_codes=[0x012B])
async def cs09(s: Session, timeout: float = 5.0, file_version: int = 0x0123ABD0) -> None:
    """A firmware image distributed to the PPMID (ZigBee OTA through the Comms Hub): it
    applies the image and reports the firmware version it now runs."""
    await set_aside(s, 0x012B)
    image = firmware_image("PPMID", file_version)
    distribute(s, "PPMID", image)
    dm = await check_alert(s, "CS09", 0x012B, 0x8F8B, device="PPMID", recipient=SUPPLIER,
                           timeout=timeout)
    p = dm.payload or {}
    s.check((p.get("firmware_version"), p.get("activate_image")) == (image.version, 0),
            f"CS09 reports firmware {image.version} applied (it says "
            f"{p.get('firmware_version')}, {p.get('activate_image')})")
