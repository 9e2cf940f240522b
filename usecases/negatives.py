# SPDX-License-Identifier: GPL-3.0-or-later
"""GBCS security negatives for device makers: a command a device must refuse, and the
GBCS-correct way it refuses (gbcs-security.md §1; emulators/device.py step 3).

Each Use Case takes a valid, state-changing critical command (ECS04a Adjust Meter Balance
on the ESME, GCS40c Adjust Credit Mode Meter Balance on the GSME — variants ESME and GSME),
breaks one thing and expects:

* no response to the command,
* the Generic Critical Alert 0x1000 from the device to the command's originator, carrying
  the alert code of the failure (0x8F53 authentication failure for MAC, signature and
  counter, 0x8F30 for an unknown originator, 0x8F1E for a wrong recipient), itself
  correctly signed,
* the device's state unchanged (its application models, by their ``state()``).

An unauthorised role is refused inside the command's payload instead: the response says
so (DLMS access result, ZCL status) and nothing changes.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from gfi.api import (
    GbcsFrame,
    InMemoryKeyStore,
    KeyUsage,
    SecurityContext,
    Session,
    apply_mac,
    apply_signature,
    build,
    decode_frame,
    derive_key,
    dlms_invoke_id,
    encode_dlms_payload,
    usecase,
)

GENERIC_CRITICAL_ALERT = 0x1000
AUTHENTICATION_FAILURE = 0x8F53
UNKNOWN_REMOTE_PARTY = 0x8F30
NOT_FOR_THIS_DEVICE = 0x8F1E
#: A network operator: may read, may not adjust a customer's balance.
NETWORK_OPERATOR = "90B3D51F30020000"
#: An organisation no device trusts.
STRANGER = "90B3D51F30FFFF01"
VARIANTS = ("ESME", "GSME")


def _esme_balance(counter: int) -> bytes:
    """ECS04a: Credit 0-0:19.10.0.255 update_amount +1234 (gbcs-protocol.md App. A 001C)."""
    return encode_dlms_payload({
        "apdu": "access-request", "invoke_id": dlms_invoke_id(counter), "date_time": "",
        "specs": [{"choice": "action", "descriptor": {
            "class_id": 112, "obis": "0-0:19.10.0.255", "method_id": 1}}],
        "data": [{"type": "double-long", "value": 1234}]})


def _gsme_balance(counter: int) -> bytes:
    """GCS40c: Prepayment CreditAdjustment, incremental +5000 (App. B 00C0)."""
    return build.gbz_payload([(0x0705, 0x05, "cluster_specific", "client_to_server", {
        "issuer_event_id": 473385600, "start_time": 0, "credit_adjustment_type": 3,
        "credit_adjustment_value": 5000})])


#: variant → (message code, payload)
COMMANDS: dict[str, tuple[int, Callable[[int], bytes]]] = {
    "ESME": (0x001C, _esme_balance),
    "GSME": (0x00C0, _gsme_balance),
}


def command_to(s: Session, variant: str, originator: str | None = None) -> GbcsFrame:
    """The ordinary command of :data:`COMMANDS` for ``variant``, protected by
    ``originator`` (the session's by default)."""
    code, payload = COMMANDS[variant]
    return s.head.command(code, originator=originator or s.originator,
                          recipient=s.id(variant), payload=payload)


def with_bad_mac(s: Session, variant: str) -> bytes:
    """That command with the last byte of its 12-byte MAC flipped."""
    data = bytearray(command_to(s, variant).to_bytes())
    data[-1] ^= 0x01
    return bytes(data)


def _state(s: Session, variant: str) -> dict[str, Any]:
    """The device's application state, without bookkeeping that is not state (which
    attributes still have to be reported to the GPF mirror)."""
    device = s.premises.devices[variant]
    return _without(copy.deepcopy({f.value: m.state() for f, m in device.models.items()}))


def _without(tree: Any, keys: frozenset[str] = frozenset({"dirty"})) -> Any:
    if isinstance(tree, dict):
        return {k: _without(v, keys) for k, v in tree.items() if k not in keys}
    if isinstance(tree, list):
        return [_without(v, keys) for v in tree]
    return tree


async def _refused(s: Session, variant: str, frame: GbcsFrame | bytes, alert_code: int,
                   why: str, *, to: str | None = None, originator: str | None = None) -> None:
    """Send the broken command; expect the rejection alert, no response, no change."""
    before = _state(s, variant)
    data = frame if isinstance(frame, bytes) else frame.to_bytes()
    counter = decode_frame(data).counter
    answered = len(s.responses_to(counter, originator))
    await s.send_frame(data, to=to or variant, expect_response=False)
    alert = await s.expect_alert(GENERIC_CRITICAL_ALERT, alert_code=alert_code,
                                 originator=variant, timeout=5)
    s.check(alert.frame is not None and
            alert.frame.recipient == (originator or s.originator),  # type: ignore[union-attr]
            f"the {why} alert goes to the command's originator")
    await s.premises.settle()
    s.check(len(s.responses_to(counter, originator)) == answered,
            f"no response to a command with {why}")
    s.check(_state(s, variant) == before, f"the {variant}'s state is unchanged after {why}")


@usecase("NEG-BAD-MAC", "A command whose MAC does not verify is refused (0x8F53)",
         devices=VARIANTS, tags=["negative", "security"], variants=VARIANTS)
async def bad_mac(s: Session, variant: str = "ESME") -> None:
    await _refused(s, variant, with_bad_mac(s, variant), AUTHENTICATION_FAILURE, "a bad MAC")


@usecase("NEG-BAD-SIGNATURE", "A critical command whose signature does not verify is "
         "refused (0x8F53)", devices=VARIANTS, tags=["negative", "security"],
         variants=VARIANTS)
async def bad_signature(s: Session, variant: str = "ESME") -> None:
    frame = command_to(s, variant)
    s.check(bool(frame.signature), "the command is critical (signed)")
    signature = bytearray(frame.signature or b"")
    signature[0] ^= 0x01
    tampered = apply_mac(frame.with_changes(signature=bytes(signature)), s.head.security)
    await _refused(s, variant, tampered, AUTHENTICATION_FAILURE, "a bad signature")


@usecase("NEG-REPLAY", "A command replayed with a used originator counter is refused "
         "(0x8F53) and runs once", devices=VARIANTS, tags=["negative", "security"],
         variants=VARIANTS)
async def replay(s: Session, variant: str = "ESME") -> None:
    frame = command_to(s, variant)
    first = await s.send_frame(frame, to=variant)
    s.check(first is not None, "the original command gets its response")
    await _refused(s, variant, frame.to_bytes(), AUTHENTICATION_FAILURE, "a replayed counter")


@usecase("NEG-UNKNOWN-ORIGINATOR", "A command from an organisation the device does not "
         "trust is refused (0x8F30)", devices=VARIANTS, tags=["negative", "security"],
         variants=VARIANTS)
async def unknown_originator(s: Session, variant: str = "ESME") -> None:
    keys = InMemoryKeyStore()
    keys.merge(s.head.keys)
    for usage in (KeyUsage.DS, KeyUsage.KA):
        keys.add_private_key(STRANGER, usage, derive_key("stranger", STRANGER, usage.value))
    code, payload = COMMANDS[variant]
    counter = s.head.next_counter(STRANGER)
    frame = build.command(code, counter=counter, originator=STRANGER, recipient=s.id(variant),
                          payload=payload(counter))
    ctx = SecurityContext(keys, acb=s.head.acb)
    frame = apply_mac(apply_signature(frame, keys.signing_key(STRANGER)), ctx)
    await _refused(s, variant, frame, UNKNOWN_REMOTE_PARTY, "an unknown originator",
                   originator=STRANGER)


@usecase("NEG-WRONG-RECIPIENT", "A command for another device that reaches this one is "
         "refused (0x8F1E)", devices=VARIANTS, tags=["negative", "security"],
         variants=VARIANTS)
async def wrong_recipient(s: Session, variant: str = "ESME") -> None:
    """A faulty Comms Hub delivers the other meter's command to this one (the tunnel is the
    only way to put it there)."""
    other = "GSME" if variant == "ESME" else "ESME"
    frame = command_to(s, other)
    hub = s.premises.hub
    assert hub is not None
    before = _state(s, variant)
    target = s.id(variant)
    if target in hub.sleepy:
        hub.queues.setdefault(target, []).append(frame.to_bytes())
        await s.premises.wake_gsme()
    else:
        await hub.links[target].put(frame.to_bytes())
    alert = await s.expect_alert(GENERIC_CRITICAL_ALERT, alert_code=NOT_FOR_THIS_DEVICE,
                                 originator=variant, timeout=5)
    s.check(alert.frame is not None, "the device names the misdelivered command")
    await s.premises.settle()
    s.check(_state(s, variant) == before, f"the {variant}'s state is unchanged")


@usecase("NEG-UNAUTHORISED-ROLE", "A network operator may not adjust a customer's balance: "
         "the device refuses inside the response", devices=VARIANTS,
         tags=["negative", "security"], variants=VARIANTS)
async def unauthorised_role(s: Session, variant: str = "ESME") -> None:
    before = _state(s, variant)
    code, payload = COMMANDS[variant]
    response = await s.send(code, to=variant, payload=payload, originator=NETWORK_OPERATOR)
    tree = response.payload or {}
    if variant == "ESME":
        results = [r.get("result") for r in tree.get("results", [])]
        s.check(results and all(r not in (0, "success") for r in results),
                f"the DLMS result refuses the action (got {results})")
    else:
        statuses = [((c.get("frame") or {}).get("payload") or {}).get("status")
                    for c in tree.get("components", [])]
        s.check(statuses and all(st not in (None, "success") for st in statuses),
                f"the ZCL status refuses the command (got {statuses})")
    await s.premises.settle()
    s.check(_state(s, variant) == before, f"the {variant}'s state is unchanged")
