# SPDX-License-Identifier: GPL-3.0-or-later
"""GBZ response components as the GSME/GPF builds them (gbcs-protocol.md §2.3), and the
GBCS facts about them that are protocol rather than device profile.

* A response repeats the command's ZCL sequence number; a command may be answered by several
  frames (e.g. one Publish Day Profile per day profile), all with that number.
* The response travels the other way: frame-control bit 3 is the opposite of the command's.
  Default Responses are profile-wide frames with "disable default response" clear; the
  specific responses set it, except where RTDS 4.5.0 shows otherwise
  (:data:`DISABLE_DEFAULT_RESPONSE_EXCEPTIONS`, :data:`DISABLE_DEFAULT_RESPONSE_BY_CODE`).
* Sensitive data is encrypted (:data:`SENSITIVE_RESPONSES`: the components RTDS shows
  encrypted for GCS13a/b/c, GCS14, GCS15b/c/d, GCS16a/b, GCS17, GCS18, GCS61; and the GCS53
  billing-data-log alert): the additional header (control 0, frame counter 0, 1, 2 … across
  the encrypted components of the message), the ZCL header in clear, then ``31 ‖ invocation
  counter 0 ‖ ciphertext ‖ 12-byte tag``, the plaintext being the ZCL payload
  (gbcs-security.md §1.5).
"""

from __future__ import annotations

# ----------------------------------------------------------------------------
# Imports
# ----------------------------------------------------------------------------
import logging
from dataclasses import dataclass
from typing import Any

from gfi.codecs.zcl import ZclStatus
from gfi.emulators.zse.attributes import status_name

# ----------------------------------------------------------------------------
# Logging
# ----------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
CLIENT_TO_SERVER = 0
SERVER_TO_CLIENT = 1

PROFILE_WIDE = 0
CLUSTER_SPECIFIC = 1

#: Profile-wide command ids (ZCL chapter 2).
READ_ATTRIBUTES = 0x00
READ_ATTRIBUTES_RESPONSE = 0x01
WRITE_ATTRIBUTES = 0x02
WRITE_ATTRIBUTES_UNDIVIDED = 0x03
WRITE_ATTRIBUTES_RESPONSE = 0x04
WRITE_ATTRIBUTES_NO_RESPONSE = 0x05
DEFAULT_RESPONSE = 0x0B
DISCOVER_ATTRIBUTES = 0x0C
DISCOVER_ATTRIBUTES_RESPONSE = 0x0D

#: Security control of encrypted GBZ content, and the GBCS invocation counter (always 0).
SECURITY_CONTROL = 0x31
INVOCATION_COUNTER = 0

_METERING = 0x0702
_PREPAYMENT = 0x0705
_PRICE = 0x0700
_EVENTS = 0x0709
_DEVICE_MANAGEMENT = 0x0708

_RAR = (PROFILE_WIDE, READ_ATTRIBUTES_RESPONSE)
_PUBLISH_SNAPSHOT = (CLUSTER_SPECIFIC, 0x06)
_GET_SAMPLED_DATA_RESPONSE = (CLUSTER_SPECIFIC, 0x07)
_PUBLISH_PREPAY_SNAPSHOT = (CLUSTER_SPECIFIC, 0x01)
_PUBLISH_DEBT_LOG = (CLUSTER_SPECIFIC, 0x06)

# fmt: off
#: Message code → the response frames that carry sensitive data, as (cluster id, frame type,
#: command id) (gbcs-protocol.md §2.3 "Encryption appears only in …"; RTDS 4.5.0).
SENSITIVE_RESPONSES: dict[int, frozenset[tuple[int, int, int]]] = {
    0x0074: frozenset({(_METERING, *_RAR)}),                                 # GCS13a
    0x00B8: frozenset({(_METERING, *_RAR)}),                                 # GCS13b
    0x00B6: frozenset({(_METERING, *_RAR)}),                                 # GCS13c
    0x0075: frozenset({(_PREPAYMENT, *_RAR)}),                               # GCS14
    0x00C3: frozenset({(_METERING, *_PUBLISH_SNAPSHOT),
                       (_PREPAYMENT, *_PUBLISH_PREPAY_SNAPSHOT)}),           # GCS15b
    0x0076: frozenset({(_METERING, *_PUBLISH_SNAPSHOT),
                       (_PREPAYMENT, *_PUBLISH_PREPAY_SNAPSHOT)}),           # GCS15c
    0x00C4: frozenset({(_PREPAYMENT, *_PUBLISH_DEBT_LOG)}),                  # GCS15d
    0x0077: frozenset({(_METERING, *_PUBLISH_SNAPSHOT)}),                    # GCS16a
    0x0096: frozenset({(_PREPAYMENT, *_PUBLISH_PREPAY_SNAPSHOT)}),           # GCS16b
    0x0078: frozenset({(_METERING, *_GET_SAMPLED_DATA_RESPONSE)}),           # GCS17
    0x0079: frozenset({(_METERING, *_GET_SAMPLED_DATA_RESPONSE)}),           # GCS18
    0x00A0: frozenset({(_METERING, *_GET_SAMPLED_DATA_RESPONSE)}),           # GCS61
}

