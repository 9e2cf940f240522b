# SPDX-License-Identifier: GPL-3.0-or-later
"""The device's own ASN.1 use cases, through the GBCS device core and real framing."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from gfi.codecs.asn1 import decode_asn1_payload, encode_asn1_payload
from gfi.codecs.gbcs import build
from gfi.codecs.gbcs.catalogue import DeviceType, PayloadFamily
from gfi.codecs.gbcs.decoder import DecodedMessage, decode_message
from gfi.codecs.gbcs.message import GbcsFrame
from gfi.codecs.security.gbcs import SecurityContext, Verdict, secure
from gfi.codecs.security.keystore import InMemoryKeyStore, KeyUsage, parse_dccboxed_keystore
from gfi.emulators.asn1_model import RTDS_DEVICE_LOG, Asn1Model
from gfi.emulators.device import GbcsDevice, HardwareFault, Outcome, Rejection
from gfi.emulators.identity import DeviceIdentity, TestCa, derive_key
from tests.conftest import DCCBOXED_KEYSTORE, RTDS_VECTORS, rtds_bytes

SUPPLIER = "90B3D51F30010000"
ESME = "00DB1234567890A0"
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
IMAGE = "AB" * 32


@pytest.fixture()
def env():  # type: ignore[no-untyped-def]
    trust = parse_dccboxed_keystore(DCCBOXED_KEYSTORE.read_text())
    ident = DeviceIdentity.create(ESME, DeviceType.ESME, seed="asn1")
    model = Asn1Model(ident)
    device = GbcsDevice(ident, trust=trust, acb="90B3D51F30000002",
                        models={PayloadFamily.ASN1: model})
    head = InMemoryKeyStore()
    head.merge(trust)
    ident.publish(head)
    return device, model, SecurityContext(head)


def _send(device, head, code: int, payload: bytes, counter: int, now=T0):  # type: ignore[no-untyped-def]
    frame = build.protect(build.command(code, counter=counter, originator=SUPPLIER,
                                        recipient=ESME, payload=payload), head)
    outcome = device.process(frame.to_bytes(), now)
    assert outcome.accepted, outcome.rejection
    return [decode_message(m.data, security=head) for m in outcome.messages]


def test_cs06_immediate_and_hash_mismatch(env) -> None:  # type: ignore[no-untyped-def]
    device, model, head = env
    model.distribute_image(IMAGE, "0123ABCE")
    (bad,) = _send(device, head, 0x0012, build.cs06_payload(bytes(32), 1000), 1000)
    assert bad.payload["response_code"] == 2  # type: ignore[index]
    (good,) = _send(device, head, 0x0012, build.cs06_payload(bytes.fromhex(IMAGE), 1001), 1001)
    assert isinstance(good.frame, GbcsFrame) and good.signature.verdict is Verdict.VALID
    assert good.payload == {"schema": "CS06.response.outcome", "response_code": 0,  # type: ignore[comparison-overlap]
                            "response_code_name": "success", "firmware_version": "0123ABCE"}


def test_cs06_future_dated_alert(env) -> None:  # type: ignore[no-untyped-def]
    device, model, head = env
    model.distribute_image(IMAGE, "0123ABCF")
    (accepted,) = _send(device, head, 0x0012,
                        build.cs06_payload(bytes.fromhex(IMAGE), 1000, "20260102000000Z"), 1000)
    assert accepted.payload == {"schema": "CS06.response.accepted"}  # type: ignore[comparison-overlap]
    assert device.tick(T0) == []
    (alert,) = device.tick(T0 + dt.timedelta(days=2))
    dm = decode_message(alert.data, security=head)
    assert dm.signature.verdict is Verdict.VALID and alert.message_code == 0x00CA
    assert dm.payload["alert_code"] == 0x8F66  # type: ignore[index]
    assert dm.payload["outcome"]["firmware_version"] == "0123ABCF"  # type: ignore[index]
    assert model.firmware_version == "0123ABCF"


def test_join_read_unjoin_and_certificates(env) -> None:  # type: ignore[no-untyped-def]
    device, model, head = env
    join = encode_asn1_payload({"schema": "CS03A2.command", "join_method_and_role": 0,
                                "other_entity_id": "00DB1234567890A4",
                                "other_device_type": 5, "other_device_certificate": None})
    (r,) = _send(device, head, 0x00AB, join, 1000)
    assert r.payload["response_code"] == 0  # type: ignore[index]
    unjoin = encode_asn1_payload({"schema": "CS04AC.command",
                                  "other_entity_id": "00DB1234567890A4"})
    (r,) = _send(device, head, 0x000F, unjoin, 1001)
    assert r.payload["response_code"] == 0  # type: ignore[index]
    assert model.joined == dict(RTDS_DEVICE_LOG)  # back to the initial device log
    (r,) = _send(device, head, 0x000F, unjoin, 1002)
    assert r.payload["response_code"] == 1  # type: ignore[index]
    request = encode_asn1_payload({"schema": "CS02e.command", "key_usage": ["keyAgreement"]})
    (r,) = _send(device, head, 0x000C, request, 1003)
    cert = bytes.fromhex(r.payload["certificate"])  # type: ignore[index]
    assert decode_asn1_payload(cert, message_code=0x000C, cra=2)["schema"].startswith("CS02e")


# ----------------------------------------------------------------------------
# RTDS commands replayed to the emulated device (gbcs-protocol.md §2.4)
# ----------------------------------------------------------------------------
#: Device time of the RTDS responses (grouping-header date-time 2015-01-01 00:00:00).
RTDS_NOW = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)
NO = "90B3D51F30020000"
ACB = "90B3D51F30000002"
LOAD_CONTROLLER = "90B3D51F30010008"


def rtds(name: str) -> DecodedMessage:
    """The RTDS vector ``<name>_GBCS.HEX``, decoded."""
    return decode_message(rtds_bytes(next(RTDS_VECTORS.rglob(f"{name}_GBCS.HEX"))))


def replay(device: GbcsDevice, head: SecurityContext, name: str, now: dt.datetime = RTDS_NOW,
           counter: int | None = None) -> Outcome:
    """The RTDS command ``name`` (its message code, counter, originator, other-information and
    payload) protected as RTDS protected it, with the test keys, for the emulated device."""
    command = rtds(f"{name}_COMMAND").frame
    assert isinstance(command, GbcsFrame)
    oi = command.other_information
    frame = build.command(
        command.message_code, counter=command.counter if counter is None else counter,
        originator=command.originator, recipient=device.eui64, payload=command.payload,
        supplementary_remote_party_id=oi.supplementary_remote_party_id,
        supplementary_remote_party_counter=oi.supplementary_remote_party_counter)
    frame = secure(frame, head, sign=bool(command.signature), mac=command.mac is not None)
    return device.process(frame.to_bytes(), now)


def answer(outcome: Outcome, head: SecurityContext) -> DecodedMessage:
    assert outcome.accepted, (outcome.rejection, outcome.detail)
    (response,) = [m for m in outcome.messages if m.kind == "response"]
    dm = decode_message(response.data, security=head)
    assert dm.ok and dm.signature.verdict in (Verdict.VALID, Verdict.ABSENT)
    assert dm.mac.verdict in (Verdict.VALID, Verdict.ABSENT)
    return dm


def rtds_payload(name: str) -> dict[str, Any]:
    payload = rtds(name).payload
    assert payload is not None
    return payload


def _probe(device: GbcsDevice, head: SecurityContext, originator: str, counter: int,
           mac: bool = True) -> Outcome:
    """A critical command (CS02e) from ``originator``, signed with ``head``'s first key."""
    payload = encode_asn1_payload({"schema": "CS02e.command", "key_usage": ["keyAgreement"]})
    frame = build.command(0x000C, counter=counter, originator=originator,
                          recipient=device.eui64, payload=payload)
    return device.process(secure(frame, head, sign=True, mac=mac).to_bytes(), RTDS_NOW)


