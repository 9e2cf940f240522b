# SPDX-License-Identifier: GPL-3.0-or-later
"""The alert-only Use Cases (gbcs-protocol.md §3 notes, §4): one per alert message code the
emulated premises can honestly provoke, its id the catalogue id (``CS14``, ``FDEA-DLMS``,
``GCA``, …).

Each one brings about what raises the alert in the field — a real GBCS command (CCS01,
DBCH04, CS03B, CS06, a future-dated command, a command with a bad MAC), a real device event
(the billing calendar firing, a billing period ending, mains restored after an outage, a
consumer's top-up on the PPMID) or a firmware image the DCC distributes through the Comms
Hub (ZigBee OTA) — then awaits the alert and checks it (:func:`check_alert`):

* message code and alert code (the 16-bit event number in the payload, §4.1);
* originator the device, recipient the one GBCS names (the ACB for the Comms Hub's log
  alerts CS14, GCS62 and DBCH09 as in RTDS, otherwise the supplier or the originator of the
  command the alert is about);
* protection by the alert message code's criticality (§4.1 table): critical alerts signed
  by the device and without MAC header, non-critical ones MAC'd and unsigned — verified;
* the payload's shape (:func:`alert_shape`: DLMS-DN item types, GBZ alert body, ASN.1
  schema and fields) equal to the vendored RTDS alert vector's, where one exists
  (:data:`RTDS_SHAPES`; tests/usecases/test_alerts.py checks them against the files), else
  to the layout gbcs-protocol.md §2.2-§2.4 gives (:data:`DOCUMENTED_SHAPES`).

Alerts of the same code raised before the trigger (the bring-up's CS14s) are set aside
first. Alert-only codes left out, and why: :data:`NOT_PROVOKED`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gfi.api import (
    ACB,
    ALERT_MESSAGE_CODE_CRITICALITY,
    IMAGE_TYPES,
    MANUFACTURER_CODE,
    SUPPLIER,
    Cra,
    Criticality,
    DecodedMessage,
    ExchangeTimeout,
    FirmwareImage,
    GbcsFrame,
    PayloadFamily,
    PremisesIds,
    SecurityVerdict,
    Session,
    alert_code_of,
    build,
    dlms_date_time,
    dlms_invoke_id,
    encode_dlms_payload,
    encode_payload,
    generalized_time,
    usecase,
)
from gfi.usecases import catalogue
from gfi.usecases.library import LEAD, device_of, time_overrides
from gfi.usecases.negatives import with_bad_mac
from gfi.usecases.params import parameters, payload_shape, payload_tree

#: How far ahead of the device clock a future-dated command is set to run.


# ----------------------------------------------------------------------------
# Shapes
# ----------------------------------------------------------------------------
def _description(item: Mapping[str, Any]) -> str:
    kind = str(item.get("type"))
    if kind == "structure":
        return f"structure({','.join(_description(m) for m in item.get('members', []))})"
    if kind == "array":
        return f"array[{item.get('count')}]({_description(item.get('element', {}))})"
    return kind


def _dlms(item: Any) -> str:
    """DLMS data item types, nested; an array by the distinct shapes of its elements."""
    if not isinstance(item, Mapping):
        return "?"
    kind = str(item.get("type"))
    if kind == "structure":
        return f"structure({','.join(_dlms(v) for v in item.get('value', []))})"
    if kind == "array":
        return f"array({'|'.join(sorted({_dlms(v) for v in item.get('value', [])}))})"
    if kind == "compact-array":
        return f"compact-array({_description(item.get('description', {}))})"
    return kind


def alert_shape(dm: DecodedMessage) -> str:
    """The structure of an alert's payload, without its values (module docstring)."""
    tree = dm.payload or {}
    if dm.family is PayloadFamily.DLMS:
        body = tree.get("body", {})
        shape = f"dlms {_dlms(body)}"
        return shape + (f" decrypted {_dlms(body['decrypted'])}" if "decrypted" in body else "")
    if dm.family is PayloadFamily.GBZ:
        parts = [f"{k}({','.join(sorted(x for x in v if not x.endswith('_name')))})"
                 if isinstance(v, Mapping) else k
                 for k, v in sorted(tree.items()) if not k.endswith("_name") and
                 k != "components"]
        for c in tree.get("components") or []:
            frame = c.get("frame") or {}
            fc = frame.get("frame_control") or {}
            encrypted = ",encrypted" if (c.get("control") or {}).get("encrypted") else ""
            parts.append(f"component({c.get('cluster_id', 0):04X},{fc.get('frame_type')},"
                         f"{frame.get('command_id', 0):02X},{fc.get('direction')}{encrypted})")
        if tree.get("components") == []:
            parts.append("components()")
        return f"gbz {' '.join(parts)}"
    if dm.family is PayloadFamily.ASN1:
        _, schema, fields = payload_shape(PayloadFamily.ASN1, tree)
        return f"asn1 {schema}({','.join(fields)})"
    return "?"


