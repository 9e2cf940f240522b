# SPDX-License-Identifier: GPL-3.0-or-later
"""Key store loading and input reading."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest

from gfi.codecs.security.keystore import KeyUsage, parse_dccboxed_keystore
from gfi.errors import KeyNotFound, KeyStoreError
from gfi.inputs import parse_message_text, read_inputs
from gfi.keys import load_keys
from tests.conftest import DCCBOXED_KEYSTORE, RTDS_KEYSTORE, rtds_bytes, rtds_files


def test_directory_and_json_merge(rtds_keys) -> None:  # type: ignore[no-untyped-def]
    acb = rtds_keys.keys("90B3D51F30000002", KeyUsage.KA)
    # the directory's key equals DCC Boxed's Z1 key (merged); Z1b is a second key
    assert len(acb) == 2 and all(e.private_key is not None for e in acb)
    assert any("Z1-accessControlBroker-ka" in e.labels for e in acb)
    pp = rtds_keys.keys("90B3D51F30010000", KeyUsage.PP_KA)
    assert pp and pp[0].private_key is not None
    assert len(rtds_keys.keys("00DB1234567890A0", KeyUsage.DS)) == 1


def test_dccboxed_json_alone() -> None:
    store = parse_dccboxed_keystore(DCCBOXED_KEYSTORE.read_text())
    assert len(store.entities()) == 10
    # cryptography ≥ 50 refuses the two mdr-* certificates (NULL signature-algorithm
    # parameters, gbcs-security.md §2.1): their keys still load from the private keys
    assert all("mdr-" in w for w in store.warnings)
    assert len(store.keys("90B3D51F30010009", KeyUsage.KA)) == 1


def test_missing_private_key_is_named(rtds_keys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(KeyNotFound, match=r"00DB1234567890A0.*holds"):
        rtds_keys.signing_key("00DB1234567890A0")


def test_bad_key_files(tmp_path: Path) -> None:
    (tmp_path / "00db1234567890a0-ka.pem").write_text("not a key")
    with pytest.raises(KeyStoreError, match=r"00db1234567890a0-ka\.pem"):
        load_keys([tmp_path])
    with pytest.raises(KeyStoreError, match="no such file"):
        load_keys([tmp_path / "nope"])
    bad_json = tmp_path / "k.json"
    bad_json.write_text("[1, 2]")
    with pytest.raises(KeyStoreError, match="JSON object"):
        load_keys([bad_json])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(KeyStoreError, match="no key files"):
        load_keys([empty])


def test_single_key_file() -> None:
    store = load_keys([RTDS_KEYSTORE / "90b3d51f30010000-ds.key"])
    assert store.signing_key("90B3D51F30010000")


def test_message_text_forms() -> None:
    raw = rtds_bytes(rtds_files()[0])
    assert parse_message_text(raw.hex()) == raw
    assert parse_message_text(" ".join(f"{b:02x}" for b in raw)) == raw
    assert parse_message_text(f"GBCS:DATA#0:{len(raw)}:{raw.hex().upper()}") == raw
    assert parse_message_text(base64.b64encode(raw).decode()) == raw
    with pytest.raises(ValueError, match="odd number"):
        parse_message_text("DDF")


def test_read_inputs(tmp_path: Path) -> None:
    raw = rtds_bytes(rtds_files()[0])
    (tmp_path / "a.bin").write_bytes(raw)
    (tmp_path / "b.hex").write_text(raw.hex() + "\n# comment\n" + raw.hex() + "\n")
    (tmp_path / "ignored.md").write_text("# not a message")
    items = list(read_inputs([str(tmp_path), "-", "zz"], io.StringIO(raw.hex())))
    assert [i.data == raw for i in items[:4]] == [True, True, True, True]
    assert items[1].source.endswith("b.hex:1") and items[2].source.endswith("b.hex:3")
    assert items[4].error is not None


def test_dccboxed_prefers_z1_and_skips_xml_signing() -> None:
    store = parse_dccboxed_keystore(DCCBOXED_KEYSTORE.read_text())
    supplier_ds = store.keys("90B3D51F30010000", KeyUsage.DS)
    assert [e.labels for e in supplier_ds] == [["Z1-supplier-ds"], ["Z1b-supplier-ds"]]
    acb_ka = store.keys("90B3D51F30000002", KeyUsage.KA)
    assert acb_ka[0].labels == ["Z1-accessControlBroker-ka"]


def test_bundled_keystore_is_packaged() -> None:
    from importlib.resources import files

    text = (files("gfi") / "data" / "dccboxed-keystore.json").read_text()
    assert text == DCCBOXED_KEYSTORE.read_text()
