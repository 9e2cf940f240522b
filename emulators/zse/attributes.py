# SPDX-License-Identifier: GPL-3.0-or-later
"""A generic ZCL attribute server: the attributes of one cluster's server side, with the
profile-wide commands that act on them (ZigBee Cluster Library 07-5123 chapter 2: Read
Attributes, Write Attributes, Report Attributes, Discover Attributes; gbcs-protocol.md §2.3
"Read Attributes Response" record format and ZCL status codes).

An :class:`AttributeStore` holds ``attribute id → (ZCL data type, value)``. The data types come
from the cluster registry (:mod:`gfi.codecs.zcl.clusters`) and are never re-declared here:
declaring an attribute the registry does not know is an error. Values are JSON-native, in the
form the ZCL codec decodes to (ints, hex strings for octet strings, ``str`` for character
strings, ``{"year", …}`` objects for dates), so records go straight into
:func:`gfi.codecs.gbcs.gbz.encode_zcl_command_payload`.

The store is used by the GSME model (:mod:`gfi.emulators.zse.server`), the GPF mirror
(:mod:`gfi.emulators.zse.mirror`) and the other HAN device emulators (ESME, IHD, PPMID, CAD).

Records (as the codec's trees)::

    read:    {"attribute_id", "status": "success", "data_type": "uint48", "value": 5}
             {"attribute_id", "status": "unsupported_attribute", "data_type": None, "value": None}
    write:   {"status": "success", "attribute_id": None}          (all written)
             {"status": "read_only", "attribute_id": 0x0000}       (one per failure)
    report:  {"attribute_id", "data_type": "uint48", "value": 5}
"""

from __future__ import annotations

# ----------------------------------------------------------------------------
# Imports
# ----------------------------------------------------------------------------
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import construct as cs

from gfi.codecs.zcl import ZclStatus, attribute_def, cluster_def, type_schema
from gfi.codecs.zcl.types import TYPE_NAMES, type_id

# ----------------------------------------------------------------------------
# Logging
# ----------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
#: Status names as the codec's ``Status`` enum shows them.
STATUS_NAMES: dict[int, str] = {s.value: s.name.lower() for s in ZclStatus}


def status_name(status: int) -> str:
    """The tree name of a ZCL status (``"unsupported_attribute"``)."""
    return STATUS_NAMES.get(int(status), str(int(status)))


def type_name(data_type: int) -> str:
    """The tree name of a ZCL data type (``"uint48"``)."""
    name = TYPE_NAMES.get(int(data_type))
    if name is None:
        raise ValueError(f"unknown ZCL data type 0x{data_type:02X}")
    return name


def check_value(data_type: int, value: Any) -> bool:
    """Whether ``value`` is a valid value of ``data_type`` (it encodes)."""
    try:
        type_schema(data_type).build(value)
    except (cs.ConstructError, ValueError, TypeError, KeyError, OverflowError, AttributeError):
        return False
    return True