@dataclass(frozen=True)
class Reference:
    """The vendored RTDS alert vector (under tests/vectors/rtds/vectors) and its shape."""

    vector: str
    shape: str


#: (Use Case id, variant) → the RTDS alert vector its alert must look like. The generic
#: alerts share one layout per family (§2.2, §2.3): a GBZ one is compared with GCA-ZigBee,
#: a DLMS one with GNCA-DLMS.
_DLMS_3 = "dlms structure(long-unsigned,octet-string,octet-string)"
RTDS_SHAPES: Mapping[tuple[str, str], Reference] = {
    ("CS14", ""): Reference(
        "NA_CS14/CS14_NA_8F12_ALERT_GBCS.HEX",
        "dlms structure(long-unsigned,octet-string,structure(octet-string,octet-string,"
        "array(structure(octet-string,octet-string))))"),
    ("GCS62", ""): Reference(
        "NA_GCS62/GCS62_NA_8071_ALERT_GBCS.HEX",
        "asn1 GCS62.alert(alert_code,backup_date_time,device_log_entries)"),
    ("DBCH09", ""): Reference(
        "6.28_DBCH04/DBCH04_6.28_NA_SUCCESS_ALERT_DBCH09_GBCS.HEX",
        "dlms structure(long-unsigned,octet-string,structure(bit-string,bit-string,"
        "bit-string,bit-string,long-unsigned,long-unsigned,unsigned,long-unsigned,unsigned,"
        "unsigned,long-unsigned,unsigned,long-unsigned,long-unsigned,long-unsigned))"),
    # the sub-GHz alerts of usecases/alerts_hub.py
    ("DBCH07", ""): Reference("NA_DBCH07/DBCH07_NA_8F26_ALERT_GBCS.HEX",
                              "dlms structure(long-unsigned,octet-string,structure(bit-string,"
                              "octet-string))"),
    ("DBCH08", ""): Reference("NA_DBCH08/DBCH08_NA_8F28_ALERT_GBCS.HEX",
                              "dlms structure(long-unsigned,octet-string,structure(octet-string,"
                              "octet-string))"),
    ("DBCH11", ""): Reference("NA_DBCH11/DBCH11_NA_8F2D_ALERT_GBCS.HEX", _DLMS_3),
    ("ECS68", ""): Reference(
        "NA_ECS68/ECS68_NA_8F0A_SINGLE_ALERT_GBCS.HEX",
        "dlms structure(long-unsigned,octet-string,array(structure(enum,structure("
        "octet-string,octet-string,octet-string,octet-string,structure(enum,structure("
        "octet-string,octet-string))))),octet-string) decrypted structure(compact-array("
        "structure(double-long-unsigned,double-long-unsigned,array[48](double-long-unsigned),"
        "array[8](double-long-unsigned),array[8](double-long-unsigned),"
        "array[8](double-long-unsigned),array[8](double-long-unsigned))))"),
    ("FDRA-DLMS", ""): Reference("NA_FDRA-DLMS/FDRA-DLMS_NA_8F72_ALERT_GBCS.HEX", _DLMS_3),
    ("FDRA-ZigBee", ""): Reference(
        "NA_FDRA-ZigBee/FDRA-ZigBee_NA_8F72_ALERT_GBCS.HEX",
        "gbz alert_code component_count manufacturer_image_hash timestamp"),
    ("CS06Alert", ""): Reference(
        "11.3_CS06/CS06_11.3_8F66_FUTURE_DATED_SUCCESS_ALERT_GBCS.HEX",
        "asn1 CS06.alert(alert_code,execution_date_time,originator_counter,outcome)"),
    ("FDEA-DLMS", ""): Reference(
        "1.6_ECS02/ECS02_1.6_8F66_FUTURE_DATED_TWIN_SUCCESS_ALERT_PAYMENT_MODE_GBCS.HEX",
        _DLMS_3),
    ("FDEA-ZigBee", ""): Reference(
        "1.6_GCS02/GCS02_1.6_8F66_FUTURE_DATED_SUCCESS_ALERT_CHANGE_PAYMENT_MODE_GBCS.HEX",
        "gbz alert_code component_count future_dated_execution(cluster_id,command_id,"
        "frame_control,message_code,originator_counter) timestamp"),
    ("CS02gAlert", ""): Reference(
        "6.15.1_CS02gLoadControllerBySupplier/"
        "CS02gLoadControllerBySupplier_6.15.1_8F66_FUTURE_DATED_SUCCESS_ALERT_GBCS.HEX",
        "asn1 CS02g.alert(alert_code,execution_date_time,execution_outcome)"),
    ("GCA", "GSME"): Reference("NA_GCA-ZigBee/GCA-ZigBee_NA_8F30_ALERT_GBCS.HEX",
                               "gbz alert_code timestamp components()"),
    ("GCA", "ESME"): Reference("NA_GNCA-DLMS/GNCA-DLMS_NA_810E_ALERT_GBCS.HEX",
                               "dlms structure(long-unsigned,octet-string)"),
    ("GNCA", ""): Reference("NA_GCA-ZigBee/GCA-ZigBee_NA_8F30_ALERT_GBCS.HEX",
                            "gbz alert_code timestamp components()"),
    # usecases/alerts_device.py
    ("MIIWA-DLMS", ""): Reference("NA_MIIWA-DLMS/MIIWA-DLMS_NA_81A0_ALERT_GBCS.HEX", _DLMS_3),
    **{("ECS101", v): Reference(
        f"NA_ECS101/ECS101_NA_8F86_{v}_ALERT_GBCS.HEX",
        "dlms structure(long-unsigned,octet-string,unsigned,octet-string,octet-string,"
        "unsigned)") for v in ("INPUT", "OUTPUT")},
    **{("ECS102", v): Reference(f"NA_ECS102/ECS102_NA_8F87_{v}_ALERT_GBCS.HEX",
                                "dlms structure(long-unsigned,octet-string,unsigned,unsigned)")
       for v in ("INPUT", "OUTPUT")},
}
#: Use Case id → (section of gbcs-protocol.md, shape) for alerts no vendored vector shows:
#: the layout the document gives.
DOCUMENTED_SHAPES: Mapping[str, tuple[str, str]] = {
    "ECS80": ("§2.2", "dlms structure(long-unsigned,octet-string,octet-string,octet-string)"),
    "GCS53": ("§2.3", "gbz alert_code timestamp "
                      "component(0702,cluster_specific,06,server_to_client,encrypted)"),
    "CCS08": ("§2.4", "asn1 CCS08.alert(alert_code,execution_date_time,entity_id,"
                      "firmware_version,response_code)"),
    "CS02bAlert": ("§2.4", "asn1 CS02b.alert(alert_code,execution_date_time,"
                           "execution_outcome)"),
    # usecases/alerts_hub.py: octet-string(8) device id; octet-string(25) discarded message
    "DBCH06": ("§2.2", _DLMS_3),
    "DBCH10": ("§2.2", _DLMS_3),
    # usecases/alerts_device.py
    "MIIWA-ZigBee": ("§2.3", "gbz alert_code component_count integrity_code timestamp"),
    "ECS100": ("§2.2", "dlms structure(long-unsigned,octet-string,octet-string)"),
    "ECS200": ("§2.2", "dlms structure(long-unsigned,octet-string,utf8-string)"),
    "CS09": ("§2.4", "asn1 CS09.alert(alert_code,execution_date_time,firmware_version,"
                     "activate_image)"),
}


