# SPDX-License-Identifier: GPL-3.0-or-later
"""Extending a library Use Case: ECS08 (Update Prepayment Configuration on ESME) run with a
maximum credit of our own instead of the RTDS example's, plus a check of our own.

    gfi run --usecases examples EXAMPLE-ECS08-MAX-CREDIT
"""

from gfi.api import Session, usecase
from gfi.usecases.catalogue import get
from gfi.usecases.library import run_variant


@usecase("EXAMPLE-ECS08-MAX-CREDIT", "ECS08 with our maximum credit, then read back",
         devices=["ESME"], tags=["example", "prepayment"])
async def ecs08_max_credit(s: Session, maximum_credit: int = 7_500_000) -> None:
    # everything the library checks for ECS08 (response, RTDS agreement, state) …
    await run_variant(s, get("ECS08"), "IMMEDIATE_SUCCESS",
                      ext_data_0_0_94_44_2_20_a2=maximum_credit)
    # … and what this test is about: the ESME now holds our value
    held = s.premises.esme.cosem.value("0-0:94.44.2.20", 2)["value"]
    s.check(held == maximum_credit, f"the ESME's maximum credit is {held}, "
                                    f"expected {maximum_credit}")
