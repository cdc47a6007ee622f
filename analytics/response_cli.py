"""The command line for concerns and actions: `concerns [--service S] [--json]`, `actions add|update|link`,
`recognise`. Parsers are added to analytics.__main__'s; each handler runs as the --user given, in their services."""

from __future__ import annotations

import argparse
import json
from datetime import date

from .access import User, command_scope
from .action_plans import link_row, unmatched
from .actions import STATUSES, add_action, update_action
from .concerns import JUDGEMENTS, recognise
from .measures import MEASURES
from .response import concern_views, response_measures
from .scope import Scope
from .settings import load_settings


def add_parsers(commands, common: argparse.ArgumentParser) -> None:
    """The concerns, recognise and actions commands (dates are YYYY-MM-DD text, parsed when run)."""
    concerns = commands.add_parser("concerns", parents=[common],
                                   help="tracked concerns: state, timeline, actions and whether the data bears them out")
    concerns.add_argument("--service", action="append", metavar="NAME", help="only this service (repeatable)")
    concerns.add_argument("--json", action="store_true", help="print the concerns as JSON")
    recognised = commands.add_parser("recognise", parents=[common], help="record that a leader recognised a concern")
    recognised.add_argument("concern", type=int, metavar="CONCERN_ID")
    recognised.add_argument("--judgement", required=True, choices=JUDGEMENTS)
    recognised.add_argument("--cause", default="", help="the likely cause, in a few words")
    recognised.add_argument("--on", metavar="YYYY-MM-DD", help="the day it was recognised (default: today)")
    actions = commands.add_parser("actions", parents=[common], help="record actions against concerns")
    verbs = actions.add_subparsers(dest="verb", required=True)
    add = verbs.add_parser("add", parents=[common], help="plan an action against a concern")
    add.add_argument("--concern", type=int, required=True, metavar="CONCERN_ID")
    add.add_argument("--what", required=True)
    add.add_argument("--owner", required=True)
    add.add_argument("--due", metavar="YYYY-MM-DD")
    add.add_argument("--review", metavar="YYYY-MM-DD")
    add.add_argument("--measure", choices=list(MEASURES), help="the measure expected to move")
    update = verbs.add_parser("update", parents=[common], help="change an action's status, dates or evidence")
    update.add_argument("action", metavar="ACTION_ID", help="e.g. A3")
    update.add_argument("--status", choices=STATUSES)
    update.add_argument("--completed", metavar="YYYY-MM-DD")
    update.add_argument("--evidence")
    update.add_argument("--due", metavar="YYYY-MM-DD")
    update.add_argument("--review", metavar="YYYY-MM-DD")
    update.add_argument("--owner")
    link = verbs.add_parser("link", parents=[common], help="link an imported action-plan row to a concern")
    link.add_argument("action", metavar="ACTION_ID", help="e.g. P123456 (listed by `concerns` as unmatched)")
    link.add_argument("--concern", type=int, required=True, metavar="CONCERN_ID")


def concerns_command(con, args, person: User) -> int:
    scope = command_scope(person, Scope(tuple(args.service) if args.service else None))
    settings = load_settings(con)
    views = concern_views(con, scope, settings)
    loose = unmatched(con, settings, scope)
    if args.json:
        _say(args, json.dumps({"measures": response_measures(views), "concerns": [v.to_dict() for v in views],
                               "unmatched_plan_rows": [{"id": f"P{int(r['row_key'])}", "service": r["service"],
                                                        "team": r["team"], "issue": r["issue"], "action": r["action"],
                                                        "file": r["file_name"]}
                                                       for r in loose.to_dict("records")]},
                              indent=2, default=str))
        return 0
    if not views:
        _say(args, "No concerns tracked: nothing in the data is a concern or fragile.")
    for v in views:
        c = v.concern
        _say(args, f"#{c.concern_id} [{v.state}] {c.place}: {c.subject} ({c.kind.replace('_', ' ')})"
                   + (f"  {v.overdue} overdue" if v.overdue else "") + (f"  recurred {v.recurrences}x" if v.recurrences
                                                                          else ""))
        for event in v.timeline:
            _say(args, f"    {event.on:%d %b %Y}  {event.what}")
        for flag in v.flags:
            _say(args, f"    ! {flag}")
    measures = response_measures(views)
    _say(args, "\n" + "; ".join(f"{k.replace('_', ' ')}: {'-' if v is None else v}" for k, v in measures.items()))
    if not loose.empty:
        _say(args, f"\nAction-plan rows not linked to a concern ({len(loose)}): link with `actions link ID --concern N`")
        for r in loose.to_dict("records"):
            _say(args, f"  P{int(r['row_key'])}  {r['service']} / {r['team'] or '-'}: {r['issue'] or ''} -> {r['action']}")
    return 0


def recognise_command(con, args, person: User) -> int:
    try:
        found = recognise(con, person, args.concern, args.judgement, args.cause, _day(args.on))
    except (ValueError, LookupError) as error:
        return _error(args, error)
    _say(args, f"Concern {args.concern} recognised by {found.recognised_by} on {found.recognised_on} as {found.judgement}")
    return 0


def actions_command(con, args, person: User) -> int:
    try:
        if args.verb == "add":
            action = add_action(con, person, args.concern, args.what, args.owner, _day(args.due), _day(args.review),
                                args.measure)
            _say(args, f"Action {action.action_id} planned on concern {action.concern_id}: {action.what}")
        elif args.verb == "update":
            action = update_action(con, person, args.action, status=args.status, completed=_day(args.completed),
                                   evidence=args.evidence, due=_day(args.due), review=_day(args.review),
                                   owner=args.owner)
            _say(args, f"Action {action.action_id}: {action.status}" + (f", done {action.completed}" if action.completed
                                                                          else ""))
        else:
            link_row(con, person, args.action, args.concern)
            _say(args, f"Action {args.action} linked to concern {args.concern}")
    except (ValueError, LookupError) as error:
        return _error(args, error)
    return 0


COMMANDS = {"concerns": concerns_command, "recognise": recognise_command, "actions": actions_command}


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _say(args, text: str) -> None:
    print(text, file=args.out_stream)


def _error(args, error: Exception) -> int:
    print(f"error: {error}", file=args.err_stream)
    return 2
