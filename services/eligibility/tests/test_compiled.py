"""The rule engine compiled with mypyc (shared/compiled.py): it runs compiled where it could be built, it
answers exactly what its Python source answers, and an extension older than its source is refused."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from services.eligibility import engine
from services.eligibility.engine import rules
from services.eligibility.tests.helpers import context, gron, m, seeded_rule_set
from shared.compiled import MODULES, ROOT, check_fresh, compiled, declared, stale

# Applications whose reports cover passes and failures of every money rule, in each message language.
CASES: dict[str, dict[str, object]] = {
    "gron": gron(),
    "over-the-erdf-cap": gron(erdf="396000.00", own_se="204000.00"),
    "norwegian-own-financing-short": gron(no_state="160000.00", own_no="140000.00"),
    "no-norwegian-partner": {**gron(), "partners": gron()["partners"][:1]},
    "odd-cents": gron(erdf="390000.01", own_se="209999.99"),
    "nok": {
        **gron(),
        "partners": [
            gron()["partners"][0],
            {
                **gron()["partners"][1],
                "budget": [{"category": "staff", "amount": m("3000000.00", "NOK")}],
                "financing": [
                    {"source": "NO-STATE", "amount": m("1500000.00", "NOK")},
                    {"source": "own-public", "amount": m("1500000.00", "NOK")},
                ],
            },
        ],
    },
}
LANGUAGES = ("en", "sv", "nb")

REPORTS = """
import importlib.util, json, sys
from shared.compiled import MODULES, source
for name in MODULES:  # each module from its .py file, before anything imports it (in dependency order)
    spec = importlib.util.spec_from_file_location(name, source(name))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
from services.eligibility.tests.test_compiled import reports
json.dump({"from": [sys.modules[n].__file__ for n in MODULES], "reports": reports()}, sys.stdout)
"""


def reports() -> dict[str, str]:
    """Each case's report in each language, as the JSON the API answers."""
    rule_set = seeded_rule_set()
    return {
        f"{name}/{language}": rules.report_json(rules.report_of(rule_set, context(app), language)).decode()
        for name, app in CASES.items()
        for language in LANGUAGES
    }


def _c_compiler() -> bool:
    return shutil.which(str(sysconfig.get_config_var("CC") or "cc").split()[0]) is not None


def test_the_rule_engine_runs_compiled_where_it_can_be_built() -> None:
    if not _c_compiler():
        pytest.skip("no C compiler: the rule engine runs as Python (make venv says so)")
    assert compiled() == list(MODULES), "make venv compiles them (python -m shared.compiled)"


def test_compiled_and_source_answer_the_same_reports() -> None:
    """The reports of the modules as loaded here (compiled, when built) against those of their Python source
    in a process of its own: every byte the same."""
    here = reports()
    run = subprocess.run(
        [sys.executable, "-c", REPORTS], cwd=ROOT, capture_output=True, text=True, timeout=120, env=os.environ
    )
    assert run.returncode == 0, run.stderr[-3000:]
    there = json.loads(run.stdout)
    assert all(f.endswith(".py") for f in there["from"]), there["from"]
    assert there["reports"] == here
    failed = {k for k, v in here.items() if not json.loads(v)["eligible"]}
    assert {k.split("/")[0] for k in failed} >= {"over-the-erdf-cap", "no-norwegian-partner", "odd-cents"}


def test_the_engine_declares_what_is_compiled(tmp_path: Path) -> None:
    """`shared.compiled` reads the list from the engine's `__init__.py` without importing anything of the
    service (whose `__init__` refuses stale extensions: `python -m shared.compiled` must build over them)."""
    assert MODULES == engine.COMPILED
    probe = "import shared.compiled, sys; print(sorted(m for m in sys.modules if m.startswith('services')))"
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.strip() == "[]", run.stdout + run.stderr[-3000:]
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text('"""A package."""\n\nCOMPILED = ("pkg.a", "pkg.b")\n')
    assert declared("pkg", tmp_path) == ("pkg.a", "pkg.b")
    (tmp_path / "pkg" / "__init__.py").write_text("COMPILED = tuple(['pkg.a'])\n")
    with pytest.raises(ValueError):  # not a literal: refused, never evaluated
        declared("pkg", tmp_path)


def _module_files(root: Path, name: str, *, extension_age: float, source_age: float) -> None:
    py = root / "pkg" / f"{name}.py"
    py.parent.mkdir(exist_ok=True)
    py.write_text("")
    so = py.with_suffix(sysconfig.get_config_var("EXT_SUFFIX"))
    so.write_bytes(b"")
    now = py.stat().st_mtime
    os.utime(py, (now - source_age, now - source_age))
    os.utime(so, (now - extension_age, now - extension_age))


def test_an_extension_older_than_its_source_is_refused(tmp_path: Path) -> None:
    _module_files(tmp_path, "fresh", extension_age=10, source_age=20)
    _module_files(tmp_path, "edited", extension_age=20, source_age=10)
    (tmp_path / "pkg" / "pure.py").write_text("")  # not compiled: nothing to compare
    assert stale(tmp_path, ["pkg.edited"]) == [], "not a checkout: an installed package is not compared"
    (tmp_path / "pyproject.toml").write_text("")
    assert stale(tmp_path, ["pkg.fresh", "pkg.edited", "pkg.pure"]) == ["pkg.edited"]
    check_fresh(tmp_path, ["pkg.fresh", "pkg.pure"])
    with pytest.raises(ImportError, match=r"pkg\.edited older than the source: run `make venv`"):
        check_fresh(tmp_path, ["pkg.fresh", "pkg.edited"])
    assert stale() == [], "this checkout's extensions are older than their sources: make venv"
