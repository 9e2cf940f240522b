# SPDX-License-Identifier: GPL-3.0-or-later
"""Smart Energy clusters Messaging (0x0703, SE 1.4 annex D.5), Tunneling (0x0704, D.6),
Calendar (0x0707, D.9), Device Management (0x0708, D.10) and Events (0x0709, D.11)
(ZigBee SE 1.4, 07-5356).

GBCS use (gbcs-protocol.md §2.3, Appendix B): GCS07 DisplayMessage; GCS01a/GCS05 Calendar
publish commands and GCS21b/f Calendar reads; GCS09/11/20/20r/36/41/44 Device Management;
CS10a/b, CS11 Events. GBCS messages themselves travel between the Comms Hub and the devices in
Tunneling TransferData (zigbee-han.md §2, §6.6).
"""

from __future__ import annotations

import construct as cs
from construct import this

from gfi.codecs.primitives import HexBytes
from gfi.codecs.zcl import types as t
from gfi.codecs.zcl.registry import Empty, RawRest, cluster
from gfi.codecs.zcl.types import ZclType as T

# ----------------------------------------------------------------------------
# Messaging 0x0703 (SE 1.4 D.5)
# ----------------------------------------------------------------------------
#: Display Message / Display Protected Message (GCS07). The extended message control byte
#: came with SE 1.2 and GBCS leaves it out.
DisplayMessage = cs.Struct(
    "message_id" / t.uint32,
    "message_control" / t.bitmap8,
    "start_time" / t.utc_time,
    "duration_in_minutes" / t.uint16,
    "message" / t.character_string,
    "extended_message_control" / t.Trailing(t.bitmap8),
)

#: Cancel Message.
CancelMessage = cs.Struct("message_id" / t.uint32, "message_control" / t.bitmap8)

#: Cancel All Messages.
CancelAllMessages = cs.Struct("implementation_date_time" / t.utc_time)

#: Message Confirmation; the last two fields came with SE 1.2.
MessageConfirmation = cs.Struct(
    "message_id" / t.uint32,
    "confirmation_time" / t.utc_time,
    "message_confirmation_control" / t.Trailing(t.bitmap8),
    "message_response" / t.Trailing(t.octet_string),
)

#: Get Message Cancellation.
GetMessageCancellation = cs.Struct("earliest_implementation_time" / t.utc_time)

MESSAGING = cluster(
    0x0703,
    "messaging",
    client_to_server={
        0x00: ("get_last_message", Empty),
        0x01: ("message_confirmation", MessageConfirmation),
        0x02: ("get_message_cancellation", GetMessageCancellation),
    },
    server_to_client={
        0x00: ("display_message", DisplayMessage),
        0x01: ("cancel_message", CancelMessage),
        0x02: ("display_protected_message", DisplayMessage),
        0x03: ("cancel_all_messages", CancelAllMessages),
    },
)

# ----------------------------------------------------------------------------
# Tunneling 0x0704 (SE 1.4 D.6)
# ----------------------------------------------------------------------------
#: Request Tunnel.
RequestTunnel = cs.Struct(
    "protocol_id" / t.enum8,
    "manufacturer_code" / t.uint16,
    "flow_control_support" / t.boolean,
    "maximum_incoming_transfer_size" / t.uint16,
)

#: Close Tunnel / Tunnel Closure Notification.
TunnelId = cs.Struct("tunnel_id" / t.uint16)

#: Transfer Data: the tunnelled bytes run to the end of the frame (GBCS: a one-byte GBCS
#: tunnel command, then the GBCS message).
TransferData = cs.Struct("tunnel_id" / t.uint16, "data" / HexBytes(cs.GreedyBytes))

#: Transfer Data Error.
TransferDataError = cs.Struct("tunnel_id" / t.uint16, "transfer_data_status" / t.uint8)

#: Ack Transfer Data.
AckTransferData = cs.Struct("tunnel_id" / t.uint16, "number_of_bytes_left" / t.uint16)

#: Ready Data.
ReadyData = cs.Struct("tunnel_id" / t.uint16, "number_of_octets_left" / t.uint16)

#: Get Supported Tunnel Protocols.
GetSupportedTunnelProtocols = cs.Struct("protocol_offset" / t.uint8)

