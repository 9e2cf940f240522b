# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault injection for the virtual HAN: drop, delay, duplicate, reorder, corrupt.

Theory of operation
-------------------
A :class:`FaultSpec` says what may go wrong on a link, in the spirit of pymodbus's
``NullModem.set_manipulator`` (house style §4 and §7 rule 10). It is plain data, parsed
from a command-line flag (``--faults SPEC``) by :meth:`FaultSpec.parse`. A
:class:`LinkFaults` is the running state of one spec on one directed link (sender →
receiver): its own ``random.Random`` seeded from the spec's seed and the link's name, so
a run is deterministic link by link whatever the traffic on other links, and the count
of forced drops left.

The virtual HAN asks :meth:`LinkFaults.on_transmit` once for every 802.15.4
transmission (a whole APS frame, one APS block, a retry): the answer says whether the
transmission is lost (the sender then retries, up to macMaxFrameRetries, IEEE 802.15.4
§7.4.2), how long it takes to arrive, whether it arrives twice (a duplicate: the MAC ack
was lost and the frame re-sent) and with which bits flipped in its APS payload. It asks
:meth:`LinkFaults.on_deliver` once per reassembled APS frame whether to hold it back so
that the next frame on the link overtakes it (reorder).

This module is sans-I/O: no asyncio, no clock.

Grammar of :meth:`FaultSpec.parse`
----------------------------------
::

    spec        := "" | "none" | item ("," item)*
    item        := key "=" value            (blanks around tokens are ignored)
    drop        := probability | count "x"  drop=0.2, drop=20%, drop=3x (the next 3
                                            transmissions on the link); a count and a
                                            probability may both be given
    delay       := duration                 fixed extra latency per transmission
    jitter      := duration                 plus uniform(0, jitter)
    duplicate   := probability              (alias: dup)
    reorder     := probability              hold a frame until the next one overtook it
    window      := duration                 longest a reordered frame is held (default 20ms)
    corrupt     := probability              flip bits in the APS payload
    bits        := integer >= 1             bits flipped per corruption (default 1)
    seed        := integer                  (default: the HAN's seed)
    probability := float in [0, 1] | number "%"
    duration    := number ("s" | "ms" | "us")

Example: ``drop=0.2,delay=5ms,jitter=1ms,seed=7``. Every error is a
:class:`~gfi.errors.RadioSpecError` that names the bad token.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------
# Imports
# ---------------------------------------------------------------------------
import logging
import math
import random
import re
from dataclasses import dataclass, fields

from gfi.errors import RadioSpecError

__all__ = ["FaultSpec", "LinkFaults", "TransmitFate"]

# ---------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------
logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------
_DURATION_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6}
_NUMBER = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:e[+-]?[0-9]+)?"
_DURATION_RE = re.compile(rf"(?P<num>{_NUMBER})\s*(?P<unit>s|ms|us)")
_NUMBER_RE = re.compile(_NUMBER, re.IGNORECASE)
_INT_RE = re.compile(r"[+-]?[0-9]+")
#: longest duration accepted, so that a typo cannot stall a test run for hours
_MAX_DURATION = 3600.0
_KEYS = ("drop", "delay", "jitter", "duplicate", "reorder", "window", "corrupt", "bits", "seed")
_ALIASES = {"dup": "duplicate"}


