# SPDX-License-Identifier: GPL-3.0-or-later
"""The Use Case library's data layer (issue 4): coverage of the §3 catalogue, the structure
test against the vendored RTDS vectors (gbcs-protocol.md §5), default builds, typed overrides
and errors."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gfi.codecs.gbcs import build
from gfi.codecs.gbcs.catalogue import MESSAGE_CODES, PayloadFamily
from gfi.codecs.gbcs.decoder import decode_message, decode_payload
from gfi.codecs.gbcs.message import DlmsDateTime
from gfi.errors import GfiError, UsageError
from gfi.usecases import catalogue
from gfi.usecases.catalogue import UseCaseDef, VariantDef
from gfi.usecases.errors import (
    NotBuildable,
    ParameterError,
    UnknownParameter,
    UnknownUseCase,
    UnknownVariant,
)
from gfi.usecases.params import build_payload, parameters, payload_shape, payload_tree
from tests.conftest import RTDS_VECTORS, rtds_bytes, rtds_files, vector_kind

LIBRARY = catalogue.use_cases()
CRA_COMMAND = 1


def _rel(path: Path) -> str:
    return path.relative_to(RTDS_VECTORS).as_posix()


def _command_file(variant: VariantDef) -> Path | None:
    found = [r for r in variant.rtds if r.endswith("_COMMAND_GBCS.HEX")]
    assert len(found) <= 1, variant.rtds
    return RTDS_VECTORS / found[0] if found else None


def _buildable() -> list[tuple[UseCaseDef, VariantDef]]:
    return [(d, v) for d in LIBRARY if d.buildable for v in d.variants]


def _with_command() -> list[tuple[UseCaseDef, VariantDef]]:
    return [(d, v) for d, v in _buildable() if _command_file(v) is not None]


def _id(pair: tuple[UseCaseDef, VariantDef]) -> str:
    return f"{pair[0].id}-{pair[1].name}"


# ----------------------------------------------------------------------------
# (a) coverage
# ----------------------------------------------------------------------------
def test_every_rtds_message_code_is_covered() -> None:
    in_rtds = {code for code, info in MESSAGE_CODES.items() if info.has_rtds_vectors}
    covered = {d.message_code for d in LIBRARY}
    assert len(in_rtds) == 233
    assert in_rtds <= covered
    assert len(covered) == len(LIBRARY) >= 233


def test_ids_and_variant_names_are_unique() -> None:
    ids = Counter(d.id for d in LIBRARY)
    assert [i for i, n in ids.items() if n > 1] == []
    for d in LIBRARY:
        names = [v.name for v in d.variants]
        assert len(names) == len(set(names)), d.id


def test_entries_match_the_message_code_catalogue() -> None:
    for d in LIBRARY:
        info = MESSAGE_CODES[d.message_code]
        assert (d.title, d.family, d.criticality, d.alert_only) == \
            (info.name, info.family, info.criticality, info.alert_only)
        assert d.source in catalogue.SOURCES
        assert (d.source == "rtds") == bool(d.rtds), d.id
        assert d.target and all(t.strip("*?") == t for t in d.target)
        if d.alert_only:
            assert d.variants == () and not d.buildable and "alert" in d.tags
        elif d.buildable:
            assert d.variants and d.reason == ""
        else:
            assert d.variants == () and d.reason, d.id


def test_every_vendored_vector_is_listed() -> None:
    """Each vector is listed by its message code's entry; each COMMAND vector is exactly one
    variant of that entry (so every RTDS variant is in the library)."""
    in_variants = Counter(r for d in LIBRARY for v in d.variants for r in v.rtds)
    for path in rtds_files():
        rel = _rel(path)
        code = decode_message(rtds_bytes(path)).frame.message_code  # type: ignore[union-attr]
        entry = catalogue.by_message_code(code)
        assert rel in entry.rtds
        if vector_kind(path) == "COMMAND":
            owners = [v for v in entry.variants if rel in v.rtds]
            assert len(owners) == 1 and in_variants[rel] == 1, rel


def test_future_dated_variants_expect_their_alerts() -> None:
    ecs01a = catalogue.get("ECS01a").variant("FUTURE_DATED_TOU_BLOCK_SUCCESS")
    assert ecs01a.expects_alerts == (0x00CC,) * 6
    assert ecs01a.header["execution"] == "future-dated"
    assert catalogue.get("GCS02").variant("FUTURE_DATED_SUCCESS").expects_alerts == (0x00CD,)
    assert catalogue.get("DBCH04").variant("SUCCESS").expects_alerts == (0x0113,)
    assert "future-dated" in catalogue.get("ECS01a").tags
    assert "mhhs" in catalogue.get("GCS17").tags
    assert catalogue.get("CS07").variant("ERROR").header[
        "supplementary_remote_party_id"] == "90B3D51F30010000"


def test_lookups() -> None:
    assert catalogue.get("ecs17b").message_code == 0x0027
    assert catalogue.by_message_code(0x0055).id == "ECS47"
    assert catalogue.get("ECS47").variant().name == "DEACTIVATE_SUCCESS"
    with pytest.raises(UnknownUseCase):
        catalogue.get("ECS999")
    with pytest.raises(UnknownVariant, match="variants: "):
        catalogue.get("ECS17b").variant("NOPE")


# ----------------------------------------------------------------------------
# (b) the structure test
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("pair", _with_command(), ids=_id)
def test_structure_matches_the_rtds_command(pair: tuple[UseCaseDef, VariantDef]) -> None:
    defn, variant = pair
    path = _command_file(variant)
    assert path is not None
    rtds = decode_message(rtds_bytes(path))
    assert rtds.ok and rtds.frame is not None and rtds.payload is not None
    assert rtds.frame.message_code == defn.message_code
    built = build_payload(defn, variant.name)
    family, tree = decode_payload(built, message_code=defn.message_code, cra=CRA_COMMAND)
    assert family is defn.family
    assert payload_shape(family, tree) == payload_shape(rtds.family, rtds.payload)  # type: ignore[arg-type]
    assert built == rtds.frame.payload  # type: ignore[union-attr]


def _with_precommand() -> list[tuple[UseCaseDef, VariantDef]]:
    return [(d, v) for d, v in _with_command()
            if any(r.endswith("_PRECOMMAND_GBCS.HEX") for r in v.rtds)]


@pytest.mark.parametrize("pair", _with_precommand(), ids=_id)
def test_precommand_equals_the_rtds_precommand(pair: tuple[UseCaseDef, VariantDef]) -> None:
    """The pre-command a user signs (§1.1), built from the default parameters with the RTDS
    parties, counter and header, is the RTDS PRECOMMAND byte for byte."""
    defn, variant = pair
    (name,) = [r for r in variant.rtds if r.endswith("_PRECOMMAND_GBCS.HEX")]
    header: dict[str, Any] = {}
    for key, value in variant.header.items():
        if key in ("certificate",):
            header[key] = bytes.fromhex(value)
        elif key == "date_time":
            header[key] = DlmsDateTime.from_bytes(bytes.fromhex(value))
        elif key != "execution":
            header[key] = value
    frame = build.command(defn.message_code, counter=variant.counter,
                          originator=variant.originator, recipient=variant.recipient,
                          payload=build_payload(defn, variant.name), **header)
    assert build.precommand(frame).to_bytes() == rtds_bytes(RTDS_VECTORS / name)


# ----------------------------------------------------------------------------
# (c) every buildable variant decodes back
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("pair", _buildable(), ids=_id)
def test_default_build_decodes_back(pair: tuple[UseCaseDef, VariantDef]) -> None:
    defn, variant = pair
    built = build_payload(defn, variant)
    family, tree = decode_payload(built, message_code=defn.message_code, cra=CRA_COMMAND)
    assert family is defn.family
    assert payload_shape(family, tree) == payload_shape(defn.family, variant.payload)
    if family is PayloadFamily.ASN1:
        assert tree["schema"] != "generic", tree.get("mismatch")
    if defn.source != "rtds" or _command_file(variant) is None:
        assert variant.placeholders, "built payloads say where their values come from"


def test_counts_by_source() -> None:
    by_source = Counter(d.source for d in LIBRARY)
    assert by_source["rtds"] >= 145 and by_source["appendix"] > 0 and by_source["spec"] > 0
    unbuildable = {d.id for d in LIBRARY if not d.buildable and not d.alert_only}
    assert {"PECS01", "PECS02", "PECS03", "HECS01"} <= unbuildable


# ----------------------------------------------------------------------------
# (c') DLMS types from the gfi device object models (PROVENANCE.md, DLMS rule 5)
# ----------------------------------------------------------------------------
#: Codes no vendored vector shows a DLMS type for; their types come from the object models.
MODEL_TYPED = ["CCS01", "ECS03", "ECS04a", "ECS10", "ECS12", "ECS16", "ECS17e", "ECS19",
               "ECS21a", "ECS21b", "ECS22b", "ECS50", "ECS25b", "ECS25a2", "ECS47e"]
PROTECTED_READS = {"ECS17e": "0-0:43.2.10.255", "ECS19": "0-0:43.2.1.255",
                   "ECS21a": "0-0:43.2.5.255", "ECS21b": "0-0:43.2.6.255",
                   "ECS22b": "0-0:43.2.7.255"}


def _model(defn: UseCaseDef) -> Any:
    from gfi.emulators.cosem.chf import CHF_PROFILE
    from gfi.emulators.cosem.esme import ESME_PROFILE

    return {"ESME": ESME_PROFILE, "CHF": CHF_PROFILE}[defn.target[0]]


@pytest.mark.parametrize("use_case", MODEL_TYPED)
def test_model_typed_entries_build_decode_and_say_where_types_come_from(use_case: str) -> None:
    from gfi.emulators.cosem.classes import CLASSES

    defn = catalogue.get(use_case)
    assert defn.buildable and defn.reason == "" and defn.source == "appendix"
    assert [v.name for v in defn.variants] == ["default"]
    variant = defn.variant()
    built = build_payload(defn)
    family, tree = decode_payload(built, message_code=defn.message_code, cra=CRA_COMMAND)
    assert family is PayloadFamily.DLMS and tree["apdu"] == "access-request"
    assert payload_shape(family, tree) == payload_shape(defn.family, variant.payload)
    assert [d["type"] for d in tree["data"]] == [d["type"] for d in variant.payload["data"]]
    notes = variant.placeholders
    assert any("object model (no RTDS example)" in n for n in notes), notes
    model = _model(defn)
    for spec, item in zip(variant.payload["specs"], variant.payload["data"], strict=True):
        d = spec["descriptor"]
        decl = model.find(d["obis"])
        assert decl is not None and decl.class_id == d["class_id"], d
        if spec["choice"] == "set":  # the device model takes the value's type
            CLASSES[decl.class_id](decl, 1).check_type(d["attribute_id"], item)


@pytest.mark.parametrize("use_case", sorted(PROTECTED_READS))
def test_protected_reads_list_what_the_esme_declares(use_case: str) -> None:
    """Get protected attributes as the vendored ECS17b / ECS66 reads (gbcs-protocol.md §2.2):
    the object list the ESME model declares for the Data Protection object, log buffers
    restricted to ECS66's date range, protection parameters set per exchange."""
    defn = catalogue.get(use_case)
    variant = defn.variant()
    (spec,), (item,) = variant.payload["specs"], variant.payload["data"]
    assert spec["descriptor"] == {"class_id": 30, "obis": PROTECTED_READS[use_case],
                                  "method_id": 1}
    ecs17b = catalogue.get("ECS17b").variant().payload["data"][0]
    objects, protection = item["value"]
    assert protection["value"][0]["value"][1]["value"][1:] == \
        ecs17b["value"][1]["value"][0]["value"][1]["value"][1:]
    declared = _model(defn).find(PROTECTED_READS[use_case]).values[3]["value"]
    assert [o["value"][:4] for o in objects["value"]] == [o["value"] for o in declared]
    for entry in objects["value"]:
        restriction = entry["value"][4]["value"]
        is_buffer = (entry["value"][0]["value"], entry["value"][2]["value"]) == (7, 2)
        assert restriction[0]["value"] == (1 if is_buffer else 0)
        if is_buffer:
            assert [b["value"] for b in restriction[1]["value"]] == \
                ["07DE0C01FF090000008000FF", "07DE0C05FF0B0500008000FF"]  # ECS66's range
    names = parameters(defn)
    assert {"protection_transaction_id", "protection_originator",
            "protection_recipient"} <= set(names)
    if not objects["value"]:
        assert any("empty protection_object_list" in n for n in variant.placeholders)


