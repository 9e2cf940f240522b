# SPDX-License-Identifier: GPL-3.0-or-later
"""Use Cases from outside the bundled library: data-only YAML files for testers who do not
write Python, and packs (a directory of ``*.py`` and ``*.yaml`` files, or a package
registered under the ``gfi.usecases`` entry-point group).

A YAML Use Case (checked against :data:`SCHEMA`; every error names the file and the field)::

    id: MY-ECS17b                   # unique
    title: Read the import registers
    target: ESME                    # ESME GSME CHF GPF PPMID HCALCS, or an entity id
    tags: [read, mine]
    message_code: 0x0027
    payload_hex: D9...              # the GBCS payload, or `payload:` as `gfi decode --json`
                                    # shows it (a DLMS invoke-id is set from the counter)
    expect:
      response: true                # default; false: the command gets no response
      decrypted: true               # sensitive content must decrypt
      fields:                       # dotted paths into the response payload
        results.0.result: 0
      alerts:
        - {message_code: 0x00CC, alert_code: 0x8F66, timeout: 5}
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from gfi.api import REGISTRY, Registry, Session, UseCase, loading_into
from gfi.codecs.dlms import dlms_invoke_id
from gfi.codecs.gbcs.catalogue import PayloadFamily, lookup
from gfi.codecs.gbcs.decoder import encode_payload
from gfi.errors import GfiError

ENTRY_POINT_GROUP = "gfi.usecases"

_CODE = {"oneOf": [{"type": "integer", "minimum": 0, "maximum": 0xFFFF},
                   {"type": "string", "pattern": "^(0[xX])?[0-9A-Fa-f]{1,4}$"}]}

#: JSON Schema of a YAML Use Case.
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "title", "target", "message_code"],
    "properties": {
        "id": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"},
        "title": {"type": "string", "minLength": 1},
        "target": {"type": "string", "minLength": 1},
        "tags": {"type": "array", "items": {"type": "string"}},
        "message_code": _CODE,
        "payload_hex": {"type": "string", "pattern": "^([0-9A-Fa-f]{2})+$"},
        "payload": {"type": "object"},
        "header": {"type": "object"},
        "timeout": {"type": "number", "exclusiveMinimum": 0},
        "expect": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "response": {"type": "boolean"},
                "decrypted": {"type": "boolean"},
                "fields": {"type": "object"},
                "alerts": {"type": "array", "items": {
                    "type": "object", "additionalProperties": False,
                    "required": ["message_code"],
                    "properties": {"message_code": _CODE, "alert_code": _CODE,
                                   "timeout": {"type": "number", "exclusiveMinimum": 0}}}},
            },
        },
    },
    "oneOf": [{"required": ["payload_hex"]}, {"required": ["payload"]}],
}


class UseCaseDefinitionError(GfiError, ValueError):
    """A Use Case file is not valid."""


def _code(value: int | str) -> int:
    return value if isinstance(value, int) else int(value, 16)


def _where(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(top level)"


def parse_yaml_usecase(text: str, source: str = "<yaml>") -> UseCase:
    """A :class:`UseCase` from YAML text; :class:`UseCaseDefinitionError` naming the file
    and every bad field otherwise."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UseCaseDefinitionError(f"{source}: not YAML: {exc}") from None
    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"{_where(e)}: {e.message}" for e in errors]
        if any(e.validator == "oneOf" and not e.absolute_path for e in errors):
            lines.append("give exactly one of payload_hex and payload")
        raise UseCaseDefinitionError(f"{source}: invalid Use Case:\n  " + "\n  ".join(lines))
    return _yaml_usecase(doc, source)


