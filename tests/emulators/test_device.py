# SPDX-License-Identifier: GPL-3.0-or-later
"""GBCS security on an emulated Type 1 device: accepted commands answered and protected,
rejected commands (tampered signature or MAC, replayed counter, unknown originator) answered
with the right alert and no state change."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from gfi.codecs.gbcs import build
from gfi.codecs.gbcs.catalogue import DeviceType, PayloadFamily
from gfi.codecs.gbcs.decoder import decode_message
from gfi.codecs.gbcs.message import Cra, GbcsFrame
from gfi.codecs.security.gbcs import SecurityContext, Verdict
from gfi.codecs.security.keystore import InMemoryKeyStore, parse_dccboxed_keystore
from gfi.emulators.device import GbcsDevice, Rejection
from gfi.emulators.identity import DeviceIdentity
from gfi.emulators.model import FutureDatedExecution, HandleContext, HandleResult
from tests.conftest import DCCBOXED_KEYSTORE

SUPPLIER = "90B3D51F30010000"
ESME = "00DB1234567890A0"
NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


class EchoModel:
    """Answers every get with long-unsigned 7 and records what it saw."""

    def __init__(self) -> None:
        self.seen: list[HandleContext] = []

    def handle(self, request: dict[str, Any], ctx: HandleContext) -> HandleResult:
        self.seen.append(ctx)
        n = len(request["specs"])
        return HandleResult({"apdu": "access-response", "invoke_id": request["invoke_id"],
                             "date_time": "",
                             "data": [{"type": "long-unsigned", "value": 7}] * n,
                             "results": [{"choice": "get", "result": 0}] * n})

    def tick(self, now: dt.datetime) -> list[FutureDatedExecution]:
        return []

    def state(self) -> dict[str, Any]:
        return {}


@pytest.fixture()
def setup() -> tuple[GbcsDevice, EchoModel, SecurityContext]:
    trust = parse_dccboxed_keystore(DCCBOXED_KEYSTORE.read_text())
    ident = DeviceIdentity.create(ESME, DeviceType.ESME, seed="test")
    model = EchoModel()
    device = GbcsDevice(ident, trust=trust, acb="90B3D51F30000002",
                        models={PayloadFamily.DLMS: model})
    head_keys = InMemoryKeyStore()
    head_keys.merge(trust)
    ident.publish(head_keys)
    return device, model, SecurityContext(head_keys)


def _read(counter: int, originator: str = SUPPLIER) -> GbcsFrame:
    from gfi.codecs.dlms import dlms_invoke_id, encode_dlms_payload

    payload = encode_dlms_payload({
        "apdu": "access-request", "invoke_id": dlms_invoke_id(counter), "date_time": "",
        "specs": [{"choice": "get", "descriptor": {"class_id": 3, "obis": "1-0:2.8.0.255",
                                                   "attribute_id": 2}}],
        "data": [{"type": "null-data"}]})
    return build.command(0x0026, counter=counter, originator=originator, recipient=ESME,
                         payload=payload)


def test_accepted_command_gets_a_macd_response(setup) -> None:  # type: ignore[no-untyped-def]
    device, model, head = setup
    cmd = build.protect(_read(1000), head)
    outcome = device.process(cmd.to_bytes(), NOW)
    assert outcome.accepted and len(outcome.messages) == 1
    dm = decode_message(outcome.messages[0].data, security=head)
    assert isinstance(dm.frame, GbcsFrame) and dm.frame.cra is Cra.RESPONSE
    assert (dm.frame.counter, dm.frame.originator, dm.frame.recipient) == (1000, ESME, SUPPLIER)
    assert dm.mac.verdict is Verdict.VALID
    assert dm.frame.date_time is not None  # ECS17a responses are dated (§1.4)
    assert model.seen[0].requester == SUPPLIER and model.seen[0].requester_role == 2


def _alert_code(outcome, head) -> int:  # type: ignore[no-untyped-def]
    dm = decode_message(outcome.messages[0].data, security=head)
    assert isinstance(dm.frame, GbcsFrame) and dm.frame.cra is Cra.ALERT
    assert dm.frame.message_code == 0x1000 and dm.signature.verdict is Verdict.VALID
    return int(dm.payload["body"]["value"][0]["value"])  # type: ignore[index]


@pytest.mark.parametrize("what", ["mac", "signature", "replay", "unknown", "recipient"])
def test_rejections(setup, what: str) -> None:  # type: ignore[no-untyped-def]
    device, model, head = setup
    assert device.process(build.protect(_read(1000), head).to_bytes(), NOW).accepted
    before = device.state()
    if what == "mac":
        good = build.protect(_read(1001), head)
        raw = good.with_changes(mac=bytes(12)).to_bytes()
        expected, code = Rejection.BAD_MAC, 0x8F53
    elif what == "signature":
        from gfi.codecs.security.gbcs import apply_mac

        signed = build.protect(_read(1001), head, build.Criticality.CRITICAL)
        assert signed.signature
        # a forged signature under a valid MAC: only the signature is wrong
        raw = apply_mac(signed.with_changes(signature=bytes(64)), head).to_bytes()
        expected, code = Rejection.BAD_SIGNATURE, 0x8F53
    elif what == "replay":
        raw = build.protect(_read(1000), head).to_bytes()
        expected, code = Rejection.REPLAYED_COUNTER, 0x8F53
    elif what == "unknown":
        raw = build.protect(_read(1001, originator="90B3D51F3001FFFF"), head).to_bytes()
        expected, code = Rejection.UNKNOWN_ORIGINATOR, 0x8F30
    else:
        frame = _read(1001)
        raw = frame.with_changes(recipient="00DB1234567890A6", mac=bytes(12)).to_bytes()
        expected, code = Rejection.WRONG_RECIPIENT, 0x8F1E
    outcome = device.process(raw, NOW)
    assert not outcome.accepted and outcome.rejection is expected
    assert _alert_code(outcome, head) == code
    assert len(model.seen) == 1  # the model never ran
    after = device.state()
    assert after["last_counters"] == before["last_counters"]
