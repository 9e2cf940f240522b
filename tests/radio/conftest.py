# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for the radio tests: every VirtualHan a test creates must end clean."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from gfi.radio.base import HanFrame
from gfi.radio.virtual import VirtualHan, VirtualRadio

CH = "90B3D51F30000002"
ESME = "00DB1234567890A0"
GSME = "00DB1234567890A3"
IHD = "00DB1234567890B1"


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
    return VirtualHan("test", retry_interval=0.0)


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