# ----------------------------------------------------------------------------
# Classes
# ----------------------------------------------------------------------------
class AttributeStore:
    """The server-side attributes of one cluster.

    ``values`` declares the attributes the device supports with their initial values; the
    types come from the registry (``server=False`` for a cluster's client side). ``writable``
    lists the attributes a Write Attributes command may change (the others answer
    ``read_only``). Every change made through :meth:`set` or a write is remembered until
    :meth:`take_changes`, which is what the device reports (e.g. a GSME to its GPF mirror).
    """

    def __init__(
        self,
        cluster_id: int,
        values: Mapping[int, Any] | None = None,
        *,
        writable: Iterable[int] = (),
        server: bool = True,
    ) -> None:
        if cluster_def(cluster_id) is None:
            raise ValueError(f"cluster 0x{cluster_id:04X} is not in the ZCL registry")
        self.cluster_id = cluster_id
        self.server = server
        self._attributes: dict[int, tuple[int, Any]] = {}
        self._writable: set[int] = set()
        self._dirty: set[int] = set()
        for attribute_id, value in (values or {}).items():
            self.declare(attribute_id, value)
        for attribute_id in writable:
            if attribute_id not in self._attributes:
                raise ValueError(
                    f"writable attribute 0x{attribute_id:04X} of cluster "
                    f"0x{cluster_id:04X} is not declared"
                )
            self._writable.add(attribute_id)
        self._dirty = set(self._attributes)

    # -- declaration and access ----------------------------------------------
    def type_of(self, attribute_id: int) -> int:
        """The registry's data type of an attribute of this cluster."""
        found = attribute_def(self.cluster_id, attribute_id, server=self.server)
        if found is None:
            raise ValueError(
                f"attribute 0x{attribute_id:04X} is not in the registry for cluster "
                f"0x{self.cluster_id:04X}"
            )
        return found.type_id

    def declare(self, attribute_id: int, value: Any) -> None:
        """Support an attribute (type from the registry) with an initial value."""
        data_type = self.type_of(attribute_id)
        if not check_value(data_type, value):
            raise ValueError(
                f"{value!r} is not a valid {type_name(data_type)} for attribute "
                f"0x{attribute_id:04X} of cluster 0x{self.cluster_id:04X}"
            )
        self._attributes[attribute_id] = (data_type, value)
        self._dirty.add(attribute_id)

    def __contains__(self, attribute_id: object) -> bool:
        return attribute_id in self._attributes

    def ids(self) -> list[int]:
        """The supported attribute ids, ascending."""
        return sorted(self._attributes)

    def get(self, attribute_id: int, default: Any = None) -> Any:
        """An attribute's value (``default`` when not supported)."""
        found = self._attributes.get(attribute_id)
        return default if found is None else found[1]

    def set(self, attribute_id: int, value: Any) -> bool:
        """Change a supported attribute (device-side logic, no access check); returns whether
        the value changed. Raises :class:`ValueError` for an unsupported attribute or a value
        of the wrong type."""
        found = self._attributes.get(attribute_id)
        if found is None:
            raise ValueError(
                f"attribute 0x{attribute_id:04X} of cluster 0x{self.cluster_id:04X} "
                "is not supported"
            )
        data_type, old = found
        if not check_value(data_type, value):
            raise ValueError(
                f"{value!r} is not a valid {type_name(data_type)} for attribute "
                f"0x{attribute_id:04X} of cluster 0x{self.cluster_id:04X}"
            )
        if old == value and type(old) is type(value):
            return False
        self._attributes[attribute_id] = (data_type, value)
        self._dirty.add(attribute_id)
        return True

    def is_writable(self, attribute_id: int) -> bool:
        return attribute_id in self._writable

    # -- profile-wide commands -------------------------------------------------
    def read(self, attribute_ids: Sequence[int]) -> list[dict[str, Any]]:
        """Read Attributes Response records, one per requested id, in request order."""
        records = []
        for attribute_id in attribute_ids:
            found = self._attributes.get(attribute_id)
            if found is None:
                records.append(
                    {
                        "attribute_id": attribute_id,
                        "status": status_name(ZclStatus.UNSUPPORTED_ATTRIBUTE),
                        "data_type": None,
                        "value": None,
                    }
                )
            else:
                records.append(
                    {
                        "attribute_id": attribute_id,
                        "status": status_name(ZclStatus.SUCCESS),
                        "data_type": type_name(found[0]),
                        "value": found[1],
                    }
                )
        return records

    def check_write(self, record: Mapping[str, Any]) -> ZclStatus:
        """The status a write record would get (ZCL 2.5.3.3: unsupported, read only,
        invalid data type, invalid value)."""
        attribute_id = record.get("attribute_id")
        if not isinstance(attribute_id, int) or attribute_id not in self._attributes:
            return ZclStatus.UNSUPPORTED_ATTRIBUTE
        if attribute_id not in self._writable:
            return ZclStatus.READ_ONLY
        data_type = self._attributes[attribute_id][0]
        try:
            given = type_id(record.get("data_type"))
        except ValueError:
            return ZclStatus.INVALID_DATA_TYPE
        if given != data_type:
            return ZclStatus.INVALID_DATA_TYPE
        if not check_value(data_type, record.get("value")):
            return ZclStatus.INVALID_VALUE
        return ZclStatus.SUCCESS

    def write(
        self, records: Sequence[Mapping[str, Any]], *, undivided: bool = False
    ) -> list[dict[str, Any]]:
        """Apply Write Attributes records; returns the Write Attributes Response records
        (a lone success record when every write succeeded). ``undivided`` (Write Attributes
        Undivided) writes nothing unless every record can be written."""
        statuses = [(record, self.check_write(record)) for record in records]
        failures = [(r, s) for r, s in statuses if s is not ZclStatus.SUCCESS]
        if not (undivided and failures):
            for record, status in statuses:
                if status is ZclStatus.SUCCESS:
                    self.set(int(record["attribute_id"]), record["value"])
        if not failures:
            return [{"status": status_name(ZclStatus.SUCCESS), "attribute_id": None}]
        return [
            {"status": status_name(status), "attribute_id": record.get("attribute_id")}
            for record, status in failures
        ]

    def discover(self, start: int, maximum: int) -> tuple[bool, list[dict[str, Any]]]:
        """Discover Attributes: (discovery complete, records from ``start`` on)."""
        ids = [a for a in self.ids() if a >= start]
        chosen = ids[: max(0, maximum)]
        records = [
            {"attribute_id": a, "data_type": type_name(self._attributes[a][0])} for a in chosen
        ]
        return len(chosen) == len(ids), records

    def report(self, attribute_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
        """Report Attributes records of ``attribute_ids`` (default: all), ascending."""
        wanted = self.ids() if attribute_ids is None else sorted(set(attribute_ids))
        return [
            {
                "attribute_id": a,
                "data_type": type_name(self._attributes[a][0]),
                "value": self._attributes[a][1],
            }
            for a in wanted
            if a in self._attributes
        ]

    def changes(self) -> list[int]:
        """Attributes changed since the last :meth:`take_changes`, ascending."""
        return sorted(self._dirty)

    def take_changes(self) -> list[dict[str, Any]]:
        """Report records of the changed attributes, and forget the changes."""
        records = self.report(self._dirty)
        self._dirty.clear()
        return records

    # -- state -----------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """A JSON-serialisable snapshot of the store."""
        return {
            "cluster_id": self.cluster_id,
            "server": self.server,
            "attributes": {
                f"{a:04X}": [data_type, value]
                for a, (data_type, value) in sorted(self._attributes.items())
            },
            "writable": sorted(self._writable),
            "dirty": sorted(self._dirty),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> AttributeStore:
        """The store :meth:`state` describes (types are checked against the registry)."""
        store = cls(int(state["cluster_id"]), server=bool(state.get("server", True)))
        for key, (data_type, value) in state["attributes"].items():
            attribute_id = int(key, 16)
            if store.type_of(attribute_id) != data_type:
                raise ValueError(
                    f"attribute 0x{attribute_id:04X} of cluster 0x{store.cluster_id:04X}: "
                    f"state says type 0x{data_type:02X}, the registry another"
                )
            store.declare(attribute_id, value)
        store._writable = {int(a) for a in state.get("writable", [])}
        store._dirty = {int(a) for a in state.get("dirty", [])}
        return store
