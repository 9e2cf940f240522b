# SPDX-License-Identifier: GPL-3.0-or-later
"""Hypothesis properties of the COSEM server: access-requests built from valid pieces never
make it raise (failures become data-access-results) and the answer always encodes; sets of
well-typed values read back; range reads return exactly the half-hours in range; state
survives JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as stx

from gfi.codecs.dlms import encode_dlms_payload
from gfi.codecs.gbcs.catalogue import DATA_ACCESS_RESULTS
from gfi.emulators.cosem import CHF_PROFILE, ESME_PROFILE, HH_LOG_ENTRIES, CosemServer
from gfi.emulators.cosem.values import (
    NEVER_OCTETS,
    NOW_OCTETS,
    capture_object,
    datetime_octets,
    dlu,
    gbcs_seconds,
    octets,
    st,
)
from tests.emulators.test_cosem import NULL, RTDS_NOW, make_ctx, request

# ----------------------------------------------------------------------------
# Strategies
# ----------------------------------------------------------------------------
_INT_RANGES = {
    "integer": (-128, 127), "long": (-(2**15), 2**15 - 1), "double-long": (-(2**31), 2**31 - 1),
    "unsigned": (0, 255), "long-unsigned": (0, 2**16 - 1), "enum": (0, 255),
    "double-long-unsigned": (0, 2**32 - 1), "long64": (-(2**63), 2**63 - 1),
    "long64-unsigned": (0, 2**64 - 1),
}


def _int_item(kind: str) -> stx.SearchStrategy[dict[str, Any]]:
    low, high = _INT_RANGES[kind]
    return stx.integers(low, high).map(lambda v: {"type": kind, "value": v})


def _bit_string() -> stx.SearchStrategy[dict[str, Any]]:
    return stx.integers(0, 64).flatmap(lambda n: stx.binary(
        min_size=(n + 7) // 8, max_size=(n + 7) // 8).map(
        lambda b: {"type": "bit-string", "bits": n, "value": b.hex().upper()}))


_DATE_TIMES = stx.sampled_from([NOW_OCTETS, NEVER_OCTETS, "07DF0101FF000000008000FF",
                                "07EE010FFF090000008000FF", "07DE0C1FFF000000008000FF",
                                "FFFF0101FF000000008000FF"])

SCALARS = stx.one_of(
    stx.just({"type": "null-data"}),
    stx.booleans().map(lambda v: {"type": "boolean", "value": v}),
    *(_int_item(kind) for kind in _INT_RANGES),
    stx.binary(max_size=24).map(lambda b: {"type": "octet-string", "value": b.hex().upper()}),
    _DATE_TIMES.map(octets),
    stx.text(stx.characters(min_codepoint=32, max_codepoint=126), max_size=12).map(
        lambda t: {"type": "visible-string", "value": t}),
    stx.text(max_size=8).map(lambda t: {"type": "utf8-string", "value": t}),
    _bit_string(),
)

ITEMS = stx.recursive(
    SCALARS,
    lambda children: stx.one_of(
        stx.lists(children, max_size=4).map(lambda v: {"type": "array", "value": v}),
        stx.lists(children, max_size=5).map(lambda v: {"type": "structure", "value": v}),
    ),
    max_leaves=12,
)

_OBIS = [d.obis for d in ESME_PROFILE.objects] + [d.obis for d in CHF_PROFILE.objects]
OBIS = stx.one_of(stx.sampled_from(_OBIS), stx.tuples(*[stx.integers(0, 255)] * 6).map(
    lambda v: "{}-{}:{}.{}.{}.{}".format(*v)))
CLASS_IDS = stx.one_of(stx.sampled_from([1, 3, 4, 7, 8, 9, 10, 11, 20, 21, 22, 30, 70, 71,
                                         104, 111, 112, 113, 115, 9000]),
                       stx.integers(0, 0xFFFF))

#: Range and entry selections shaped like the RTDS ones, with random bounds.
SELECTION_PARAMETERS = stx.one_of(
    ITEMS,
    stx.tuples(stx.sampled_from([(1, "0-0:94.44.100.255", 2), (8, "0-0:1.0.0.255", 2),
                                 (3, "1-0:1.8.0.255", 2)]),
               stx.integers(0, 2**32 - 1), stx.integers(0, 2**32 - 1)).map(
        lambda t: st(capture_object(*t[0]), dlu(t[1]), dlu(t[2]), {"type": "array",
                                                                   "value": []})),
    stx.tuples(*[stx.integers(0, 40000)] * 2, *[stx.integers(0, 4)] * 2).map(
        lambda t: st(dlu(t[0]), dlu(t[1]), {"type": "long-unsigned", "value": t[2]},
                     {"type": "long-unsigned", "value": t[3]})),
)


@stx.composite
def specs(draw: stx.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    choice = draw(stx.sampled_from(["get", "set", "action", "get-with-selection"]))
    index = draw(stx.integers(0, 20))
    descriptor: dict[str, Any] = {"class_id": draw(CLASS_IDS), "obis": draw(OBIS)}
    descriptor["method_id" if choice == "action" else "attribute_id"] = index
    access = None
    if choice == "get-with-selection":
        access = {"selector": draw(stx.integers(0, 3)),
                  "parameters": draw(SELECTION_PARAMETERS)}
    spec = {"choice": choice, "descriptor": descriptor, "access_selection": access}
    return spec, draw(ITEMS)


REQUESTS = stx.lists(specs(), max_size=6)
ROLES = stx.sampled_from([0, 1, 2, 3, 4, 5, 6, 8, 127])


# ----------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------
@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(pairs=REQUESTS, role=ROLES, minutes=stx.integers(-10**6, 10**7),
       chf=stx.booleans())
def test_any_request_gets_an_encodable_response(pairs: list[tuple[dict[str, Any],
                                                                  dict[str, Any]]],
                                                role: int, minutes: int, chf: bool) -> None:
    server = CosemServer(CHF_PROFILE if chf else ESME_PROFILE,
                         utrn_validator=lambda token, ctx: True)
    now = RTDS_NOW + timedelta(minutes=minutes)
    result = server.handle(request(*pairs), make_ctx(now, role=role))
    response = result.response
    assert len(response["results"]) == len(response["data"]) == len(pairs)
    for (spec, _), outcome, item in zip(pairs, response["results"], response["data"],
                                        strict=True):
        assert outcome["result"] in DATA_ACCESS_RESULTS
        expected = "get" if spec["choice"] == "get-with-selection" else spec["choice"]
        assert outcome["choice"] == expected
        if outcome["result"]:
            assert item == NULL
    encode_dlms_payload(response)
    json.dumps(server.state())
    server.tick(now + timedelta(days=3650))


@settings(max_examples=40, deadline=None)
@given(stx.data())
def test_malformed_trees_do_not_raise(data: stx.DataObject) -> None:
    junk = stx.one_of(stx.none(), stx.integers(), stx.text(max_size=5),
                      stx.lists(stx.integers(), max_size=3), stx.dictionaries(
                          stx.sampled_from(["choice", "descriptor", "type", "value"]),
                          stx.one_of(stx.none(), stx.integers(), stx.text(max_size=4)),
                          max_size=3))
    tree = data.draw(stx.one_of(
        junk, stx.fixed_dictionaries({"apdu": stx.just("access-request"),
                                      "invoke_id": stx.one_of(stx.integers(), junk),
                                      "specs": stx.lists(junk, max_size=3),
                                      "data": stx.lists(junk, max_size=3)})))
    result = CosemServer(ESME_PROFILE).handle(tree, make_ctx())
    encode_dlms_payload(result.response)


def _writable_scalars() -> list[tuple[int, str, int, str]]:
    """(class, OBIS, attribute, integer type) of every plain writable integer attribute."""
    server = CosemServer(ESME_PROFILE)
    found = []
    for target in server.objects():
        for attribute_id, value in target.values.items():
            if attribute_id != 1 and target.writable(attribute_id) \
                    and not target.is_activation(attribute_id) \
                    and value.get("type") in _INT_RANGES \
                    and len(target.templates[attribute_id]) == 1:
                found.append((target.class_id, target.obis, attribute_id, value["type"]))
    return found


WRITABLE = _writable_scalars()


def test_there_are_writable_scalars() -> None:
    assert len(WRITABLE) > 40


@settings(max_examples=50, deadline=None)
@given(stx.sampled_from(WRITABLE).flatmap(lambda w: stx.tuples(stx.just(w),
                                                                _int_item(w[3]))))
def test_set_then_get_any_value(case: tuple[tuple[int, str, int, str], dict[str, Any]]) -> None:
    (class_id, obis, attribute_id, _), value = case
    server = CosemServer(ESME_PROFILE)
    descriptor = {"class_id": class_id, "obis": obis, "attribute_id": attribute_id}
    set_spec = {"choice": "set", "descriptor": descriptor, "access_selection": None}
    get_spec = {"choice": "get", "descriptor": descriptor, "access_selection": None}
    result = server.handle(request((set_spec, value), (get_spec, NULL)), make_ctx())
    assert [r["result"] for r in result.response["results"]] == [0, 0]
    assert result.response["data"][1] == value
    restored = CosemServer(ESME_PROFILE, json.loads(json.dumps(server.state())))
    assert restored.value(obis, attribute_id) == value


_PRIMED = CosemServer(ESME_PROFILE)
_FIRST = gbcs_seconds(RTDS_NOW) - (HH_LOG_ENTRIES - 1) * 1800
_LAST = gbcs_seconds(RTDS_NOW)


@settings(max_examples=60, deadline=None)
@given(start=stx.integers(_FIRST - 10**6, _LAST + 10**5),
       length=stx.integers(-3600, 40 * 86400), as_date_time=stx.booleans())
def test_range_read_returns_exactly_the_half_hours_in_range(start: int, length: int,
                                                             as_date_time: bool) -> None:
    end = start + length
    if as_date_time:
        base = datetime(2000, 1, 1, tzinfo=UTC)
        bounds = [octets(datetime_octets(base + timedelta(seconds=s))) for s in (start, end)]
        restricting = capture_object(8, "0-0:1.0.0.255", 2)
    else:
        bounds = [dlu(start), dlu(end)]
        restricting = capture_object(1, "0-0:94.44.100.255", 2)
    spec = {"choice": "get-with-selection",
            "descriptor": {"class_id": 7, "obis": "0-0:99.1.0.255", "attribute_id": 2},
            "access_selection": {"selector": 1, "parameters": st(
                restricting, *bounds, {"type": "array", "value": []})}}
    result = _PRIMED.handle(request((spec, NULL)), make_ctx(code=0x0037))
    assert result.response["results"][0]["result"] == 0
    times = [row[0] for row in result.response["data"][0]["value"]]
    lo, hi = max(start, _FIRST), min(end, _LAST)
    expected = [t for t in range(-(-lo // 1800) * 1800, hi + 1, 1800)] if lo <= hi else []
    assert times == expected
