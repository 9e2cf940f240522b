# SPDX-License-Identifier: GPL-3.0-or-later
"""The PPMID's GBCS application (PCS01 top-up, PCS02 emergency credit) against an emulated
GSME: the command matches the RTDS PCS01/PCS02 vectors, device-to-device MACs work both ways
with real keys, and replayed, forged or untrusted commands change nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import MappingProxyType
from typing import Any

import pytest

from gfi.codecs.gbcs.catalogue import DeviceType, PayloadFamily
from gfi.codecs.gbcs.decoder import decode_message
from gfi.codecs.gbcs.message import Cra, GbcsFrame
from gfi.codecs.gbcs.utrn import decode_utrn, make_utrn
from gfi.codecs.security.gbcs import Verdict, compute_mac
from gfi.codecs.security.keystore import InMemoryKeyStore, KeyUsage, parse_dccboxed_keystore
from gfi.codecs.security.primitives import ecdh
from gfi.emulators.device import GbcsDevice, Rejection
from gfi.emulators.identity import DeviceIdentity
from gfi.emulators.model import HandleContext
from gfi.emulators.ppmid import FIRST_COUNTER, Failure, Ppmid
from gfi.emulators.zse import GSME_PROFILE, GbzServer, ZseProfile
from gfi.errors import UsageError
from tests.conftest import DCCBOXED_KEYSTORE, RTDS_VECTORS

GSME = "00DB1234567890A1"
PPMID = "00DB1234567890A4"
SUPPLIER = "90B3D51F30010000"
ACB = "90B3D51F30000002"
NOW = dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC)
PREPAYMENT = 0x0705
#: The UTRN of the RTDS PCS01 command (£20.25 in pennies; its MAC bits are zero).
RTDS_UTRN = "73941656880950804485"


def _vector(folder: str, name: str) -> bytes:
    return bytes.fromhex("".join((RTDS_VECTORS / folder / name).read_text().split()))


def _low_credit(profile: ZseProfile, credit: int) -> ZseProfile:
    attributes = dict(profile.attributes)
    attributes[PREPAYMENT] = MappingProxyType({**profile.attributes[PREPAYMENT], 0x0001: credit})
    return dataclasses.replace(profile, attributes=MappingProxyType(attributes))


@dataclasses.dataclass
class Premises:
    gsme: GbcsDevice
    server: GbzServer
    ppmid: Ppmid
    gsme_identity: DeviceIdentity
    ppmid_identity: DeviceIdentity
    ppmid_trust: InMemoryKeyStore
    supplier_keys: InMemoryKeyStore
    validated: list[tuple[str, HandleContext]]

    def credit(self) -> int:
        store = self.server.store(PREPAYMENT)
        assert store is not None
        return int(store.get(0x0001))

    def utrn(self, pence: int, counter: int) -> str:
        """A genuine UTRN from the supplier's prepayment KA key for this GSME (§2.5)."""
        pp = self.supplier_keys.agreement_key(SUPPLIER, KeyUsage.PP_KA)
        assert self.gsme_identity.ka_key is not None
        z = ecdh(pp, self.gsme_identity.ka_key.public_key())
        return make_utrn(z, supplier=bytes.fromhex(SUPPLIER), device=bytes.fromhex(GSME),
                         counter=counter, value=pence, value_class=0)


def _premises(profile: ZseProfile = GSME_PROFILE) -> Premises:
    supplier_keys = parse_dccboxed_keystore(DCCBOXED_KEYSTORE.read_text())
    gsme_id = DeviceIdentity.create(GSME, DeviceType.GSME, seed="ppmid-test")
    ppmid_id = DeviceIdentity.create(PPMID, DeviceType.PPMID, seed="ppmid-test")
    validated: list[tuple[str, HandleContext]] = []

    def validator(text: str, ctx: HandleContext) -> bool:
        """The meter's UTRN check: MAC from its KA key and the supplier's PP KA
        certificate; the counter's low 32 bits are zero (gbcs-protocol.md §1.6)."""
        validated.append((text, ctx))
        utrn = decode_utrn(text)
        assert gsme_id.ka_key is not None
        return any(utrn.verify(ecdh(gsme_id.ka_key, entry.public_key),
                               supplier=bytes.fromhex(SUPPLIER), device=bytes.fromhex(GSME),
                               counter=utrn.counter_bits << 32)
                   for entry in supplier_keys.keys(SUPPLIER, KeyUsage.PP_KA))

    server = GbzServer(profile, utrn_validator=validator)
    gsme_trust = parse_dccboxed_keystore(DCCBOXED_KEYSTORE.read_text())
    ppmid_id.publish(gsme_trust)  # the GSME trusts the PPMID it is paired with
    gsme = GbcsDevice(gsme_id, trust=gsme_trust, acb=ACB, models={PayloadFamily.GBZ: server})
    ppmid_trust = InMemoryKeyStore()
    gsme_id.publish(ppmid_trust)
    return Premises(gsme, server, Ppmid(ppmid_id, trust=ppmid_trust), gsme_id, ppmid_id,
                    ppmid_trust, supplier_keys, validated)


