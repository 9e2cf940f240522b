# SPDX-License-Identifier: GPL-3.0-or-later
"""The bundled Use Case library: every GBCS use case of the catalogue (:mod:`.library`, one
mechanism over the declared data of :mod:`.catalogue`), the alert-only use cases
(:mod:`.alerts`; the Comms Hub's sub-GHz alerts in :mod:`.alerts_hub`, the device events
in :mod:`.alerts_device`), the security negatives (:mod:`.negatives`) and the MHHS campaign
(:mod:`.mhhs`).

:func:`load_bundled` registers them all in :data:`gfi.api.REGISTRY` (once).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gfi.api import UseCase

_loaded = False


def load_bundled() -> None:
    """Register the bundled Use Cases in gfi.api.REGISTRY (idempotent)."""
    global _loaded
    if _loaded:
        return
    from gfi.api import REGISTRY
    from gfi.usecases import (  # noqa: F401  (@usecase registers)
        alerts,
        alerts_device,
        alerts_hub,
        library,
        mhhs,
        negatives,
    )

    library.register(REGISTRY)
    _loaded = True


def rtds_coverage(usecases: Iterable[UseCase]) -> tuple[dict[int, list[str]], list[int]]:
    """Which of the message codes RTDS has vectors for (gbcs-protocol.md §3, R counts) the
    Use Cases exercise: (code → ids of the Use Cases exercising it, codes none exercises)."""
    from gfi.codecs.gbcs.catalogue import MESSAGE_CODES

    rtds = sorted(code for code, info in MESSAGE_CODES.items() if any(info.rtds_counts))
    by_code: dict[int, list[str]] = {code: [] for code in rtds}
    for uc in usecases:
        for code in uc.message_codes:
            if code in by_code:
                by_code[code].append(uc.id)
    return ({c: ids for c, ids in by_code.items() if ids},
            [c for c, ids in by_code.items() if not ids])
