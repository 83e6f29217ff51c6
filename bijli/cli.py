"""``bijli``: operator commands (installed into .venv by ``pip install -e .``)."""
import argparse
import sys
from pathlib import Path
from typing import Callable, List, Optional

from bijli.settings import Settings


def _db(settings: Settings):
    from bijli.db import Database

    return Database(settings.database_url)


def cmd_migrate(args, settings: Settings) -> int:
    from bijli.migrate import upgrade

    upgrade(settings.database_url)
    print("database is at the latest schema")
    return 0


def cmd_seed(args, settings: Settings) -> int:
    from bijli.seed import seed_if_empty

    db = _db(settings)
    try:
        result = seed_if_empty(db)
    finally:
        db.dispose()
    if result is None:
        print("database already has consumers; demo data not loaded")
    else:
        print(f"demo data loaded: {result.consumers} consumers, {result.bills} bills")
    return 0


def cmd_import_bills(args, settings: Settings) -> int:
    from bijli.importer import BillImportError, import_text

    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        print(f"cannot read {path}: {e}", file=sys.stderr)
        return 2
    db = _db(settings)
    try:
        result = import_text(db, text)
    except BillImportError as e:
        for line in e.errors:
            print(line, file=sys.stderr)
        print(f"{len(e.errors)} bad row(s); nothing was imported", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(f"imported {result.consumers} consumers and {result.bills} bills "
          f"({result.bills_created} new, {result.bills_updated} updated)")
    return 0


def _add_billing(sub) -> None:
    p = sub.add_parser("migrate", help="create or upgrade the database schema")
    p.set_defaults(func=cmd_migrate)
    p = sub.add_parser("seed", help="load demo data into an empty database")
    p.set_defaults(func=cmd_seed)
    p = sub.add_parser("import-bills", help="load a billing extract (CSV), all or nothing")
    p.add_argument("file")
    p.set_defaults(func=cmd_import_bills)


def _registrars() -> List[Callable]:
    """Each feature adds its subcommands here."""
    return [_add_billing]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="bijli", description="Bijli Sahayak operator commands")
    sub = parser.add_subparsers(dest="command", required=True)
    for register in _registrars():
        register(sub)
    args = parser.parse_args(argv)
    return args.func(args, Settings.from_env())


if __name__ == "__main__":
    sys.exit(main())
