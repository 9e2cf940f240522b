# SPDX-License-Identifier: GPL-3.0-or-later
"""The device's own ASN.1 use cases, through the GBCS device core and real framing."""

from __future__ import annotations

import datetime as dt

import pytest

from gfi.codecs.asn1 import decode_asn1_payload
from gfi.codecs.gbcs import build
from gfi.codecs.gbcs.catalogue import DeviceType, PayloadFamily
from gfi.codecs.gbcs.decoder import decode_message
from gfi.codecs.gbcs.message import GbcsFrame
from gfi.codecs.security.gbcs import SecurityContext, Verdict
from gfi.codecs.security.keystore import InMemoryKeyStore, parse_dccboxed_keystore
from gfi.emulators.asn1_model import Asn1Model
from gfi.emulators.device import GbcsDevice
from gfi.emulators.identity import DeviceIdentity
from tests.conftest import DCCBOXED_KEYSTORE

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
    from gfi.codecs.asn1 import encode_asn1_payload

    device, model, head = env
    join = encode_asn1_payload({"schema": "CS03A2.command", "join_method_and_role": 0,
                                "other_entity_id": "00DB1234567890A4",
                                "other_device_type": 5, "other_device_certificate": None})
    (r,) = _send(device, head, 0x00AB, join, 1000)
    assert r.payload["response_code"] == 0  # type: ignore[index]
    unjoin = encode_asn1_payload({"schema": "CS04AC.command",
                                  "other_entity_id": "00DB1234567890A4"})
    (r,) = _send(device, head, 0x000F, unjoin, 1001)
    assert r.payload["response_code"] == 0 and model.joined == {}  # type: ignore[index]
    (r,) = _send(device, head, 0x000F, unjoin, 1002)
    assert r.payload["response_code"] == 1  # type: ignore[index]
    request = encode_asn1_payload({"schema": "CS02e.command", "key_usage": ["keyAgreement"]})
    (r,) = _send(device, head, 0x000C, request, 1003)
    cert = bytes.fromhex(r.payload["certificate"])  # type: ignore[index]
    assert decode_asn1_payload(cert, message_code=0x000C, cra=2)["schema"].startswith("CS02e")
