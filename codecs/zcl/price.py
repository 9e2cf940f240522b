# SPDX-License-Identifier: GPL-3.0-or-later
"""Price cluster 0x0700 (ZigBee SE 1.4, 07-5356, annex D.4).

In GBCS the remote party plays the Price *server*: tariffs reach the GSME as the
server→client "publish" commands (gbcs-protocol.md §2.3, Appendix B: GCS01a/b PublishTariff-
Information, PublishPriceMatrix, PublishBlockThresholds; GCS23 PublishConversionFactor,
PublishCalorificValue; GCS25 PublishBillingPeriod, PublishBlockPeriod), and reads come back as
Read Attributes Responses and PublishPrice / PublishBillingPeriod (GCS21d/f).
"""

from __future__ import annotations

import construct as cs
from construct import this

from gfi.codecs.zcl import types as t
from gfi.codecs.zcl.registry import Empty, cluster
from gfi.codecs.zcl.types import ZclType as T

# ----------------------------------------------------------------------------
# Attributes (SE 1.4 D.4.2.2)
# ----------------------------------------------------------------------------
_TIER_LABELS = {0x0000 + n - 1: (f"tier{n}_price_label", T.OCTET_STRING) for n in range(1, 49)}
_BLOCK_THRESHOLDS = {0x0100 + n - 1: (f"block{n}_threshold", T.UINT48) for n in range(1, 16)} | {
    0x010F: ("block_threshold_count", T.UINT8)
}
_TIER_BLOCK_THRESHOLDS = {
    0x0100 + 0x10 * tier + n - 1: (f"tier{tier}_block{n}_threshold", T.UINT48)
    for tier in range(1, 16)
    for n in range(1, 16)
} | {
    0x0100 + 0x10 * tier + 0x0F: (f"tier{tier}_block_threshold_count", T.UINT8)
    for tier in range(1, 16)
}
_BLOCK_PRICES = {0x0400 + n - 1: (f"no_tier_block{n}_price", T.UINT32) for n in range(1, 17)} | {
    0x0400 + 0x10 * tier + n - 1: (f"tier{tier}_block{n}_price", T.UINT32)
    for tier in range(1, 16)
    for n in range(1, 17)
}
_EXTENDED_PRICES = {0x050F + n - 16: (f"price_tier{n}", T.UINT32) for n in range(16, 49)}

ATTRIBUTES = {
    **_TIER_LABELS,
    **_BLOCK_THRESHOLDS,
    **_TIER_BLOCK_THRESHOLDS,
    # Block period
    0x0200: ("start_of_block_period", T.UTC_TIME),
    0x0201: ("block_period_duration", T.UINT24),
    0x0202: ("threshold_multiplier", T.UINT24),
    0x0203: ("threshold_divisor", T.UINT24),
    0x0204: ("block_period_duration_type", T.BITMAP8),
    # Commodity
    0x0300: ("commodity_type", T.ENUM8),
    0x0301: ("standing_charge", T.UINT32),
    0x0302: ("conversion_factor", T.UINT32),
    0x0303: ("conversion_factor_trailing_digit", T.BITMAP8),
    0x0304: ("calorific_value", T.UINT32),
    0x0305: ("calorific_value_unit", T.ENUM8),
    0x0306: ("calorific_value_trailing_digit", T.BITMAP8),
    **_BLOCK_PRICES,
    **_EXTENDED_PRICES,
    # Tariff information
    0x0610: ("tariff_label", T.OCTET_STRING),
    0x0611: ("number_of_price_tiers_in_use", T.UINT8),
    0x0612: ("number_of_block_thresholds_in_use", T.UINT8),
    0x0613: ("tier_block_mode", T.ENUM8),
    0x0615: ("unit_of_measure", T.ENUM8),
    0x0616: ("currency", T.UINT16),
    0x0617: ("price_trailing_digit", T.BITMAP8),
    0x0619: ("tariff_resolution_period", T.ENUM8),
    0x0620: ("co2", T.UINT32),
    0x0621: ("co2_unit", T.ENUM8),
    0x0622: ("co2_trailing_digit", T.BITMAP8),
    # Billing information
    0x0700: ("current_billing_period_start", T.UTC_TIME),
    0x0701: ("current_billing_period_duration", T.UINT24),
    0x0702: ("last_billing_period_start", T.UTC_TIME),
    0x0703: ("last_billing_period_duration", T.UINT24),
    0x0704: ("last_billing_period_consolidated_bill", T.UINT32),
    # Credit payment
    0x0800: ("credit_payment_due_date", T.UTC_TIME),
    0x0801: ("credit_payment_status", T.ENUM8),
    0x0802: ("credit_payment_over_due_amount", T.INT32),
    0x080A: ("payment_discount", T.INT32),
    0x080B: ("payment_discount_period", T.ENUM8),
    0x0810: ("credit_payment_1", T.UINT32),
    0x0811: ("credit_payment_date_1", T.UTC_TIME),
    0x0812: ("credit_payment_ref_1", T.OCTET_STRING),
}