@pytest.fixture()
def premises() -> Premises:
    return _premises()


def _response(outcome: Any) -> bytes:
    assert outcome.accepted, outcome.detail
    (response,) = [m for m in outcome.messages if m.kind == "response"]
    return bytes(response.data)


# ----------------------------------------------------------------------------
# The commands look like RTDS's
# ----------------------------------------------------------------------------
def _zcl(dm: Any) -> tuple[int, dict[str, Any]]:
    (component,) = dm.payload["components"]
    return component["cluster_id"], component["frame"]


def test_pcs01_command_matches_the_rtds_vector(premises: Premises) -> None:
    rtds = _vector("NA_PCS01", "PCS01_NA_SUCCESS_COMMAND_GBCS.HEX")
    ours = premises.ppmid.top_up(RTDS_UTRN, meter=GSME, now=NOW)
    theirs_dm, ours_dm = decode_message(rtds), decode_message(ours)
    theirs, mine = theirs_dm.frame, ours_dm.frame
    assert isinstance(theirs, GbcsFrame) and isinstance(mine, GbcsFrame)
    assert (mine.message_code, mine.cra, mine.originator, mine.recipient, mine.counter) == \
        (theirs.message_code, theirs.cra, theirs.originator, theirs.recipient, theirs.counter) \
        == (0x009B, Cra.COMMAND, PPMID, GSME, FIRST_COUNTER)
    (cluster, frame), (rtds_cluster, rtds_frame) = _zcl(ours_dm), _zcl(theirs_dm)
    assert (cluster, frame["command_id"], frame["command_name"]) == \
        (rtds_cluster, rtds_frame["command_id"], rtds_frame["command_name"]) == \
        (PREPAYMENT, 0x04, "consumer_top_up")
    assert frame["frame_control"] == rtds_frame["frame_control"]
    assert frame["payload"].keys() == rtds_frame["payload"].keys()
    assert frame["payload"]["originating_device"] == 2
    # same ids, counter and UTRN: byte for byte the RTDS command but for its MAC
    assert mine.payload == theirs.payload and ours[:-12] == rtds[:-12] and ours != rtds
    # the MAC is the device-to-device one: the GSME's keys check it
    gsme_view = decode_message(ours, security=premises.gsme.security)
    assert gsme_view.mac.verdict is Verdict.VALID
    assert gsme_view.utrn is not None and gsme_view.utrn["utrn"] == RTDS_UTRN


def test_pcs02_command_matches_the_rtds_vector(premises: Premises) -> None:
    rtds = decode_message(_vector("NA_PCS02", "PCS02_NA_SUCCESS_COMMAND_GBCS.HEX"))
    ours = decode_message(premises.ppmid.emergency_credit(meter=GSME, now=NOW))
    assert isinstance(ours.frame, GbcsFrame) and isinstance(rtds.frame, GbcsFrame)
    assert (ours.frame.message_code, ours.frame.cra) == (rtds.frame.message_code, Cra.COMMAND)
    (cluster, frame), (rtds_cluster, rtds_frame) = _zcl(ours), _zcl(rtds)
    assert (cluster, frame["command_id"], frame["frame_control"]) == \
        (rtds_cluster, rtds_frame["command_id"], rtds_frame["frame_control"])
    assert frame["payload"].keys() == rtds_frame["payload"].keys()
    assert frame["payload"]["originating_device"] == 2
    assert frame["payload"]["command_issue_date_time"] > 0  # RTDS leaves the time at 0


