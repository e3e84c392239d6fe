"""The modules built as C extensions with mypyc: the eligibility rule engine's pure functions, which every
check runs (17 rules, their facts and messages), as the engine lists them (`COMPILED` in
services/eligibility/engine/__init__.py). Compiled, a check costs about a seventh fewer instructions
(docs/performance.md). The modules are typed and mypy-clean like all code here; mypyc compiles them as they
are, and the source stays the truth: without a C compiler or mypyc they run as Python, with the same answers.

- `python -m shared.compiled [--config-file FILE]` builds them in place, next to their sources: in the
  checkout (`make venv`, again whenever one of them changes), and in the image's source tree before the
  project is installed with its extensions (deploy/Dockerfile; `*.so` is package data).
- The extensions built are kept in a cache (`~/.cache/interreg-backend/mypyc/<key>`, `$XDG_CACHE_HOME` if set),
  the key a hash of everything the build reads (the modules' sources, mypy's configuration, the Python and mypy
  versions): a fresh clone or venv of the same sources on the same machine copies them instead of compiling
  for a minute (`--no-cache` compiles all the same).
- `check_fresh()` (on importing `services.eligibility`) refuses an extension older than its source, which
  the interpreter would otherwise import in its place, running the code as it was before an edit.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import hashlib
import importlib.machinery
import importlib.metadata
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The directory that holds the `shared` and `services` packages (the checkout, or site-packages)."""

DECLARED_IN = "services.eligibility.engine"
"""The package whose `__init__.py` declares the modules to compile: its `COMPILED`, a literal tuple of names."""


def declared(package: str = DECLARED_IN, root: Path = ROOT) -> tuple[str, ...]:
    """The modules `package` declares compiled, read from its `__init__.py` without importing it: importing a
    module of the service runs `check_fresh` (services/eligibility/__init__.py), which would refuse the stale
    extensions that `build` is about to replace."""
    init = root.joinpath(*package.split("."), "__init__.py")
    for node in ast.parse(init.read_text(encoding="utf-8"), str(init)).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "COMPILED" for t in node.targets):
            modules = ast.literal_eval(node.value)
            if isinstance(modules, tuple) and all(isinstance(m, str) for m in modules):
                return modules
    raise RuntimeError(f"{init} declares no `COMPILED = (...)`, a literal tuple of module names")


MODULES = declared()
"""The modules to compile, in dependency order: pure, synchronous modules only, what runs per check and reads
nothing but its arguments."""


def source(module: str, root: Path = ROOT) -> Path:
    return root.joinpath(*module.split(".")).with_suffix(".py")


def _extensions(module: str, root: Path = ROOT) -> list[Path]:
    py = source(module, root)
    return [p for s in importlib.machinery.EXTENSION_SUFFIXES if (p := py.with_suffix(s)).exists()]


def stale(root: Path = ROOT, modules: Sequence[str] = MODULES) -> list[str]:
    """The compiled modules whose extension is older than their source, in a checkout (where sources are
    edited; an installed package's files all date from its installation, in no particular order)."""
    found: list[str] = []
    if not (root / "pyproject.toml").exists():
        return found
    for module in modules:
        py = source(module, root)
        if py.exists() and any(e.stat().st_mtime < py.stat().st_mtime for e in _extensions(module, root)):
            found.append(module)
    return found


def check_fresh(root: Path = ROOT, modules: Sequence[str] = MODULES) -> None:
    """Raise ImportError when an extension is older than its source (an edit not yet compiled)."""
    old = stale(root, modules)
    if old:
        raise ImportError(
            f"compiled {', '.join(old)} older than the source: run `make venv` (or `python -m shared.compiled`) "
            "to compile it again, or delete its .so file to run the source"
        )


def compiled() -> list[str]:
    """The modules that run compiled in this process (imported already, from an extension)."""
    return [
        m
        for m in MODULES
        if (loaded := sys.modules.get(m)) is not None
        and str(getattr(loaded, "__file__", "")).endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))
    ]


GROUP = "services.eligibility.compiled_rules"
"""The modules' group: mypyc puts their common code in the extension `services/eligibility/compiled_rules__mypyc`,
inside the package, so that installing the package installs it too."""

