# SPDX-License-Identifier: GPL-3.0-or-later
"""The half-hourly Profile Data Log (product.md §4.7: 19,056 slots) and the other Profile
Generic buffers of the COSEM server: range and entry selection, clipping, whole-log reads,
deterministic synthetic filling, rolling forward, gaps and clock status, compact storage,
the protected (ECS22b-style) read, reset and capture."""

from __future__ import annotations

import itertools
import time
from array import array
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gfi.codecs.dlms import decode_data, protected_data_parts
from gfi.emulators.cosem import (
    ESME_PROFILE,
    ESME_TWIN_PROFILE,
    HH_LOG_ENTRIES,
    CosemServer,
    esme_profile,
)
from gfi.emulators.cosem.classes import ProfileGeneric
from gfi.emulators.cosem.values import (
    arr,
    capture_object,
    datetime_octets,
    dlu,
    enum,
    gbcs_seconds,
    integer,
    lu,
    octets,
    st,
)
from tests.emulators.test_cosem import NULL, RTDS_NOW, action, make_ctx, request

HH = "0-0:99.1.0.255"
UTC_TIME = (1, "0-0:94.44.100.255", 2)
CLOCK = (8, "0-0:1.0.0.255", 2)
DAY = datetime(2014, 12, 30, tzinfo=UTC)


def _range(obis: str, from_: dict[str, Any], to: dict[str, Any],
           restricting: tuple[int, str, int] = UTC_TIME,
           columns: tuple[dict[str, Any], ...] = ()) -> dict[str, Any]:
    return {"choice": "get-with-selection",
            "descriptor": {"class_id": 7, "obis": obis, "attribute_id": 2},
            "access_selection": {"selector": 1, "parameters": st(
                capture_object(*restricting), from_, to, arr(*columns))}}


def _seconds(moment: datetime) -> dict[str, Any]:
    return dlu(gbcs_seconds(moment))


def read_range(server: CosemServer, start: datetime, end: datetime, *, obis: str = HH,
               now: datetime = RTDS_NOW, **kw: Any) -> dict[str, Any]:
    result = server.handle(request((_range(obis, _seconds(start), _seconds(end), **kw), NULL)),
                           make_ctx(now, code=0x0037))
    assert result.response["results"][0]["result"] == 0
    data: dict[str, Any] = result.response["data"][0]
    assert data["type"] == "compact-array"
    return data


def get_attr(server: CosemServer, obis: str, attribute_id: int,
             now: datetime = RTDS_NOW) -> dict[str, Any]:
    result = server.handle(request(({"choice": "get", "descriptor": {
        "class_id": 7, "obis": obis, "attribute_id": attribute_id}, "access_selection": None},
        NULL)), make_ctx(now))
    assert result.response["results"][0]["result"] == 0
    data: dict[str, Any] = result.response["data"][0]
    return data


@pytest.fixture(scope="module")
def primed() -> CosemServer:
    """A server whose profile log was filled at the RTDS device time (read-only use)."""
    server = CosemServer(ESME_PROFILE)
    read_range(server, DAY, DAY)
    return server


def test_day_read_gives_48_half_hours(primed: CosemServer) -> None:
    start = time.perf_counter()
    data = read_range(primed, DAY, DAY + timedelta(hours=23, minutes=59, seconds=59))
    elapsed = time.perf_counter() - start
    base = gbcs_seconds(DAY)
    assert [row[0] for row in data["value"]] == [base + 1800 * k for k in range(48)]
    assert data["description"] == {"type": "structure", "members": [
        {"type": "double-long-unsigned"}, {"type": "double-long-unsigned"}]}
    assert all(isinstance(v, int) and 0 <= v < 2**32 for _, v in data["value"])
    assert elapsed < 0.05


def test_day_read_with_clock_and_date_times(primed: CosemServer) -> None:
    end = DAY + timedelta(minutes=1410)
    spec = _range(HH, octets(datetime_octets(DAY)), octets(datetime_octets(end)),
                  restricting=CLOCK)
    result = primed.handle(request((spec, NULL)), make_ctx(code=0x0037))
    assert result.response["results"][0]["result"] == 0
    by_seconds = read_range(primed, DAY, end)
    assert result.response["data"][0] == by_seconds
    assert len(by_seconds["value"]) == 48


def test_bounds_are_inclusive_like_rtds(primed: CosemServer) -> None:
    """A 24-hour range from midnight to midnight has 49 entries (the RTDS ECS22a read)."""
    assert len(read_range(primed, DAY, DAY + timedelta(days=1))["value"]) == 49


