"""The command line: python -m analytics ingest|batches|remove|rejections|insights|demo ..."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from . import response_cli
from .access import NotAllowed, User, command_scope, local_user, user_for
from .audit_trail import os_user, record
from .batches import (
    UnknownBatch,
    list_batches,
    masked_rejections,
    rejections,
    remove_batch,
    row_counts,
)
from .concerns import refresh_with_history
from .demo import prepare_demo
from .ingest import OutsideYourServices, ingest_path
from .mapping import MappingError, parse_overrides
from .readers import FileRefused
from .reading import Answers
from .scope import Scope
from .sources import SOURCE_NAMES
from .store import DB_ENV, StoreBusy, StoreUnreadable, connect, database_path
from .store_server import hand_over
from .stored_insights import insights_for
from .workbooks import rejections_workbook

# How long the command line waits for a store another program has open (a load running from another terminal).
WAIT_FOR_STORE_SECONDS = float(os.environ.get("LEADERSHIP_INSIGHT_WAIT_SECONDS", "60"))
# Arguments naming files, made absolute before a command is handed to the dashboard, which runs elsewhere.
_PATH_ARGUMENTS = ("paths", "out", "dir")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    parser = argparse.ArgumentParser(prog="python -m analytics",
                                     description="Leadership Insight: load care providers' spreadsheets and "
                                                 "find the patterns leaders miss.")
    parser.add_argument("--db", help=f"database file (default: ${DB_ENV} or data/leadership_insight.duckdb)")
    parser.add_argument("--user", metavar="EMAIL",
                        help="act as this person, as if signed in: only their services and what their roles allow "
                             "(default: you at this computer, with every role, as when the app runs without sign-in)")
    commands = parser.add_subparsers(dest="command", required=True)
    # --db and --user may also follow the command (`ingest FILE --db X`): each command's parser takes them too,
    # leaving them unset unless given there, so the value given before the command stands.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    common.add_argument("--user", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    ingest = commands.add_parser("ingest", parents=[common], help="load spreadsheets (.xlsx, .xlsm, .xls, .csv)")
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    ingest.add_argument("--source", choices=SOURCE_NAMES, help="which source the files hold (default: detect)")
    ingest.add_argument("--sheet", help="load only this sheet of a workbook")
    ingest.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                        help='use a column for a field, e.g. --map "Wing=team"; FIELD may be ignore or question_column')
    ingest.add_argument("--service", help="the service these files belong to, where they have no service column")
    ingest.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help='a value the file does not hold, for every row without one, e.g. '
                             '--set audit_type="Medication audit"')
    ingest.add_argument("--scale", action="append", default=[], metavar="COLUMN=SCALE[:DIRECTION]",
                        help="how a rating column or question is scored: fft_code, fft, fft_legacy, gp_survey, 1-5 or "
                             "0-10, optionally :higher_is_better or :lower_is_better, e.g. --scale \"Rating=fft_code\"")
    ingest.add_argument("--same", action="append", default=[], metavar="NAME=STORED",
                        help='a service or team name in the file that means one already stored, '
                             'e.g. --same "Oakwood Hse=Oakwood House"')
    ingest.add_argument("--dates", action="append", default=[], metavar="COLUMN=dmy|mdy",
                        help="for a date column written both ways, how to read the dates that could be either")
    ingest.add_argument("--new", action="append", default=[], metavar="NAME",
                        help="a service or team name that is new, though it looks like one already stored")
    ingest.add_argument("--by", help="who is loading (default: your user name)")
    ingest.add_argument("--json", action="store_true", help="print a machine-readable summary per batch")

    batches = commands.add_parser("batches", parents=[common], help="list loaded batches")
    batches.add_argument("--json", action="store_true")
    remove = commands.add_parser("remove", parents=[common], help="remove a batch and bring back what it replaced")
    remove.add_argument("batch", type=int, metavar="BATCH")
    export = commands.add_parser("rejections", parents=[common], help="export rejected rows to a spreadsheet to fix")
    export.add_argument("--batch", type=int, help="only this batch")
    export.add_argument("--out", default="rejected_rows.xlsx", help="where to write the .xlsx")
    export.add_argument("--original-text", action="store_true",
                        help="keep names, phone numbers and other personal data (default: masked; needs the Quality "
                             "lead or Registered manager role)")
    insights = commands.add_parser("insights", parents=[common], help="the balanced insight register and the findings")
    insights.add_argument("--as-of", type=date.fromisoformat, metavar="YYYY-MM-DD",
                          help="judge the data as it stood on this date (default: the latest data)")
    insights.add_argument("--service", action="append", metavar="NAME", help="only this service (repeatable)")
    insights.add_argument("--json", action="store_true", help="print the register and findings as JSON")
    commands.add_parser("refresh", parents=[common],
                        help="bring the stored findings and each concern's history up to date (after an upgrade or "
                             "a change made outside the dashboard), so the dashboard opens without working them out")
    demo = commands.add_parser("demo", parents=[common], help="write the demo spreadsheets to data/demo/ and load them")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--dir", default=str(Path(__file__).resolve().parent.parent / "data" / "demo"))
    response_cli.add_parsers(commands, common)  # concerns, recognise, actions add|update|link
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status.

    While the dashboard has the store open, the command runs there (see analytics.store_server); otherwise here,
    waiting a while for any other program that has the store open."""
    args = build_parser().parse_args(argv)
    # Resolve the store before connecting so --db and the environment variable behave the same way.
    database = database_path(args.db)
    if str(args.db) != ":memory:":
        handed = hand_over(database, portable_arguments(args))
        if handed is not None:
            code, out, err = handed
            sys.stdout.write(out)
            sys.stderr.write(err)
            return code
    try:
        con = connect(database, wait=WAIT_FOR_STORE_SECONDS)
    except (StoreBusy, StoreUnreadable) as error:
        print(f"error: {error}", file=sys.stderr)
        return 3
    try:
        return run(con, args, sys.stdout, sys.stderr)
    finally:
        con.close()


