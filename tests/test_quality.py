# SPDX-License-Identifier: GPL-3.0-or-later
"""Project rules that code review would otherwise have to remember: the layering of
house-style §8, ruff, mypy --strict on gfi.codecs, every module importable."""

from __future__ import annotations

import ast
import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: import root → folder (pyproject's package-dir)
FOLDERS = {"gfi": "gfi", "gfi.codecs": "codecs", "gfi.radio": "radio",
           "gfi.emulators": "emulators", "gfi.usecases": "usecases"}


def _modules() -> list[tuple[str, Path]]:
    found = []
    for package, folder in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT / folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            found.append((".".join([package, *parts]), path))
    return found


# (importer prefix, forbidden import prefixes) — house-style.md §8
FORBIDDEN = [
    ("gfi.codecs", ("asyncio", "gfi.radio", "gfi.emulators", "gfi.usecases", "gfi.session",
                    "gfi.cli", "gfi.keys", "gfi.inputs", "socket", "sqlite3")),
    ("gfi.radio", ("gfi.codecs", "gfi.emulators", "gfi.usecases")),
    ("gfi.emulators", ("gfi.radio.virtual", "gfi.radio.ezsp", "gfi.usecases", "gfi.cli")),
]


@pytest.mark.parametrize("module, path", _modules(), ids=lambda v: str(v))
def test_layering(module: str, path: Path) -> None:
    for prefix, forbidden in FORBIDDEN:
        if module == prefix or module.startswith(prefix + "."):
            package = module if path.name == "__init__.py" else module.rpartition(".")[0]
            bad = sorted({i for _, i, _ in _imports(path, package)
                          if any(i == f or i.startswith(f + ".") for f in forbidden)})
            assert not bad, f"{module} imports {bad} (house-style §8)"


#: The Use Case library's own runtime (loading, parameters, credentials, the catalogue): not
#: Use Cases, so free to import the layers below. Every other module of usecases/ holds
#: Use Cases.
LIBRARY_RUNTIME = {"__init__.py", "catalogue.py", "credentials.py", "errors.py",
                   "library.py", "params.py"}
USE_CASE_MODULES = sorted(
    [p for p in (ROOT / "usecases").glob("*.py") if p.name not in LIBRARY_RUNTIME]
    + list((ROOT / "examples").glob("*.py")))


def _imports(path: Path, package: str | None) -> list[tuple[int, str, str]]:
    """(line, imported module, the statement) for every import of ``path``, at any depth
    (function bodies, TYPE_CHECKING blocks); ``package`` resolves relative ones."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                assert package, f"{path}:{node.lineno}: relative import outside a package"
                parent = package.rsplit(".", node.level - 1)[0]
                base = f"{parent}.{base}" if base else parent
            # `from gfi import premises` imports the module gfi.premises
            modules = [f"{base}.{a.name}" for a in node.names] if base == "gfi" else [base]
        else:
            continue
        found += [(node.lineno, m, ast.unparse(node)) for m in modules]
    return sorted(found)


def test_use_case_modules_are_found() -> None:
    names = {p.name for p in USE_CASE_MODULES if p.parent.name == "usecases"}
    assert {"alerts.py", "alerts_device.py", "alerts_hub.py", "mhhs.py",
            "negatives.py"} <= names


@pytest.mark.parametrize("path", USE_CASE_MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_use_cases_import_only_gfi_api(path: Path) -> None:
    """house-style rule 12: a Use Case imports only gfi.api (which re-exports what it needs
    from the lower layers) and the library's own gfi.usecases.* helpers."""
    package = "gfi.usecases" if path.parent.name == "usecases" else None
    bad = [f"{path.relative_to(ROOT)}:{line}: {statement}"
           for line, module, statement in _imports(path, package)
           if (module == "gfi" or module.startswith("gfi.")) and
           not (module == "gfi.api" or module == "gfi.usecases"
                or module.startswith("gfi.usecases."))]
    assert not bad, ("Use Case modules import only gfi.api and gfi.usecases.* (house-style "
                     "rule 12; re-export what is missing from gfi/api.py):\n"
                     + "\n".join(bad))


@pytest.mark.parametrize("module", [m for m, _ in _modules() if not m.endswith("__main__")])
def test_every_module_imports(module: str) -> None:
    importlib.import_module(module)


def test_no_top_level_codecs_package() -> None:
    import codecs

    assert codecs.__file__ and "site-packages" not in codecs.__file__
    assert not hasattr(codecs, "gbcs")


def test_packages_are_all_listed_in_pyproject() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    for package, folder in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            name = ".".join([package, *rel.parts])
            assert f'"{name}"' in text, f"{name} is missing from [tool.setuptools] packages"


@pytest.mark.skipif(shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff")
                    .exists(), reason="ruff not installed")
def test_ruff_clean() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    run = subprocess.run([ruff, "check", "--no-cache", str(ROOT)], capture_output=True,
                         text=True, check=False)
    assert run.returncode == 0, run.stdout[-4000:]


def test_mypy_strict_on_codecs(tmp_path: Path) -> None:
    """mypy cannot see setuptools' package-dir mapping, so check a tree of links that has
    the installed layout (gfi/codecs → codecs/)."""
    pytest.importorskip("mypy")
    pkg = tmp_path / "gfi"
    pkg.mkdir()
    for path in (ROOT / "gfi").glob("*.py"):
        (pkg / path.name).symlink_to(path)
    (pkg / "codecs").symlink_to(ROOT / "codecs")
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--ignore-missing-imports",
         "--no-incremental", "--cache-dir", str(tmp_path / ".mypy"), "gfi/codecs"],
        cwd=tmp_path, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout[-4000:]
