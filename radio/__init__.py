# SPDX-License-Identifier: GPL-3.0-or-later
"""gfi.radio: the radio boundary (bytes and addresses, no GBCS).

``await open_radio("scheme:spec", **options)`` opens a radio implementing
:class:`~gfi.radio.base.Radio`, importing the backend only when its scheme is used
(house style §7 rule 9), so the virtual path never loads bellows or zigpy:

``virtual:NAME[?eui64=…&nwk=0x1234&sleepy=1&coordinator=1]``
    an endpoint on the :class:`~gfi.radio.virtual.VirtualHan` called NAME, taken from
    the ``registry=`` :class:`~gfi.radio.virtual.HanRegistry` (without one, a new
    registry, so a new HAN, per call: there is no module-level state). ``eui64``,
    ``nwk``, ``sleepy`` and ``coordinator`` may also be given as keyword options (which
    win); without ``eui64`` the HAN allocates one. ``coordinator=1`` (or ``nwk=0``) opens
    the HAN's coordinator and trust centre; any other radio must ``await radio.join(key)``
    before it can send, unless the registry makes HANs with ``require_join=False``
    (``HanRegistry(require_join=False)``).
``ezsp:/dev/ttyUSB0?baudrate=115200`` (or ``ezsp:/dev/ttyUSB0[baudrate=115200]``)
    a real EZSP coordinator through bellows: recognised, but the backend is not
    implemented yet (:class:`~gfi.errors.RadioSpecError`).

Any other scheme raises :class:`~gfi.errors.RadioSpecError` naming the valid ones.

Capture: when the environment variable ``GFI_CAPTURE`` names a file
(``GFI_CAPTURE=han.pcap``), traffic is written there as pcap that Wireshark decodes
(:mod:`gfi.radio.capture`, decrypted view). For a virtual radio the writer taps the
whole HAN, once per HAN, and is shared by every HAN of the registry (closed by
``await registry.close()``, or with the HAN when no registry was given); any other
radio is wrapped in :class:`~gfi.radio.capture.CapturingRadio`.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------
# Imports
# ---------------------------------------------------------------------------
import logging
import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from gfi.errors import RadioError, RadioLost, RadioSpecError

from .base import (
    EUI64_UNKNOWN,
    NWK_UNKNOWN,
    AdmissionDecision,
    AdmissionHook,
    AirFrame,
    AirKind,
    DeliveryFailed,
    FailureReason,
    FrameError,
    FrameSink,
    HanFrame,
    JoinEvent,
    JoinFailed,
    JoinFailure,
    JoiningRadio,
    JoinRequest,
    JoinResult,
    LeaveEvent,
    Radio,
    RadioEvent,
    SleepyRadio,
    TrustCentreRadio,
)

if TYPE_CHECKING:
    from .capture import PcapWriter
    from .virtual import HanRegistry

__all__ = [
    "CAPTURE_ENV",
    "EUI64_UNKNOWN",
    "NWK_UNKNOWN",
    "SCHEMES",
    "AdmissionDecision",
    "AdmissionHook",
    "AirFrame",
    "AirKind",
    "DeliveryFailed",
    "FailureReason",
    "FrameError",
    "FrameSink",
    "HanFrame",
    "JoinEvent",
    "JoinFailed",
    "JoinFailure",
    "JoinRequest",
    "JoinResult",
    "JoiningRadio",
    "LeaveEvent",
    "Radio",
    "RadioError",
    "RadioEvent",
    "RadioLost",
    "RadioSpecError",
    "SleepyRadio",
    "TrustCentreRadio",
    "open_radio",
]

# ---------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------
#: environment variable naming a pcap file to capture to
CAPTURE_ENV = "GFI_CAPTURE"
#: scheme → what it opens
SCHEMES = {
    "virtual": "virtual:NAME — an endpoint on an in-process virtual HAN",
    "ezsp": "ezsp:/dev/ttyUSB0?baudrate=115200 — an EZSP coordinator (not implemented yet)",
}
_NAME_RE = re.compile(r"[A-Za-z0-9_.\-]+")
_VIRTUAL_OPTIONS = ("eui64", "nwk", "sleepy", "coordinator")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


# ---------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------
async def open_radio(spec: str, *, registry: HanRegistry | None = None,
                     env: Mapping[str, str] | None = None, **options: Any) -> Radio:
    """Open the radio named by ``spec`` (see the module docstring).

    ``env`` replaces ``os.environ`` when looking up ``GFI_CAPTURE`` (for tests).
    """
    if not isinstance(spec, str):
        raise RadioSpecError(f"radio spec must be a str, not {type(spec).__name__}")
    scheme, sep, rest = spec.partition(":")
    scheme = scheme.strip().lower()
    if not sep or scheme not in SCHEMES:
        valid = "; ".join(SCHEMES.values())
        raise RadioSpecError(f"radio spec {spec!r}: unknown scheme {scheme!r} "
                             f"(valid schemes: {valid})")
    target, params = _split_params(spec, rest)
    capture = (os.environ if env is None else env).get(CAPTURE_ENV) or None
    if scheme == "virtual":
        return _open_virtual(spec, target, params, options, registry, capture)
    return _open_ezsp(spec, target, params, options)


def _split_params(spec: str, rest: str) -> tuple[str, dict[str, str]]:
    """``target?k=v&k=v`` or ``target[k=v,k=v]`` → (target, {k: v})."""
    if rest.endswith("]") and "[" in rest:
        target, _, inner = rest[:-1].partition("[")
        pairs = [p for p in inner.split(",") if p.strip()]
    else:
        target, _, query = rest.partition("?")
        pairs = [p for p in query.split("&") if p.strip()]
    params: dict[str, str] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key.strip():
            raise RadioSpecError(f"radio spec {spec!r}: option {pair!r} is not key=value")
        params.update(parse_qsl(f"{key.strip()}={value.strip()}", keep_blank_values=True))
    return target.strip(), params


def _open_virtual(spec: str, name: str, params: dict[str, str], options: dict[str, Any],
                  registry: HanRegistry | None, capture: str | None) -> Radio:
    from .virtual import HanRegistry

    if not _NAME_RE.fullmatch(name):
        raise RadioSpecError(f"radio spec {spec!r}: virtual HAN name {name!r} must be "
                             "letters, digits, '_', '.' or '-'")
    unknown = sorted((set(params) | set(options)) - set(_VIRTUAL_OPTIONS))
    if unknown:
        raise RadioSpecError(f"radio spec {spec!r}: unknown option(s) {', '.join(unknown)} "
                             f"(virtual takes {', '.join(_VIRTUAL_OPTIONS)})")
    merged: dict[str, Any] = dict(params)
    merged.update(options)
    eui64 = merged.get("eui64")
    nwk = merged.get("nwk")
    sleepy = merged.get("sleepy", False)
    if isinstance(nwk, str):
        try:
            nwk = int(nwk, 0)
        except ValueError:
            raise RadioSpecError(f"radio spec {spec!r}: nwk={nwk!r} is not an integer "
                                 "(e.g. 0x3C4D)") from None
    sleepy = _flag(spec, "sleepy", sleepy)
    coordinator = _flag(spec, "coordinator", merged.get("coordinator", False))
    own_registry = registry is None
    reg = HanRegistry() if registry is None else registry
    han = reg.get(name)
    try:
        radio = han.attach(eui64 or han.allocate_eui64(), nwk, sleepy=sleepy,
                           coordinator=coordinator)
    except (FrameError, TypeError, ValueError) as exc:
        raise RadioSpecError(f"radio spec {spec!r}: {exc}") from exc
    if capture:
        writer = _registry_writer(reg, capture)
        hans: set[str] = reg.extras.setdefault(f"capture-hans:{capture}", set())
        if name not in hans:
            hans.add(name)
            writer.attach(han, close_with=own_registry)
        if own_registry:  # nobody else can reach this HAN: the file goes with the radio
            radio.terminated.add_done_callback(lambda _: writer.close())
            logger.info("capturing virtual HAN %r to %s (%s)", name, capture, CAPTURE_ENV)
    return radio


def _flag(spec: str, name: str, value: object) -> bool:
    if isinstance(value, str):
        if value.lower() not in _TRUE | _FALSE:
            raise RadioSpecError(f"radio spec {spec!r}: {name}={value!r} is not a boolean")
        return value.lower() in _TRUE
    return bool(value)


def _registry_writer(reg: HanRegistry, path: str) -> PcapWriter:
    from .capture import PcapWriter

    key = f"capture:{path}"
    writer: PcapWriter | None = reg.extras.get(key)
    if writer is None:
        writer = reg.extras[key] = PcapWriter(path)
        reg.add_closer(writer.close)
    return writer


def _open_ezsp(spec: str, device: str, params: dict[str, str], options: dict[str, Any]) -> Radio:
    if not device:
        raise RadioSpecError(f"radio spec {spec!r}: ezsp needs a device path, e.g. "
                             "ezsp:/dev/ttyUSB0?baudrate=115200")
    merged: dict[str, Any] = {**params, **options}
    baud = merged.pop("baudrate", merged.pop("baud", 115200))
    try:
        baudrate = int(baud)
    except (TypeError, ValueError):
        raise RadioSpecError(f"radio spec {spec!r}: baudrate={baud!r} is not an integer") from None
    raise RadioSpecError(f"radio spec {spec!r}: EZSP backend not implemented yet "
                         f"(device {device}, baudrate {baudrate}); use virtual:NAME")