def test_model_typed_values() -> None:
    ccs01 = catalogue.get("CCS01").variant().payload["data"]
    device, code = ccs01[0]["value"]
    assert (device["value"], len(code["value"]) // 2) == ("00DB1234567890A6", 16)
    assert catalogue.get("ECS04a").variant().payload["data"] == \
        [{"type": "double-long", "value": 100000}]
    message = catalogue.get("ECS10").variant().payload["data"][0]
    assert bytes.fromhex(message["value"]).decode() == "Hello from supplier!"
    ecs21b = catalogue.get("ECS21b").variant()
    assert ecs21b.header == {} and any("KRP form" in n for n in ecs21b.placeholders)
    # the ECS22b default equals what gfi.codecs.gbcs.build makes for ECS66's range
    from gfi.codecs.gbcs import build

    ecs22b = catalogue.get("ECS22b")
    counter, ours = 0x3E9, "90B3D51F30010000"
    payload = build.ecs22b_payload(counter, ours, "00DB1234567890A0",
                                   dt.datetime(2014, 12, 1, 9, tzinfo=dt.UTC),
                                   dt.datetime(2014, 12, 5, 11, 5, tzinfo=dt.UTC))
    assert build_payload(ecs22b, invoke_id=0x20000000 | counter,
                         protection_transaction_id=f"04{counter:016X}") == payload


#: ECS21a / ECS21b: the ESME's (inferred) daily read logs behind Data Protection
#: 0-0:43.2.5/6.255 and the first capture object after the timestamp (esme.py).
DAILY_READ_LOGS = {"ECS21a": ("0-0:98.1.11.255", "0100010800FF", 2),    # active import
                   "ECS21b": ("0-0:98.1.12.255", "0000130A00FF", 7)}    # meter balance


@pytest.mark.parametrize("use_case", sorted(DAILY_READ_LOGS))
async def test_daily_read_logs_return_the_esme_daily_entries(premises: Any,
                                                             use_case: str) -> None:
    """ECS21a / ECS21b run on a premises read real daily data: the decrypted protected
    response holds one midnight entry per day of the requested range (ECS66's, 2014-12-01
    09:00 to 2014-12-05 11:05) with exactly the values the ESME's daily read log holds."""
    from gfi.api import Session
    from gfi.emulators.cosem.values import gbcs_seconds
    from gfi.usecases import library

    log_obis, first_capture, members = DAILY_READ_LOGS[use_case]
    s = Session(premises)
    try:
        response = await library.run_variant(s, catalogue.get(use_case), "")
    finally:
        s.close()
    assert response is not None and response.decrypted is True and response.payload
    assert [r["result"] for r in response.payload["results"]] == [0]
    (item,) = response.payload["data"]
    (buffer,) = item["decrypted"]["value"]
    assert buffer["type"] == "compact-array"
    assert len(buffer["description"]["members"]) == members
    days = [gbcs_seconds(dt.datetime(2014, 12, d, tzinfo=dt.UTC)) for d in (2, 3, 4, 5)]
    assert [row[0] for row in buffer["value"]] == days
    log_object = premises.esme.cosem.find(log_obis)
    captures = log_object.log.capture_objects()["value"]
    assert captures[1]["value"][1]["value"] == first_capture
    held = log_object.log.rows(log_object.log.index_range(days[0], days[-1]))
    assert buffer["value"] == held and len(held) == len(days)
    if use_case == "ECS21a":  # a register reading: it only rises
        readings = [row[1] for row in held]
        assert readings == sorted(readings) and len(set(readings)) == len(readings)


# ----------------------------------------------------------------------------
# (d) overrides and typed errors
# ----------------------------------------------------------------------------
def _decoded(defn: UseCaseDef, variant: str = "default", **overrides: Any) -> dict[str, Any]:
    built = build_payload(defn, variant, **overrides)
    return decode_payload(built, message_code=defn.message_code, cra=CRA_COMMAND)[1]


def test_gbz_overrides() -> None:
    gcs17 = catalogue.get("GCS17")
    tree = _decoded(gcs17, number_of_samples=5, earliest_sample_time=dt.datetime(2000, 1, 1, 0, 1))
    payload = tree["components"][0]["frame"]["payload"]
    assert (payload["number_of_samples"], payload["earliest_sample_time"]) == (5, 60)
    gcs13c = catalogue.get("GCS13c")
    tree = _decoded(gcs13c, metering_attribute_ids=[0x0000])
    assert tree["components"][0]["frame"]["payload"]["attribute_ids"] == [0]
    pcs01 = catalogue.get("PCS01")
    tree = _decoded(pcs01, utrn="12345678901234567890")
    assert tree["components"][0]["frame"]["payload"]["top_up_code"] == \
        b"12345678901234567890".hex().upper()


def test_dlms_overrides() -> None:
    ecs70 = catalogue.get("ECS70")
    tree = _decoded(ecs70, "SUCCESS", invoke_id=0x20000007,
                    clock_0_0_1_0_0_255_m5_1=dt.datetime(2024, 1, 2, 3, 4, 5))
    assert tree["invoke_id"] == 0x20000007
    assert tree["data"][1]["value"][1]["value"] == "07E80102FF030405008000FF"
    ecs20a = catalogue.get("ECS20a")
    tree = _decoded(ecs20a, range_from=1, range_to=2)
    assert [v["value"] for v in tree["specs"][0]["access_selection"]["parameters"]["value"][1:3]] \
        == [1, 2]
    cs01a = catalogue.get("CS01a")
    assert _decoded(cs01a, utrn="73947252416745201637")["data"][0]["value"] == \
        b"73947252416745201637".hex().upper()
    ecs17b = catalogue.get("ECS17b")
    tree = _decoded(ecs17b, protection_transaction_id="040000000000000042",
                    protection_recipient=bytes.fromhex("00DB1234567890A1"))
    options = tree["data"][0]["value"][1]["value"][0]["value"][1]["value"]
    assert [options[0]["value"], options[2]["value"]] == ["040000000000000042",
                                                         "00DB1234567890A1"]
    ecs25a1 = catalogue.get("ECS25a1")
    tree = _decoded(ecs25a1, data_0_30_97_98_12_255_a2=bytes(4))
    assert tree["data"][0] == {"type": "bit-string", "bits": 32, "value": "00000000"}


def test_activation_time_alias_future_dates_every_item() -> None:
    ecs01a = catalogue.get("ECS01a")
    variant = "FUTURE_DATED_TOU_BLOCK_SUCCESS"
    alias = parameters(ecs01a, variant)["activation_time"]
    assert alias.type == "datetime" and len(alias.also) >= 2
    tree = payload_tree(ecs01a, variant, activation_time="07E90101FF000000008000FF")
    for path in (alias.path, *alias.also):
        node: Any = tree
        for key in path:
            node = node[key]
        assert node == "07E90101FF000000008000FF"


def test_asn1_overrides() -> None:
    cs06 = catalogue.get("CS06")
    tree = _decoded(cs06, execution_date_time=dt.datetime(2030, 1, 2, 3, 4, 5))
    assert tree["execution_date_time"] == "20300102030405Z"
    assert _decoded(cs06, "FUTURE_DATED_SUCCESS", execution_date_time=None)[
        "execution_date_time"] is None
    cs02b = catalogue.get("CS02bNOByNO")
    assert _decoded(cs02b, control_authorising_seq_number=7)["control"][
        "authorising_seq_number"] == 7


def test_unknown_parameter_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownParameter, match="number_of_samples") as info:
        build_payload(catalogue.get("GCS17"), nonsense=1)
    assert "'nonsense'" in str(info.value)
    assert "earliest_sample_time" in info.value.valid


