# SPDX-License-Identifier: GPL-3.0-or-later
"""Key store: the keys gfi signs, MACs, verifies and decrypts with (gbcs-security.md §2).

A key is looked up by entity id (EUI-64, 16 hex digits) and usage: ``ds`` (digital
signing), ``ka`` (key agreement) or ``pp-ka`` (the supplier's prepayment key agreement key,
used only for UTRNs). An entity may hold several keys of one usage (e.g. the DCC Boxed
``Z1`` and ``Z1b`` sets): verification tries each; signing uses the first.

This module is pure: it parses key material handed to it as bytes or text.
:mod:`gfi.keys` reads key directories and files from disk.
"""

from __future__ import annotations

import enum
import json
import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gfi.errors import KeyNotFound, KeyStoreError

#: The Access Control Broker whose KA key MACs every command (gbcs-security.md §1.2).
DEFAULT_ACB = "90B3D51F30000002"


class KeyUsage(enum.Enum):
    """What a key is for."""

    DS = "ds"
    KA = "ka"
    PP_KA = "pp-ka"

    @property
    def title(self) -> str:
        return {
            "ds": "digital signing",
            "ka": "key agreement",
            "pp-ka": "prepayment key agreement",
        }[self.value]


def normalise_entity(entity: str | bytes) -> str:
    """An entity id as 16 uppercase hex digits (separators such as ``-`` or ``:`` allowed)."""
    if isinstance(entity, bytes | bytearray):
        if len(entity) != 8:
            raise KeyStoreError(f"entity id must be 8 bytes, got {len(entity)}")
        return bytes(entity).hex().upper()
    text = re.sub(r"[\s:\-]", "", entity).upper()
    if not re.fullmatch(r"[0-9A-F]{16}", text):
        raise KeyStoreError(f"entity id {entity!r} is not 16 hex digits")
    return text