# ----------------------------------------------------------------------------
# Checks
# ----------------------------------------------------------------------------
async def set_aside(s: Session, message_code: int) -> None:
    """Claim the alerts of ``message_code`` that arrived before the trigger."""
    count = 0
    while True:
        try:
            await s.head.expect_alert(message_code, timeout=0)
        except ExchangeTimeout:
            break
        count += 1
    if count:
        s.log(f"{count} earlier alert(s) 0x{message_code:04X} set aside")


async def check_alert(s: Session, uc: str, message_code: int, alert_code: int, *,
                      device: str, recipient: str, timeout: float,
                      variant: str = "") -> DecodedMessage:
    """Await the alert and check it (module docstring); the verified alert."""
    what = f"{uc} (alert 0x{message_code:04X}, alert code 0x{alert_code:04X})"
    try:  # only the wait: a bad alert that did come fails its own check below
        dm = await s.head.expect_alert(message_code, alert_code=alert_code,
                                       originator=s.id(device), timeout=timeout)
    except TimeoutError:
        other = sorted({f"0x{alert_code_of(a) or 0:04X}" for a in s.head.unclaimed_alerts
                        if isinstance(a.frame, GbcsFrame) and a.frame.message_code ==
                        message_code and a.frame.originator == s.id(device)})
        s.check(False, f"the {device} raises {what} within {timeout:g} s"
                + (f" (it raised 0x{message_code:04X} with alert code {', '.join(other)})"
                   if other else ": no such alert"))
        raise  # unreachable: the check failed
    s.expect_response(dm, "alert")
    frame = dm.frame
    assert isinstance(frame, GbcsFrame)
    s.check(frame.cra is Cra.ALERT and frame.message_code == message_code and
            alert_code_of(dm) == alert_code, f"{what} arrives from the {device}")
    s.check(frame.recipient == recipient,
            f"{uc} is for {recipient} (recipient {frame.recipient})")
    if ALERT_MESSAGE_CODE_CRITICALITY.get(message_code) is Criticality.ALERT_CRITICAL:
        s.check(dm.signature.verdict is SecurityVerdict.VALID and frame.mac is None,
                f"{uc} is critical: signed by the {device} (signature "
                f"{dm.signature.verdict.value}), no MAC header")
    else:
        s.check(dm.mac.verdict is SecurityVerdict.VALID and not frame.signature,
                f"{uc} is non-critical: MAC'd (MAC {dm.mac.verdict.value}), not signed")
    reference = RTDS_SHAPES.get((uc, variant)) or RTDS_SHAPES.get((uc, ""))
    source, wanted = (f"RTDS {reference.vector.rsplit('/', 1)[-1]}", reference.shape) \
        if reference is not None else DOCUMENTED_SHAPES.get(uc, ("", ""))
    if wanted:
        shape = alert_shape(dm)
        s.check(shape == wanted, f"{uc}'s payload has the shape of {source}"
                + ("" if shape == wanted else f": {shape} ≠ {wanted}"))
    return dm