CLIENT_ATTRIBUTES = {
    0x0000: ("price_increase_randomize_minutes", T.UINT8),
    0x0001: ("price_decrease_randomize_minutes", T.UINT8),
    0x0002: ("commodity_type", T.ENUM8),
}

# ----------------------------------------------------------------------------
# Client → server commands (SE 1.4 D.4.2.3)
# ----------------------------------------------------------------------------
#: Get Current Price: bit 0 of the options = requestor rx on when idle.
GetCurrentPrice = cs.Struct("command_options" / t.bitmap8)

#: Get Scheduled Prices.
GetScheduledPrices = cs.Struct("start_time" / t.utc_time, "number_of_events" / t.uint8)

#: Price Acknowledgement.
PriceAcknowledgement = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "price_ack_time" / t.utc_time,
    "control" / t.bitmap8,
)

#: Get Block Period(s).
GetBlockPeriods = cs.Struct(
    "start_time" / t.utc_time,
    "number_of_events" / t.uint8,
    "tariff_type" / t.bitmap8,
)

#: Get Conversion Factor / Get Calorific Value.
GetByIssuerEvent = cs.Struct(
    "earliest_start_time" / t.utc_time,
    "min_issuer_event_id" / t.uint32,
    "number_of_commands" / t.uint8,
)

#: Get Tariff Information / Get CO2 Value / Get Billing Period / Get Consolidated Bill
#: (GCS21d/GCS21k GetBillingPeriod: ``00000000 FFFFFFFF 01 00``).
GetByIssuerEventAndTariffType = cs.Struct(
    "earliest_start_time" / t.utc_time,
    "min_issuer_event_id" / t.uint32,
    "number_of_commands" / t.uint8,
    "tariff_type" / t.bitmap8,
)

#: Get Price Matrix / Get Block Thresholds / Get Tier Labels.
GetByIssuerTariff = cs.Struct("issuer_tariff_id" / t.uint32)

#: CPP Event Response.
CppEventResponse = cs.Struct("issuer_event_id" / t.uint32, "cpp_auth" / t.enum8)

#: Get Credit Payment.
GetCreditPayment = cs.Struct("latest_end_time" / t.utc_time, "number_of_records" / t.uint8)

# ----------------------------------------------------------------------------
# Server → client commands (SE 1.4 D.4.2.4)
# ----------------------------------------------------------------------------
#: Publish Price. GBCS devices stop after Price (field 11); the fields SE added later are
#: optional trailing fields (GCS21f response: 27 bytes).
PublishPrice = cs.Struct(
    "provider_id" / t.uint32,
    "rate_label" / t.octet_string,
    "issuer_event_id" / t.uint32,
    "current_time" / t.utc_time,
    "unit_of_measure" / t.enum8,
    "currency" / t.uint16,
    "price_trailing_digit_and_price_tier" / t.bitmap8,
    "number_of_price_tiers_and_register_tier" / t.bitmap8,
    "start_time" / t.utc_time,
    "duration_in_minutes" / t.uint16,
    "price" / t.uint32,
    "price_ratio" / t.Trailing(t.uint8),
    "generation_price" / t.Trailing(t.uint32),
    "generation_price_ratio" / t.Trailing(t.uint8),
    "alternate_cost_delivered" / t.Trailing(t.uint32),
    "alternate_cost_unit" / t.Trailing(t.enum8),
    "alternate_cost_trailing_digit" / t.Trailing(t.bitmap8),
    "number_of_block_thresholds" / t.Trailing(t.uint8),
    "price_control" / t.Trailing(t.bitmap8),
    "number_of_generation_tiers" / t.Trailing(t.uint8),
    "generation_tier" / t.Trailing(t.enum8),
    "extended_number_of_price_tiers" / t.Trailing(t.uint8),
    "extended_price_tier" / t.Trailing(t.uint8),
    "extended_register_tier" / t.Trailing(t.uint8),
)

