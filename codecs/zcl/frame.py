# SPDX-License-Identifier: GPL-3.0-or-later
"""The ZCL frame and the profile-wide ("foundation") commands (ZigBee Cluster Library 07-5123,
chapter 2: general ZCL frame format, general command frames; gbcs-protocol.md §2.3).

Frame::

    frame control (1) | [manufacturer code (2, LE)] | transaction sequence number (1)
    | command id (1) | payload

Frame control (:data:`FrameControl`): bits 0-1 frame type (0 profile-wide, 1 cluster-specific),
bit 2 manufacturer specific, bit 3 direction (1 = server → client), bit 4 disable default
response, bits 5-7 reserved (kept).

The payload schema comes from the frame itself: profile-wide frames use
:data:`FOUNDATION_COMMANDS`, cluster-specific frames the cluster registry
(:mod:`gfi.codecs.zcl.clusters`) by cluster, direction and command id. Whatever is not declared
(unknown cluster or command, manufacturer-specific cluster commands, reserved frame types)
keeps its payload as ``{"raw": "<hex>"}`` — not an error. A declared payload must use every
byte of the frame.

Decoded frames are JSON-native (``plain``) plus informational names — ``command_name``,
``attribute_name`` / ``attribute_names`` — that encoding ignores.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import construct as cs
from construct import this

from gfi.codecs.primitives import decode_exact, encode_with, plain
from gfi.codecs.zcl import types as t
from gfi.codecs.zcl.clusters import attribute_def, command_def
from gfi.codecs.zcl.registry import CommandDef, Direction
from gfi.errors import DecodeError, EncodeError

# ----------------------------------------------------------------------------
# Frame control
# ----------------------------------------------------------------------------
FRAME_TYPE_PROFILE_WIDE = 0
FRAME_TYPE_CLUSTER_SPECIFIC = 1

FRAME_TYPES = {
    FRAME_TYPE_PROFILE_WIDE: "profile_wide",
    FRAME_TYPE_CLUSTER_SPECIFIC: "cluster_specific",
}
DIRECTIONS = {d.value: d.label for d in Direction}

#: Frame control byte as named fields (reserved bits 5-7 kept under ``"reserved"``).
FrameControl = t.BitFields(
    cs.Int8ul,
    8,
    ("frame_type", 0x03, FRAME_TYPES),
    ("manufacturer_specific", 0x04, None),
    ("direction", 0x08, DIRECTIONS),
    ("disable_default_response", 0x10, None),
)


def frame_control_fields(value: int) -> dict[str, Any]:
    """The named fields of a frame control byte."""
    fields: dict[str, Any] = FrameControl.parse(bytes([value]))
    return fields


def frame_control_value(fields: Mapping[str, Any] | int) -> int:
    """The frame control byte of named fields (an int is returned as is)."""
    if isinstance(fields, int):
        return fields
    return int(FrameControl.build(fields)[0])


def _fields(frame_control: Mapping[str, Any] | int) -> Mapping[str, Any]:
    return frame_control_fields(frame_control) if isinstance(frame_control, int) else frame_control


def _manufacturer_specific(context: Any) -> bool:
    return bool(context.frame_control.get("manufacturer_specific", False))


# ----------------------------------------------------------------------------
# Profile-wide commands (ZCL chapter 2, general command frames)
# ----------------------------------------------------------------------------
def _status_failed(context: Any) -> bool:
    return not t.is_success(context.status)


def _reported(context: Any) -> bool:
    return bool(context.direction == 0)


def _received(context: Any) -> bool:
    return bool(context.direction == 1)


def _has_reportable_change(context: Any) -> bool:
    return _reported(context) and t.type_id(context.data_type) in t.ANALOG_TYPES


def _ok_and_reported(context: Any) -> bool:
    return t.is_success(context.status) and _reported(context)


def _ok_and_received(context: Any) -> bool:
    return t.is_success(context.status) and _received(context)


def _ok_and_reportable_change(context: Any) -> bool:
    return t.is_success(context.status) and _has_reportable_change(context)


#: Read Attributes (00).
ReadAttributes = cs.Struct("attribute_ids" / cs.GreedyRange(t.attribute_id))

#: Read attribute status record: data type and value only on success.
ReadAttributeStatusRecord = cs.Struct(
    "attribute_id" / t.attribute_id,
    "status" / t.Status,
    "data_type" / cs.If(t.status_ok, t.DataType),
    "value" / cs.If(t.status_ok, t.ZclValue(this.data_type)),
)

#: Read Attributes Response (01).
ReadAttributesResponse = cs.Struct("records" / cs.GreedyRange(ReadAttributeStatusRecord))

#: Attribute id, data type and value: write attribute records and attribute reports.
AttributeRecord = cs.Struct(
    "attribute_id" / t.attribute_id,
    "data_type" / t.DataType,
    "value" / t.ZclValue(this.data_type),
)

#: Write Attributes (02), Write Attributes Undivided (03), Write Attributes No Response (05).
WriteAttributes = cs.Struct("records" / cs.GreedyRange(AttributeRecord))

#: Write attribute status record: when every write succeeds the response is the single status
#: ``00``; failures carry the attribute id.
WriteAttributeStatusRecord = cs.Struct(
    "status" / t.Status,
    "attribute_id" / cs.If(_status_failed, t.attribute_id),
)

#: Write Attributes Response (04).
WriteAttributesResponse = cs.Struct("records" / cs.GreedyRange(WriteAttributeStatusRecord))

#: Attribute reporting configuration record: direction 0 = the receiver reports the attribute
#: (type, intervals, reportable change for analog types), 1 = the receiver expects reports
#: (timeout).
AttributeReportingConfigurationRecord = cs.Struct(
    "direction" / t.enum8,
    "attribute_id" / t.attribute_id,
    "data_type" / cs.If(_reported, t.DataType),
    "minimum_reporting_interval" / cs.If(_reported, t.uint16),
    "maximum_reporting_interval" / cs.If(_reported, t.uint16),
    "reportable_change" / cs.If(_has_reportable_change, t.ZclValue(this.data_type)),
    "timeout_period" / cs.If(_received, t.uint16),
)

#: Configure Reporting (06).
ConfigureReporting = cs.Struct("records" / cs.GreedyRange(AttributeReportingConfigurationRecord))

#: Attribute status record of Configure Reporting Response: a lone ``00`` when all succeed.
AttributeStatusRecord = cs.Struct(
    "status" / t.Status,
    "direction" / cs.If(_status_failed, t.enum8),
    "attribute_id" / cs.If(_status_failed, t.attribute_id),
)

#: Configure Reporting Response (07).
ConfigureReportingResponse = cs.Struct("records" / cs.GreedyRange(AttributeStatusRecord))

#: Read Reporting Configuration (08).
ReadReportingConfiguration = cs.Struct(
    "records" / cs.GreedyRange(cs.Struct("direction" / t.enum8, "attribute_id" / t.attribute_id))
)

#: Attribute reporting configuration record of Read Reporting Configuration Response.
ReportingConfigurationStatusRecord = cs.Struct(
    "status" / t.Status,
    "direction" / t.enum8,
    "attribute_id" / t.attribute_id,
    "data_type" / cs.If(_ok_and_reported, t.DataType),
    "minimum_reporting_interval" / cs.If(_ok_and_reported, t.uint16),
    "maximum_reporting_interval" / cs.If(_ok_and_reported, t.uint16),
    "reportable_change" / cs.If(_ok_and_reportable_change, t.ZclValue(this.data_type)),
    "timeout_period" / cs.If(_ok_and_received, t.uint16),
)

#: Read Reporting Configuration Response (09).
ReadReportingConfigurationResponse = cs.Struct(
    "records" / cs.GreedyRange(ReportingConfigurationStatusRecord)
)

#: Report Attributes (0A).
ReportAttributes = cs.Struct("records" / cs.GreedyRange(AttributeRecord))

#: Default Response (0B): the command answered and its status.
DefaultResponse = cs.Struct("command_id" / t.uint8, "status" / t.Status)

#: Discover Attributes (0C) / Discover Attributes Extended (15).
DiscoverAttributes = cs.Struct(
    "start_attribute_id" / t.attribute_id,
    "maximum_attribute_ids" / t.uint8,
)

#: Discover Attributes Response (0D).
DiscoverAttributesResponse = cs.Struct(
    "discovery_complete" / t.boolean,
    "records"
    / cs.GreedyRange(cs.Struct("attribute_id" / t.attribute_id, "data_type" / t.DataType)),
)

#: Discover Commands Received / Generated (11, 13).
DiscoverCommands = cs.Struct("start_command_id" / t.uint8, "maximum_command_ids" / t.uint8)

#: Discover Commands Received / Generated Response (12, 14).
DiscoverCommandsResponse = cs.Struct(
    "discovery_complete" / t.boolean,
    "command_ids" / cs.GreedyRange(t.uint8),
)

#: Discover Attributes Extended Response (16).
DiscoverAttributesExtendedResponse = cs.Struct(
    "discovery_complete" / t.boolean,
    "records"
    / cs.GreedyRange(
        cs.Struct(
            "attribute_id" / t.attribute_id,
            "data_type" / t.DataType,
            "attribute_access_control" / t.bitmap8,
        )
    ),
)

#: The profile-wide commands, by command id (either direction).
FOUNDATION_COMMANDS: dict[int, CommandDef] = {
    i: CommandDef(i, name, schema)
    for i, (name, schema) in {
        0x00: ("read_attributes", ReadAttributes),
        0x01: ("read_attributes_response", ReadAttributesResponse),
        0x02: ("write_attributes", WriteAttributes),
        0x03: ("write_attributes_undivided", WriteAttributes),
        0x04: ("write_attributes_response", WriteAttributesResponse),
        0x05: ("write_attributes_no_response", WriteAttributes),
        0x06: ("configure_reporting", ConfigureReporting),
        0x07: ("configure_reporting_response", ConfigureReportingResponse),
        0x08: ("read_reporting_configuration", ReadReportingConfiguration),
        0x09: ("read_reporting_configuration_response", ReadReportingConfigurationResponse),
        0x0A: ("report_attributes", ReportAttributes),
        0x0B: ("default_response", DefaultResponse),
        0x0C: ("discover_attributes", DiscoverAttributes),
        0x0D: ("discover_attributes_response", DiscoverAttributesResponse),
        0x11: ("discover_commands_received", DiscoverCommands),
        0x12: ("discover_commands_received_response", DiscoverCommandsResponse),
        0x13: ("discover_commands_generated", DiscoverCommands),
        0x14: ("discover_commands_generated_response", DiscoverCommandsResponse),
        0x15: ("discover_attributes_extended", DiscoverAttributes),
        0x16: ("discover_attributes_extended_response", DiscoverAttributesExtendedResponse),
    }.items()
}

#: Profile-wide commands whose attributes belong to the receiver of the frame; in the others
#: (responses, reports) they belong to the sender.
_ATTRIBUTES_OF_RECEIVER = frozenset({0x00, 0x02, 0x03, 0x05, 0x06, 0x08, 0x0C, 0x15})


# ----------------------------------------------------------------------------
# Payload dispatch
# ----------------------------------------------------------------------------
def frame_command(
    cluster_id: Any, frame_control: Mapping[str, Any] | int, command_id: Any
) -> CommandDef | None:
    """The command a frame carries: profile-wide by command id, cluster-specific (not
    manufacturer-specific) by cluster, direction and command id; ``None`` when unknown."""
    fields = _fields(frame_control)
    frame_type = fields.get("frame_type", FRAME_TYPE_PROFILE_WIDE)
    if frame_type in (FRAME_TYPE_PROFILE_WIDE, FRAME_TYPES[FRAME_TYPE_PROFILE_WIDE]):
        return FOUNDATION_COMMANDS.get(command_id)
    if frame_type in (FRAME_TYPE_CLUSTER_SPECIFIC, FRAME_TYPES[FRAME_TYPE_CLUSTER_SPECIFIC]):
        if fields.get("manufacturer_specific"):
            return None
        return command_def(cluster_id, command_id, fields.get("direction", 0))
    return None


class CommandPayload(cs.Construct):  # type: ignore[misc]
    """The payload of a ZCL frame, by the enclosing frame's ``frame_control`` and
    ``command_id`` and by ``cluster_id`` (an int or a context expression). Unknown commands
    keep their bytes as ``{"raw": hex}``; a declared payload must end with the frame."""

    def __init__(self, cluster_id: Any) -> None:
        super().__init__()
        self.cluster_id = cluster_id

    def _command(self, context: Any) -> CommandDef | None:
        return frame_command(
            cs.evaluate(self.cluster_id, context), context.frame_control, context.command_id
        )

    def _parse(self, stream: Any, context: Any, path: str) -> Any:
        command = self._command(context)
        if command is None:
            return {"raw": cs.stream_read_entire(stream, path).hex().upper()}
        obj = command.schema._parsereport(stream, context, path)
        left = len(cs.stream_read_entire(stream, path))
        if left:
            raise cs.ExplicitError(
                f"{left} byte(s) left over after the {command.name} payload", path=path
            )
        return obj

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        if isinstance(obj, Mapping) and "raw" in obj:
            try:
                data = bytes.fromhex(obj["raw"])
            except (TypeError, ValueError):
                raise cs.ExplicitError(
                    f"raw payload is not hex: {obj['raw']!r}", path=path
                ) from None
            cs.stream_write(stream, data, len(data), path)
            return obj
        command = self._command(context)
        if command is None:
            raise cs.ExplicitError(
                "the payload of an unknown command must be given as {'raw': hex}", path=path
            )
        return command.schema._build(obj, stream, context, path)

    def _sizeof(self, context: Any, path: str) -> int:
        raise cs.SizeofError("variable-size payload", path=path)


def zcl_frame(cluster_id: Any) -> Any:
    """The ZCL frame schema for ``cluster_id`` (an int, or a context expression such as
    ``this._.cluster_id`` when the cluster id sits in an enclosing structure)."""
    return cs.Struct(
        "frame_control" / FrameControl,
        "manufacturer_code" / cs.If(_manufacturer_specific, t.uint16),
        "sequence_number" / t.uint8,
        "command_id" / t.uint8,
        "payload" / CommandPayload(cluster_id),
    )


@functools.lru_cache(maxsize=64)
def _frame_schema(cluster_id: int) -> Any:
    return zcl_frame(cluster_id)


# ----------------------------------------------------------------------------
# Informational names
# ----------------------------------------------------------------------------
def _insert_after(d: Mapping[str, Any], after: str, key: str, value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if k != key:
            out[k] = v
        if k == after:
            out[key] = value
    return out


def _attribute_name(cluster_id: Any, attribute_id: Any, server: bool) -> str | None:
    if not isinstance(attribute_id, int) or not isinstance(cluster_id, int):
        return None
    found = attribute_def(cluster_id, attribute_id, server=server)
    return None if found is None else found.name


def describe_payload(
    cluster_id: Any, frame_control: Mapping[str, Any] | int, command_id: int, payload: Any
) -> Any:
    """``payload`` with the names of the attributes it mentions (profile-wide commands)."""
    fields = _fields(frame_control)
    if fields.get("frame_type") not in (FRAME_TYPE_PROFILE_WIDE, "profile_wide"):
        return payload
    if not isinstance(payload, Mapping) or "raw" in payload:
        return payload
    to_server = fields.get("direction") in (0, "client_to_server")
    server = to_server if command_id in _ATTRIBUTES_OF_RECEIVER else not to_server
    if isinstance(payload.get("attribute_ids"), list):
        names = [_attribute_name(cluster_id, a, server) for a in payload["attribute_ids"]]
        return _insert_after(payload, "attribute_ids", "attribute_names", names)
    records = payload.get("records")
    if not isinstance(records, list):
        return payload
    named = [
        _insert_after(
            r,
            "attribute_id",
            "attribute_name",
            _attribute_name(cluster_id, r["attribute_id"], server),
        )
        if isinstance(r, Mapping) and r.get("attribute_id") is not None
        else r
        for r in records
    ]
    return {**payload, "records": named}


def describe_frame(frame: Mapping[str, Any], cluster_id: Any) -> dict[str, Any]:
    """A decoded frame (plain or GBZ-encrypted header) with ``command_name`` after
    ``command_id`` and the attribute names of profile-wide payloads."""
    command = frame_command(cluster_id, frame["frame_control"], frame["command_id"])
    out = _insert_after(
        frame, "command_id", "command_name", None if command is None else command.name
    )
    if "payload" in out:
        out["payload"] = describe_payload(
            cluster_id, frame["frame_control"], frame["command_id"], out["payload"]
        )
    return out


# ----------------------------------------------------------------------------
# Public codec functions
# ----------------------------------------------------------------------------
def decode_zcl_frame(data: bytes, cluster_id: int) -> dict[str, Any]:
    """A whole ZCL frame of ``cluster_id`` as a JSON-native tree; :class:`DecodeError` on bad
    bytes."""
    try:
        parsed = decode_exact(_frame_schema(cluster_id), bytes(data), "ZCL frame")
    except RecursionError:
        raise DecodeError("ZCL frame: values nested too deeply") from None
    return describe_frame(plain(parsed), cluster_id)


def encode_zcl_frame(frame: Mapping[str, Any], cluster_id: int) -> bytes:
    """The bytes of a ZCL frame tree (informational names are ignored)."""
    if not isinstance(frame, Mapping):
        raise EncodeError(f"ZCL frame must be an object, got {type(frame).__name__}")
    return _encode(_frame_schema(cluster_id), frame, "ZCL frame")


def decode_command_payload(
    cluster_id: int, frame_control: Mapping[str, Any] | int, command_id: int, payload: bytes
) -> Any:
    """The payload of one command, chosen as in a frame; unknown commands give
    ``{"raw": hex}``."""
    command = frame_command(cluster_id, frame_control, command_id)
    if command is None:
        return {"raw": bytes(payload).hex().upper()}
    try:
        parsed = decode_exact(command.schema, bytes(payload), f"ZCL {command.name} payload")
    except RecursionError:
        raise DecodeError(f"ZCL {command.name} payload: values nested too deeply") from None
    return describe_payload(cluster_id, frame_control, command_id, plain(parsed))


def encode_command_payload(
    cluster_id: int, frame_control: Mapping[str, Any] | int, command_id: int, payload: Any
) -> bytes:
    """The bytes of one command payload tree (``{"raw": hex}`` is always accepted)."""
    if isinstance(payload, Mapping) and "raw" in payload:
        try:
            return bytes.fromhex(payload["raw"])
        except (TypeError, ValueError):
            raise EncodeError("raw payload is not hex", path="raw") from None
    try:
        command = frame_command(cluster_id, frame_control, command_id)
    except (ValueError, TypeError) as exc:
        raise EncodeError(f"ZCL payload: {exc}") from None
    if command is None:
        raise EncodeError("the payload of an unknown command must be given as {'raw': hex}")
    return _encode(command.schema, payload, f"ZCL {command.name} payload")


def _encode(schema: Any, obj: Any, what: str) -> bytes:
    try:
        return encode_with(schema, obj, what)
    except RecursionError:
        raise EncodeError(f"{what}: values nested too deeply") from None
