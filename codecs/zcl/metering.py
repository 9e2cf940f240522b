# SPDX-License-Identifier: GPL-3.0-or-later
"""Metering cluster 0x0702 (ZigBee SE 1.4, 07-5356, annex D.3).

GBCS uses it for consumption reads (GCS13a/b/c Read Attributes of the formatting, tier and
block registers), snapshots (GCS15b/c, GCS16a GetSnapshot → PublishSnapshot), profile and
network data (GCS17, GCS18, GCS61 GetSampledData → GetSampledDataResponse), supply control
(GCS24, GCS32, GCS39) and the billing data log alert (GCS53, PublishSnapshot)
(gbcs-protocol.md §2.3, Appendix B).
"""

from __future__ import annotations

from typing import Any

import construct as cs
from construct import this

from gfi.codecs.zcl import types as t
from gfi.codecs.zcl.registry import Empty, RawRest, cluster
from gfi.codecs.zcl.types import ZclType as T

# ----------------------------------------------------------------------------
# Attributes (SE 1.4 D.3.2.2)
# ----------------------------------------------------------------------------
_TOU_SUMMATIONS = {
    0x0100 + 2 * (n - 1) + received: (
        f"current_tier{n}_summation_{'received' if received else 'delivered'}",
        T.UINT48,
    )
    for n in range(1, 49)
    for received in (0, 1)
}


def _block_summations(base: int, kind: str) -> dict[int, tuple[str, int]]:
    table: dict[int, tuple[str, int]] = {
        base + n - 1: (f"current_no_tier_block{n}_summation_{kind}", T.UINT48) for n in range(1, 17)
    }
    table |= {
        base + 0x10 * tier + n - 1: (f"current_tier{tier}_block{n}_summation_{kind}", T.UINT48)
        for tier in range(1, 16)
        for n in range(1, 17)
    }
    return table


_HISTORICAL_DAYS = {
    0x0420 + 2 * (day - 2) + received: (
        f"previous_day{day}_consumption_{'received' if received else 'delivered'}",
        T.UINT24,
    )
    for day in range(2, 9)
    for received in (0, 1)
}
_HISTORICAL_WEEKS = {
    0x0430 + 2 * week + received: (
        ("current_week" if week == 0 else f"previous_week{week if week > 1 else ''}")
        + f"_consumption_{'received' if received else 'delivered'}",
        T.UINT24,
    )
    for week in range(0, 6)
    for received in (0, 1)
}
_HISTORICAL_MONTHS = {
    0x0440 + 2 * month + received: (
        ("current_month" if month == 0 else f"previous_month{month if month > 1 else ''}")
        + f"_consumption_{'received' if received else 'delivered'}",
        T.UINT32,
    )
    for month in range(0, 14)
    for received in (0, 1)
}

