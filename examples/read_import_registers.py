# SPDX-License-Identifier: GPL-3.0-or-later
"""A Use Case in Python: read the ESME's import registers (ECS17b) and check that what the
meter reports is what its register holds.

    gfi run --usecases examples EXAMPLE-ECS17b-PY
"""

from gfi.api import Session, build, usecase


@usecase("EXAMPLE-ECS17b-PY", "Import registers read back equal the meter's state",
         devices=["ESME"], tags=["example", "read"])
async def read_import_registers(s: Session, register: str = "1-0:1.8.0.255") -> None:
    esme = s.id("ESME")
    response = await s.send(0x0027, to="ESME",
                            payload=lambda c: build.ecs17b_payload(c, s.originator, esme))
    s.check(response.decrypted is True, "the registers decrypt (sensitive data)")
    # the decrypted body: structure { register value, scaler-unit, … } (gbcs-protocol.md §2.2)
    registers = response.payload["data"][0]["decrypted"]["value"][0]["value"]
    held = s.premises.esme.cosem.value(register, 2)["value"]
    s.check(registers[0]["value"] == held,
            f"the import register read ({registers[0]['value']}) is what the ESME holds "
            f"({held})")