#: Specific responses whose frame leaves "disable default response" clear in RTDS 4.5.0,
#: as (cluster id, frame type, command id); the others set it.
DISABLE_DEFAULT_RESPONSE_EXCEPTIONS: frozenset[tuple[int, int, int]] = frozenset({
    (_PRICE, CLUSTER_SPECIFIC, 0x09),              # Publish Billing Period (GCS21d)
    (_PREPAYMENT, CLUSTER_SPECIFIC, 0x03),         # Consumer Top Up Response (PCS01)
    (_EVENTS, CLUSTER_SPECIFIC, 0x02),             # Clear Event Log Response (CS11)
    (_DEVICE_MANAGEMENT, CLUSTER_SPECIFIC, 0x04),  # Report Event Configuration (GCS20r)
})

#: Per message code, where RTDS 4.5.0 differs from the rule above: (message code, cluster id,
#: frame type, command id) → the bit.
DISABLE_DEFAULT_RESPONSE_BY_CODE: dict[tuple[int, int, int, int], bool] = {
    (0x0074, _METERING, *_RAR): True,                        # GCS13a
    (0x00B6, _METERING, *_RAR): True,                        # GCS13c
    (0x00B8, _METERING, *_RAR): True,                        # GCS13b
    (0x009F, _PRICE, *_RAR): True,                           # GCS21f
    (0x0079, _METERING, *_GET_SAMPLED_DATA_RESPONSE): False,  # GCS18
}
# fmt: on


# ----------------------------------------------------------------------------
# Classes
# ----------------------------------------------------------------------------
@dataclass
class Reply:
    """One response ZCL frame, before it becomes a GBZ component."""

    cluster_id: int
    #: Frame type: :data:`PROFILE_WIDE` or :data:`CLUSTER_SPECIFIC`.
    frame_type: int
    #: Frame-control bit 3 of the reply.
    direction: int
    command_id: int
    payload: dict[str, Any]
    sequence_number: int
    #: The command id of the request this answers (for a replacing Default Response).
    answers: int

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.cluster_id, self.frame_type, self.command_id)

    @property
    def is_default_response(self) -> bool:
        return self.frame_type == PROFILE_WIDE and self.command_id == DEFAULT_RESPONSE

    @property
    def failed(self) -> bool:
        """A Default Response with a status other than success."""
        return self.is_default_response and self.payload.get("status") != status_name(
            ZclStatus.SUCCESS)


def default_response(cluster_id: int, request_direction: int, sequence_number: int,
                     command_id: int, status: int) -> Reply:
    """The Default Response to a command (ZCL 2.5.12), travelling the other way."""
    return Reply(cluster_id, PROFILE_WIDE, 1 - request_direction, DEFAULT_RESPONSE,
                 {"command_id": command_id & 0xFF, "status": status_name(status)},
                 sequence_number, command_id)


def disable_default_response(message_code: int, reply: Reply) -> bool:
    """The "disable default response" bit of a reply's frame control."""
    found = DISABLE_DEFAULT_RESPONSE_BY_CODE.get((message_code, *reply.key))
    if found is not None:
        return found
    if reply.frame_type == PROFILE_WIDE:
        return False
    return reply.key not in DISABLE_DEFAULT_RESPONSE_EXCEPTIONS


def is_sensitive(message_code: int, reply: Reply) -> bool:
    """Whether GBCS sends this reply encrypted for this message code."""
    return reply.key in SENSITIVE_RESPONSES.get(message_code, frozenset())


def frame_control(reply: Reply, ddr: bool) -> dict[str, Any]:
    """The frame-control fields of a reply."""
    return {
        "frame_type": "cluster_specific" if reply.frame_type == CLUSTER_SPECIFIC
        else "profile_wide",
        "manufacturer_specific": False,
        "direction": "server_to_client" if reply.direction == SERVER_TO_CLIENT
        else "client_to_server",
        "disable_default_response": ddr,
        "reserved": 0,
    }


def frame_control_byte(reply: Reply, ddr: bool) -> int:
    return (reply.frame_type & 0x03) | (reply.direction << 3) | (0x10 if ddr else 0)


def plain_component(reply: Reply, ddr: bool) -> dict[str, Any]:
    """A plaintext GBZ component (the codec's tree shape)."""
    return {
        "control": {"last_component": False, "encrypted": False,
                    "from_date_time_present": False, "reserved": 0},
        "cluster_id": reply.cluster_id,
        "from_date_time": None,
        "frame": {
            "frame_control": frame_control(reply, ddr),
            "manufacturer_code": None,
            "sequence_number": reply.sequence_number,
            "command_id": reply.command_id,
            "payload": reply.payload,
        },
    }


def encrypted_component(reply: Reply, ddr: bool, frame_counter: int, ciphertext: bytes,
                        tag: bytes) -> dict[str, Any]:
    """An encrypted GBZ component (the codec's tree shape)."""
    return {
        "control": {"last_component": False, "encrypted": True,
                    "from_date_time_present": False, "reserved": 0},
        "cluster_id": reply.cluster_id,
        "from_date_time": None,
        "frame": {
            "additional_header_control": 0,
            "additional_frame_counter": frame_counter & 0xFF,
            "frame_control": frame_control(reply, ddr),
            "manufacturer_code": None,
            "sequence_number": reply.sequence_number,
            "command_id": reply.command_id,
            "ciphered_information": {
                "security_control": SECURITY_CONTROL,
                "invocation_counter": INVOCATION_COUNTER,
                "ciphertext": bytes(ciphertext).hex().upper(),
                "tag": bytes(tag).hex().upper(),
            },
        },
    }