ATTRIBUTES: dict[int, tuple[str, int]] = {
    # Reading information
    0x0000: ("current_summation_delivered", T.UINT48),
    0x0001: ("current_summation_received", T.UINT48),
    0x0002: ("current_max_demand_delivered", T.UINT48),
    0x0003: ("current_max_demand_received", T.UINT48),
    0x0004: ("dft_summation", T.UINT48),
    0x0005: ("daily_freeze_time", T.UINT16),
    0x0006: ("power_factor", T.INT8),
    0x0007: ("reading_snapshot_time", T.UTC_TIME),
    0x0008: ("current_max_demand_delivered_time", T.UTC_TIME),
    0x0009: ("current_max_demand_received_time", T.UTC_TIME),
    0x000A: ("default_update_period", T.UINT8),
    0x000B: ("fast_poll_update_period", T.UINT8),
    0x000C: ("current_block_period_consumption_delivered", T.UINT48),
    0x000D: ("daily_consumption_target", T.UINT24),
    0x000E: ("current_block", T.ENUM8),
    0x000F: ("profile_interval_period", T.ENUM8),
    0x0010: ("interval_read_reporting_period", T.UINT16),
    0x0011: ("preset_reading_time", T.UINT16),
    0x0012: ("volume_per_report", T.UINT16),
    0x0013: ("flow_restriction", T.UINT8),
    0x0014: ("supply_status", T.ENUM8),
    0x0015: ("current_inlet_energy_carrier_summation", T.UINT48),
    0x0016: ("current_outlet_energy_carrier_summation", T.UINT48),
    0x0017: ("inlet_temperature", T.INT24),
    0x0018: ("outlet_temperature", T.INT24),
    0x0019: ("control_temperature", T.INT24),
    0x001A: ("current_inlet_energy_carrier_demand", T.INT24),
    0x001B: ("current_outlet_energy_carrier_demand", T.INT24),
    0x001C: ("previous_block_period_consumption_delivered", T.UINT48),
    0x001D: ("current_block_period_consumption_received", T.UINT48),
    0x001E: ("current_block_received", T.ENUM8),
    0x001F: ("dft_summation_received", T.UINT48),
    0x0020: ("active_register_tier_delivered", T.ENUM8),
    0x0021: ("active_register_tier_received", T.ENUM8),
    0x0022: ("last_block_switch_time", T.UTC_TIME),
    # TOU information
    **_TOU_SUMMATIONS,
    # Meter status
    0x0200: ("status", T.BITMAP8),
    0x0201: ("remaining_battery_life", T.UINT8),
    0x0202: ("hours_in_operation", T.UINT24),
    0x0203: ("hours_in_fault", T.UINT24),
    0x0204: ("extended_status", T.BITMAP64),
    0x0205: ("remaining_battery_life_in_days", T.UINT16),
    0x0206: ("current_meter_id", T.OCTET_STRING),
    0x0207: ("ambient_consumption_indicator", T.ENUM8),
    # Formatting
    0x0300: ("unit_of_measure", T.ENUM8),
    0x0301: ("multiplier", T.UINT24),
    0x0302: ("divisor", T.UINT24),
    0x0303: ("summation_formatting", T.BITMAP8),
    0x0304: ("demand_formatting", T.BITMAP8),
    0x0305: ("historical_consumption_formatting", T.BITMAP8),
    0x0306: ("metering_device_type", T.BITMAP8),
    0x0307: ("site_id", T.OCTET_STRING),
    0x0308: ("meter_serial_number", T.OCTET_STRING),
    0x0309: ("energy_carrier_unit_of_measure", T.ENUM8),
    0x030A: ("energy_carrier_summation_formatting", T.BITMAP8),
    0x030B: ("energy_carrier_demand_formatting", T.BITMAP8),
    0x030C: ("temperature_unit_of_measure", T.ENUM8),
    0x030D: ("temperature_formatting", T.BITMAP8),
    0x030E: ("module_serial_number", T.OCTET_STRING),
    0x030F: ("operating_tariff_label_delivered", T.OCTET_STRING),
    0x0310: ("operating_tariff_label_received", T.OCTET_STRING),
    0x0311: ("customer_id_number", T.OCTET_STRING),
    0x0312: ("alternative_unit_of_measure", T.ENUM8),
    0x0313: ("alternative_demand_formatting", T.BITMAP8),
    0x0314: ("alternative_consumption_formatting", T.BITMAP8),
    # Historical consumption
    0x0400: ("instantaneous_demand", T.INT24),
    0x0401: ("current_day_consumption_delivered", T.UINT24),
    0x0402: ("current_day_consumption_received", T.UINT24),
    0x0403: ("previous_day_consumption_delivered", T.UINT24),
    0x0404: ("previous_day_consumption_received", T.UINT24),
    0x0405: ("current_partial_profile_interval_start_time_delivered", T.UTC_TIME),
    0x0406: ("current_partial_profile_interval_start_time_received", T.UTC_TIME),
    0x0407: ("current_partial_profile_interval_value_delivered", T.UINT24),
    0x0408: ("current_partial_profile_interval_value_received", T.UINT24),
    0x0409: ("current_day_max_pressure", T.UINT48),
    0x040A: ("current_day_min_pressure", T.UINT48),
    0x040B: ("previous_day_max_pressure", T.UINT48),
    0x040C: ("previous_day_min_pressure", T.UINT48),
    0x040D: ("current_day_max_demand", T.INT24),
    0x040E: ("previous_day_max_demand", T.INT24),
    0x040F: ("current_month_max_demand", T.INT24),
    0x0410: ("current_year_max_demand", T.INT24),
    **_HISTORICAL_DAYS,
    **_HISTORICAL_WEEKS,
    **_HISTORICAL_MONTHS,
    0x045C: ("historical_freeze_time", T.UINT16),
    # Load profile configuration
    0x0500: ("max_number_of_periods_delivered", T.UINT8),
    # Supply limit
    0x0600: ("current_demand_delivered", T.UINT24),
    0x0601: ("demand_limit", T.UINT24),
    0x0602: ("demand_integration_period", T.UINT8),
    0x0603: ("number_of_demand_subintervals", T.UINT8),
    0x0604: ("demand_limit_arm_duration", T.UINT16),
    0x0605: ("load_limit_supply_state", T.ENUM8),
    0x0606: ("load_limit_counter", T.UINT8),
    0x0607: ("supply_tamper_state", T.ENUM8),
    0x0608: ("supply_depletion_state", T.ENUM8),
    0x0609: ("supply_uncontrolled_flow_state", T.ENUM8),
    # Block information (delivered)
    **_block_summations(0x0700, "delivered"),
    # Alarms
    0x0800: ("generic_alarm_mask", T.BITMAP16),
    0x0801: ("electricity_alarm_mask", T.BITMAP32),
    0x0802: ("generic_flow_pressure_alarm_mask", T.BITMAP16),
    0x0803: ("water_specific_alarm_mask", T.BITMAP16),
    0x0804: ("heat_and_cooling_specific_alarm_mask", T.BITMAP16),
    0x0805: ("gas_specific_alarm_mask", T.BITMAP16),
    0x0806: ("extended_generic_alarm_mask", T.BITMAP48),
    0x0807: ("manufacturer_alarm_mask", T.BITMAP16),
    # Block information (received)
    **_block_summations(0x0900, "received"),
    # Meter billing
    0x0A00: ("bill_to_date_delivered", T.UINT32),
    0x0A01: ("bill_to_date_time_stamp_delivered", T.UTC_TIME),
    0x0A02: ("projected_bill_delivered", T.UINT32),
    0x0A03: ("projected_bill_time_stamp_delivered", T.UTC_TIME),
    0x0A04: ("bill_delivered_trailing_digit", T.BITMAP8),
    0x0A10: ("bill_to_date_received", T.UINT32),
    0x0A11: ("bill_to_date_time_stamp_received", T.UTC_TIME),
    0x0A12: ("projected_bill_received", T.UINT32),
    0x0A13: ("projected_bill_time_stamp_received", T.UTC_TIME),
    0x0A14: ("bill_received_trailing_digit", T.BITMAP8),
    # Supply control
    0x0B00: ("proposed_change_supply_implementation_time", T.UTC_TIME),
    0x0B01: ("proposed_change_supply_status", T.ENUM8),
    0x0B10: ("uncontrolled_flow_threshold", T.UINT16),
    0x0B11: ("uncontrolled_flow_threshold_unit_of_measure", T.ENUM8),
    0x0B12: ("uncontrolled_flow_multiplier", T.UINT16),
    0x0B13: ("uncontrolled_flow_divisor", T.UINT16),
    0x0B14: ("flow_stabilisation_period", T.UINT8),
    0x0B15: ("flow_measurement_period", T.UINT16),
}