#: Request Tunnel Response.
RequestTunnelResponse = cs.Struct(
    "tunnel_id" / t.uint16,
    "tunnel_status" / t.uint8,
    "maximum_incoming_transfer_size" / t.uint16,
)

#: Supported Tunnel Protocols Response.
SupportedTunnelProtocolsResponse = cs.Struct(
    "protocol_list_complete" / t.boolean,
    "protocols"
    / cs.PrefixedArray(t.uint8, cs.Struct("manufacturer_code" / t.uint16, "protocol_id" / t.uint8)),
)

TUNNELING = cluster(
    0x0704,
    "tunneling",
    attributes={0x0000: ("close_tunnel_timeout", T.UINT16)},
    client_to_server={
        0x00: ("request_tunnel", RequestTunnel),
        0x01: ("close_tunnel", TunnelId),
        0x02: ("transfer_data", TransferData),
        0x03: ("transfer_data_error", TransferDataError),
        0x04: ("ack_transfer_data", AckTransferData),
        0x05: ("ready_data", ReadyData),
        0x06: ("get_supported_tunnel_protocols", GetSupportedTunnelProtocols),
    },
    server_to_client={
        0x00: ("request_tunnel_response", RequestTunnelResponse),
        0x01: ("transfer_data", TransferData),
        0x02: ("transfer_data_error", TransferDataError),
        0x03: ("ack_transfer_data", AckTransferData),
        0x04: ("ready_data", ReadyData),
        0x05: ("supported_tunnel_protocols_response", SupportedTunnelProtocolsResponse),
        0x06: ("tunnel_closure_notification", TunnelId),
    },
)

# ----------------------------------------------------------------------------
# Calendar 0x0707 (SE 1.4 D.9)
# ----------------------------------------------------------------------------
#: Calendar types (SE 1.4 D.9): 0 delivered, 1 received, 2 delivered and received,
#: 3 friendly credit, 4 auxiliary load switch.
CALENDAR_TYPE_FRIENDLY_CREDIT = 0x03
CALENDAR_TYPE_AUXILIARY_LOAD_SWITCH = 0x04

ATTRIBUTES_CALENDAR: dict[int, tuple[str, int]] = {
    0x0000: ("auxiliary_switch_1_label", T.OCTET_STRING),
    0x0001: ("auxiliary_switch_2_label", T.OCTET_STRING),
    0x0002: ("auxiliary_switch_3_label", T.OCTET_STRING),
    0x0003: ("auxiliary_switch_4_label", T.OCTET_STRING),
    0x0004: ("auxiliary_switch_5_label", T.OCTET_STRING),
    0x0005: ("auxiliary_switch_6_label", T.OCTET_STRING),
    0x0006: ("auxiliary_switch_7_label", T.OCTET_STRING),
    0x0007: ("auxiliary_switch_8_label", T.OCTET_STRING),
}

#: Get Calendar.
GetCalendar = cs.Struct(
    "earliest_start_time" / t.utc_time,
    "min_issuer_event_id" / t.uint32,
    "number_of_calendars" / t.uint8,
    "calendar_type" / t.enum8,
    "provider_id" / t.uint32,
)

#: Get Day Profiles (GCS21b/f: ``00000000 FFFFFFFF 01 00``).
GetDayProfiles = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_calendar_id" / t.uint32,
    "start_day_id" / t.uint8,
    "number_of_days" / t.uint8,
)

#: Get Week Profiles.
GetWeekProfiles = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_calendar_id" / t.uint32,
    "start_week_id" / t.uint8,
    "number_of_weeks" / t.uint8,
)

#: Get Seasons.
GetSeasons = cs.Struct("provider_id" / t.uint32, "issuer_calendar_id" / t.uint32)

#: Get Special Days.
GetSpecialDays = cs.Struct(
    "start_time" / t.utc_time,
    "number_of_events" / t.uint8,
    "calendar_type" / t.enum8,
    "provider_id" / t.uint32,
    "issuer_calendar_id" / t.uint32,
)