def alert_items(dm: DecodedMessage) -> list[dict[str, Any]]:
    """The items of a DLMS data-notification's structure."""
    return list(((dm.payload or {}).get("body") or {}).get("value", []))


def newcomer_of(s: Session) -> tuple[str, bytes]:
    """A device not yet on the premises (a second IHD) and its install code (16 bytes, its
    label's) — for CCS01 to add."""
    newcomer = PremisesIds(s.premises.n).device(0xD)
    return newcomer, bytes.fromhex(newcomer)[::-1] * 2


def title_of(uc: str) -> str:
    """The catalogue title of Use Case ``uc``."""
    return catalogue.get(uc).title


# ----------------------------------------------------------------------------
# Triggers
# ----------------------------------------------------------------------------
async def future_dated(s: Session, uc: str, variant: str) -> tuple[int, dt.datetime]:
    """Send the RTDS future-dated ``variant`` of catalogue entry ``uc``, its execution
    times set to :data:`LEAD` after the device clock; (its counter, when it runs)."""
    defn = catalogue.get(uc)
    v = defn.variant(variant)
    when = s.premises.now() + LEAD
    overrides = time_overrides(defn, v, when, future_only=True)
    dlms = "invoke_id" in parameters(defn, v)

    def payload(counter: int) -> bytes:
        values = ({"invoke_id": dlms_invoke_id(counter)} if dlms else {}) | overrides
        return encode_payload(defn.family, payload_tree(defn, v, **values))

    r = await s.send(defn.message_code, to=device_of(defn, v), payload=payload,
                     originator=v.originator or SUPPLIER)
    assert r.frame is not None
    s.log(f"{uc} {variant} accepted, to run at {when.isoformat()}")
    return r.frame.counter, when


