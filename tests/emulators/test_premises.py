# SPDX-License-Identifier: GPL-3.0-or-later
"""A whole premises on the virtual HAN: CCS01 provisioning with its CS14 alerts, all six
devices joining through the CHF device log (and a stranger refused), the GSME mirror on the
GPF, routing through the tunnel and the GPF queue, CCS02 removal, and a restart from a
state directory."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from gfi.codecs.gbcs import build
from gfi.codecs.security.gbcs import Verdict
from gfi.codecs.security.install_code import link_key_from_install_code
from gfi.emulators.node import Event
from gfi.headend import alert_code_of
from gfi.premises import ACB, SUPPLIER, Premises
from gfi.radio.base import JoinFailed

NOW = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
DEVICES = ("ESME", "GSME", "PPMID", "HCALCS", "IHD", "CAD")


def ecs17b(p: Premises, counter: int | None = None):  # type: ignore[no-untyped-def]
    return p.head.command(0x0027, originator=SUPPLIER, recipient=p.esme_id, counter=counter,
                          payload=lambda c: build.ecs17b_payload(c, SUPPLIER, p.esme_id))


async def test_bring_up_joins_all_six_devices_through_the_device_log() -> None:
    events: list[Event] = []
    p = Premises(0, now=lambda: NOW, on_event=events.append)
    try:
        await p.start()
        joined = {e.data["device"] for e in events if e.kind == "join"}
        assert joined == set(DEVICES)
        assert {e.data["device"] for e in events if e.kind == "tunnel"} == {
            "ESME", "GSME", "PPMID", "HCALCS"}
        for _ in DEVICES:  # one CS14 per device added to the log (premises 0 already
            # lists the ESME and GSME ids of RTDS, with other install codes)
            cs14 = await p.head.expect_alert(0x0018, timeout=2)
            assert alert_code_of(cs14) == 0x8F12 and cs14.mac.verdict is Verdict.VALID
        assert set(p.hub.device_log()) >= {p.ids[n] for n in DEVICES}  # type: ignore[union-attr]
        # the GSME's first wake created and filled its mirror on the GPF
        assert p.hub.mirror.store(0x0702) is not None  # type: ignore[union-attr]
        assert p.hub.mirror.store(0x0702).get(0x0000) == p.gsme.gbz.state()[  # type: ignore[union-attr]
            "stores"]["0702"]["attributes"]["0000"][1]
    finally:
        await p.stop()
    assert p.errors == []


async def test_a_device_not_on_the_device_log_is_refused() -> None:
    events: list[Event] = []
    p = Premises(0, now=lambda: NOW, on_event=events.append)
    try:
        await p.start()
        stranger = p.han.attach("00DB0000000000FF")
        with pytest.raises(JoinFailed):
            await stranger.join(link_key_from_install_code(bytes(16)), timeout=1)
        assert any(e.kind == "join" and e.data.get("admitted") is False for e in events)
    finally:
        await p.stop()


async def test_routing_to_the_esme_tunnel_and_the_gsme_queue() -> None:
    p = Premises(0, now=lambda: NOW)
    try:
        await p.start()
        esme = await p.head.send(ecs17b(p), timeout=5)
        assert esme is not None and esme.decrypted is True and esme.mac.verdict is Verdict.VALID
        pending = asyncio.ensure_future(p.head.send(p.head.command(
            0x00B8, originator=SUPPLIER, recipient=p.gsme_id,
            payload=build.gcs13b_payload()), timeout=5))
        await asyncio.sleep(0)
        assert p.hub.queues[p.gsme_id]  # type: ignore[union-attr]
        assert not pending.done()  # the GSME sleeps: the command waits in the GPF queue
        assert await p.wake_gsme() == 1
        gsme = await pending
        assert gsme is not None and gsme.decrypted is True
        assert not p.hub.queues[p.gsme_id]  # type: ignore[union-attr]
    finally:
        await p.stop()


async def test_ccs02_takes_a_device_off_the_log_and_the_han() -> None:
    events: list[Event] = []
    p = Premises(0, now=lambda: NOW, on_event=events.append)
    try:
        await p.start()
        for _ in DEVICES:
            await p.head.expect_alert(0x0018, timeout=2)
        cad = p.ids["CAD"]
        response = await p.head.send(p.head.command(
            0x0002, originator=ACB, recipient=p.chf_id,
            payload=lambda c: build.ccs02_payload(c, cad),
            supplementary_remote_party_id=SUPPLIER,
            supplementary_remote_party_counter=p.head.next_counter(SUPPLIER)), timeout=5)
        assert response is not None and response.payload["results"][0]["result"] == 0
        cs14 = await p.head.expect_alert(0x0018, timeout=2)
        assert alert_code_of(cs14) == 0x8F12
        assert cad not in p.hub.device_log()  # type: ignore[union-attr]
        assert any(e.kind == "leave" and e.data.get("eui64") == cad for e in events)
        with pytest.raises((TimeoutError, LookupError, OSError)):
            await p.display("CAD").refresh(timeout=0.5)
    finally:
        await p.stop()


async def test_state_survives_a_restart(tmp_path: Path) -> None:
    first = Premises(0, now=lambda: NOW, state_dir=tmp_path)
    try:
        await first.start()
        accepted = ecs17b(first)
        assert await first.head.send(accepted, timeout=5) is not None
        esme_counter = first.esme.gbcs.last_counters[SUPPLIER]  # type: ignore[union-attr]
        log = first.hub.device_log()  # type: ignore[union-attr]
    finally:
        await first.stop()
    events: list[Event] = []
    second = Premises(0, now=lambda: NOW, state_dir=tmp_path, on_event=events.append)
    try:
        await second.start()
        assert second.esme.gbcs.last_counters[SUPPLIER] >= esme_counter  # type: ignore[union-attr]
        assert second.hub.device_log() == log  # type: ignore[union-attr]
        assert second.gsme.mirror_endpoint is not None
        # nothing new on the log: the CCS01s of the restart change nothing, so no CS14
        with pytest.raises(TimeoutError):
            await second.head.expect_alert(0x0018, timeout=0.2)
        # the head end's counters went on, so its next command is accepted …
        assert await second.head.send(ecs17b(second), timeout=5) is not None
        # … and the one accepted before the restart is a replay now
        replay = asyncio.ensure_future(second.head.send(accepted, timeout=0.5))
        alert = await second.head.expect_alert(0x1000, timeout=2)
        assert alert_code_of(alert) is not None
        with pytest.raises(TimeoutError):
            await replay
    finally:
        await second.stop()


async def test_ppmid_top_up_reaches_the_sleepy_gsme_and_its_mirror() -> None:
    p = Premises(0, now=lambda: NOW)
    try:
        await p.start()
        mirror = p.hub.mirror  # type: ignore[union-attr]
        before = mirror.store(0x0705).get(0x0001)  # type: ignore[union-attr]
        utrn = p.utrn(500)
        answer = asyncio.ensure_future(p.ppmid.top_up(utrn, meter=p.gsme_id))
        await p.hub.wait_queued(p.gsme_id)  # type: ignore[union-attr]
        assert not answer.done()  # it waits for the GSME to wake
        await p.wake_gsme()
        result = await answer
        assert result.accepted and result.authentic
        credit = p.gsme.gbz.store(0x0705).get(0x0001)  # type: ignore[union-attr]
        assert result.credit_remaining == credit and credit > before
        assert p.ppmid.app.display.credit_remaining == credit
        # the next wake pushes the new credit to the GPF mirror, where displays read it
        await p.wake_gsme()
        assert mirror.store(0x0705).get(0x0001) == credit  # type: ignore[union-attr]
        # the same UTRN keyed in again: an authentic answer refusing it, credit unchanged
        again = asyncio.ensure_future(p.ppmid.top_up(utrn, meter=p.gsme_id))
        await p.hub.wait_queued(p.gsme_id)  # type: ignore[union-attr]
        await p.wake_gsme()
        refused = await again
        assert refused.authentic and not refused.accepted
        assert p.gsme.gbz.store(0x0705).get(0x0001) == credit  # type: ignore[union-attr]
    finally:
        await p.stop()
    assert p.errors == []


async def test_ecs47_switches_the_hcalcs_through_the_esme() -> None:
    from gfi.codecs.dlms import dlms_invoke_id, encode_dlms_payload

    events: list[Event] = []
    p = Premises(0, now=lambda: NOW, on_event=events.append)

    def switch(method: int):  # type: ignore[no-untyped-def]
        return p.head.command(0x0055, originator=SUPPLIER, recipient=p.esme_id,
                              payload=lambda c: encode_dlms_payload({
                                  "apdu": "access-request", "invoke_id": dlms_invoke_id(c),
                                  "date_time": "", "specs": [{"choice": "action", "descriptor": {
                                      "class_id": 70, "obis": "0-1:96.3.10.255",
                                      "method_id": method}}],
                                  "data": [{"type": "integer", "value": 0}]}))
    try:
        await p.start()
        assert p.hcalcs.switch.on is False
        response = await p.head.send(switch(2), timeout=5)  # remote_reconnect
        assert response is not None and response.signature.verdict is Verdict.VALID
        await p.settle()
        assert p.hcalcs.switch.on is True and p.esme.load_control.confirmed(1) is True
        await p.head.send(switch(1), timeout=5)  # remote_disconnect
        await p.settle()
        assert p.hcalcs.switch.on is False and p.esme.load_control.confirmed(1) is False
        assert [e.data["on"] for e in events if e.kind == "switch" and
                e.data["device"] == "HCALCS"] == [True, False]
    finally:
        await p.stop()


async def test_the_chf_replaces_its_wan_provider_trust_anchor(tmp_path: Path) -> None:
    """CS02b wanProviderByWanProvider (0x0105) goes to the CHF (gbcs-protocol.md §3): the CHF
    answers the CS02b response and from then on trusts the WAN provider's new key only, also
    after a restart (§2.4)."""
    from cryptography.hazmat.primitives import serialization

    from gfi.codecs.asn1 import encode_asn1_payload
    from gfi.codecs.gbcs.decoder import decode_message
    from gfi.codecs.security.keystore import KeyUsage
    from tests.conftest import RTDS_VECTORS, rtds_bytes

    wan_provider = "90B3D51F30000007"
    template = decode_message(rtds_bytes(next(RTDS_VECTORS.rglob(
        "CS02bNOByNO_6.15.1_SUCCESS_COMMAND_GBCS.HEX")))).payload
    assert template is not None
    cell = {"role": 6, "key_usage": ["digitalSignature"], "cell_usage": None}

    def labels(p: Premises) -> list[list[str]]:
        return [e.labels for e in p.hub.chf.security.keys.keys(  # type: ignore[union-attr]
            wan_provider, KeyUsage.DS)]

    first = Premises(0, now=lambda: NOW, state_dir=tmp_path)
    try:
        await first.start()
        z1b = next(e for e in first.trust if "Z1b-wanProvider-ds" in e.labels)
        assert z1b.certificate is not None
        der = z1b.certificate.public_bytes(serialization.Encoding.DER).hex().upper()
        response = await first.head.send(first.head.command(
            0x0105, originator=wan_provider, recipient=first.chf_id,
            payload=lambda c: encode_asn1_payload({
                "schema": "CS02b.command", "execution_date_time": None,
                "control": {**template["control"], "credentials_replacement_mode": 5,
                            "authorising_remote_party_ta_cell_id": cell,
                            "authorising_seq_number": c},
                "replacements": [{"certificate": der, "target_ta_cell_id": cell}],
                "certification_path": template["certification_path"]})), timeout=5)
        assert response is not None and response.signature.verdict is Verdict.VALID
        (outcome,) = response.payload["execution_outcome"]["replacement_outcomes"]  # type: ignore[index]
        assert outcome["status"] == 0
        assert outcome["replacing_subject_key_identifier"] == "43CF62E6B35E4986"  # Z1b WP DS
        assert len(labels(first)) == 1 and "Z1b-wanProvider-ds" in labels(first)[0]
    finally:
        await first.stop()
    second = Premises(0, now=lambda: NOW, state_dir=tmp_path)
    try:
        await second.start()
        assert len(labels(second)) == 1 and "Z1b-wanProvider-ds" in labels(second)[0]
    finally:
        await second.stop()
