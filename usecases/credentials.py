# SPDX-License-Identifier: GPL-3.0-or-later
"""Security credentials a credential Use Case needs, computed at run time from the session's
premises (the library default holds placeholders of the right shape: usecases/data/generate.py
``CS02B_MODES``, PROVENANCE.md).

CS02b modes without an RTDS command (rootBySupplier, rootByWanProvider, supplierBySupplier,
wanProviderByWanProvider, supplierByTransCoS, anyExceptAbnormalRootByRecovery,
anyByContingency): for every cell the default names, a new certificate for the organisation
the premises trusts in that role — a new key pair issued by the issuing authority of gfi's
test SMKI (:class:`~gfi.emulators.identity.TestSmki`), or its root for the root cell — with
that issuing authority as the certification path; for anyByContingency also the plaintext
symmetric key that unwraps the contingency key the devices hold (gbcs-protocol.md §2.4).
Once the device reports success the head end adopts the new keys: it signs, MACs and checks
with them from then on, as the organisation would (:func:`adopt`).

CS02d: the target device's DS certificate re-issued by the CA of the device's certificates,
for the device's own key (gbcs-protocol.md §2.4: the subject must be the device).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization

from gfi.codecs.security.keystore import KeyEntry, KeyUsage
from gfi.premises import Premises
from gfi.usecases.catalogue import UseCaseDef, VariantDef

logger = logging.getLogger(__name__)

#: Label prefix of the keys the head end adopts (:meth:`InMemoryKeyStore.prefer`).
ADOPTED = "gfi-smki"
#: Trust anchor cell (key usage, cell usage) → key store usage (gbcs-protocol.md §2.4).
_USAGES = {("digitalSignature", 0): KeyUsage.DS, ("keyAgreement", 0): KeyUsage.KA,
           ("keyAgreement", 1): KeyUsage.PP_KA}


@dataclass
class Credentials:
    """Payload overrides for one command, and the keys the head end adopts on success."""

    overrides: dict[str, Any]
    keys: list[KeyEntry] = field(default_factory=list)


def _der(cert: Any) -> str:
    return str(cert.public_bytes(serialization.Encoding.DER).hex().upper())


def _party(premises: Premises, role: int) -> str:
    """The entity id of the organisation the premises trusts in ``role``."""
    for entry in premises.trust:
        if entry.role == role:
            return entry.entity
    raise LookupError(f"the premises trusts no remote party of role {role}")


def credentials_for(premises: Premises, defn: UseCaseDef, variant: VariantDef,
                    device: str) -> Credentials | None:
    """The credentials of a library default that holds placeholders (module docstring);
    None for every other variant (RTDS commands carry their own)."""
    if variant.name != "default":
        return None
    if defn.message_code == 0x000B:
        ident = premises.identities[device]
        assert ident.ds_key is not None
        cert = premises.ca.issue(ident.eui64, KeyUsage.DS, ident.ds_key.public_key(),
                                 generation=2)
        return Credentials({"certificate": _der(cert)})
    if not 0x0100 <= defn.message_code <= 0x0109:
        return None
    smki = premises.smki
    out = Credentials({})
    replacements = []
    for item in variant.payload.get("replacements", []):
        cell = item["target_ta_cell_id"]
        role, usage = int(cell["role"]), str(cell["key_usage"][0])
        if role == 0:
            replacements.append({"certificate": _der(smki.root), "target_ta_cell_id": cell})
            continue
        entity = _party(premises, role)
        store_usage = _USAGES[usage, int(cell.get("cell_usage") or 0)]
        key, cert = smki.issue(entity, role, store_usage)
        replacements.append({"certificate": _der(cert), "target_ta_cell_id": cell})
        out.keys.append(KeyEntry(entity, store_usage, key.public_key(), key, cert,
                                 [f"{ADOPTED}-{entity}-{store_usage.value}"], role))
    out.overrides = {"replacements": replacements, "certification_path": [_der(smki.ia)]}
    if variant.payload["control"].get("plaintext_symmetric_key") is not None:
        out.overrides["control_plaintext_symmetric_key"] = \
            smki.contingency_wrapping_key.hex().upper()
    return out


def adopt(premises: Premises, credentials: Credentials) -> None:
    """The head end uses the new keys from now on (the device has taken them)."""
    keys = premises.head.keys
    for entry in credentials.keys:
        keys.add(entry)
    keys.prefer(ADOPTED)
    logger.info("head end adopts %d new key(s)", len(credentials.keys))
