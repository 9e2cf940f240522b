# SPDX-License-Identifier: GPL-3.0-or-later
"""GBZ payloads: GBCS's wrapper of ZigBee ZCL frames (gbcs-protocol.md §2.3, §4.1).

Commands and responses::

    01 09 | N | component[1..N]

Alerts (CRA 3)::

    01 09 | N | alert code (2, BE) | timestamp (4, BE) | component[1..N] or use-case bytes

Component::

    extended header control (1) | cluster id (2, BE) | GBZ command length (2, BE)
    | [from date time (4, BE)] | ZCL frame                         (plaintext)
                                | additional header control (1)
                                | additional frame counter (1)
                                | ZCL header: frame control, sequence number, command id
                                | length of ciphered information (2, BE)
                                | 31 | invocation counter (4) | ciphertext | tag (12)

The GBZ wrapper is big-endian; the ZCL frame inside is little-endian and is decoded by
:mod:`gfi.codecs.zcl` down to the last byte of its payload. Encrypted components are kept as
hex fields and never decrypted here (house style rule 6): :func:`encrypted_components` hands
them to the security layer, and :func:`decode_zcl_command_payload` decodes the plaintext it
gets back.

Decoded trees (all JSON-native; ``*_name`` keys are informational and ignored by
:func:`encode_gbz_payload`, as is a ``decrypted`` key added next to an encrypted frame)::

    command / response:  {"components": [component, ...]}
    alert:               {"alert_code", "timestamp", "components": [...]}
    alert 0x00CD:        {"component_count", "alert_code", "timestamp",
                          "future_dated_execution": {"message_code", "originator_counter",
                              "cluster_id", "cluster_name", "frame_control", "command_id",
                              "command_name"}}
    alert 0x00CF:        {"component_count", "alert_code", "timestamp",
                          "manufacturer_image_hash": hex}
    alert 0x00F2:        {"component_count", "alert_code", "timestamp", "integrity_code"}
    component:           {"control": {"last_component", "encrypted", "from_date_time_present",
                                      "reserved"},
                          "cluster_id", "cluster_name", "from_date_time": int | None,
                          "frame": plaintext or encrypted frame}
    plaintext frame:     {"frame_control": {...}, "manufacturer_code", "sequence_number",
                          "command_id", "command_name", "payload": {...} | {"raw": hex}}
    encrypted frame:     {"additional_header_control", "additional_frame_counter",
                          "frame_control": {...}, "manufacturer_code", "sequence_number",
                          "command_id", "command_name",
                          "ciphered_information": {"security_control", "invocation_counter",
                                                   "ciphertext": hex, "tag": hex}}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import construct as cs
from construct import this

from gfi.codecs.gbcs.frame import CRA_ALERT
from gfi.codecs.primitives import HexBytes, LengthPrefixedHex, decode_exact, encode_with, plain
from gfi.codecs.zcl import (
    cluster_name,
    decode_command_payload,
    describe_frame,
    encode_command_payload,
    frame_command,
    frame_control_value,
    zcl_frame,
)
from gfi.codecs.zcl.frame import FrameControl
from gfi.codecs.zcl.types import BitFields
from gfi.errors import DecodeError, EncodeError

__all__ = [
    "decode_gbz_payload",
    "decode_zcl_command_payload",
    "encode_gbz_payload",
    "encode_zcl_command_payload",
    "encrypted_components",
]

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
#: ZigBee Smart Energy profile id, big-endian: the first two bytes of every GBZ payload.
PROFILE_ID = b"\x01\x09"

CONTROL_LAST_COMPONENT = 0x01
CONTROL_ENCRYPTED = 0x02
CONTROL_FROM_DATE_TIME = 0x10

#: Security control byte of encrypted GBZ content (encryption only, gbcs-security.md §1.5).
SECURITY_CONTROL_ENCRYPTED = 0x31
TAG_LENGTH = 12
#: Security control (1) + invocation counter (4) + tag: the ciphered information around the
#: ciphertext.
CIPHER_OVERHEAD = 5 + TAG_LENGTH

#: Message codes of the alerts whose body is not made of components (§2.3 "GBZ alert layouts").
MESSAGE_CODE_FUTURE_DATED_ALERT = 0x00CD
MESSAGE_CODE_FIRMWARE_RECEIPT_ALERT = 0x00CF
MESSAGE_CODE_INTEGRITY_ALERT = 0x00F2

# ----------------------------------------------------------------------------
# Headers
# ----------------------------------------------------------------------------
#: Header of a command or response payload.
GbzHeader = cs.Struct(cs.Const(PROFILE_ID), "component_count" / cs.Int8ub)

#: Header of an alert payload: the alert code (e.g. 8F66) and a UTC timestamp in seconds
#: since 2000-01-01 (§4.1).
GbzAlertHeader = cs.Struct(
    cs.Const(PROFILE_ID),
    "component_count" / cs.Int8ub,
    "alert_code" / cs.Int16ub,
    "timestamp" / cs.Int32ub,
)

# ----------------------------------------------------------------------------
# Components
# ----------------------------------------------------------------------------
#: Extended header control: bit 0 last component, bit 1 encrypted, bit 4 from-date-time
#: present; other bits kept under ``"reserved"``.
ExtendedHeaderControl = BitFields(
    cs.Int8ub,
    8,
    ("last_component", CONTROL_LAST_COMPONENT, None),
    ("encrypted", CONTROL_ENCRYPTED, None),
    ("from_date_time_present", CONTROL_FROM_DATE_TIME, None),
)


def _ciphered_length(context: Any) -> int:
    ciphertext = context.ciphertext
    size = len(ciphertext) if isinstance(ciphertext, bytes | bytearray) else len(ciphertext) // 2
    return CIPHER_OVERHEAD + size


#: Ciphered information: ``31 ‖ invocation counter ‖ ciphertext ‖ 12-byte tag``; the plaintext
#: is the ZCL payload (gbcs-security.md §1.5).
CipheredInformation = cs.Struct(
    "_length" / cs.Rebuild(cs.Int16ub, _ciphered_length),
    cs.Check(this._length >= CIPHER_OVERHEAD) * "ciphered information holds at least 17 bytes",
    "security_control" / cs.Int8ub,
    "invocation_counter" / cs.Int32ub,
    "ciphertext" / HexBytes(cs.Bytes(this._length - CIPHER_OVERHEAD)),
    "tag" / HexBytes(cs.Bytes(TAG_LENGTH)),
)


def _manufacturer_specific(context: Any) -> bool:
    return bool(context.frame_control.get("manufacturer_specific", False))


#: An encrypted component's frame: additional header, the ZCL header in clear, the ciphered
#: ZCL payload.
EncryptedZclFrame = cs.Struct(
    "additional_header_control" / cs.Int8ub,
    "additional_frame_counter" / cs.Int8ub,
    "frame_control" / FrameControl,
    "manufacturer_code" / cs.If(_manufacturer_specific, cs.Int16ul),
    "sequence_number" / cs.Int8ub,
    "command_id" / cs.Int8ub,
    "ciphered_information" / CipheredInformation,
)


def _from_date_time_present(context: Any) -> bool:
    return bool(context._.control.get("from_date_time_present", False))


def _encrypted(context: Any) -> bool:
    return bool(context._.control.get("encrypted", False))


#: What the GBZ command length counts: from-date-time (W's reading: whenever bit 4 is set,
#: even on encrypted components, §7 item 8) and the frame, to the last byte.
GbzCommand = cs.Struct(
    "from_date_time" / cs.If(_from_date_time_present, cs.Int32ub),
    "frame" / cs.IfThenElse(_encrypted, EncryptedZclFrame, zcl_frame(this._._.cluster_id)),
    cs.Terminated,
)

#: One GBZ use-case-specific component.
GbzComponent = cs.Struct(
    "control" / ExtendedHeaderControl,
    "cluster_id" / cs.Int16ub,
    "command" / cs.Prefixed(cs.Int16ub, GbzCommand),
)

# ----------------------------------------------------------------------------
# Alert layouts that are not components (§2.3 "GBZ alert layouts")
# ----------------------------------------------------------------------------
#: The ZCL command a future-dated execution alert (0x00CD, 8F66/8F67) reports on.
FutureDatedExecution = cs.Struct(
    "message_code" / cs.Int16ub,
    "originator_counter" / cs.Int64ub,
    "cluster_id" / cs.Int16ub,
    "frame_control" / FrameControl,
    "command_id" / cs.Int8ub,
    cs.Terminated,
)

#: 0x00CD future-dated execution alert: N = 1, then a 14-byte block with its length.
GbzFutureDatedAlert = cs.Struct(
    cs.Const(PROFILE_ID),
    "component_count" / cs.Int8ub,
    "alert_code" / cs.Int16ub,
    "timestamp" / cs.Int32ub,
    "future_dated_execution" / cs.Prefixed(cs.Int8ub, FutureDatedExecution),
)

#: 0x00CF firmware distribution receipt alert (8F72 / 8F1C): the calculated manufacturer image
#: hash as a DLMS octet string (``09 20`` + 32 bytes).
GbzFirmwareReceiptAlert = cs.Struct(
    cs.Const(PROFILE_ID),
    "component_count" / cs.Int8ub,
    "alert_code" / cs.Int16ub,
    "timestamp" / cs.Int32ub,
    cs.Const(b"\x09"),
    "manufacturer_image_hash" / LengthPrefixedHex,
)

#: 0x00F2 meter integrity issue warning (81A0): a 2-byte integrity code (0 other, 1 non-
#: volatile memory, 2 program execution, 3 program storage, 4 RAM, 5 unexpected hardware
#: reset, 6 watchdog, 7 metrology firmware verification failure, 8 measurement fault,
#: 9 unspecified; §2.2).
GbzIntegrityAlert = cs.Struct(
    cs.Const(PROFILE_ID),
    "component_count" / cs.Int8ub,
    "alert_code" / cs.Int16ub,
    "timestamp" / cs.Int32ub,
    "integrity_code" / cs.Int16ub,
)

#: Alert body layouts by alert message code, and the tree key that marks each one.
ALERT_LAYOUTS: dict[int, tuple[str, Any]] = {
    MESSAGE_CODE_FUTURE_DATED_ALERT: ("future_dated_execution", GbzFutureDatedAlert),
    MESSAGE_CODE_FIRMWARE_RECEIPT_ALERT: ("manufacturer_image_hash", GbzFirmwareReceiptAlert),
    MESSAGE_CODE_INTEGRITY_ALERT: ("integrity_code", GbzIntegrityAlert),
}


# ----------------------------------------------------------------------------
# Decoding
# ----------------------------------------------------------------------------
def _component_tree(parsed: Any) -> dict[str, Any]:
    component = plain(parsed)
    command = component["command"]
    cid = component["cluster_id"]
    return {
        "control": component["control"],
        "cluster_id": cid,
        "cluster_name": cluster_name(cid),
        "from_date_time": command["from_date_time"],
        "frame": describe_frame(command["frame"], cid),
    }


def _decode_components(data: bytes, alert: bool) -> dict[str, Any]:
    header_schema, offset = (GbzAlertHeader, 9) if alert else (GbzHeader, 3)
    what = "GBZ alert header" if alert else "GBZ header"
    header = plain(decode_exact(header_schema, data[:offset], what))
    count = header["component_count"]
    components = []
    for index in range(count):
        where = f"components[{index}]"
        if len(data) - offset < 5:
            raise DecodeError(
                f"GBZ payload: component {index + 1} of {count} is missing or truncated",
                path=where,
                offset=offset,
            )
        length = int.from_bytes(data[offset + 3 : offset + 5], "big")
        end = offset + 5 + length
        if end > len(data):
            raise DecodeError(
                f"GBZ payload: component {index + 1} of {count} has a command length of "
                f"{length} but only {len(data) - offset - 5} byte(s) follow",
                path=where,
                offset=offset + 3,
            )
        try:
            parsed = decode_exact(GbzComponent, data[offset:end], "GBZ component")
        except DecodeError as exc:
            raise exc.within(where, offset) from None
        components.append(_component_tree(parsed))
        offset = end
    if offset != len(data):
        raise DecodeError(
            f"GBZ payload: {len(data) - offset} byte(s) left over after {count} component(s)",
            offset=offset,
        )
    tree: dict[str, Any] = {}
    if alert:
        tree["alert_code"] = header["alert_code"]
        tree["timestamp"] = header["timestamp"]
    tree["components"] = components
    return tree


def _decode_alert_body(data: bytes, message_code: int) -> dict[str, Any]:
    key, schema = ALERT_LAYOUTS[message_code]
    tree: dict[str, Any] = plain(decode_exact(schema, data, f"GBZ alert 0x{message_code:04X}"))
    if key == "future_dated_execution":
        fde = tree[key]
        fde = {
            "message_code": fde["message_code"],
            "originator_counter": fde["originator_counter"],
            "cluster_id": fde["cluster_id"],
            "cluster_name": cluster_name(fde["cluster_id"]),
            "frame_control": fde["frame_control"],
            "command_id": fde["command_id"],
        }
        command = frame_command(fde["cluster_id"], fde["frame_control"], fde["command_id"])
        fde["command_name"] = None if command is None else command.name
        tree[key] = fde
    return tree


def decode_gbz_payload(data: bytes, *, message_code: int, cra: int) -> dict[str, Any]:
    """A GBZ payload as a JSON-native tree (see the module docstring).

    ``cra`` 3 (alert) reads the alert header; alert message codes 0x00CD, 0x00CF and 0x00F2
    have their own bodies. Raises only :class:`DecodeError`, naming the field and offset.
    """
    data = bytes(data)
    try:
        if int(cra) == CRA_ALERT and message_code in ALERT_LAYOUTS:
            return _decode_alert_body(data, message_code)
        return _decode_components(data, alert=int(cra) == CRA_ALERT)
    except RecursionError:
        raise DecodeError("GBZ payload: ZCL values nested too deeply") from None


# ----------------------------------------------------------------------------
# Encoding
# ----------------------------------------------------------------------------
def _encode_component(component: Any, index: int) -> bytes:
    where = f"components[{index}]"
    if not isinstance(component, Mapping):
        raise EncodeError(
            f"GBZ component must be an object, got {type(component).__name__}", path=where
        )
    obj = {
        "control": component.get("control"),
        "cluster_id": component.get("cluster_id"),
        "command": {
            "from_date_time": component.get("from_date_time"),
            "frame": component.get("frame"),
        },
    }
    try:
        return encode_with(GbzComponent, obj, "GBZ component")
    except EncodeError as exc:
        raise exc.within(where) from None


def encode_gbz_payload(tree: dict[str, Any]) -> bytes:
    """The bytes of a GBZ tree (the inverse of :func:`decode_gbz_payload`); raises
    :class:`EncodeError` on a bad tree."""
    if not isinstance(tree, Mapping):
        raise EncodeError(f"GBZ payload must be an object, got {type(tree).__name__}")
    try:
        for key, schema in ALERT_LAYOUTS.values():
            if key in tree:
                return encode_with(schema, tree, "GBZ alert")
        components = tree.get("components")
        if not isinstance(components, list):
            raise EncodeError("GBZ payload: 'components' must be a list", path="components")
        if "alert_code" in tree:
            header = encode_with(
                GbzAlertHeader,
                {
                    "component_count": len(components),
                    "alert_code": tree["alert_code"],
                    "timestamp": tree.get("timestamp"),
                },
                "GBZ alert header",
            )
        else:
            header = encode_with(GbzHeader, {"component_count": len(components)}, "GBZ header")
        return header + b"".join(_encode_component(c, i) for i, c in enumerate(components))
    except RecursionError:
        raise EncodeError("GBZ payload: ZCL values nested too deeply") from None


# ----------------------------------------------------------------------------
# Encrypted components and their plaintext
# ----------------------------------------------------------------------------
def encrypted_components(tree: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per encrypted component of a decoded tree: ``index``, ``cluster_id``,
    ``frame_control`` (the byte), ``command_id``, ``frame_counter`` (the additional frame
    counter), ``security_control``, ``invocation_counter``, ``ciphertext`` and ``tag`` (bytes),
    and ``node``, the component object itself (where a caller may put ``"decrypted"``)."""
    components = tree.get("components") if isinstance(tree, Mapping) else None
    if not isinstance(components, list):
        return []
    found = []
    for index, component in enumerate(components):
        try:
            if not component["control"].get("encrypted"):
                continue
            frame = component["frame"]
            ciphered = frame["ciphered_information"]
            found.append(
                {
                    "index": index,
                    "cluster_id": component["cluster_id"],
                    "frame_control": frame_control_value(frame["frame_control"]),
                    "command_id": frame["command_id"],
                    "frame_counter": frame["additional_frame_counter"],
                    "security_control": ciphered["security_control"],
                    "invocation_counter": ciphered["invocation_counter"],
                    "ciphertext": bytes.fromhex(ciphered["ciphertext"]),
                    "tag": bytes.fromhex(ciphered["tag"]),
                    "node": component,
                }
            )
        except (KeyError, TypeError, ValueError, AttributeError, cs.ConstructError) as exc:
            raise EncodeError(
                f"not a decoded encrypted GBZ component: {type(exc).__name__}: {exc}",
                path=f"components[{index}]",
            ) from None
    return found


def decode_zcl_command_payload(
    cluster_id: int, frame_control: int, command_id: int, payload: bytes
) -> dict[str, Any]:
    """Decode a ZCL payload (e.g. the decrypted plaintext of an encrypted component) as the
    frame header in clear says; unknown commands give ``{"raw": hex}``."""
    tree: dict[str, Any] = decode_command_payload(cluster_id, frame_control, command_id, payload)
    return tree


def encode_zcl_command_payload(
    cluster_id: int, frame_control: int, command_id: int, payload: Mapping[str, Any]
) -> bytes:
    """The bytes of a ZCL payload tree (the inverse of :func:`decode_zcl_command_payload`),
    e.g. the plaintext to encrypt into a component."""
    return encode_command_payload(cluster_id, frame_control, command_id, payload)