def portable_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """The parsed arguments as JSON-ready values, file paths made absolute, to run in another process."""
    found = dict(vars(args))
    for name in _PATH_ARGUMENTS:
        value = found.get(name)
        if isinstance(value, list):
            found[name] = [str(Path(v).resolve()) for v in value]
        elif isinstance(value, str):
            found[name] = str(Path(value).resolve())
    if found.get("as_of") is not None:
        found["as_of"] = found["as_of"].isoformat()
    return found


def run_handed_over(con, arguments: dict[str, Any], out, err) -> int:
    """Run a command the command line handed to this process (the dashboard) on its connection."""
    args = argparse.Namespace(**arguments)
    if getattr(args, "as_of", None):
        args.as_of = date.fromisoformat(args.as_of)
    return run(con, args, out, err)


def run(con, args: argparse.Namespace, out, err) -> int:
    """Run the parsed command on an open store, printing to `out` and `err`; returns the exit status."""
    args.out_stream, args.err_stream = out, err
    try:
        person = user_for(con, args.user) if args.user else local_user()
        if not person.roles:
            raise NotAllowed(f"{args.user} has no role; an administrator gives roles on Settings > People and roles")
        return COMMANDS[args.command](con, args, person)
    except (FileRefused, MappingError, UnknownBatch, NotAllowed) as error:
        print(f"error: {error}", file=err)
        return 2


def say(args: argparse.Namespace, *parts: object) -> None:
    """Print a command's output where it goes: this terminal, or back to the command line that handed it over."""
    print(*parts, file=args.out_stream)


def _who(args) -> str:
    """Who the audit trail names: the --user given, else the operating-system user."""
    return args.user or os_user()


