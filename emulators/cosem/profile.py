# SPDX-License-Identifier: GPL-3.0-or-later
"""Device profiles for the COSEM server: a profile is a table of object declarations
(class id, OBIS ``"A-B:C.D.E.F"``, initial attribute values, options) plus the remote-party
role table and a few behaviour switches (house style rule 11: profile data, not code).

Roles are the ``RemotePartyRole`` numbers (gbcs-protocol.md §1.5). By default every
attribute a class marks writable may be written, every attribute read and every method
invoked by the roles of the profile's :class:`AccessRule`; a declaration can narrow that
with its own rule or mark attributes read-only.
"""

from __future__ import annotations

# ----------------------------------------------------------------------------
# Imports
# ----------------------------------------------------------------------------
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from gfi.codecs.gbcs.catalogue import RemotePartyRole
from gfi.emulators.cosem.classes import CLASSES
from gfi.emulators.cosem.values import Item, is_item

# ----------------------------------------------------------------------------
# Logging
# ----------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------
_OBIS: Final = re.compile(r"(\d{1,3})-(\d{1,3}):(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})")

#: Remote parties that talk to a meter in GBCS (supplier, network operator, ACB,
#: transitional CoS, load controller).
METER_PARTIES: Final = frozenset(
    {
        RemotePartyRole.SUPPLIER, RemotePartyRole.NETWORK_OPERATOR,
        RemotePartyRole.ACCESS_CONTROL_BROKER, RemotePartyRole.TRANSITIONAL_COS,
        RemotePartyRole.LOAD_CONTROLLER,
    }
)


def valid_obis(text: Any) -> bool:
    """``"A-B:C.D.E.F"`` with every value 0..255."""
    match = _OBIS.fullmatch(text) if isinstance(text, str) else None
    return match is not None and all(int(g) <= 255 for g in match.groups())


# ----------------------------------------------------------------------------
# Declarations
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class AccessRule:
    """Which remote-party roles may read attributes, write (writable) attributes and
    invoke methods of an object."""

    read: frozenset[int]
    write: frozenset[int]
    invoke: frozenset[int]

    @classmethod
    def same(cls, roles: Iterable[int]) -> AccessRule:
        chosen = frozenset(int(r) for r in roles)
        return cls(chosen, chosen, chosen)


@dataclass(frozen=True)
class ObjectDecl:
    """One COSEM object of a profile."""

    #: COSEM interface class id (one of :data:`gfi.emulators.cosem.classes.CLASSES`).
    class_id: int
    #: Logical name ``"A-B:C.D.E.F"``.
    obis: str
    #: What the object is (the GBCS name where one is known).
    name: str
    #: Initial attribute values (attribute id → data item); the class supplies defaults.
    values: Mapping[int, Item] = field(default_factory=dict)
    #: Class-specific options (``log``, ``source``, ``activates``, ``open_scripts``, …).
    options: Mapping[str, Any] = field(default_factory=dict)
    #: Role table for this object (``None``: the profile's).
    access: AccessRule | None = None
    #: Alternative data types a set may carry (attribute id → templates); by default the
    #: initial value is the only template.
    templates: Mapping[int, tuple[Item, ...]] = field(default_factory=dict)
    #: Attributes no remote party may write, beyond those the class makes read-only.
    read_only: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        if self.class_id not in CLASSES:
            raise ValueError(f"{self.obis}: unknown COSEM class {self.class_id}")
        if not valid_obis(self.obis):
            raise ValueError(f"bad OBIS code {self.obis!r}")
        attributes = CLASSES[self.class_id].attributes
        for attribute_id, value in [*self.values.items(),
                                    *((a, t) for a, ts in self.templates.items() for t in ts)]:
            if attribute_id not in attributes or attribute_id == 1:
                raise ValueError(f"{self.obis}: class {self.class_id} has no settable "
                                 f"attribute {attribute_id}")
            if not is_item(value):
                raise ValueError(f"{self.obis} attribute {attribute_id}: not a data item")


#: Default role table of a profile: the meter parties may read, write and invoke.
DEFAULT_ACCESS: Final = AccessRule.same(METER_PARTIES)
#: Prepayment balances: every meter party reads; only the supplier changes them (ECS04a/b,
#: ECS09; gbcs-protocol.md §3).
SUPPLIER_CHANGES: Final = AccessRule(METER_PARTIES, frozenset({RemotePartyRole.SUPPLIER}),
                                     frozenset({RemotePartyRole.SUPPLIER}))


def obj(class_id: int, obis: str, name: str, values: Mapping[int, Item] | None = None, *,
        access: AccessRule | None = None, templates: Mapping[int, tuple[Item, ...]] | None = None,
        read_only: Iterable[int] = (), **options: Any) -> ObjectDecl:
    """One table row: ``obj(3, "1-0:2.8.0.255", "Active Export Register", {2: dlu(0)})``."""
    return ObjectDecl(class_id, obis, name, dict(values or {}), dict(options), access,
                      dict(templates or {}), frozenset(read_only))


@dataclass(frozen=True)
class Profile:
    """A device's object model and behaviour switches."""

    #: Profile name (stored in the server state; a state only restores into its profile).
    name: str
    #: Device type the profile emulates ("ESME", "CHF").
    device_type: str
    #: The objects, one declaration per instance.
    objects: tuple[ObjectDecl, ...]
    #: Default role table.
    access: AccessRule = DEFAULT_ACCESS
    #: Seed of the synthetic log contents.
    seed: int = 1
    #: After the first failed specification, answer the rest 250 without executing them
    #: (what every RTDS ERROR response shows).
    abort_on_failure: bool = True
    #: Result of reading the buffer of a log that holds no entries at all (0: an empty
    #: buffer).
    empty_log_result: int = 0
    #: Money units (scaler -5 in the RTDS price and balance values) per penny of a UTRN.
    money_per_penny: int = 1000

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for decl in self.objects:
            if decl.obis in seen:
                raise ValueError(f"profile {self.name}: {decl.obis} declared twice")
            seen.add(decl.obis)

    def find(self, obis: str) -> ObjectDecl | None:
        for decl in self.objects:
            if decl.obis == obis:
                return decl
        return None

    def with_objects(self, overrides: Iterable[ObjectDecl], *, name: str | None = None,
                     **changes: Any) -> Profile:
        """A copy where declarations with the OBIS of an override are replaced by it and
        new ones are appended (plus any field ``changes``)."""
        table = {decl.obis: decl for decl in self.objects}
        for decl in overrides:
            table[decl.obis] = decl
        return replace(self, name=name or self.name, objects=tuple(table.values()), **changes)

    def counts(self) -> dict[int, int]:
        """Number of instances per class id."""
        out: dict[int, int] = {}
        for decl in self.objects:
            out[decl.class_id] = out.get(decl.class_id, 0) + 1
        return dict(sorted(out.items()))