#: Publish Block Period (GCS25).
PublishBlockPeriod = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "block_period_start_time" / t.utc_time,
    "block_period_duration" / t.uint24,
    "block_period_control" / t.bitmap8,
    "block_period_duration_type" / t.bitmap8,
    "tariff_type" / t.bitmap8,
    "tariff_resolution_period" / t.enum8,
)

#: Publish Conversion Factor (GCS23).
PublishConversionFactor = cs.Struct(
    "issuer_event_id" / t.uint32,
    "start_time" / t.utc_time,
    "conversion_factor" / t.uint32,
    "conversion_factor_trailing_digit" / t.bitmap8,
)

#: Publish Calorific Value (GCS23).
PublishCalorificValue = cs.Struct(
    "issuer_event_id" / t.uint32,
    "start_time" / t.utc_time,
    "calorific_value" / t.uint32,
    "calorific_value_unit" / t.enum8,
    "calorific_value_trailing_digit" / t.bitmap8,
)

#: Publish Tariff Information (GCS01a/b).
PublishTariffInformation = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "issuer_tariff_id" / t.uint32,
    "start_time" / t.utc_time,
    "tariff_type_and_charging_scheme" / t.bitmap8,
    "tariff_label" / t.octet_string,
    "number_of_price_tiers_in_use" / t.uint8,
    "number_of_block_thresholds_in_use" / t.uint8,
    "unit_of_measure" / t.enum8,
    "currency" / t.uint16,
    "price_trailing_digit" / t.bitmap8,
    "standing_charge" / t.uint32,
    "tier_block_mode" / t.uint8,
    "block_threshold_multiplier" / t.uint24,
    "block_threshold_divisor" / t.uint24,
)

#: One price of a price matrix: tier/block id (TOU: tier; block: tier in the high nibble,
#: block in the low nibble, per the sub-payload control) and the price.
PriceMatrixEntry = cs.Struct("tier_block_id" / t.uint8, "price" / t.uint32)

#: Publish Price Matrix (GCS01a/b): the price sub-payload runs to the end of the frame.
PublishPriceMatrix = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "start_time" / t.utc_time,
    "issuer_tariff_id" / t.uint32,
    "command_index" / t.uint8,
    "total_number_of_commands" / t.uint8,
    "sub_payload_control" / t.bitmap8,
    "prices" / cs.GreedyRange(PriceMatrixEntry),
)

#: The thresholds of one tier: tier (high nibble) and threshold count (low nibble), then
#: the thresholds.
BlockThresholdEntry = cs.Struct(
    "tier_and_number_of_block_thresholds" / t.uint8,
    "block_thresholds" / cs.Array(this.tier_and_number_of_block_thresholds & 0x0F, t.uint48),
)

#: Publish Block Thresholds (GCS01a).
PublishBlockThresholds = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "start_time" / t.utc_time,
    "issuer_tariff_id" / t.uint32,
    "command_index" / t.uint8,
    "total_number_of_commands" / t.uint8,
    "sub_payload_control" / t.bitmap8,
    "thresholds" / cs.GreedyRange(BlockThresholdEntry),
)

#: Publish CO2 Value.
PublishCo2Value = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "start_time" / t.utc_time,
    "tariff_type" / t.bitmap8,
    "co2_value" / t.uint32,
    "co2_value_unit" / t.enum8,
    "co2_value_trailing_digit" / t.bitmap8,
)

#: Publish Tier Labels.
PublishTierLabels = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "issuer_tariff_id" / t.uint32,
    "command_index" / t.uint8,
    "total_number_of_commands" / t.uint8,
    "tier_labels"
    / cs.PrefixedArray(t.uint8, cs.Struct("tier_id" / t.uint8, "tier_label" / t.octet_string)),
)