def _ingest(con, args, person: User) -> int:
    person.require("upload")
    overrides = parse_overrides(args.map)
    answers = Answers.from_flags(args.set, args.scale, args.same, args.new, args.dates)
    results, failed = [], False
    for path in args.paths:
        try:
            results.extend(ingest_path(con, path, sheet=args.sheet, source=args.source, overrides=overrides or None,
                                       service=args.service, loaded_by=args.by or _who(args),
                                       services=person.services, answers=answers))
        except (FileRefused, MappingError, OutsideYourServices) as error:
            failed = True
            print(f"error: {error}", file=args.err_stream)
    if args.json:
        say(args, json.dumps([r.to_dict() for r in results], indent=2, default=str))
    else:
        for result in results:
            say(args, result.summary())
            for note in result.notes:
                say(args, f"  note: {note}")
            for row in result.rejections.head(20).itertuples():
                say(args, f"  rejected row {row.row_number}, column {row.column_name!r}: {row.reason}")
            if len(result.rejections) > 20:
                say(args, f"  ... and {len(result.rejections) - 20} more: "
                      f"python -m analytics rejections --batch {result.batch_id}")
    return 1 if failed else 0


def _batches(con, args, person: User) -> int:
    frame = list_batches(con, person.services)
    if args.json:
        say(args, frame.to_json(orient="records", date_format="iso", indent=2))
    elif frame.empty:
        say(args, "No batches loaded yet: python -m analytics demo, or python -m analytics ingest FILE")
    else:
        shown = frame[["batch_id", "source", "file_name", "sheet", "loaded_at", "loaded_by", "rows_new",
                       "rows_updated", "rows_unchanged", "rows_rejected"]]
        say(args, shown.to_string(index=False))
    return 0


def _remove(con, args, person: User) -> int:
    person.require("remove_batch")
    removed = remove_batch(con, args.batch, _who(args), person.services)
    for table, count in removed.items():
        say(args, f"removed batch {args.batch}: {count} {table} rows")
    return 0


def _rejections(con, args, person: User) -> int:
    person.require("upload")
    if args.original_text:
        person.require("see_original_text")
    frame = rejections(con, args.batch, person.services)
    Path(args.out).write_bytes(rejections_workbook(frame if args.original_text else masked_rejections(frame)))
    record(con.cursor(), _who(args), "export", {"what": "rejected rows", "batch": args.batch, "file": args.out,
                                                "original_text": args.original_text})
    say(args, f"wrote {frame['row_number'].nunique() if len(frame) else 0} rejected rows to {args.out}"
          + ("" if args.original_text else " (personal data masked; --original-text to keep it)"))
    return 0


def _demo(con, args, person: User) -> int:
    person.require("upload")
    for result in prepare_demo(con, Path(args.dir), seed=args.seed):
        say(args, result.summary())
    say(args, ", ".join(f"{n} {t}" for t, n in row_counts(con).items()))
    say(args, "worked out the findings and each concern's history, so the dashboard opens at once")
    return 0


def _refresh(con, args, person: User) -> int:
    scope = command_scope(person, Scope())

    def progress(done: int, of: int, last: str) -> None:
        say(args, f"  {done} of {of} done ({last})")

    computed = refresh_with_history(con, scope, progress=progress)
    say(args, f"brought the stored findings up to date: {computed} service-month runs worked out, and each "
              "concern followed through its history" if computed else "the stored findings were up to date")
    return 0


def _insights(con, args, person: User) -> int:
    scope = command_scope(person, Scope(tuple(args.service) if args.service else None, args.as_of))
    result = insights_for(con, scope)
    if args.json:
        say(args, json.dumps(result.to_dict(), indent=2, default=str))
        return 0
    if result.as_of is None:
        say(args, "No data loaded yet: python -m analytics demo, or python -m analytics ingest FILE")
        return 0
    say(args, f"As of {result.as_of:%d %B %Y}")
    say(args, "\nBalanced insight register")
    for row in result.register.itertuples():
        where = row.service + (f" / {row.team}" if isinstance(row.team, str) else "")
        status = row.status.replace("_", " ")
        say(args, f"  {where:40} {row.key_question:11} {status:20} {row.confidence:9} {row.summary}")
    say(args, f"\nFindings ({len(result.findings)})")
    for finding in result.findings:
        say(args, f"  [{finding.kind}] {finding.summary}")
    return 0


COMMANDS = {"ingest": _ingest, "batches": _batches, "remove": _remove, "rejections": _rejections, "demo": _demo,
            "insights": _insights, "refresh": _refresh, **response_cli.COMMANDS}

if __name__ == "__main__":
    sys.exit(main())