CLIENT_ATTRIBUTES = {
    0x0000: ("functional_notification_flags", T.BITMAP32),
    0x0001: ("notification_flags_2", T.BITMAP32),
    0x0002: ("notification_flags_3", T.BITMAP32),
    0x0003: ("notification_flags_4", T.BITMAP32),
    0x0004: ("notification_flags_5", T.BITMAP32),
    0x0005: ("notification_flags_6", T.BITMAP32),
    0x0006: ("notification_flags_7", T.BITMAP32),
    0x0007: ("notification_flags_8", T.BITMAP32),
}

# ----------------------------------------------------------------------------
# Client → server commands (SE 1.4 D.3.2.3)
# ----------------------------------------------------------------------------
#: Get Profile.
GetProfile = cs.Struct(
    "interval_channel" / t.enum8,
    "end_time" / t.utc_time,
    "number_of_periods" / t.uint8,
)

#: Request Mirror Response.
RequestMirrorResponse = cs.Struct("endpoint_id" / t.uint16)

#: Mirror Removed.
MirrorRemoved = cs.Struct("removed_endpoint_id" / t.uint16)

#: Request Fast Poll Mode.
RequestFastPollMode = cs.Struct(
    "fast_poll_update_period" / t.uint8,
    "duration_in_minutes" / t.uint8,
)