#: Publish Billing Period (GCS25, GCS21d).
PublishBillingPeriod = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "billing_period_start_time" / t.utc_time,
    "billing_period_duration" / t.uint24,
    "billing_period_duration_type" / t.bitmap8,
    "tariff_type" / t.bitmap8,
)

#: Publish Consolidated Bill.
PublishConsolidatedBill = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "billing_period_start_time" / t.utc_time,
    "billing_period_duration" / t.uint24,
    "billing_period_duration_type" / t.bitmap8,
    "tariff_type" / t.bitmap8,
    "consolidated_bill" / t.uint32,
    "currency" / t.uint16,
    "bill_trailing_digit" / t.bitmap8,
)

#: Publish CPP Event.
PublishCppEvent = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "start_time" / t.utc_time,
    "duration_in_minutes" / t.uint16,
    "tariff_type" / t.bitmap8,
    "cpp_price_tier" / t.uint8,
    "cpp_auth" / t.enum8,
)

#: Publish Credit Payment.
PublishCreditPayment = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "credit_payment_due_date" / t.utc_time,
    "credit_payment_overdue_amount" / t.uint32,
    "credit_payment_status" / t.enum8,
    "credit_payment" / t.uint32,
    "credit_payment_date" / t.utc_time,
    "credit_payment_ref" / t.octet_string,
)

#: Publish Currency Conversion.
PublishCurrencyConversion = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_event_id" / t.uint32,
    "start_time" / t.utc_time,
    "old_currency" / t.uint16,
    "new_currency" / t.uint16,
    "conversion_factor" / t.uint32,
    "conversion_factor_trailing_digit" / t.bitmap8,
    "currency_change_control_flags" / t.bitmap32,
)

#: Cancel Tariff.
CancelTariff = cs.Struct(
    "provider_id" / t.uint32,
    "issuer_tariff_id" / t.uint32,
    "tariff_type" / t.bitmap8,
)

PRICE = cluster(
    0x0700,
    "price",
    attributes=ATTRIBUTES,
    client_attributes=CLIENT_ATTRIBUTES,
    client_to_server={
        0x00: ("get_current_price", GetCurrentPrice),
        0x01: ("get_scheduled_prices", GetScheduledPrices),
        0x02: ("price_acknowledgement", PriceAcknowledgement),
        0x03: ("get_block_periods", GetBlockPeriods),
        0x04: ("get_conversion_factor", GetByIssuerEvent),
        0x05: ("get_calorific_value", GetByIssuerEvent),
        0x06: ("get_tariff_information", GetByIssuerEventAndTariffType),
        0x07: ("get_price_matrix", GetByIssuerTariff),
        0x08: ("get_block_thresholds", GetByIssuerTariff),
        0x09: ("get_co2_value", GetByIssuerEventAndTariffType),
        0x0A: ("get_tier_labels", GetByIssuerTariff),
        0x0B: ("get_billing_period", GetByIssuerEventAndTariffType),
        0x0C: ("get_consolidated_bill", GetByIssuerEventAndTariffType),
        0x0D: ("cpp_event_response", CppEventResponse),
        0x0E: ("get_credit_payment", GetCreditPayment),
        0x0F: ("get_currency_conversion", Empty),
        0x10: ("get_tariff_cancellation", Empty),
    },
    server_to_client={
        0x00: ("publish_price", PublishPrice),
        0x01: ("publish_block_period", PublishBlockPeriod),
        0x02: ("publish_conversion_factor", PublishConversionFactor),
        0x03: ("publish_calorific_value", PublishCalorificValue),
        0x04: ("publish_tariff_information", PublishTariffInformation),
        0x05: ("publish_price_matrix", PublishPriceMatrix),
        0x06: ("publish_block_thresholds", PublishBlockThresholds),
        0x07: ("publish_co2_value", PublishCo2Value),
        0x08: ("publish_tier_labels", PublishTierLabels),
        0x09: ("publish_billing_period", PublishBillingPeriod),
        0x0A: ("publish_consolidated_bill", PublishConsolidatedBill),
        0x0B: ("publish_cpp_event", PublishCppEvent),
        0x0C: ("publish_credit_payment", PublishCreditPayment),
        0x0D: ("publish_currency_conversion", PublishCurrencyConversion),
        0x0E: ("cancel_tariff", CancelTariff),
    },
)
