# SPDX-License-Identifier: GPL-3.0-or-later
"""Sans-I/O COSEM server: the DLMS/COSEM application model of an emulated ESME and of the
Comms Hub Function (gbcs-protocol.md §2.2 and Appendix A; DLMS Blue Book interface classes
1, 3, 4, 7, 8, 9, 10, 11, 20, 21, 22, 30, 70, 71, 104, 111, 112, 113, 115 and GBCS 9000).

* :class:`CosemServer` answers decoded access-requests (``handle``), runs future-dated
  activations (``tick``) and snapshots / restores its state (``state``);
* :data:`ESME_PROFILE`, :data:`ESME_TWIN_PROFILE`, :func:`esme_profile` and
  :data:`CHF_PROFILE` are the object tables;
* :mod:`gfi.emulators.cosem.classes` holds the interface classes,
  :mod:`gfi.emulators.cosem.logs` the compact log store.
"""

from __future__ import annotations

from gfi.emulators.cosem.chf import CHF_PROFILE
from gfi.emulators.cosem.classes import CLASSES, CosemError, CosemObject, Selection
from gfi.emulators.cosem.esme import ESME_PROFILE, ESME_TWIN_PROFILE, HH_LOG_ENTRIES, esme_profile
from gfi.emulators.cosem.logs import Column, ColumnarLog, LogSpec
from gfi.emulators.cosem.profile import AccessRule, ObjectDecl, Profile, obj
from gfi.emulators.cosem.server import STATE_FORMAT, CosemServer, PendingActivation, UtrnValidator

__all__ = [
    "CHF_PROFILE",
    "CLASSES",
    "ESME_PROFILE",
    "ESME_TWIN_PROFILE",
    "HH_LOG_ENTRIES",
    "STATE_FORMAT",
    "AccessRule",
    "Column",
    "ColumnarLog",
    "CosemError",
    "CosemObject",
    "CosemServer",
    "LogSpec",
    "ObjectDecl",
    "PendingActivation",
    "Profile",
    "Selection",
    "UtrnValidator",
    "esme_profile",
    "obj",
]