#: One schedule of Schedule Snapshot.
SnapshotSchedule = cs.Struct(
    "snapshot_schedule_id" / t.uint8,
    "snapshot_start_time" / t.utc_time,
    "snapshot_schedule" / t.bitmap24,
    "snapshot_payload_type" / t.enum8,
    "snapshot_cause" / t.bitmap32,
)

#: Schedule Snapshot.
ScheduleSnapshot = cs.Struct(
    "issuer_event_id" / t.uint32,
    "command_index" / t.uint8,
    "command_count" / t.uint8,
    "snapshot_schedules" / cs.GreedyRange(SnapshotSchedule),
)

#: Take Snapshot.
TakeSnapshot = cs.Struct("snapshot_cause" / t.bitmap32)

#: Get Snapshot (GCS15b/c, GCS16a: ``0456331C 037E181E 00 01000000``).
GetSnapshot = cs.Struct(
    "earliest_start_time" / t.utc_time,
    "latest_end_time" / t.utc_time,
    "snapshot_offset" / t.uint8,
    "snapshot_cause" / t.bitmap32,
)

#: Start Sampling (GCS31).
StartSampling = cs.Struct(
    "issuer_event_id" / t.uint32,
    "start_sampling_time" / t.utc_time,
    "sample_type" / t.enum8,
    "sample_request_interval" / t.uint16,
    "max_number_of_samples" / t.uint16,
)

#: Get Sampled Data (GCS17, GCS18, GCS61).
GetSampledData = cs.Struct(
    "sample_id" / t.uint16,
    "earliest_sample_time" / t.utc_time,
    "sample_type" / t.enum8,
    "number_of_samples" / t.uint16,
)

#: Mirror Report Attribute Response.
MirrorReportAttributeResponse = cs.Struct(
    "notification_scheme" / t.uint8,
    "notification_flags" / cs.GreedyRange(t.bitmap32),
)

#: Reset Load Limit Counter.
ResetLoadLimitCounter = cs.Struct("provider_id" / t.uint32, "issuer_event_id" / t.uint32)

#: Change Supply (GCS32, GCS39).
ChangeSupply = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "request_date_time" / t.utc_time,
    "implementation_date_time" / t.utc_time,
    "proposed_supply_status" / t.enum8,
    "supply_control_bits" / t.bitmap8,
)

#: Local Change Supply.
LocalChangeSupply = cs.Struct("proposed_supply_status" / t.enum8)

#: Set Supply Status (GCS24).
SetSupplyStatus = cs.Struct(
    "issuer_event_id" / t.uint32,
    "supply_tamper_state" / t.enum8,
    "supply_depletion_state" / t.enum8,
    "supply_uncontrolled_flow_state" / t.enum8,
    "load_limit_supply_state" / t.enum8,
)

#: Set Uncontrolled Flow Threshold (GCS24).
SetUncontrolledFlowThreshold = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "uncontrolled_flow_threshold" / t.uint16,
    "unit_of_measure" / t.enum8,
    "multiplier" / t.uint16,
    "divisor" / t.uint16,
    "stabilisation_period" / t.uint8,
    "measurement_period" / t.uint16,
)