#: Publish Calendar (GCS01a, GCS05).
PublishCalendar = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "issuer_calendar_id" / t.uint32,
    "start_time" / t.utc_time,
    "calendar_type" / t.enum8,
    "calendar_time_reference" / t.enum8,
    "calendar_name" / t.octet_string,
    "number_of_seasons" / t.uint8,
    "number_of_week_profiles" / t.uint8,
    "number_of_day_profiles" / t.uint8,
)

#: Day schedule entries: start time in minutes from midnight and what starts then, by calendar
#: type (rate: price tier; friendly credit: enable; auxiliary load switch: switch state).
RateStartTime = cs.Struct("start_time" / t.uint16, "price_tier" / t.enum8)
FriendlyCreditStartTime = cs.Struct("start_time" / t.uint16, "friendly_credit_enable" / t.boolean)
AuxiliaryLoadStartTime = cs.Struct(
    "start_time" / t.uint16, "auxiliary_load_switch_state" / t.bitmap8
)

#: Publish Day Profile (GCS01a, GCS05; GCS21b/f responses).
PublishDayProfile = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "issuer_calendar_id" / t.uint32,
    "day_id" / t.uint8,
    "total_number_of_schedule_entries" / t.uint8,
    "command_index" / t.uint8,
    "total_number_of_commands" / t.uint8,
    "calendar_type" / t.enum8,
    "day_schedule_entries"
    / cs.GreedyRange(
        cs.Switch(
            this.calendar_type,
            {
                CALENDAR_TYPE_FRIENDLY_CREDIT: FriendlyCreditStartTime,
                CALENDAR_TYPE_AUXILIARY_LOAD_SWITCH: AuxiliaryLoadStartTime,
            },
            default=RateStartTime,
        )
    ),
)

#: Publish Week Profile (GCS01a, GCS05; GCS21b/f responses).
PublishWeekProfile = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "issuer_calendar_id" / t.uint32,
    "week_id" / t.uint8,
    "day_id_ref_monday" / t.uint8,
    "day_id_ref_tuesday" / t.uint8,
    "day_id_ref_wednesday" / t.uint8,
    "day_id_ref_thursday" / t.uint8,
    "day_id_ref_friday" / t.uint8,
    "day_id_ref_saturday" / t.uint8,
    "day_id_ref_sunday" / t.uint8,
)

#: One season: start date and week profile.
SeasonEntry = cs.Struct("season_start_date" / t.date, "week_id_ref" / t.uint8)

#: Publish Seasons (GCS01a, GCS05; GCS21b/f responses).
PublishSeasons = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "issuer_calendar_id" / t.uint32,
    "command_index" / t.uint8,
    "total_number_of_commands" / t.uint8,
    "season_entries" / cs.GreedyRange(SeasonEntry),
)

#: One special day: date (``FF`` = any) and day profile.
SpecialDayEntry = cs.Struct("special_day_date" / t.date, "day_id_ref" / t.uint8)

#: Publish Special Days (GCS01a, GCS05; GCS21b/f responses).
PublishSpecialDays = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "issuer_calendar_id" / t.uint32,
    "start_time" / t.utc_time,
    "calendar_type" / t.enum8,
    "total_number_of_special_days" / t.uint8,
    "command_index" / t.uint8,
    "total_number_of_commands" / t.uint8,
    "special_day_entries" / cs.GreedyRange(SpecialDayEntry),
)

#: Cancel Calendar.
CancelCalendar = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_calendar_id" / t.uint32,
    "calendar_type" / t.enum8,
)

CALENDAR = cluster(
    0x0707,
    "calendar",
    attributes=ATTRIBUTES_CALENDAR,
    client_to_server={
        0x00: ("get_calendar", GetCalendar),
        0x01: ("get_day_profiles", GetDayProfiles),
        0x02: ("get_week_profiles", GetWeekProfiles),
        0x03: ("get_seasons", GetSeasons),
        0x04: ("get_special_days", GetSpecialDays),
        0x05: ("get_calendar_cancellation", Empty),
    },
    server_to_client={
        0x00: ("publish_calendar", PublishCalendar),
        0x01: ("publish_day_profile", PublishDayProfile),
        0x02: ("publish_week_profile", PublishWeekProfile),
        0x03: ("publish_seasons", PublishSeasons),
        0x04: ("publish_special_days", PublishSpecialDays),
        0x05: ("cancel_calendar", CancelCalendar),
    },
)

