# SPDX-License-Identifier: GPL-3.0-or-later
"""The bundled Use Case library: every GBCS use case of the catalogue (:mod:`.library`, one
mechanism over the declared data of :mod:`.catalogue`), the alert-only use cases
(:mod:`.alerts`), the security negatives (:mod:`.negatives`) and the MHHS campaign
(:mod:`.mhhs`).

:func:`load_bundled` registers them all in :data:`gfi.api.REGISTRY` (once).
"""

from __future__ import annotations

_loaded = False


def load_bundled() -> None:
    """Register the bundled Use Cases in gfi.api.REGISTRY (idempotent)."""
    global _loaded
    if _loaded:
        return
    from gfi.api import REGISTRY
    from gfi.usecases import alerts, library, mhhs, negatives  # noqa: F401  (@usecase registers)

    library.register(REGISTRY)
    _loaded = True