# ----------------------------------------------------------------------------
# Server → client commands (SE 1.4 D.3.2.4)
# ----------------------------------------------------------------------------
#: Get Profile Response.
GetProfileResponse = cs.Struct(
    "end_time" / t.utc_time,
    "status" / t.enum8,
    "profile_interval_period" / t.enum8,
    "number_of_periods_delivered" / t.uint8,
    "intervals" / cs.Array(this.number_of_periods_delivered, t.uint24),
)

#: Request Fast Poll Mode Response.
RequestFastPollModeResponse = cs.Struct(
    "applied_update_period" / t.uint8,
    "fast_poll_mode_end_time" / t.utc_time,
)

#: Schedule Snapshot Response.
ScheduleSnapshotResponse = cs.Struct(
    "issuer_event_id" / t.uint32,
    "snapshot_responses"
    / cs.GreedyRange(
        cs.Struct("snapshot_schedule_id" / t.uint8, "snapshot_schedule_confirmation" / t.enum8)
    ),
)

#: Take Snapshot Response.
TakeSnapshotResponse = cs.Struct("snapshot_id" / t.uint32, "snapshot_confirmation" / t.enum8)


def _tou_snapshot(kind: str, billing: bool, blocks: bool) -> Any:
    """A snapshot sub-payload (SE 1.4 D.3.2.4.7, snapshot payload types 0-7)."""
    fields: list[Any] = [f"current_summation_{kind}" / t.uint48]
    if billing:
        fields += [
            f"bill_to_date_{kind}" / t.uint32,
            f"bill_to_date_time_stamp_{kind}" / t.utc_time,
            f"projected_bill_{kind}" / t.uint32,
            f"projected_bill_time_stamp_{kind}" / t.utc_time,
            f"bill_{kind}_trailing_digit" / t.bitmap8,
        ]
    fields += [
        "number_of_tiers_in_use" / t.uint8,
        f"tier_summations_{kind}" / cs.Array(this.number_of_tiers_in_use, t.uint48),
    ]
    if blocks:
        # The block summations end the frame. The GSME vectors (GCS16a, type 6) carry
        # tiers x thresholds-nibble values (0x14 -> 4), not tiers x (thresholds + 1), so the
        # list is read to the end instead of trusting a count.
        fields += [
            "number_of_tiers_and_block_thresholds_in_use" / t.uint8,
            f"tier_block_summations_{kind}" / cs.GreedyRange(t.uint48),
        ]
    return cs.Struct(*fields)


#: Snapshot sub-payloads by snapshot payload type.
SNAPSHOT_PAYLOADS: dict[int, Any] = {
    0: _tou_snapshot("delivered", billing=True, blocks=False),
    1: _tou_snapshot("received", billing=True, blocks=False),
    2: _tou_snapshot("delivered", billing=True, blocks=True),
    3: _tou_snapshot("received", billing=True, blocks=True),
    4: _tou_snapshot("delivered", billing=False, blocks=False),
    5: _tou_snapshot("received", billing=False, blocks=False),
    6: _tou_snapshot("delivered", billing=False, blocks=True),
    7: _tou_snapshot("received", billing=False, blocks=True),
    8: Empty,  # data unavailable
}

#: Publish Snapshot (GCS15b/c, GCS16a responses; GCS53 alert). Unknown payload types keep
#: their bytes as ``{"raw": hex}``.
PublishSnapshot = cs.Struct(
    "snapshot_id" / t.uint32,
    "snapshot_time" / t.utc_time,
    "total_snapshots_found" / t.uint8,
    "command_index" / t.uint8,
    "total_number_of_commands" / t.uint8,
    "snapshot_cause" / t.bitmap32,
    "snapshot_payload_type" / t.enum8,
    "snapshot_payload" / cs.Switch(this.snapshot_payload_type, SNAPSHOT_PAYLOADS, default=RawRest),
)

