# SPDX-License-Identifier: GPL-3.0-or-later
"""The ASN.1 use cases every Type 1 device answers itself (gbcs-protocol.md §2.4): its
security credentials (CS02a/CS02f details, CS02b/CS02g trust anchor replacement, CS02c
certification request, CS02e certificates), joining and unjoining other devices (CS03, CS04),
the join details (CS07), firmware activation (CS06) and version (CS08), and the GSME clock
(GCS28). Sans-I/O, state as a JSON document.

Theory of operation (trust anchors)
-----------------------------------
A device trusts remote parties through *trust anchor cells*, one certificate per (role, key
usage, cell usage) — e.g. (supplier, digitalSignature, management) — as CS02a reports them.
:meth:`Asn1Model.bind` takes the cells from the key store of the :class:`GbcsDevice` the model
belongs to: for each role its device type holds cells of and each key usage, the first key of
that role (cell usage prepaymentTopUp(1) for the supplier's prepayment KA key). A CS02b/CS02g
replacement first checks that the command is authorised (below), then every replacement (the
mode allows the target cell, the device holds it, the certificate fits it and chains to the
root), then replaces all of them or none, and has the device trust the new key and no longer
the old one (:meth:`GbcsDevice.replace_trusted_key`); the replaced cells are kept in the state
and re-applied when the device is built again. Future-dated replacements run at their time
and report by alert 0x00CB (CS02b) or 0x0124 (CS02g); an execution time of 9999-12-31 23:59:59
cancels the pending ones of that message code (RTDS CANCELLATION variants, as for CS06).

Authorisation (gbcs-protocol.md §2.4 mode names; gfi's reading of GBCS): the mode must be
the message code's (0x0100 + mode; CS02g 0x0125 mode 10, 0x0126 mode 11), and the command's
originator — whose signature (or, for the MAC-only ACB mode, MAC) the device has verified —
must be the party the device's trust anchor cells hold for the mode's authorising role
(:data:`MODE_AUTHORISER`: supplier, WAN provider, network operator, ACB, transitional CoS,
Recovery, load controller). anyByContingency (9) is authorised by the contingency key instead:
the device holds it only wrapped, with its root anchor, and the command's plaintext symmetric
key must unwrap it to the key that signed the command. Until the command is authorised nothing
is replaced (every cell reports status 127).

The root cell (0, keyCertSign): the root RTDS devices hold is known only by its key identifier
(:data:`RTDS_ROOT_KEY_ID`, CS02b anyByContingency responses), so until a root with a known
certificate is installed (rootBySupplier, rootByWanProvider, anyByContingency) a replacement
certificate need only be issued by a certificate of the command's certification path; after
that, the issuing certificate must itself be issued by the root. A new root must be
self-signed, with keyCertSign. The CHF and GPF's network operator cells first hold the ACB's
keys (RTDS 6.21 handover: the DCC holds them until it hands them to the network operator).

CS02d (Update Device Certificates on Device) installs a new certificate for one of the
device's own key pairs: its subject must be the device, its key usage one of DS or KA, its
issuer the CA that issued the device's certificates, its public key the device's key.

Initial state, as the RTDS 4.5.0 scenarios imply it (gbcs-protocol.md §5): the device log
holds the entries the RTDS devices report (CS07 SUCCESS, 8.9), so CS04AC can unjoin them; the
image RTDS 11.3 activates (CS06 IMMEDIATE_SUCCESS: version 0123ABCE) has been distributed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap_with_padding

from gfi.codecs.asn1.gbcs import CERTIFICATE
from gfi.codecs.gbcs.catalogue import DeviceType
from gfi.codecs.security.gbcs import SecurityContext
from gfi.codecs.security.keystore import (
    InMemoryKeyStore,
    KeyEntry,
    KeyUsage,
    parse_key_material,
)
from gfi.emulators.identity import (
    CONTINGENCY,
    ROOT_ENTITY,
    DeviceIdentity,
    derive_key,
    subject_key_identifier,
    test_smki,
)
from gfi.emulators.model import FutureDatedExecution, HandleContext, HandleResult
from gfi.errors import GfiError

logger = logging.getLogger(__name__)

CS06_ALERT = 0x00CA
#: Future-dated credential update alerts (gbcs-protocol.md §2.4, §3): CS02b, CS02g.
CS02B_ALERT, CS02G_ALERT = 0x00CB, 0x0124
CS02G_CODES = frozenset({0x0125, 0x0126})
GENERALIZED_TIME = "%Y%m%d%H%M%SZ"
#: The execution date-time that cancels a pending future-dated command (RTDS CANCELLATION).
NEVER = "99991231235959Z"
#: Key usage bits of CS02c/CS02e (gbcs-protocol.md §2.4): digitalSignature, keyAgreement.
KEY_USAGE_DS = "digitalSignature"
KEY_USAGE_KA = "keyAgreement"
#: Device log of the RTDS test devices (CS07 SUCCESS response, RTDS 8.9): entity id → device
#: type. RTDS CS04AC SUCCESS unjoins two of them (8.8.1 from the ESME, 8.8.2 from the PPMID).
RTDS_DEVICE_LOG: Mapping[str, int] = {
    "0102030405060708": 3, "00DB123456789099": 3, "00DB123456789097": 5,
}
#: The image distributed before RTDS 11.3 activates it: manufacturer image hash → version
#: (CS06 IMMEDIATE_SUCCESS command and response).
RTDS_DISTRIBUTED_IMAGES: Mapping[str, str] = {
    "AA758690730934FF0685AA758690730934FF0685657788990011223344556677": "0123ABCE",
}

# Status of a replaced cell (gbcs-protocol.md §2.4 status codes). 25 is what RTDS CS02a reports
# for a role the device holds no cell of; 10 is what the RTDS CS02g ERROR variants report for
# cells a failing device left as they were; 5 and 127 are gfi's reading of the names.
STATUS_SUCCESS, STATUS_BAD_CERTIFICATE, STATUS_FAILED = 0, 5, 10
STATUS_NOT_FOUND, STATUS_OTHER = 25, 127
NO_ID = "0000000000000000"

#: A trust anchor cell: (role, key usage name, cell usage).
Cell = tuple[int, str, int]
#: Remote-party roles with trust anchor cells: root … load controller (gbcs-security.md §1.8).
CELL_ROLES = range(0, 9)
#: Roles a device type holds no cells of, as RTDS devices report them (CS02a 6.24.1 / NA: the
#: ESME has no WAN provider cell, the GSME no network operator cell); the WAN provider's cells
#: are the CHF's (CS02b wanProviderByWanProvider targets the CHF, gbcs-protocol.md §3).
ROLES_NOT_HELD: Mapping[DeviceType, frozenset[int]] = {
    t: frozenset({6} | ({3} if t is DeviceType.GSME else set()))
    for t in DeviceType if t is not DeviceType.CHF
}
#: Cell (key usage, cell usage) ↔ the device key store's usage.
STORE_USAGES: Mapping[tuple[str, int], KeyUsage] = {
    (KEY_USAGE_DS, 0): KeyUsage.DS, (KEY_USAGE_KA, 0): KeyUsage.KA,
    (KEY_USAGE_KA, 1): KeyUsage.PP_KA,
}
_CELL_OF_USAGE = {usage: cell for cell, usage in STORE_USAGES.items()}
#: The root trust anchor cell, and the key identifier of the root RTDS devices hold (RTDS CS02b
#: anyByContingency responses: its certificate is not published).
ROOT_CELL: Cell = (0, "keyCertSign", 0)
RTDS_ROOT_KEY_ID = "48CF1B32697C4669"
#: The role whose trust anchor authorises each credentials replacement mode (module
#: docstring); mode 9 (anyByContingency) is authorised by the contingency key.
MODE_AUTHORISER: Mapping[int, int] = {
    0: 2, 1: 6, 2: 2, 3: 3, 4: 4, 5: 6, 6: 5, 7: 5, 8: 1, 10: 8, 11: 2,
}
CONTINGENCY_MODE = 9
#: CS02g message codes → their credentials replacement mode (RTDS).
CS02G_MODES: Mapping[int, int] = {0x0125: 10, 0x0126: 11}
#: The cells (by role) each credentials replacement mode may replace, read from the mode names
#: (gbcs-protocol.md §2.4): "anyExceptAbnormalRoot" all but the root, "any" all.
MODE_TARGET_ROLES: Mapping[int, frozenset[int]] = {
    0: frozenset({0}), 1: frozenset({0}), 2: frozenset({2}), 3: frozenset({3}),
    4: frozenset({4}), 5: frozenset({6}), 6: frozenset({5}), 7: frozenset({2}),
    8: frozenset(CELL_ROLES) - {0}, 9: frozenset(CELL_ROLES), 10: frozenset({8}),
    11: frozenset({8}),
}


class TrustHolder(Protocol):
    """The device whose trust the model keeps (:class:`~gfi.emulators.device.GbcsDevice`)."""

    security: SecurityContext

    def replace_trusted_key(self, old: KeyEntry | None, new: KeyEntry) -> KeyEntry: ...


def generalized_time(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime(GENERALIZED_TIME)


def parse_generalized_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, GENERALIZED_TIME).replace(tzinfo=dt.UTC)


def key_identifier(entry: KeyEntry) -> str:
    """A key's 8-byte subject key identifier: its certificate's, else RFC 5280 §4.2.1.2
    method 2 (``0100`` ‖ the low 60 bits of the SHA-1 of the public key), the form of every
    identifier in the RTDS vectors."""
    if entry.certificate is not None:
        try:
            ext = entry.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            return ext.value.digest.hex().upper()
        except x509.ExtensionNotFound:
            pass
    return subject_key_identifier(entry.public_key).digest.hex().upper()


def _cell_of(ta_cell_id: Mapping[str, Any]) -> Cell | None:
    """The cell a TrustAnchorCellIdentifier names (one key usage bit, §2.4)."""
    usages = ta_cell_id.get("key_usage") or []
    if len(usages) != 1:
        return None
    return int(ta_cell_id["role"]), str(usages[0]), int(ta_cell_id.get("cell_usage") or 0)


def _cell_name(cell: Cell) -> str:
    return f"{cell[0]}/{cell[1]}/{cell[2]}"


def _certificate(hex_der: str) -> tuple[dict[str, Any], ec.EllipticCurvePublicKey,
                                          x509.Certificate] | None:
    """Details (entity id, key usage, key identifier, §2.4), public key and certificate of a
    certificate, or None when it is not one."""
    try:
        details = CERTIFICATE.info(hex_der)["_info"]
        public, _, cert = parse_key_material(bytes.fromhex(hex_der), what="certificate")
    except (GfiError, ValueError):
        return None
    return (details, public, cert) if details is not None and cert is not None else None


def _issued_by(cert: x509.Certificate, path: Sequence[str]) -> bool:
    """Whether a certificate of the certification path issued ``cert`` (no path: not checked)."""
    if not path:
        return True
    for hex_der in path:
        found = _certificate(hex_der)
        if found is None:
            continue
        try:
            cert.verify_directly_issued_by(found[2])
            return True
        except (ValueError, TypeError, InvalidSignature):
            continue
    return False


def _chains(cert: x509.Certificate, path: Sequence[str], root: x509.Certificate | None) -> bool:
    """Whether ``cert`` chains through the certification path to ``root`` (None: the RTDS root
    of unknown key, so only the path is checked; module docstring)."""
    if root is None:
        return _issued_by(cert, path)
    root_der = root.public_bytes(serialization.Encoding.DER).hex()
    if _issued_by(cert, [root_der]):
        return True
    for hex_der in path:
        found = _certificate(hex_der)
        if found is not None and _issued_by(cert, [hex_der]) and \
                _issued_by(found[2], [root_der]):
            return True
    return False


class Asn1Model:
    """ASN.1 use cases of one device (see the module docstring)."""

    def __init__(self, identity: DeviceIdentity, *, firmware_version: str = "0123ABCD",
                 state: dict[str, Any] | None = None) -> None:
        self.identity = identity
        state = state or {}
        self.firmware_version: str = state.get("firmware_version", firmware_version)
        #: The image distributed to the device and waiting for activation: hash → version.
        self.images: dict[str, str] = dict(state.get("images", RTDS_DISTRIBUTED_IMAGES))
        #: Devices joined to this one: entity id → device type (CS03/CS04/CS07).
        self.joined: dict[str, int] = dict(state.get("joined", RTDS_DEVICE_LOG))
        #: Future-dated activations: [execution time, hash, counter, message code, requester].
        self.pending: list[list[Any]] = [list(p) for p in state.get("pending", [])]
        #: Future-dated credential updates: {"when", "command", "counter", "message_code",
        #: "requester"}.
        self.pending_credentials: list[dict[str, Any]] = [
            dict(p) for p in state.get("pending_credentials", [])]
        #: Remote party sequence numbers by role (CS02a current, CS02b changes).
        self.seq_numbers: dict[str, int] = dict(state.get("seq_numbers", {}))
        #: Cells replaced so far: "role/usage/cell usage" → certificate (hex DER).
        self.replaced: dict[str, str] = dict(state.get("trust_anchors", {}))
        #: The contingency public key, wrapped, held with the root anchor (gfi's test SMKI).
        self.wrapped_contingency_key: str = state.get(
            "wrapped_contingency_key", test_smki().wrapped_contingency_key.hex().upper())
        #: The device's own certificates installed by CS02d: key usage → certificate (hex).
        self.device_certificates: dict[str, str] = dict(state.get("device_certificates", {}))
        #: The cells and the key each holds (from the device, :meth:`bind`).
        self.cells: dict[Cell, KeyEntry] = {}
        self.device: TrustHolder | None = None

    def state(self) -> dict[str, Any]:
        return {"firmware_version": self.firmware_version, "images": dict(self.images),
                "joined": dict(self.joined), "pending": [list(p) for p in self.pending],
                "pending_credentials": [dict(p) for p in self.pending_credentials],
                "seq_numbers": dict(self.seq_numbers), "trust_anchors": dict(self.replaced),
                "wrapped_contingency_key": self.wrapped_contingency_key,
                "device_certificates": dict(self.device_certificates)}

    def distribute_image(self, manufacturer_image_hash: str, version: str) -> None:
        """An image arrived (by OTA); CS06 may activate it."""
        self.images[manufacturer_image_hash.upper()] = version

    def bind(self, device: TrustHolder) -> None:
        """Take the trust anchor cells from the device's key store and re-apply the saved
        replacements (module docstring)."""
        self.device = device
        self.cells = {}
        keys = device.security.keys
        for entry in keys if isinstance(keys, InMemoryKeyStore) else ():
            cell = _CELL_OF_USAGE.get(entry.usage)
            if entry.role is not None and entry.role in CELL_ROLES and cell is not None and \
                    entry.role not in ROLES_NOT_HELD.get(self.identity.device_type, ()):
                self.cells.setdefault((entry.role, *cell), entry)
        if self.identity.device_type in (DeviceType.CHF, DeviceType.GPF):  # RTDS 6.21
            for usage in (KEY_USAGE_DS, KEY_USAGE_KA):
                acb = self.cells.get((4, usage, 0))
                if acb is not None and (3, usage, 0) in self.cells:
                    self.cells[(3, usage, 0)] = acb
        for usage, certificate in self.device_certificates.items():
            self._take_certificate(usage, certificate)
        for name, certificate in self.replaced.items():
            role, usage, cell_usage = name.split("/")
            self._install((int(role), usage, int(cell_usage)), certificate)

    # -- handling ---------------------------------------------------------------------------
    def handle(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        schema = str(request.get("schema", ""))
        name = schema.split(".")[0]
        handler = getattr(self, f"on_{name.lower()}", None)
        if handler is None or not schema.endswith(".command"):
            return HandleResult({"schema": "CS04AC.response", "response_code": 2},
                                changes=[f"{schema or 'payload'} not handled: other failure"])
        result: HandleResult = handler(request, ctx)
        return result

    def fail(self, request: dict[str, Any], ctx: HandleContext, code: int,
             at: int = 0) -> HandleResult:
        """The answer of a device whose hardware fails the command (HardwareFault, the RTDS
        ERROR variants): the use case's error form carrying ``code`` where it has one — for a
        credentials-details read the roles before ``at`` answered, the rest status 127;
        nothing changes."""
        name = str(request.get("schema", "")).split(".")[0]
        if name in ("CS02c", "CS02e"):
            response: dict[str, Any] = {"schema": f"{name}.response.error", "response_code": code}
        elif name in ("CS02d", "CS03A1", "CS03A2", "CS03B", "CS03C", "CS04AC", "CS04B"):
            response = {"schema": f"{name}.response", "response_code": code}
        elif name in ("CS02a", "CS02f"):
            roles = list(request.get("roles_required", []))
            answered = self._credentials_details({"roles_required": roles[:at]}, name)
            response = {"schema": f"{name}.response", "remote_parties": [
                *answered.response["remote_parties"],
                *({"role": role, "status": STATUS_OTHER, "current_seq_number": None,
                   "trust_anchor_cells": None} for role in roles[at:])]}
        elif name in ("CS02b", "CS02g"):
            items = request.get("replacements", [])
            outcome = self._outcome(request, [STATUS_FAILED] * len(items), [None] * len(items))
            response = {"schema": f"{name}.response", "command_accepted": None,
                        "execution_outcome": outcome}
        elif name == "CS06":
            response = {"schema": "CS06.response.outcome", "response_code": code,
                        "firmware_version": self.firmware_version}
        elif name == "CS07":
            response = {"schema": "CS07.response", "response_code": code,
                        "device_log_entries": None}
        elif name == "CS08":
            response = {"schema": "CS08.response", "firmware_version": self.firmware_version,
                        "response_code": code}
        elif name == "GCS28":
            response = {"schema": "GCS28.response", "device_time": generalized_time(ctx.now),
                        "device_time_status": 2}
        else:  # no error form: what it would answer, on a copy of its state
            return Asn1Model(self.identity, state=self.state()).handle(request, ctx)
        return HandleResult(response, [f"hardware fault: {name} failed"])

    # -- joins (CS03, CS04, CS07) -----------------------------------------------------------
    def _join_response(self, name: str, code: int, change: str) -> HandleResult:
        return HandleResult({"schema": f"{name}.response", "response_code": code}, [change])

    def on_cs03a1(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        return self._join(request, "CS03A1")

    def on_cs03a2(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        return self._join(request, "CS03A2")

    def on_cs03b(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        return self._join(request, "CS03B")

    def on_cs03c(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        return self._join(request, "CS03C")

    def _join(self, request: dict[str, Any], name: str) -> HandleResult:
        other = str(request["other_entity_id"]).upper()
        device_type = int(request["other_device_type"])
        if self.joined.get(other, device_type) != device_type:
            return self._join_response(name, 3, f"{other} already joined as another type")
        self.joined[other] = device_type
        return self._join_response(name, 0, f"joined {other} (device type {device_type})")

    def on_cs04ac(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        return self._unjoin(request, "CS04AC")

    def on_cs04b(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        return self._unjoin(request, "CS04B")

    def _unjoin(self, request: dict[str, Any], name: str) -> HandleResult:
        other = str(request["other_entity_id"]).upper()
        if self.joined.pop(other, None) is None:
            return self._join_response(name, 1, f"{other} is not in the device log")
        return self._join_response(name, 0, f"unjoined {other}")

    def on_cs07(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        entries = [{"device_id": eui, "device_type": t} for eui, t in sorted(self.joined.items())]
        return HandleResult({"schema": "CS07.response", "response_code": 0,
                             "device_log_entries": entries}, [f"{len(entries)} join entries"])

    def on_cs08(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        return HandleResult({"schema": "CS08.response", "firmware_version": self.firmware_version,
                             "response_code": 0}, ["firmware version read"])

    # -- the device's own credentials (CS02c, CS02e) ----------------------------------------
    def on_cs02c(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        """A new key pair for the key usage asked and its PKCS#10 certification request: empty
        subject, the key usage and the device's hardwareModuleName, as RTDS 6.17 shows."""
        usage = request.get("key_usage") or []
        if usage not in ([KEY_USAGE_DS], [KEY_USAGE_KA]):
            return HandleResult({"schema": "CS02c.response.error", "response_code": 1},
                                ["invalid key usage"])
        template = self.identity.ds_certificate
        if template is None:
            return HandleResult({"schema": "CS02c.response.error", "response_code": 2},
                                ["no key pair can be generated"])
        signing = usage == [KEY_USAGE_DS]
        # a TEST key, derived like the device's own (identity.derive_key): deterministic
        key = derive_key(self.identity.eui64, "cs02c", usage[0], str(ctx.counter))
        san = template.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        request_der = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([]))
            .add_extension(x509.KeyUsage(
                digital_signature=signing, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=not signing, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(san, critical=True)
            .sign(key, hashes.SHA256())
            .public_bytes(serialization.Encoding.DER))
        return HandleResult({"schema": "CS02c.response.certification_request",
                             "certification_request": request_der.hex().upper()},
                            [f"new {usage[0]} key pair, certification request issued"])

    def on_cs02e(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        usage = request.get("key_usage") or []
        cert = (self.identity.ds_certificate if KEY_USAGE_DS in usage
                else self.identity.ka_certificate if KEY_USAGE_KA in usage else None)
        if cert is None:
            return HandleResult({"schema": "CS02e.response.error", "response_code": 1},
                                ["invalid key usage"])
        der = cert.public_bytes(serialization.Encoding.DER)
        return HandleResult({"schema": "CS02e.response.certificate",
                             "certificate": der.hex().upper()}, ["certificate provided"])

    # -- trust anchors (CS02a, CS02f, CS02b, CS02g) -----------------------------------------
    def on_cs02a(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        return self._credentials_details(request, "CS02a")

    def on_cs02f(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        return self._credentials_details(request, "CS02f")

    def _credentials_details(self, request: dict[str, Any], name: str) -> HandleResult:
        """Per role asked: its cells (key usage, cell usage, subject id, key identifier) and
        sequence number, or status 25 when the device holds none (RTDS 6.24.1)."""
        parties = []
        order = [ROOT_CELL[1:], *STORE_USAGES]
        for role in request.get("roles_required", []):
            cells = [(cell, self._held(cell)) for cell in self._cells() if cell[0] == role]
            if not cells:
                parties.append({"role": role, "status": STATUS_NOT_FOUND,
                                "current_seq_number": None, "trust_anchor_cells": None})
                continue
            cells.sort(key=lambda c: order.index(c[0][1:]))
            parties.append({
                "role": role, "status": STATUS_SUCCESS,
                "current_seq_number": self.seq_numbers.get(str(role), 0),
                "trust_anchor_cells": [
                    {"key_usage": [cell[1]], "cell_usage": cell[2] or None,
                     "subject_unique_id": held[0], "subject_key_identifier": held[1]}
                    for cell, held in cells]})
        return HandleResult({"schema": f"{name}.response", "remote_parties": parties},
                            [f"credentials details of roles {request.get('roles_required')}"])

    def _cells(self) -> list[Cell]:
        """Every cell the device holds: the root's and those bound from its key store."""
        return [ROOT_CELL, *(cell for cell in self.cells if cell != ROOT_CELL)]

    def _held(self, cell: Cell) -> tuple[str, str]:
        """(subject unique id, key identifier) of what a cell holds."""
        entry = self.cells.get(cell)
        if entry is None:
            return (NO_ID, RTDS_ROOT_KEY_ID) if cell == ROOT_CELL else (NO_ID, NO_ID)
        return entry.entity, key_identifier(entry)

    def on_cs02b(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        return self._update_credentials(request, ctx, "CS02b")

    def on_cs02g(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        return self._update_credentials(request, ctx, "CS02g")

    def _update_credentials(self, request: dict[str, Any], ctx: HandleContext,
                            name: str) -> HandleResult:
        """Update Security Credentials: now (the response carries the execution outcome), at
        its execution time (the response only accepts it), or cancel (§2.4) — once the
        command is authorised (module docstring)."""
        accepted: dict[str, Any] = {"schema": f"{name}.response", "command_accepted": None,
                                    "execution_outcome": None}
        refused = self._authorisation(request, ctx)
        if refused:
            items = request.get("replacements", [])
            outcome = self._outcome(request, [STATUS_OTHER] * len(items), [None] * len(items))
            logger.info("%s refuses %s: %s", self.identity.eui64, name, refused)
            return HandleResult({**accepted, "execution_outcome": outcome},
                                [f"not authorised: {refused}"])
        when = request.get("execution_date_time")
        if when == NEVER:
            before = len(self.pending_credentials)
            self.pending_credentials = [p for p in self.pending_credentials
                                        if p["message_code"] != ctx.message_code]
            cancelled = before - len(self.pending_credentials)
            return HandleResult(accepted, [f"{cancelled} future-dated update(s) cancelled"])
        if when is not None and parse_generalized_time(when) > ctx.now:
            self.pending_credentials.append({
                "when": when, "command": request, "counter": ctx.counter,
                "message_code": ctx.message_code, "requester": ctx.requester})
            return HandleResult(accepted, [f"credentials update scheduled for {when}"])
        outcome, ok = self._replace(request)
        return HandleResult({**accepted, "execution_outcome": outcome},
                            [f"credentials {'replaced' if ok else 'not replaced'}"])

    def _authorisation(self, command: Mapping[str, Any], ctx: HandleContext) -> str:
        """'' when the requester may have the command's mode run, else why not."""
        control = command["control"]
        mode = int(control["credentials_replacement_mode"])
        code = ctx.message_code
        expected = CS02G_MODES.get(code, code - 0x0100)
        if mode != expected:
            return f"mode {mode} is not message code {code:04X}'s"
        if mode == CONTINGENCY_MODE:
            return self._contingency(control, ctx.requester)
        role = MODE_AUTHORISER.get(mode)
        named = control.get("authorising_remote_party_ta_cell_id")
        if role is None or (named is not None and int(named["role"]) != role):
            return f"mode {mode} is not authorised by role {(named or {}).get('role')}"
        holders = {entry.entity for cell, entry in self.cells.items() if cell[0] == role}
        if ctx.requester.upper() not in holders:
            return (f"{ctx.requester} does not hold the role {role} trust anchor "
                    f"({', '.join(sorted(holders)) or 'none held'})")
        return ""

    def _contingency(self, control: Mapping[str, Any], requester: str) -> str:
        """anyByContingency: the plaintext symmetric key must unwrap the contingency key held
        with the root anchor to the key the command was signed with (module docstring)."""
        if requester.upper() != CONTINGENCY or self.device is None:
            return f"{requester} is not the contingency party {CONTINGENCY}"
        plaintext = control.get("plaintext_symmetric_key")
        try:
            point = aes_key_unwrap_with_padding(bytes.fromhex(plaintext or ""),
                                                bytes.fromhex(self.wrapped_contingency_key))
            key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        except (InvalidUnwrap, ValueError):
            return "the plaintext symmetric key does not unwrap the contingency key"
        signers = self.device.security.keys.keys(CONTINGENCY, KeyUsage.DS)
        if not any(e.public_key.public_numbers() == key.public_numbers() for e in signers):
            return "the command is not signed with the unwrapped contingency key"
        return ""

    def _root(self, command: Mapping[str, Any]) -> x509.Certificate | None:
        """The root the command's certificates must chain to: the one it installs, else the
        one held (None: the RTDS root, whose certificate is unknown)."""
        for item in command.get("replacements", []):
            if _cell_of(item.get("target_ta_cell_id") or {}) == ROOT_CELL:
                found = _certificate(str(item.get("certificate", "")))
                return found[2] if found is not None else None
        held = self.cells.get(ROOT_CELL)
        return held.certificate if held is not None else None

    def _check(self, mode: int, item: Mapping[str, Any], path: Sequence[str],
               root: x509.Certificate | None) -> int:
        """The status one replacement would have (module docstring)."""
        cell = _cell_of(item.get("target_ta_cell_id") or {})
        if cell is None or cell[0] not in MODE_TARGET_ROLES.get(mode, frozenset()):
            return STATUS_OTHER
        if cell not in self.cells and cell != ROOT_CELL:
            return STATUS_NOT_FOUND
        found = _certificate(str(item.get("certificate", "")))
        if found is None or cell[1] not in (found[0].get("key_usage") or []):
            return STATUS_BAD_CERTIFICATE
        # Validity periods are not checked: RTDS devices at 2015-01-01 take certificates
        # valid from 2016-01-10 whether or not time-based CPV checks are disapplied.
        if cell == ROOT_CELL:
            return STATUS_SUCCESS if _issued_by(found[2], [str(item["certificate"])]) \
                else STATUS_BAD_CERTIFICATE
        if found[0].get("key_usage") != [cell[1]] or not found[0].get("entity_id") or \
                not _chains(found[2], path, root):
            return STATUS_BAD_CERTIFICATE
        return STATUS_SUCCESS

    def _replace(self, command: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
        """Replace every cell the command names, or none; (execution outcome, success)."""
        mode = int(command["control"]["credentials_replacement_mode"])
        items = command.get("replacements", [])
        path = command.get("certification_path") or []
        root = self._root(command)
        statuses = [self._check(mode, item, path, root) for item in items]
        ok = bool(items) and not any(statuses)
        if not ok:  # the valid ones are not replaced either
            statuses = [status or STATUS_OTHER for status in statuses]
        installed: list[KeyEntry | None] = [None] * len(items)
        existing = [self._held(_cell_of(item["target_ta_cell_id"]) or (-1, "", 0))
                    for item in items]
        if ok:
            for i, item in enumerate(items):
                cell = _cell_of(item["target_ta_cell_id"])
                assert cell is not None
                installed[i] = self._install(cell, str(item["certificate"]))
            for change in self._seq_changes(command):
                self.seq_numbers[str(change["role"])] = int(change["seq_number"])
        return self._outcome(command, statuses, installed, existing), ok

    def _install(self, cell: Cell, certificate: str) -> KeyEntry:
        """Have the device trust ``certificate`` in ``cell`` instead of the key held there
        (the root only checks certificates: it joins no key store)."""
        assert self.device is not None, "the model is bound to no device"
        found = _certificate(certificate)
        if found is None:
            raise GfiError(f"trust anchor {_cell_name(cell)}: unreadable certificate")
        details, public, cert = found
        if cell == ROOT_CELL:
            entry = KeyEntry(ROOT_ENTITY, KeyUsage.DS, public, None, cert,
                             ["trust anchor root"], 0)
        else:
            old = self.cells.get(cell)
            if old is not None and any(e is old for c, e in self.cells.items() if c != cell):
                old = None  # another cell still holds that key
            entry = self.device.replace_trusted_key(old, KeyEntry(
                str(details["entity_id"]), STORE_USAGES[cell[1:]], public, None, cert,
                [f"trust anchor {_cell_name(cell)}"], cell[0]))
        self.cells[cell] = entry
        self.replaced[_cell_name(cell)] = certificate.upper()
        logger.info("%s trusts %s in cell %s", self.identity.eui64, entry.entity,
                    _cell_name(cell))
        return entry

    @staticmethod
    def _seq_changes(command: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The sequence-number changes a command makes: the new floor for the role replaced,
        then the other parties' (RTDS CS02b/CS02g responses)."""
        control = command["control"]
        items = command.get("replacements", [])
        changes = []
        if control.get("new_floor_seq_number") is not None and items:
            changes.append({"role": int(items[0]["target_ta_cell_id"]["role"]),
                            "seq_number": control["new_floor_seq_number"],
                            "specialist_seq_numbers": control.get("specialist_floor_seq_numbers")})
        for change in control.get("other_party_seq_number_changes") or []:
            changes.append({"role": change["role"], "seq_number": change["seq_number"],
                            "specialist_seq_numbers": change.get("specialist_seq_numbers")})
        return changes

    def _outcome(self, command: Mapping[str, Any], statuses: Sequence[int],
                 installed: Sequence[KeyEntry | None],
                 existing: Sequence[tuple[str, str]] | None = None) -> dict[str, Any]:
        """The execution outcome (CS02b/CS02g response and alert, §2.4): per cell its status
        and the subject id and key identifier held before and after (the same when the cell
        was not replaced, as RTDS shows)."""
        items = command.get("replacements", [])
        if existing is None:
            existing = [self._held(_cell_of(item["target_ta_cell_id"]) or (-1, "", 0))
                        for item in items]
        outcomes = []
        for item, status, before, new in zip(items, statuses, existing, installed, strict=True):
            after = (new.entity, key_identifier(new)) if new is not None else before
            outcomes.append({
                "affected_ta_cell_id": item["target_ta_cell_id"], "status": status,
                "existing_subject_unique_id": before[0],
                "existing_subject_key_identifier": before[1],
                "replacing_subject_unique_id": after[0],
                "replacing_subject_key_identifier": after[1]})
        return {"authorising_seq_number": command["control"]["authorising_seq_number"],
                "credentials_replacement_mode":
                    command["control"]["credentials_replacement_mode"],
                "seq_number_changes": self._seq_changes(command),
                "replacement_outcomes": outcomes}

    # -- the device's own certificates (CS02d) ----------------------------------------------
    def on_cs02d(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        """Update Device Certificates on Device (§2.4 response codes; module docstring)."""
        def answer(code: int, change: str) -> HandleResult:
            return HandleResult({"schema": "CS02d.response", "response_code": code}, [change])

        found = _certificate(str(request.get("certificate", "")))
        issuer = self.identity.ca_certificate
        if found is None or issuer is None or not _issued_by(found[2], [
                issuer.public_bytes(serialization.Encoding.DER).hex()]):
            return answer(1, "invalid certificate (not one the device's CA issued)")
        details, public, _ = found
        if details.get("entity_id") != self.identity.eui64:
            return answer(2, f"wrong device identity {details.get('entity_id')}")
        usage = details.get("key_usage") or []
        if usage not in ([KEY_USAGE_DS], [KEY_USAGE_KA]):
            return answer(3, f"invalid key usage {usage}")
        key = self.identity.ds_key if usage == [KEY_USAGE_DS] else self.identity.ka_key
        if key is None:
            return answer(4, "no corresponding key pair")
        if key.public_key().public_numbers() != public.public_numbers():
            return answer(5, "wrong public key")
        self.device_certificates[usage[0]] = str(request["certificate"]).upper()
        self._take_certificate(usage[0], self.device_certificates[usage[0]])
        return answer(0, f"new {usage[0]} device certificate installed")

    def _take_certificate(self, usage: str, certificate: str) -> None:
        """Hold ``certificate`` as the device's own for ``usage`` (CS02d, CS02e)."""
        cert = x509.load_der_x509_certificate(bytes.fromhex(certificate))
        if usage == KEY_USAGE_DS:
            self.identity.ds_certificate = cert
        else:
            self.identity.ka_certificate = cert
        if self.device is not None:
            store_usage = KeyUsage.DS if usage == KEY_USAGE_DS else KeyUsage.KA
            for entry in self.device.security.keys.keys(self.identity.eui64, store_usage):
                if entry.private_key is not None:
                    entry.certificate = cert

    # -- firmware (CS06) --------------------------------------------------------------------
    def on_cs06(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        image_hash = str(request["manufacturer_image_hash"]).upper()
        when = request.get("execution_date_time")
        if when == NEVER:
            before = len(self.pending)
            self.pending = [p for p in self.pending if p[3] != ctx.message_code]
            return HandleResult({"schema": "CS06.response.accepted"},
                                [f"{before - len(self.pending)} activation(s) cancelled"])
        if when is not None:
            self.pending.append([when, image_hash, int(request["originator_counter"]),
                                 ctx.message_code, ctx.requester])
            return HandleResult({"schema": "CS06.response.accepted"},
                                [f"firmware activation scheduled for {when}"])
        return HandleResult(self._activate(image_hash), [f"firmware activation: {image_hash}"])

    def _activate(self, image_hash: str) -> dict[str, Any]:
        if not self.images:
            return {"schema": "CS06.response.outcome", "response_code": 1,
                    "firmware_version": self.firmware_version}
        version = self.images.get(image_hash)
        if version is None:
            return {"schema": "CS06.response.outcome", "response_code": 2,
                    "firmware_version": self.firmware_version}
        self.firmware_version = version
        del self.images[image_hash]
        return {"schema": "CS06.response.outcome", "response_code": 0,
                "firmware_version": self.firmware_version}

    # -- the GSME clock (GCS28) -------------------------------------------------------------
    def on_gcs28(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        """Set Clock: the device's time is reliable (0) when it lies in the validity interval,
        else unreliable (2), as RTDS 8.1.1 shows for a time outside it (§2.4)."""
        start = parse_generalized_time(str(request["validity_interval_start"]))
        end = parse_generalized_time(str(request["validity_interval_end"]))
        reliable = start <= ctx.now <= end
        note = "clock reliable" if reliable else "clock outside the validity interval"
        return HandleResult({"schema": "GCS28.response", "device_time": generalized_time(ctx.now),
                             "device_time_status": 0 if reliable else 2}, [note])

    # -- future-dated execution -------------------------------------------------------------
    def tick(self, now: dt.datetime) -> list[FutureDatedExecution]:
        """Run the activations and credential updates that are due; what to report (CS06
        alert 0x00CA, CS02b 0x00CB, CS02g 0x0124, to the command's originator)."""
        out = []
        for pending in [p for p in self.pending if parse_generalized_time(p[0]) <= now]:
            self.pending.remove(pending)
            when, image_hash, counter, code, *rest = pending
            outcome = self._activate(image_hash)
            out.append(FutureDatedExecution(
                message_code=code, originator_counter=counter,
                success=outcome["response_code"] == 0,
                target={"alert": CS06_ALERT, "recipient": rest[0] if rest else None,
                        "payload": {"schema": "CS06.alert", "execution_date_time": when,
                                    "originator_counter": counter,
                                    "outcome": {k: v for k, v in outcome.items()
                                                if k != "schema"}}},
                executed_at=now))
        for update in [p for p in self.pending_credentials
                       if parse_generalized_time(p["when"]) <= now]:
            self.pending_credentials.remove(update)
            outcome, ok = self._replace(update["command"])
            cs02g = update["message_code"] in CS02G_CODES
            out.append(FutureDatedExecution(
                message_code=update["message_code"], originator_counter=update["counter"],
                success=ok,
                target={"alert": CS02G_ALERT if cs02g else CS02B_ALERT,
                        "recipient": update["requester"],
                        "payload": {"schema": "CS02g.alert" if cs02g else "CS02b.alert",
                                    "execution_date_time": update["when"],
                                    "execution_outcome": outcome}},
                executed_at=now))
        return out
