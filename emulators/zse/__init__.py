# SPDX-License-Identifier: GPL-3.0-or-later
"""ZigBee Smart Energy application models (ZigBee SE 1.4, 07-5356; gbcs-protocol.md §2.3):

* :class:`AttributeStore` — a generic ZCL attribute server per cluster (Read / Write / Report
  Attributes), reused by the ESME, IHD, PPMID and CAD emulators;
* :class:`ZseProfile` and :data:`GSME_PROFILE` — declarative device profiles;
* :class:`GbzServer` — the GSME's (and, with a :class:`MirrorStore`, the GPF's) answers to
  GBZ commands, with future dating, prepayment, tariffs, calendars and derived history;
* :class:`MirrorStore` — the GPF side of gas mirroring (product.md §4.3).

All sans-I/O: no radio, no clock, no unseeded randomness (house style §7 rule 2).
"""

from __future__ import annotations

from gfi.emulators.zse.attributes import AttributeStore
from gfi.emulators.zse.mirror import MirrorStore
from gfi.emulators.zse.profiles import GSME_PROFILE, ZseProfile, calendar_spec
from gfi.emulators.zse.server import GbzServer, UtrnValidator

__all__ = [
    "GSME_PROFILE",
    "AttributeStore",
    "GbzServer",
    "MirrorStore",
    "UtrnValidator",
    "ZseProfile",
    "calendar_spec",
]
