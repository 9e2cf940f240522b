# SPDX-License-Identifier: GPL-3.0-or-later
"""DLMS/COSEM payloads of GBCS messages (gbcs-protocol.md §2.2): the A-XDR data types
(:mod:`gfi.codecs.dlms.axdr`) and the Access-Request / Access-Response / Data-Notification
APDUs (:mod:`gfi.codecs.dlms.apdu`)."""

from __future__ import annotations

from gfi.codecs.dlms.apdu import (
    alert_protected_data_parts,
    decode_dlms_payload,
    dlms_invoke_id,
    encode_dlms_payload,
    is_protected_data,
    protected_data_parts,
)
from gfi.codecs.dlms.axdr import Data, data_item, decode_data, encode_data

__all__ = [
    "Data",
    "alert_protected_data_parts",
    "data_item",
    "decode_data",
    "decode_dlms_payload",
    "dlms_invoke_id",
    "encode_data",
    "encode_dlms_payload",
    "is_protected_data",
    "protected_data_parts",
]
