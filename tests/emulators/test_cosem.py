# SPDX-License-Identifier: GPL-3.0-or-later
"""The COSEM server against the RTDS 4.5.0 vectors: every DLMS command addressed to the ESME
(…90A0), the second ESME (…90A6) or the CHF (…90A2) runs through a fresh server and the
answer must have the shape of the RTDS response (gbcs-protocol.md §2.2); ERROR variants are
reproduced through state; future dating, cancellation, top-ups, access rules and state
persistence are checked on top.

The helpers at the top are shared with the other ``test_cosem_*`` modules.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from gfi.codecs.dlms import (
    decode_data,
    decode_dlms_payload,
    encode_dlms_payload,
    protected_data_parts,
)
from gfi.codecs.gbcs.message import GbcsFrame, decode_frame
from gfi.codecs.gbcs.utrn import decode_utrn
from gfi.emulators.cosem import (
    CHF_PROFILE,
    ESME_PROFILE,
    ESME_TWIN_PROFILE,
    CosemServer,
    Profile,
)
from gfi.emulators.cosem.values import (
    NEVER_OCTETS,
    NOW_OCTETS,
    capture_object,
    clone,
    datetime_from_octets,
    datetime_octets,
    dl,
    dlu,
    lu,
    octets,
    st,
    type_tree,
    visible,
)
from gfi.emulators.model import HandleContext, HandleResult
from tests.conftest import RTDS_VECTORS, rtds_bytes

# ----------------------------------------------------------------------------
# Shared helpers
# ----------------------------------------------------------------------------
#: Device time of the RTDS responses (grouping-header date-time 2015-01-01 00:00:00).
RTDS_NOW = datetime(2015, 1, 1, tzinfo=UTC)

ESME = "00DB1234567890A0"
ESME_2 = "00DB1234567890A6"
CHF = "00DB1234567890A2"
SUPPLIER = "90B3D51F30010000"

#: Remote party → role (gbcs-protocol.md §1.5).
ROLES = {
    "90B3D51F30010000": 2, "90B3D51F30030000": 2, "90B3D51F30020000": 3,
    "90B3D51F30000002": 4, "90B3D51F30000004": 5, "90B3D51F30010008": 8,
}


def fake_encrypt(plaintext: bytes) -> tuple[bytes, bytes]:
    """Dummy encryptor: the plaintext reversed and a 12-byte dummy tag."""
    return plaintext[::-1], b"\xa5" * 12


def ctx_for(frame: GbcsFrame, now: datetime = RTDS_NOW, **changes: Any) -> HandleContext:
    ctx = HandleContext(now=now, message_code=frame.message_code, requester=frame.originator,
                        requester_role=ROLES.get(frame.originator, 127), counter=frame.counter,
                        encrypt=fake_encrypt, device=frame.recipient)
    return replace(ctx, **changes)


def make_ctx(now: datetime = RTDS_NOW, *, code: int = 0x0059, requester: str = SUPPLIER,
             role: int = 2, counter: int = 1000, device: str = ESME,
             encrypt: Callable[[bytes], tuple[bytes, bytes]] | None = fake_encrypt
             ) -> HandleContext:
    return HandleContext(now=now, message_code=code, requester=requester,
                         requester_role=role, counter=counter, encrypt=encrypt, device=device)


@cache
def frame_of(path: Path) -> GbcsFrame:
    frame = decode_frame(rtds_bytes(path))
    assert isinstance(frame, GbcsFrame)
    return frame


@cache
def _decoded(path: Path) -> dict[str, Any]:
    return decode_dlms_payload(frame_of(path).payload)


def request_of(path: Path) -> dict[str, Any]:
    """The decoded access-request of a COMMAND vector (a fresh copy)."""
    return clone(_decoded(path))


def response_of(path: Path) -> dict[str, Any]:
    """The decoded access-response of the matching RESPONSE vector (a fresh copy)."""
    return clone(_decoded(path.with_name(path.name.replace("_COMMAND", "_RESPONSE"))))


@cache
def dlms_commands() -> tuple[Path, ...]:
    """The RTDS DLMS COMMAND vectors for the ESME, the second ESME and the CHF."""
    found = []
    for path in sorted(RTDS_VECTORS.rglob("*_COMMAND_GBCS.HEX")):
        frame = decode_frame(rtds_bytes(path))
        if isinstance(frame, GbcsFrame) and frame.payload[:1] == b"\xd9" \
                and frame.recipient in (ESME, ESME_2, CHF):
            found.append(path)
    return tuple(found)


def command(use_case: str, variant: str) -> Path:
    """The COMMAND vector ``<use_case>_<ref>_<variant>_COMMAND_GBCS.HEX``."""
    for path in dlms_commands():
        head = path.name.split("_COMMAND")[0]
        if head.startswith(use_case + "_") and head.split("_", 2)[2] == variant:
            return path
    raise LookupError(f"{use_case} {variant}")


def profile_for(path: Path) -> Profile:
    frame = frame_of(path)
    if frame.recipient == CHF:
        return CHF_PROFILE
    return ESME_TWIN_PROFILE if "_TWIN_" in path.name else ESME_PROFILE


def server_for(path: Path, **kwargs: Any) -> CosemServer:
    return CosemServer(profile_for(path), **kwargs)


def run(server: CosemServer, path: Path, now: datetime = RTDS_NOW,
        **changes: Any) -> HandleResult:
    return server.handle(request_of(path), ctx_for(frame_of(path), now, **changes))


def outcomes(response: dict[str, Any]) -> list[tuple[str, int]]:
    return [(r["choice"], r["result"]) for r in response["results"]]


def get(obis: str, attribute_id: int, class_id: int) -> dict[str, Any]:
    return {"choice": "get", "descriptor": {"class_id": class_id, "obis": obis,
                                            "attribute_id": attribute_id},
            "access_selection": None}


def set_(obis: str, attribute_id: int, class_id: int) -> dict[str, Any]:
    return {**get(obis, attribute_id, class_id), "choice": "set"}


def action(obis: str, method_id: int, class_id: int) -> dict[str, Any]:
    return {"choice": "action", "descriptor": {"class_id": class_id, "obis": obis,
                                               "method_id": method_id},
            "access_selection": None}


def request(*pairs: tuple[dict[str, Any], dict[str, Any]], counter: int = 1000
            ) -> dict[str, Any]:
    return {"apdu": "access-request", "invoke_id": 0x20000000 | counter, "date_time": "",
            "specs": [s for s, _ in pairs], "data": [d for _, d in pairs]}


NULL = {"type": "null-data"}


def read(server: CosemServer, class_id: int, obis: str, attribute_id: int,
         now: datetime = RTDS_NOW) -> tuple[dict[str, Any], int]:
    result = server.handle(request((get(obis, attribute_id, class_id), NULL)), make_ctx(now))
    return result.response["data"][0], result.response["results"][0]["result"]


def _variant(path: Path) -> str:
    return path.name.split("_COMMAND")[0].split("_", 2)[2]


def _success(path: Path) -> bool:
    return "SUCCESS" in _variant(path).split("_")


# ----------------------------------------------------------------------------
# RTDS SUCCESS responses: same shape
# ----------------------------------------------------------------------------
SUCCESS_COMMANDS = [p for p in dlms_commands() if _success(p)]
ERROR_COMMANDS = [p for p in dlms_commands() if "ERROR" in _variant(p).split("_")]


def test_vector_counts() -> None:
    assert len(dlms_commands()) == 175
    assert len(SUCCESS_COMMANDS) == 100
    assert len(ERROR_COMMANDS) == 75


@pytest.mark.parametrize("path", SUCCESS_COMMANDS, ids=lambda p: p.name[:-17])
def test_rtds_success_shape(path: Path) -> None:
    server = server_for(path, utrn_validator=lambda token, ctx: True)
    result = run(server, path)
    expected = response_of(path)
    mine = result.response
    assert mine["apdu"] == "access-response"
    assert mine["invoke_id"] == expected["invoke_id"]
    assert mine["date_time"] == ""
    assert outcomes(mine) == outcomes(expected)
    assert [type_tree(d) for d in mine["data"]] == [type_tree(d) for d in expected["data"]]
    assert decode_dlms_payload(encode_dlms_payload(mine)) == mine


PROTECTED = [p for p in SUCCESS_COMMANDS
             if request_of(p)["specs"][0]["descriptor"]["class_id"] == 30]


def test_protected_commands_present() -> None:
    assert {p.name.split("_")[0] for p in PROTECTED} == {
        "ECS17b", "ECS17d", "ECS20b", "ECS20c", "ECS66"}


@pytest.mark.parametrize("path", PROTECTED, ids=lambda p: p.name[:-17])
def test_rtds_protected_plaintext_shape(path: Path, security: Any) -> None:
    """The plaintext behind the §2.2 protected structure has the type tree of the RTDS
    plaintext (the RTDS response decrypted with the real keys)."""
    from gfi.codecs.gbcs.decoder import decode_message

    rtds = decode_message(rtds_bytes(path.with_name(path.name.replace("_COMMAND",
                                                                     "_RESPONSE"))),
                          security=security)
    assert rtds.payload is not None
    (rtds_plain,) = [d["decrypted"] for d in rtds.payload["data"] if "decrypted" in d]
    frame = frame_of(path)
    mine = run(server_for(path), path).response["data"][0]
    parts = protected_data_parts(mine)
    assert parts["counter"] == frame.counter and parts["transaction_id_cra"] == 4
    assert parts["originator"].hex().upper() == frame.recipient
    assert parts["recipient"].hex().upper() == frame.originator
    assert parts["security_control"] == 0x31 and parts["tag"] == b"\xa5" * 12
    plaintext = decode_data(parts["ciphertext"][::-1])
    assert type_tree(plaintext) == type_tree(rtds_plain)


def test_protected_read_without_encryptor_is_250() -> None:
    path = command("ECS17b", "SINGLE_SUCCESS")
    result = run(server_for(path), path, encrypt=None)
    assert outcomes(result.response) == [("action", 250)]
    assert any("encryptor" in c for c in result.changes)


def test_protected_plaintext_holds_register_values() -> None:
    path = command("ECS17b", "SINGLE_SUCCESS")
    server = server_for(path)
    result = run(server, path)
    plain = decode_data(protected_data_parts(result.response["data"][0])["ciphertext"][::-1])
    register = server.value("1-0:1.8.0.255", 2)
    assert plain["value"][0]["value"][0] == register


# ----------------------------------------------------------------------------
# RTDS ERROR responses: reproduced through state
# ----------------------------------------------------------------------------
def _first_failure(path: Path) -> int:
    results = response_of(path)["results"]
    return next(i for i, r in enumerate(results) if r["result"])


@pytest.mark.parametrize("path", ERROR_COMMANDS, ids=lambda p: p.name[:-17])
def test_rtds_error_reproduced_by_injected_fault(path: Path) -> None:
    """A device fault on the specification that RTDS shows failing reproduces the whole
    ERROR response: earlier ones succeed, that one fails, later ones answer 250."""
    expected = response_of(path)
    index = _first_failure(path)
    spec = request_of(path)["specs"][index]
    descriptor = spec["descriptor"]
    kind = "get" if spec["choice"] == "get-with-selection" else spec["choice"]
    server = server_for(path, utrn_validator=lambda token, ctx: True)
    server.inject_fault(descriptor["class_id"], descriptor["obis"],
                        descriptor.get("attribute_id", descriptor.get("method_id")),
                        expected["results"][index]["result"], kind)
    mine = run(server, path).response
    assert outcomes(mine) == outcomes(expected)
    assert [type_tree(d) for d in mine["data"]] == [type_tree(d) for d in expected["data"]]


def _failure_positions(response: dict[str, Any]) -> list[bool]:
    return [r["result"] != 0 for r in response["results"]]


def test_error_emergency_credit_invoked_twice() -> None:
    """ECS09 ERROR: emergency credit can only be invoked while selectable."""
    ok, error = command("ECS09", "SUCCESS"), command("ECS09", "ERROR")
    server = server_for(ok)
    assert outcomes(run(server, ok).response) == [("action", 0)]
    mine = run(server, error).response
    assert _failure_positions(mine) == _failure_positions(response_of(error))


def test_error_reading_an_empty_log() -> None:
    """ECS35f ERROR: after ECS15c cleared the ALCS event log, a profile whose empty logs
    answer 'hardware fault' reproduces the RTDS response exactly."""
    profile = replace(ESME_PROFILE, empty_log_result=1)
    server = CosemServer(profile)
    clear = command("ECS15c", "SUCCESS")
    assert outcomes(run(server, clear).response) == [("action", 0)]
    error = command("ECS35f", "ERROR")
    assert outcomes(run(server, error).response) == outcomes(response_of(error))
    # with the default profile the empty log reads as an empty buffer
    plain = CosemServer(ESME_PROFILE)
    run(plain, clear)
    data = run(plain, error).response["data"][0]
    assert data["type"] == "compact-array" and data["value"] == []


def test_error_unregistering_an_unknown_device() -> None:
    ok, error = command("CCS02", "SUCCESS"), command("CCS02", "ERROR")
    server = server_for(ok)
    assert outcomes(run(server, ok).response) == [("action", 0)]
    mine = run(server, error).response  # the device is no longer in the log
    assert _failure_positions(mine) == _failure_positions(response_of(error))


def test_error_rejected_utrn() -> None:
    error = command("CS01a", "ERROR")
    server = server_for(error, utrn_validator=lambda token, ctx: False)
    mine = run(server, error).response
    assert _failure_positions(mine) == _failure_positions(response_of(error))


def test_error_set_with_wrong_type_stops_the_rest() -> None:
    """A set with the wrong data type is 12 (type unmatched); the specifications after it
    are not executed (250), as in the RTDS ERROR responses."""
    server = CosemServer(ESME_PROFILE)
    before = server.value("0-0:94.44.0.12", 2)
    result = server.handle(request(
        (set_("0-0:94.44.0.11", 2, 1), visible("label 1")),
        (set_("0-0:94.44.0.12", 2, 1), lu(5)),
        (set_("0-0:94.44.0.13", 2, 1), visible("label 3")),
    ), make_ctx(code=0x0053))
    assert outcomes(result.response) == [("set", 0), ("set", 12), ("set", 250)]
    assert server.value("0-0:94.44.0.11", 2) == visible("label 1")
    assert server.value("0-0:94.44.0.12", 2) == before
    assert server.value("0-0:94.44.0.13", 2) == visible("")


def test_error_set_then_continue_when_not_aborting() -> None:
    server = CosemServer(replace(ESME_PROFILE, abort_on_failure=False))
    result = server.handle(request(
        (set_("0-0:94.44.0.12", 2, 1), lu(5)),
        (set_("0-0:94.44.0.13", 2, 1), visible("label 3")),
    ), make_ctx(code=0x0053))
    assert outcomes(result.response) == [("set", 12), ("set", 0)]


# ----------------------------------------------------------------------------
# Set then get
# ----------------------------------------------------------------------------
def test_set_then_get_mpan() -> None:
    set_path, get_path = command("ECS39a", "SINGLE_SUCCESS"), command("ECS40", "SINGLE_SUCCESS")
    server = server_for(set_path)
    assert outcomes(run(server, set_path).response) == [("set", 0)]
    written = request_of(set_path)["data"][0]
    assert run(server, get_path).response["data"][0] == written


@pytest.mark.parametrize("obis, class_id, attribute_id, value", [
    ("0-0:94.44.0.1", 1, 2, lu(900)),
    ("0-0:94.44.0.21", 1, 2, octets("0102030405060708")),
    ("0-0:17.0.1.255", 71, 4, dlu(300)),
    ("0-0:16.0.0.255", 21, 2, {"type": "array", "value": [dlu(1), dlu(2), dlu(3)]}),
    ("1-0:32.24.0.255", 7, 4, dlu(30)),
    ("0-0:1.0.0.255", 8, 9, {"type": "enum", "value": 5}),
])
def test_set_then_get(obis: str, class_id: int, attribute_id: int,
                      value: dict[str, Any]) -> None:
    server = CosemServer(ESME_PROFILE)
    result = server.handle(request((set_(obis, attribute_id, class_id), value)), make_ctx())
    assert outcomes(result.response) == [("set", 0)]
    assert read(server, class_id, obis, attribute_id) == (value, 0)


def test_every_rtds_set_reads_back() -> None:
    """After each SUCCESS command, every plain attribute it set reads back as written (in
    a request of its own, so activation attributes are left out)."""
    checked = 0
    for path in SUCCESS_COMMANDS:
        server = server_for(path, utrn_validator=lambda token, ctx: True)
        run(server, path)
        req = request_of(path)
        for spec, value in zip(req["specs"], req["data"], strict=True):
            d = spec["descriptor"]
            if spec["choice"] != "set":
                continue
            target = server.find(d["obis"])
            assert target is not None
            if target.is_activation(d["attribute_id"]):
                continue
            assert target.values[d["attribute_id"]] == value, (path.name, d)
            checked += 1
    assert checked > 200


# ----------------------------------------------------------------------------
# Future dating (alert 0x00CC)
# ----------------------------------------------------------------------------
def _alerts(folder: Path) -> list[tuple[int, int, tuple[int, str, int], datetime]]:
    """(message code, counter, target, time) of the 8F66 future-dated alerts in a folder."""
    found = []
    for path in sorted(folder.glob("*_8F66_*_ALERT_*_GBCS.HEX")):
        body = decode_dlms_payload(decode_frame(rtds_bytes(path)).payload)["body"]["value"]
        raw = bytes.fromhex(body[2]["value"])
        obis = "{}-{}:{}.{}.{}.{}".format(*raw[12:18])
        found.append((int.from_bytes(raw[0:2], "big"), int.from_bytes(raw[2:10], "big"),
                      (int.from_bytes(raw[10:12], "big"), obis, raw[18]),
                      datetime_from_octets(body[1]["value"])))
    return found


FUTURE_DATED = [p for p in SUCCESS_COMMANDS if "FUTURE_DATED" in p.name]


def test_future_dated_commands_present() -> None:
    assert {p.name.split("_")[0] for p in FUTURE_DATED} == {
        "ECS01a", "ECS01c", "ECS01d", "ECS02", "ECS08", "ECS28a", "ECS46d"}


@pytest.mark.parametrize("path", FUTURE_DATED, ids=lambda p: p.name[:-17])
def test_future_dated_activation_matches_rtds_alerts(path: Path) -> None:
    alerts = _alerts(path.parent)
    assert alerts
    when = alerts[0][3]
    server = server_for(path)
    result = run(server, path)
    assert all(r == 0 for _, r in outcomes(result.response))
    assert len(server.pending) == len(alerts)
    assert server.tick(when - timedelta(seconds=1)) == []
    executions = server.tick(when)
    assert sorted((e.message_code, e.originator_counter,
                   (e.target["class_id"], e.target["obis"], e.target["attribute_id"]),
                   e.executed_at) for e in executions) == sorted(alerts)
    assert all(e.success for e in executions)
    assert server.pending == [] and server.tick(when + timedelta(days=1)) == []


def test_future_dated_tariff_becomes_active_only_when_due() -> None:
    path = command("ECS01a", "FUTURE_DATED_TOU_BLOCK_SUCCESS")
    req = request_of(path)
    season = req["data"][0]       # 20/0-0:13.0.0.255/7 (passive season profile)
    thresholds = req["data"][4]   # 21/0-0:16.1.11.255/2
    special_days = req["data"][3]  # 11/0-1:11.0.0.255/2
    price = req["data"][14]       # 113/0-0:19.20.0.255/6
    server = server_for(path)
    run(server, path)
    assert server.value("0-0:13.0.0.255", 3) != season
    assert server.value("0-0:16.0.11.255", 2) != thresholds
    server.tick(datetime(2030, 1, 15, 9, tzinfo=UTC))
    assert server.value("0-0:13.0.0.255", 3) == season
    assert server.value("0-0:16.0.11.255", 2) == thresholds
    assert server.value("0-0:11.0.0.255", 2) == special_days
    assert server.value("0-0:19.20.0.255", 5) == price


def test_immediate_activation() -> None:
    path = command("ECS01a", "IMMEDIATE_TOU_SUCCESS")
    req = request_of(path)
    server = server_for(path)
    result = run(server, path)
    assert server.pending == []
    assert server.value("0-0:13.0.0.255", 3) == req["data"][0]
    assert server.value("0-0:19.20.4.255", 5) == req["data"][13]
    assert any("activated now" in c for c in result.changes)
    assert server.tick(RTDS_NOW + timedelta(days=9999)) == []


def test_cancellation() -> None:
    future = command("ECS01a", "FUTURE_DATED_TOU_BLOCK_SUCCESS")
    cancel = command("ECS01a", "CANCELLATION_TOU_BLOCK_SUCCESS")
    server = server_for(future)
    run(server, future)
    assert len(server.pending) == 6
    result = run(server, cancel)
    assert all(r == 0 for _, r in outcomes(result.response))
    assert server.pending == []
    assert sum("cancelled" in c for c in result.changes) == 6
    assert server.tick(datetime(2031, 1, 1, tzinfo=UTC)) == []


def test_reschedule_replaces_the_pending_activation() -> None:
    server = CosemServer(ESME_PROFILE)
    target = set_("0-0:94.44.128.9", 6, 9000)
    first = datetime(2016, 1, 1, tzinfo=UTC)
    second = datetime(2017, 1, 1, tzinfo=UTC)
    for when, counter in ((first, 1), (second, 2)):
        value = octets(datetime_octets(when))
        result = server.handle(request((target, value)),
                               make_ctx(code=0x001F, counter=counter))
        assert outcomes(result.response) == [("set", 0)]
    (pending,) = server.pending
    assert pending.counter == 2 and pending.due == second
    assert server.tick(first) == []
    (execution,) = server.tick(second)
    assert execution.originator_counter == 2 and execution.message_code == 0x001F


def test_activation_now_never_values() -> None:
    server = CosemServer(ESME_PROFILE)
    passive = set_("0-0:94.44.128.9", 4, 9000)
    activate = set_("0-0:94.44.128.9", 6, 9000)
    result = server.handle(request((passive, dl(123)), (activate, octets(NEVER_OCTETS))),
                           make_ctx(code=0x001F))
    assert outcomes(result.response) == [("set", 0), ("set", 0)]
    assert server.value("0-0:94.44.128.9", 2) != dl(123) and server.pending == []
    server.handle(request((activate, octets(NOW_OCTETS))), make_ctx(code=0x001F))
    assert server.value("0-0:94.44.128.9", 2) == dl(123)


def test_pending_activation_runs_before_a_later_command() -> None:
    """A command arriving after the due time sees the activated values; the execution is
    still reported by the next tick."""
    path = command("ECS28a", "FUTURE_DATED_SUCCESS")
    server = server_for(path)
    run(server, path)
    later = datetime(2031, 1, 1, tzinfo=UTC)
    data, result = read(server, 71, "0-0:17.0.0.255", 4, later)
    assert (data, result) == (dlu(6900), 0)
    assert read(server, 9000, "0-0:94.44.0.3", 2, later) == ({"type": "boolean",
                                                              "value": False}, 0)
    assert len(server.tick(later)) == 4


# ----------------------------------------------------------------------------
# Prepayment top-up (CS01a)
# ----------------------------------------------------------------------------
def _balance(server: CosemServer) -> int:
    value = server.value("0-0:19.10.0.255", 2)["value"]
    assert isinstance(value, int)
    return value


def test_utrn_top_up_credits_the_balance() -> None:
    path = command("CS01a", "SUCCESS")
    seen: list[tuple[str, int]] = []

    def validator(token: str, ctx: HandleContext) -> bool:
        seen.append((token, ctx.counter))
        return True

    server = server_for(path, utrn_validator=validator)
    before = _balance(server)
    assert outcomes(run(server, path).response) == [("action", 0)]
    token = bytes.fromhex(request_of(path)["data"][0]["value"]).decode()
    utrn = decode_utrn(token)
    pennies = utrn.value * (100 if utrn.value_class == 1 else 1)
    assert _balance(server) == before + pennies * ESME_PROFILE.money_per_penny
    assert seen == [(token, frame_of(path).counter)]
    # the same token again is refused and credits nothing
    assert outcomes(run(server, path).response) == [("action", 250)]
    assert _balance(server) == before + pennies * ESME_PROFILE.money_per_penny


def test_utrn_rejected_by_the_validator_credits_nothing() -> None:
    path = command("CS01a", "SUCCESS")
    server = server_for(path, utrn_validator=lambda token, ctx: False)
    before = _balance(server)
    result = run(server, path)
    assert outcomes(result.response) == [("action", 250)]
    assert _balance(server) == before
    assert server.value("0-0:19.40.0.255", 6)["value"][0] == {"type": "enum", "value": 5}


def test_utrn_without_validator_checks_the_check_digit() -> None:
    path = command("CS01a", "SUCCESS")
    server = server_for(path)
    assert outcomes(run(server, path).response) == [("action", 0)]
    token = bytearray(bytes.fromhex(request_of(path)["data"][0]["value"]))
    token[-1] = ord("0") + (token[-1] - ord("0") + 1) % 10
    bad = request((action("0-0:19.40.0.255", 1, 115), octets(token.hex())))
    assert outcomes(CosemServer(ESME_PROFILE).handle(bad, make_ctx()).response) == [
        ("action", 250)]


# ----------------------------------------------------------------------------
# Access rules and object model errors
# ----------------------------------------------------------------------------
def test_unknown_role_is_denied() -> None:
    server = CosemServer(ESME_PROFILE)
    result = server.handle(request((get("0-0:0.2.1.255", 2, 1), NULL)), make_ctx(role=127))
    assert outcomes(result.response) == [("get", 3)]
    assert result.response["data"] == [NULL]


@pytest.mark.parametrize("spec, value, expected", [
    (set_("0-0:0.2.1.255", 2, 1), octets("01"), 3),          # read-only firmware version
    (set_("0-0:0.2.1.255", 1, 1), octets("0000000201FF"), 3),  # logical_name
    (get("0-0:0.2.1.255", 7, 1), NULL, 4),                   # no such attribute
    (get("1-2:3.4.5.6", 2, 1), NULL, 4),                     # no such object
    (get("0-0:0.2.1.255", 2, 3), NULL, 9),                   # wrong class
    (action("0-0:0.2.1.255", 1, 1), NULL, 4),                # Data has no methods
    (action("0-0:19.10.0.255", 1, 112), lu(5), 0),           # update amount by 5
    (action("0-0:19.10.0.255", 1, 112), visible("x"), 12),   # wrong argument type
    (get("0-0:99.98.0.255", 2, 7), NULL, 0),
])
def test_access_results(spec: dict[str, Any], value: dict[str, Any], expected: int) -> None:
    server = CosemServer(ESME_PROFILE)
    result = server.handle(request((spec, value)), make_ctx())
    assert result.response["results"][0]["result"] == expected


def test_get_with_unsupported_selection() -> None:
    spec = {**get("0-0:0.2.1.255", 2, 1), "choice": "get-with-selection",
            "access_selection": {"selector": 1, "parameters": NULL}}
    server = CosemServer(ESME_PROFILE)
    assert outcomes(server.handle(request((spec, NULL)), make_ctx()).response) == [("get", 250)]


def test_second_esme_reports_its_own_identity() -> None:
    server = CosemServer(ESME_PROFILE)
    result = server.handle(request((get("0-0:96.1.1.255", 2, 1), NULL)),
                           make_ctx(device=ESME_2))
    assert result.response["data"] == [octets(ESME_2)]


@pytest.mark.parametrize("late", [timedelta(minutes=5), timedelta(hours=12)])
def test_clock_set_outside_validity_interval(late: timedelta) -> None:
    """ECS70's validity interval (2014-12-31 23:59:10 – 2015-01-01 00:00:10) brackets the RTDS
    reference time only: a device whose clock is later — e.g. one started at 2015-01-01 12:00
    — refuses adjust_to_preset_time (DLMS Blue Book) and answers 250 from there on."""
    path = command("ECS70", "SUCCESS")
    server = server_for(path)
    assert all(r == 0 for _, r in outcomes(run(server, path).response))
    refused = outcomes(run(server_for(path), path, now=RTDS_NOW + late).response)
    assert refused == [("set", 0), ("action", 0), ("action", 250), ("get", 250), ("get", 250)]


def test_clock_time_and_shift() -> None:
    server = CosemServer(ESME_PROFILE)
    assert read(server, 8, "0-0:1.0.0.255", 2) == (octets("07DF0101FF000000008000FF"), 0)
    server.handle(request((action("0-0:1.0.0.255", 6, 8), {"type": "long", "value": 3600})),
                  make_ctx())
    assert read(server, 8, "0-0:1.0.0.255", 2)[0] == octets("07DF0101FF010000008000FF")
    assert read(server, 1, "0-0:94.44.100.255", 2)[0] == dlu(473385600 + 3600)


def test_supply_switch_scripts() -> None:
    server = CosemServer(ESME_PROFILE)
    for path, state in ((command("ECS43", "SUCCESS"), 0), (command("ECS42", "SUCCESS"), 1),
                        (command("ECS44", "SUCCESS"), 2)):
        assert outcomes(run(server, path).response) == [("action", 0)]
        assert read(server, 70, "0-0:96.3.10.255", 3)[0] == {"type": "enum", "value": state}


def test_device_log_backup_restore() -> None:
    server = CosemServer(CHF_PROFILE)
    backup = command("CCS07", "SUCCESS")
    before = run(server, backup).response["data"]
    assert outcomes(run(server, command("CCS02", "SUCCESS")).response) == [("action", 0)]
    after = run(server, backup).response["data"][0]["value"][2]["value"]
    assert len(after) == len(before[0]["value"][2]["value"]) - 1
    assert outcomes(run(server, command("CCS03", "SUCCESS")).response) == [("action", 0)]
    devices = read(server, 104, "0-0:30.3.0.255", 4)[0]["value"]
    assert [d["value"][0]["value"] for d in devices] == [ESME, "00DB1234567890A1"]


def test_response_encodes_for_every_command_on_one_server() -> None:
    """All RTDS commands in sequence on one server per device: every answer encodes."""
    servers = {p.name: CosemServer(p, utrn_validator=lambda token, ctx: True)
               for p in (ESME_PROFILE, ESME_TWIN_PROFILE, CHF_PROFILE)}
    for path in dlms_commands():
        response = run(servers[profile_for(path).name], path).response
        assert len(response["results"]) == len(request_of(path)["specs"])
        encode_dlms_payload(response)


# ----------------------------------------------------------------------------
# State
# ----------------------------------------------------------------------------
def _busy_server() -> CosemServer:
    server = CosemServer(ESME_PROFILE, utrn_validator=lambda token, ctx: True)
    for use_case, variant in (("ECS01a", "FUTURE_DATED_TOU_BLOCK_SUCCESS"),
                              ("ECS39a", "SINGLE_SUCCESS"), ("CS01a", "SUCCESS"),
                              ("ECS22a", "SUCCESS"), ("ECS15c", "SUCCESS"),
                              ("ECS09", "SUCCESS"), ("ECS70", "SUCCESS")):
        run(server, command(use_case, variant))
    server.inject_fault(3, "1-0:2.8.0.255", 2, 1, "get")
    return server


def test_state_round_trip() -> None:
    server = _busy_server()
    state = server.state()
    restored = CosemServer(ESME_PROFILE, json.loads(json.dumps(state)),
                           utrn_validator=lambda token, ctx: True)
    assert restored.state() == state
    assert len(restored.pending) == 6
    # same behaviour afterwards
    for path in (command("ECS22a", "SUCCESS"), command("ECS35f", "SUCCESS"),
                 command("ECS17a", "SUCCESS"), command("ECS82", "SUCCESS")):
        later = RTDS_NOW + timedelta(days=3)
        assert run(restored, path, later).response == run(server, path, later).response
    due = datetime(2030, 1, 15, 9, tzinfo=UTC)
    assert restored.tick(due) == server.tick(due)
    assert restored.state() == server.state()


def test_state_round_trip_keeps_unreported_executions() -> None:
    path = command("ECS28a", "FUTURE_DATED_SUCCESS")
    server = server_for(path)
    run(server, path)
    later = datetime(2031, 1, 1, tzinfo=UTC)
    read(server, 71, "0-0:17.0.0.255", 4, later)  # runs the activation, not yet reported
    restored = CosemServer(ESME_PROFILE, json.loads(json.dumps(server.state())))
    assert len(restored.tick(later)) == 4


def test_state_is_for_one_profile() -> None:
    state = CosemServer(ESME_PROFILE).state()
    with pytest.raises(ValueError, match="profile"):
        CosemServer(CHF_PROFILE, state)


def test_chf_state_round_trip() -> None:
    server = CosemServer(CHF_PROFILE)
    for use_case in ("CCS02", "DBCH04", "ECS35c"):
        run(server, command(use_case, "SUCCESS"))
    state = json.loads(json.dumps(server.state()))
    assert CosemServer(CHF_PROFILE, state).state() == server.state()


def test_profile_sizes() -> None:
    assert len(ESME_PROFILE.objects) == 206  # + the two (inferred) daily read logs of ECS21a/b
    assert len(ESME_TWIN_PROFILE.objects) == 207
    assert len(CHF_PROFILE.objects) == 13
    assert st() == {"type": "structure", "value": []}
    assert capture_object(8, "0-0:1.0.0.255", 2)["value"][1] == octets("0000010000FF")


def test_clock_pushed_to_the_end_of_time_does_not_break_handling() -> None:
    server = CosemServer(ESME_PROFILE)
    far = octets(datetime_octets(datetime(9999, 12, 31, 23, tzinfo=UTC)))
    result = server.handle(request((set_("0-0:1.0.0.255", 2, 8), far)), make_ctx())
    assert outcomes(result.response) == [("set", 0)]
    later = server.handle(request((get("0-0:1.0.0.255", 2, 8), NULL),
                                  (get("0-0:99.1.0.255", 2, 7), NULL)),
                          make_ctx(RTDS_NOW + timedelta(days=400)))
    assert len(later.response["results"]) == 2
    encode_dlms_payload(later.response)


def test_naive_now_is_utc() -> None:
    server = CosemServer(ESME_PROFILE)
    result = server.handle(request((get("0-0:1.0.0.255", 2, 8), NULL)),
                           make_ctx(datetime(2015, 1, 1)))
    assert result.response["data"] == [octets("07DF0101FF000000008000FF")]
    server.handle(request((action("0-0:1.0.0.255", 6, 8), {"type": "long", "value": 60})),
                  make_ctx(datetime(2015, 1, 1)))
    assert server.value("0-0:1.0.0.255", 2, RTDS_NOW) == octets("07DF0101FF000100008000FF")
