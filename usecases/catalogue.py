# SPDX-License-Identifier: GPL-3.0-or-later
"""The Use Case library's catalogue: one :class:`UseCaseDef` per GBCS message code.

The entries are data, loaded from the package file ``gfi/usecases/data/library.json`` that
:mod:`gfi.usecases.data.generate` writes from the vendored RTDS 4.5.0 vectors (gbcs-protocol.md
§5) and the documentation tables (§3 catalogue, Appendix A DLMS objects, Appendix B ZCL
content); ``data/PROVENANCE.md`` says where every value comes from. A plain install needs
neither the vectors nor the documents.

* ``id`` is the GBCS use-case name of §3 (``"ECS17b"``). Where one name covers several message
  codes (CS02b, CS02g) the RTDS folder qualifier of §5.3 is appended
  (``"CS02bSupplierBySupplier"``); alerts without a use-case name get the RTDS folder name
  (``"FDRA-DLMS"``, ``"GCA"``, …) or an acronym of the §3 name (``"FDEA-DLMS"``).
* Several RTDS folders sharing one code (0x0055 ECS47Activate / Deactivate / Reset) are
  variants of that code's one entry, named ``<QUALIFIER>_<RTDS variant>``
  (``"ACTIVATE_SUCCESS"``).
* Alert-only codes (§3 notes) are entries with ``alert_only=True`` and no variants: the
  runtime expects them, it does not send them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from gfi.codecs.gbcs.catalogue import Criticality, PayloadFamily
from gfi.usecases.errors import UnknownUseCase, UnknownVariant

#: Where the generated library lives inside the installed package.
LIBRARY_PACKAGE = "gfi.usecases.data"
LIBRARY_FILE = "library.json"

#: Values of :attr:`UseCaseDef.source`.
SOURCES = ("rtds", "appendix", "spec")


@dataclass(frozen=True)
class VariantDef:
    """One way of running a use case: an RTDS scenario, or ``"default"`` for a built entry."""

    #: RTDS file-name variant (``"SUCCESS"``, ``"FUTURE_DATED_SUCCESS"``, …) or ``"default"``.
    name: str
    #: The command payload as the JSON tree :func:`gfi.codecs.gbcs.decoder.encode_payload`
    #: takes (informational ``*_name`` keys removed).
    payload: dict[str, Any] = field(hash=False)
    #: Grouping-header needs, as keyword arguments of :func:`gfi.codecs.gbcs.build.command`
    #: (``supplementary_remote_party_id``, ``supplementary_remote_party_counter``,
    #: ``certificate`` and ``date_time`` as hex), plus ``execution``: ``"immediate"``,
    #: ``"future-dated"`` or ``"cancellation"`` when the RTDS variant says so.
    header: dict[str, Any] = field(default_factory=dict, hash=False)
    #: Alert message codes the RTDS scenario shows after the response (one per alert vector,
    #: e.g. six 0x00CC alerts for a future-dated ECS01a).
    expects_alerts: tuple[int, ...] = ()
    #: Vendored vector files of the scenario, relative to ``tests/vectors/rtds/vectors``.
    rtds: tuple[str, ...] = ()
    #: For payloads not taken from this use case's own RTDS command: where each value came
    #: from (Appendix A/B spec, example of the same object in another vector, zero placeholder).
    placeholders: tuple[str, ...] = ()
    #: The RTDS command's originator and recipient entity ids and originator counter ("" /
    #: 0 for a built entry): the runtime sends from / to the same parties.
    originator: str = ""
    recipient: str = ""
    counter: int = 0
    #: The RTDS response of the scenario, summarised (generate.response_summary), or None.
    response: dict[str, Any] | None = field(default=None, hash=False)


@dataclass(frozen=True)
class UseCaseDef:
    """One GBCS message code as a declared use case (gbcs-protocol.md §3)."""

    id: str
    message_code: int
    title: str
    #: Device types (§3 "Target"; for alerts the sending device), ``*``/``?`` marks removed.
    target: tuple[str, ...]
    family: PayloadFamily
    criticality: Criticality
    variants: tuple[VariantDef, ...]
    tags: tuple[str, ...]
    #: ``"rtds"`` when vendored RTDS vectors carry the code (the variants with a COMMAND
    #: vector use its decoded payload), ``"appendix"`` when the payload is built from
    #: Appendix A/B only, ``"spec"`` otherwise (ASN.1 schema, or nothing to build).
    source: str
    alert_only: bool = False
    buildable: bool = True
    #: Why the entry cannot be built (empty when it can).
    reason: str = ""
    #: Every vendored vector file carrying this message code (commands, responses, alerts).
    rtds: tuple[str, ...] = ()

    @property
    def default_variant(self) -> VariantDef:
        """The variant ``"default"`` stands for: the first one (the generator puts an
        immediate, successful scenario first)."""
        if not self.variants:
            raise UnknownVariant(f"{self.id} has no variants"
                                 + (" (alert-only)" if self.alert_only else f": {self.reason}"))
        return self.variants[0]

    def variant(self, name: str = "default") -> VariantDef:
        """The variant called ``name``; ``"default"`` gives :attr:`default_variant`."""
        for variant in self.variants:
            if variant.name == name:
                return variant
        if name == "default":
            return self.default_variant
        names = ", ".join(v.name for v in self.variants) or "none"
        raise UnknownVariant(f"{self.id} has no variant {name!r}; variants: {names}")


# ----------------------------------------------------------------------------
# Loading
# ----------------------------------------------------------------------------
def _code(text: str | int) -> int:
    return text if isinstance(text, int) else int(text, 16)


def _variant(raw: Mapping[str, Any]) -> VariantDef:
    return VariantDef(
        name=raw["name"],
        payload=raw["payload"],
        header=dict(raw.get("header", {})),
        expects_alerts=tuple(_code(c) for c in raw.get("expects_alerts", ())),
        rtds=tuple(raw.get("rtds", ())),
        placeholders=tuple(raw.get("placeholders", ())),
        originator=raw.get("originator", ""),
        recipient=raw.get("recipient", ""),
        counter=int(raw.get("counter", 0)),
        response=raw.get("response"),
    )


def _entry(raw: Mapping[str, Any]) -> UseCaseDef:
    return UseCaseDef(
        id=raw["id"],
        message_code=_code(raw["message_code"]),
        title=raw["title"],
        target=tuple(raw["target"]),
        family=PayloadFamily(raw["family"]),
        criticality=Criticality(raw["criticality"]),
        variants=tuple(_variant(v) for v in raw.get("variants", ())),
        tags=tuple(raw.get("tags", ())),
        source=raw["source"],
        alert_only=bool(raw.get("alert_only", False)),
        buildable=bool(raw.get("buildable", True)),
        reason=raw.get("reason", ""),
        rtds=tuple(raw.get("rtds", ())),
    )


@functools.cache
def use_cases() -> tuple[UseCaseDef, ...]:
    """Every entry of the library, in message-code order (read once, then cached)."""
    text = resources.files(LIBRARY_PACKAGE).joinpath(LIBRARY_FILE).read_text(encoding="utf-8")
    return tuple(_entry(raw) for raw in json.loads(text)["use_cases"])


@functools.cache
def _by_id() -> Mapping[str, UseCaseDef]:
    return {d.id: d for d in use_cases()}


@functools.cache
def _by_code() -> Mapping[int, UseCaseDef]:
    return {d.message_code: d for d in use_cases()}


def get(use_case_id: str) -> UseCaseDef:
    """The entry with that id (exact, then case-insensitive)."""
    found = _by_id().get(use_case_id)
    if found is None:
        folded = {k.casefold(): v for k, v in _by_id().items()}
        found = folded.get(use_case_id.casefold())
    if found is None:
        raise UnknownUseCase(f"no use case {use_case_id!r} in the library")
    return found


def by_message_code(code: int) -> UseCaseDef:
    """The entry of a message code (each code has exactly one)."""
    found = _by_code().get(code)
    if found is None:
        raise UnknownUseCase(f"no use case has message code 0x{code:04X}")
    return found
