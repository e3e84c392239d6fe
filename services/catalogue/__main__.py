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

from services.catalogue.config import Settings
from services.catalogue.datafiles.format import DataFileError, DataFilesError
from services.catalogue.datafiles.loader import load_dir
from shared.cli import Command, service_cli
from shared.clock import system_clock

ALEMBIC_INI = Path(__file__).resolve().parent / "alembic.ini"


def load_data(settings: Settings, args: argparse.Namespace) -> None:
    folder = Path(args.dir or settings.data_dir)
    try:
        report = asyncio.run(load_dir(settings.database_url, folder, now=system_clock()))
    except (DataFileError, DataFilesError) as exc:
        print(f"load-data: refused, nothing loaded:\n{exc}", file=sys.stderr)
        raise SystemExit(1) from None
    print(report)


def _load_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir",
        default=None,
        help="folder of <programme>.yaml files (default: CATALOGUE_DATA_DIR or services/catalogue/data)",
    )


def main() -> None:
    service_cli(
        service="catalogue",
        settings_factory=Settings,
        alembic_ini=ALEMBIC_INI,
        app_factory="services.catalogue.main:create_app",
        commands={
            "load-data": Command(
                "validate and load the programme data files (idempotent)", load_data, _load_data_arguments
            )
        },
    )


if __name__ == "__main__":
    main()
