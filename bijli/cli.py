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
    """`bijli migrate`: bring the database to the latest schema."""
    from bijli.migrate import upgrade

    upgrade(settings.database_url)
    print("database is at the latest schema")
    return 0


def cmd_seed(args, settings: Settings) -> int:
    """`bijli seed`: load the demo consumers into an empty development database."""
    from bijli.seed import seed_if_empty

    if settings.is_production:
        # Demo consumers must never appear in a real database.
        print("production mode: demo data not loaded")
        return 0
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
    """`bijli import-bills FILE`: load a billing extract, all or nothing; bad rows are named."""
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


def cmd_complaints_list(args, settings: Settings) -> int:
    """`bijli complaints list`: complaints for the operator, highest priority and oldest first."""
    from bijli import complaints as cx
    from bijli.timefmt import format_ist

    db = _db(settings)
    try:
        with db.session() as s:
            rows = cx.list_complaints(s, open_only=args.open)
    finally:
        db.dispose()
    now = cx.utcnow()
    print(f"{'number':<10}  {'status':<10}  {'category':<11}  {'ivrs':<11}  p  "
          f"{'filed (IST)':<20}  {'due (IST)':<20}  note")
    for c in rows:
        note = "OVERDUE" if c.overdue(now) else (c.assigned_to or "" if c.is_open else "")
        print(f"{c.number:<10}  {c.status:<10}  {c.category:<11}  {c.ivrs:<11}  {c.priority}  "
              f"{format_ist(c.created_at, zone=False):<20}  {format_ist(c.due_at, zone=False):<20}  {note}".rstrip())
    print(f"{len(rows)} complaint(s)" + (" open" if args.open else ""))
    return 0


def _complaint_move(args, settings: Settings, move) -> int:
    from bijli import complaints as cx

    db = _db(settings)
    try:
        with db.session() as s:
            c = move(cx, s)
    except cx.ComplaintError as e:
        reasons = {
            "not_found": f"no complaint with number {args.number}",
            "already_resolved": f"complaint {args.number} is already resolved",
            "no_assignee": "say whom to assign it to (--to NAME)",
        }
        print(reasons.get(e.code, f"complaint {args.number}: {e.code}"), file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(f"complaint {c.number} is now {c.status}")
    return 0


def cmd_complaints_resolve(args, settings: Settings) -> int:
    """`bijli complaints resolve NUMBER`: mark a complaint resolved, with what was done."""
    return _complaint_move(args, settings, lambda cx, s: cx.resolve(s, args.number, args.note))


def cmd_complaints_assign(args, settings: Settings) -> int:
    """`bijli complaints assign NUMBER --to NAME`: assign a complaint to a lineman or team."""
    return _complaint_move(args, settings, lambda cx, s: cx.assign(s, args.number, args.to))


def _add_complaints(sub) -> None:
    p = sub.add_parser("complaints", help="list complaints and move their status")
    csub = p.add_subparsers(dest="complaints_command", required=True)
    q = csub.add_parser("list", help="all complaints, highest priority and oldest first")
    q.add_argument("--open", action="store_true", help="only registered or assigned ones")
    q.set_defaults(func=cmd_complaints_list)
    q = csub.add_parser("assign", help="assign a complaint to a lineman or team")
    q.add_argument("number")
    q.add_argument("--to", required=True, help="who works on it")
    q.set_defaults(func=cmd_complaints_assign)
    q = csub.add_parser("resolve", help="mark a complaint resolved")
    q.add_argument("number")
    q.add_argument("--note", default="", help="what was done")
    q.set_defaults(func=cmd_complaints_resolve)


def _registrars() -> List[Callable]:
    """Each feature adds its subcommands here."""
    from bijli.payments.cli import add_commands as _add_payments  # simulate-payment
    from bijli.security import add_commands as _add_security  # check-config
    from bijli.whatsapp.reminders import add_commands as _add_reminders  # remind

    return [_add_billing, _add_complaints, _add_payments, _add_security, _add_reminders]


def main(argv: Optional[List[str]] = None) -> int:
    """The `bijli` operator command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="bijli", description="Bijli Sahayak operator commands")
    sub = parser.add_subparsers(dest="command", required=True)
    for register in _registrars():
        register(sub)
    args = parser.parse_args(argv)
    return args.func(args, Settings.from_env())


if __name__ == "__main__":
    sys.exit(main())
