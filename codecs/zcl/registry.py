# SPDX-License-Identifier: GPL-3.0-or-later
"""The declaration vocabulary of ZCL clusters (house style §3: zigpy's declarative clusters;
rule 4: a registering call builds the id → definition table).

A cluster is declared once, as data, with :func:`cluster`::

    METERING = cluster(
        0x0702, "metering",
        attributes={0x0000: ("current_summation_delivered", ZclType.UINT48), ...},
        client_to_server={0x06: ("get_snapshot", GetSnapshot), ...},
        server_to_client={0x06: ("publish_snapshot", PublishSnapshot), ...},
    )

Command payload schemas are module-level construct structures, used to decode and to encode,
by both the client and the server side of a cluster. Directions follow the ZCL frame control
bit 3: ``client_to_server`` = commands a server receives (zigpy's "server commands"),
``server_to_client`` = commands a client receives (zigpy's "client commands"). Names are the
ZigBee SE 1.4 / ZCL names in snake_case.

Lookups live in :mod:`gfi.codecs.zcl.clusters`, which imports every cluster module first.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import construct as cs

from gfi.codecs.primitives import HexBytes


class Direction(enum.IntEnum):
    """ZCL frame control bit 3."""

    CLIENT_TO_SERVER = 0
    SERVER_TO_CLIENT = 1

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def of(cls, value: Any) -> Direction:
        """A direction from an enum member, ``0``/``1`` or ``"client_to_server"``/…"""
        if isinstance(value, str):
            try:
                return cls[value.upper()]
            except KeyError:
                raise ValueError(f"unknown direction {value!r}") from None
        return cls(int(value))


@dataclass(frozen=True)
class AttributeDef:
    """One attribute: id, snake_case name, ZCL data type id."""

    id: int
    name: str
    type_id: int


@dataclass(frozen=True)
class CommandDef:
    """One command: id, snake_case name, payload schema, and the direction it travels in
    (``None`` for the profile-wide commands, which travel either way)."""

    id: int
    name: str
    schema: Any = field(repr=False)
    direction: Direction | None = None


@dataclass(frozen=True)
class ClusterDef:
    """One cluster: id, name, server and client attributes, and the commands of each
    direction."""

    id: int
    name: str
    attributes: Mapping[int, AttributeDef]
    client_attributes: Mapping[int, AttributeDef]
    client_to_server: Mapping[int, CommandDef]
    server_to_client: Mapping[int, CommandDef]

    def commands(self, direction: Direction) -> Mapping[int, CommandDef]:
        if direction is Direction.CLIENT_TO_SERVER:
            return self.client_to_server
        return self.server_to_client

    def attribute_by_name(self, name: str) -> AttributeDef | None:
        for table in (self.attributes, self.client_attributes):
            for attr in table.values():
                if attr.name == name:
                    return attr
        return None


#: Every declared cluster, by id (filled by :func:`cluster`).
CLUSTERS: dict[int, ClusterDef] = {}

#: The payload of a command that has none.
Empty = cs.Struct()

#: Bytes kept as they are: the ``{"raw": hex}`` payload of unknown commands and sub-payloads.
RawRest = cs.Struct("raw" / HexBytes(cs.GreedyBytes))

AttributeTable = Mapping[int, tuple[str, int]]
CommandTable = Mapping[int, tuple[str, Any]]


def _attributes(table: AttributeTable) -> dict[int, AttributeDef]:
    return {i: AttributeDef(i, name, int(t)) for i, (name, t) in table.items()}


def _commands(table: CommandTable, direction: Direction) -> dict[int, CommandDef]:
    return {i: CommandDef(i, name, schema, direction) for i, (name, schema) in table.items()}


def cluster(
    cluster_id: int,
    name: str,
    *,
    attributes: AttributeTable | None = None,
    client_attributes: AttributeTable | None = None,
    client_to_server: CommandTable | None = None,
    server_to_client: CommandTable | None = None,
) -> ClusterDef:
    """Declare and register a cluster."""
    if cluster_id in CLUSTERS:
        raise ValueError(f"cluster 0x{cluster_id:04X} declared twice")
    definition = ClusterDef(
        id=cluster_id,
        name=name,
        attributes=_attributes(attributes or {}),
        client_attributes=_attributes(client_attributes or {}),
        client_to_server=_commands(client_to_server or {}, Direction.CLIENT_TO_SERVER),
        server_to_client=_commands(server_to_client or {}, Direction.SERVER_TO_CLIENT),
    )
    CLUSTERS[cluster_id] = definition
    return definition


# Global attributes every cluster has (ZCL chapter 2, global attributes).
GLOBAL_ATTRIBUTES: dict[int, AttributeDef] = _attributes(
    {
        0xFFFD: ("cluster_revision", 0x21),
        0xFFFE: ("attribute_reporting_status", 0x30),
    }
)