def _head(trust: InMemoryKeyStore, device: DeviceIdentity, prefer: str = "") -> SecurityContext:
    """The head end's keys: the remote parties' (``prefer``'s first) and the device's
    certificates."""
    keys = InMemoryKeyStore()
    keys.merge(trust)
    device.publish(keys)
    if prefer:
        keys.prefer(prefer)
    return SecurityContext(keys)


@pytest.fixture()
def rtds_env():  # type: ignore[no-untyped-def]
    """An emulated ESME trusting the DCC Boxed keys, as the RTDS ESME does."""
    trust = parse_dccboxed_keystore(DCCBOXED_KEYSTORE.read_text())
    ident = DeviceIdentity.create(ESME, DeviceType.ESME, seed="asn1")
    model = Asn1Model(ident)
    device = GbcsDevice(ident, trust=trust, acb=ACB, models={PayloadFamily.ASN1: model})
    return device, model, _head(trust, ident), trust


@pytest.mark.parametrize("folder", [
    "CS02bNOByNO_6.15.1_SUCCESS", "CS02bACBByACB_8.5_SUCCESS",
    "CS02bTransCoSByTransCoS_NA_SUCCESS"])
def test_cs02b_replaces_the_trust_anchors_as_rtds_does(rtds_env, folder: str) -> None:  # type: ignore[no-untyped-def]
    device, _, head, _ = rtds_env
    dm = answer(replay(device, head, folder), head)
    assert dm.payload["schema"] == "CS02b.response"  # type: ignore[index]
    # the same cells, statuses, subject ids and key identifiers before and after as RTDS
    assert dm.payload["execution_outcome"] == rtds_payload(  # type: ignore[index]
        f"{folder}_RESPONSE")["execution_outcome"]
    assert dm.signature.verdict is Verdict.VALID  # signed, even to the MAC-only ACBByACB


