# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for the radio tests: every VirtualHan a test creates must end clean."""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from gfi.codecs.security.install_code import link_key_from_install_code
from gfi.radio.base import AdmissionDecision, HanFrame, JoinRequest
from gfi.radio.virtual import VirtualHan, VirtualRadio

CH = "90B3D51F30000002"
ESME = "00DB1234567890A0"
GSME = "00DB1234567890A3"
IHD = "00DB1234567890B1"
#: the ZigBee install-code test vector (zigbee-han.md §3.3) and another code
INSTALL_CODES = {ESME: bytes.fromhex("83FED3407A939723A5C639B26916D505C3B5"),
                 GSME: bytes.fromhex("000102030405060708090A0B0C0D0E0F"),
                 IHD: bytes.fromhex("1122334455667788")}
#: the pre-configured link keys those codes give (66B69009… for the vector)
LINK_KEYS = {eui: link_key_from_install_code(code) for eui, code in INSTALL_CODES.items()}


class DeviceLog:
    """A test trust centre's admission policy: the CHF device log (product.md §4.2) as
    EUI-64 → install code; a device not on it cannot join, and its link key must be the
    one its install code gives. ``requests`` records what the hook saw."""

    def __init__(self, codes: dict[str, bytes] | None = None):
        self.codes = dict(INSTALL_CODES if codes is None else codes)
        self.requests: list[JoinRequest] = []

    def __call__(self, request: JoinRequest) -> AdmissionDecision:
        self.requests.append(request)
        code = self.codes.get(request.eui64)
        if code is None:
            return AdmissionDecision.refuse(f"{request.eui64} is not on the device log")
        key = link_key_from_install_code(code)
        if not request.verify(key):
            return AdmissionDecision.refuse("link key does not match the install code on the "
                                            "device log")
        return AdmissionDecision.admit(key)


def trust_centre(han: VirtualHan, log: DeviceLog | None = None, *, eui64: str = CH,
                 permit: float = math.inf) -> VirtualRadio:
    """Attach the coordinator with a device-log admission hook and joining permitted."""
    tc = han.attach(eui64, coordinator=True)
    tc.set_admission(DeviceLog() if log is None else log)
    if permit:
        tc.permit_joining(permit)
    return tc


async def attach_joined(han: VirtualHan, eui64: str, nwk: int | None = None, *,
                        sleepy: bool = False, key: bytes | None = None) -> VirtualRadio:
    """Attach a device and join it with its link key (from LINK_KEYS by default)."""
    radio = han.attach(eui64, nwk, sleepy=sleepy)
    await radio.join(LINK_KEYS[eui64] if key is None else key, timeout=2.0)
    return radio


@pytest.fixture(autouse=True)
async def clean_virtual_hans(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[list[VirtualHan]]:
    """Track every VirtualHan built during the test; at teardown each must drain to idle,
    with no sink/internal errors and no received frame left unread (house style §7
    rule 14, pymodbus's system_health_check)."""
    created: list[VirtualHan] = []
    original = VirtualHan.__init__

    def tracking_init(self: VirtualHan, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        created.append(self)

    monkeypatch.setattr(VirtualHan, "__init__", tracking_init)
    yield created
    problems: list[str] = []
    for han in created:
        with contextlib.suppress(TimeoutError):
            await han.drain(2.0)
        problems += [f"{han.name}: {line}" for line in han.describe_pending()]
        await han.close()
    assert not problems, "virtual HAN left dirty:\n" + "\n".join(problems)


@pytest.fixture
async def han() -> VirtualHan:
    return VirtualHan("test", retry_interval=0.0, require_join=False)


@pytest.fixture
async def pair(han: VirtualHan) -> tuple[VirtualRadio, VirtualRadio]:
    return han.attach(CH, 0x0000), han.attach(ESME)


def frame_to(dst: VirtualRadio, payload: bytes = b"", **kwargs: Any) -> HanFrame:
    return HanFrame(dst_eui64=dst.eui64, payload=payload, **kwargs)


async def until(predicate: Callable[[], bool], timeout: float = 1.0) -> None:
    """Yield to the event loop until ``predicate()`` holds (TimeoutError after timeout)."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0)
