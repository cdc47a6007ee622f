"""The filters every insight page shares (service, team, shift, as-of date), kept in the URL.

Keeping them in the query string means a registered manager can send a link to the exact view, and
moving between pages keeps the same service and period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from analytics.access import User, scope_for
from analytics.safe_output import plain_markdown
from analytics.scope import Scope
from pages.access_gate import page_user
from pages.common import uk_date
from pages.data import read

ALL = "All"


@dataclass(frozen=True)
class Filters:
    """What the user chose: a service (None for all), team, shift and the date to judge as of.

    `services` is what the person may see of that choice (scope_for): None for every service, else a tuple, empty
    when they asked for a service that is not theirs. Every page's analytics run on it, never on `service`.
    """

    service: str | None
    team: str | None
    shift: str | None
    as_of: date | None
    services: tuple[str, ...] | None = None

    @property
    def scope(self) -> Scope:
        """The analytics scope for these filters, limited to the person's services."""
        return Scope(self.services, self.as_of)

    def place_services(self, every: list[str]) -> list[str]:
        """The services to draw one by one: the chosen one, else each of `every` that is in scope."""
        if self.services is None:
            return [self.service] if self.service else list(every)
        return [s for s in every if s in self.services] if self.service is None else list(self.services)

    @property
    def service_label(self) -> str:
        """The services shown, in words: the chosen one, all, or (for someone limited to some) theirs."""
        if self.service or self.services is None:
            return self.service or "All services"
        return ", ".join(self.services) if len(self.services) == 1 else f"Your services ({', '.join(self.services)})"

    def describe(self) -> str:
        """The filters in words, for captions and exports."""
        parts = [self.service_label, self.team or "all teams", self.shift or "all shifts"]
        when = f"as of {self.as_of:%d/%m/%Y}" if self.as_of else "latest data"
        return ", ".join(parts) + f"; {when}"


def sidebar_filters(database: str, *, team: bool = True, shift: bool = True) -> Filters:
    """Draw the filters in the sidebar, read from and written back to the URL, limited to the person's services.

    A URL naming a service the person may not see shows nothing of it: the page says so and stops."""
    choices = read("places")
    params = st.query_params
    user = page_user()
    mine = choices["services"] if user.services is None else [s for s in choices["services"] if s in user.services]
    wanted = params.get("service")
    if user.services is not None and (not mine or (wanted is not None and wanted not in mine)):
        stop_outside_scope(user, wanted)
    with st.sidebar:
        st.subheader("Filters")
        services = [ALL] + mine
        service = _pick("Service", services, params.get("service"), "service")
        # Teams and shifts of the chosen service, or of every service the person may see: never another's.
        places = [p for p in choices["places"] if p[0] == service or (service == ALL and p[0] in mine)]
        team_choice = shift_choice = ALL
        if team:
            teams = [ALL] + sorted({p[1] for p in places if p[1]})
            team_choice = _pick("Team", teams, params.get("team"), "team")
        if shift:
            shifts = [ALL] + sorted({p[2] for p in places if p[2]})
            shift_choice = _pick("Shift", shifts, params.get("shift"), "shift")
        # The months of the services this person may see of the choice, so "latest" is the one the page judges.
        seen = scope_for(user, Scope(None if service == ALL else (service,))).services
        as_of = _as_of(params.get("as_of"), *read("month ends", seen))
    chosen = {"service": service, "team": team_choice, "shift": shift_choice,
              "as_of": as_of.isoformat() if as_of else ALL}
    # A filter this page does not show keeps its value in the URL for the pages that do.
    shown = [key for key, on in (("service", True), ("team", team), ("shift", shift), ("as_of", True)) if on]
    for key in shown:
        if chosen[key] == ALL:
            params.pop(key, None)
        elif params.get(key) != chosen[key]:
            params[key] = chosen[key]
    service = None if service == ALL else service
    allowed = scope_for(user, Scope(None if service is None else (service,), as_of)).services
    return Filters(service, None if team_choice == ALL else team_choice,
                   None if shift_choice == ALL else shift_choice, as_of, allowed)


def stop_outside_scope(user: User, wanted: str | None) -> None:
    """Say there is nothing in the person's scope here (without saying whether the service exists) and stop."""
    if wanted is not None and user.services:
        st.info(f"There is nothing in your scope here: you may see {plain_markdown(', '.join(user.services))} only. "
                "Ask an "
                "administrator if you need another service.", icon=":material/lock:")
        st.button("Show my services", on_click=lambda: st.query_params.pop("service", None))
    else:
        st.info("There is nothing in your scope: you have not been given any services yet. Ask an administrator "
                "to add the services you look after.", icon=":material/lock:")
    st.stop()


def _pick(label: str, options: list[str], wanted: str | None, key: str) -> str:
    index = options.index(wanted) if wanted in options else 0
    return st.selectbox(label, options, index=index, key=f"filter_{key}")


def _as_of(wanted: str | None, ends: list[date], latest: date | None) -> date | None:
    """The month end to judge as of, chosen from the months with data, newest first: None for the default (`latest`,
    the last month every source covers). A date a link names that is not among them (an older link) is offered too,
    so the link still opens its view."""
    if latest is None:
        return None
    try:
        asked = date.fromisoformat(wanted) if wanted else None
    except ValueError:
        asked = None
    options = sorted({*ends, latest} | ({asked} if asked else set()), reverse=True)
    chosen = st.selectbox("Judge as of", options, index=options.index(asked or latest), key="filter_as_of",
                          format_func=lambda day: as_of_label(day, latest),
                          help="Judge the data as it stood at the end of this month (default: the last month every "
                               "source covers)")
    return None if chosen == latest else chosen


def as_of_label(day: date, latest: date) -> str:
    """A choice of the as-of date in words, short enough for the sidebar: '31/10/2026 (latest)', the default, and
    '30/11/2026 (not complete)' for a month after it that not every source covers yet."""
    if day == latest:
        return f"{uk_date(day)} (latest)"
    return f"{uk_date(day)} (not complete)" if day > latest else uk_date(day)