#: Get Sampled Data Response (GCS17, GCS18, GCS61).
GetSampledDataResponse = cs.Struct(
    "sample_id" / t.uint16,
    "sample_start_time" / t.utc_time,
    "sample_type" / t.enum8,
    "sample_request_interval" / t.uint16,
    "number_of_samples" / t.uint16,
    "samples" / cs.Array(this.number_of_samples, t.uint24),
)

#: Configure Mirror.
ConfigureMirror = cs.Struct(
    "issuer_event_id" / t.uint32,
    "reporting_interval" / t.uint24,
    "mirror_notification_reporting" / t.boolean,
    "notification_scheme" / t.uint8,
)

#: Configure Notification Scheme.
ConfigureNotificationScheme = cs.Struct(
    "issuer_event_id" / t.uint32,
    "notification_scheme" / t.uint8,
    "notification_flag_order" / t.bitmap32,
)

#: Configure Notification Flags.
ConfigureNotificationFlags = cs.Struct(
    "issuer_event_id" / t.uint32,
    "notification_scheme" / t.uint8,
    "notification_flag_attribute_id" / t.uint16,
    "cluster_id" / t.uint16,
    "manufacturer_code" / t.uint16,
    "command_ids" / cs.PrefixedArray(t.uint8, t.uint8),
)

#: Get Notified Message.
GetNotifiedMessage = cs.Struct(
    "notification_scheme" / t.uint8,
    "notification_flag_attribute_id" / t.uint16,
    "notification_flags" / t.bitmap32,
)

#: Supply Status Response (GCS32, GCS39).
SupplyStatusResponse = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "implementation_date_time" / t.utc_time,
    "supply_status" / t.enum8,
)

#: Start Sampling Response (GCS31).
StartSamplingResponse = cs.Struct("sample_id" / t.uint16)

METERING = cluster(
    0x0702,
    "metering",
    attributes=ATTRIBUTES,
    client_attributes=CLIENT_ATTRIBUTES,
    client_to_server={
        0x00: ("get_profile", GetProfile),
        0x01: ("request_mirror_response", RequestMirrorResponse),
        0x02: ("mirror_removed", MirrorRemoved),
        0x03: ("request_fast_poll_mode", RequestFastPollMode),
        0x04: ("schedule_snapshot", ScheduleSnapshot),
        0x05: ("take_snapshot", TakeSnapshot),
        0x06: ("get_snapshot", GetSnapshot),
        0x07: ("start_sampling", StartSampling),
        0x08: ("get_sampled_data", GetSampledData),
        0x09: ("mirror_report_attribute_response", MirrorReportAttributeResponse),
        0x0A: ("reset_load_limit_counter", ResetLoadLimitCounter),
        0x0B: ("change_supply", ChangeSupply),
        0x0C: ("local_change_supply", LocalChangeSupply),
        0x0D: ("set_supply_status", SetSupplyStatus),
        0x0E: ("set_uncontrolled_flow_threshold", SetUncontrolledFlowThreshold),
    },
    server_to_client={
        0x00: ("get_profile_response", GetProfileResponse),
        0x01: ("request_mirror", Empty),
        0x02: ("remove_mirror", Empty),
        0x03: ("request_fast_poll_mode_response", RequestFastPollModeResponse),
        0x04: ("schedule_snapshot_response", ScheduleSnapshotResponse),
        0x05: ("take_snapshot_response", TakeSnapshotResponse),
        0x06: ("publish_snapshot", PublishSnapshot),
        0x07: ("get_sampled_data_response", GetSampledDataResponse),
        0x08: ("configure_mirror", ConfigureMirror),
        0x09: ("configure_notification_scheme", ConfigureNotificationScheme),
        0x0A: ("configure_notification_flags", ConfigureNotificationFlags),
        0x0B: ("get_notified_message", GetNotifiedMessage),
        0x0C: ("supply_status_response", SupplyStatusResponse),
        0x0D: ("start_sampling_response", StartSamplingResponse),
    },
)
