# SPDX-License-Identifier: GPL-3.0-or-later
"""Who an emulated device is: its entity id, device type, install code, and its Digital
Signing and Key Agreement key pairs with certificates from a test CA that gfi creates.

Device certificates follow the shape of SMKI device certificates (gbcs-security.md §1.8): an
empty subject, the entity id in a critical subjectAltName otherName *hardwareModuleName*
(1.3.6.1.5.5.7.8.4), key usage digitalSignature or keyAgreement. Keys are derived from a seed
so a premises is reproducible; they are TEST keys.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ObjectIdentifier

from gfi.codecs.gbcs.catalogue import DeviceType
from gfi.codecs.security.keystore import InMemoryKeyStore, KeyUsage

logger = logging.getLogger(__name__)

#: id-on-hardwareModuleName (RFC 4108).
HARDWARE_MODULE_NAME = ObjectIdentifier("1.3.6.1.5.5.7.8.4")
#: The P-256 group order.
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_NOT_BEFORE = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)
_NOT_AFTER = dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)


def derive_key(seed: str, *parts: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key derived from ``seed`` and ``parts`` (deterministic TEST keys)."""
    material = "/".join((seed, *parts)).encode()
    scalar = int.from_bytes(hashlib.sha512(material).digest(), "big") % (_P256_ORDER - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


class TestCa:
    """The certificate authority gfi issues emulated device certificates from."""

    __test__ = False  # not a pytest test class

    def __init__(self, seed: str = "gfi") -> None:
        self.key = derive_key(seed, "device-ca")
        self.name = x509.Name([
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "gfi test"),
            x509.NameAttribute(NameOID.COMMON_NAME, "gfi device CA"),
        ])

    def issue(self, eui64: str, usage: KeyUsage, public_key: ec.EllipticCurvePublicKey,
              ) -> x509.Certificate:
        """A device certificate for ``eui64`` and ``usage`` (DS or KA)."""
        serial = int.from_bytes(hashlib.sha256(f"{eui64}/{usage.value}".encode()).digest()[:16],
                                "big") >> 1
        hw_module = bytes([0x30, 0x14, 0x06, 0x08]) + bytes.fromhex("2B06010401829A5C") + \
            bytes([0x04, 0x08]) + bytes.fromhex(eui64)
        # otherName value: HardwareModuleName ::= SEQUENCE { hwType OID, hwSerialNum OCTET
        # STRING } — hwType is a placeholder OID of gfi's own arc
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([]))
            .issuer_name(self.name)
            .public_key(public_key)
            .serial_number(serial)
            .not_valid_before(_NOT_BEFORE)
            .not_valid_after(_NOT_AFTER)
            .add_extension(x509.SubjectAlternativeName(
                [x509.OtherName(HARDWARE_MODULE_NAME, hw_module)]), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=usage is KeyUsage.DS, content_commitment=False,
                key_encipherment=False, data_encipherment=False,
                key_agreement=usage is not KeyUsage.DS, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False), critical=True)
        )
        return builder.sign(self.key, hashes.SHA256())


@dataclass
class DeviceIdentity:
    """An emulated device's identity and key material."""

    eui64: str
    device_type: DeviceType
    install_code: bytes
    ds_key: ec.EllipticCurvePrivateKey | None = None
    ka_key: ec.EllipticCurvePrivateKey | None = None
    ds_certificate: x509.Certificate | None = None
    ka_certificate: x509.Certificate | None = None

    @property
    def is_type1(self) -> bool:
        """Type 1 devices hold SMKI certificates; Type 2 (IHD, CAD) do not (product.md §4.1)."""
        return self.device_type is not DeviceType.TYPE2

    @classmethod
    def create(cls, eui64: str, device_type: DeviceType, *, seed: str = "gfi",
               ca: TestCa | None = None) -> DeviceIdentity:
        eui64 = eui64.upper()
        install_code = hashlib.sha256(f"{seed}/{eui64}/install-code".encode()).digest()[:16]
        ident = cls(eui64, device_type, install_code)
        if ident.is_type1:
            ca = ca or TestCa(seed)
            ident.ds_key = derive_key(seed, eui64, "ds")
            ident.ka_key = derive_key(seed, eui64, "ka")
            ident.ds_certificate = ca.issue(eui64, KeyUsage.DS, ident.ds_key.public_key())
            ident.ka_certificate = ca.issue(eui64, KeyUsage.KA, ident.ka_key.public_key())
        return ident

    def publish(self, store: InMemoryKeyStore, *, private: bool = False) -> None:
        """Put the device's certificates (and, when ``private``, its private keys) into a key
        store — the tool's, so the head end can verify and decrypt, or the device's own."""
        for usage, key, cert in ((KeyUsage.DS, self.ds_key, self.ds_certificate),
                                 (KeyUsage.KA, self.ka_key, self.ka_certificate)):
            if key is None or cert is None:
                continue
            pem = (key.private_bytes(serialization.Encoding.PEM,
                                     serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()) if private
                   else cert.public_bytes(serialization.Encoding.PEM))
            entry = store.add_pem(self.eui64, usage, pem, label=f"gfi-{self.eui64}-{usage.value}")
            entry.certificate = cert


@dataclass
class RemoteParty:
    """A remote party the tool plays that devices do not know in advance, e.g. an MHHS
    Meter Data Retriever reading as an unknown remote party (URP): it has only a
    key-agreement key pair and certificate, which its commands carry so that devices
    encrypt sensitive responses for it (gbcs-protocol.md §1.4; product.md §4.7)."""

    entity_id: str
    ka_key: ec.EllipticCurvePrivateKey
    ka_certificate: x509.Certificate

    @classmethod
    def create(cls, entity_id: str, *, seed: str = "gfi", ca: TestCa | None = None
               ) -> RemoteParty:
        entity_id = entity_id.upper()
        key = derive_key(seed, entity_id, "ka")
        return cls(entity_id, key, (ca or TestCa(seed)).issue(entity_id, KeyUsage.KA,
                                                              key.public_key()))

    @property
    def certificate_der(self) -> bytes:
        return self.ka_certificate.public_bytes(serialization.Encoding.DER)

    def publish(self, store: InMemoryKeyStore, *, private: bool = False) -> None:
        """Its certificate (and private key) into a key store, e.g. the head end's so that
        it decrypts what devices encrypt for this party."""
        pem = (self.ka_key.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()) if private
               else self.ka_certificate.public_bytes(serialization.Encoding.PEM))
        entry = store.add_pem(self.entity_id, KeyUsage.KA, pem,
                              label=f"gfi-{self.entity_id}-ka")
        entry.certificate = self.ka_certificate