def firmware_image(device: str, file_version: int = 0x0123ABCF) -> FirmwareImage:
    """A firmware image for the emulated ``device`` kind (ESME, GSME, PPMID)."""
    return FirmwareImage(MANUFACTURER_CODE, IMAGE_TYPES[device], file_version,
                         bytes((7 * i) & 0xFF for i in range(160)))


def distribute(s: Session, device: str, image: FirmwareImage) -> None:
    """The DCC hands the Comms Hub ``image`` for ``device`` on the supplier's behalf."""
    hub = s.premises.hub
    assert hub is not None
    hub.ota.offer(s.id(device), image, requester=SUPPLIER)
    s.log(f"the Comms Hub has firmware {image.version} for the {device} "
          f"(hash {image.image_hash[:16]}…)")


def _month_after(moment: dt.datetime) -> dt.datetime:
    first = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first + dt.timedelta(days=32)).replace(day=1)


# ----------------------------------------------------------------------------
# The Use Cases
# ----------------------------------------------------------------------------
@usecase("CS14", title_of("CS14"), devices=["CHF"], tags=["alert", "CHF"], message_codes=[0x0018])
async def cs14(s: Session, timeout: float = 5.0) -> None:
    """CCS01 adds a second IHD to the CHF device log; the CHF raises CS14 with the log."""
    await set_aside(s, 0x0018)
    newcomer, install_code = newcomer_of(s)
    await s.send(0x0001, to="CHF", originator=ACB,
                 payload=lambda c: build.ccs01_payload(c, newcomer, install_code),
                 supplementary_remote_party_id=SUPPLIER,
                 supplementary_remote_party_counter=s.head.next_counter(SUPPLIER))
    dm = await check_alert(s, "CS14", 0x0018, 0x8F12, device="CHF", recipient=ACB,
                           timeout=timeout)
    log = alert_items(dm)[2]["value"][2]["value"]
    s.check(any(e["value"][0]["value"] == newcomer for e in log),
            f"the device log in CS14 holds the new device {newcomer}")


@usecase("GCS62", title_of("GCS62"), devices=["GPF"], tags=["alert", "GPF"], message_codes=[0x00B2])
async def gcs62(s: Session, timeout: float = 5.0) -> None:
    """CS03B joins the CAD to the GPF; the GPF's device log changed: GCS62 backs it up."""
    await set_aside(s, 0x00B2)
    cad = s.id("CAD")
    await s.send(0x000E, to="GPF", payload=encode_payload(PayloadFamily.ASN1, {
        "schema": "CS03B.command", "join_method_and_role": 2, "other_entity_id": cad,
        "other_device_type": 6, "other_device_certificate": None}))
    dm = await check_alert(s, "GCS62", 0x00B2, 0x8071, device="GPF", recipient=ACB,
                           timeout=timeout)
    entries = (dm.payload or {}).get("device_log_entries", [])
    s.check({"device_id": cad, "device_type": 6} in
            [{"device_id": e.get("device_id"), "device_type": e.get("device_type")}
             for e in entries], f"the GPF device log in GCS62 holds the CAD {cad} (Type 2)")


@usecase("DBCH09", title_of("DBCH09"), devices=["CHF"], tags=["alert", "CHF"],
          message_codes=[0x0113])
async def dbch09(s: Session, timeout: float = 5.0) -> None:
    """DBCH04 changes the CHF's sub-GHz configuration (RTDS DBCH04 SUCCESS, one value
    changed); the CHF raises DBCH09 with the new configuration."""
    await set_aside(s, 0x0113)
    defn = catalogue.get("DBCH04")
    tree = payload_tree(defn, defn.variant("SUCCESS"))
    configuration = tree["data"][0]
    configuration["value"][-1]["value"] += 100

    def payload(counter: int) -> bytes:
        return encode_dlms_payload(tree | {"invoke_id": dlms_invoke_id(counter)})

    await s.send(0x010D, to="CHF", payload=payload, originator=ACB,
                 supplementary_remote_party_id=SUPPLIER,
                 supplementary_remote_party_counter=s.head.next_counter(SUPPLIER))
    dm = await check_alert(s, "DBCH09", 0x0113, 0x8F2A, device="CHF", recipient=ACB,
                           timeout=timeout)
    s.check(alert_items(dm)[2] == configuration,
            "DBCH09 carries the configuration DBCH04 wrote")


