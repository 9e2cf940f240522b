# SPDX-License-Identifier: GPL-3.0-or-later
"""Prepayment cluster 0x0705 (ZigBee SE 1.4, 07-5356, annex D.7).

GBCS use: payment mode (GCS02/03 ChangePaymentMode), debt (GCS04 ChangeDebt), emergency and
maximum credit, debt cap and low-credit warning (GCS05), emergency credit activation (GCS06,
PCS02), credit adjustment (GCS40a-d), top-ups (CS01b, PCS01 ConsumerTopUp), register reads
(GCS14, GCS21b/j, GCS60) and the prepayment logs (GCS15d/e, GCS16b)
(gbcs-protocol.md §2.3, Appendix B).
"""

from __future__ import annotations

import construct as cs
from construct import this

from gfi.codecs.zcl import types as t
from gfi.codecs.zcl.registry import RawRest, cluster
from gfi.codecs.zcl.types import ZclType as T

# ----------------------------------------------------------------------------
# Attributes (SE 1.4 D.7.2.2)
# ----------------------------------------------------------------------------
_TOP_UPS = {
    0x0100 + 0x10 * (n - 1) + offset: (f"{name}_{n}", type_)
    for n in range(1, 6)
    for offset, name, type_ in (
        (0x00, "top_up_date_time", T.UTC_TIME),
        (0x01, "top_up_amount", T.INT32),
        (0x02, "originating_device", T.ENUM8),
        (0x03, "top_up_code", T.OCTET_STRING),
    )
}
_DEBTS = {
    0x0200 + 0x10 * n + offset: (f"{name}_{n}", type_)
    for n in range(1, 4)
    for offset, name, type_ in (
        (0x00, "debt_label", T.OCTET_STRING),
        (0x01, "debt_amount", T.UINT32),
        (0x02, "debt_recovery_method", T.ENUM8),
        (0x03, "debt_recovery_start_time", T.UTC_TIME),
        (0x04, "debt_recovery_collection_time", T.UINT16),
        (0x06, "debt_recovery_frequency", T.ENUM8),
        (0x07, "debt_recovery_amount", T.UINT32),
        (0x09, "debt_recovery_top_up_percentage", T.UINT16),
    )
}

ATTRIBUTES = {
    # Prepayment information
    0x0000: ("payment_control_configuration", T.BITMAP16),
    0x0001: ("credit_remaining", T.INT32),
    0x0002: ("emergency_credit_remaining", T.INT32),
    0x0003: ("credit_status", T.BITMAP8),
    0x0004: ("credit_remaining_time_stamp", T.UTC_TIME),
    0x0005: ("accumulated_debt", T.INT32),
    0x0006: ("overall_debt_cap", T.INT32),
    0x0010: ("emergency_credit_limit_allowance", T.UINT32),
    0x0011: ("emergency_credit_threshold", T.UINT32),
    0x0020: ("total_credit_added", T.UINT48),
    0x0021: ("max_credit_limit", T.UINT32),
    0x0022: ("max_credit_per_top_up", T.UINT32),
    0x0030: ("friendly_credit_warning", T.UINT8),
    0x0031: ("low_credit_warning_level", T.UINT32),
    0x0032: ("ihd_low_credit_warning_level", T.UINT32),
    0x0033: ("interrupt_suspend_time", T.UINT8),
    0x0034: ("remaining_friendly_credit_time", T.UINT16),
    0x0035: ("next_friendly_credit_period", T.UTC_TIME),
    0x0040: ("cut_off_value", T.INT32),
    0x0080: ("token_carrier_id", T.OCTET_STRING),
    **_TOP_UPS,
    **_DEBTS,
    # Alarms
    0x0400: ("prepayment_alarm_status", T.BITMAP16),
    0x0401: ("prepay_generic_alarm_mask", T.BITMAP16),
    0x0402: ("prepay_switch_alarm_mask", T.BITMAP16),
    0x0403: ("prepay_event_alarm_mask", T.BITMAP16),
    # Historical cost consumption
    0x0500: ("historical_cost_consumption_formatting", T.BITMAP8),
    0x0501: ("consumption_unit_of_measurement", T.ENUM8),
    0x0502: ("currency_scaling_factor", T.ENUM8),
    0x0503: ("currency", T.UINT16),
    0x051C: ("current_day_cost_consumption_delivered", T.UINT48),
    0x051D: ("current_day_cost_consumption_received", T.UINT48),
    0x051E: ("previous_day_cost_consumption_delivered", T.UINT48),
    0x051F: ("previous_day_cost_consumption_received", T.UINT48),
}

