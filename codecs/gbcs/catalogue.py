# SPDX-License-Identifier: GPL-3.0-or-later
# The aligned tables below keep one catalogue row per line, so some lines are long:
# ruff: noqa: E501
"""The GBCS message-code catalogue, alert codes and naming tables, as pure data.

Everything here is transcribed from gbcs-protocol.md:

* §3 "Catalogue of message codes / use cases" — :data:`MESSAGE_CODES`, all 240 codes (the union
  of the codes named by the three reference implementations and the codes seen in the RTDS 4.5.0
  vectors), with target device, payload family, criticality and RTDS vector counts;
* §4.1 "Framing by alert message code" — :data:`ALERT_MESSAGE_CODE_CRITICALITY`;
* §4.2 "Alert codes" — :data:`ALERT_CODES` (the 16-bit event numbers such as 0x8F66);
* §2.4 "Enumerations" and the ASN.1 response-code tables — :class:`DeviceType`,
  :class:`RemotePartyRole`, :class:`CredentialsReplacementMode`, :class:`JoinMethodAndRole`,
  :data:`RESPONSE_CODES`, …;
* §2.2 "COSEM interface classes", "Named objects known to P" and "Result codes (P)" —
  :data:`COSEM_CLASSES`, :data:`COSEM_ATTRIBUTES`, :data:`COSEM_METHODS`, :data:`OBIS_NAMES`,
  :data:`DATA_ACCESS_RESULTS`;
* §2.3 "ZCL status codes (P)" — :data:`ZCL_STATUS`.

Criticality is per message code data, never derived from names or code ranges
(gbcs-protocol.md §7 item 10). The module does no I/O and has no state; every mapping is
read-only.
"""

from __future__ import annotations

# ----------------------------------------------------------------------------
# Imports
# ----------------------------------------------------------------------------
import enum
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, TypeAlias

from gfi.errors import DecodeError

# ----------------------------------------------------------------------------
# Logging
# ----------------------------------------------------------------------------
logger = logging.getLogger(__name__)


# ----------------------------------------------------------------------------
# Classes
# ----------------------------------------------------------------------------
class PayloadFamily(enum.Enum):
    """Payload encoding of a message code (gbcs-protocol.md §2)."""

    DLMS = "dlms"  # DLMS/COSEM access-request / access-response / data-notification
    GBZ = "gbz"  # ZigBee ZCL frames in the GBZ wrapper
    ASN1 = "asn1"  # ASN.1 DER
    UNKNOWN = "unknown"  # not in the RTDS vectors and not decoded by any source


class Criticality(enum.Enum):
    """Framing of a message code's RTDS vectors (gbcs-protocol.md §3 column "Crit", §1.1)."""

    CRITICAL = "C"  # MAC header + 64-byte signature; pre-command exists; response signed
    NON_CRITICAL = "NC"  # MAC only; response MAC only
    CRITICAL_NO_MAC = "C(noMAC)"  # signed command without a MAC header
    ALERT_CRITICAL = "alert-C"  # signed alert, no MAC
    ALERT_NON_CRITICAL = "alert-NC"  # MAC'd alert, unsigned
    MIXED = "NC,C(noMAC)"  # MAC-only variant and signed-only variant share the code
    UNKNOWN = "?"  # no RTDS vector and no source says


#: The four RTDS vector kinds, in the order of :attr:`MessageCodeInfo.rtds_counts`
#: (gbcs-protocol.md §5.3).
RTDS_KINDS: Final[tuple[str, str, str, str]] = ("COMMAND", "PRECOMMAND", "RESPONSE", "ALERT")


@dataclass(frozen=True)
class MessageCodeInfo:
    """One row of the message-code catalogue (gbcs-protocol.md §3)."""

    #: The 16-bit message code carried in other-information (§1.4).
    code: int
    #: GBCS use-case id (``"ECS17b"``), or ``None`` where the table has "—".
    use_case: str | None
    #: Name as in the table (P's name where P has one, else a label from the RTDS folder).
    name: str
    #: Target device of a command, or the sending device of an alert (``*`` = inferred role,
    #: ``?`` = guessed from the use-case prefix).
    target: str
    #: Payload family observed in the RTDS vectors (or decoded by P's parser).
    family: PayloadFamily
    #: Second payload family when the code is used with both (0x1000/0x1001: GBZ from a GSME).
    alt_family: PayloadFamily | None
    #: Framing of the RTDS command (or alert) vectors.
    criticality: Criticality
    #: The code is only ever used for alerts (CRA flag 3).
    alert_only: bool
    #: Number of COMMAND / PRECOMMAND / RESPONSE / ALERT vectors in RTDS 4.5.0.
    rtds_counts: tuple[int, int, int, int]
    #: Which sources list the code: P (gbcs-parser), W (wireshark-gbcs), H (HenryGiraldo/gbcs
    #: JS), R (RTDS 4.5.0 vectors).
    sources: str
    #: Qualifications the table attaches to the row (criticality exceptions, inferences).
    note: str = ""

    @property
    def has_rtds_vectors(self) -> bool:
        """True if RTDS 4.5.0 holds at least one vector with this message code."""
        return sum(self.rtds_counts) > 0

    def rtds_count(self, kind: str) -> int:
        """Number of RTDS vectors of one kind (``"COMMAND"``, ``"PRECOMMAND"``, …)."""
        return self.rtds_counts[RTDS_KINDS.index(kind.upper())]


# ----------------------------------------------------------------------------
# Constants: message-code catalogue (gbcs-protocol.md §3)
# ----------------------------------------------------------------------------
_Row: TypeAlias = tuple[int, str | None, str, str, str, str, str, str]

