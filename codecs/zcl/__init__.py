# SPDX-License-Identifier: GPL-3.0-or-later
"""ZigBee Cluster Library layer: data types, the ZCL frame with the profile-wide commands,
and a declarative registry of the ZCL general and ZigBee Smart Energy 1.4 clusters GBCS
uses (gbcs-protocol.md §2.3; zigbee-han.md §2).

The same declarations serve both ends of a cluster (house style §3): a GBCS decoder, the
Comms Hub emulator (client or server side) and the device emulators all decode and build
payloads from the one schema per command.
"""

from __future__ import annotations

from gfi.codecs.zcl.clusters import (
    CLUSTERS,
    attribute_def,
    cluster_def,
    cluster_name,
    command_def,
    command_schema,
    find_command,
)
from gfi.codecs.zcl.frame import (
    FOUNDATION_COMMANDS,
    FrameControl,
    decode_command_payload,
    decode_zcl_frame,
    describe_frame,
    describe_payload,
    encode_command_payload,
    encode_zcl_frame,
    frame_command,
    frame_control_fields,
    frame_control_value,
    zcl_frame,
)
from gfi.codecs.zcl.registry import AttributeDef, ClusterDef, CommandDef, Direction
from gfi.codecs.zcl.types import (
    DataType,
    Status,
    TypedValue,
    ZclStatus,
    ZclType,
    ZclValue,
    type_schema,
)

__all__ = [
    "CLUSTERS",
    "FOUNDATION_COMMANDS",
    "AttributeDef",
    "ClusterDef",
    "CommandDef",
    "DataType",
    "Direction",
    "FrameControl",
    "Status",
    "TypedValue",
    "ZclStatus",
    "ZclType",
    "ZclValue",
    "attribute_def",
    "cluster_def",
    "cluster_name",
    "command_def",
    "command_schema",
    "decode_command_payload",
    "decode_zcl_frame",
    "describe_frame",
    "describe_payload",
    "encode_command_payload",
    "encode_zcl_frame",
    "find_command",
    "frame_command",
    "frame_control_fields",
    "frame_control_value",
    "type_schema",
    "zcl_frame",
]