def test_range_partly_outside_the_log_is_clipped(primed: CosemServer) -> None:
    first = gbcs_seconds(RTDS_NOW) - (HH_LOG_ENTRIES - 1) * 1800
    data = read_range(primed, datetime(2013, 1, 1, tzinfo=UTC), DAY)
    assert data["value"][0][0] == first
    assert data["value"][-1][0] == gbcs_seconds(DAY)
    tail = read_range(primed, DAY, datetime(2016, 1, 1, tzinfo=UTC))
    assert tail["value"][-1][0] == gbcs_seconds(RTDS_NOW)
    assert read_range(primed, datetime(2010, 1, 1, tzinfo=UTC),
                      datetime(2011, 1, 1, tzinfo=UTC))["value"] == []


def test_whole_log(primed: CosemServer) -> None:
    start = time.perf_counter()
    data = get_attr(primed, HH, 2)
    elapsed = time.perf_counter() - start
    rows = data["value"]
    assert len(rows) == HH_LOG_ENTRIES
    assert rows[-1][0] == gbcs_seconds(RTDS_NOW)
    assert all(b[0] - a[0] == 1800 for a, b in itertools.pairwise(rows))
    assert get_attr(primed, HH, 7) == dlu(HH_LOG_ENTRIES)
    assert get_attr(primed, HH, 8) == dlu(HH_LOG_ENTRIES)
    assert get_attr(primed, HH, 4) == dlu(1800)
    assert elapsed < 0.5


def test_whole_log_range(primed: CosemServer) -> None:
    data = read_range(primed, datetime(2000, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))
    assert len(data["value"]) == HH_LOG_ENTRIES


def test_capture_objects() -> None:
    objects = get_attr(CosemServer(ESME_PROFILE), HH, 3)["value"]
    assert objects == [capture_object(1, "0-0:94.44.100.255", 2),
                       capture_object(3, "1-0:1.8.0.255", 2)]


def test_values_do_not_depend_on_when_the_log_was_filled(primed: CosemServer) -> None:
    later = CosemServer(ESME_PROFILE)
    late_now = RTDS_NOW + timedelta(days=10)
    day = read_range(primed, DAY, DAY + timedelta(days=1))
    assert read_range(later, DAY, DAY + timedelta(days=1), now=late_now) == day
    other_seed = CosemServer(ESME_PROFILE, seed=2)
    assert read_range(other_seed, DAY, DAY + timedelta(days=1)) != day


def test_log_rolls_forward() -> None:
    server = CosemServer(ESME_PROFILE)
    before = get_attr(server, HH, 2)["value"]
    after = get_attr(server, HH, 2, RTDS_NOW + timedelta(days=1))["value"]
    assert len(after) == HH_LOG_ENTRIES
    assert after[0][0] == before[0][0] + 86400
    assert after[-1][0] == before[-1][0] + 86400
    assert after[:-48] == before[48:]


def test_gaps_and_clock_status() -> None:
    profile = esme_profile(hh_gap_per_mille=50, hh_clock_status=True)
    server = CosemServer(profile)
    data = get_attr(server, HH, 2)
    members = data["description"]["members"]
    assert [m["type"] for m in members] == ["double-long-unsigned", "double-long-unsigned",
                                            "unsigned"]
    count = len(data["value"])
    assert HH_LOG_ENTRIES * 0.9 < count < HH_LOG_ENTRIES
    assert {row[2] for row in data["value"]} <= {0x00, 0x01, 0x08}
    assert {row[2] for row in data["value"]} != {0x00}
    days = [len(read_range(server, DAY - timedelta(days=d),
                           DAY - timedelta(days=d) + timedelta(seconds=86399))["value"])
            for d in range(10)]
    assert min(days) < 48 and max(days) <= 48


def test_twin_element_has_a_secondary_value() -> None:
    data = read_range(CosemServer(ESME_TWIN_PROFILE), DAY, DAY + timedelta(hours=1))
    assert len(data["description"]["members"]) == 3
    assert len(data["value"]) == 3 and all(len(row) == 3 for row in data["value"])


def test_selected_values(primed: CosemServer) -> None:
    data = read_range(primed, DAY, DAY + timedelta(hours=2),
                      columns=(capture_object(3, "1-0:1.8.0.255", 2),))
    assert data["description"] == {"type": "structure",
                                   "members": [{"type": "double-long-unsigned"}]}
    assert len(data["value"]) == 5 and all(len(row) == 1 for row in data["value"])
    whole = read_range(primed, DAY, DAY + timedelta(hours=2))
    assert [row[1] for row in whole["value"]] == [row[0] for row in data["value"]]


