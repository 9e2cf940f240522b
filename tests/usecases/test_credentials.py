# SPDX-License-Identifier: GPL-3.0-or-later
"""The credential Use Cases replace trust anchors for real (gfi.usecases.credentials,
emulators/asn1_model.py): after each CS02b mode a command signed with the new key is
accepted and one signed with the replaced key refused; what a mode may not do is refused;
CS02d installs the device's new certificate."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from gfi.api import REGISTRY, run_usecase
from gfi.codecs.gbcs import build
from gfi.codecs.gbcs.catalogue import Criticality
from gfi.codecs.gbcs.decoder import decode_message, encode_payload
from gfi.codecs.security.gbcs import SecurityContext
from gfi.codecs.security.keystore import KeyUsage
from gfi.emulators.device import HardwareFault, Rejection
from gfi.emulators.identity import CONTINGENCY, TestCa
from gfi.premises import ACB, SUPPLIER, Premises, bundled_trust
from gfi.results import Verdict
from gfi.usecases import catalogue, load_bundled
from gfi.usecases.params import payload_tree

load_bundled()

NOW = dt.datetime(2015, 1, 1, 12, tzinfo=dt.UTC)
RECOVERY, TCOS, WP, NO = "90B3D51F30000001", "90B3D51F30000004", "90B3D51F30000007", \
    "90B3D51F30020000"




def _send(p: Premises, device: str, code: int, originator: str, payload: dict[str, Any], *,
          security: SecurityContext | None = None,
          criticality: Criticality | None = None) -> tuple[bool, Rejection | None,
                                                           dict[str, Any] | None]:
    """A command straight to a device's GBCS side: (accepted, rejection, response payload)."""
    frame = build.command(code, counter=p.head.next_counter(originator), originator=originator,
                          recipient=p.ids[device], payload=encode_payload(
                              catalogue.get(_id(code)).family, payload))
    frame = build.protect(frame, security or p.head.security, criticality)
    outcome = p.devices[device].process(frame.to_bytes(), NOW)
    response = next((m for m in outcome.messages if m.kind == "response"), None)
    tree = decode_message(response.data, security=p.head.security).payload if response else None
    return outcome.accepted, outcome.rejection, tree


def _id(code: int) -> str:
    return catalogue.by_message_code(code).id


def _signed_by(p: Premises, device: str, party: str, *, old: bool = False
               ) -> tuple[bool, Rejection | None]:
    """A signed command (CS02a, Signature variant) from ``party`` with its current (head end)
    or its replaced (DCC Boxed) key."""
    security = SecurityContext(bundled_trust(), acb=ACB) if old else None
    payload = {"schema": "CS02a.command", "authorising_remote_party_ta_cell_id": {
        "role": 2, "key_usage": ["digitalSignature"], "cell_usage": None}, "roles_required": [2]}
    accepted, rejection, _ = _send(p, device, 0x0008, party, payload, security=security,
                                   criticality=Criticality.CRITICAL_NO_MAC)
    return accepted, rejection


def _statuses(tree: dict[str, Any] | None) -> list[int]:
    assert tree is not None
    return [o["status"] for o in tree["execution_outcome"]["replacement_outcomes"]]


@pytest.mark.parametrize(("uc_id", "device", "parties"), [
    ("CS02bSupplierBySupplier", "ESME", [SUPPLIER]),
    ("CS02bSupplierByTransCoS", "ESME", [SUPPLIER]),
    ("CS02bAnyExceptAbnormalRootByRecovery", "ESME", [SUPPLIER]),
    ("CS02bWPByWP", "CHF", [WP]),
    ("CS02bAnyByContingency", "ESME", [SUPPLIER, RECOVERY, TCOS, NO]),
])
async def test_a_mode_replaces_the_keys_for_real(premises: Premises, uc_id: str, device: str,
                                                 parties: list[str]) -> None:
    for party in parties:
        assert _signed_by(premises, device, party) == (True, None)
    result = await run_usecase(REGISTRY.usecases[uc_id], premises)
    assert result.verdict is Verdict.PASS, result.reason
    for party in parties:
        assert _signed_by(premises, device, party) == (True, None), party
        assert _signed_by(premises, device, party, old=True) == \
            (False, Rejection.BAD_SIGNATURE), party


async def test_supplier_prepayment_key_is_replaced_too(premises: Premises) -> None:
    result = await run_usecase(REGISTRY.usecases["CS02bSupplierBySupplier"], premises)
    assert result.verdict is Verdict.PASS, result.reason
    gbcs = premises.esme.gbcs
    assert gbcs is not None
    held = [e.fingerprint for e in gbcs.security.keys.keys(SUPPLIER, KeyUsage.PP_KA)]
    replaced = bundled_trust().keys(SUPPLIER, KeyUsage.PP_KA)[0]  # the cell's (first) key
    new = premises.smki.party_key(SUPPLIER, KeyUsage.PP_KA).public_key()
    assert replaced.fingerprint not in held
    assert any(e.public_key.public_numbers() == new.public_numbers()
               for e in gbcs.security.keys.keys(SUPPLIER, KeyUsage.PP_KA))


@pytest.mark.parametrize(("uc_id", "device"), [("CS02bRootBySupplier", "ESME"),
                                               ("CS02bRootByWP", "CHF")])
