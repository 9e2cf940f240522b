# SPDX-License-Identifier: GPL-3.0-or-later
"""General clusters a GBCS HAN device carries: Basic (0x0000), Identify (0x0003), Time (0x000A)
and OTA Upgrade (0x0019) from the ZigBee Cluster Library (07-5123, chapters 3 and 11), and Key
Establishment (0x0800) from ZigBee SE 1.4 (07-5356) annex C.

Attributes read through GBZ in the RTDS vectors: Basic 0003 HW version, 0004 manufacturer name,
0005 model identifier (gbcs-protocol.md §2.3, Appendix B).
"""

from __future__ import annotations

import construct as cs
from construct import this

from gfi.codecs.primitives import HexBytes
from gfi.codecs.zcl import types as t
from gfi.codecs.zcl.registry import Empty, cluster
from gfi.codecs.zcl.types import ZclType as T

# ----------------------------------------------------------------------------
# Basic 0x0000 (ZCL 3.2)
# ----------------------------------------------------------------------------
BASIC = cluster(
    0x0000,
    "basic",
    attributes={
        0x0000: ("zcl_version", T.UINT8),
        0x0001: ("application_version", T.UINT8),
        0x0002: ("stack_version", T.UINT8),
        0x0003: ("hw_version", T.UINT8),
        0x0004: ("manufacturer_name", T.CHARACTER_STRING),
        0x0005: ("model_identifier", T.CHARACTER_STRING),
        0x0006: ("date_code", T.CHARACTER_STRING),
        0x0007: ("power_source", T.ENUM8),
        0x0008: ("generic_device_class", T.ENUM8),
        0x0009: ("generic_device_type", T.ENUM8),
        0x000A: ("product_code", T.OCTET_STRING),
        0x000B: ("product_url", T.CHARACTER_STRING),
        0x000C: ("manufacturer_version_details", T.CHARACTER_STRING),
        0x000D: ("serial_number", T.CHARACTER_STRING),
        0x000E: ("product_label", T.CHARACTER_STRING),
        0x0010: ("location_description", T.CHARACTER_STRING),
        0x0011: ("physical_environment", T.ENUM8),
        0x0012: ("device_enabled", T.BOOL),
        0x0013: ("alarm_mask", T.BITMAP8),
        0x0014: ("disable_local_config", T.BITMAP8),
        0x4000: ("sw_build_id", T.CHARACTER_STRING),
    },
    client_to_server={
        0x00: ("reset_to_factory_defaults", Empty),
    },
)

# ----------------------------------------------------------------------------
# Identify 0x0003 (ZCL 3.5)
# ----------------------------------------------------------------------------
#: Identify: how long to identify for, in seconds.
Identify = cs.Struct("identify_time" / t.uint16)

#: Trigger Effect.
TriggerEffect = cs.Struct("effect_identifier" / t.enum8, "effect_variant" / t.enum8)

#: Identify Query Response.
IdentifyQueryResponse = cs.Struct("timeout" / t.uint16)

IDENTIFY = cluster(
    0x0003,
    "identify",
    attributes={0x0000: ("identify_time", T.UINT16)},
    client_to_server={
        0x00: ("identify", Identify),
        0x01: ("identify_query", Empty),
        0x40: ("trigger_effect", TriggerEffect),
    },
    server_to_client={
        0x00: ("identify_query_response", IdentifyQueryResponse),
    },
)

# ----------------------------------------------------------------------------
# Time 0x000A (ZCL 3.12): attributes only
# ----------------------------------------------------------------------------
TIME = cluster(
    0x000A,
    "time",
    attributes={
        0x0000: ("time", T.UTC_TIME),
        0x0001: ("time_status", T.BITMAP8),
        0x0002: ("time_zone", T.INT32),
        0x0003: ("dst_start", T.UINT32),
        0x0004: ("dst_end", T.UINT32),
        0x0005: ("dst_shift", T.INT32),
        0x0006: ("standard_time", T.UINT32),
        0x0007: ("local_time", T.UINT32),
        0x0008: ("last_set_time", T.UTC_TIME),
        0x0009: ("valid_until_time", T.UTC_TIME),
    },
)