_SETUP = """
import sys
from mypyc.build import mypycify
from setuptools import setup
setup(name="interreg-rules", ext_modules=mypycify(sys.argv.pop(1).split("\\n"), opt_level="3", group_name=sys.argv.pop(1)))
"""


def clean(root: Path = ROOT) -> None:
    """Remove the extensions of `MODULES` and of their group: the sources run."""
    for module in MODULES:
        for extension in _extensions(module, root):
            extension.unlink()
    group = root.joinpath(*f"{GROUP}__mypyc".split("."))
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        group.with_name(group.name + suffix).unlink(missing_ok=True)


def cache_dir(config_file: Path | None) -> Path:
    """Where the extensions of this build are cached: named by a hash of what the build reads."""
    key = hashlib.sha256()
    try:
        mypy = importlib.metadata.version("mypy")
    except importlib.metadata.PackageNotFoundError:
        mypy = "none"  # the build itself then fails, saying so
    for part in (sys.version, mypy, _SETUP, GROUP, *MODULES):
        key.update(part.encode() + b"\0")
    for path in [*(source(m) for m in MODULES), *([config_file] if config_file is not None else [])]:
        key.update(path.read_bytes() + b"\0")
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return home / "interreg-backend" / "mypyc" / key.hexdigest()[:32]


def built_files(root: Path = ROOT) -> list[Path]:
    """The extensions a build leaves in `root`: one per module, and their group's."""
    group = root.joinpath(*f"{GROUP}__mypyc".split("."))
    found = [e for m in MODULES for e in _extensions(m, root)]
    return found + [
        p for s in importlib.machinery.EXTENSION_SUFFIXES if (p := group.with_name(group.name + s)).exists()
    ]


def from_cache(cached: Path) -> bool:
    """Copy the extensions of an earlier identical build into place (new files, so newer than the sources)."""
    files = [p for p in cached.rglob("*") if p.is_file()] if cached.is_dir() else []
    if len(files) != len(MODULES) + 1:
        return False
    for path in files:
        shutil.copyfile(path, ROOT / path.relative_to(cached))
    return True


def to_cache(cached: Path) -> None:
    partial = cached.with_name(cached.name + f".{os.getpid()}")
    for path in built_files():
        target = partial / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    try:
        partial.rename(cached)  # whole or not at all, even with two builds at once
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)


def build(config_file: Path | None = None, *, cache: bool = True) -> bool:
    """Compile `MODULES` in place with mypyc (its C sources and objects in `build/`, removed after), or copy
    the extensions of an identical earlier build from the cache. What was compiled before is removed first,
    so that a failed build leaves the sources to run, not old extensions. True if they came from the cache."""
    clean()
    cached = cache_dir(config_file)
    if cache and from_cache(cached):
        return True
    paths = [str(source(m).relative_to(ROOT)) for m in MODULES]
    options = ["--config-file", str(config_file)] if config_file is not None else []
    try:
        subprocess.run(
            [sys.executable, "-c", _SETUP, "\n".join([*options, *paths]), GROUP, "build_ext", "--inplace"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    except (OSError, subprocess.CalledProcessError):
        clean()  # no half of a build: a module's extension without its group's would not import
        raise
    finally:
        shutil.rmtree(ROOT / "build", ignore_errors=True)
    if cache:
        with contextlib.suppress(OSError):  # no cache (a read-only home): the build stands all the same
            to_cache(cached)
    return False


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m shared.compiled", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config-file", type=Path, help="mypy's configuration (default: pyproject.toml beside)")
    parser.add_argument("--no-cache", action="store_true", help="compile even if an identical build is cached")
    options = parser.parse_args()
    config = options.config_file or (ROOT / "pyproject.toml" if (ROOT / "pyproject.toml").exists() else None)
    try:
        how = f"copied from the cache {cache_dir(config)}" if build(config, cache=not options.no_cache) else "compiled"
    except subprocess.CalledProcessError as exc:
        sys.exit(f"mypyc failed (exit status {exc.returncode}, its messages above): the rule engine runs as Python")
    except OSError as exc:
        sys.exit(f"mypyc could not run ({exc}): the rule engine runs as Python")
    print(f"{len(MODULES)} modules built with mypyc in {ROOT}: {how}")


if __name__ == "__main__":
    main()
