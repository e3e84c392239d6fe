"""`python -m services.catalogue migrate | serve [--host H] [--port P] | load-data [--dir PATH]`.

`load-data` validates every `*.yaml` in the data folder (default: services/catalogue/data, or
`CATALOGUE_DATA_DIR`) and loads them into `CATALOGUE_DATABASE_URL` in one transaction. It is
idempotent (run it after every change of a data file) and leaves calls made through the API alone.
A file that fails validation loads nothing, and the message names the file and the field.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from services.catalogue.config import Settings
from services.catalogue.datafile import DataFileError, DataFilesError
from services.catalogue.loader import load_dir
from shared.cli import service_cli

ALEMBIC_INI = Path(__file__).resolve().parent / "alembic.ini"


def load_data(settings: Any, args: argparse.Namespace) -> None:
    folder = Path(getattr(args, "dir", None) or settings.data_dir)
    try:
        report = asyncio.run(load_dir(settings.database_url, folder))
    except (DataFileError, DataFilesError) as exc:
        print(f"load-data: refused, nothing loaded:\n{exc}", file=sys.stderr)
        raise SystemExit(1) from None
    print(report)


def main() -> None:
    argv = sys.argv[1:]
    if argv and argv[0] == "load-data":
        # shared.cli gives extra commands no options of their own, so load-data parses its own.
        parser = argparse.ArgumentParser(
            prog="python -m services.catalogue load-data",
            description="Validate and load the programme data files (idempotent).",
        )
        parser.add_argument(
            "--dir",
            default=None,
            help="folder of <programme>.yaml files (default: CATALOGUE_DATA_DIR or services/catalogue/data)",
        )
        load_data(Settings(), parser.parse_args(argv[1:]))
        return
    service_cli(
        service="catalogue",
        settings_factory=Settings,
        alembic_ini=ALEMBIC_INI,
        app_factory="services.catalogue.main:create_app",
        default_port=8001,
        commands={"load-data": ("validate and load the programme data files (idempotent); --dir PATH", load_data)},
    )


if __name__ == "__main__":
    main()
