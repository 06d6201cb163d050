"""Command line: `python -m listening COMMAND`. The same services the app uses, without the UI.

Each command imports what it uses when it runs: `match` needs neither the settings nor the database, and
importing the models, the database layer and the services would take most of its time.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys


def cmd_migrate(_args: argparse.Namespace) -> int:
    from listening.core.db import migrate

    migrate()
    print("database is at the newest schema")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from listening.core.config import get_settings
    from listening.core.db import migrate, session_scope
    from listening.demo import is_seeded, seed_demo

    if get_settings().environment == "production":
        print("seed-demo refused: demo accounts share one published password and never go into production",
              file=sys.stderr)
        return 2
    migrate()
    with session_scope() as session:
        if is_seeded(session):
            if args.if_empty:
                print("database already has data; demo not seeded")
                return 0
            print("the database already has accounts; demo data goes only into an empty database", file=sys.stderr)
            return 1
        counts = seed_demo(session, seed=args.seed)
    print("demo data seeded: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


def cmd_create_coordinator(args: argparse.Namespace) -> int:
    from listening.core.db import migrate, session_scope
    from listening.core.errors import ServiceError
    from listening.core.phones import normalise
    from listening.models import Role
    from listening.staff.auth import create_account

    migrate()
    password = args.password or getpass.getpass("Password (10+ characters): ")
    try:
        with session_scope() as session:
            phone = normalise(args.phone) if args.phone else None
            account = create_account(session, username=args.username, password=password,
                                     display_name=args.name or args.username, role=Role.coordinator, phone=phone)
            print(f"coordinator account created: {account.username}")
    except ServiceError as error:
        print(error.translated(), file=sys.stderr)
        return 1
    return 0


def cmd_match(args: argparse.Namespace) -> int:
    # The matcher does no linear algebra: OpenBLAS's thread pool, started when numpy is imported, is only cost
    # (about 40 ms of a run on a busy two-core machine). A caller's own setting wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from listening.matching.solver import run_file

    try:
        result = run_file(args.instance, args.output, time_limit_seconds=args.time_limit)
    except (OSError, ValueError) as error:  # a missing file or a malformed instance: say where, no traceback
        print(f"error: {error}", file=sys.stderr)
        return 2
    served = len(result.assignments)
    print(f"served {served} of {served + len(result.unmatched)} requests, weight {result.objective.weight}"
          f"{'' if result.proven_optimal else ' (not proven optimal)'}, {result.seconds:.2f} s", file=sys.stderr)
    return 0


def cmd_purge(_args: argparse.Namespace) -> int:
    from listening.core.db import migrate, session_scope
    from listening.privacy import retention

    migrate()
    with session_scope() as session:
        counts = retention.purge(session)
    print("purged: " + ", ".join(f"{k}={v}" for k, v in counts.as_dict().items()))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from listening.sms.worker import main as run_worker

    return run_worker(once=args.once)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m listening", description="Listening Hour (倾听一小时)")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("migrate", help="bring the database to the newest schema").set_defaults(func=cmd_migrate)

    seed = commands.add_parser("seed-demo", help="fill an empty database with the demo community centre")
    seed.add_argument("--if-empty", action="store_true", help="do nothing (and succeed) if there is data already")
    seed.add_argument("--seed", type=int, default=2026)
    seed.set_defaults(func=cmd_seed_demo)

    create = commands.add_parser("create-coordinator", help="make a coordinator account (the first one, say)")
    create.add_argument("username")
    create.add_argument("--name", help="display name")
    create.add_argument("--phone", help="mobile for safeguarding alerts")
    create.add_argument("--password", help="omit to be asked without echo")
    create.set_defaults(func=cmd_create_coordinator)

    match = commands.add_parser("match", help="run the matcher on an instance file (docs/matching-instance.md)")
    match.add_argument("instance")
    match.add_argument("-o", "--output", required=True)
    match.add_argument("--time-limit", type=float, default=30.0, help="seconds for the solver (default 30)")
    match.set_defaults(func=cmd_match, pure=True)  # a file in, a file out: no settings, no database

    commands.add_parser("purge", help="empty notes, topics, reasons and SMS bodies past their retention period"
                        ).set_defaults(func=cmd_purge)

    worker = commands.add_parser("worker", help="send due SMS from the outbox until SIGTERM/SIGINT")
    worker.add_argument("--once", action="store_true", help="one pass over the due messages, then exit")
    worker.set_defaults(func=cmd_worker)
    return parser


def main(argv: list[str] | None = None, *, exit_at_once: bool = False) -> int:
    """Run one command. With `exit_at_once` (the command line, not tests), a pure command ends the process as
    soon as it is done: tearing down the interpreter would free a 10,000-request week object by object, tens of
    milliseconds of a run that holds nothing else to close (no database, no settings, no handlers at exit)."""
    args = build_parser().parse_args(argv)
    if getattr(args, "pure", False):
        code = args.func(args)
        if exit_at_once:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        return code
    from listening.core.config import settings_problem
    from listening.core.db import SchemaMismatch

    problem = settings_problem()  # refuse to start on bad settings before doing anything: one line, no traceback
    if problem:
        print(f"Listening Hour will not start: {problem}", file=sys.stderr)
        return 2

    try:
        return args.func(args)
    except SchemaMismatch as error:  # every command that migrates: one line for the operator, no traceback
        print(error.translated(), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(exit_at_once=True))
