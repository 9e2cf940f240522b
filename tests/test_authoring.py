# SPDX-License-Identifier: GPL-3.0-or-later
"""Use Cases from outside the library: YAML files validated against the schema with errors
that name the file and the field, Python packs, and both running on a premises."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gfi.api import Registry, run_usecase
from gfi.authoring import UseCaseDefinitionError, field_at, load_pack, parse_yaml_usecase
from gfi.premises import Premises
from gfi.results import Verdict

EXAMPLES = Path(__file__).parent.parent / "examples"
NOW = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)




@pytest.fixture()
def premises_start() -> dt.datetime:
    return NOW


def test_examples_load() -> None:
    registry = Registry()
    assert load_pack(EXAMPLES, registry) == [
        "EXAMPLE-ECS08-MAX-CREDIT", "EXAMPLE-ECS17b-PY", "EXAMPLE-GCS13b-YAML"]
    assert registry.usecases["EXAMPLE-ECS17b-PY"].parameters() == {
        "register": "1-0:1.8.0.255"}
    assert "yaml" in registry.usecases["EXAMPLE-GCS13b-YAML"].tags


async def test_examples_pass(premises: Premises) -> None:
    registry = Registry()
    load_pack(EXAMPLES, registry)
    for uc in registry.usecases.values():
        result = await run_usecase(uc, premises)
        assert result.verdict is Verdict.PASS, (uc.id, result.reason)


@pytest.mark.parametrize(("text", "problems"), [
    ("id: X\ntitle: t\ntarget: ESME\n", ["'message_code' is a required property"]),
    ("id: X\ntitle: t\ntarget: ESME\nmessage_code: 0x0027\n",
     ["exactly one of payload_hex and payload"]),
    ("id: X\ntitle: t\ntarget: ESME\nmessage_code: 0x0027\npayload_hex: XYZ\n",
     ["payload_hex: 'XYZ' does not match"]),
    ("id: X\ntitle: t\ntarget: ESME\nmessage_code: 0x0027\npayload_hex: '00'\n"
     "expect: {alerts: [{alert_code: 1}], colour: red}\n",
     ["expect: Additional properties are not allowed ('colour' was unexpected)",
      "expect.alerts.0: 'message_code' is a required property"]),
    ("id: [\n", ["not YAML"]),
])
def test_bad_yaml_names_file_and_field(text: str, problems: list[str]) -> None:
    with pytest.raises(UseCaseDefinitionError) as info:
        parse_yaml_usecase(text, "mine.yaml")
    message = str(info.value)
    assert message.startswith("mine.yaml:")
    for problem in problems:
        assert problem in message


async def test_yaml_expectations_fail_with_their_reason(premises: Premises) -> None:
    from gfi.codecs.gbcs import build

    uc = parse_yaml_usecase(
        "id: X\ntitle: wrong expectations\ntarget: GSME\nmessage_code: 0x00B8\n"
        f"payload_hex: {build.gcs13b_payload().hex()}\n"
        "expect:\n  fields: {components.0.cluster_id: 1}\n", "x.yaml")
    result = await run_usecase(uc, premises)
    assert result.verdict is Verdict.FAIL
    assert "response components.0.cluster_id is 1794, expected 1" in result.reason


def test_a_broken_python_pack_is_reported(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("import nonexistent_module_xyz\n")
    with pytest.raises(UseCaseDefinitionError, match=r"bad\.py: importing it failed"):
        load_pack(tmp_path, Registry())
    with pytest.raises(UseCaseDefinitionError, match="not a directory"):
        load_pack(tmp_path / "nope", Registry())


def test_field_at() -> None:
    tree = {"a": [{"b": 1}]}
    assert field_at(tree, "a.0.b") == 1
    assert field_at(tree, "a.1.b") == "<no a.1.b: stops at '1'>"


def test_entry_point_packs_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pack installed as a package: its `gfi.usecases` entry point names a module (whose
    @usecase functions register themselves) or a callable returning a pack directory."""
    from gfi.authoring import load_entry_points

    pack = tmp_path / "pack_dir"
    pack.mkdir()
    (pack / "x.yaml").write_text("id: EP-1\ntitle: from an entry point\ntarget: ESME\n"
                                 "message_code: 0x0013\npayload_hex: '0500'\n")
    (tmp_path / "mypack.py").write_text(
        "from pathlib import Path\n\ndef usecases_dir():\n"
        f"    return Path({str(pack)!r})\n")
    info = tmp_path / "mypack-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mypack\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[gfi.usecases]\nmine = mypack:usecases_dir\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = Registry()
    assert load_entry_points(registry) == ["EP-1"]