def test_cs02b_acb_by_acb_makes_the_device_check_macs_with_the_new_acb_key(rtds_env) -> None:  # type: ignore[no-untyped-def]
    device, _, head, trust = rtds_env
    answer(replay(device, head, "CS02bACBByACB_8.5_SUCCESS"), head)
    old = _probe(device, head, SUPPLIER, 2000)  # MAC'd with the Z1 ACB key
    assert not old.accepted and old.rejection is Rejection.BAD_MAC
    new = _head(trust, device.identity, prefer="Z1b-accessControlBroker")
    assert _probe(device, new, SUPPLIER, 2001).accepted


def test_cs02b_new_key_accepted_old_key_rejected(rtds_env) -> None:  # type: ignore[no-untyped-def]
    """A network operator replaces its signing key by one generated here (emulators/identity
    helpers): afterwards its commands verify with the new key only — also after a restart."""
    device, model, head, trust = rtds_env
    ca = TestCa("cs02b-test")
    ca_der = _ca_certificate(ca).public_bytes(serialization.Encoding.DER).hex().upper()
    key = derive_key("cs02b-test", NO, "ds")
    cert = ca.issue(NO, KeyUsage.DS, key.public_key()).public_bytes(serialization.Encoding.DER)
    template = rtds_payload("CS02bNOByNO_6.15.1_SUCCESS_COMMAND")
    ds_cell = {"role": 3, "key_usage": ["digitalSignature"], "cell_usage": None}

    def command(counter: int, *replacements: tuple[bytes, dict[str, Any]]) -> bytes:
        control = {**template["control"], "authorising_seq_number": counter}
        return encode_asn1_payload({
            "schema": "CS02b.command", "control": control, "execution_date_time": None,
            "certification_path": [ca_der], "replacements": [
                {"certificate": c.hex().upper(), "target_ta_cell_id": t}
                for c, t in replacements]})

    def send(payload: bytes, counter: int) -> dict[str, Any]:
        frame = secure(build.command(0x0103, counter=counter, originator=NO, recipient=ESME,
                                     payload=payload), head, sign=True, mac=True)
        outcome = answer(device.process(frame.to_bytes(), RTDS_NOW), head).payload
        assert outcome is not None
        return outcome["execution_outcome"]  # type: ignore[no-any-return]

    # all or nothing: a certificate that does not fit its cell fails, the other is not used
    ka_cell = {**ds_cell, "key_usage": ["keyAgreement"]}
    refused = send(command(5000, (cert, ds_cell), (cert, ka_cell)), 5000)
    assert [o["status"] for o in refused["replacement_outcomes"]] == [127, 5]
    stranger = TestCa("someone else").issue(NO, KeyUsage.DS, key.public_key())
    refused = send(command(5001, (stranger.public_bytes(serialization.Encoding.DER), ds_cell)),
                   5001)
    assert refused["replacement_outcomes"][0]["status"] == 5  # not issued by the path's CA
    assert _probe(device, head, NO, 5002).accepted  # the old key still holds

    done = send(command(5003, (cert, ds_cell)), 5003)
    (replaced,) = done["replacement_outcomes"]
    assert replaced["status"] == 0 and replaced["replacing_subject_unique_id"] == NO
    assert replaced["existing_subject_key_identifier"] == "48CF97FA9F827FB5"  # Z1 NO DS
    new_head = _head(trust, device.identity)
    new_head.keys.add_private_key(NO, KeyUsage.DS, key, label="new-NO-ds")  # type: ignore[attr-defined]
    new_head.keys.prefer("new-NO")  # type: ignore[attr-defined]
    assert _probe(device, new_head, NO, 5004).accepted
    old = _probe(device, head, NO, 5005)
    assert not old.accepted and old.rejection is Rejection.BAD_SIGNATURE

    # the replacement is part of the state: a device built again trusts the new key only
    state = json.loads(json.dumps(model.state()))
    ident = device.identity
    again = GbcsDevice(ident, trust=trust, acb=ACB, state=device.state(),
                       models={PayloadFamily.ASN1: Asn1Model(ident, state=state)})
    assert _probe(again, new_head, NO, 5006).accepted
    assert _probe(again, head, NO, 5007).rejection is Rejection.BAD_SIGNATURE


