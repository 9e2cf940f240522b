# SPDX-License-Identifier: GPL-3.0-or-later
"""Speed of a premises on the virtual HAN, against the cost of the same GBCS work done
in-process measured in the same run.

Run: ``python bench/premises.py [--exchanges N]`` (from the repository root, gfi installed).

Prints the bring-up time of one premises (CCS01 ×6, joins, tunnels, mirror), ECS17b
exchanges per second head end → Comms Hub → tunnel → ESME and back, and the baseline: the
same commands built, processed by the ESME's GbcsDevice directly and verified, with no
radio, tunnel or Comms Hub. The ratio is what the HAN path costs on top of the GBCS work.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time

from gfi.codecs.gbcs import build
from gfi.codecs.gbcs.decoder import decode_message
from gfi.premises import SUPPLIER, Premises

NOW = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)


async def measure(exchanges: int) -> None:
    p = Premises(0, now=lambda: NOW)
    t0 = time.perf_counter()
    await p.start()
    bring_up = time.perf_counter() - t0

    def command():  # type: ignore[no-untyped-def]
        return p.head.command(0x0027, originator=SUPPLIER, recipient=p.esme_id,
                              payload=lambda c: build.ecs17b_payload(c, SUPPLIER, p.esme_id))

    t0 = time.perf_counter()
    for _ in range(exchanges):
        response = await p.head.send(command(), timeout=10)
        assert response is not None and response.decrypted is True
    han = (time.perf_counter() - t0) / exchanges

    device = p.esme.gbcs
    assert device is not None
    t0 = time.perf_counter()
    for _ in range(exchanges):
        out = device.process(command().to_bytes(), NOW).messages[0].data
        assert decode_message(out, security=p.head.security).decrypted is True
    direct = (time.perf_counter() - t0) / exchanges
    await p.stop()
    print(f"bring-up of one premises (7 devices): {bring_up * 1000:8.1f} ms")
    print(f"ECS17b through the virtual HAN:       {1 / han:8.1f} exchanges/s "
          f"({han * 1000:.2f} ms each)")
    print(f"baseline, same GBCS work in-process:  {1 / direct:8.1f} exchanges/s "
          f"({direct * 1000:.2f} ms each)")
    print(f"ratio HAN path / baseline:            {han / direct:8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exchanges", type=int, default=200)
    asyncio.run(measure(parser.parse_args().exchanges))


if __name__ == "__main__":
    main()
