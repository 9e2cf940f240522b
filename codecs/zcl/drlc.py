# SPDX-License-Identifier: GPL-3.0-or-later
"""Smart Energy cluster Demand Response and Load Control (0x0701, ZigBee SE 1.4 07-5356
annex D.2).

The DRLC *server* (the ESI; in GBCS the ESME) schedules load control events on DRLC
*clients* (load control devices; in GBCS the HAN Connected Auxiliary Load Control Switch,
product.md §4.4-4.5): Load Control Event, Cancel Load Control Event and Cancel All Load
Control Events travel server → client, Report Event Status and Get Scheduled Events travel
client → server. The attributes (D.2.3.2, Table D-10) belong to the client side; the
Device Class Value attribute is an unsigned 16-bit integer matched bit by bit against the
Device Class bitmap of the events.

"Not used" values of the optional event fields (D.2.2.3.1): temperature offsets ``0xFF``,
set points ``0x8000``, average load adjustment ``0x80``, duty cycle ``0xFF``.
"""

from __future__ import annotations

import construct as cs

from gfi.codecs.primitives import HexBytes
from gfi.codecs.zcl import types as t
from gfi.codecs.zcl.registry import cluster
from gfi.codecs.zcl.types import ZclType as T

# ----------------------------------------------------------------------------
# Constants (SE 1.4 D.2)
# ----------------------------------------------------------------------------
#: Device Class bit 7, "Simple misc. (Residential On/Off) loads" (D.2.2.3.1.1, Table D-2).
DEVICE_CLASS_SIMPLE_MISC_LOADS = 0x0080

#: Event Control bits of Load Control Event and Report Event Status (D.2.2.3.1.1).
EVENT_CONTROL_RANDOMIZED_START = 0x01
EVENT_CONTROL_RANDOMIZED_END = 0x02

#: Cancel Control bit 0: end the event with the randomisation of the original event.
CANCEL_CONTROL_RANDOMIZED_END = 0x01

#: Longest event: one day (D.2.2.3.1.1 Duration In Minutes).
MAXIMUM_DURATION_IN_MINUTES = 1440

#: "Not used" value of the Duty Cycle field.
DUTY_CYCLE_NOT_USED = 0xFF

#: Signature Type of Report Event Status: 0x00 no signature, 0x01 ECDSA (D.2.3.3.1.1).
SIGNATURE_TYPE_NONE = 0x00
SIGNATURE_LENGTH = 42

# fmt: off
#: Event Status values of Report Event Status (D.2.3.3.1.1, Table D-9).
EVENT_STATUS: dict[int, str] = {
    0x01: "load_control_event_command_received",
    0x02: "event_started",
    0x03: "event_completed",
    0x04: "user_opted_out",
    0x05: "user_opted_in",
    0x06: "event_cancelled",
    0x07: "event_superseded",
    0x08: "event_partially_completed_with_user_opt_out",
    0x09: "event_partially_completed_due_to_user_opt_in",
    0x0A: "event_completed_no_user_participation",
    0xF8: "rejected_invalid_cancel_command_default",
    0xF9: "rejected_invalid_cancel_command_invalid_effective_time",
    0xFB: "rejected_event_expired",
    0xFD: "rejected_invalid_cancel_command_undefined_event",
    0xFE: "load_control_event_command_rejected",
}
# fmt: on
EVENT_STATUS_IDS: dict[str, int] = {name: value for value, name in EVENT_STATUS.items()}

# ----------------------------------------------------------------------------
# Commands
# ----------------------------------------------------------------------------
#: Load Control Event (D.2.2.3.1, server → client). Start Time 0 means "now".
LoadControlEvent = cs.Struct(
    "issuer_event_id" / t.uint32,
    "device_class" / t.bitmap16,
    "utility_enrollment_group" / t.uint8,
    "start_time" / t.utc_time,
    "duration_in_minutes" / t.uint16,
    "criticality_level" / t.uint8,
    "cooling_temperature_offset" / t.uint8,
    "heating_temperature_offset" / t.uint8,
    "cooling_temperature_set_point" / t.int16,
    "heating_temperature_set_point" / t.int16,
    "average_load_adjustment_percentage" / t.int8,
    "duty_cycle" / t.uint8,
    "event_control" / t.bitmap8,
)

#: Cancel Load Control Event (D.2.2.3.2, server → client). Effective Time 0 means "now".
CancelLoadControlEvent = cs.Struct(
    "issuer_event_id" / t.uint32,
    "device_class" / t.bitmap16,
    "utility_enrollment_group" / t.uint8,
    "cancel_control" / t.bitmap8,
    "effective_time" / t.utc_time,
)

#: Cancel All Load Control Events (D.2.2.3.3, server → client).
CancelAllLoadControlEvents = cs.Struct("cancel_control" / t.bitmap8)

#: Report Event Status (D.2.3.3.1, client → server). The 42-octet signature follows the
#: signature type; a frame that ends after the signature type decodes with ``None``.
ReportEventStatus = cs.Struct(
    "issuer_event_id" / t.uint32,
    "event_status" / t.enum8,
    "event_status_time" / t.utc_time,
    "criticality_level_applied" / t.uint8,
    "cooling_temperature_set_point_applied" / t.uint16,
    "heating_temperature_set_point_applied" / t.uint16,
    "average_load_adjustment_percentage_applied" / t.int8,
    "duty_cycle_applied" / t.uint8,
    "event_control" / t.bitmap8,
    "signature_type" / t.enum8,
    "signature" / t.Trailing(HexBytes(cs.Bytes(SIGNATURE_LENGTH))),
)

#: Get Scheduled Events (D.2.3.3.2, client → server); the Issuer Event ID came with SE 1.2
#: (``0xFFFFFFFF``: not used).
GetScheduledEvents = cs.Struct(
    "start_time" / t.utc_time,
    "number_of_events" / t.uint8,
    "issuer_event_id" / t.Trailing(t.uint32),
)

DRLC = cluster(
    0x0701,
    "demand_response_and_load_control",
    client_attributes={
        0x0000: ("utility_enrollment_group", T.UINT8),
        0x0001: ("start_randomization_minutes", T.UINT8),
        0x0002: ("duration_randomization_minutes", T.UINT8),
        0x0003: ("device_class_value", T.UINT16),
    },
    client_to_server={
        0x00: ("report_event_status", ReportEventStatus),
        0x01: ("get_scheduled_events", GetScheduledEvents),
    },
    server_to_client={
        0x00: ("load_control_event", LoadControlEvent),
        0x01: ("cancel_load_control_event", CancelLoadControlEvent),
        0x02: ("cancel_all_load_control_events", CancelAllLoadControlEvents),
    },
)
