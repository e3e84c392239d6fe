"""YAML, read one way: PyYAML's safe loader on libyaml's C parser where PyYAML was built with it (about
ten times faster on the data and rule-set files), else the pure-Python one. Both build the same objects."""

from __future__ import annotations

from typing import Any

import yaml

SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
YAMLError = yaml.YAMLError


def load(text: str) -> Any:
    """`text` parsed as `yaml.safe_load` does; `yaml.YAMLError` when it is not YAML."""
    return yaml.load(text, Loader=SafeLoader)