# ----------------------------------------------------------------------------
# End to end: PPMID → GSME → PPMID
# ----------------------------------------------------------------------------
def test_top_up_end_to_end(premises: Premises) -> None:
    before = premises.credit()
    utrn = premises.utrn(2000, 0x300000000)  # £20.00
    outcome = premises.gsme.process(premises.ppmid.top_up(utrn, meter=GSME, now=NOW), NOW)
    # the meter's own UTRN validator ran on the PPMID's top-up
    ((text, ctx),) = premises.validated
    assert (text, ctx.message_code, ctx.requester) == (utrn, 0x009B, PPMID)
    response = _response(outcome)
    result = premises.ppmid.receive(response)
    assert result.accepted and result.authentic, result.verdict
    after = premises.credit()
    assert after > before and result.credit_remaining == after
    assert (result.result_type, result.top_up_value, result.source_of_top_up) == \
        (0x00, 2_000_000, 2)
    assert premises.server.state()["top_ups"][-1][1:] == \
        [2_000_000, utrn.encode().hex().upper(), 2]
    display = premises.ppmid.display
    assert (display.credit_remaining, display.last_top_up_value, display.meter) == \
        (after, 2_000_000, GSME)
    # the GSME's response is MAC'd device to device, echoing the PPMID's counter
    dm = decode_message(response, security=premises.ppmid.security)
    assert isinstance(dm.frame, GbcsFrame) and dm.frame.counter == FIRST_COUNTER
    assert dm.mac.verdict is Verdict.VALID and dm.frame.signature == b""
    # an answer is taken once: replaying it to the PPMID does not match a command
    again = premises.ppmid.receive(response)
    assert again.failure is Failure.UNEXPECTED_COUNTER and not again.accepted


def test_top_up_refused_by_the_meter_is_authentic_but_not_accepted(
        premises: Premises) -> None:
    before = premises.credit()
    outcome = premises.gsme.process(premises.ppmid.top_up(RTDS_UTRN, meter=GSME, now=NOW), NOW)
    result = premises.ppmid.receive(_response(outcome))
    # the RTDS token's MAC is not made for this meter: rejected-invalid, no credit
    assert result.authentic and not result.accepted
    assert (result.result_type, result.top_up_value) == (0x01, 0)
    assert premises.credit() == before == result.credit_remaining
    assert premises.ppmid.display.last_top_up_result == 0x01


def test_emergency_credit_end_to_end() -> None:
    premises = _premises(_low_credit(GSME_PROFILE, 100_000))  # below the EC threshold
    assert premises.server.state()["emergency_credit_in_use"] is False
    outcome = premises.gsme.process(premises.ppmid.emergency_credit(meter=GSME, now=NOW), NOW)
    result = premises.ppmid.receive(_response(outcome))
    assert result.accepted and result.status == "success", result.verdict
    assert result.message_code == 0x0090
    state = premises.server.state()
    assert state["emergency_credit_in_use"] is True
    store = premises.server.store(PREPAYMENT)
    assert store is not None and store.get(0x0002) == store.get(0x0010) == 1_000_000
    assert premises.ppmid.display.emergency_credit_selected


def test_counter_and_display_survive_a_restart(premises: Premises) -> None:
    command = premises.ppmid.top_up(premises.utrn(500, 0x400000000), meter=GSME, now=NOW)
    reloaded = Ppmid(premises.ppmid_identity, trust=premises.ppmid_trust,
                     state=premises.ppmid.state())
    assert reloaded.receive(_response(premises.gsme.process(command, NOW))).accepted
    assert reloaded.display.credit_remaining == premises.credit()
    second = decode_message(reloaded.emergency_credit(meter=GSME, now=NOW)).frame
    assert isinstance(second, GbcsFrame) and second.counter == FIRST_COUNTER + 1
    assert Ppmid(premises.ppmid_identity, trust=InMemoryKeyStore(),
                 state=reloaded.state()).display == reloaded.display


# ----------------------------------------------------------------------------
# What the GSME refuses
# ----------------------------------------------------------------------------
def test_replayed_top_up_is_rejected(premises: Premises) -> None:
    command = premises.ppmid.top_up(premises.utrn(1000, 0x500000000), meter=GSME, now=NOW)
    assert premises.ppmid.receive(_response(premises.gsme.process(command, NOW))).accepted
    credit, state = premises.credit(), premises.server.state()
    replay = premises.gsme.process(command, NOW)
    assert not replay.accepted and replay.rejection is Rejection.REPLAYED_COUNTER
    assert premises.credit() == credit and premises.server.state() == state
    # the GSME says why, by a signed alert to the PPMID; the PPMID names it
    (alert,) = replay.messages
    assert alert.recipient == PPMID
    seen = premises.ppmid.receive(alert.data)
    assert seen.failure is Failure.NOT_A_RESPONSE and "8F53" in seen.verdict


def test_untrusted_ppmid_is_rejected(premises: Premises) -> None:
    credit, state = premises.credit(), premises.server.state()
    stranger_id = DeviceIdentity.create("00DB1234567890A7", DeviceType.PPMID, seed="ppmid-test")
    stranger = Ppmid(stranger_id, trust=premises.ppmid_trust)
    outcome = premises.gsme.process(
        stranger.top_up(premises.utrn(1000, 0x600000000), meter=GSME, now=NOW), NOW)
    assert not outcome.accepted and outcome.rejection is Rejection.UNKNOWN_ORIGINATOR
    # an impostor with the trusted PPMID's id but other keys fails the MAC
    impostor_id = DeviceIdentity.create(PPMID, DeviceType.PPMID, seed="impostor")
    impostor = Ppmid(impostor_id, trust=premises.ppmid_trust,
                     state={"counter": 50_000})
    outcome = premises.gsme.process(
        impostor.top_up(premises.utrn(1000, 0x600000000), meter=GSME, now=NOW), NOW)
    assert not outcome.accepted and outcome.rejection is Rejection.BAD_MAC
    assert premises.credit() == credit and premises.server.state() == state
    assert premises.validated == []


