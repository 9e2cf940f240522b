# SPDX-License-Identifier: GPL-3.0-or-later
"""The GPF side of gas mirroring (product.md §4.3; ZigBee SE 1.4 annex D.3, Metering
mirroring): the sleepy GSME pushes attribute reports to its mirror on the Comms Hub's Gas
Proxy Function about every 30 minutes, and the GPF answers many remote-party reads (GCS13a/b/c,
GCS14 …) from the mirror without waking the meter.

A :class:`MirrorStore` keeps one :class:`~gfi.emulators.zse.attributes.AttributeStore` per
mirrored cluster. :meth:`MirrorStore.apply` takes what
:meth:`gfi.emulators.zse.server.GbzServer.mirror_reports` gives (``(cluster id, [report
records])``); :meth:`MirrorStore.read` answers Read Attributes from what was reported, so an
attribute the GSME never reported reads as ``unsupported_attribute`` on the GPF.
"""

from __future__ import annotations

# ----------------------------------------------------------------------------
# Imports
# ----------------------------------------------------------------------------
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from gfi.codecs.zcl.types import type_id
from gfi.emulators.zse.attributes import AttributeStore

# ----------------------------------------------------------------------------
# Logging
# ----------------------------------------------------------------------------
logger = logging.getLogger(__name__)

#: One mirror report: a cluster and its Report Attributes records.
MirrorReport = tuple[int, Sequence[Mapping[str, Any]]]


# ----------------------------------------------------------------------------
# Classes
# ----------------------------------------------------------------------------
class MirrorStore:
    """Mirrored attributes of one metering device, per cluster."""

    def __init__(self, state: Mapping[str, Any] | None = None) -> None:
        self._stores: dict[int, AttributeStore] = {}
        #: ZCL UTC time of the last report applied (``None`` before the first).
        self.last_report: int | None = None
        if state is not None:
            for store_state in state.get("clusters", []):
                store = AttributeStore.from_state(store_state)
                self._stores[store.cluster_id] = store
            last = state.get("last_report")
            self.last_report = None if last is None else int(last)

    def apply(self, reports: Iterable[MirrorReport], *, at: int | None = None) -> list[str]:
        """Apply attribute reports; returns notes on what changed or was refused (a record
        whose data type differs from the registry's is refused)."""
        notes = []
        for cluster_id, records in reports:
            store = self._stores.get(cluster_id)
            if store is None:
                store = AttributeStore(cluster_id)
                self._stores[cluster_id] = store
            for record in records:
                attribute_id = int(record["attribute_id"])
                try:
                    declared = store.type_of(attribute_id)
                    if type_id(record["data_type"]) != declared:
                        raise ValueError("data type differs from the registry's")
                    if attribute_id in store:
                        changed = store.set(attribute_id, record["value"])
                    else:
                        store.declare(attribute_id, record["value"])
                        changed = True
                except (ValueError, KeyError) as exc:
                    notes.append(f"mirror 0x{cluster_id:04X}/0x{attribute_id:04X} refused: {exc}")
                    logger.debug("mirror report refused: %04X/%04X %s", cluster_id,
                                 attribute_id, exc)
                    continue
                if changed:
                    notes.append(f"mirror 0x{cluster_id:04X}/0x{attribute_id:04X} = "
                                 f"{record['value']!r}")
        if at is not None:
            self.last_report = at
        return notes

    def clusters(self) -> list[int]:
        return sorted(self._stores)

    def store(self, cluster_id: int) -> AttributeStore | None:
        """The mirrored attributes of a cluster, or ``None`` when nothing was reported."""
        return self._stores.get(cluster_id)

    def read(self, cluster_id: int, attribute_ids: Sequence[int]) -> list[dict[str, Any]]:
        """Read Attributes Response records from the mirror."""
        store = self._stores.get(cluster_id)
        if store is None:
            store = AttributeStore(cluster_id)
        return store.read(attribute_ids)

    def state(self) -> dict[str, Any]:
        """JSON-serialisable and complete; ``MirrorStore(state)`` restores it."""
        return {
            "clusters": [self._stores[c].state() for c in sorted(self._stores)],
            "last_report": self.last_report,
        }
