"""Who may see and do what: roles, the services each person is limited to, and the scope that follows.

Scoping is enforced here, not in the pages: every analysis for a person runs on `scope_for(user, ...)`, so
no page, download, URL parameter or command-line call shows them another service's rows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .audit_trail import os_user, record
from .scope import Scope

ROLES = ("quality_lead", "registered_manager", "senior_leader", "administrator")
ROLE_TITLES = {"quality_lead": "Quality lead", "registered_manager": "Registered manager",
               "senior_leader": "Senior leader", "administrator": "Administrator"}
# What each role may do; everyone with any role may explore the services they are limited to.
PERMISSIONS = {
    "upload": {"quality_lead", "administrator"},
    "correct_mapping": {"quality_lead", "administrator"},
    "remove_batch": {"quality_lead", "administrator"},
    "record_judgement": {"registered_manager", "senior_leader", "administrator"},
    "board_report": {"senior_leader", "administrator"},
    "change_settings": {"administrator"},
    "assign_roles": {"administrator"},
    "view_audit_trail": {"administrator"},
    "see_original_text": {"quality_lead", "registered_manager"},
    "manage_actions": {"registered_manager", "quality_lead", "administrator"},
}
ADMINS_FILE_ENV = "LEADERSHIP_INSIGHT_ADMINS_FILE"
LOCAL_USER = "local user"


class NotAllowed(PermissionError):
    """An action the person's roles do not allow; the message says which role would."""


@dataclass(frozen=True)
class User:
    """A signed-in person: their roles and the services they are limited to (None for all)."""

    email: str
    roles: frozenset[str]
    services: tuple[str, ...] | None

    def can(self, action: str) -> bool:
        """Whether any of the person's roles allows `action`."""
        return bool(self.roles & PERMISSIONS[action])

    def require(self, action: str) -> None:
        """Raise NotAllowed unless the person may do `action`."""
        if not self.can(action):
            allowed = ", ".join(ROLE_TITLES[r] for r in sorted(PERMISSIONS[action]))
            raise NotAllowed(f"{self.email} may not {action.replace('_', ' ')}: it needs the role {allowed}")


def local_user() -> User:
    """The one person using the app on their own machine with no sign-in configured: every role, every service."""
    return User(LOCAL_USER, frozenset(ROLES), None)


def assign_role(con: duckdb.DuckDBPyConnection, email: str, role: str, services: tuple[str, ...] | None,
                granted_by: str) -> None:
    """Give `email` a role, limited to `services` (None for all); replaces an earlier grant of that role.

    The grant and its line in the audit trail are kept together or not at all."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}; got {role!r}")
    if "@" not in email:
        raise ValueError(f"{email!r} is not an email address; roles are given to the address people sign in with")
    cur = con.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        cur.execute("DELETE FROM role_assignments WHERE lower(email) = lower(?) AND role = ?", [email.strip(), role])
        cur.execute("INSERT INTO role_assignments VALUES (?, ?, ?, ?, current_timestamp)",
                    [email.strip().lower(), role, None if services is None else list(services), granted_by])
        record(cur, granted_by, "assign_role", {"email": email.strip().lower(), "role": role,
                                                "services": "all" if services is None else list(services)})
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise


def revoke_role(con: duckdb.DuckDBPyConnection, email: str, role: str, revoked_by: str | None = None) -> None:
    """Take a role away from `email`, noting who did in the audit trail (the operating-system user if not said)."""
    cur = con.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        removed = cur.execute("DELETE FROM role_assignments WHERE lower(email) = lower(?) AND role = ? RETURNING 1",
                              [email.strip(), role]).fetchall()
        if removed:
            record(cur, revoked_by or os_user(), "revoke_role", {"email": email.strip().lower(), "role": role})
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise


def role_assignments(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, tuple[str, ...] | None]]:
    """Every grant as (email, role, services or None for all), by email."""
    rows = con.cursor().execute("SELECT email, role, services FROM role_assignments ORDER BY email, role").fetchall()
    return [(email, role, None if services is None else tuple(services)) for email, role, services in rows]


def administrators_file() -> Path:
    """Where the first administrators are listed: $LEADERSHIP_INSIGHT_ADMINS_FILE, else data/administrators.txt."""
    return Path(os.environ.get(ADMINS_FILE_ENV, Path(__file__).resolve().parent.parent / "data" / "administrators.txt"))


def bootstrap_administrators(path: Path | None = None) -> set[str]:
    """The emails listed, one per line, in the administrators file."""
    path = path or administrators_file()
    if not path.exists():
        return set()
    lines = (line.split("#", 1)[0].strip().lower() for line in path.read_text(encoding="utf-8").splitlines())
    return {line for line in lines if line}


def user_for(con: duckdb.DuckDBPyConnection, email: str, admins_file: Path | None = None) -> User:
    """The person's roles and services from the store (and the bootstrap file); no roles means no access."""
    email = email.strip().lower()
    roles: set[str] = set()
    services: set[str] = set()
    everywhere = False
    for granted_email, role, limited in role_assignments(con):
        if granted_email != email:
            continue
        roles.add(role)
        if limited is None:
            everywhere = True
        else:
            services.update(limited)
    if email in bootstrap_administrators(admins_file):
        roles.add("administrator")
        everywhere = True
    if roles & {"senior_leader", "administrator"} and not services:
        everywhere = True
    return User(email, frozenset(roles), None if everywhere else tuple(sorted(services)))


def scope_for(user: User, requested: Scope) -> Scope:
    """The requested scope limited to the person's services: asking for another service gives nothing."""
    if user.services is None:
        return requested
    allowed = set(user.services)
    wanted = allowed if requested.services is None else allowed & set(requested.services)
    return Scope(tuple(sorted(wanted)), requested.as_of)


def command_scope(user: User, requested: Scope) -> Scope:
    """`scope_for` for a command: NotAllowed, naming the person's services, where it leaves nothing."""
    scope = scope_for(user, requested)
    if scope.services == ():
        raise NotAllowed(f"{user.email} may see only {', '.join(user.services or ()) or 'no service yet'}")
    return scope