@usecase("ECS68", title_of("ECS68"), devices=["ESME"], tags=["alert", "ESME"],
          message_codes=[0x0061])
async def ecs68(s: Session, timeout: float = 5.0) -> None:
    """The ESME's billing calendar fires: it pushes its billing data log entry, encrypted
    for the supplier."""
    await set_aside(s, 0x0061)
    when = s.premises.esme.billing.next_after(s.premises.now())
    s.check(when is not None, "the ESME's billing calendar has a next date")
    assert when is not None
    await s.advance_to(when + dt.timedelta(minutes=1))
    dm = await check_alert(s, "ECS68", 0x0061, 0x8F0A, device="ESME", recipient=SUPPLIER,
                           timeout=timeout)
    s.check(dm.decrypted is True, "the billing data log in ECS68 decrypts for the supplier")


@usecase("ECS80", title_of("ECS80"), devices=["ESME"], tags=["alert", "ESME"],
          message_codes=[0x0067])
async def ecs80(s: Session, timeout: float = 5.0, outage_minutes: int = 5) -> None:
    """The ESME's mains supply fails and comes back ``outage_minutes`` later (at least 3:
    8F36 "Supply Outage Restored - Outage >= 3 minutes")."""
    await set_aside(s, 0x0067)
    esme = s.premises.esme
    esme.supply_lost()
    lost = s.premises.now()
    await s.advance_to(lost + dt.timedelta(minutes=outage_minutes))
    await esme.supply_restored()
    s.log(f"the ESME's supply was off for {outage_minutes} minutes")
    dm = await check_alert(s, "ECS80", 0x0067, 0x8F36, device="ESME", recipient=SUPPLIER,
                           timeout=timeout)
    s.check(alert_items(dm)[2]["value"] == dlms_date_time(lost).to_bytes().hex().upper(),
            "ECS80 names when the supply was lost")


@usecase("GCS53", title_of("GCS53"), devices=["GSME"], tags=["alert", "GSME"],
          message_codes=[0x008B])
async def gcs53(s: Session, timeout: float = 5.0) -> None:
    """The GSME's billing period ends (month start): it pushes its billing data log
    snapshot, encrypted for the supplier."""
    await set_aside(s, 0x008B)
    await s.advance_to(_month_after(s.premises.now()) + dt.timedelta(minutes=30))
    await s.premises.wake_gsme()
    dm = await check_alert(s, "GCS53", 0x008B, 0x8F0A, device="GSME", recipient=SUPPLIER,
                           timeout=timeout)
    s.check(dm.decrypted is True, "the billing snapshot in GCS53 decrypts for the supplier")


@usecase("FDRA-DLMS", title_of("FDRA-DLMS"), devices=["ESME"], tags=["alert", "ESME"],
          message_codes=[0x00CE])
async def fdra_dlms(s: Session, timeout: float = 5.0) -> None:
    """A firmware image distributed to the ESME: it reports its receipt (8F72) with the
    calculated manufacturer image hash."""
    await set_aside(s, 0x00CE)
    image = firmware_image("ESME")
    distribute(s, "ESME", image)
    dm = await check_alert(s, "FDRA-DLMS", 0x00CE, 0x8F72, device="ESME",
                           recipient=SUPPLIER, timeout=timeout)
    s.check(alert_items(dm)[2]["value"] == image.image_hash,
            "the hash in the receipt is the distributed image's")


@usecase("FDRA-ZigBee", title_of("FDRA-ZigBee"), devices=["GSME"], tags=["alert", "GSME"],
          message_codes=[0x00CF])
async def fdra_zigbee(s: Session, timeout: float = 5.0) -> None:
    """A firmware image distributed to the GSME, fetched when it wakes: it reports its
    receipt (8F72) with the calculated manufacturer image hash."""
    await set_aside(s, 0x00CF)
    image = firmware_image("GSME")
    distribute(s, "GSME", image)
    await s.premises.wake_gsme()
    dm = await check_alert(s, "FDRA-ZigBee", 0x00CF, 0x8F72, device="GSME",
                           recipient=SUPPLIER, timeout=timeout)
    s.check((dm.payload or {}).get("manufacturer_image_hash") == image.image_hash,
            "the hash in the receipt is the distributed image's")


