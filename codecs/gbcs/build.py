# SPDX-License-Identifier: GPL-3.0-or-later
"""Building GBCS commands from parameters (gbcs-protocol.md §1.6, gbcs-security.md §1).

:func:`command` makes the unprotected frame; :func:`protect` signs and/or MACs it as the
message code's criticality requires (catalogue, gbcs-protocol.md §3); :func:`precommand`
gives the DUIS pre-command a user signs. The ``*_payload`` functions build the payloads of a
few use cases from typed fields; the Use Case library builds the rest from the same parts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gfi.codecs.gbcs.catalogue import Criticality, lookup
from gfi.codecs.gbcs.message import Cra, DlmsDateTime, GbcsFrame, OtherInformation
from gfi.codecs.security.gbcs import SecurityContext, secure
from gfi.errors import LocalProtocolError


def command(message_code: int, *, counter: int, originator: str, recipient: str,
            payload: bytes, date_time: DlmsDateTime | None = None,
            supplementary_remote_party_id: str | None = None,
            supplementary_remote_party_counter: int | None = None,
            certificate: bytes | None = None) -> GbcsFrame:
    """An unprotected command frame (empty signature field, no MAC header)."""
    if not 0 <= counter < 1 << 64:
        raise LocalProtocolError(f"originator counter {counter} does not fit in 64 bits")
    return GbcsFrame(
        cra=Cra.COMMAND, counter=counter, originator=originator.upper(),
        recipient=recipient.upper(), date_time=date_time, payload=payload,
        other_information=OtherInformation(
            message_code, supplementary_remote_party_id, supplementary_remote_party_counter,
            None, certificate),
    )


#: (sign, MAC) per criticality (gbcs-protocol.md §1.1).
_PROTECTION = {
    Criticality.CRITICAL: (True, True),
    Criticality.NON_CRITICAL: (False, True),
    Criticality.CRITICAL_NO_MAC: (True, False),
    Criticality.ALERT_CRITICAL: (True, False),
    Criticality.ALERT_NON_CRITICAL: (False, True),
}


def protect(frame: GbcsFrame, ctx: SecurityContext,
            criticality: Criticality | None = None) -> GbcsFrame:
    """Sign and/or MAC ``frame`` as its criticality requires (signature first, then MAC)."""
    if criticality is None:
        info = lookup(frame.message_code)
        if info is None:
            raise LocalProtocolError(f"message code {frame.message_code:04X} is not in the "
                                     "catalogue: say which criticality to apply")
        criticality = info.criticality
    if criticality not in _PROTECTION:
        raise LocalProtocolError(
            f"message code {frame.message_code:04X} has criticality {criticality.value!r}: "
            "say explicitly whether to sign and/or MAC")
    sign, mac = _PROTECTION[criticality]
    return secure(frame, ctx, sign=sign, mac=mac)


def precommand(frame: GbcsFrame) -> GbcsFrame:
    """The DUIS pre-command: grouping header and payload, no signature field, no MAC."""
    return frame.with_changes(signature=None, mac=None)


# ----------------------------------------------------------------------------
# Typed payloads
# ----------------------------------------------------------------------------
def _dlms(tree: dict[str, Any]) -> bytes:
    from gfi.codecs.dlms import encode_dlms_payload

    return encode_dlms_payload(tree)


def _invoke_id(counter: int) -> int:
    from gfi.codecs.dlms import dlms_invoke_id

    return dlms_invoke_id(counter)


def cs06_payload(manufacturer_image_hash: bytes, originator_counter: int,
                 execution_date_time: str | None = None) -> bytes:
    """CS06 Activate Firmware (ASN.1, gbcs-protocol.md §2.4); ``execution_date_time`` as a
    GeneralizedTime ``YYYYMMDDhhmmssZ`` for a future-dated activation."""
    from gfi.codecs.asn1 import encode_asn1_payload

    if len(manufacturer_image_hash) != 32:
        raise LocalProtocolError("the manufacturer image hash is SHA-256: 32 bytes")
    return encode_asn1_payload({
        "schema": "CS06.command",
        "manufacturer_image_hash": manufacturer_image_hash.hex().upper(),
        "originator_counter": originator_counter,
        "execution_date_time": execution_date_time,
    })


#: A COSEM attribute to read: (class id, OBIS "A-B:C.D.E.F", attribute id).
Attribute = tuple[int, str, int]


def _obis_hex(obis: str) -> str:
    from gfi.codecs.dlms.apdu import Obis

    return bytes(Obis.build(obis)).hex().upper()


def _protected_read(counter: int, originator: str, recipient: str, obis: str,
                    attributes: list[Attribute],
                    restriction: dict[str, Any] | None = None) -> bytes:
    """Action "get protected attributes" (method 1) on a Data Protection object (class 30):
    the attributes to read (each with ``restriction``, default none), then the protection
    wanted — authenticated and encrypted for ``recipient`` (gbcs-protocol.md §2.2)."""
    o = {"type": "octet-string"}
    no_restriction = {"type": "structure", "value": [
        {"type": "enum", "value": 0}, {"type": "null-data"}]}
    wanted = [{"type": "structure", "value": [
        {"type": "long-unsigned", "value": class_id},
        {**o, "value": _obis_hex(attr_obis)},
        {"type": "integer", "value": attribute_id},
        {"type": "long-unsigned", "value": 0},  # data index: the whole attribute
        restriction or no_restriction,
    ]} for class_id, attr_obis, attribute_id in attributes]
    parameters = {"type": "structure", "value": [
        {"type": "enum", "value": 2},  # authentication + encryption
        {"type": "structure", "value": [
            {**o, "value": "04" + f"{counter:016X}"},  # transaction id: CRA 04 + counter
            {**o, "value": originator},
            {**o, "value": recipient},
            {**o, "value": ""},  # other information
            {"type": "structure", "value": [  # key info: agreed key, C(0e, 2s ECC CDH)
                {"type": "enum", "value": 2},
                {"type": "structure", "value": [{**o, "value": "02"}, {**o, "value": ""}]},
            ]},
        ]},
    ]}
    return _dlms({
        "apdu": "access-request", "invoke_id": _invoke_id(counter), "date_time": "",
        "specs": [{"choice": "action",
                   "descriptor": {"class_id": 30, "obis": obis, "method_id": 1}}],
        "data": [{"type": "structure", "value": [
            {"type": "array", "value": wanted},
            {"type": "array", "value": [parameters]},
        ]}],
    })


#: What ECS17b reads through the Import Register Collection in RTDS 4.5.0.
ECS17B_ATTRIBUTES: list[Attribute] = [(1, "0-0:94.44.34.10", 2)]


def ecs17b_payload(counter: int, originator: str, recipient: str,
                   attributes: list[Attribute] | None = None) -> bytes:
    """ECS17b Read ESME Energy Registers (Import Energy): get protected attributes through
    the Import Register Collection 0-0:43.2.8.255, encrypted for the requesting party."""
    return _protected_read(counter, originator, recipient, "0-0:43.2.8.255",
                           ECS17B_ATTRIBUTES if attributes is None else attributes)


def _date_time_hex(moment: datetime) -> str:
    """A 12-byte DLMS date-time of a UTC instant in the form of the RTDS ECS66 range bounds
    (gbcs-protocol.md §1.4): day of week, deviation (``8000``) and clock status (``FF``) not
    specified; whole seconds."""
    if moment.tzinfo is None:
        raise LocalProtocolError("a range bound needs a timezone-aware datetime")
    u = moment.astimezone(UTC)
    return DlmsDateTime(u.year, u.month, u.day, 0xFF, u.hour, u.minute, u.second, 0,
                        -0x8000, 0xFF).to_bytes().hex().upper()


def date_range_restriction(start: datetime, end: datetime) -> dict[str, Any]:
    """The restriction of a protected log read to the entries from ``start`` to ``end``
    (both inclusive): {enum 1 date range, {from, to}} (gbcs-protocol.md §2.2)."""
    if end < start:
        raise LocalProtocolError(f"the range ends ({end.isoformat()}) before it starts "
                                 f"({start.isoformat()})")
    o = {"type": "octet-string"}
    return {"type": "structure", "value": [
        {"type": "enum", "value": 1},
        {"type": "structure", "value": [{**o, "value": _date_time_hex(start)},
                                        {**o, "value": _date_time_hex(end)}]}]}


#: ECS22b: the Profile Data Log (active import, half-hourly) through its collection.
ECS22B_COLLECTION = "0-0:43.2.7.255"
ECS22B_ATTRIBUTES: list[Attribute] = [(7, "0-0:99.1.0.255", 2)]


def ecs22b_payload(counter: int, originator: str, recipient: str, start: datetime,
                   end: datetime) -> bytes:
    """ECS22b Read ESME Profile Data Log (active import, gbcs-protocol.md Appendix A 0037;
    product.md §4.7): get protected attributes through the Profile Data Log Collection
    0-0:43.2.7.255, the buffer of 0-0:99.1.0.255 restricted to the entries stamped from
    ``start`` to ``end`` (both inclusive), encrypted for the requesting party."""
    return _protected_read(counter, originator, recipient, ECS22B_COLLECTION,
                           ECS22B_ATTRIBUTES, date_range_restriction(start, end))


def ccs01_payload(counter: int, device_id: str, install_code: bytes) -> bytes:
    """CCS01 Add device to CHF device log: Register Device (class 104 method 1) with the
    device's EUI-64 and install code."""
    return _dlms({
        "apdu": "access-request", "invoke_id": _invoke_id(counter), "date_time": "",
        "specs": [{"choice": "action",
                   "descriptor": {"class_id": 104, "obis": "0-0:30.3.0.255", "method_id": 1}}],
        "data": [{"type": "structure", "value": [
            {"type": "octet-string", "value": device_id.upper()},
            {"type": "octet-string", "value": install_code.hex().upper()}]}],
    })


