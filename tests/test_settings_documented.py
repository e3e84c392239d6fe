"""The README's "Configuration" table names every setting there is, and only those.

The table's first column lists environment variables, in backticks, several to a cell when they share a
row: `<SERVICE>_X` stands for `CATALOGUE_X`, `APPLICATIONS_X`, `ELIGIBILITY_X` and `BUDGET_X`, and `…_X`
for the env prefix of the name before it in the cell followed by `X` (after `APPLICATIONS_OUTBOX_RELAY`,
`…_OUTBOX_POLL_SECONDS` is `APPLICATIONS_OUTBOX_POLL_SECONDS`). The settings are every pydantic-settings
class defined in `shared/` and `services/` (found by reading the files, then imported): each field is its
env prefix plus its name, upper-cased, or its alias. A field whose type is itself a settings class
(`ServiceSettings.auth`) is that class's own variables (`AUTH_SECRET`, …), which its default reads.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from pydantic import AliasChoices, AliasPath
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SERVICES = ("CATALOGUE", "APPLICATIONS", "ELIGIBILITY", "BUDGET")
SERVICE = "<SERVICE>_"
PREFIXES = (SERVICE, *(f"{s}_" for s in SERVICES), "AUTH_")
ELLIPSIS = ("…_", "..._")
SETTINGS_CLASS = re.compile(r"^class\s+\w+\([^)]*\b(?:BaseSettings|\w+Settings)\b[^)]*\)\s*:", re.M)


def configuration_rows(readme: str) -> list[str]:
    """The first cell of each row of the table under `## Configuration`."""
    section = readme.split("\n## Configuration\n", 1)
    assert len(section) == 2, "README.md has no '## Configuration' section"
    body = section[1].split("\n## ", 1)[0]
    rows = [line for line in body.splitlines() if line.startswith("|")]
    assert len(rows) > 2, "the Configuration section has no table"
    assert rows[0].split("|")[1].strip() == "variable", f"unexpected table header: {rows[0]}"
    return [row.split("|")[1] for row in rows[2:]]  # after the header and the |---| line


def prefix_of(name: str) -> str:
    for prefix in PREFIXES:
        if name.startswith(prefix):
            return prefix
    raise AssertionError(f"README.md: `{name}` starts with none of {', '.join(PREFIXES)}")


def documented_names(readme: str) -> dict[str, str]:
    """Every variable the table names, expanded, with the cell it came from."""
    found: dict[str, str] = {}
    for cell in configuration_rows(readme):
        previous: str | None = None
        names = re.findall(r"`([^`]+)`", cell)
        assert names, f"README.md: a Configuration row names no `VARIABLE`: {cell.strip()!r}"
        for raw in names:
            name = raw.strip()
            ellipsis = next((e for e in ELLIPSIS if name.startswith(e)), None)
            if ellipsis is not None:
                assert previous is not None, f"README.md: `{name}` abbreviates nothing before it: {cell.strip()!r}"
                name = prefix_of(previous) + name[len(ellipsis) :]
            prefix = prefix_of(name)
            previous = name
            services = SERVICES if prefix == SERVICE else (None,)
            for service in services:
                full = name if service is None else f"{service}_{name[len(SERVICE) :]}"
                assert re.fullmatch(r"[A-Z][A-Z0-9_]*", full), f"README.md: `{raw}` is not a variable name"
                found[full] = cell.strip()
    return found


def settings_modules() -> list[str]:
    """Modules of shared/ and services/ (not tests) that define a settings class."""
    modules = []
    for path in sorted([*(ROOT / "shared").rglob("*.py"), *(ROOT / "services").rglob("*.py")]):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "tests" in parts or "migrations" in parts:
            continue
        if SETTINGS_CLASS.search(path.read_text(encoding="utf-8")):
            modules.append(".".join(parts))
    return modules


def settings_classes() -> list[type[BaseSettings]]:
    """The settings classes that are used as such: each one defined here that no other one extends
    (`ServiceSettings` is only the base of the four services' `Settings`)."""
    modules = settings_modules()
    assert "shared.settings" in modules
    for module in modules:
        importlib.import_module(module)

    def subclasses(cls: type[BaseSettings]) -> list[type[BaseSettings]]:
        return [s for sub in cls.__subclasses__() for s in (sub, *subclasses(sub))]

    ours = {c for c in subclasses(BaseSettings) if c.__module__ in modules}
    return sorted((c for c in ours if not any(issubclass(o, c) and o is not c for o in ours)), key=repr)


def field_names(prefix: str, name: str, field: FieldInfo) -> list[str]:
    """The environment variables one field is read from (pydantic-settings: an alias replaces prefix + name)."""
    alias = field.validation_alias or field.alias
    if alias is None:
        return [prefix + name]
    choices = alias.choices if isinstance(alias, AliasChoices) else [alias]
    names = []
    for choice in choices:
        first = choice.path[0] if isinstance(choice, AliasPath) else choice
        names.append(str(first))
    return names


def env_names(cls: type[BaseSettings]) -> dict[str, str]:
    """Every variable `cls` reads, with the `Class.field` it sets."""
    config = cls.model_config
    assert not config.get("env_nested_delimiter"), f"{cls.__name__}: nested delimiters are new: teach this test"
    prefix = config.get("env_prefix") or ""
    found: dict[str, str] = {}
    for name, field in cls.model_fields.items():
        nested = field.annotation
        if isinstance(nested, type) and issubclass(nested, BaseSettings):
            found.update(env_names(nested))  # its default (`default_factory=AuthSettings`) reads its own prefix
            continue
        for variable in field_names(prefix, name, field):
            found[variable.upper()] = f"{cls.__module__}.{cls.__name__}.{name}"
    return found


def all_env_names() -> dict[str, str]:
    found: dict[str, str] = {}
    for cls in settings_classes():
        found.update(env_names(cls))
    return found


def test_the_readme_table_is_parsed_as_documented() -> None:
    readme = """
## Configuration

| variable | default | meaning |
|---|---|---|
| `<SERVICE>_HOST`, `<SERVICE>_PORT` | x | y |
| `APPLICATIONS_OUTBOX_BACKOFF_SECONDS`, `…_OUTBOX_POLL_SECONDS` | x | y |
| `AUTH_JWKS_URL`, `…_ISSUER`, `..._LEEWAY_SECONDS` | x | y (`…_NOT_THIS` in a meaning) |

## Next
| `NOT_THIS` | x | y |
"""
    names = set(documented_names(readme))
    assert names == {
        *(f"{s}_{v}" for s in SERVICES for v in ("HOST", "PORT")),
        "APPLICATIONS_OUTBOX_BACKOFF_SECONDS",
        "APPLICATIONS_OUTBOX_POLL_SECONDS",
        "AUTH_JWKS_URL",
        "AUTH_ISSUER",
        "AUTH_LEEWAY_SECONDS",
    }
    with pytest.raises(AssertionError, match="starts with none"):
        documented_names("\n## Configuration\n\n| variable | d | m |\n|---|---|---|\n| `HOST` | x | y |\n")


def test_the_settings_are_found() -> None:
    names = all_env_names()
    # one of each kind: a shared field per service, a service's own, the nested auth settings
    assert {"BUDGET_DATABASE_URL", "CATALOGUE_HOST", "APPLICATIONS_OUTBOX_RELAY", "AUTH_SECRET"} <= set(names)
    assert "HOST" not in names and "CATALOGUE_AUTH" not in names


def test_every_setting_is_in_the_readme_and_every_readme_name_is_a_setting() -> None:
    documented = documented_names(README.read_text(encoding="utf-8"))
    settings = all_env_names()
    undocumented = sorted(f"{name} ({settings[name]})" for name in settings.keys() - documented.keys())
    unknown = sorted(f"{name} (row {documented[name]!r})" for name in documented.keys() - settings.keys())
    problems = []
    if undocumented:
        problems.append("settings missing from README.md's Configuration table:\n  " + "\n  ".join(undocumented))
    if unknown:
        problems.append("README.md names variables that no settings class reads:\n  " + "\n  ".join(unknown))
    assert not problems, "\n".join(problems)