def _ca_certificate(ca: TestCa) -> x509.Certificate:
    """The test CA's own certificate, the certification path of the replacement."""
    return (x509.CertificateBuilder().subject_name(ca.name).issuer_name(ca.name)
            .public_key(ca.key.public_key()).serial_number(1)
            .not_valid_before(dt.datetime(2015, 1, 1, tzinfo=dt.UTC))
            .not_valid_after(dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(ca.key, hashes.SHA256()))


def _without_lc_key_ids(outcome: dict[str, Any]) -> dict[str, Any]:
    """An outcome without the load controller's existing key identifiers: RTDS's load
    controller key is not the DCC Boxed one the emulated device trusts (gbcs-security.md
    §2.2)."""
    return {**outcome, "replacement_outcomes": [
        {k: v for k, v in o.items() if k != "existing_subject_key_identifier"}
        for o in outcome["replacement_outcomes"]]}


def test_cs02g_immediate_replaces_the_load_controller(rtds_env) -> None:  # type: ignore[no-untyped-def]
    device, model, head, _ = rtds_env
    name = "CS02gLoadControllerBySupplier_6.15.1_IMMEDIATE_SUCCESS"
    dm = answer(replay(device, head, name), head)
    want = rtds_payload(f"{name}_RESPONSE")["execution_outcome"]
    assert _without_lc_key_ids(dm.payload["execution_outcome"]) == _without_lc_key_ids(want)  # type: ignore[index]
    assert model.seq_numbers == {"8": 0}
    # the load controller cells now hold the supplier's keys: the old load controller is
    # no longer a party the device trusts
    assert _probe(device, head, LOAD_CONTROLLER, 9000).rejection is \
        Rejection.UNKNOWN_ORIGINATOR


def test_cs02g_future_dated_runs_at_its_time_and_alerts(rtds_env) -> None:  # type: ignore[no-untyped-def]
    device, _, head, _ = rtds_env
    name = "CS02gLoadControllerBySupplier_6.15.1_FUTURE_DATED_SUCCESS"
    dm = answer(replay(device, head, name), head)
    assert dm.payload == rtds_payload(f"{name}_RESPONSE")  # accepted, nothing done yet
    assert _probe(device, head, LOAD_CONTROLLER, 9000).accepted
    due = dt.datetime(2030, 1, 15, tzinfo=dt.UTC)
    assert device.tick(due - dt.timedelta(seconds=1)) == []
    (alert,) = device.tick(due)
    assert alert.message_code == 0x0124 and alert.recipient == SUPPLIER
    got = decode_message(alert.data, security=head)
    want = rtds_payload("CS02gLoadControllerBySupplier_6.15.1_8F66_FUTURE_DATED_SUCCESS_ALERT")
    assert got.signature.verdict is Verdict.VALID and got.payload is not None
    assert got.payload["alert_code"] == 0x8F66
    assert got.payload["execution_date_time"] == want["execution_date_time"]
    assert _without_lc_key_ids(got.payload["execution_outcome"]) == \
        _without_lc_key_ids(want["execution_outcome"])
    assert _probe(device, head, LOAD_CONTROLLER, 9001).rejection is \
        Rejection.UNKNOWN_ORIGINATOR
    assert device.tick(due + dt.timedelta(days=1)) == []


def test_cs02g_cancellation(rtds_env) -> None:  # type: ignore[no-untyped-def]
    device, model, head, _ = rtds_env
    answer(replay(device, head, "CS02gLoadControllerBySupplier_6.15.1_FUTURE_DATED_SUCCESS"),
           head)
    name = "CS02gLoadControllerBySupplier_6.15.1_CANCELLATION_SUCCESS"
    dm = answer(replay(device, head, name), head)
    assert dm.payload == rtds_payload(f"{name}_RESPONSE")
    assert model.pending_credentials == []
    assert device.tick(dt.datetime(2031, 1, 1, tzinfo=dt.UTC)) == []


@pytest.mark.parametrize("name", ["CS02aMAC_6.24.1_SUCCESS", "CS02fSignature_NA_SUCCESS",
                                  "CS02aSignature_NA_ERROR"])
def test_cs02a_lists_the_trust_anchor_cells(rtds_env, name: str) -> None:  # type: ignore[no-untyped-def]
    device, _, head, _ = rtds_env
    dm = answer(replay(device, head, name), head)
    want = rtds_payload(f"{name}_RESPONSE")
    assert dm.payload is not None and dm.payload["schema"] == want["schema"]
    for got, expected in zip(dm.payload["remote_parties"], want["remote_parties"], strict=True):
        # sequence numbers are the RTDS device's own history
        assert {**got, "current_seq_number": None} == {**expected, "current_seq_number": None}


def test_cs02c_issues_a_certification_request(rtds_env) -> None:  # type: ignore[no-untyped-def]
    device, _, head, _ = rtds_env
    dm = answer(replay(device, head, "CS02c_6.17_SUCCESS"), head)
    want = rtds_payload("CS02c_6.17_SUCCESS_RESPONSE")
    assert dm.payload is not None and dm.payload["schema"] == want["schema"]
    info = dm.payload["certification_request_info"]
    assert info == {**want["certification_request_info"], "entity_id": ESME}


@pytest.mark.parametrize("name", ["CS02c_6.17_ERROR", "CS02e_6.24.2_ERROR"])
def test_credentials_error_forms_carry_the_response_code(rtds_env, name: str) -> None:  # type: ignore[no-untyped-def]
    device, _, head, _ = rtds_env
    want = rtds_payload(f"{name}_RESPONSE")
    device.inject(HardwareFault(asn1_response_code=want["response_code"]))
    assert answer(replay(device, head, name), head).payload == want


@pytest.mark.parametrize("name", ["CS04ACCritical_8.8.1_SUCCESS",
                                  "CS04ACNonCritical_8.8.2_SUCCESS",
                                  "CS04ACCritical_8.8.1_ERROR"])
def test_cs04ac_unjoins_what_the_rtds_device_log_holds(rtds_env, name: str) -> None:  # type: ignore[no-untyped-def]
    device, _, head, _ = rtds_env
    assert answer(replay(device, head, name), head).payload == rtds_payload(f"{name}_RESPONSE")


def test_cs06_activates_the_image_rtds_activates(rtds_env) -> None:  # type: ignore[no-untyped-def]
    device, model, head, _ = rtds_env
    name = "CS06_11.3_IMMEDIATE_SUCCESS"
    assert answer(replay(device, head, name), head).payload == rtds_payload(f"{name}_RESPONSE")
    assert model.firmware_version == "0123ABCE" and model.images == {}


def test_cs06_cancellation(rtds_env) -> None:  # type: ignore[no-untyped-def]
    device, model, head, _ = rtds_env
    answer(replay(device, head, "CS06_11.3_FUTURE_DATED_SUCCESS"), head)
    name = "CS06_11.3_CANCELLATION_SUCCESS"
    assert answer(replay(device, head, name), head).payload == rtds_payload(f"{name}_RESPONSE")
    assert model.pending == [] and device.tick(dt.datetime(2031, 1, 1, tzinfo=dt.UTC)) == []


@pytest.mark.parametrize("name, status", [("GCS28Commission_8.1.1_SUCCESS", 0),
                                          ("GCS28Commission_8.1.1_ERROR", 2)])
def test_gcs28_answers_the_gcs28_response(rtds_env, name: str, status: int) -> None:  # type: ignore[no-untyped-def]
    device, _, head, _ = rtds_env
    dm = answer(replay(device, head, name), head)
    assert dm.payload is not None and dm.payload["schema"] == "GCS28.response"
    assert dm.payload["device_time"] == "20150101000000Z"
    assert dm.payload["device_time_status"] == status
    if status:  # outside the validity interval: RTDS's answer, to the byte
        assert dm.payload == rtds_payload(f"{name}_RESPONSE")


def test_cs02g_hardware_fault_gives_the_rtds_error_outcome(rtds_env) -> None:  # type: ignore[no-untyped-def]
    """A failing device leaves every cell as it was (status 10, existing = replacing), as the
    RTDS IMMEDIATE_ERROR response shows; the load controller is still trusted."""
    device, model, head, _ = rtds_env
    name = "CS02gLoadControllerBySupplier_6.15.1_IMMEDIATE_ERROR"
    device.inject(HardwareFault(message_code=0x0126))
    dm = answer(replay(device, head, name), head)
    want = rtds_payload(f"{name}_RESPONSE")["execution_outcome"]
    got = dm.payload["execution_outcome"]  # type: ignore[index]
    assert got["seq_number_changes"] == want["seq_number_changes"]
    keys = ("affected_ta_cell_id", "status", "existing_subject_unique_id",
            "replacing_subject_unique_id")
    for mine, theirs in zip(got["replacement_outcomes"], want["replacement_outcomes"],
                            strict=True):
        assert {k: mine[k] for k in keys} == {k: theirs[k] for k in keys}
        assert mine["existing_subject_key_identifier"] == \
            mine["replacing_subject_key_identifier"]
    assert model.replaced == {} and _probe(device, head, LOAD_CONTROLLER, 9000).accepted