@usecase("CCS08", title_of("CCS08"), devices=["CHF"], tags=["alert", "CHF"], message_codes=[0x0128])
async def ccs08(s: Session, timeout: float = 5.0) -> None:
    """The Comms Hub transfers a firmware image to the ESME and reports the transfer
    (8F8A) to the supplier who distributed it."""
    await set_aside(s, 0x0128)
    image = firmware_image("ESME")
    distribute(s, "ESME", image)
    dm = await check_alert(s, "CCS08", 0x0128, 0x8F8A, device="CHF", recipient=SUPPLIER,
                           timeout=timeout)
    p = dm.payload or {}
    s.check((p.get("entity_id"), p.get("firmware_version"), p.get("response_code")) ==
            (s.id("ESME"), image.version, 0),
            f"CCS08 reports firmware {image.version} transferred to the ESME successfully")


@usecase("CS06Alert", title_of("CS06Alert"), devices=["ESME"], tags=["alert", "ESME"],
          message_codes=[0x00CA])
async def cs06_alert(s: Session, timeout: float = 5.0) -> None:
    """After an image was distributed to the ESME (its receipt awaited), CS06 activates it
    future-dated; when the time comes the ESME reports the activation (8F66)."""
    await set_aside(s, 0x00CA)
    image = firmware_image("ESME")
    distribute(s, "ESME", image)
    await s.expect_alert(0x00CE, originator="ESME", timeout=timeout)
    when = s.premises.now() + LEAD

    r = await s.send(0x0012, to="ESME", payload=lambda counter: build.cs06_payload(
        bytes.fromhex(image.image_hash), counter, generalized_time(when)))
    s.check((r.payload or {}).get("schema") == "CS06.response.accepted",
            "the ESME accepts the future-dated activation")
    await s.advance_to(when + dt.timedelta(minutes=1))
    dm = await check_alert(s, "CS06Alert", 0x00CA, 0x8F66, device="ESME",
                           recipient=SUPPLIER, timeout=timeout)
    p = dm.payload or {}
    outcome = p.get("outcome") or {}
    s.check((outcome.get("response_code"), outcome.get("firmware_version")) ==
            (0, image.version), f"the ESME now runs firmware {image.version}")
    s.check(p.get("originator_counter") == (r.frame.counter if r.frame else None),
            "the alert names the CS06 command's counter")


@usecase("FDEA-DLMS", title_of("FDEA-DLMS"), devices=["ESME"], tags=["alert", "ESME"],
          message_codes=[0x00CC])
async def fdea_dlms(s: Session, timeout: float = 5.0) -> None:
    """ECS02 future-dated (RTDS FUTURE_DATED_TWIN_SUCCESS); when its time comes the ESME
    reports the execution (8F66) naming the command."""
    await set_aside(s, 0x00CC)
    counter, when = await future_dated(s, "ECS02", "FUTURE_DATED_TWIN_SUCCESS")
    await s.advance_to(when + dt.timedelta(minutes=1))
    dm = await check_alert(s, "FDEA-DLMS", 0x00CC, 0x8F66, device="ESME",
                           recipient=SUPPLIER, timeout=timeout)
    described = bytes.fromhex(alert_items(dm)[2]["value"])
    s.check((int.from_bytes(described[:2], "big"), int.from_bytes(described[2:10], "big"))
            == (0x001A, counter), "the alert names the ECS02 command (code, counter)")


@usecase("FDEA-ZigBee", title_of("FDEA-ZigBee"), devices=["GSME"], tags=["alert", "GSME"],
          message_codes=[0x00CD])
async def fdea_zigbee(s: Session, timeout: float = 5.0) -> None:
    """GCS02 future-dated (RTDS FUTURE_DATED_SUCCESS); the GSME runs it at its time and,
    awake, reports the execution (8F66) naming the command."""
    await set_aside(s, 0x00CD)
    counter, when = await future_dated(s, "GCS02", "FUTURE_DATED_SUCCESS")
    await s.advance_to(when + dt.timedelta(minutes=1))
    await s.premises.wake_gsme()
    dm = await check_alert(s, "FDEA-ZigBee", 0x00CD, 0x8F66, device="GSME",
                           recipient=SUPPLIER, timeout=timeout)
    execution = (dm.payload or {}).get("future_dated_execution") or {}
    s.check((execution.get("message_code"), execution.get("originator_counter")) ==
            (0x006C, counter), "the alert names the GCS02 command (code, counter)")