@pytest.mark.parametrize("parameters, count, width", [
    (st(dlu(1), dlu(10), lu(1), lu(0)), 10, 2),
    (st(dlu(1), dlu(10), lu(2), lu(2)), 10, 1),
    (st(dlu(HH_LOG_ENTRIES - 4), dlu(0), lu(1), lu(1)), 5, 1),
    (st(dlu(HH_LOG_ENTRIES + 5), dlu(0), lu(1), lu(0)), 0, 2),
])
def test_entry_descriptor(primed: CosemServer, parameters: dict[str, Any], count: int,
                          width: int) -> None:
    spec = {"choice": "get-with-selection",
            "descriptor": {"class_id": 7, "obis": HH, "attribute_id": 2},
            "access_selection": {"selector": 2, "parameters": parameters}}
    result = primed.handle(request((spec, NULL)), make_ctx(code=0x0037))
    assert result.response["results"][0]["result"] == 0
    data = result.response["data"][0]
    assert len(data["value"]) == count
    assert len(data["description"]["members"]) == width


def test_bad_restricting_object(primed: CosemServer) -> None:
    spec = _range(HH, _seconds(DAY), _seconds(DAY), restricting=(3, "1-0:1.8.0.255", 2))
    result = primed.handle(request((spec, NULL)), make_ctx(code=0x0037))
    assert result.response["results"][0]["result"] == 250


def test_protected_profile_read_ecs22b() -> None:
    """ECS22b: Data Protection 0-0:43.2.7.255 reads the profile log for a date range and
    answers it encrypted (§2.2)."""
    server = CosemServer(ESME_PROFILE)
    restriction = st(enum(1), st(octets(datetime_octets(DAY)),
                                 octets(datetime_octets(DAY + timedelta(minutes=1410)))))
    argument = st(arr(st(lu(7), octets("0000630100FF"), integer(2), lu(0), restriction)),
                  arr(st(enum(2), st(octets("0400000000000003E8"),
                                     octets("90B3D51F30010000"), octets("00DB1234567890A0"),
                                     octets(), st(enum(2), st(octets("02"), octets()))))))
    result = server.handle(request((action("0-0:43.2.7.255", 1, 30), argument)),
                           make_ctx(code=0x0037, counter=0x3E8))
    assert result.response["results"][0]["result"] == 0
    parts = protected_data_parts(result.response["data"][0])
    assert parts["counter"] == 0x3E8
    plain = decode_data(parts["ciphertext"][::-1])
    (buffer,) = plain["value"]
    assert buffer["type"] == "compact-array" and len(buffer["value"]) == 48
    assert buffer["value"][0][0] == gbcs_seconds(DAY)


def test_storage_is_compact(primed: CosemServer) -> None:
    log_object = primed.find(HH)
    assert isinstance(log_object, ProfileGeneric)
    assert isinstance(log_object.log.times, array) and log_object.log.times.itemsize == 4
    assert all(isinstance(c, array) for c in log_object.log.columns)
    saved = primed.state()["objects"][HH]["log"]
    assert isinstance(saved["times"], str)
    assert len(saved["times"]) < 4 * HH_LOG_ENTRIES * 4 // 3 + 8


def test_reset_clears_and_only_new_entries_return() -> None:
    server = CosemServer(ESME_PROFILE)
    events = "0-0:99.98.0.255"
    assert get_attr(server, events, 2)["value"]
    result = server.handle(request((action(events, 1, 7), integer(0))), make_ctx(code=0x0024))
    assert result.response["results"][0]["result"] == 0
    assert get_attr(server, events, 2)["value"] == []
    later = get_attr(server, events, 2, RTDS_NOW + timedelta(days=1))["value"]
    assert later and all(row[0] > gbcs_seconds(RTDS_NOW) - 2700 for row in later)


def test_empty_log_result_option() -> None:
    server = CosemServer(replace(ESME_PROFILE, empty_log_result=14))
    events = "0-0:99.98.0.255"
    server.handle(request((action(events, 1, 7), integer(0))), make_ctx(code=0x0024))
    spec = _range(events, _seconds(DAY), _seconds(RTDS_NOW))
    result = server.handle(request((spec, NULL)), make_ctx(code=0x0048))
    assert result.response["results"][0]["result"] == 14


def test_capture_appends_the_register_value() -> None:
    server = CosemServer(ESME_PROFILE)
    now = RTDS_NOW + timedelta(minutes=10)
    result = server.handle(request((action(HH, 2, 7), integer(0))), make_ctx(now))
    assert result.response["results"][0]["result"] == 0
    rows = get_attr(server, HH, 2, now)["value"]
    assert len(rows) == HH_LOG_ENTRIES
    assert rows[-1] == [gbcs_seconds(now), server.value("1-0:1.8.0.255", 2)["value"]]


def test_event_logs_have_the_rtds_shape() -> None:
    data = get_attr(CosemServer(ESME_PROFILE), "0-17:99.98.2.255", 2)
    assert [m["type"] for m in data["description"]["members"]] == [
        "double-long-unsigned", "long-unsigned", "enum", "double-long-unsigned"]
    times = [row[0] for row in data["value"]]
    assert times == sorted(times) and times[-1] <= gbcs_seconds(RTDS_NOW)