# ---------------------------------------------------------------------------
# Classes
# ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FaultSpec:
    """What may go wrong on a link. All zero = a perfect link."""

    #: probability that a transmission is lost
    drop: float = 0.0
    #: the first ``drop_count`` transmissions on the link are lost (before ``drop``)
    drop_count: int = 0
    #: fixed extra latency of each transmission, seconds
    delay: float = 0.0
    #: plus uniform(0, jitter) seconds
    jitter: float = 0.0
    #: probability that a transmission arrives twice
    duplicate: float = 0.0
    #: probability that a delivered APS frame is overtaken by the next one
    reorder: float = 0.0
    #: longest time a reordered frame is held waiting for the next one, seconds
    reorder_window: float = 0.02
    #: probability that a transmission has bits flipped in its APS payload
    corrupt: float = 0.0
    #: how many bits one corruption flips
    corrupt_bits: int = 1
    #: seed of the link's random generator; ``None`` = the HAN's seed
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("drop", "duplicate", "reorder", "corrupt"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
                raise RadioSpecError(f"fault {name}={value!r}: probability must be in 0..1")
        for name in ("delay", "jitter", "reorder_window"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0.0 <= value <= _MAX_DURATION:
                raise RadioSpecError(
                    f"fault {name}={value!r}: duration must be in 0..{_MAX_DURATION:g} s")
        if not isinstance(self.drop_count, int) or self.drop_count < 0:
            raise RadioSpecError(f"fault drop count {self.drop_count!r} must be an int >= 0")
        if not isinstance(self.corrupt_bits, int) or self.corrupt_bits < 1:
            raise RadioSpecError(f"fault bits={self.corrupt_bits!r} must be an int >= 1")
        if self.seed is not None and not isinstance(self.seed, int):
            raise RadioSpecError(f"fault seed={self.seed!r} must be an int")

    # -- parsing ----------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> FaultSpec:
        """Parse the ``--faults`` grammar of the module docstring."""
        if not isinstance(text, str):
            raise RadioSpecError(f"fault spec must be a str, not {type(text).__name__}")
        stripped = text.strip()
        if stripped in ("", "none"):
            return cls()
        values: dict[str, object] = {}
        for raw in stripped.split(","):
            token = raw.strip()
            key, sep, value = token.partition("=")
            key, value = key.strip().lower(), value.strip()
            key = _ALIASES.get(key, key)
            if not sep or not key or not value:
                raise RadioSpecError(f"fault spec token {token!r} is not key=value "
                                     f"(keys: {', '.join(_KEYS)})")
            if key not in _KEYS:
                raise RadioSpecError(f"fault spec token {token!r}: unknown key {key!r} "
                                     f"(keys: {', '.join(_KEYS)})")
            is_count = key == "drop" and value.lower().endswith("x")
            if ("drop_count" if is_count else key) in values:
                raise RadioSpecError(f"fault spec token {token!r}: {key} given twice")
            if is_count:
                values["drop_count"] = _parse_int(token, value[:-1], low=0)
            elif key in ("drop", "duplicate", "reorder", "corrupt"):
                values[key] = _parse_probability(token, value)
            elif key in ("delay", "jitter"):
                values[key] = _parse_duration(token, value)
            elif key == "window":
                values["reorder_window"] = _parse_duration(token, value)
            elif key == "bits":
                values["corrupt_bits"] = _parse_int(token, value, low=1)
            else:  # seed
                values["seed"] = _parse_int(token, value, low=None)
        return cls(**values)  # type: ignore[arg-type]

    def __str__(self) -> str:
        """The spec in the grammar :meth:`parse` reads (``parse(str(s)) == s``)."""
        default = FaultSpec()
        parts: list[str] = []
        if self.drop_count:
            parts.append(f"drop={self.drop_count}x")
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "drop_count" or value == getattr(default, f.name):
                continue
            if f.name in ("drop", "duplicate", "reorder", "corrupt"):
                parts.append(f"{f.name}={value!r}")
            elif f.name in ("delay", "jitter", "reorder_window"):
                key = "window" if f.name == "reorder_window" else f.name
                parts.append(f"{key}={value!r}s")
            elif f.name == "corrupt_bits":
                parts.append(f"bits={value}")
            else:
                parts.append(f"seed={value}")
        return ",".join(parts) or "none"

    @property
    def is_perfect(self) -> bool:
        return self == FaultSpec(seed=self.seed)


@dataclass(frozen=True, slots=True)
class TransmitFate:
    """What happens to one transmission."""

    lost: bool = False
    #: seconds until it arrives
    delay: float = 0.0
    #: it arrives a second time, right after the first
    duplicate: bool = False
    #: the payload as it arrives (bits flipped when ``corrupted``)
    chunk: bytes = b""
    corrupted: bool = False


class LinkFaults:
    """The running state of one :class:`FaultSpec` on one directed link."""

    def __init__(self, spec: FaultSpec, *, link: str, default_seed: int = 0):
        self.spec = spec
        self.link = link
        seed = default_seed if spec.seed is None else spec.seed
        # str seeds are hashed with SHA-512 by random.seed: stable across runs and
        # independent of PYTHONHASHSEED.
        self._rng = random.Random(f"{seed}:{link}")
        self._drops_left = spec.drop_count

    def on_transmit(self, chunk: bytes) -> TransmitFate:
        """The fate of one transmission of ``chunk`` on this link."""
        spec, rng = self.spec, self._rng
        if self._drops_left > 0:
            self._drops_left -= 1
            return TransmitFate(lost=True, chunk=chunk)
        if spec.drop and rng.random() < spec.drop:
            return TransmitFate(lost=True, chunk=chunk)
        delay = spec.delay + (rng.uniform(0.0, spec.jitter) if spec.jitter else 0.0)
        duplicate = bool(spec.duplicate) and rng.random() < spec.duplicate
        corrupted = False
        if spec.corrupt and rng.random() < spec.corrupt and chunk:
            chunk = _flip_bits(chunk, spec.corrupt_bits, rng)
            corrupted = True
        return TransmitFate(delay=delay, duplicate=duplicate, chunk=chunk, corrupted=corrupted)

    def on_deliver(self) -> bool:
        """Hold this APS frame back until the next one on the link has been delivered?"""
        return bool(self.spec.reorder) and self._rng.random() < self.spec.reorder


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def _flip_bits(data: bytes, count: int, rng: random.Random) -> bytes:
    out = bytearray(data)
    nbits = len(out) * 8
    for bit in rng.sample(range(nbits), min(count, nbits)):
        out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def _parse_probability(token: str, value: str) -> float:
    percent = value.endswith("%")
    number = value[:-1].strip() if percent else value
    if not _NUMBER_RE.fullmatch(number):
        raise RadioSpecError(f"fault spec token {token!r}: {value!r} is not a probability "
                             "(0..1 or 0%..100%)")
    result = float(number) / (100.0 if percent else 1.0)
    if not 0.0 <= result <= 1.0:
        raise RadioSpecError(f"fault spec token {token!r}: probability {value!r} is not in "
                             "0..1 (or 0%..100%)")
    return result


def _parse_duration(token: str, value: str) -> float:
    match = _DURATION_RE.fullmatch(value.lower())
    if not match:
        hint = " (add a unit: s, ms or us)" if _NUMBER_RE.fullmatch(value) else ""
        raise RadioSpecError(f"fault spec token {token!r}: {value!r} is not a duration "
                             f"like 5ms{hint}")
    seconds = float(match["num"]) * _DURATION_UNITS[match["unit"]]
    if not math.isfinite(seconds) or seconds > _MAX_DURATION:
        raise RadioSpecError(f"fault spec token {token!r}: duration {value!r} is longer than "
                             f"{_MAX_DURATION:g} s")
    return seconds


def _parse_int(token: str, value: str, *, low: int | None) -> int:
    value = value.strip()
    if not _INT_RE.fullmatch(value):
        raise RadioSpecError(f"fault spec token {token!r}: {value!r} is not an integer")
    result = int(value)
    if low is not None and result < low:
        raise RadioSpecError(f"fault spec token {token!r}: {result} is below {low}")
    return result
