# SPDX-License-Identifier: GPL-3.0-or-later
"""open_radio("scheme:spec"): schemes, options, lazy backends, no global state."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gfi.errors import RadioSpecError
from gfi.radio import Radio, open_radio
from gfi.radio.base import HanFrame
from gfi.radio.virtual import HanRegistry, VirtualRadio

from .conftest import CH, ESME, GSME


async def test_virtual_radios_share_a_named_han_in_a_registry() -> None:
    registry = HanRegistry(require_join=False)
    ch = await open_radio("virtual:home", registry=registry, eui64=CH, nwk=0)
    esme = await open_radio(f"virtual:home?eui64={ESME}&nwk=0x3C4D", registry=registry)
    gsme = await open_radio(f"virtual:home[eui64={GSME},sleepy=yes]", registry=registry)
    other = await open_radio("virtual:elsewhere", registry=registry)
    assert all(isinstance(r, Radio) for r in (ch, esme, gsme, other))
    assert isinstance(esme, VirtualRadio) and isinstance(gsme, VirtualRadio)
    assert esme.nwk == 0x3C4D and gsme.sleepy
    assert isinstance(other, VirtualRadio) and other.han is not esme.han
    await ch.send(HanFrame(dst_nwk=0x3C4D, payload=b"hi"))
    assert (await esme.receive(timeout=1)).payload == b"hi"
    await registry.close()


async def test_without_registry_each_call_gets_its_own_han() -> None:
    a = await open_radio("virtual:x", eui64=CH)
    b = await open_radio("virtual:x", eui64=CH)  # no clash: a different HAN
    assert isinstance(a, VirtualRadio) and isinstance(b, VirtualRadio)
    assert a.han is not b.han
    async with a, b:
        pass


async def test_keyword_options_win_over_the_spec() -> None:
    registry = HanRegistry(require_join=False)
    radio = await open_radio("virtual:h?nwk=0x10", registry=registry, nwk=0x20)
    assert radio.nwk == 0x20
    await registry.close()


@pytest.mark.parametrize("spec, fragment", [
    ("zigbee:/dev/ttyACM0", "unknown scheme 'zigbee'"),
    ("virtual", "unknown scheme"),
    ("", "unknown scheme"),
    ("virtual:", "virtual HAN name ''"),
    ("virtual:bad name", "virtual HAN name"),
    ("virtual:h?colour=red", "unknown option(s) colour"),
    ("virtual:h?nwk=zz", "nwk='zz' is not an integer"),
    ("virtual:h?sleepy=maybe", "not a boolean"),
    ("virtual:h?eui64=123", "is not 16 hex digits"),
    ("virtual:h?novalue", "is not key=value"),
    ("ezsp:", "needs a device path"),
    ("ezsp:/dev/ttyUSB0?baudrate=fast", "baudrate='fast'"),
])
async def test_bad_specs(spec: str, fragment: str) -> None:
    with pytest.raises(RadioSpecError) as err:
        await open_radio(spec)
    assert fragment in str(err.value)
    if "unknown scheme" in fragment:
        assert "virtual:" in str(err.value) and "ezsp:" in str(err.value)


@pytest.mark.parametrize("spec", ["ezsp:/dev/ttyUSB0?baudrate=115200",
                                  "ezsp:/dev/ttyUSB0[baudrate=57600]", "EZSP:/dev/ttyACM0"])
async def test_ezsp_is_recognised_but_not_implemented(spec: str) -> None:
    with pytest.raises(RadioSpecError, match="EZSP backend not implemented yet"):
        await open_radio(spec)


def test_backends_are_imported_lazily() -> None:
    code = ("import sys, gfi.radio; "
            "bad = [m for m in ('gfi.radio.virtual', 'gfi.radio.capture', 'bellows', 'zigpy', "
            "'gfi.codecs') if m in sys.modules]; "
            "assert not bad, bad")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=False)
    assert run.returncode == 0, run.stderr