def _public_bytes(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


@dataclass
class KeyEntry:
    """One key pair (public part always, private part when known)."""

    entity: str
    usage: KeyUsage
    public_key: ec.EllipticCurvePublicKey
    private_key: ec.EllipticCurvePrivateKey | None = None
    certificate: x509.Certificate | None = None
    labels: list[str] = field(default_factory=list)
    role: int | None = None

    @property
    def label(self) -> str:
        return ", ".join(self.labels) if self.labels else f"{self.entity}-{self.usage.value}"

    @property
    def fingerprint(self) -> bytes:
        return _public_bytes(self.public_key)


class KeyStore(Protocol):
    """What the security functions need from a key store."""

    def keys(self, entity: str, usage: KeyUsage) -> Sequence[KeyEntry]: ...


class InMemoryKeyStore:
    """A key store held in memory; entries of the same public key are merged."""

    def __init__(self, entries: Iterable[KeyEntry] = ()) -> None:
        self._by_key: dict[tuple[str, KeyUsage], list[KeyEntry]] = {}
        self.warnings: list[str] = []
        for entry in entries:
            self.add(entry)

    # -- building ---------------------------------------------------------------------------
    def add(self, entry: KeyEntry) -> KeyEntry:
        entry.entity = normalise_entity(entry.entity)
        bucket = self._by_key.setdefault((entry.entity, entry.usage), [])
        for existing in bucket:
            if existing.fingerprint == entry.fingerprint:
                existing.private_key = existing.private_key or entry.private_key
                existing.certificate = existing.certificate or entry.certificate
                existing.role = existing.role if existing.role is not None else entry.role
                existing.labels.extend(lbl for lbl in entry.labels if lbl not in existing.labels)
                return existing
        bucket.append(entry)
        return entry

    def add_pem(self, entity: str, usage: KeyUsage, data: bytes, label: str = "",
                role: int | None = None) -> KeyEntry:
        """Add a certificate, a public key or a PKCS#8 private key (PEM or DER)."""
        public, private, cert = parse_key_material(data, what=label or f"{entity}-{usage.value}")
        return self.add(KeyEntry(entity, usage, public, private, cert,
                                 [label] if label else [], role))

    def add_private_key(self, entity: str, usage: KeyUsage,
                        private_key: ec.EllipticCurvePrivateKey, label: str = "",
                        certificate: x509.Certificate | None = None) -> KeyEntry:
        return self.add(KeyEntry(entity, usage, private_key.public_key(), private_key,
                                 certificate, [label] if label else []))

    def add_public_key(self, entity: str, usage: KeyUsage,
                       public_key: ec.EllipticCurvePublicKey, label: str = "") -> KeyEntry:
        return self.add(KeyEntry(entity, usage, public_key, None, None,
                                 [label] if label else []))

    def prefer(self, label_prefix: str) -> None:
        """Put keys with a label starting ``label_prefix`` first within each entity and usage
        (the order signing and MACing pick keys in)."""
        for bucket in self._by_key.values():
            bucket.sort(key=lambda e: not any(lbl.startswith(label_prefix) for lbl in e.labels))

    def merge(self, other: InMemoryKeyStore) -> None:
        for entry in other:
            self.add(KeyEntry(entry.entity, entry.usage, entry.public_key, entry.private_key,
                              entry.certificate, list(entry.labels), entry.role))
        self.warnings.extend(other.warnings)

    # -- looking up -------------------------------------------------------------------------
    def keys(self, entity: str, usage: KeyUsage) -> Sequence[KeyEntry]:
        return tuple(self._by_key.get((normalise_entity(entity), usage), ()))

    def private_keys(self, entity: str, usage: KeyUsage) -> list[KeyEntry]:
        return [e for e in self.keys(entity, usage) if e.private_key is not None]

    def signing_key(self, entity: str) -> ec.EllipticCurvePrivateKey:
        """The first DS private key of ``entity``; :class:`KeyNotFound` names what is missing."""
        for entry in self.private_keys(entity, KeyUsage.DS):
            assert entry.private_key is not None
            return entry.private_key
        raise KeyNotFound(normalise_entity(entity), KeyUsage.DS.title, private=True,
                          detail=self._have(entity))

    def agreement_key(self, entity: str, usage: KeyUsage = KeyUsage.KA,
                      ) -> ec.EllipticCurvePrivateKey:
        for entry in self.private_keys(entity, usage):
            assert entry.private_key is not None
            return entry.private_key
        raise KeyNotFound(normalise_entity(entity), usage.title, private=True,
                          detail=self._have(entity))

    def _have(self, entity: str) -> str:
        held = [f"{u.value}{'(private)' if any(e.private_key for e in es) else '(public)'}"
                for (ent, u), es in self._by_key.items() if ent == normalise_entity(entity)]
        return "the key store holds " + (", ".join(held) if held else "nothing") + " for it"

    def __iter__(self) -> Iterator[KeyEntry]:
        for bucket in self._by_key.values():
            yield from bucket

    def __len__(self) -> int:
        return sum(len(b) for b in self._by_key.values())

    def entities(self) -> list[str]:
        return sorted({ent for ent, _ in self._by_key})


# ----------------------------------------------------------------------------
# Parsing key material
# ----------------------------------------------------------------------------
def parse_key_material(
    data: bytes, *, what: str = "key"
) -> tuple[ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey | None,
           x509.Certificate | None]:
    """(public key, private key or None, certificate or None) from PEM or DER bytes holding
    an X.509 certificate, a SubjectPublicKeyInfo or a PKCS#8 / SEC1 private key."""
    errors: list[str] = []
    pem = b"-----BEGIN" in data
    loaders: list[tuple[str, Any]] = (
        [("certificate", x509.load_pem_x509_certificate),
         ("private key", lambda d: serialization.load_pem_private_key(d, password=None)),
         ("public key", serialization.load_pem_public_key)]
        if pem else
        [("certificate", x509.load_der_x509_certificate),
         ("private key", lambda d: serialization.load_der_private_key(d, password=None)),
         ("public key", serialization.load_der_public_key)]
    )
    for kind, loader in loaders:
        try:
            with warnings.catch_warnings():
                # certificates with NULL signature-algorithm parameters (the DCC Boxed mdr-*
                # set) load with a deprecation warning; they are test certificates we accept
                warnings.simplefilter("ignore")
                obj = loader(data)
        except (ValueError, TypeError) as exc:
            errors.append(f"{kind}: {exc}")
            continue
        if kind == "certificate":
            pub = obj.public_key()
            if not isinstance(pub, ec.EllipticCurvePublicKey):
                raise KeyStoreError(f"{what}: certificate does not hold an EC public key")
            return pub, None, obj
        if kind == "private key":
            if not isinstance(obj, ec.EllipticCurvePrivateKey):
                raise KeyStoreError(f"{what}: private key is not an EC key")
            return obj.public_key(), obj, None
        if not isinstance(obj, ec.EllipticCurvePublicKey):
            raise KeyStoreError(f"{what}: public key is not an EC key")
        return obj, None, None
    raise KeyStoreError(f"{what}: not a certificate, public key or private key ({errors[0]})")


_ROLE_USAGE = {"digitalSignature": KeyUsage.DS, "keyAgreement": KeyUsage.KA}


#: Roles of DUIS/DSP XML signing keys (gbcs-security.md §1.8): not GBCS keys, never loaded.
XML_SIGNING_ROLES = frozenset({135, 137})


def parse_dccboxed_keystore(text: str, *, what: str = "keystore.json",
                            prefer: str = "Z1-") -> InMemoryKeyStore:
    """The DCC Boxed ``keystore.json`` format (gbcs-security.md §2.1): EUI → usage → serial →
    {certificate, privateKey, role, name}. Entries whose name ends in ``PP-ka`` are the
    supplier's prepayment KA keys; DUIS/DSP XML signing keys (roles 135, 137) are skipped.
    Entries whose name starts with ``prefer`` come first, so signing and MACing use that set
    (``Z1-``, which the RTDS vectors verify with; ``Z1b-`` for a newer DCC Boxed)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KeyStoreError(f"{what}: not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise KeyStoreError(f"{what}: expected a JSON object keyed by EUI-64")
    store = InMemoryKeyStore()
    for eui, usages in doc.items():
        try:
            entity = normalise_entity(eui)
        except KeyStoreError as exc:
            raise KeyStoreError(f"{what}: {exc}") from None
        if not isinstance(usages, dict):
            raise KeyStoreError(f"{what}: entry {eui} is not an object")
        for usage_name, serials in usages.items():
            if usage_name not in _ROLE_USAGE:
                raise KeyStoreError(f"{what}: entry {eui}: unknown usage {usage_name!r}")
            for serial, entry in (serials or {}).items():
                name = str(entry.get("name") or f"{eui}-{serial}")
                if entry.get("role") in XML_SIGNING_ROLES:
                    continue
                usage = _ROLE_USAGE[usage_name]
                if usage is KeyUsage.KA and re.search(r"PP-ka$", name, re.IGNORECASE):
                    usage = KeyUsage.PP_KA
                store_entry = _entry_from_json(entity, usage, name, entry, store, what)
                if store_entry is not None:
                    store.add(store_entry)
    store.prefer(prefer)
    return store


def _entry_from_json(entity: str, usage: KeyUsage, name: str, entry: dict[str, Any],
                     store: InMemoryKeyStore, what: str) -> KeyEntry | None:
    private = cert = public = None
    if entry.get("privateKey"):
        public, private, _ = parse_key_material(entry["privateKey"].encode(), what=name)
    if entry.get("certificate"):
        try:
            cert_public, _, cert = parse_key_material(entry["certificate"].encode(), what=name)
            public = public or cert_public
        except KeyStoreError as exc:
            # e.g. the mdr-* certificates encode ecdsa-with-SHA256 with NULL parameters,
            # which some cryptography versions refuse (gbcs-security.md §2.1)
            store.warnings.append(f"{what}: {name}: certificate not loaded ({exc}); "
                                  "using the public key of its private key")
    if public is None or not isinstance(public, ec.EllipticCurvePublicKey):
        store.warnings.append(f"{what}: {name}: no usable key")
        return None
    role = entry.get("role")
    return KeyEntry(entity, usage, public, private, cert, [name],
                    role if isinstance(role, int) else None)