def test_tampered_mac_is_rejected_both_ways(premises: Premises) -> None:
    credit, state = premises.credit(), premises.server.state()
    good = premises.ppmid.top_up(premises.utrn(1000, 0x700000000), meter=GSME, now=NOW)
    tampered = good[:-1] + bytes([good[-1] ^ 0x01])
    outcome = premises.gsme.process(tampered, NOW)
    assert not outcome.accepted and outcome.rejection is Rejection.BAD_MAC
    assert premises.credit() == credit and premises.server.state() == state
    # the genuine command still goes through; a forged answer does not fool the PPMID
    response = _response(premises.gsme.process(good, NOW))
    forged = premises.ppmid.receive(response[:-1] + bytes([response[-1] ^ 0x80]))
    assert forged.failure is Failure.BAD_MAC and not forged.accepted
    assert premises.ppmid.display.credit_remaining is None
    assert premises.ppmid.receive(response).accepted  # still outstanding, then answered


def test_receive_never_raises_on_bad_input(premises: Premises) -> None:
    assert premises.ppmid.receive(b"\x00\x01garbage").failure is Failure.MALFORMED
    rtds = _vector("NA_PCS01", "PCS01_NA_SUCCESS_RESPONSE_GBCS.HEX")
    # RTDS's answer: right shape, but made with keys this PPMID does not hold
    assert premises.ppmid.receive(rtds).failure is Failure.BAD_MAC
    # a command is not an answer
    command = premises.ppmid.top_up(RTDS_UTRN, meter=GSME, now=NOW)
    assert premises.ppmid.receive(command).failure is Failure.WRONG_RECIPIENT


# ----------------------------------------------------------------------------
# Bad user input
# ----------------------------------------------------------------------------
@pytest.mark.parametrize(("utrn", "problem"), [
    ("1234", "20 decimal digits"),
    ("7394165688095080448X", "20 decimal digits"),
    ("73941656880950804486", "check digit"),
    ("", "20 decimal digits"),
])
def test_malformed_utrn_is_a_clear_usage_error(premises: Premises, utrn: str,
                                               problem: str) -> None:
    with pytest.raises(UsageError, match=f"malformed UTRN.*{problem}"):
        premises.ppmid.top_up(utrn, meter=GSME, now=NOW)
    assert premises.ppmid.counter == FIRST_COUNTER - 1 and not premises.ppmid.pending


def test_utrn_may_be_typed_in_groups(premises: Premises) -> None:
    grouped = " ".join(RTDS_UTRN[i:i + 4] for i in range(0, 20, 4))
    assert premises.ppmid.top_up(grouped, meter=GSME, now=NOW) == \
        _premises().ppmid.top_up(RTDS_UTRN, meter=GSME, now=NOW)


def test_bad_meter_or_device_type_is_a_usage_error(premises: Premises) -> None:
    with pytest.raises(UsageError, match="meter"):
        premises.ppmid.emergency_credit(meter="not-an-id", now=NOW)
    with pytest.raises(UsageError, match="no KA certificate of meter 00DB1234567890A0"):
        premises.ppmid.emergency_credit(meter="00DB1234567890A0", now=NOW)
    with pytest.raises(UsageError, match="not a PPMID"):
        Ppmid(premises.gsme_identity, trust=InMemoryKeyStore())


def test_mac_uses_the_device_to_device_keys(premises: Premises) -> None:
    """PPMID KA × GSME KA gives the MAC (gbcs-security.md §1.2); the ACB's KA key, which
    MACs every remote-party command, does not."""
    frame = decode_message(premises.ppmid.top_up(RTDS_UTRN, meter=GSME, now=NOW)).frame
    assert isinstance(frame, GbcsFrame) and frame.mac is not None
    ppmid_ka, gsme_ka = premises.ppmid_identity.ka_key, premises.gsme_identity.ka_key
    assert ppmid_ka is not None and gsme_ka is not None
    device_z = ecdh(ppmid_ka, gsme_ka.public_key())
    acb_z = ecdh(premises.supplier_keys.agreement_key(ACB), gsme_ka.public_key())
    assert compute_mac(frame, device_z) == frame.mac != compute_mac(frame, acb_z)
