# SPDX-License-Identifier: GPL-3.0-or-later
"""Loading key stores from disk: directories of ``<eui>[-pp]-<ds|ka>.<pem|key>`` files and
DCC Boxed ``keystore.json`` documents (gbcs-protocol.md §5.4, gbcs-security.md §2)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

from gfi.codecs.security.keystore import (
    InMemoryKeyStore,
    KeyUsage,
    parse_dccboxed_keystore,
)
from gfi.errors import KeyStoreError

logger = logging.getLogger(__name__)

KEY_FILE_NAME = re.compile(r"^([0-9a-fA-F]{16})(-pp)?-(ds|ka)\.(pem|key|der)$")


def load_key_file(store: InMemoryKeyStore, path: Path) -> bool:
    """Add one ``<eui>[-pp]-<ds|ka>.<pem|key>`` file; False when the name does not match."""
    m = KEY_FILE_NAME.match(path.name)
    if not m:
        return False
    eui, pp, usage = m.group(1), m.group(2), m.group(3).lower()
    key_usage = KeyUsage.PP_KA if pp and usage == "ka" else KeyUsage(usage)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyStoreError(f"{path}: cannot read: {exc.strerror}") from None
    store.add_pem(eui, key_usage, data, label=path.name)
    return True


def load_keys(paths: Iterable[str | Path]) -> InMemoryKeyStore:
    """A key store from key directories, key files and ``keystore.json`` documents."""
    store = InMemoryKeyStore()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = 0
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() == ".json":
                    store.merge(parse_dccboxed_keystore(child.read_text(), what=str(child)))
                    found += 1
                elif child.is_file() and load_key_file(store, child):
                    found += 1
            if not found:
                raise KeyStoreError(f"{path}: no key files (<eui>[-pp]-<ds|ka>.<pem|key>) "
                                    "or keystore.json found")
        elif path.is_file():
            if path.suffix.lower() == ".json":
                store.merge(parse_dccboxed_keystore(path.read_text(), what=str(path)))
            elif not load_key_file(store, path):
                raise KeyStoreError(f"{path}: key file names must look like "
                                    "<eui>[-pp]-<ds|ka>.<pem|key>")
        else:
            raise KeyStoreError(f"{path}: no such file or directory")
    for warning in store.warnings:
        logger.warning("%s", warning)
    return store
