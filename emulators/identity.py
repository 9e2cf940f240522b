# SPDX-License-Identifier: GPL-3.0-or-later
"""Who an emulated device is: its entity id, device type, install code, and its Digital
Signing and Key Agreement key pairs with certificates from a test CA that gfi creates.

Device certificates follow the shape of SMKI device certificates (gbcs-security.md §1.8): an
empty subject, the entity id in a critical subjectAltName otherName *hardwareModuleName*
(1.3.6.1.5.5.7.8.4), key usage digitalSignature or keyAgreement. Keys are derived from a seed
so a premises is reproducible; they are TEST keys.

:class:`TestSmki` is gfi's own organisation hierarchy (root → issuing authority → remote-party
certificates), used where a test needs organisation certificates nobody publishes private keys
for: the replacement credentials of CS02b (gfi.usecases.credentials) and the contingency key.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding
from cryptography.x509.oid import NameOID, ObjectIdentifier

from gfi.codecs.gbcs.catalogue import DeviceType
from gfi.codecs.security.keystore import InMemoryKeyStore, KeyEntry, KeyUsage

logger = logging.getLogger(__name__)

#: id-on-hardwareModuleName (RFC 4108).
HARDWARE_MODULE_NAME = ObjectIdentifier("1.3.6.1.5.5.7.8.4")
#: The P-256 group order.
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_NOT_BEFORE = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)
_NOT_AFTER = dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
#: x500UniqueIdentifier (2.5.4.45): an organisation certificate's entity id (§1.8).
X500_UNIQUE_IDENTIFIER = ObjectIdentifier("2.5.4.45")
#: The contingency party: the recipient of RTDS's CS02b anyByContingency responses
#: (gbcs-protocol.md §1.5); it signs with the contingency key, not a certificate.
CONTINGENCY = "70B3D51F300017FF"
#: The subject unique id a root certificate reports (RTDS CS02b anyByContingency responses).
ROOT_ENTITY = "0000000000000000"


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

    @functools.cached_property
    def certificate(self) -> x509.Certificate:
        """The CA's own (self-signed) certificate: what devices check a CS02d certificate
        against."""
        return (x509.CertificateBuilder().subject_name(self.name).issuer_name(self.name)
                .public_key(self.key.public_key()).serial_number(1)
                .not_valid_before(_NOT_BEFORE).not_valid_after(_NOT_AFTER)
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .sign(self.key, hashes.SHA256()))

    def issue(self, eui64: str, usage: KeyUsage, public_key: ec.EllipticCurvePublicKey,
              *, generation: int = 1) -> x509.Certificate:
        """A device certificate for ``eui64`` and ``usage`` (DS or KA); a later
        ``generation`` is a re-issue (another serial number), e.g. for CS02d."""
        suffix = f"/{generation}" if generation > 1 else ""
        serial = int.from_bytes(hashlib.sha256(f"{eui64}/{usage.value}{suffix}".encode())
                                .digest()[:16], "big") >> 1
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
    #: The certificate of the CA that issued the device's certificates (CS02d checks a new
    #: one against it).
    ca_certificate: x509.Certificate | None = None

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
            ca = ca or test_ca(seed)
            ident.ds_key = derive_key(seed, eui64, "ds")
            ident.ka_key = derive_key(seed, eui64, "ka")
            ident.ds_certificate = ca.issue(eui64, KeyUsage.DS, ident.ds_key.public_key())
            ident.ka_certificate = ca.issue(eui64, KeyUsage.KA, ident.ka_key.public_key())
            ident.ca_certificate = ca.certificate
        return ident

    def publish(self, store: InMemoryKeyStore, *, private: bool = False) -> None:
        """Put the device's certificates (and, when ``private``, its private keys) into a key
        store — the tool's, so the head end can verify and decrypt, or the device's own."""
        for usage, key, cert in ((KeyUsage.DS, self.ds_key, self.ds_certificate),
                                 (KeyUsage.KA, self.ka_key, self.ka_certificate)):
            if key is not None and cert is not None:
                publish_key(store, self.eui64, usage, key, cert, private=private)


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
        return cls(entity_id, key, (ca or test_ca(seed)).issue(entity_id, KeyUsage.KA,
                                                              key.public_key()))

    @property
    def certificate_der(self) -> bytes:
        return self.ka_certificate.public_bytes(serialization.Encoding.DER)

    def publish(self, store: InMemoryKeyStore, *, private: bool = False) -> None:
        """Its certificate (and private key) into a key store, e.g. the head end's so that
        it decrypts what devices encrypt for this party."""
        publish_key(store, self.entity_id, KeyUsage.KA, self.ka_key, self.ka_certificate,
                    private=private)


def publish_key(store: InMemoryKeyStore, entity: str, usage: KeyUsage,
                key: ec.EllipticCurvePrivateKey, cert: x509.Certificate, *,
                private: bool) -> None:
    """``entity``'s certificate for ``usage`` (and, when ``private``, its private key) into
    ``store``, labelled ``gfi-<entity>-<usage>``; the store's entry keeps this certificate."""
    entry = store.add(KeyEntry(entity, usage, key.public_key(), key if private else None, None,
                               [f"gfi-{entity}-{usage.value}"]))
    entry.certificate = cert