# ----------------------------------------------------------------------------
# OTA Upgrade 0x0019 (ZCL chapter 11)
# ----------------------------------------------------------------------------
#: Image Notify: the payload type says how many of the trailing fields are present.
ImageNotify = cs.Struct(
    "payload_type" / t.enum8,
    "query_jitter" / t.uint8,
    "manufacturer_code" / cs.If(this.payload_type >= 1, t.uint16),
    "image_type" / cs.If(this.payload_type >= 2, t.uint16),
    "new_file_version" / cs.If(this.payload_type >= 3, t.uint32),
)

#: Query Next Image Request: field control bit 0 = hardware version present.
QueryNextImageRequest = cs.Struct(
    "field_control" / t.bitmap8,
    "manufacturer_code" / t.uint16,
    "image_type" / t.uint16,
    "current_file_version" / t.uint32,
    "hardware_version" / cs.If(this.field_control & 0x01, t.uint16),
)

#: Query Next Image Response / Query Specific File Response: image details only on success.
QueryImageResponse = cs.Struct(
    "status" / t.Status,
    "manufacturer_code" / cs.If(t.status_ok, t.uint16),
    "image_type" / cs.If(t.status_ok, t.uint16),
    "file_version" / cs.If(t.status_ok, t.uint32),
    "image_size" / cs.If(t.status_ok, t.uint32),
)

#: Image Block Request: field control bit 0 = request node address, bit 1 = minimum block
#: period present.
ImageBlockRequest = cs.Struct(
    "field_control" / t.bitmap8,
    "manufacturer_code" / t.uint16,
    "image_type" / t.uint16,
    "file_version" / t.uint32,
    "file_offset" / t.uint32,
    "maximum_data_size" / t.uint8,
    "request_node_address" / cs.If(this.field_control & 0x01, t.ieee_address),
    "minimum_block_period" / cs.If(this.field_control & 0x02, t.uint16),
)

#: Image Page Request.
ImagePageRequest = cs.Struct(
    "field_control" / t.bitmap8,
    "manufacturer_code" / t.uint16,
    "image_type" / t.uint16,
    "file_version" / t.uint32,
    "file_offset" / t.uint32,
    "maximum_data_size" / t.uint8,
    "page_size" / t.uint16,
    "response_spacing" / t.uint16,
    "request_node_address" / cs.If(this.field_control & 0x01, t.ieee_address),
)

#: Image Block Response: image data on success, retry timing on WAIT_FOR_DATA.
ImageBlockResponse = cs.Struct(
    "status" / t.Status,
    "image_block"
    / cs.Switch(
        t.status_code,
        {
            t.ZclStatus.SUCCESS: cs.Struct(
                "manufacturer_code" / t.uint16,
                "image_type" / t.uint16,
                "file_version" / t.uint32,
                "file_offset" / t.uint32,
                "image_data" / HexBytes(cs.Prefixed(t.uint8, cs.GreedyBytes)),
            ),
            t.ZclStatus.WAIT_FOR_DATA: cs.Struct(
                "current_time" / t.utc_time,
                "request_time" / t.utc_time,
                "minimum_block_period" / t.uint16,
            ),
        },
        default=cs.Pass,
    ),
)

#: Upgrade End Request.
UpgradeEndRequest = cs.Struct(
    "status" / t.Status,
    "manufacturer_code" / t.uint16,
    "image_type" / t.uint16,
    "file_version" / t.uint32,
)

#: Upgrade End Response.
UpgradeEndResponse = cs.Struct(
    "manufacturer_code" / t.uint16,
    "image_type" / t.uint16,
    "file_version" / t.uint32,
    "current_time" / t.utc_time,
    "upgrade_time" / t.utc_time,
)