@pytest.mark.parametrize("use_case, name, value, expected", [
    ("GCS17", "number_of_samples", "5", "an int"),
    ("GCS17", "number_of_samples", True, "an int"),
    ("GCS17", "number_of_samples", 1 << 16, "in 0..65535"),
    ("ECS70", "invoke_id", -1, "in 0..4294967295"),
    ("CS06", "manufacturer_image_hash", "XY", "bytes or a hex string"),
    ("CS06", "manufacturer_image_hash", b"\x00", "of 32 bytes"),
    ("CS06", "originator_counter", None, "an int"),
    ("CS06", "execution_date_time", "2030-01-01", "'YYYYMMDDhhmmssZ'"),
    ("GCS17", "earliest_sample_time", dt.datetime(1999, 1, 1), "ZCL UTC seconds"),
    ("CS01a", "utrn", "é", "a str"),
    ("ECS70", "clock_0_0_1_0_0_255_m5", {"a": 1}, "a list"),
])
def test_bad_overrides_raise_a_typed_error(use_case: str, name: str, value: Any,
                                           expected: str) -> None:
    defn = catalogue.get(use_case)
    with pytest.raises(ParameterError) as info:
        build_payload(defn, **{name: value})
    assert info.value.parameter == name
    assert repr(name) in str(info.value) and expected in str(info.value)
    assert isinstance(info.value, UsageError)


