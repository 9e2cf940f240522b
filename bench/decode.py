# SPDX-License-Identifier: GPL-3.0-or-later
"""Decoding speed over the vendored RTDS corpus, with the raw cost of the cryptography the
checks perform measured in the same run as the baseline.

Run: ``python bench/decode.py`` (from the repository root, with gfi installed).

Prints messages/second for decode-only and decode+verify, the cost of one ECDH, one KDF,
one GMAC and one ECDSA verification, and the ratio of decode+verify time to the time the
same number of raw cryptographic operations takes.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from gfi.codecs.gbcs.decoder import decode_message
from gfi.codecs.gbcs.message import GbcsFrame
from gfi.codecs.security.gbcs import SecurityContext
from gfi.codecs.security.primitives import ecdh, ecdsa_sign, ecdsa_verify, gbcs_kdf, gmac
from gfi.keys import load_keys

ROOT = Path(__file__).resolve().parent.parent / "tests" / "vectors" / "rtds"


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def per_op(fn: Callable[[], object], n: int = 300, repeat: int = 5) -> float:
    return best_of(repeat, lambda: [fn() for _ in range(n)]) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    messages = [bytes.fromhex(p.read_text().strip()) for p in sorted(ROOT.rglob("*_GBCS.HEX"))]
    keys = load_keys([ROOT / "keystore", ROOT / "dccboxed-keystore.json"])

    t_decode = best_of(args.repeat, lambda: [decode_message(m) for m in messages])

    def verify_all() -> list[object]:
        ctx = SecurityContext(keys)  # fresh context: no shared secret cached across runs
        return [decode_message(m, security=ctx) for m in messages]

    t_verify = best_of(args.repeat, verify_all)
    results = verify_all()

    # how many raw operations the checks needed
    n_mac = sum(1 for r in results if isinstance(r.frame, GbcsFrame) and r.frame.mac)
    n_sig = sum(1 for r in results if isinstance(r.frame, GbcsFrame) and r.frame.signature)
    n_dec = sum(len(r.decryption) for r in results)

    a = ec.generate_private_key(ec.SECP256R1())
    b = ec.generate_private_key(ec.SECP256R1()).public_key()
    z = ecdh(a, b)
    ident = bytes(8)
    aad = bytes(200)
    sig = ecdsa_sign(a, aad)
    c_ecdh = per_op(lambda: ecdh(a, b))
    c_kdf = per_op(lambda: gbcs_kdf(z, ident, 1, 1, ident), n=3000)
    c_gmac = per_op(lambda: gmac(bytes(16), bytes(12), aad), n=3000)
    c_verify = per_op(lambda: ecdsa_verify(a.public_key(), aad, sig))
    raw = (n_mac + n_dec) * (c_ecdh + c_kdf + c_gmac) + n_sig * c_verify

    n = len(messages)
    print(f"corpus: {n} messages, {sum(map(len, messages))} bytes; checks: {n_mac} MACs, "
          f"{n_sig} signatures, {n_dec} encrypted blocks")
    print(f"decode only     : {n / t_decode:10.0f} msg/s  ({t_decode * 1e3:8.1f} ms)")
    print(f"decode + verify : {n / t_verify:10.0f} msg/s  ({t_verify * 1e3:8.1f} ms)")
    print(f"raw ops (us)    : ECDH {c_ecdh * 1e6:.1f}, KDF {c_kdf * 1e6:.1f}, "
          f"GMAC {c_gmac * 1e6:.1f}, ECDSA verify {c_verify * 1e6:.1f}")
    print(f"raw crypto for the same checks: {raw * 1e3:.1f} ms")
    print(f"ratio decode+verify / raw crypto: {t_verify / raw:.2f}")
    print(f"ratio decode-only / decode+verify: {t_decode / t_verify:.2f}")


if __name__ == "__main__":
    main()
