# SPDX-License-Identifier: GPL-3.0-or-later
"""The registry of ZCL clusters and its lookups.

Importing this module declares every cluster gfi knows (house style §3, rule 4):

* ZCL general (07-5123): Basic 0x0000, Identify 0x0003, Time 0x000A, OTA Upgrade 0x0019
  (:mod:`gfi.codecs.zcl.general`);
* ZigBee SE 1.4 (07-5356): Price 0x0700, Demand Response and Load Control 0x0701, Metering
  0x0702, Messaging 0x0703, Tunneling 0x0704, Prepayment 0x0705, Calendar 0x0707, Device
  Management 0x0708, Events 0x0709 and Key Establishment 0x0800
  (:mod:`~gfi.codecs.zcl.price`, :mod:`~gfi.codecs.zcl.drlc`, :mod:`~gfi.codecs.zcl.metering`,
  :mod:`~gfi.codecs.zcl.prepayment`, :mod:`~gfi.codecs.zcl.smart_energy`,
  :mod:`~gfi.codecs.zcl.general`).

Lookups return ``None`` for what is not declared; callers keep such payloads as raw bytes
(gbcs-protocol.md §2.3 lists what GBCS needs).
"""

from __future__ import annotations

from typing import Any

from gfi.codecs.zcl import drlc, general, metering, prepayment, price, smart_energy
from gfi.codecs.zcl.registry import (
    CLUSTERS,
    GLOBAL_ATTRIBUTES,
    AttributeDef,
    ClusterDef,
    CommandDef,
    Direction,
)

__all__ = [
    "BASIC",
    "CALENDAR",
    "CLUSTERS",
    "DEVICE_MANAGEMENT",
    "DRLC",
    "EVENTS",
    "IDENTIFY",
    "KEY_ESTABLISHMENT",
    "MESSAGING",
    "METERING",
    "OTA_UPGRADE",
    "PREPAYMENT",
    "PRICE",
    "TIME",
    "TUNNELING",
    "attribute_def",
    "cluster_def",
    "cluster_name",
    "command_def",
    "command_schema",
    "find_command",
]

BASIC = general.BASIC
IDENTIFY = general.IDENTIFY
TIME = general.TIME
OTA_UPGRADE = general.OTA_UPGRADE
KEY_ESTABLISHMENT = general.KEY_ESTABLISHMENT
PRICE = price.PRICE
DRLC = drlc.DRLC
METERING = metering.METERING
MESSAGING = smart_energy.MESSAGING
TUNNELING = smart_energy.TUNNELING
PREPAYMENT = prepayment.PREPAYMENT
CALENDAR = smart_energy.CALENDAR
DEVICE_MANAGEMENT = smart_energy.DEVICE_MANAGEMENT
EVENTS = smart_energy.EVENTS


def cluster_def(cluster_id: int) -> ClusterDef | None:
    """The declaration of a cluster, or ``None``."""
    return CLUSTERS.get(cluster_id)


def cluster_name(cluster_id: int) -> str | None:
    """The snake_case name of a cluster, or ``None``."""
    found = CLUSTERS.get(cluster_id)
    return None if found is None else found.name


def command_def(cluster_id: int, command_id: int, direction: Any) -> CommandDef | None:
    """The cluster-specific command ``command_id`` travelling in ``direction``
    (:class:`Direction`, ``0``/``1`` or its name), or ``None``."""
    found = CLUSTERS.get(cluster_id)
    if found is None:
        return None
    return found.commands(Direction.of(direction)).get(command_id)


def command_schema(cluster_id: int, command_id: int, direction: Any) -> Any | None:
    """The payload schema of a cluster-specific command, or ``None`` when unknown (the payload
    then stays raw bytes)."""
    found = command_def(cluster_id, command_id, direction)
    return None if found is None else found.schema


def find_command(cluster_id: int, name: str) -> CommandDef | None:
    """A cluster-specific command by name (either direction), for emulators that build
    commands by name."""
    found = CLUSTERS.get(cluster_id)
    if found is None:
        return None
    for table in (found.client_to_server, found.server_to_client):
        for command in table.values():
            if command.name == name:
                return command
    return None


def attribute_def(
    cluster_id: int, attribute_id: int, *, server: bool = True
) -> AttributeDef | None:
    """An attribute of a cluster's server (default) or client side, including the global
    attributes, or ``None``."""
    found = CLUSTERS.get(cluster_id)
    if found is not None:
        table = found.attributes if server else found.client_attributes
        if attribute_id in table:
            return table[attribute_id]
    return GLOBAL_ATTRIBUTES.get(attribute_id)