# ----------------------------------------------------------------------------
# Client → server commands (SE 1.4 D.7.2.3)
# ----------------------------------------------------------------------------
#: Select Available Emergency Credit (GCS06, PCS02).
SelectAvailableEmergencyCredit = cs.Struct(
    "command_issue_date_time" / t.utc_time,
    "originating_device" / t.enum8,
)

#: Change Debt (GCS04).
ChangeDebt = cs.Struct(
    "issuer_event_id" / t.uint32,
    "debt_label" / t.octet_string,
    "debt_amount" / t.int32,
    "debt_recovery_method" / t.enum8,
    "debt_amount_type" / t.enum8,
    "debt_recovery_start_time" / t.utc_time,
    "debt_recovery_collection_time" / t.uint16,
    "debt_recovery_frequency" / t.enum8,
    "debt_recovery_amount" / t.int32,
    "debt_recovery_balance_percentage" / t.uint16,
)

#: Emergency Credit Setup (GCS05).
EmergencyCreditSetup = cs.Struct(
    "issuer_event_id" / t.uint32,
    "start_time" / t.utc_time,
    "emergency_credit_limit" / t.uint32,
    "emergency_credit_threshold" / t.uint32,
)

#: Consumer Top Up (CS01b, PCS01): originating device (0 ESI/head end, 2 PPMID …) and the
#: UTRN as a 20-digit ASCII octet string.
ConsumerTopUp = cs.Struct(
    "originating_device" / t.enum8,
    "top_up_code" / t.octet_string,
)

#: Credit Adjustment (GCS40a-d).
CreditAdjustment = cs.Struct(
    "issuer_event_id" / t.uint32,
    "start_time" / t.utc_time,
    "credit_adjustment_type" / t.enum8,
    "credit_adjustment_value" / t.int32,
)

#: Change Payment Mode (GCS02, GCS03).
ChangePaymentMode = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "implementation_date_time" / t.utc_time,
    "proposed_payment_control_configuration" / t.bitmap16,
    "cut_off_value" / t.int32,
)

#: Get Prepay Snapshot (GCS15b/c, GCS16b).
GetPrepaySnapshot = cs.Struct(
    "earliest_start_time" / t.utc_time,
    "latest_end_time" / t.utc_time,
    "snapshot_offset" / t.uint8,
    "snapshot_cause" / t.bitmap32,
)

#: Get Top Up Log (GCS15e).
GetTopUpLog = cs.Struct("latest_end_time" / t.utc_time, "number_of_records" / t.uint8)

#: Set Low Credit Warning Level (GCS05).
SetLowCreditWarningLevel = cs.Struct("low_credit_warning_level" / t.uint32)

#: Get Debt Repayment Log (GCS15d).
GetDebtRepaymentLog = cs.Struct(
    "latest_end_time" / t.utc_time,
    "number_of_debts" / t.uint8,
    "debt_type" / t.enum8,
)

#: Set Maximum Credit Limit (GCS05).
SetMaximumCreditLimit = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "implementation_date_time" / t.utc_time,
    "maximum_credit_level" / t.uint32,
    "maximum_credit_per_top_up" / t.uint32,
)

#: Set Overall Debt Cap (GCS05).
SetOverallDebtCap = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "implementation_date_time" / t.utc_time,
    "overall_debt_cap" / t.int32,
)