# ----------------------------------------------------------------------------
# Device Management 0x0708 (SE 1.4 D.10)
# ----------------------------------------------------------------------------
ATTRIBUTES_DEVICE_MANAGEMENT: dict[int, tuple[str, int]] = {
    0x0100: ("provider_id", T.UINT32),
    0x0101: ("provider_name", T.OCTET_STRING),
    0x0102: ("provider_contact_details", T.OCTET_STRING),
    0x0110: ("proposed_provider_id", T.UINT32),
    0x0111: ("proposed_provider_name", T.OCTET_STRING),
    0x0112: ("proposed_provider_change_date_time", T.UTC_TIME),
    0x0113: ("proposed_provider_change_control", T.BITMAP32),
    0x0114: ("proposed_provider_contact_details", T.OCTET_STRING),
    0x0120: ("received_provider_id", T.UINT32),
    0x0121: ("received_provider_name", T.OCTET_STRING),
    0x0122: ("received_provider_contact_details", T.OCTET_STRING),
    0x0130: ("received_proposed_provider_id", T.UINT32),
    0x0131: ("received_proposed_provider_name", T.OCTET_STRING),
    0x0132: ("received_proposed_provider_change_date_time", T.UTC_TIME),
    0x0133: ("received_proposed_provider_change_control", T.BITMAP32),
    0x0134: ("received_proposed_provider_contact_details", T.OCTET_STRING),
    0x0200: ("change_of_tenancy_update_date_time", T.UTC_TIME),
    0x0201: ("proposed_tenancy_change_control", T.BITMAP32),
    0x0300: ("wan_status", T.ENUM8),
    0x0400: ("low_medium_threshold", T.UINT32),
    0x0401: ("medium_high_threshold", T.UINT32),
}

#: Request New Password.
RequestNewPassword = cs.Struct("password_type" / t.enum8)

#: One event and its configuration (logging / push bits).
EventConfiguration = cs.Struct("event_id" / t.uint16, "event_configuration" / t.bitmap8)

#: Report Event Configuration (GCS20r response, sent by the device as Device Management
#: client).
ReportEventConfiguration = cs.Struct(
    "command_index" / t.uint8,
    "total_commands" / t.uint8,
    "event_configurations" / cs.GreedyRange(EventConfiguration),
)

#: Publish Change of Tenancy (GCS09).
PublishChangeOfTenancy = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "tariff_type" / t.bitmap8,
    "implementation_date_time" / t.utc_time,
    "proposed_tenancy_change_control" / t.bitmap32,
)

#: Publish Change of Supplier (GCS44).
PublishChangeOfSupplier = cs.Struct(
    "current_provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "tariff_type" / t.bitmap8,
    "proposed_provider_id" / t.uint32,
    "provider_change_implementation_time" / t.utc_time,
    "provider_change_control" / t.bitmap32,
    "proposed_provider_name" / t.octet_string,
    "proposed_provider_contact_details" / t.octet_string,
)

#: Request New Password Response (GCS11).
RequestNewPasswordResponse = cs.Struct(
    "issuer_event_id" / t.uint32,
    "implementation_date_time" / t.utc_time,
    "duration_in_minutes" / t.uint16,
    "password_type" / t.enum8,
    "password" / t.octet_string,
)

#: Update Site ID (GCS41).
UpdateSiteId = cs.Struct(
    "issuer_event_id" / t.uint32,
    "site_id_time" / t.utc_time,
    "provider_id" / t.uint32,
    "site_id" / t.octet_string,
)

#: Configuration control values of Set Event Configuration.
CONFIGURATION_APPLY_BY_LIST = 0x00
CONFIGURATION_APPLY_BY_EVENT_GROUP = 0x01
CONFIGURATION_APPLY_BY_LOG_TYPE = 0x02
CONFIGURATION_APPLY_BY_CONFIGURATION_MATCH = 0x03