@usecase("CS02gAlert", title_of("CS02gAlert"), devices=["ESME"], tags=["alert", "ESME"],
          message_codes=[0x0124])
async def cs02g_alert(s: Session, timeout: float = 5.0) -> None:
    """CS02g loadControllerBySupplier future-dated (RTDS FUTURE_DATED_SUCCESS); at its
    time the ESME replaces the load controller's trust anchors and reports it (8F66)."""
    await set_aside(s, 0x0124)
    _, when = await future_dated(s, "CS02gLoadControllerBySupplier", "FUTURE_DATED_SUCCESS")
    await s.advance_to(when + dt.timedelta(minutes=1))
    await check_alert(s, "CS02gAlert", 0x0124, 0x8F66, device="ESME", recipient=SUPPLIER,
                      timeout=timeout)


@usecase("CS02bAlert", title_of("CS02bAlert"), devices=["ESME"], tags=["alert", "ESME"],
          message_codes=[0x00CB])
async def cs02b_alert(s: Session, timeout: float = 5.0) -> None:
    """CS02b networkOperatorByNetworkOperator (RTDS 6.15.1 SUCCESS) with an execution
    date-time (§2.4 ``executionDateTime``); at that time the ESME replaces the network
    operator's trust anchors and reports it (8F66) to the command's originator."""
    await set_aside(s, 0x00CB)
    defn = catalogue.get("CS02bNOByNO")
    variant = defn.variant("SUCCESS")
    when = s.premises.now() + LEAD
    tree = payload_tree(defn, variant) | {"execution_date_time": generalized_time(when)}
    r = await s.send(defn.message_code, to="ESME", payload=encode_payload(defn.family, tree),
                     originator=variant.originator)
    s.check((r.payload or {}).get("execution_outcome") is None,
            "the ESME accepts the replacement for later")
    await s.advance_to(when + dt.timedelta(minutes=1))
    dm = await check_alert(s, "CS02bAlert", 0x00CB, 0x8F66, device="ESME",
                           recipient=variant.originator, timeout=timeout)
    outcome = (dm.payload or {}).get("execution_outcome") or {}
    statuses = [o.get("status") for o in outcome.get("replacement_outcomes", [])]
    s.check(statuses and all(st == 0 for st in statuses),
            f"every trust anchor was replaced (statuses {statuses})")


VARIANTS = ("GSME", "ESME")


@usecase("GCA", title_of("GCA"), devices=VARIANTS, tags=["alert", *VARIANTS], variants=VARIANTS,
          message_codes=[0x1000])
async def gca(s: Session, variant: str = "GSME", timeout: float = 5.0) -> None:
    """A command whose MAC does not verify: the device refuses it with the Generic Critical
    Alert (8F53 authentication failure) to the command's originator."""
    await set_aside(s, 0x1000)
    await s.send_frame(with_bad_mac(s, variant), to=variant, expect_response=False)
    await check_alert(s, "GCA", 0x1000, 0x8F53, device=variant, recipient=s.originator,
                      timeout=timeout, variant=variant)


@usecase("GNCA", title_of("GNCA"), devices=["GSME"], tags=["alert", "GSME"], message_codes=[0x1001])
async def gnca(s: Session, timeout: float = 5.0, pence: int = 500) -> None:
    """The consumer tops up on the PPMID (PCS01): the GSME's event "credit added locally"
    (810E) is configured to push to the WAN: Generic Non Critical Alert."""
    await set_aside(s, 0x1001)
    p = s.premises
    result = await p.through_queue(p.ppmid.top_up(p.utrn(pence), meter=p.gsme_id), p.gsme_id)
    s.check(result.accepted, f"the GSME accepts the PPMID's top-up ({result.verdict})")
    await check_alert(s, "GNCA", 0x1001, 0x810E, device="GSME", recipient=SUPPLIER,
                      timeout=timeout)


#: Alert-only codes without a Use Case: nothing on the emulated premises can honestly
#: raise them (catalogue id → why).
NOT_PROVOKED: Mapping[str, str] = {
    "FDRPMA": ("0x00D5 (8F84) is in no RTDS vector; its criticality and sender are unknown "
               "(§3: 'ESME (from CHF?)'), so no protection could be checked"),
}