# Columns as in the §3 table, the name moved last: code, use case (None = "—"), target,
# payload, crit, RTDS COMMAND/PRECOMMAND/RESPONSE/ALERT counts ("—" = none), sources, name.
# "Crit" is normalised to one Criticality value; the table's qualifications of that column
# are kept in _NOTES (0x0100, 0x0101, 0x0104, 0x0109, 0x00D5). The target of 0x0109 is
# shortened from "ESME (responses only, to 70B3D51F300017FF)".
# fmt: off
_ROWS: Final[tuple[_Row, ...]] = (
    # code  use case       target              payload             crit           C/P/R/A     src    name
    (0x0001, "CCS01",       "CHF",              "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Add Device to CHF device log"),
    (0x0002, "CCS02",       "CHF",              "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Remove device from CHF device log"),
    (0x0003, "CCS03",       "CHF",              "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Restore CHF Device Log"),
    (0x0004, "CCS04/CCS05", "CHF",              "DLMS",             "NC",          "2/0/2/0",  "WR",   '(RTDS folder "CCS05CCS04"; wireshark labels 0x0004 "no longer used")'),
    (0x0007, "CS01a",       "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Apply Prepayment Top Up to an ESME"),
    (0x0008, "CS02a",       "CHF/ESME/GSME",    "ASN.1",            "NC,C(noMAC)", "4/0/4/0",  "PWHR", "Provide Security Credentials Details"),
    (0x000A, "CS02c",       "ESME",             "ASN.1",            "C",           "2/2/2/0",  "PWHR", "Issue Security Credentials"),
    (0x000B, "CS02d",       "ESME",             "ASN.1",            "C",           "2/2/2/0",  "PWHR", "Update Device Certificates on Device"),
    (0x000C, "CS02e",       "ESME",             "ASN.1",            "C",           "2/2/2/0",  "PWHR", "Provide Device Certificates from Device"),
    (0x000D, "CS03A1",      "ESME",             "ASN.1",            "C",           "2/2/2/0",  "PWHR", "Method A Join (Meter)"),
    (0x000E, "CS03B",       "GSME",             "ASN.1",            "NC",          "2/0/2/0",  "PWHR", "Method B Join"),
    (0x000F, "CS04AC",      "ESME/GSME/PPMID*", "ASN.1",            "C",           "4/2/4/0",  "PWHR", "Method A or C Unjoin"),
    (0x0010, "CS04B",       "GSME",             "ASN.1",            "NC",          "1/0/1/0",  "PWHR", "Method B Unjoin"),
    (0x0012, "CS06",        "ESME",             "ASN.1",            "C",           "5/5/5/0",  "PWHR", "Activate Firmware"),
    (0x0013, "CS07",        "GSME",             "ASN.1",            "NC",          "2/0/2/0",  "PWHR", "Read Device Join Details"),
    (0x0014, "CS10a",       "GSME",             "GBZ",              "NC",          "3/0/3/0",  "PWHR", "Read ZigBee Device Event Log"),
    (0x0015, "CS11",        "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Clear ZigBee Device Event Log"),
    (0x0018, "CS14",        "CHF",              "DLMS-DN",          "alert-NC",    "0/0/0/1",  "PWHR", "Device Addition To / Removal From HAN Whitelist Alerts"),
    (0x0019, "ECS01a",      "ESME",             "DLMS",             "C",           "5/5/5/0",  "PWHR", "Set Tariff and Price on ESME"),
    (0x001A, "ECS02",       "ESME",             "DLMS",             "C",           "4/4/4/0",  "PWHR", "Set ESME Payment Mode to Credit"),
    (0x001B, "ECS03",       "ESME",             "DLMS",             "C",           "4/4/4/0",  "PWHR", "Set ESME Payment Mode to Prepayment"),
    (0x001C, "ECS04a",      "ESME",             "DLMS",             "C",           "2/2/2/0",  "PWHR", "Adjust Meter Balance on the ESME"),
    (0x001D, "ECS05",       "ESME",             "DLMS",             "C",           "2/2/2/0",  "PWHR", "Reset Tariff Block Counter Matrix"),
    (0x001E, "ECS07",       "ESME",             "DLMS",             "C",           "2/2/2/0",  "PWHR", "Manage Debt on the ESME"),
    (0x001F, "ECS08",       "ESME",             "DLMS",             "C",           "4/4/4/0",  "PWHR", "Update Prepayment Configuration on ESME"),
    (0x0020, "ECS09",       "ESME",             "DLMS",             "C",           "2/2/2/0",  "PWHR", "Activate Emergency Credit Remotely on ESME"),
    (0x0021, "ECS10",       "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Send Message to ESME"),
    (0x0022, "ECS12",       "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Set Change of Tenancy date on ESME"),
    (0x0023, "ECS14",       "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Disable Privacy PIN Protection on ESME"),
    (0x0024, "ECS15a",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Clear ESME Event Log"),
    (0x0025, "ECS16",       "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Write Supplier Contact Details on ESME"),
    (0x0026, "ECS17a",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME Energy Registers (Export Energy)"),
    (0x0027, "ECS17b",      "ESME",             "DLMS",             "NC",          "3/0/3/0",  "PWHR", "Read ESME Energy Registers (Import Energy)"),
    (0x0028, "ECS17c",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME Energy Registers (Power)"),
    (0x0029, "ECS17d",      "ESME",             "DLMS",             "NC",          "3/0/3/0",  "PWHR", "Read ESME Energy Register (TOU)"),
    (0x002A, "ECS17e",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME Energy Register (TOU with Blocks)"),
    (0x002B, "ECS18a",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read Maximum Demand Registers (export)"),
    (0x002C, "ECS18b",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read Maximum Demand Registers (import)"),
    (0x002D, "ECS19",       "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME Prepayment Registers"),
    (0x002E, "ECS20a",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME Billing Data Log (payment based debt payments)"),
    (0x002F, "ECS20b",      "ESME",             "DLMS",             "NC",          "3/0/3/0",  "PWHR", "Read ESME Billing Data Log (change of mode / tariff triggered exc export)"),
    (0x0030, "ECS20c",      "ESME",             "DLMS",             "NC",          "3/0/3/0",  "PWHR", "Read ESME Billing Data Log (billing calendar triggered exc export)"),
    (0x0033, "ECS21a",      "ESME",             "DLMS",             "NC",          "3/0/3/0",  "PWHR", "Read Electricity Daily Read Log (exc export)"),
    (0x0034, "ECS21b",      "ESME",             "DLMS",             "NC",          "3/0/3/0",  "PWHR", "Read Electricity (Prepayment) Daily Read Log"),
    (0x0035, "ECS21c",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read Electricity Daily Read Log (export only)"),
    (0x0036, "ECS22a",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read Electricity Half Hour Profile Data (export)"),
    (0x0037, "ECS22b",      "ESME",             "DLMS",             "NC",          "3/0/3/0",  "PWHR", "Read Electricity Half Hour Profile Data (active import)"),
    (0x0038, "ECS22c",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read Electricity Half Hour Profile Data (reactive import)"),
    (0x0039, "ECS23",       "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read Voltage Operational Data"),
    (0x003A, "ECS24",       "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME Tariff Data"),
    (0x003B, "ECS26a",      "ESME",             "DLMS",             "NC",          "3/0/3/0",  "PWHR", "Read ESME Configuration Data Prepayment"),
    (0x003C, "ECS26b",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME Configuration Voltage Data"),
    (0x003D, "ECS26c",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME Configuration Data Device Information (randomisation)"),
    (0x003E, "ECS26d",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME Configuration Data Device Information (Billing Calendar)"),
    (0x003F, "ECS26e",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME Configuration Data Device Information (device identity exc MPAN)"),
    (0x0040, "ECS26f",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME Configuration Data Device Information (instantaneous power thresholds)"),
    (0x0042, "ECS27",       "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME Load Limit Data"),
    (0x0043, "ECS28a",      "ESME",             "DLMS",             "C",           "4/4/4/0",  "PWHR", "Set Load Limit Configurations - General Settings"),
    (0x0044, "ECS28b",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Set Load Limit Configuration Counter Reset"),
    (0x0045, "ECS29a",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Set Voltage Configurations on ESME"),
    (0x0046, "ECS30",       "ESME",             "DLMS",             "C",           "2/2/2/0",  "PWHR", "Set Billing Calendar on the ESME"),
    (0x0047, "ECS34",       "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Set Instantaneous Power Threshold Configuration"),
    (0x0048, "ECS35a",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME Event Log"),
    (0x0049, "ECS35b",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME Security Log"),
    (0x004A, "ECS37",       "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Set Maximum Demand Configurable Time Period"),
    (0x004B, "ECS38",       "ESME",             "DLMS",             "C",           "2/2/2/0",  "PWHR", "Update Randomised Offset Limit"),
    (0x004C, "ECS39a",      "ESME",             "DLMS",             "NC",          "3/0/3/0",  "PWHR", "Set MPAN Value on the ESME"),
    (0x004D, "ECS39b",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Set Export MPAN Value on the ESME"),
    (0x004E, "ECS40",       "ESME",             "DLMS",             "NC",          "3/0/3/0",  "PWHR", "Read MPAN Value on the ESME"),
    (0x004F, "ECS42",       "ESME",             "DLMS",             "C",           "2/2/2/0",  "PWHR", "Remotely Close the Load Switch on the ESME"),
    (0x0050, "ECS43",       "ESME",             "DLMS",             "C",           "2/2/2/0",  "PWHR", "Remotely Open the Load Switch on the ESME"),
    (0x0051, "ECS44",       "ESME",             "DLMS",             "C",           "2/2/2/0",  "PWHR", "Arm Load Switch in ESME"),
    (0x0052, "ECS45",       "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read Status of Load Switch in the ESME"),
    (0x0053, "ECS46a",      "ESME",             "DLMS",             "C",           "3/3/3/0",  "PWHR", "Set HC ALCS or ALCS Labels in ESME"),
    (0x0054, "ECS46c",      "ESME",             "DLMS",             "C",           "4/4/4/0",  "PWHR", "Set HC ALCS and ALCS configuration in ESME (excluding labels)"),
    (0x0055, "ECS47",       "ESME",             "DLMS",             "C",           "6/6/6/0",  "PWHR", "Set or Reset HC ALCS or ALCS State"),
    (0x0058, "ECS50",       "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Send CIN to ESME"),
    (0x0059, "ECS52",       "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME/Comms Hub Firmware Version"),
    (0x005A, "ECS57",       "ESME",             "DLMS",             "NC",          "3/0/3/0",  "PWHR", "Reset ESME Maximum Demand Registers"),
    (0x005E, "ECS61c",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read Boost Button Data from ESME"),
    (0x005F, "ECS62",       "ESME",             "DLMS",             "NC",          "4/0/4/0",  "PWHR", "Set ALCS and Boost Button Association"),
    (0x0060, "ECS66",       "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME Daily Consumption Log"),
    (0x0061, "ECS68",       "ESME",             "DLMS-DN",          "alert-C",     "0/0/0/2",  "PWHR", "ESME Critical Sensitive Alert (Billing Data Log)"),
    (0x0062, "ECS70",       "ESME",             "DLMS",             "C",           "4/4/4/0",  "PWHR", "Set Clock on ESME"),
    (0x0067, "ECS80",       "ESME",             "DLMS-DN",          "alert-C",     "0/0/0/1",  "PWHR", "Supply Outage Restore Alert from ESME"),
    (0x0068, "ECS81",       "ESME",             "DLMS",             "C",           "2/2/2/0",  "PWHR", "Set Supply Tamper State on ESME"),
    (0x0069, "ECS82",       "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read Meter Balance for ESME"),
    (0x006B, "GCS01a",      "GSME",             "GBZ",              "C",           "4/4/4/0",  "PWHR", "Set Tariff and Price on GSME"),
    (0x006C, "GCS02",       "GSME",             "GBZ",              "C",           "4/4/4/0",  "PWHR", "Set GSME Payment Mode to Credit"),
    (0x006D, "GCS03",       "GSME",             "GBZ",              "C",           "4/4/4/0",  "PWHR", "Set GSME Payment Mode to Prepayment"),
    (0x006E, "GCS04",       "GSME",             "GBZ",              "C",           "2/2/2/0",  "PWHR", "Manage Debt on the GSME"),
    (0x006F, "GCS05",       "GSME",             "GBZ",              "C",           "4/4/4/0",  "PWHR", "Update Prepayment Configurations on GSME"),
    (0x0070, "GCS06",       "GSME",             "GBZ",              "C",           "2/2/2/0",  "PWHR", "Activate Emergency Credit Remotely on GSME"),
    (0x0071, "GCS07",       "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Send Message to GSME"),
    (0x0072, "GCS09",       "GPF",              "GBZ",              "NC",          "1/0/1/0",  "PWHR", "Set Change of Tenancy date on GPF"),
    (0x0073, "GCS11",       "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Disable Privacy PIN Protection on GSME"),
    (0x0074, "GCS13a",      "GPF/GSME",         "GBZ",              "NC",          "4/0/4/0",  "PWHR", "Read GSME Consumption Register"),
    (0x0075, "GCS14",       "GPF/GSME",         "GBZ",              "NC",          "4/0/4/0",  "PWHR", "Read GSME Prepayment Registers"),
    (0x0076, "GCS15c",      "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Read GSME Billing Data Log (billing calendar triggered)"),
    (0x0077, "GCS16a",      "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Read GSME Daily Read Log"),
    (0x0078, "GCS17",       "GSME",             "GBZ",              "NC",          "3/0/3/0",  "PWHR", "Read GSME Profile Data Log"),
    (0x0079, "GCS18",       "GSME",             "GBZ",              "NC",          "3/0/3/0",  "PWHR", "Read Gas Network Data Log"),
    (0x007B, "GCS21a",      "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Read Gas Configuration Data Device Information"),
    (0x007C, "GCS23",       "GSME",             "GBZ",              "C",           "2/2/2/0",  "PWHR", "Set CV and Conversion Factor Value(s) on the GSME"),
    (0x007D, "GCS24",       "GSME",             "GBZ",              "C",           "2/2/2/0",  "PWHR", "Set Uncontrolled Gas Flow Rate and Supply Tamper State on the GSME"),
    (0x007E, "GCS25",       "GSME",             "GBZ",              "C",           "2/2/2/0",  "PWHR", "Set Billing Calendar on the GSME"),
    (0x007F, "GCS28",       "GSME",             "ASN.1",            "C",           "4/4/4/0",  "PWHR", "Set Clock on GSME"),
    (0x0080, "GCS31",       "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Start Network Data Log on GSME"),
    (0x0081, "GCS32",       "GSME",             "GBZ",              "C",           "2/2/2/0",  "PWHR", "Remotely close the valve in the GSME"),
    (0x0082, "GCS33",       "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Read GSME Valve Status"),
    (0x0083, "GCS36",       "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Send CIN to GSME"),
    (0x0084, "GCS38",       "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Read GSME Firmware Version"),
    (0x0085, "GCS39",       "GSME",             "GBZ",              "C",           "2/2/2/0",  "PWHR", "Arm Valve in GSME"),
    (0x0086, "GCS40a",      "GSME",             "GBZ",              "C",           "2/2/2/0",  "PWHR", "Adjust Prepayment Mode Meter Balance on the GSME"),
    (0x0087, "GCS41",       "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Set MPRN Value on the GSME"),
    (0x0088, "GCS44",       "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Write Contact Details on GSME"),
    (0x0089, "GCS46",       "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Read MPRN on the GSME"),
    (0x008B, "GCS53",       "GSME",             "GBZ",              "alert-C",     "0/0/0/1",  "PWHR", "Push Billing Data Log as an Alert"),
    (0x008C, "GCS59",       "GPF",              "ASN.1",            "NC",          "1/0/1/0",  "PWHR", "Restore GPF Device Log"),
    (0x008D, "GCS60",       "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Read Meter Balance for GSME"),
    (0x0090, "PCS02",       "GSME",             "GBZ",              "NC",          "1/0/1/0",  "PWHR", "Activate Emergency Credit on GSME from PPMID"),
    (0x0092, "ECS26i",      "CHF",              "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read Configuration Data Device Information (CHF identity)"),
    (0x0093, "ECS35c",      "CHF",              "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read CHF Event Log"),
    (0x0094, "ECS35d",      "CHF",              "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read CHF Security Log"),
    (0x0096, "GCS16b",      "GPF/GSME",         "GBZ",              "NC",          "3/0/3/0",  "PWHR", "Read GSME Daily Read log(s) (prepayment)"),
    (0x0097, "CS01b",       "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Apply Prepayment Top Up to a GSME"),
    (0x009B, "PCS01",       "GSME",             "GBZ",              "NC",          "1/0/1/0",  "PWHR", "Apply Prepayment Top Up to a GSME using PPMID"),
    (0x009D, "GCS21d",      "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Read GSME Configuration Data Device Information (BillingCalendar)"),
    (0x009E, "GCS21e",      "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Read GSME/GPF Configuration Data Device Information (device identity)"),
    (0x009F, "GCS21f",      "GSME",             "GBZ",              "NC",          "3/0/3/0",  "PWHR", "Read GSME Tariff Data"),
    (0x00A0, "GCS61",       "GPF",              "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Read Gas Daily Consumption Log"),
    (0x00A1, "CS10b",       "GSME",             "GBZ",              "NC",          "3/0/3/0",  "PWHR", "Read ZigBee Device Security Log"),
    (0x00A2, "ECS01b",      "ESME",             "DLMS",             "C",           "5/5/5/0",  "PWHR", "Set Price on ESME"),
    (0x00A3, "GCS01b",      "GSME",             "GBZ",              "C",           "4/4/4/0",  "PWHR", "Set Price on GSME"),
    (0x00AB, "CS03A2",      "HCALCS*/PPMID*",   "ASN.1",            "C",           "2/1/2/0",  "PWHR", "Method A Join (non Meter)"),
    (0x00AC, "ECS25a",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Set Alert Behaviours - ESME - Supplier"),
    (0x00AD, "GCS20",       "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Set Alert Behaviours - GSME"),
    (0x00AE, "ECS29b",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Set Voltage Configurations on ESME - 3ph"),
    (0x00AF, "CS03C",       "GSME/PPMID*",      "ASN.1",            "C",           "3/1/3/0",  "PWHR", "Method C Join"),
    (0x00B0, "ECS25b",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Set Alert Behaviours - ESME - Network Operator"),
    (0x00B2, "GCS62",       "GPF",              "ASN.1",            "alert-NC",    "0/0/0/1",  "PWHR", "Backup GPF Device Log"),
    (0x00B3, "ECS04b",      "ESME",             "DLMS",             "C",           "2/2/2/0",  "PWHR", "Reset Meter Balance on the ESME"),
    (0x00B4, "GCS40b",      "GSME",             "GBZ",              "C",           "2/2/2/0",  "PWHR", "Reset Prepayment Mode Meter Balance on the GSME"),
    (0x00B5, "GCS21b",      "GSME",             "GBZ",              "NC",          "3/0/3/0",  "PWHR", "Read GSME Configuration Data Prepayment"),
    (0x00B6, "GCS13c",      "GPF/GSME",         "GBZ",              "NC",          "4/0/4/0",  "PWHR", "Read GSME Register (TOU)"),
    (0x00B7, "ECS01c",      "ESME",             "DLMS",             "C",           "4/4/4/0",  "PWHR", "Set Tariff and Price on ESME secondary"),
    (0x00B8, "GCS13b",      "GPF/GSME",         "GBZ",              "NC",          "4/0/4/0",  "PWHR", "Read GSME Block Counters"),
    (0x00B9, "ECS35e",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME Power Event Log"),
    (0x00BA, "ECS35f",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ALCS Event Log"),
    (0x00BB, "ECS61a",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read HC ALCS and ALCS Data from ESME"),
    (0x00BC, "ECS23b",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read Voltage Operational Data - 3 Phase"),
    (0x00BD, "ECS24b",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME Tariff Data - second element"),
    (0x00BE, "ECS26j",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME Configuration Data Device Information (Payment Mode)"),
    (0x00BF, "GCS21j",      "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Read GSME Configuration Data Device Information (Payment Mode)"),
    (0x00C0, "GCS40c",      "GSME",             "GBZ",              "C",           "2/2/2/0",  "PWHR", "Adjust Credit Mode Meter Balance on the GSME"),
    (0x00C1, "ECS15c",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Clear ALCS Event Log"),
    (0x00C2, "GCS40d",      "GSME",             "GBZ",              "C",           "2/2/2/0",  "PWHR", "Reset Credit Mode Meter Balance on the GSME"),
    (0x00C3, "GCS15b",      "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Read GSME Billing Data Log (change of mode / tariff triggered)"),
    (0x00C4, "GCS15d",      "GSME",             "GBZ",              "NC",          "3/0/3/0",  "PWHR", "Read GSME Billing Data Log (payment-based debt payments)"),
    (0x00C5, "GCS15e",      "GSME",             "GBZ",              "NC",          "3/0/3/0",  "PWHR", "Read GSME Billing Data Log (prepayment credits)"),
    (0x00C6, "ECS26k",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME Configuration Voltage Data - 3 phase"),
    (0x00C7, "ECS01d",      "ESME",             "DLMS",             "C",           "4/4/4/0",  "PWHR", "Set Price on ESME secondary"),
    (0x00C9, "ECS20d",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME Billing Data Log (prepayment credits)"),
    (0x00CA, None,          "ESME",             "ASN.1",            "alert-C",     "0/0/0/2",  "PWHR", "Futured Dated Firmware Activation Alert"),
    (0x00CB, None,          "ESME",             "ASN.1",            "alert-C",     "0/0/0/3",  "PWHR", "Futured Dated Update Security Credentials Alert"),
    (0x00CC, None,          "ESME/ESME-2*",     "DLMS-DN",          "alert-C",     "0/0/0/41", "PWHR", "Future Dated Execution Of Instruction Alert (DLMS COSEM)"),
    (0x00CD, None,          "GSME",             "GBZ",              "alert-C",     "0/0/0/15", "PWHR", "Future Dated Execution Of Instruction Alert (GBZ)"),
    (0x00CE, None,          "ESME",             "DLMS-DN",          "alert-C",     "0/0/0/1",  "PWHR", "Firmware Distribution Receipt Alert (ESME)"),
    (0x00CF, None,          "GSME",             "GBZ",              "alert-C",     "0/0/0/1",  "PWHR", "Firmware Distribution Receipt Alert (GSME)"),
    (0x00D1, "ECS29c",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Set Voltage Configurations on ESME without counter reset"),
    (0x00D2, "ECS29d",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Set Voltage Configurations on polyphase ESME without counter reset"),
    (0x00D3, "ECS29e",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Reset RMS Voltage Counters on ESME"),
    (0x00D4, "ECS29f",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Reset RMS Voltage Counters on polyphase ESME"),
    (0x00D5, None,          "ESME (from CHF?)", "DLMS-DN (parser)", "?",           "—",        "PWH",  "Failure to Deliver Remote Party Message to ESME Alert (alert 8F84)"),
    (0x00D7, "ECS30a",      "ESME",             "DLMS",             "C",           "2/2/2/0",  "PWHR", "Set Billing Calendar on the ESME - all periodicities"),
    (0x00D8, "GCS25a",      "GSME",             "GBZ",              "C",           "2/2/2/0",  "PWHR", "Set Billing Calendar on the GSME - all periodicities"),
    (0x00D9, "ECS26l",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME Configuration Data Device Information (Billing Calendar - all periodicities)"),
    (0x00DA, "GCS21k",      "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Read GSME Configuration Data Device Information (BillingCalendar - all periodicities)"),
    (0x00DB, "ECS48",       "ESME",             "DLMS",             "C",           "2/2/2/0",  "PWHR", "Configure daily resetting of Tariff Block Counter Matrix"),
    (0x00DE, "ECS08a",      "ESME",             "DLMS",             "C",           "4/4/4/0",  "PWHR", "Update Prepayment Configuration on ESME"),
    (0x00EA, "ECS25a1",     "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Set Event Behaviours - ESME to HAN Device - Supplier"),
    (0x00EB, "ECS25a2",     "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Set Event Behaviours - ESME audible alarm - Supplier"),
    (0x00EC, "ECS25a3",     "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Set Event Behaviours - ESME logging - Supplier"),
    (0x00ED, "ECS25b3",     "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Set Event Behaviours - ESME logging - Network Operator"),
    (0x00EE, "ECS25r1",     "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read non-critical event and alert behaviours - ESME - Supplier"),
    (0x00EF, "ECS25r2",     "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read non-critical event and alert behaviours - ESME - Network Operator"),
    (0x00F0, None,          "ESME",             "DLMS-DN",          "alert-NC",    "0/0/0/1",  "PWHR", "Meter Integrity Issue Warning Alert - ESME"),
    (0x00F1, "GCS20r",      "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Read non-critical event and alert behaviours - GSME - Supplier"),
    (0x00F2, None,          "GSME",             "GBZ",              "alert-NC",    "0/0/0/1",  "PWHR", "Meter Integrity Issue Warning Alert - GSME"),
    (0x00F9, "ECS26m",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read ESME Configuration Data Device Information (identity, type and supply tamper state)"),
    (0x00FA, "ECS26n",      "CHF",              "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read CHF Configuration Data Device Information (CH identity and type)"),
    (0x00FB, "GCS21m",      "GSME",             "GBZ",              "NC",          "2/0/2/0",  "PWHR", "Read GSME Configuration Data Device Information (identity, type and supply tamper / depletion state)"),
    (0x00FC, "GCS24a",      "GSME",             "GBZ",              "C",           "2/2/2/0",  "PR",   "Set Uncontrolled Gas Flow Rate and Supply Tamper State on the GSME (SMETS4)"),
    (0x00FD, "ECS35g",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "PR",   "Read ALCS Event Log"),
    (0x00FE, "CCS07",       "CHF",              "DLMS",             "NC",          "2/0/2/0",  "PHR",  "Read CHF Device Logs"),
    (0x0100, "CS02b",       "any",              "ASN.1 (parser)",   "C",           "—",        "PW",   "Update Security Credentials (rootBySupplier)"),
    (0x0101, "CS02b",       "any",              "ASN.1 (parser)",   "C",           "—",        "PW",   "Update Security Credentials (rootByWanProvider)"),
    (0x0102, "CS02b",       "ESME/GPF",         "ASN.1",            "C",           "6/5/6/0",  "PWHR", "Update Security Credentials (supplierBySupplier)"),
    (0x0103, "CS02b",       "ESME/GPF",         "ASN.1",            "C",           "2/1/2/0",  "PWHR", "Update Security Credentials (networkOperatorByNetworkOperator)"),
    (0x0104, "CS02b",       "ESME",             "ASN.1",            "NC",          "1/0/1/0",  "PWHR", "Update Security Credentials (accessControlBrokerByACB)"),
    (0x0105, "CS02b",       "CHF",              "ASN.1",            "C",           "1/0/1/0",  "PWHR", "Update Security Credentials (wanProviderByWanProvider)"),
    (0x0106, "CS02b",       "ESME",             "ASN.1",            "C",           "1/0/1/0",  "PWHR", "Update Security Credentials (transCoSByTransCoS)"),
    (0x0107, "CS02b",       "ESME",             "ASN.1",            "C",           "3/0/3/0",  "PWHR", "Update Security Credentials (supplierByTransCoS)"),
    (0x0108, "CS02b",       "ESME",             "ASN.1",            "C(noMAC)",    "1/0/1/0",  "PWHR", "Update Security Credentials (anyExceptAbnormalRootByRecovery)"),
    (0x0109, "CS02b",       "ESME",             "ASN.1",            "C",           "0/0/2/0",  "PWHR", "Update Security Credentials (anyByContingency)"),
    (0x010A, "DBCH01",      "CHF",              "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read CHF Sub GHz Channel"),
    (0x010B, "DBCH02",      "CHF",              "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read CHF Sub GHz Channel Log"),
    (0x010C, "DBCH03",      "CHF",              "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read CHF Sub GHz Configuration"),
    (0x010D, "DBCH04",      "CHF",              "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Set CHF Sub GHz Configuration"),
    (0x010E, "DBCH05",      "CHF",              "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Request CHF Sub GHz Channel Scan"),
    (0x010F, "CCS06",       "CHF",              "DLMS",             "NC",          "2/0/2/0",  "PWHR", "Read CHF device log and check HAN communications"),
    (0x0110, "DBCH06",      "CHF",              "DLMS-DN",          "alert-NC",    "0/0/0/1",  "PWHR", "Limited Duty Cycle Action Taken Sub GHz Alert"),
    (0x0111, "DBCH07",      "CHF",              "DLMS-DN",          "alert-NC",    "0/0/0/1",  "PWHR", "Sub GHz Sub GHz Channel Changed Sub GHz Alert"),
    (0x0112, "DBCH08",      "CHF",              "DLMS-DN",          "alert-NC",    "0/0/0/1",  "PWHR", "Sub GHz Channel Scan Request Assessment Outcome Sub GHz Alert"),
    (0x0113, "DBCH09",      "CHF",              "DLMS-DN",          "alert-NC",    "0/0/0/1",  "PWHR", "Sub GHz Configuration Changed Sub GHz Alert"),
    (0x0114, "DBCH10",      "CHF",              "DLMS-DN",          "alert-NC",    "0/0/0/1",  "PWHR", "Message Discarded Due to Duty Cycle Management Sub GHz Alert"),
    (0x0115, "DBCH11",      "CHF",              "DLMS-DN",          "alert-NC",    "0/0/0/1",  "PWHR", "No More Sub GHz Device Capacity Sub GHz Alert"),
    (0x0116, "PECS01",      "ESME?",            "?",                "?",           "—",        "PH",   "Apply Prepayment Top Up to an ESME using PPMID"),
    (0x0117, "PECS02",      "ESME?",            "?",                "?",           "—",        "PH",   "Activate Emergency Credit on ESME from PPMID"),
    (0x0118, "PECS03",      "ESME?",            "?",                "?",           "—",        "PH",   "Request to Enable ESME Supply from PPMID"),
    (0x0119, "HECS01",      "ESME?",            "?",                "?",           "—",        "PH",   "Request Control of a HAN Connected Auxiliary Load Control Switch from HCALCS"),
    (0x011A, "ECS46d",      "ESME/ESME-2*",     "DLMS",             "C",           "7/7/7/0",  "R",    "[RTDS only] ESME HC ALCS/APC configuration (variants ALCS, APC_INPUT, APC_OUTPUT; future-datable)"),
    (0x011B, "CS02f",       "ESME/ESME-2*",     "ASN.1",            "NC,C(noMAC)", "4/0/4/0",  "R",    "[RTDS only] CS02a-like credential-details read (MAC and Signature variants)"),
    (0x011C, "ECS61d",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "R",    "[RTDS only] ESME read (DUIS 7.14), DLMS"),
    (0x011D, "ECS61e",      "ESME",             "DLMS",             "NC",          "2/0/2/0",  "R",    "[RTDS only] ESME read (DUIS 7.15), DLMS"),
    (0x011E, "ECS47a",      "ESME",             "DLMS",             "C",           "6/6/6/0",  "R",    "[RTDS only] ALCS activate/deactivate (DUIS 7.13)"),
    (0x011F, "ECS47e",      "ESME",             "DLMS",             "C",           "3/3/3/0",  "R",    "[RTDS only] APC input/output state (DUIS 7.16)"),
    (0x0120, "ECS100",      "ESME-2*",          "DLMS-DN",          "alert-C",     "0/0/0/2",  "R",    "[RTDS only] ESME alert 8F85 (also a supplementary-remote-party variant sent to ACB)"),
    (0x0121, "ECS101",      "ESME",             "DLMS-DN",          "alert-C",     "0/0/0/2",  "R",    "[RTDS only] ESME alert 8F86 (INPUT/OUTPUT variants)"),
    (0x0122, "ECS102",      "ESME/ESME-2*",     "DLMS-DN",          "alert-C",     "0/0/0/2",  "R",    "[RTDS only] ESME alert 8F87 (INPUT/OUTPUT variants)"),
    (0x0123, "ECS200",      "ESME",             "DLMS-DN",          "alert-C",     "0/0/0/1",  "R",    "[RTDS only] ESME alert 8F88 (UTF8 text body; other-info carries a supplementary remote party ID)"),
    (0x0124, "CS02g alert", "ESME/ESME-2*",     "ASN.1",            "alert-C",     "0/0/0/3",  "R",    "[RTDS only] future-dated CS02g execution alert (8F66/8F67)"),
    (0x0125, "CS02g",       "ESME-2*",          "ASN.1",            "C",           "3/3/3/0",  "R",    "[RTDS only] Update Security Credentials (loadControllerByLoadController)"),
    (0x0126, "CS02g",       "ESME",             "ASN.1",            "C",           "5/5/5/0",  "R",    "[RTDS only] Update Security Credentials (loadControllerBySupplier)"),
    (0x0128, "CCS08",       "CHF",              "ASN.1",            "alert-C",     "0/0/0/1",  "PR",   "Firmware Transfer Alert"),
    (0x0129, "CS08",        "HCALCS*/PPMID*",   "ASN.1",            "NC",          "2/0/2/0",  "PR",   "Read PPMID/HCALCS Firmware Version"),
    (0x012A, "GCS60a",      "GPF/GSME",         "GBZ",              "NC",          "4/0/4/0",  "R",    "[RTDS only] GSME/GPF read (DUIS 4.18; reliable/unreliable variants)"),
    (0x012B, "CS09",        "PPMID*",           "ASN.1",            "alert-C",     "0/0/0/1",  "R",    "[RTDS only] device alert 8F8B (Read Firmware version alert), from PPMID"),
    (0x1000, None,          "ESME/GSME",        "DLMS-DN/GBZ",      "alert-C",     "0/0/0/2",  "PWHR", "Generic Critical Alert"),
    (0x1001, None,          "ESME/GSME",        "DLMS-DN/GBZ",      "alert-NC",    "0/0/0/2",  "PWHR", "Generic Non Critical Alert"),
)
# fmt: on

_PAYLOAD_TEXT: Final[Mapping[str, tuple[PayloadFamily, PayloadFamily | None]]] = {
    "DLMS": (PayloadFamily.DLMS, None),
    "DLMS-DN": (PayloadFamily.DLMS, None),
    "DLMS-DN (parser)": (PayloadFamily.DLMS, None),
    "DLMS-DN/GBZ": (PayloadFamily.DLMS, PayloadFamily.GBZ),
    "GBZ": (PayloadFamily.GBZ, None),
    "ASN.1": (PayloadFamily.ASN1, None),
    "ASN.1 (parser)": (PayloadFamily.ASN1, None),
    "?": (PayloadFamily.UNKNOWN, None),
}

_SIGNED_NO_MAC_VARIANT: Final = (
    "MAC variant is non-critical (MAC only); Signature variant is signed without a MAC header"
)
_NOTES: Final[Mapping[int, str]] = {
    0x0004: "no use-case name in P/H; W labels it 'no longer used', yet RTDS 4.5.0 has vectors",
    0x0008: _SIGNED_NO_MAC_VARIANT,
    0x000F: "also used by one CS04B vector; DUIS NonCritical variants are still signed (by the ACB)",
    0x0068: "W calls it ECS71; the RTDS folder 6.25_ECS81 confirms ECS81",
    0x00AB: "DUIS NonCritical variant is still signed (by the ACB)",
    0x00AF: "DUIS NonCritical variant is still signed (by the ACB)",
    0x00BF: "W calls it GCS21f",
    0x00D5: "not in RTDS; alert criticality unknown (table: 'alert, ?'); layout from P's parser",
    0x0100: "not in RTDS; critical inferred (table: 'C (like all CS02b) ?')",
    0x0101: "not in RTDS; critical inferred (table: 'C (like all CS02b) ?')",
    0x0104: "MAC-only command, signed response",
    0x0108: "signed command without a MAC header",
    0x0109: (
        "RTDS has only two signed responses (to 70B3D51F300017FF) and no command; "
        "critical inferred (table: 'C? (signed responses; no command vector)')"
    ),
    0x011B: _SIGNED_NO_MAC_VARIANT,
    0x1000: "DLMS data-notification from an ESME, GBZ alert from a GSME",
    0x1001: "DLMS data-notification from an ESME, GBZ alert from a GSME",
}

#: Alert-only message codes (CRA = 3 in every RTDS vector), as listed in the notes under the
#: §3 table; 0x00D5 is included by its name (it has no RTDS vector).
ALERT_ONLY_CODES: Final[frozenset[int]] = frozenset(
    {
        *range(0x00CA, 0x00CF + 1),
        0x00F0,
        0x00F2,
        *range(0x0110, 0x0115 + 1),
        *range(0x0120, 0x0124 + 1),
        0x0128,
        0x012B,
        0x1000,
        0x1001,
        0x0018,  # CS14
        0x0061,  # ECS68
        0x0067,  # ECS80
        0x008B,  # GCS53
        0x00B2,  # GCS62
        0x00D5,  # alert 8F84, P only
    }
)


def _counts(text: str) -> tuple[int, int, int, int]:
    if text == "—":
        return (0, 0, 0, 0)
    command, precommand, response, alert = (int(part) for part in text.split("/"))
    return (command, precommand, response, alert)


def _build(rows: Iterable[_Row]) -> Mapping[int, MessageCodeInfo]:
    table: dict[int, MessageCodeInfo] = {}
    for code, use_case, target, payload, crit, counts, sources, name in rows:
        if code in table:
            raise ValueError(f"duplicate message code 0x{code:04X} in the catalogue")
        family, alt_family = _PAYLOAD_TEXT[payload]
        table[code] = MessageCodeInfo(
            code=code,
            use_case=use_case,
            name=name,
            target=target,
            family=family,
            alt_family=alt_family,
            criticality=Criticality(crit),
            alert_only=code in ALERT_ONLY_CODES,
            rtds_counts=_counts(counts),
            sources=sources,
            note=_NOTES.get(code, ""),
        )
    return MappingProxyType(table)


#: Message code → catalogue entry, all 240 rows of gbcs-protocol.md §3, in code order.
MESSAGE_CODES: Final[Mapping[int, MessageCodeInfo]] = _build(_ROWS)


def lookup(code: int) -> MessageCodeInfo | None:
    """The catalogue entry for a message code, or ``None`` for a code no source knows."""
    return MESSAGE_CODES.get(code)


def codes_for_use_case(use_case: str) -> tuple[MessageCodeInfo, ...]:
    """All entries of one use case (e.g. ``"CS02b"`` has ten codes), in code order."""
    return tuple(info for info in MESSAGE_CODES.values() if info.use_case == use_case)


# ----------------------------------------------------------------------------
# Constants: alerts (gbcs-protocol.md §4)
# ----------------------------------------------------------------------------
#: Alert message code → framing (§4.1 "Framing by alert message code"): signed without MAC
#: (ALERT_CRITICAL) or MAC'd and unsigned (ALERT_NON_CRITICAL).
ALERT_MESSAGE_CODE_CRITICALITY: Final[Mapping[int, Criticality]] = MappingProxyType(
    {
        **dict.fromkeys(
            (
                0x0061,  # ECS68 (8F0A)
                0x0067,  # ECS80 (8F36)
                0x008B,  # GCS53 (8F0A)
                0x00CA,  # future-dated firmware activation (8F66/8F67)
                0x00CB,  # future-dated security credentials update (8F66/8F67)
                0x00CC,  # future-dated execution, DLMS (8F66)
                0x00CD,  # future-dated execution, GBZ (8F66)
                0x00CE,  # firmware distribution receipt, ESME (8F72)
                0x00CF,  # firmware distribution receipt, GSME (8F72)
                0x0120,  # ECS100 (8F85)
                0x0121,  # ECS101 (8F86)
                0x0122,  # ECS102 (8F87)
                0x0123,  # ECS200 (8F88)
                0x0124,  # CS02g future-dated execution (8F66/8F67)
                0x0128,  # CCS08 (8F8A)
                0x012B,  # CS09 (8F8B)
                0x1000,  # generic critical alert (8F30)
            ),
            Criticality.ALERT_CRITICAL,
        ),
        **dict.fromkeys(
            (
                0x0018,  # CS14 (8F12)
                0x00B2,  # GCS62 (8071)
                0x00F0,  # meter integrity warning, ESME (81A0)
                0x00F2,  # meter integrity warning, GSME (81A0)
                0x0110,  # DBCH06 (8F20)
                0x0111,  # DBCH07 (8F26)
                0x0112,  # DBCH08 (8F28)
                0x0113,  # DBCH09 (8F2A)
                0x0114,  # DBCH10 (8F2C)
                0x0115,  # DBCH11 (8F2D)
                0x1001,  # generic non-critical alert (810E)
            ),
            Criticality.ALERT_NON_CRITICAL,
        ),
    }
)

#: Alert code → meaning (§4.2): the 184 codes named by P (abbreviated as in the document) plus
#: 8F85–8F88, which only occur in the RTDS vectors.
# fmt: off
ALERT_CODES: Final[Mapping[int, str]] = MappingProxyType({
    0x8002: "Avg RMS V above Avg RMS Over V Thr (rising edge)",
    0x8003: "Avg RMS V above Avg RMS Over V Thr on Phase 1 (rising edge)",
    0x8004: "Avg RMS V above Avg RMS Over V Thr on Phase 2 (rising edge)",
    0x8005: "Avg RMS V above Avg RMS Over V Thr on Phase 3 (rising edge)",
    0x8006: "Avg RMS V below Avg RMS Under V Thr (falling edge)",
    0x8007: "Avg RMS V below Avg RMS Under V Thr on Phase 1 (falling edge)",
    0x8008: "Avg RMS V below Avg RMS Under V Thr on Phase 2 (falling edge)",
    0x8009: "Avg RMS V below Avg RMS Under V Thr on Phase 3 (falling edge)",
    0x8010: "Over Current",
    0x8011: "Over Current L1",
    0x8013: "Over Current L3",
    0x8014: "Power Factor Thr Below",
    0x8015: "Power Factor Thr Ok",
    0x8016: "Over Current L2",
    0x8020: "RMS V above Extreme Over V Thr (entered, > configured period)",
    0x8021: "RMS V above Extreme Over V Thr on Phase 1 (entered, > configured period)",
    0x8022: "RMS V above Extreme Over V Thr on Phase 2 (entered, > configured period)",
    0x8023: "RMS V above Extreme Over V Thr on Phase 3 (entered, > configured period)",
    0x8024: "RMS V above V Swell Thr (entered, > configured period)",
    0x8025: "RMS V above V Swell Thr on Phase 1 (entered, > configured period)",
    0x8026: "RMS V above V Swell Thr on Phase 2 (entered, > configured period)",
    0x8027: "RMS V above V Swell Thr on Phase 3 (entered, > configured period)",
    0x8028: "RMS V below Extreme Under V Thr (entered, > configured period)",
    0x8029: "RMS V below Extreme Under V Thr on Phase 1 (entered, > configured period)",
    0x802A: "RMS V below Extreme Under V Thr on Phase 2 (entered, > configured period)",
    0x802B: "RMS V below Extreme Under V Thr on Phase 3 (entered, > configured period)",
    0x802C: "RMS V below V Sag Thr (entered, > configured period)",
    0x802D: "RMS V below V Sag Thr on Phase 1 (entered, > configured period)",
    0x802E: "RMS V below V Sag Thr on Phase 2 (entered, > configured period)",
    0x802F: "RMS V below V Sag Thr on Phase 3 (entered, > configured period)",
    0x8071: "GPF Device Log Changed",
    0x8085: "Avg RMS V below Avg RMS Over V Thr (falling edge)",
    0x8086: "Avg RMS V below Avg RMS Over V Thr on Phase 1 (falling edge)",
    0x8087: "Avg RMS V below Avg RMS Over V Thr on Phase 2 (falling edge)",
    0x8088: "Avg RMS V below Avg RMS Over V Thr on Phase 3 (falling edge)",
    0x8089: "Avg RMS V above Avg RMS Under V Thr (rising edge)",
    0x808A: "Avg RMS V above Avg RMS Under V Thr on Phase 1 (rising edge)",
    0x808B: "Avg RMS V above Avg RMS Under V Thr on Phase 2 (rising edge)",
    0x808C: "Avg RMS V above Avg RMS Under V Thr on Phase 3 (rising edge)",
    0x808D: "RMS V above Extreme Over V Thr (cleared, > configured period)",
    0x808E: "RMS V above Extreme Over V Thr on Phase 1 (cleared, > configured period)",
    0x808F: "RMS V above Extreme Over V Thr on Phase 2 (cleared, > configured period)",
    0x8090: "RMS V above Extreme Over V Thr on Phase 3 (cleared, > configured period)",
    0x8091: "RMS V above V Swell Thr (cleared, > configured period)",
    0x8092: "RMS V above V Swell Thr on Phase 1 (cleared, > configured period)",
    0x8093: "RMS V above V Swell Thr on Phase 2 (cleared, > configured period)",
    0x8094: "RMS V above V Swell Thr on Phase 3 (cleared, > configured period)",
    0x8095: "RMS V below Extreme Under V Thr (cleared, > configured period)",
    0x8096: "RMS V below Extreme Under V Thr on Phase 1 (cleared, > configured period)",
    0x8097: "RMS V below Extreme Under V Thr on Phase 2 (cleared, > configured period)",
    0x8098: "RMS V below Extreme Under V Thr on Phase 3 (cleared, > configured period)",
    0x8099: "RMS V below V Sag Thr (cleared, > configured period)",
    0x809A: "RMS V below V Sag Thr on Phase 1 (cleared, > configured period)",
    0x809B: "RMS V below V Sag Thr on Phase 2 (cleared, > configured period)",
    0x809C: "RMS V below V Sag Thr on Phase 3 (cleared, > configured period)",
    0x810D: "Combined Credit Below Low Credit Thr (prepayment mode)",
    0x810E: "Credit Added Locally",
    0x8119: "Emergency Credit Has Become Available (prepayment mode)",
    0x8145: "Clock adjusted (within tolerance)",
    0x8154: "Immediate HAN Interface Command Received and Successfully Actioned",
    0x8155: "Immediate HAN Interface Command Received but not Successfully Actioned",
    0x8161: "User Interface Command Input and Successfully Actioned",
    0x8162: "User Interface Command Input but not Successfully Actioned",
    0x8168: "Supply Disabled then Armed - Activate Emergency Credit triggered",
    0x8183: "Device joined SMHAN",
    0x8184: "Valve tested",
    0x819D: "GSME Command Not Retrieved",
    0x819E: "Tap Off Message Response or Alert Failure",
    0x81A0: "Smart Meter Integrity Issue - Warning",
    0x81A1: "Battery Cover Closed",
    0x81A2: "CH Connected to ESME",
    0x81A3: "CH Disconnected from ESME",
    0x81A4: "Close Tunnel Command Rejected",
    0x81A5: "Communication From Local Port (e.g. Optical)",
    0x81A6: "Customer Acknowledged Message on HAN Device",
    0x81A7: "Debt Collection Completed - Time Debt 1",
    0x81A8: "Debt Collection Completed - Time Debt 2",
    0x81A9: "Debt Collection Completed - Payment Debt",
    0x81AA: "Emergency Credit Exhausted",
    0x81AB: "Emergency Credit Activated",
    0x81AC: "Error Measurement Fault",
    0x81AD: "Error Metrology Firmware Verification Failure",
    0x81AE: "Error Non Volatile Memory",
    0x81AF: "Error Program Execution",
    0x81B0: "Error Program Storage",
    0x81B1: "Error RAM",
    0x81B2: "Error Unexpected Hardware Reset",
    0x81B3: "Error Watchdog",
    0x81B4: "Excess Gas Flow Beyond Meter Capacity",
    0x81B5: "Flow Sensor Detects Air in Gas Flow",
    0x81B6: "Flow Sensor Detects Reverse Flow of Gas",
    0x81B7: "Incorrect phase sequencing",
    0x81B8: "Incorrect Polarity",
    0x81B9: "Meter Cover Closed",
    0x81BA: "Request Tunnel Command Rejected",
    0x81BB: "Reverse Current",
    0x81BC: "Strong Magnetic Field Removed",
    0x81BD: "Supply Connect Failure (Valve or Load Switch)",
    0x81BE: "Supply Disabled Then Locked - Supply Tamper State Cause",
    0x81BF: "Supply Disabled Then Armed - Uncontrolled Gas Flow Rate",
    0x81C0: "Supply Disconnect Failure (Valve or Load Switch)",
    0x81C1: "Terminal Cover Closed",
    0x81C2: "Tilt Tamper Ended",
    0x81C3: "Tilt Tamper",
    0x81C4: "UTRN Manual Entry Suspended",
    0x81C5: "UTRN rejected as locked out",
    0x81C6: "Clock not adjusted (outside tolerance)",
    0x8F01: "Active Power Import above Load Limit Thr",
    0x8F0A: "Billing Data Log Updated",
    0x8F0C: "Clock not adjusted (adjustment greater than 10 seconds)",
    0x8F0F: "Credit Below Disablement Thr (prepayment mode)",
    0x8F12: "CHF Device Log Changed",
    0x8F1B: "Firmware Verification Failed At Power On",
    0x8F1C: "Firmware Verification Failed",
    0x8F1D: "GSME Power Supply Loss",
    0x8F1E: "Integrity check of content or format of command failed",
    0x8F1F: "Low Battery Capacity",
    0x8F20: "Limited Duty Cycle Action Taken",
    0x8F21: "Duty Cycle fallen below Normal-Limited Duty Cycle Thr",
    0x8F22: "Critical Duty Cycle Action Taken",
    0x8F23: "Duty Cycle fallen below Limited-Critical Duty Cycle Thr",
    0x8F24: "Regulated Duty Cycle Action Taken",
    0x8F25: "Duty Cycle fallen below Critical-Regulated Duty Cycle Thr",
    0x8F26: "Sub GHz Channel Changed",
    0x8F27: "Sub GHz Channel Scan initiated",
    0x8F28: "Sub GHz Channel Scan Request Assessment Outcome",
    0x8F29: "Three Lost GSME Searches Failed",
    0x8F2A: "Sub GHz Configuration Changed",
    0x8F2B: "Sub GHz Channel not changed due to Frequency Agility Parameters",
    0x8F2C: "Message Discarded Due to Duty Cycle Management",
    0x8F2D: "No More Sub GHz Device Capacity",
    0x8F30: "Source Does not have Authority for Command",
    0x8F32: "Supply Armed",
    0x8F33: "Supply Disabled then Armed - Load Limit triggered",
    0x8F34: "Supply Enabled after Load Limit Restoration Period (Load Limit triggered)",
    0x8F35: "Supply Outage Restored",
    0x8F36: "Supply Outage Restored - Outage >= 3 minutes",
    0x8F37: "Supply Outage Restored on Phase 1",
    0x8F38: "Supply Outage Restored on Phase 1 Restored - Outage >= 3 minutes",
    0x8F39: "Supply Outage Restored on Phase 2 Restored",
    0x8F3A: "Supply Outage Restored on Phase 2 Restored - Outage >= 3 minutes",
    0x8F3B: "Supply Outage Restored on Phase 3 Restored",
    0x8F3C: "Supply Outage Restored on Phase 3 Restored - Outage >= 3 minutes",
    0x8F3D: "Trusted Source Authentication Failure",
    0x8F3E: "Unauthorised Communication Access attempted",
    0x8F3F: "Unauth. physical access - Tamper Detect",
    0x8F43: "Change in the executing Firmware version",
    0x8F47: "Credit would cause Meter Balance to exceed Maximum Meter Balance Thr",
    0x8F48: "Device joining failed",
    0x8F49: "Device joining succeeded",
    0x8F4A: "Device Unjoining failed",
    0x8F4B: "Device Unjoining succeeded",
    0x8F4C: "Device's own Digital Signing Certificate replacement failed",
    0x8F4D: "Device's own Digital Signing Certificate replacement succeeded",
    0x8F4E: "Device's own Key Agreement Certificate replacement failed",
    0x8F4F: "Device's own Key Agreement Certificate replacement succeeded",
    0x8F51: "Duplicate UTRN entered",
    0x8F52: "Event Log Cleared",
    0x8F53: "Failed Authentication or Authorisation not covered by other codes",
    0x8F57: "Supply interrupted",
    0x8F58: "Supply interrupted on Phase 1",
    0x8F59: "Supply interrupted on Phase 2",
    0x8F5A: "Supply interrupted on Phase 3",
    0x8F5B: "UTRN exceeds Maximum Credit Thr",
    0x8F60: "Unusual numbers of malformed, out-of-order or unexpected Commands received",
    0x8F63: "UTRN not Authentic",
    0x8F64: "UTRN not for this Device",
    0x8F66: "Future-date HAN Interface Command Successfully Actioned",
    0x8F67: "Future-date HAN Interface Command not Successfully Actioned",
    0x8F69: "Device commissioned",
    0x8F70: "Update Security Credentials",
    0x8F72: "Firmware Verification Successful",
    0x8F73: "Unauth. physical access - Battery Cover Removed",
    0x8F74: "Unauth. physical access - Meter Cover Removed",
    0x8F75: "Unauth. physical access - Strong Magnetic field",
    0x8F76: "Unauth. physical access - Terminal Cover Removed",
    0x8F77: "Unauth. physical access - Second Terminal Cover Removed",
    0x8F78: "Unauth. physical access - Other",
    0x8F82: "Remaining Battery Capacity reset",
    0x8F83: "Disablement of Supply due to insufficient credit has been suspended",
    0x8F84: "Failure to Deliver Remote Party Message to ESME",
    0x8F85: "ECS100 alert (name not published in the RTDS sources)",
    0x8F86: "ECS101 alert (name not published in the RTDS sources)",
    0x8F87: "ECS102 alert (name not published in the RTDS sources)",
    0x8F88: "ECS200 alert (name not published in the RTDS sources)",
    0x8F89: "Firmware transfer alert FAIL",
    0x8F8A: "Firmware transfer alert SUCCESS",
    0x8F8B: "Read Firmware version alert",
})
# fmt: on

#: Alert code → the alert message codes it travels under in RTDS 4.5.0 (§4.2, last column).
# fmt: off
ALERT_CODE_MESSAGE_CODES_IN_RTDS: Final[Mapping[int, tuple[int, ...]]] = MappingProxyType({
    0x8071: (0x00B2,),
    0x810E: (0x1001,),
    0x81A0: (0x00F0, 0x00F2),
    0x8F0A: (0x0061, 0x008B),
    0x8F12: (0x0018,),
    0x8F20: (0x0110,),
    0x8F26: (0x0111,),
    0x8F28: (0x0112,),
    0x8F2A: (0x0113,),
    0x8F2C: (0x0114,),
    0x8F2D: (0x0115,),
    0x8F30: (0x1000,),
    0x8F36: (0x0067,),
    0x8F66: (0x00CA, 0x00CB, 0x00CC, 0x00CD, 0x0124),
    0x8F67: (0x00CA, 0x00CB, 0x0124),
    0x8F72: (0x00CE, 0x00CF),
    0x8F85: (0x0120,),
    0x8F86: (0x0121,),
    0x8F87: (0x0122,),
    0x8F88: (0x0123,),
    0x8F8A: (0x0128,),
    0x8F8B: (0x012B,),
})
# fmt: on

#: 2-byte integrity code carried by the 81A0 alert (message codes 0x00F0 / 0x00F2, §2.2).
METER_INTEGRITY_CODES: Final[Mapping[int, str]] = MappingProxyType(
    {
        0: "other",
        1: "non-volatile memory",
        2: "program execution",
        3: "program storage",
        4: "RAM",
        5: "unexpected hardware reset",
        6: "watchdog",
        7: "metrology firmware verification failure",
        8: "measurement fault",
        9: "unspecified integrity error",
    }
)


# ----------------------------------------------------------------------------
# Constants: ASN.1 enumerations and response codes (gbcs-protocol.md §2.4)
# ----------------------------------------------------------------------------
class DeviceType(enum.IntEnum):
    """Device type in join / device-log structures (§2.4)."""

    GSME = 0
    ESME = 1
    CHF = 2
    GPF = 3
    HCALCS = 4
    PPMID = 5
    TYPE2 = 6


class RemotePartyRole(enum.IntEnum):
    """ASN.1 ``RemotePartyRole`` (§1.5); 8 is the load controller of the DCC Boxed keystore."""

    ROOT = 0
    RECOVERY = 1
    SUPPLIER = 2
    NETWORK_OPERATOR = 3
    ACCESS_CONTROL_BROKER = 4
    TRANSITIONAL_COS = 5
    WAN_PROVIDER = 6
    ISSUING_AUTHORITY = 7
    LOAD_CONTROLLER = 8
    OTHER = 127


class CredentialsReplacementMode(enum.IntEnum):
    """CS02b / CS02g ``credentialsReplacementMode`` (§2.4).

    For 0–9 the CS02b message code is ``0x0100 +`` the mode. 10 and 11 are not in §2.4: they are
    the values carried by the RTDS CS02g vectors (message codes 0x0125 and 0x0126).
    """

    ROOT_BY_SUPPLIER = 0
    ROOT_BY_WAN_PROVIDER = 1
    SUPPLIER_BY_SUPPLIER = 2
    NETWORK_OPERATOR_BY_NETWORK_OPERATOR = 3
    ACB_BY_ACB = 4
    WAN_PROVIDER_BY_WAN_PROVIDER = 5
    TRANS_COS_BY_TRANS_COS = 6
    SUPPLIER_BY_TRANS_COS = 7
    ANY_EXCEPT_ABNORMAL_ROOT_BY_RECOVERY = 8
    ANY_BY_CONTINGENCY = 9
    LOAD_CONTROLLER_BY_LOAD_CONTROLLER = 10
    LOAD_CONTROLLER_BY_SUPPLIER = 11


#: CS02b message code = this base + :class:`CredentialsReplacementMode` (modes 0–9).
CS02B_MESSAGE_CODE_BASE: Final = 0x0100

#: Replacement mode → message code of the update-security-credentials command.
CREDENTIALS_REPLACEMENT_MESSAGE_CODES: Final[Mapping[CredentialsReplacementMode, int]] = (
    MappingProxyType(
        {
            **{
                mode: CS02B_MESSAGE_CODE_BASE + mode
                for mode in CredentialsReplacementMode
                if mode <= CredentialsReplacementMode.ANY_BY_CONTINGENCY
            },
            CredentialsReplacementMode.LOAD_CONTROLLER_BY_LOAD_CONTROLLER: 0x0125,
            CredentialsReplacementMode.LOAD_CONTROLLER_BY_SUPPLIER: 0x0126,
        }
    )
)


class JoinMethodAndRole(enum.IntEnum):
    """CS03 ``joinMethodAndRole`` (§2.4)."""

    METHOD_A_INITIATOR = 0
    METHOD_A_RESPONDER = 1
    METHOD_B = 2
    METHOD_C = 3


class KeyUsageBit(enum.IntEnum):
    """Key-usage bit numbers (first content byte of the BIT STRING, MSB = bit 0; §2.4)."""

    DIGITAL_SIGNATURE = 0
    KEY_AGREEMENT = 4
    KEY_CERT_SIGN = 5
    CRL_SIGN = 6


class CredentialsStatus(enum.IntEnum):
    """``status`` of the CS02a / CS02b trust-anchor cell structures (§2.4)."""

    SUCCESS = 0
    BAD_CERTIFICATE = 5
    NO_TRUST_ANCHOR = 10
    INSUFFICIENT_MEMORY = 17
    TRUST_ANCHOR_NOT_FOUND = 25
    RESOURCES_BUSY = 30
    OTHER = 127


#: CS02c (0x000A) error response INTEGER (a success is a PKCS#10 request instead).
ISSUE_CREDENTIALS_RESPONSE_CODES: Final[Mapping[int, str]] = MappingProxyType(
    {
        1: "invalid key usage",
        2: "key-pair generation failed",
        3: "certification request production failed",
    }
)

#: CS02d (0x000B) response INTEGER.
UPDATE_CERTIFICATE_RESPONSE_CODES: Final[Mapping[int, str]] = MappingProxyType(
    {
        0: "success",
        1: "invalid certificate",
        2: "wrong device identity",
        3: "invalid key usage",
        4: "no corresponding key pair",
        5: "wrong public key",
        6: "storage failed",
        7: "private key change failed",
    }
)

#: CS02e (0x000C) error response INTEGER (a success is the certificate instead).
PROVIDE_CERTIFICATE_RESPONSE_CODES: Final[Mapping[int, str]] = MappingProxyType(
    {
        1: "invalid key usage",
        2: "no certificate held",
        3: "retrieval failure",
    }
)

#: CS03 join (0x000D, 0x000E, 0x00AB, 0x00AF) response INTEGER; also the joinResponseCode of
#: GCS59 (0x008C).
JOIN_RESPONSE_CODES: Final[Mapping[int, str]] = MappingProxyType(
    {
        0: "success",
        1: "invalid message code for join method and role",
        2: "invalid join method and role",
        3: "incompatible with existing entry",
        4: "device log full",
        5: "write failure",
        6: "key agreement: no resources",
        7: "key agreement: unknown issuer",
        8: "key agreement: unsupported suite",
        9: "key agreement: bad message",
        10: "key agreement: bad key confirm",
        11: "invalid or missing certificate",
        12: "no partner link key",
        13: "no CBKE response",
    }
)

#: CS04 unjoin (0x000F, 0x0010) response INTEGER.
UNJOIN_RESPONSE_CODES: Final[Mapping[int, str]] = MappingProxyType(
    {
        0: "success",
        1: "not in device log",
        2: "other failure",
    }
)

#: CS06 (0x0012) ``responseCode``.
ACTIVATE_FIRMWARE_RESPONSE_CODES: Final[Mapping[int, str]] = MappingProxyType(
    {
        0: "success",
        1: "no image held",
        2: "hash mismatch",
        3: "activation failure",
    }
)

#: CS07 (0x0013) ``responseCode``.
READ_JOIN_DETAILS_RESPONSE_CODES: Final[Mapping[int, str]] = MappingProxyType(
    {
        0: "success",
        1: "read failure",
    }
)

#: CCS08 firmware transfer alert (0x0128) ``responseCode``.
FIRMWARE_TRANSFER_RESPONSE_CODES: Final[Mapping[int, str]] = MappingProxyType(
    {
        0: "success",
        1: "image discarded",
        2: "hardware version mismatch",
        3: "transfer failure",
    }
)

#: GCS28 (0x007F) response ``deviceTimeStatus``.
DEVICE_TIME_STATUS: Final[Mapping[int, str]] = MappingProxyType(
    {
        0: "reliable",
        1: "invalid",
        2: "unreliable",
    }
)

#: Message code → table of its ASN.1 response (or, for 0x0128, alert) codes (§2.4).
RESPONSE_CODES: Final[Mapping[int, Mapping[int, str]]] = MappingProxyType(
    {
        0x000A: ISSUE_CREDENTIALS_RESPONSE_CODES,
        0x000B: UPDATE_CERTIFICATE_RESPONSE_CODES,
        0x000C: PROVIDE_CERTIFICATE_RESPONSE_CODES,
        0x000D: JOIN_RESPONSE_CODES,
        0x000E: JOIN_RESPONSE_CODES,
        0x00AB: JOIN_RESPONSE_CODES,
        0x00AF: JOIN_RESPONSE_CODES,
        0x008C: JOIN_RESPONSE_CODES,
        0x000F: UNJOIN_RESPONSE_CODES,
        0x0010: UNJOIN_RESPONSE_CODES,
        0x0012: ACTIVATE_FIRMWARE_RESPONSE_CODES,
        0x0013: READ_JOIN_DETAILS_RESPONSE_CODES,
        0x0128: FIRMWARE_TRANSFER_RESPONSE_CODES,
    }
)


# ----------------------------------------------------------------------------
# Constants: DLMS/COSEM naming (gbcs-protocol.md §2.2)
# ----------------------------------------------------------------------------
#: COSEM interface class id → name: the classes used by the RTDS access-requests. 4, 8, 22, 70
#: and 71 carry their standard DLMS names (P shows them only as "IC n").
COSEM_CLASSES: Final[Mapping[int, str]] = MappingProxyType(
    {
        1: "Data",
        3: "Register",
        4: "Extended Register",
        7: "Profile Generic",
        8: "Clock",
        9: "Script Table",
        10: "Schedule",
        11: "Special Days Table",
        20: "Activity Calendar",
        21: "Register Monitor",
        22: "Single Action Schedule",
        30: "Data Protection",
        70: "Disconnect Control",
        71: "Limiter",
        104: "ZigBee Network Control",
        111: "Account",
        112: "Credit",
        113: "Charge",
        115: "Token Gateway",
        9000: "GBCS Extended Data",
    }
)

# Attribute names (beyond attribute 1) from the "Named objects known to P" table.
# fmt: off
_NAMED_ATTRIBUTES: Final[Mapping[int, Mapping[int, str]]] = {
    1:    {2: "Value"},
    3:    {2: "Value", 3: "Scaler Unit"},
    10:   {2: "Entries"},
    11:   {2: "Entries"},
    20:   {2: "Calendar Name Active", 3: "Season Profile Active", 4: "Week Profile Table Active",
           5: "Day Profile Table Active", 6: "Calendar Name Passive", 7: "Season Profile Passive",
           8: "Week Profile Table Passive", 9: "Day Profile Table Passive",
           10: "Activate Passive Calendar Time"},
    21:   {2: "Thresholds"},
    104:  {2: "Enable Disable Joining", 3: "Join Timeout", 4: "Active Devices"},
    111:  {2: "Account Mode and Status", 3: "Current Credit in Use", 4: "Current Credit Status",
           5: "Available Credit", 6: "Amount to Clear", 7: "Clearance Threshold",
           8: "Aggregated Debt", 9: "Credit Reference List", 10: "Charge Reference List",
           11: "Credit Charge Configuration", 12: "Token Gateway Configuration",
           13: "Account Activation Time"},
    113:  {2: "Total Amount Paid", 3: "Charge Type", 4: "Priority", 5: "Unit Charge Active",
           6: "Unit Charge Passive", 7: "Unit Charge Activation Time", 8: "Period",
           9: "Charge Configuration", 10: "Last Collection Time", 11: "Last Collection Amount",
           12: "Total Amount Remaining", 13: "Proportion"},
    9000: {2: "Value Active", 3: "Scaler Unit Active", 4: "Value Passive",
           5: "Scaler Unit Passive", 6: "Activate Passive Value Time"},
}
# fmt: on

#: Class id → attribute id → name. Attribute 1 of every class is ``logical_name``; further
#: names where P has them.
COSEM_ATTRIBUTES: Final[Mapping[int, Mapping[int, str]]] = MappingProxyType(
    {
        class_id: MappingProxyType({1: "logical_name", **_NAMED_ATTRIBUTES.get(class_id, {})})
        for class_id in COSEM_CLASSES
    }
)

#: Class id → method id → name (the classes for which P names methods).
# fmt: off
COSEM_METHODS: Final[Mapping[int, Mapping[int, str]]] = MappingProxyType({
    7:   MappingProxyType({1: "Reset"}),
    9:   MappingProxyType({1: "Execute"}),
    30:  MappingProxyType({1: "Get Protected Attributes"}),
    104: MappingProxyType({1: "Register Device", 2: "Unregister Device",
                           3: "Unregister All Devices", 4: "Backup PAN", 5: "Restore PAN"}),
    112: MappingProxyType({1: "Update Amount", 2: "Set Amount to Value", 3: "Invoke Credit"}),
    113: MappingProxyType({1: "Update Unit Charge", 2: "Activate Passive Unit Charge",
                           3: "Collect", 4: "Update Total Amount Remaining"}),
    115: MappingProxyType({1: "Enter"}),
})
# fmt: on

# OBIS ("A-B:C.D.E.F", decimal) → (class id, name): the instances P names.
# fmt: off
_OBIS_TABLE: Final[Mapping[str, tuple[int, str]]] = {
    "0-0:94.44.3.1":    (1, "Disable Privacy PIN Protection"),
    "0-0:94.44.3.2":    (1, "Restrict Data Date Time"),
    "0-0:94.44.10.0":   (1, "Sub GHz Configuration Settings"),
    "0-0:94.44.10.1":   (1, "CHF Sub GHz Channel Scan"),
    "0-0:94.44.10.2":   (1, "Operating Sub GHz Channel"),
    "0-0:94.44.34.20":  (1, "Power Import Collection"),
    "0-2:96.13.1.255":  (1, "Supplier Message"),
    "1-0:2.8.0.255":    (3, "Active Export Register"),
    "1-0:4.8.0.255":    (3, "Reactive Export Register"),
    "0-0:99.98.0.255":  (7, "Event Log (inc GPF)"),
    "0-17:99.98.2.255": (7, "Auxiliary Load Control Switch Event Log"),
    "0-0:10.0.100.255": (9, "Tariff Block Counter Matrix TOU"),
    "0-1:12.0.1.255":   (10, "Non-Disablement Calendar"),
    "0-1:11.0.0.255":   (11, "Tariff Switching Table Special Days"),
    "0-1:11.0.1.255":   (11, "Tariff Switching Table Secondary Element Special Days"),
    "0-1:11.0.2.255":   (11, "Non-Disablement Calendar Special Days"),
    "0-0:13.0.0.255":   (20, "Tariff Switching Table"),
    "0-0:13.0.1.255":   (20, "Tariff Switching Table Secondary Element"),
    "0-0:16.1.11.255":  (21, "Tariff Threshold Matrix Blocks TOU1"),
    "0-0:16.1.12.255":  (21, "Tariff Threshold Matrix Blocks TOU2"),
    "0-0:16.1.13.255":  (21, "Tariff Threshold Matrix Blocks TOU3"),
    "0-0:16.1.14.255":  (21, "Tariff Threshold Matrix Blocks TOU4"),
    "0-0:16.1.15.255":  (21, "Tariff Threshold Matrix Blocks TOU5"),
    "0-0:16.1.16.255":  (21, "Tariff Threshold Matrix Blocks TOU6"),
    "0-0:16.1.17.255":  (21, "Tariff Threshold Matrix Blocks TOU7"),
    "0-0:16.1.18.255":  (21, "Tariff Threshold Matrix Blocks TOU8"),
    "0-0:43.2.8.255":   (30, "Import Register Collection"),
    "0-0:43.2.9.255":   (30, "Tariff TOU Register Collection"),
    "0-0:43.2.10.255":  (30, "Tariff Block TOU Register Collection"),
    "0-0:30.3.0.255":   (104, "Device Log (CHF)"),
    "0-1:19.0.0.255":   (111, "SuspendDebtDisabled / SuspendDebtEmergency / Payment Mode"),
    "0-0:19.10.0.255":  (112, "Meter Balance"),
    "0-0:19.10.1.255":  (112, "Emergency Credit Balance"),
    "0-0:19.10.2.255":  (112, "Accumulated Debt Register"),
    "0-0:19.20.0.255":  (113, "Tariff Block Price Matrix TOU"),
    "0-0:19.20.1.255":  (113, "Debt Recovery Rates 1"),
    "0-0:19.20.2.255":  (113, "Debt Recovery Rates 2"),
    "0-0:19.20.3.255":  (113, "Debt Recovery per Payment"),
    "0-0:19.20.4.255":  (113, "Standing Charge"),
    "0-0:19.20.5.255":  (113, "Secondary Tariff TOU Price Matrix"),
    "0-0:19.40.0.255":  (115, "Prepayment Credit"),
    "0-0:63.1.1.255":   (9000, "Tariff Threshold Matrix"),
    "0-0:94.44.2.0":    (9000, "Currency Unit"),
    "0-0:94.44.2.10":   (9000, "Prepayment Credit Max Credit Threshold"),
    "0-0:94.44.2.20":   (9000, "Prepayment Credit Max Meter Balance"),
    "0-0:94.44.128.3":  (9000, "Emergency Credit Threshold"),
    "0-0:94.44.128.9":  (9000, "Low Credit Threshold"),
    "0-0:94.44.128.12": (9000, "Debt Recovery Rate Cap Amount"),
    "0-0:94.44.128.2":  (9000, "Emergency Credit Limit"),
    "0-0:94.44.128.13": (9000, "Debt Recovery Rate Cap Period"),
    "0-0:94.44.128.22": (9000, "Disablement Threshold Meter Balance"),
    "0-0:94.44.128.28": (9000, "Non-Disablement Calendar"),
    "0-0:94.44.128.29": (9000, "Tariff Switching Table Special Days"),
    "0-0:94.44.128.30": (9000, "Tariff Switching Table Secondary Element Special Days"),
    "0-0:94.44.128.31": (9000, "Non-Disablement Calendar Special Days"),
    "0-0:96.13.0.255":  (9000, "Contact Details Supplier Telephone Number"),
    "0-0:96.13.1.255":  (9000, "Contact Detail Supplier Name"),
}
# fmt: on

#: OBIS code written ``"A-B:C.D.E.F"`` (decimal) → object name.
OBIS_NAMES: Final[Mapping[str, str]] = MappingProxyType(
    {obis: name for obis, (_, name) in _OBIS_TABLE.items()}
)

#: OBIS code written ``"A-B:C.D.E.F"`` → COSEM class id of that object.
OBIS_CLASSES: Final[Mapping[str, int]] = MappingProxyType(
    {obis: class_id for obis, (class_id, _) in _OBIS_TABLE.items()}
)


def obis_text(six_bytes: bytes) -> str:
    """The ``"A-B:C.D.E.F"`` form (decimal values) of a 6-byte OBIS code."""
    if len(six_bytes) != 6:
        raise DecodeError(f"an OBIS code has 6 bytes, got {len(six_bytes)}")
    a, b, c, d, e, f = six_bytes
    return f"{a}-{b}:{c}.{d}.{e}.{f}"


def obis_name(six_bytes: bytes) -> str | None:
    """The name of a 6-byte OBIS code, or ``None`` if it is not a named object."""
    return OBIS_NAMES.get(obis_text(six_bytes))


#: DLMS data-access-result / action-result codes (§2.2 "Result codes (P)").
DATA_ACCESS_RESULTS: Final[Mapping[int, str]] = MappingProxyType(
    {
        0: "success",
        1: "hardware fault",
        2: "temporary failure",
        3: "read/write denied",
        4: "object undefined",
        9: "object class inconsistent",
        11: "object unavailable",
        12: "type unmatched",
        13: "scope of access violated",
        14: "data block unavailable",
        15: "long get/action aborted",
        16: "no long get/action in progress",
        17: "long set aborted",
        18: "no long set in progress",
        19: "data block number invalid",
        250: "other reason",
    }
)


# ----------------------------------------------------------------------------
# Constants: ZCL (gbcs-protocol.md §2.3)
# ----------------------------------------------------------------------------
#: ZCL status codes (§2.3 "ZCL status codes (P)").
ZCL_STATUS: Final[Mapping[int, str]] = MappingProxyType(
    {
        0x00: "success",
        0x01: "failure",
        0x7E: "not authorized",
        0x7F: "reserved field not zero",
        0x80: "malformed command",
        0x81: "unsupported cluster command",
        0x82: "unsupported general command",
        0x83: "unsupported manufacturer cluster command",
        0x84: "unsupported manufacturer general command",
        0x85: "invalid field",
        0x86: "unsupported attribute",
        0x87: "invalid value",
        0x88: "read only",
        0x89: "insufficient space",
        0x8A: "duplicate exists",
        0x8B: "not found",
        0x8C: "unreportable attribute",
        0x8D: "invalid data type",
        0x8E: "invalid selector",
        0x8F: "write only",
        0x90: "inconsistent startup state",
        0x91: "defined out of band",
        0x92: "inconsistent",
        0x93: "action denied",
        0x94: "timeout",
        0x95: "abort",
        0x96: "invalid image",
        0x97: "wait for data",
        0x98: "no image available",
        0x99: "require more image",
        0xC0: "hardware failure",
        0xC1: "software failure",
        0xC2: "calibration error",
    }
)