#: Set Event Configuration (GCS20): which events the configuration applies to depends on the
#: configuration control.
SetEventConfiguration = cs.Struct(
    "issuer_event_id" / t.uint32,
    "start_date_time" / t.utc_time,
    "event_configuration" / t.bitmap8,
    "configuration_control" / t.enum8,
    "event_configuration_payload"
    / cs.Switch(
        this.configuration_control,
        {
            CONFIGURATION_APPLY_BY_LIST: cs.Struct(
                "event_ids" / cs.PrefixedArray(t.uint8, t.uint16)
            ),
            CONFIGURATION_APPLY_BY_EVENT_GROUP: cs.Struct("event_group_id" / t.uint16),
            CONFIGURATION_APPLY_BY_LOG_TYPE: cs.Struct("log_id" / t.enum8),
            CONFIGURATION_APPLY_BY_CONFIGURATION_MATCH: cs.Struct(
                "configuration_value_match" / t.bitmap8
            ),
        },
        default=RawRest,
    ),
)

#: Get Event Configuration (GCS20r).
GetEventConfiguration = cs.Struct("event_id" / t.uint16)

#: Update CIN (GCS36).
UpdateCin = cs.Struct(
    "issuer_event_id" / t.uint32,
    "implementation_time" / t.utc_time,
    "provider_id" / t.uint32,
    "customer_id_number" / t.octet_string,
)

DEVICE_MANAGEMENT = cluster(
    0x0708,
    "device_management",
    attributes=ATTRIBUTES_DEVICE_MANAGEMENT,
    client_to_server={
        0x00: ("get_change_of_tenancy", Empty),
        0x01: ("get_change_of_supplier", Empty),
        0x02: ("request_new_password", RequestNewPassword),
        0x03: ("get_site_id", Empty),
        0x04: ("report_event_configuration", ReportEventConfiguration),
        0x05: ("get_cin", Empty),
    },
    server_to_client={
        0x00: ("publish_change_of_tenancy", PublishChangeOfTenancy),
        0x01: ("publish_change_of_supplier", PublishChangeOfSupplier),
        0x02: ("request_new_password_response", RequestNewPasswordResponse),
        0x03: ("update_site_id", UpdateSiteId),
        0x04: ("set_event_configuration", SetEventConfiguration),
        0x05: ("get_event_configuration", GetEventConfiguration),
        0x06: ("update_cin", UpdateCin),
    },
)

# ----------------------------------------------------------------------------
# Events 0x0709 (SE 1.4 D.11)
# ----------------------------------------------------------------------------
#: Get Event Log (CS10a/b): event control (bits 0-3) and log id (bits 4-7) share one byte.
GetEventLog = cs.Struct(
    "event_control_log_id" / t.bitmap8,
    "event_id" / t.uint16,
    "start_time" / t.utc_time,
    "end_time" / t.utc_time,
    "number_of_events" / t.uint8,
    "event_offset" / t.uint16,
)

#: Clear Event Log Request (CS11).
ClearEventLogRequest = cs.Struct("log_id" / t.enum8)

#: Publish Event.
PublishEvent = cs.Struct(
    "log_id" / t.enum8,
    "event_id" / t.uint16,
    "event_time" / t.utc_time,
    "event_control" / t.bitmap8,
    "event_data" / t.octet_string,
)

#: One event of the log.
EventLogEntry = cs.Struct(
    "log_id" / t.enum8,
    "event_id" / t.uint16,
    "event_time" / t.utc_time,
    "event_data" / t.octet_string,
)

#: Publish Event Log (CS10a/b responses). The events run to the end of the frame (the CS10b
#: vector leaves the number-of-events nibble at 0).
PublishEventLog = cs.Struct(
    "total_number_of_matching_events" / t.uint16,
    "command_index" / t.uint8,
    "total_commands" / t.uint8,
    "number_of_events_log_payload_control" / t.bitmap8,
    "events" / cs.GreedyRange(EventLogEntry),
)

#: Clear Event Log Response (CS11): one bit per cleared log.
ClearEventLogResponse = cs.Struct("cleared_events_logs" / t.bitmap8)

EVENTS = cluster(
    0x0709,
    "events",
    client_to_server={
        0x00: ("get_event_log", GetEventLog),
        0x01: ("clear_event_log_request", ClearEventLogRequest),
    },
    server_to_client={
        0x00: ("publish_event", PublishEvent),
        0x01: ("publish_event_log", PublishEventLog),
        0x02: ("clear_event_log_response", ClearEventLogResponse),
    },
)
