"""The layout rules of docs/service-pattern.md, checked by reading the files (no imports, no database).

Code is scanned with its comments and string literals blanked out (Python's tokenizer), so a docstring
that names `select(` or `datetime.now()` is not a violation; a call is.
"""

from __future__ import annotations

import io
import re
import tokenize
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICES_DIR = ROOT / "services"
SHARED_DIR = ROOT / "shared"
SERVICES = ("catalogue", "applications", "eligibility", "budget")

MAX_LINES = 400
LONG_MODULES_ALLOWED: set[str] = set()

COMMON_FILES = (
    "__init__.py",
    "__main__.py",
    "config.py",
    "main.py",
    "models.py",
    "schemas.py",
    "errors.py",
    "repository.py",
    "routes/__init__.py",
    "alembic.ini",
    "migrations/env.py",
)

# `select(`, `insert(`, `update(`, `delete(`, `text(` called as SQLAlchemy functions (bare or through
# `sa.`/`sqlalchemy.`), not methods (`d.update(`) and not definitions (`def update(`).
SQL_CALL = re.compile(r"(?<![\w.])(?<!def )(?:sa\.|sqlalchemy\.)?(?:select|insert|update|delete|text)\(")
# A transaction commit takes no arguments (`session.commit()`); `budget.commit(...)` books a commitment.
COMMIT_CALL = re.compile(r"\.commit\(\s*\)")
WALL_CLOCK = re.compile(r"(?<![\w])(?:datetime\.now|date\.today|utcnow)\(")
SYSTEM_TIME = re.compile(r"(?<![\w.])time\.(?:time|monotonic)\(")
SLEEP = re.compile(r"(?<![\w.])(?:time|asyncio)\.sleep\(")
CATALOGUE_CLIENT = re.compile(r"^\s*class\s+CatalogueClient\b", re.M)
MIGRATION_NAME = re.compile(r"^\d{8}_[a-z0-9_]+$")


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def python_files(*roots: Path) -> list[Path]:
    return sorted(p for root in roots for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def in_part(path: Path, *parts: str) -> bool:
    return any(part in path.relative_to(ROOT).parts for part in parts)


@cache
def code_of(path: Path) -> str:
    """The file's source with comments and string literals replaced by blanks (line numbers kept)."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    blank = {tokenize.COMMENT, tokenize.STRING}
    fstring_middle = getattr(tokenize, "FSTRING_MIDDLE", None)
    if fstring_middle is not None:
        blank.add(fstring_middle)
    out = [list(line) for line in lines]
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return source
    for tok in tokens:
        if tok.type not in blank:
            continue
        (srow, scol), (erow, ecol) = tok.start, tok.end
        for row in range(srow, erow + 1):
            chars = out[row - 1]
            start = scol if row == srow else 0
            end = ecol if row == erow else len(chars)
            for i in range(start, end):
                if chars[i] != "\n":
                    chars[i] = " "
    return "".join("".join(chars) for chars in out)


def matches(pattern: re.Pattern[str], files: list[Path]) -> list[str]:
    """`path:line: text` for every line of `files` whose code matches `pattern`."""
    found = []
    for path in files:
        original = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(code_of(path).splitlines(), start=1):
            if pattern.search(line):
                found.append(f"{rel(path)}:{number}: {original[number - 1].strip()}")
    return found


def report(violations: list[str]) -> str:
    return "\n" + "\n".join(violations)


def test_the_four_services_are_there() -> None:
    found = {p.name for p in SERVICES_DIR.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}
    assert found == set(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_service_has_the_common_files(service: str) -> None:
    folder = SERVICES_DIR / service
    missing = [
        name
        for name in COMMON_FILES
        if not (folder / name).is_file() and not (folder / name.removesuffix(".py") / "__init__.py").is_file()
    ]
    assert missing == [], f"services/{service} lacks {missing}"


def test_no_service_has_its_own_clients_module() -> None:
    found = sorted(rel(p) for p in SERVICES_DIR.glob("*/clients.py")) + sorted(
        rel(p) for p in SERVICES_DIR.glob("*/clients/__init__.py")
    )
    assert found == [], "the typed clients live in shared/clients/, once: " + ", ".join(found)


def test_one_catalogue_client() -> None:
    roots = [p for p in ROOT.iterdir() if p.is_dir() and p.name in {"services", "shared", "tests", "deploy"}]
    files = python_files(*roots) + sorted(ROOT.glob("*.py"))
    found = matches(CATALOGUE_CLIENT, files)
    assert [line.split(":", 1)[0] for line in found] == ["shared/clients/catalogue.py"], report(found)


def test_modules_are_short() -> None:
    too_long = []
    for path in python_files(SERVICES_DIR, SHARED_DIR):
        if in_part(path, "tests", "migrations") or rel(path) in LONG_MODULES_ALLOWED:
            continue
        count = len(path.read_text(encoding="utf-8").splitlines())
        if count > MAX_LINES:
            too_long.append(f"{rel(path)}: {count} lines")
    assert too_long == [], f"modules over {MAX_LINES} lines:" + report(too_long)


def test_sql_only_in_repositories_and_migrations() -> None:
    files = [
        p for p in python_files(SERVICES_DIR) if p.name != "repository.py" and not in_part(p, "tests", "migrations")
    ]
    found = matches(SQL_CALL, files)
    assert found == [], "SQL outside repository.py:" + report(found)


def test_commit_only_in_commands_and_shared_db() -> None:
    allowed = {"shared/db.py", *(f"services/{s}/__main__.py" for s in SERVICES)}
    files = [p for p in python_files(SERVICES_DIR, SHARED_DIR) if rel(p) not in allowed]
    found = matches(COMMIT_CALL, files)
    assert found == [], "commit outside __main__.py and shared/db.py:" + report(found)


def test_time_only_from_the_clock() -> None:
    files = [p for p in python_files(SERVICES_DIR, SHARED_DIR) if rel(p) != "shared/clock.py"]
    found = matches(WALL_CLOCK, files)
    assert found == [], "wall-clock reads outside shared/clock.py (take `now`/a FixedClock instead):" + report(found)


# Reads of the system time that decide nothing a test needs to move: a pooled connection's idle time before
# a ping (shared/db.py), Retry-After from the rate limiter's window, which runs on `time.time` itself
# (shared/guards.py), and a log record's creation time, as `logging` stamps its own (shared/logs.py).
SYSTEM_TIME_ALLOWED = {"shared/clock.py", "shared/db.py", "shared/guards.py", "shared/logs.py"}


def test_durations_only_from_an_injectable_clock() -> None:
    files = [
        p
        for p in python_files(SERVICES_DIR, SHARED_DIR)
        if rel(p) not in SYSTEM_TIME_ALLOWED and not in_part(p, "tests", "migrations")
    ]
    found = matches(SYSTEM_TIME, files)
    assert found == [], "system time read outside shared/clock.py (take a `Monotonic`, e.g. `now=`):" + report(found)


def test_tests_do_not_sleep() -> None:
    """A test moves a FixedClock or FixedMonotonic, or awaits the very thing it waits for; what another
    process does on its own is polled with `tests.harness.wait_until`/`eventually`, the only sleeps."""
    files = [p for p in python_files(SERVICES_DIR, ROOT / "tests") if p.name.startswith(("test_", "conftest"))]
    found = matches(SLEEP, files)
    assert found == [], "tests that sleep:" + report(found)


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_are_named_by_their_revision(service: str) -> None:
    versions = sorted((SERVICES_DIR / service / "migrations" / "versions").glob("*.py"))
    assert versions, f"services/{service} has no migration"
    problems = []
    for path in versions:
        source = path.read_text(encoding="utf-8")
        revision = re.search(r"^revision\s*(?::\s*str\s*)?=\s*['\"]([^'\"]+)['\"]", source, re.M)
        if not MIGRATION_NAME.match(path.stem):
            problems.append(f"{rel(path)}: file name is not <yyyymmdd>_<slug>")
        if revision is None or revision.group(1) != path.stem:
            problems.append(f"{rel(path)}: revision {revision and revision.group(1)!r} is not the file name")
        if re.search(r"create_table\(\s*['\"]idempotency_keys['\"]", source):
            problems.append(f"{rel(path)}: idempotency_keys copied by hand (use create_idempotency_table(op))")
    assert problems == [], report(problems)


def test_make_help_lists_every_target() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.M)
    assert phony is not None
    targets = set(phony.group(1).split()) - {"help"}
    help_body = re.search(r"^help:\n((?:\t.*\n)+)", makefile, re.M)
    assert help_body is not None
    listed = set(re.findall(r"make ([\w-]+)", help_body.group(1)))
    assert targets - listed == set(), f"`make help` does not list {sorted(targets - listed)}"
    assert "pkill" not in makefile and "killall" not in makefile, "`make stop` stops recorded pids, not names"


MAX_MODULES_AT_ONE_LEVEL = 15


def test_no_service_folder_holds_more_than_fifteen_modules_at_one_level() -> None:
    """Past ~15 modules a folder is grouped by stage or idea into packages (docs/service-pattern.md)."""
    crowded = {}
    for folder in [SERVICES_DIR / s for s in ("catalogue", "applications", "eligibility", "budget")]:
        for level in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
            if any(part in ("tests", "migrations", "__pycache__", "data") for part in level.relative_to(folder).parts):
                continue
            modules = [p.name for p in level.glob("*.py")]
            if len(modules) > MAX_MODULES_AT_ONE_LEVEL:
                crowded[rel(level)] = len(modules)
    assert crowded == {}, f"folders with more than {MAX_MODULES_AT_ONE_LEVEL} modules: {crowded}"