def ccs02_payload(counter: int, device_id: str) -> bytes:
    """CCS02 Remove device from CHF device log: Unregister Device (class 104 method 2)."""
    return _dlms({
        "apdu": "access-request", "invoke_id": _invoke_id(counter), "date_time": "",
        "specs": [{"choice": "action",
                   "descriptor": {"class_id": 104, "obis": "0-0:30.3.0.255", "method_id": 2}}],
        "data": [{"type": "octet-string", "value": device_id.upper()}],
    })


# ----------------------------------------------------------------------------
# GBZ (gbcs-protocol.md §2.3)
# ----------------------------------------------------------------------------
#: A ZCL command for a GBZ component: (cluster id, command id, frame type
#: "profile_wide" | "cluster_specific", direction "client_to_server" | "server_to_client",
#: payload in the form the ZCL codec decodes to).
ZclCommand = tuple[int, int, str, str, dict[str, Any]]


def gbz_payload(commands: list[ZclCommand],
                from_date_times: list[int | None] | None = None) -> bytes:
    """A GBZ payload of one component per ZCL command; sequence numbers count from 0 and
    the last component is flagged (§2.3). ``from_date_times`` future-dates components
    (seconds since 2000-01-01; ``0xFFFFFFFF`` cancels)."""
    from gfi.codecs.gbcs.gbz import encode_gbz_payload

    if not commands:
        raise LocalProtocolError("a GBZ payload needs at least one component")
    dates = from_date_times or [None] * len(commands)
    if len(dates) != len(commands):
        raise LocalProtocolError("one from-date-time (or None) per component")
    components = []
    for seq, ((cluster, command_id, frame_type, direction, payload), date) in enumerate(
            zip(commands, dates, strict=True)):
        components.append({
            "control": {"last_component": seq == len(commands) - 1, "encrypted": False,
                        "from_date_time_present": date is not None, "reserved": 0},
            "cluster_id": cluster,
            "from_date_time": date,
            "frame": {
                "frame_control": {"frame_type": frame_type, "manufacturer_specific": False,
                                  "direction": direction, "disable_default_response": False,
                                  "reserved": 0},
                "manufacturer_code": None, "sequence_number": seq,
                "command_id": command_id, "payload": payload,
            },
        })
    return encode_gbz_payload({"components": components})


def read_attributes(cluster: int, attribute_ids: list[int]) -> ZclCommand:
    """A ZCL Read Attributes command (profile-wide command 0x00)."""
    return (cluster, 0x00, "profile_wide", "client_to_server", {"attribute_ids": attribute_ids})


#: Metering attributes GCS13b reads: block 1-4 summations, divisor, multiplier, unit of
#: measure (gbcs-protocol.md Appendix B).
GCS13B_ATTRIBUTES = [0x0700, 0x0701, 0x0702, 0x0703, 0x0302, 0x0301, 0x0300]
METERING_CLUSTER = 0x0702


def gcs13b_payload(attribute_ids: list[int] | None = None) -> bytes:
    """GCS13b Read GSME Block Counters: Metering Read Attributes."""
    return gbz_payload([read_attributes(
        METERING_CLUSTER, GCS13B_ATTRIBUTES if attribute_ids is None else attribute_ids)])