# ----------------------------------------------------------------------------
# Server → client commands (SE 1.4 D.7.2.4)
# ----------------------------------------------------------------------------
#: Prepay snapshot payload type 0, Debt/Credit Status.
DebtCreditStatus = cs.Struct(
    "accumulated_debt" / t.int32,
    "type_1_debt_remaining" / t.uint32,
    "type_2_debt_remaining" / t.uint32,
    "type_3_debt_remaining" / t.uint32,
    "emergency_credit_remaining" / t.int32,
    "credit_remaining" / t.int32,
)

#: Publish Prepay Snapshot (GCS15b/c, GCS16b responses). Unknown payload types keep their
#: bytes as ``{"raw": hex}``.
PublishPrepaySnapshot = cs.Struct(
    "snapshot_id" / t.uint32,
    "snapshot_time" / t.utc_time,
    "total_snapshots_found" / t.uint8,
    "command_index" / t.uint8,
    "total_number_of_commands" / t.uint8,
    "snapshot_cause" / t.bitmap32,
    "snapshot_payload_type" / t.enum8,
    "snapshot_payload"
    / cs.Switch(this.snapshot_payload_type, {0: DebtCreditStatus}, default=RawRest),
)

#: Change Payment Mode Response (GCS02, GCS03).
ChangePaymentModeResponse = cs.Struct(
    "friendly_credit" / t.bitmap8,
    "friendly_credit_calendar_id" / t.uint32,
    "emergency_credit_limit" / t.uint32,
    "emergency_credit_threshold" / t.uint32,
)

#: Consumer Top Up Response (CS01b, PCS01).
ConsumerTopUpResponse = cs.Struct(
    "result_type" / t.enum8,
    "top_up_value" / t.int32,
    "source_of_top_up" / t.enum8,
    "credit_remaining" / t.int32,
)

#: One top-up of the log.
TopUpRecord = cs.Struct(
    "top_up_code" / t.octet_string,
    "top_up_amount" / t.int32,
    "top_up_time" / t.utc_time,
)

#: Publish Top Up Log (GCS15e).
PublishTopUpLog = cs.Struct(
    "command_index" / t.uint8,
    "total_number_of_commands" / t.uint8,
    "top_ups" / cs.GreedyRange(TopUpRecord),
)

#: One debt collection of the log.
DebtRecord = cs.Struct(
    "collection_time" / t.utc_time,
    "amount_collected" / t.uint32,
    "debt_type" / t.enum8,
    "outstanding_debt" / t.uint32,
)

#: Publish Debt Log (GCS15d).
PublishDebtLog = cs.Struct(
    "command_index" / t.uint8,
    "total_number_of_commands" / t.uint8,
    "debts" / cs.GreedyRange(DebtRecord),
)

PREPAYMENT = cluster(
    0x0705,
    "prepayment",
    attributes=ATTRIBUTES,
    client_to_server={
        0x00: ("select_available_emergency_credit", SelectAvailableEmergencyCredit),
        0x02: ("change_debt", ChangeDebt),
        0x03: ("emergency_credit_setup", EmergencyCreditSetup),
        0x04: ("consumer_top_up", ConsumerTopUp),
        0x05: ("credit_adjustment", CreditAdjustment),
        0x06: ("change_payment_mode", ChangePaymentMode),
        0x07: ("get_prepay_snapshot", GetPrepaySnapshot),
        0x08: ("get_top_up_log", GetTopUpLog),
        0x09: ("set_low_credit_warning_level", SetLowCreditWarningLevel),
        0x0A: ("get_debt_repayment_log", GetDebtRepaymentLog),
        0x0B: ("set_maximum_credit_limit", SetMaximumCreditLimit),
        0x0C: ("set_overall_debt_cap", SetOverallDebtCap),
    },
    server_to_client={
        0x01: ("publish_prepay_snapshot", PublishPrepaySnapshot),
        0x02: ("change_payment_mode_response", ChangePaymentModeResponse),
        0x03: ("consumer_top_up_response", ConsumerTopUpResponse),
        0x05: ("publish_top_up_log", PublishTopUpLog),
        0x06: ("publish_debt_log", PublishDebtLog),
    },
)