#: Query Specific File Request.
QuerySpecificFileRequest = cs.Struct(
    "request_node_address" / t.ieee_address,
    "manufacturer_code" / t.uint16,
    "image_type" / t.uint16,
    "file_version" / t.uint32,
    "current_zigbee_stack_version" / t.uint16,
)

OTA_UPGRADE = cluster(
    0x0019,
    "ota_upgrade",
    client_attributes={
        0x0000: ("upgrade_server_id", T.IEEE_ADDRESS),
        0x0001: ("file_offset", T.UINT32),
        0x0002: ("current_file_version", T.UINT32),
        0x0003: ("current_zigbee_stack_version", T.UINT16),
        0x0004: ("downloaded_file_version", T.UINT32),
        0x0005: ("downloaded_zigbee_stack_version", T.UINT16),
        0x0006: ("image_upgrade_status", T.ENUM8),
        0x0007: ("manufacturer_id", T.UINT16),
        0x0008: ("image_type_id", T.UINT16),
        0x0009: ("minimum_block_period", T.UINT16),
        0x000A: ("image_stamp", T.UINT32),
        0x000B: ("upgrade_activation_policy", T.ENUM8),
        0x000C: ("upgrade_timeout_policy", T.ENUM8),
    },
    client_to_server={
        0x01: ("query_next_image_request", QueryNextImageRequest),
        0x03: ("image_block_request", ImageBlockRequest),
        0x04: ("image_page_request", ImagePageRequest),
        0x06: ("upgrade_end_request", UpgradeEndRequest),
        0x08: ("query_specific_file_request", QuerySpecificFileRequest),
    },
    server_to_client={
        0x00: ("image_notify", ImageNotify),
        0x02: ("query_next_image_response", QueryImageResponse),
        0x05: ("image_block_response", ImageBlockResponse),
        0x07: ("upgrade_end_response", UpgradeEndResponse),
        0x09: ("query_specific_file_response", QueryImageResponse),
    },
)

# ----------------------------------------------------------------------------
# Key Establishment 0x0800 (SE 1.4 annex C.3)
# ----------------------------------------------------------------------------
#: Initiate Key Establishment Request / Response: suite bitmap (1 = CBKE 163k1, 2 = CBKE
#: 283k1), generate times in seconds, and the implicit certificate (48 or 74 bytes).
InitiateKeyEstablishment = cs.Struct(
    "key_establishment_suite" / t.bitmap16,
    "ephemeral_data_generate_time" / t.uint8,
    "confirm_key_generate_time" / t.uint8,
    "identity" / HexBytes(cs.GreedyBytes),
)

#: Ephemeral Data Request / Response: the ephemeral public key (22 or 37 bytes).
EphemeralData = cs.Struct("ephemeral_data" / HexBytes(cs.GreedyBytes))

#: Confirm Key Data Request / Response: MACU / MACV.
ConfirmKeyData = cs.Struct("secure_message_authentication_code" / HexBytes(cs.Bytes(16)))

#: Terminate Key Establishment.
TerminateKeyEstablishment = cs.Struct(
    "status_code" / t.enum8,
    "wait_time" / t.uint8,
    "key_establishment_suite" / t.bitmap16,
)

KEY_ESTABLISHMENT = cluster(
    0x0800,
    "key_establishment",
    attributes={0x0000: ("key_establishment_suite", T.ENUM16)},
    client_attributes={0x0000: ("key_establishment_suite", T.ENUM16)},
    client_to_server={
        0x00: ("initiate_key_establishment_request", InitiateKeyEstablishment),
        0x01: ("ephemeral_data_request", EphemeralData),
        0x02: ("confirm_key_data_request", ConfirmKeyData),
        0x03: ("terminate_key_establishment", TerminateKeyEstablishment),
    },
    server_to_client={
        0x00: ("initiate_key_establishment_response", InitiateKeyEstablishment),
        0x01: ("ephemeral_data_response", EphemeralData),
        0x02: ("confirm_key_data_response", ConfirmKeyData),
        0x03: ("terminate_key_establishment", TerminateKeyEstablishment),
    },
)
