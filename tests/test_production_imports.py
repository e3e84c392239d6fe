"""The code that ships (shared/ and services/, their tests left out) imports no test tooling: the image
installs only the project's dependencies, not the dev extra, and leaves tests/ out (.dockerignore), so
such an import would fail in production. The pytest harness is tests/harness.py for that reason."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# top-level modules of the dev extra's test tools, and this folder
TEST_ONLY = {"pytest", "_pytest", "pytest_asyncio", "hypothesis", "asgi_lifespan", "schemathesis", "tests"}


def shipped_files() -> list[Path]:
    files = [*(ROOT / "shared").rglob("*.py"), *(ROOT / "services").rglob("*.py")]
    return sorted(p for p in files if "tests" not in p.relative_to(ROOT).parts and p.name != "conftest.py")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_shipped_code_imports_no_test_tooling() -> None:
    files = shipped_files()
    assert len(files) > 50
    found = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in files
        for line, module in imported_modules(path)
        if module.split(".")[0] in TEST_ONLY
    ]
    assert found == [], "test tooling imported by code that ships:\n" + "\n".join(found)