async def test_a_new_root_is_what_certificates_must_chain_to(premises: Premises, uc_id: str,
                                                             device: str) -> None:
    result = await run_usecase(REGISTRY.usecases[uc_id], premises)
    assert result.verdict is Verdict.PASS, result.reason
    root = premises.smki.root.public_bytes(serialization.Encoding.DER).hex().upper()
    assert any(getattr(m, "replaced", {}).get("0/keyCertSign/0") == root  # the new root held
               for m in premises.devices[device].models.values())
    if device != "ESME":
        return
    # certificates of the RTDS root's hierarchy (accepted by a new device: CS02bNOByNO
    # SUCCESS) no longer chain: bad certificate, nothing replaced
    no_by_no = catalogue.get("CS02bNOByNO")
    rtds = payload_tree(no_by_no, "SUCCESS")
    assert _statuses(_send(premises, "ESME", 0x0103, NO, rtds)[2]) == [5, 5]
    # the same party's certificates from the new root's issuing authority do
    smki = premises.smki
    ours = [{"certificate": smki.issue(NO, 3, usage)[1].public_bytes(
        serialization.Encoding.DER).hex().upper(), "target_ta_cell_id": item["target_ta_cell_id"]}
        for usage, item in zip((KeyUsage.DS, KeyUsage.KA), rtds["replacements"], strict=True)]
    tree = payload_tree(no_by_no, "SUCCESS", replacements=ours, certification_path=[
        smki.ia.public_bytes(serialization.Encoding.DER).hex().upper()])
    assert _statuses(_send(premises, "ESME", 0x0103, NO, tree)[2]) == [0, 0]


@pytest.mark.parametrize(("code", "originator"), [
    (0x0102, NO),          # supplierBySupplier from the network operator
    (0x0102, TCOS),        # … from the TCoS (supplierByTransCoS is its mode)
    (0x0107, SUPPLIER),    # supplierByTransCoS from the supplier
    (0x0108, SUPPLIER),    # the Recovery mode from the supplier
    (0x0100, NO),          # rootBySupplier from the network operator
])
async def test_a_mode_is_refused_to_another_party(premises: Premises, code: int,
                                                  originator: str) -> None:
    defn = catalogue.by_message_code(code)
    default = payload_tree(defn)
    accepted, _, tree = _send(premises, "ESME", code, originator, default)
    assert accepted  # the command is authentic, but not authorised for its mode
    assert set(_statuses(tree)) == {127}
    assert _signed_by(premises, "ESME", SUPPLIER, old=True) == (True, None)


async def test_a_mode_must_be_its_message_code(premises: Premises) -> None:
    tree = payload_tree(catalogue.get("CS02bNOByNO"), "SUCCESS")
    tree["control"]["credentials_replacement_mode"] = 8  # sent as 0x0103
    assert set(_statuses(_send(premises, "ESME", 0x0103, NO, tree)[2])) == {127}


async def test_contingency_needs_the_key_that_unwraps_it(premises: Premises) -> None:
    defn = catalogue.get("CS02bAnyByContingency")
    wrong = payload_tree(defn, control_plaintext_symmetric_key="11" * 16)
    assert set(_statuses(_send(premises, "ESME", 0x0109, CONTINGENCY, wrong)[2])) == {127}
    assert _signed_by(premises, "ESME", SUPPLIER, old=True) == (True, None)


async def test_cs02d_installs_the_new_device_certificate(premises: Premises) -> None:
    result = await run_usecase(REGISTRY.usecases["CS02d"], premises)
    assert result.verdict is Verdict.PASS, result.reason
    ident = premises.identities["ESME"]
    assert ident.ds_key is not None and ident.ds_certificate is not None
    _, _, tree = _send(premises, "ESME", 0x000C, SUPPLIER,
                       {"schema": "CS02e.command", "key_usage": ["digitalSignature"]})
    assert tree is not None
    installed = ident.ds_certificate.public_bytes(serialization.Encoding.DER).hex().upper()
    assert tree["certificate"] == installed
    reissued = premises.ca.issue(ident.eui64, KeyUsage.DS, ident.ds_key.public_key(),
                                 generation=2)
    assert ident.ds_certificate.serial_number == reissued.serial_number


@pytest.mark.parametrize(("how", "code"), [("other device", 2), ("other CA", 1),
                                           ("key agreement key as DS", 5)])
async def test_cs02d_refuses_a_certificate_not_for_the_device(premises: Premises, how: str,
                                                              code: int) -> None:
    ident, gsme = premises.identities["ESME"], premises.identities["GSME"]
    assert ident.ds_key is not None and ident.ka_key is not None and gsme.ds_key is not None
    if how == "other device":
        cert = premises.ca.issue(gsme.eui64, KeyUsage.DS, ident.ds_key.public_key())
    elif how == "other CA":
        cert = TestCa("another").issue(ident.eui64, KeyUsage.DS, ident.ds_key.public_key())
    else:
        cert = premises.ca.issue(ident.eui64, KeyUsage.DS, ident.ka_key.public_key(),
                                 generation=3)
    payload = {"schema": "CS02d.command",
               "certificate": cert.public_bytes(serialization.Encoding.DER).hex().upper()}
    _, _, tree = _send(premises, "ESME", 0x000B, SUPPLIER, payload)
    assert tree is not None and tree["response_code"] == code


async def test_the_head_end_adopts_new_keys_only_when_the_device_took_them(
        premises: Premises) -> None:
    before = premises.head.keys.signing_key(SUPPLIER).private_numbers()
    esme = premises.esme.gbcs
    assert esme is not None
    esme.inject(HardwareFault(message_code=0x0102))
    result = await run_usecase(REGISTRY.usecases["CS02bSupplierBySupplier"], premises)
    assert result.verdict is Verdict.FAIL  # the device reports status 10 per cell
    assert premises.head.keys.signing_key(SUPPLIER).private_numbers() == before
