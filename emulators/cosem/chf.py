# SPDX-License-Identifier: GPL-3.0-or-later
"""The Comms Hub Function's DLMS object model: the objects gbcs-protocol.md Appendix A lists
for the CHF commands 0x0001-0x0004 (CCS01-CCS05), 0x0092-0x0094 (ECS26i, ECS35c/d),
0x00FA (ECS26n), 0x00FE (CCS07) and 0x010A-0x010F (DBCH01-05, CCS06), plus the clock and
the UTC time object the log reads restrict on.

The device logs are ZigBee Network Control objects (class 104): 0-0:30.3.0.255 the CHF
device log, 0-0:30.3.1.255 the GPF device log (CCS07 backs both up). Initial contents have
the types (and, for the device lists, the devices) of the RTDS responses.
"""

from __future__ import annotations

# ----------------------------------------------------------------------------
# Imports
# ----------------------------------------------------------------------------
import logging
from typing import Final

from gfi.codecs.gbcs.catalogue import RemotePartyRole
from gfi.emulators.cosem.esme import data, time_column
from gfi.emulators.cosem.logs import Column, LogSpec
from gfi.emulators.cosem.profile import METER_PARTIES, AccessRule, Profile, obj
from gfi.emulators.cosem.values import (
    Item,
    arr,
    bits,
    boolean,
    dlu,
    dt,
    integer,
    lu,
    octets,
    st,
    unsigned,
)

# ----------------------------------------------------------------------------
# Logging
# ----------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
#: Who may talk to the CHF: the meter parties and the WAN provider.
CHF_ACCESS: Final = AccessRule.same(METER_PARTIES | {RemotePartyRole.WAN_PROVIDER})

_CHF_DEVICES = (("00DB1234567890A0", "83FED3407A939723A5C639B26916D506"),
                ("00DB1234567890A1", "83FED3407A939723A5C639B26916D505"))
_GPF_DEVICES = (("00DB1234567890A3", "00112233445566778899A1A2A3A4A5A6"),
                ("00DB1234567890A4", "A1A2A3A4A5A600112233445566778899"))

_EVENT_CODES = (0x8154, 0x8155, 0x8F66, 0x8F67)
_SECURITY_CODES = (0x8F1C, 0x8F84, 0x8F12)


def active_device(eui: str, rssi: tuple[int, int, int], lqi: tuple[int, int, int],
                  last: Item) -> Item:
    """ZigBee Network Control active_device entry (14 members, RTDS CCS05/CCS04 shape)."""
    return st(octets(eui), bits(8, "C8"), *(integer(v) for v in rssi),
              *(unsigned(v) for v in lqi), last, unsigned(1), unsigned(0), unsigned(100),
              unsigned(1), unsigned(1))


def _events(salt: str, codes: tuple[int, ...]) -> LogSpec:
    return LogSpec((time_column(),
                    Column("long-unsigned", (1, "0-0:96.11.0.255", 2, 0), kind="choice",
                           choices=codes),
                    Column("octet-string", (1, "0-0:96.11.0.255", 2, 1), kind="choice",
                           choices=("", "009B", "0090"))),
                   period=2700, capacity=100, jitter=True, salt=salt)


# fmt: off
CHF_OBJECTS: Final = (
    data("0-0:96.1.1.255", "Device Identity", octets("00DB1234567890A2"),
         source="device_id", read_only=(2,)),
    data("0-0:96.1.4.255", "Manufacturer Identifier (ECS26i/n)", octets("4154475479706559"),
         read_only=(2,)),
    data("0-0:96.1.6.255", "Model / Version (ECS26i/n)", octets("43535720"), read_only=(2,)),
    data("0-0:94.44.100.255", "UTC Date Time (GBCS UTC seconds)", dlu(0),
         source="utc_seconds", read_only=(2,)),
    data("0-0:94.44.10.0", "Sub GHz Configuration Settings", st(
        bits(32, "E0000006"), bits(32, "E8000006"), bits(32, "F0000006"), bits(32, "F8000006"),
        lu(130), lu(220), unsigned(5), lu(7), unsigned(7), unsigned(12), lu(6000),
        unsigned(130), lu(100), lu(4000), lu(3000))),
    data("0-0:94.44.10.1", "CHF Sub GHz Channel Scan", unsigned(0)),
    data("0-0:94.44.10.2", "Operating Sub GHz Channel", bits(32, "E0000001"), read_only=(2,)),
    obj(7, "0-0:94.44.10.3", "Sub GHz Channel Log", log=LogSpec((
        time_column(),
        Column("bit-string", (1, "0-0:94.44.10.2", 2, 0), kind="choice", choices=(
            {"bits": 32, "value": "E0000001"}, {"bits": 32, "value": "E8000006"}))),
        period=86400, capacity=100, jitter=True, salt="chf-94.44.10.3")),
    obj(7, "0-0:99.98.0.255", "Event Log", log=_events("chf-99.98.0", _EVENT_CODES)),
    obj(7, "0-0:99.98.1.255", "Security Log", log=_events("chf-99.98.1", _SECURITY_CODES)),
    obj(8, "0-0:1.0.0.255", "Clock"),
    obj(104, "0-0:30.3.0.255", "Device Log (CHF)", {
        2: boolean(False), 3: lu(60), 4: arr(
            active_device("00DB1234567890A0", (-35, -50, -100), (2, 39, 247),
                          octets("07DE0C1F03173200008000FF")),
            active_device("00DB1234567890A1", (-34, -54, -77), (1, 96, 205),
                          octets("07DE0C1F03172800008000FF")))},
        devices=_CHF_DEVICES, extended_pan_id="0001020304050607"),
    obj(104, "0-0:30.3.1.255", "Device Log (GPF)", {
        2: boolean(False), 3: lu(60), 4: arr(
            active_device("00DB1234567890A3", (-40, -55, -90), (3, 40, 200), dt(2014, 12, 31)),
            active_device("00DB1234567890A4", (-41, -56, -91), (3, 41, 201), dt(2014, 12, 31)))},
        devices=_GPF_DEVICES, extended_pan_id="0001020304050607"),
)
# fmt: on

#: The Comms Hub Function profile.
CHF_PROFILE: Final = Profile(name="CHF", device_type="CHF", objects=CHF_OBJECTS,
                             access=CHF_ACCESS)

__all__ = ["CHF_ACCESS", "CHF_OBJECTS", "CHF_PROFILE", "active_device"]