def test_overrides_that_do_not_encode_raise_a_typed_error() -> None:
    with pytest.raises(ParameterError, match="does not encode"):
        build_payload(catalogue.get("ECS70"), "SUCCESS",
                      clock_0_0_1_0_0_255_m5=[{"type": "no-such-type"}])


def test_entries_that_cannot_be_built() -> None:
    with pytest.raises(NotBuildable, match="alert-only"):
        build_payload(catalogue.get("FDEA-DLMS"))
    with pytest.raises(NotBuildable, match="no source decodes"):
        parameters(catalogue.get("PECS01"))
    with pytest.raises(UnknownVariant):
        build_payload(catalogue.get("ECS17b"), "NOPE")


# ----------------------------------------------------------------------------
# (e) arbitrary override values raise only gfi's typed errors
# ----------------------------------------------------------------------------
_SAMPLE = [("GCS05", "IMMEDIATE_SUCCESS"), ("ECS01a", "FUTURE_DATED_TOU_BLOCK_SUCCESS"),
           ("ECS20a", "SUCCESS"), ("CS02bNOByNO", "SUCCESS"), ("CS06", "IMMEDIATE_SUCCESS"),
           ("GCS01a", "default"), ("ECS46d", "IMMEDIATE_ALCS_SUCCESS")]
_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(1 << 70), max_value=1 << 70),
    st.text(max_size=24), st.binary(max_size=40), st.datetimes(),
    st.datetimes(timezones=st.timezones()),
    st.lists(st.one_of(st.integers(), st.text(max_size=4),
                       st.fixed_dictionaries({"type": st.sampled_from(["long", "array", "x"]),
                                              "value": st.integers()})), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


@st.composite
def _overrides(draw: st.DrawFn) -> tuple[UseCaseDef, str, dict[str, Any]]:
    use_case, variant = draw(st.sampled_from(_SAMPLE))
    defn = catalogue.get(use_case)
    names = sorted(parameters(defn, variant))
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    return defn, variant, {name: draw(_VALUES) for name in chosen}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_overrides())
def test_arbitrary_overrides_raise_only_typed_errors(
        case: tuple[UseCaseDef, str, dict[str, Any]]) -> None:
    defn, variant, overrides = case
    try:
        built = build_payload(defn, variant, **overrides)
    except GfiError:
        return
    decode_payload(built, message_code=defn.message_code, cra=CRA_COMMAND)