def subject_key_identifier(public_key: ec.EllipticCurvePublicKey) -> x509.SubjectKeyIdentifier:
    """An 8-byte key identifier, RFC 5280 §4.2.1.2 method 2, the form RTDS certificates use."""
    point = public_key.public_bytes(serialization.Encoding.X962,
                                    serialization.PublicFormat.UncompressedPoint)
    digest = bytearray(hashlib.sha1(point).digest()[-8:])
    digest[0] = 0x40 | (digest[0] & 0x0F)
    return x509.SubjectKeyIdentifier(bytes(digest))


def _ca_certificate(key: ec.EllipticCurvePrivateKey, name: x509.Name,
                    issuer_key: ec.EllipticCurvePrivateKey, issuer: x509.Name,
                    path_length: int | None) -> x509.Certificate:
    return (x509.CertificateBuilder().subject_name(name).issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(int.from_bytes(hashlib.sha256(name.public_bytes()).digest()[:16],
                                          "big") >> 1)
            .not_valid_before(_NOT_BEFORE).not_valid_after(_NOT_AFTER)
            .add_extension(x509.BasicConstraints(ca=True, path_length=path_length),
                           critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False), critical=True)
            .add_extension(subject_key_identifier(key.public_key()),
                           critical=False)
            .sign(issuer_key, hashes.SHA256()))


class TestSmki:
    """gfi's TEST organisation hierarchy, shaped like the SMKI one RTDS uses (gbcs-security.md
    §1.8, gbcs-protocol.md §2.4): a self-signed root (OU=00, keyCertSign — what a device's root
    trust anchor cell holds), an issuing authority it certifies (OU=07), and remote-party
    certificates the issuing authority issues: subject x500UniqueIdentifier = the entity id
    (a BIT STRING), OU = the role code, one key usage. Also the contingency key pair and the
    symmetric key its public key is wrapped with (AES key wrap with padding, RFC 5649): a
    device holds the wrapped key with its root trust anchor, and a CS02b anyByContingency
    command carries the plaintext symmetric key that unwraps it (gbcs-protocol.md §2.4
    ``plaintextSymmetricKey``; gfi's reading of GBCS). Every key derives from ``seed``."""

    __test__ = False  # not a pytest test class

    def __init__(self, seed: str = "gfi") -> None:
        self.seed = seed
        self.root_key = derive_key(seed, "smki", "root")
        root = x509.Name([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "00"),
                          x509.NameAttribute(NameOID.COMMON_NAME, "gfi test root")])
        self.root = _ca_certificate(self.root_key, root, self.root_key, root, None)
        self.ia_key = derive_key(seed, "smki", "issuing-authority")
        self.ia_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "07"),
                                  x509.NameAttribute(NameOID.COMMON_NAME, "gfi test IA")])
        self.ia = _ca_certificate(self.ia_key, self.ia_name, self.root_key, root, 0)
        self.contingency_key = derive_key(seed, "smki", "contingency")
        self.contingency_wrapping_key = hashlib.sha256(
            f"{seed}/smki/contingency-wrapping".encode()).digest()[:16]

    @property
    def wrapped_contingency_key(self) -> bytes:
        """The contingency public key (uncompressed point) wrapped as a device holds it."""
        point = self.contingency_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return aes_key_wrap_with_padding(self.contingency_wrapping_key, point)

    def party_key(self, entity: str, usage: KeyUsage) -> ec.EllipticCurvePrivateKey:
        return derive_key(self.seed, "smki", entity.upper(), usage.value)

    def issue(self, entity: str, role: int, usage: KeyUsage
              ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        """A remote party's key pair and certificate (``usage`` DS, KA or PP_KA)."""
        key = self.party_key(entity, usage)
        subject = x509.Name([
            # a BIT STRING, as in SMKI certificates (cryptography names the type privately)
            x509.NameAttribute(X500_UNIQUE_IDENTIFIER, b"\x00" + bytes.fromhex(entity),
                               _type=x509.name._ASN1Type.BitString),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"{role:02X}"),
        ])
        signing = usage is KeyUsage.DS
        cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(self.ia_name)
                .public_key(key.public_key())
                .serial_number(int.from_bytes(hashlib.sha256(
                    f"{self.seed}/{entity}/{usage.value}".encode()).digest()[:16], "big") >> 1)
                .not_valid_before(_NOT_BEFORE).not_valid_after(_NOT_AFTER)
                .add_extension(x509.KeyUsage(
                    digital_signature=signing, content_commitment=False,
                    key_encipherment=False, data_encipherment=False, key_agreement=not signing,
                    key_cert_sign=False, crl_sign=False, encipher_only=False,
                    decipher_only=False), critical=True)
                .add_extension(subject_key_identifier(key.public_key()),
                               critical=False)
                .sign(self.ia_key, hashes.SHA256()))
        return key, cert


@functools.lru_cache(maxsize=4)
def test_ca(seed: str = "gfi") -> TestCa:
    """The (cached) :class:`TestCa` of ``seed``: it holds no state beyond its key."""
    return TestCa(seed)


test_ca.__test__ = False  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=4)
def test_smki(seed: str = "gfi") -> TestSmki:
    """The (cached) :class:`TestSmki` of ``seed``."""
    return TestSmki(seed)


test_smki.__test__ = False  # type: ignore[attr-defined]