def _yaml_usecase(doc: dict[str, Any], source: str) -> UseCase:
    code = _code(doc["message_code"])
    info = lookup(code)
    family = info.family if info else PayloadFamily.UNKNOWN
    expect = doc.get("expect", {})
    timeout = float(doc.get("timeout", 10.0))
    if "payload" in doc and family not in (PayloadFamily.DLMS, PayloadFamily.GBZ,
                                           PayloadFamily.ASN1):
        raise UseCaseDefinitionError(f"{source}: message_code {code:04X} has no known payload "
                                     "family; give payload_hex instead of payload")

    def payload(counter: int) -> bytes:
        if "payload_hex" in doc:
            return bytes.fromhex(doc["payload_hex"])
        tree = dict(doc["payload"])
        if family is PayloadFamily.DLMS and "invoke_id" in tree:
            tree["invoke_id"] = dlms_invoke_id(counter)
        return encode_payload(family, tree)

    async def run(s: Session) -> None:
        header = dict(doc.get("header", {}))
        if not expect.get("response", True):
            frame = s.head.command(code, originator=s.originator, recipient=s.id(doc["target"]),
                                   payload=payload, **header)
            await s.send_frame(frame, to=doc["target"], expect_response=False,
                               timeout=timeout)
        else:
            r = await s.send(code, to=doc["target"], payload=payload, timeout=timeout,
                             **header)
            if "decrypted" in expect:
                s.check(r.decrypted is expect["decrypted"],
                        f"decrypted is {r.decrypted}, expected {expect['decrypted']}")
            for path, wanted in expect.get("fields", {}).items():
                found = field_at(r.payload, path)
                s.check(found == wanted, f"response {path} is {found!r}, expected {wanted!r}")
        for alert in expect.get("alerts", []):
            await s.expect_alert(_code(alert["message_code"]),
                                 alert_code=_code(alert["alert_code"])
                                 if "alert_code" in alert else None,
                                 timeout=float(alert.get("timeout", timeout)))

    run.__module__ = source
    return UseCase(doc["id"], doc["title"], run, (doc["target"],),
                   (*doc.get("tags", ()), "yaml"))


_MISSING = object()


def field_at(tree: Any, path: str) -> Any:
    """The value at a dotted path (list items by index); a clear marker when absent."""
    node = tree
    for part in path.split("."):
        if isinstance(node, list) and part.lstrip("-").isdigit() and \
                -len(node) <= int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return f"<no {path}: stops at {part!r}>"
    return node


def load_pack(directory: str | Path, registry: Registry = REGISTRY) -> list[str]:
    """Register every Use Case in ``directory``: ``*.py`` modules (their ``@usecase``
    functions register themselves) and ``*.yaml``/``*.yml`` files. Returns the ids added."""
    path = Path(directory)
    if not path.is_dir():
        raise UseCaseDefinitionError(f"--usecases {directory}: not a directory")
    before = set(registry.usecases)
    for file in sorted(path.iterdir()):
        if file.suffix == ".py" and not file.name.startswith("_"):
            # one module per file and registry: loading a pack twice adds nothing twice
            name = f"gfi_pack_{id(registry):x}_{abs(hash(file.resolve())):x}_{file.stem}"
            if name in sys.modules:
                continue
            spec = importlib.util.spec_from_file_location(name, file)
            if spec is None or spec.loader is None:
                raise UseCaseDefinitionError(f"{file}: cannot be imported")
            module = importlib.util.module_from_spec(spec)
            loading_into.append(registry)
            try:
                spec.loader.exec_module(module)
            except GfiError:
                raise
            except Exception as exc:
                raise UseCaseDefinitionError(
                    f"{file}: importing it failed: {type(exc).__name__}: {exc}") from exc
            finally:
                loading_into.pop()
            sys.modules[name] = module
        elif file.suffix in (".yaml", ".yml"):
            registry.add(parse_yaml_usecase(file.read_text(encoding="utf-8"), str(file)))
    return sorted(set(registry.usecases) - before)


def load_entry_points(registry: Registry = REGISTRY) -> list[str]:
    """Import the packs installed under the ``gfi.usecases`` entry-point group (each entry
    names a module whose ``@usecase`` functions register themselves, or a directory-
    returning callable)."""
    before = set(registry.usecases)
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = entry.load()
        except Exception as exc:
            raise UseCaseDefinitionError(f"Use Case pack {entry.name} ({entry.value}) failed "
                                         f"to load: {type(exc).__name__}: {exc}") from exc
        if callable(loaded):
            result = loaded()
            if isinstance(result, str | Path):
                load_pack(result, registry)
    return sorted(set(registry.usecases) - before)


def load_registry(usecase_dirs: tuple[str, ...] | list[str] = ()) -> Registry:
    """The bundled library, the installed packs (entry points) and the packs in
    ``usecase_dirs``, all in :data:`~gfi.api.REGISTRY`."""
    from gfi.usecases import load_bundled

    load_bundled()
    load_entry_points(REGISTRY)
    for directory in usecase_dirs:
        load_pack(directory, REGISTRY)
    return REGISTRY
