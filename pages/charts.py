"""Plotly figures the insight pages share, in one colour-blind-safe look.

Blue means better and orange worse (Okabe-Ito colours, told apart by people with red-green colour
blindness); every colour is paired with a marker symbol, a label or a written value, never used alone.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

BLUE = "#0072B2"
ORANGE = "#E69F00"
DARK_ORANGE = "#B35900"
GREY = "#8C8C8C"
PURPLE = "#CC79A7"
INK = "#31333F"
PALE = "#F4F4F4"
MONTH_FORMAT = "%b %Y"

# SPC point types: (legend words, colour, marker symbol)
POINT_LOOK = {
    "common_cause": ("Common cause: usual variation", GREY, "circle"),
    "special_cause_improvement": ("Special cause: improvement", BLUE, "diamond"),
    "special_cause_concern": ("Special cause: concern", ORANGE, "x"),
    "special_cause_neutral_high": ("Special cause: high", PURPLE, "triangle-up"),
    "special_cause_neutral_low": ("Special cause: low", PURPLE, "triangle-down"),
}
RULE_WORDS = {
    "above_upper_limit": "above the upper process limit",
    "below_lower_limit": "below the lower process limit",
    "trend_increasing": "part of 7 or more months rising in a row",
    "trend_decreasing": "part of 7 or more months falling in a row",
    "two_in_three_above": "one of 2 in 3 months close to the upper limit",
    "two_in_three_below": "one of 2 in 3 months close to the lower limit",
    "run_above": "part of 7 or more months in a row above the mean",
    "run_below": "part of 7 or more months in a row below the mean",
    "shift_above": "part of a sustained rise in the rate since the months before (an exact test for counts)",
    "shift_below": "part of a sustained fall in the rate since the months before (an exact test for counts)",
}
# Triangulation classes: (words, colour, marker symbol)
CLASS_LOOK = {
    "agree_good": ("Agree — good", BLUE, "circle"),
    "agree_concern": ("Agree — concern", ORANGE, "x"),
    "assurance_gap": ("Assurance gap", DARK_ORANGE, "triangle-down"),
    "experience_ahead": ("Experience ahead", PURPLE, "triangle-up"),
    "not_enough_evidence": ("Not enough evidence", GREY, "circle-open"),
}
# Heatmap colours: blue where better than the rest of the service, pale where level, orange where worse.
WORSE_SCALE = [[0.0, BLUE], [0.5, PALE], [1.0, ORANGE]]


def _layout(figure: go.Figure, title: str, height: int, legend_y: float = -0.2, **axes: str) -> go.Figure:
    figure.update_layout(title={"text": title, "x": 0, "xanchor": "left"}, height=height,
                         margin={"l": 10, "r": 10, "t": 60, "b": 10}, hoverlabel={"namelength": -1},
                         legend={"orientation": "h", "y": legend_y, "x": 0, "traceorder": "normal"})
    if "x_title" in axes:
        figure.update_xaxes(title_text=axes["x_title"])
    if "y_title" in axes:
        figure.update_yaxes(title_text=axes["y_title"])
    return figure


def value_text(value: float, share: bool) -> str:
    """A chart value as people read it: a whole percentage for shares, one decimal for counts and rates."""
    if pd.isna(value):
        return "—"
    return f"{value:.0%}" if share else f"{value:.1f}".removesuffix(".0")


def spc_figure(points: pd.DataFrame, title: str, y_title: str, share: bool, target: float | None,
               shift: tuple[date, str] | None = None, marks: list[tuple[date, str]] = ()) -> go.Figure:
    """An SPC chart (XmR, c or u): the monthly values, the mean, both process limits (per month where they vary)
    and a target, points marked by type; a sustained shift marked at its first month with its suggestion; each
    action taken about the place and measure marked at its date (`marks`: date and words)."""
    lowest, highest = 0.0, (1.0 if share else None)
    lower = points["lower_limit"].clip(lower=lowest)
    upper = points["upper_limit"] if highest is None else points["upper_limit"].clip(upper=highest)
    figure = go.Figure()
    figure.add_scatter(x=points["date"], y=points["value"], mode="lines", name="Monthly value",
                       line={"color": INK, "width": 1.5}, hoverinfo="skip", showlegend=False)
    for name, dash, values in (("Upper process limit", "dash", upper), ("Lower process limit", "dash", lower)):
        figure.add_scatter(x=points["date"], y=values, mode="lines", name=name, line={"color": GREY, "dash": dash},
                           hovertemplate=f"{name}: %{{customdata}}<extra></extra>",
                           customdata=[value_text(v, share) for v in values])
    figure.add_scatter(x=points["date"], y=points["mean"], mode="lines", name="Mean",
                       line={"color": INK, "width": 1}, customdata=[value_text(v, share) for v in points["mean"]],
                       hovertemplate="Mean: %{customdata}<extra></extra>")
    if target is not None:
        figure.add_scatter(x=points["date"], y=[target] * len(points), mode="lines",
                           name=f"Target ({value_text(target, share)})", line={"color": BLUE, "dash": "dot"},
                           hoverinfo="skip")
    for point_type, (words, colour, symbol) in POINT_LOOK.items():
        chosen = points[points["point_type"] == point_type]
        if chosen.empty:
            continue
        notes = [f"{value_text(v, share)}<br>{words}" + (f": {RULE_WORDS[rule]}" if rule else "")
                 for v, rule in zip(chosen["value"], chosen["special_cause_type"])]
        figure.add_scatter(x=chosen["date"], y=chosen["value"], mode="markers", name=words, customdata=notes,
                           marker={"color": colour, "symbol": symbol, "size": 11 if symbol != "circle" else 8,
                                   "line": {"color": INK if symbol != "x" else colour, "width": 1}},
                           hovertemplate="%{x|%b %Y}: %{customdata}<extra></extra>")
    if shift is not None:
        # A shape and a separate note: plotly's add_vline cannot place its own note on a date axis.
        month, suggestion = shift
        figure.add_shape(type="line", x0=month, x1=month, xref="x", y0=0, y1=1, yref="paper",
                         line={"color": DARK_ORANGE, "dash": "dashdot", "width": 1.5})
        figure.add_annotation(x=month, y=1, xref="x", yref="paper", yanchor="bottom", xanchor="left", showarrow=False,
                              text=f"Shift since {month:%b %Y}: {suggestion[0].lower()}{suggestion[1:]}",
                              font={"color": DARK_ORANGE, "size": 12})
    for number, (day, words) in enumerate(marks, start=1):
        figure.add_shape(type="line", x0=day, x1=day, xref="x", y0=0, y1=1, yref="paper",
                         line={"color": BLUE, "dash": "dot", "width": 1.5})
        figure.add_annotation(x=day, y=0, xref="x", yref="paper", yanchor="bottom", xanchor="left", showarrow=False,
                              text=f"Action {number}", hovertext=words, font={"color": BLUE, "size": 11})
    figure.update_xaxes(tickformat=MONTH_FORMAT, hoverformat=MONTH_FORMAT)
    if share:
        figure.update_yaxes(tickformat=".0%")
    return _layout(figure, title, 420, x_title="Month", y_title=y_title)


def place_heatmap(z: pd.DataFrame, text: pd.DataFrame, hover: pd.DataFrame, title: str,
                  scale: list, colour_title: str, zmid: float | None = None) -> go.Figure:
    """Teams down the side, shifts across the top: each cell coloured by `z` with its value written in it."""
    figure = go.Figure(go.Heatmap(
        z=z.to_numpy(dtype=float), x=list(z.columns), y=list(z.index), text=text.to_numpy(),
        texttemplate="%{text}", textfont={"size": 13, "color": INK}, customdata=hover.to_numpy(),
        hovertemplate="%{y} · %{x}<br>%{customdata}<extra></extra>", colorscale=scale, zmid=zmid,
        xgap=3, ygap=3, colorbar={"title": {"text": colour_title, "side": "right"}, "thickness": 12}))
    # An unseen point on each cell, so a click picks the cell (Plotly selects points, not heatmap cells).
    xs, ys = zip(*[(x, y) for y in z.index for x in z.columns]) if z.size else ((), ())
    figure.add_scatter(x=list(xs), y=list(ys), mode="markers", marker={"size": 36, "opacity": 0},
                       customdata=hover.to_numpy().ravel(), hovertemplate="%{y} · %{x}<br>%{customdata}<extra></extra>",
                       showlegend=False)
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(side="top")
    return _layout(figure, title, 140 + 70 * len(z.index)).update_layout(margin={"t": 100}, clickmode="event+select")


def comparison_lines(frame: pd.DataFrame, title: str) -> go.Figure:
    """Small multiples, one per measure: the place's monthly value (solid) against the rest of its service (dotted).

    `frame` has columns label, month, value, rest_of_service and share (whether the measure is a percentage).
    """
    labels = list(dict.fromkeys(frame["label"]))
    columns = min(3, len(labels))
    rows = -(-len(labels) // columns)
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=labels, vertical_spacing=0.18 / max(rows - 1, 1)
                           if rows > 1 else 0.1, horizontal_spacing=0.08)
    for index, label in enumerate(labels):
        part = frame[frame["label"] == label].sort_values("month")
        share = bool(part["share"].iloc[0])
        where = {"row": index // columns + 1, "col": index % columns + 1}
        for column, name, colour, symbol, dash in (("value", "This place", INK, "x", "solid"),
                                                    ("rest_of_service", "Rest of the service", BLUE, "circle", "dot")):
            figure.add_scatter(x=part["month"], y=part[column], name=name, mode="lines+markers", legendgroup=name,
                               showlegend=index == 0, line={"color": colour, "dash": dash},
                               marker={"symbol": symbol, "size": 6}, customdata=[value_text(v, share)
                                                                                 for v in part[column]],
                               hovertemplate=f"%{{x|%b %Y}} {name.lower()}: %{{customdata}}<extra></extra>",
                               **where)
        if share:
            figure.update_yaxes(tickformat=".0%", **where)
    figure.update_xaxes(tickformat=MONTH_FORMAT, nticks=4)
    figure.update_annotations(font={"size": 13})
    return _layout(figure, title, 60 + 230 * rows, legend_y=-0.25 / rows)


def quadrant_scatter(frame: pd.DataFrame, title: str, x_title: str, y_title: str) -> go.Figure:
    """Internal assurance across, lived experience up, the standard at zero on both, each quadrant named.

    `frame` has columns x and y (percentage points from the standard), label (the team), classification and
    hover (a sentence per point).
    """
    figure = go.Figure()
    for classification, (words, colour, symbol) in CLASS_LOOK.items():
        chosen = frame[frame["classification"] == classification]
        if chosen.empty:
            continue
        figure.add_scatter(x=chosen["x"], y=chosen["y"], mode="markers+text", name=words, text=chosen["label"],
                           textposition="top center", customdata=chosen["hover"],
                           marker={"color": colour, "symbol": symbol, "size": 14, "line": {"color": INK, "width": 1}},
                           hovertemplate="<b>%{text}</b><br>%{customdata}<extra></extra>")
    reach_x = max(10.0, float(frame["x"].abs().max()) * 1.25)
    reach_y = max(10.0, float(frame["y"].abs().max()) * 1.25)
    figure.add_hline(y=0, line={"color": GREY, "dash": "dash"})
    figure.add_vline(x=0, line={"color": GREY, "dash": "dash"})
    corners = ((1, 1, "Agree — good"), (1, -1, "Assurance gap: audits good, experience poor"),
               (-1, 1, "Experience ahead: audits weak, experience good"), (-1, -1, "Agree — concern"))
    for side_x, side_y, words in corners:
        figure.add_annotation(x=side_x * reach_x * 0.97, y=side_y * reach_y * 0.97, text=words, showarrow=False,
                              xanchor="right" if side_x > 0 else "left", yanchor="top" if side_y > 0 else "bottom",
                              font={"color": GREY, "size": 12})
    figure.update_xaxes(range=[-reach_x, reach_x], tickformat="+.0f", ticksuffix=" pts", zeroline=False)
    figure.update_yaxes(range=[-reach_y, reach_y], tickformat="+.0f", ticksuffix=" pts", zeroline=False)
    return _layout(figure, title, 520, x_title=x_title, y_title=y_title)


def theme_volume_bars(frame: pd.DataFrame, title: str) -> go.Figure:
    """Mentions per theme, complaints and feedback stacked, the biggest theme at the top.

    `frame` has columns theme, complaints, feedback and note (written beside each bar).
    """
    ordered = frame.iloc[::-1]
    figure = go.Figure()
    for column, name, colour, pattern in (("complaints", "Complaints", ORANGE, "/"), ("feedback", "Feedback comments",
                                                                                        BLUE, "")):
        figure.add_bar(y=ordered["theme"], x=ordered[column], name=name, orientation="h",
                       marker={"color": colour, "pattern": {"shape": pattern}},
                       hovertemplate=f"%{{y}}: %{{x}} {name.lower()}<extra></extra>")
    figure.add_scatter(y=ordered["theme"], x=ordered["complaints"] + ordered["feedback"], mode="text",
                       text=ordered["note"], textposition="middle right", showlegend=False, hoverinfo="skip")
    figure.update_layout(barmode="stack")
    most = float((frame["complaints"] + frame["feedback"]).max() or 1)
    figure.update_xaxes(range=[0, most * 1.6])
    return _layout(figure, title, 90 + 38 * len(frame), x_title="Mentions", y_title="Theme")


def theme_small_multiples(frame: pd.DataFrame, title: str, themes: list[str]) -> go.Figure:
    """One small chart per theme: its mentions each month, complaints and feedback stacked.

    `frame` has columns theme, month, source (complaints or feedback) and mentions.
    """
    columns = min(3, len(themes))
    rows = -(-len(themes) // columns)
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=themes, shared_xaxes=True,
                           vertical_spacing=0.25 / rows, horizontal_spacing=0.06)
    for index, theme in enumerate(themes):
        where = {"row": index // columns + 1, "col": index % columns + 1}
        for source, name, colour in (("complaints", "Complaints", ORANGE), ("feedback", "Feedback comments", BLUE)):
            part = frame[(frame["theme"] == theme) & (frame["source"] == source)]
            figure.add_bar(x=part["month"], y=part["mentions"], name=name, legendgroup=name, showlegend=index == 0,
                           marker={"color": colour, "pattern": {"shape": "/" if source == "complaints" else ""}},
                           hovertemplate=f"%{{x|%b %Y}}: %{{y}} {name.lower()}<extra></extra>", **where)
    figure.update_layout(barmode="stack")
    figure.update_xaxes(tickformat=MONTH_FORMAT, nticks=4)
    figure.update_annotations(font={"size": 12})
    return _layout(figure, title, 70 + 200 * rows, legend_y=-0.25 / rows)


def theme_lines(frame: pd.DataFrame, title: str) -> go.Figure:
    """Each theme's mentions per month as a line with its own marker. `frame` has columns theme, month, mentions."""
    symbols = ("circle", "diamond", "square", "x", "triangle-up", "star")
    colours = (BLUE, ORANGE, INK, PURPLE, "#009E73", "#56B4E9")
    figure = go.Figure()
    for index, (theme, part) in enumerate(frame.groupby("theme", sort=False)):
        figure.add_scatter(x=part["month"], y=part["mentions"], name=theme, mode="lines+markers",
                           line={"color": colours[index % len(colours)]},
                           marker={"symbol": symbols[index % len(symbols)], "size": 8},
                           hovertemplate=f"{theme}, %{{x|%b %Y}}: %{{y}} mentions<extra></extra>")
    figure.update_xaxes(tickformat=MONTH_FORMAT)
    return _layout(figure, title, 380, x_title="Month", y_title="Mentions (complaints and comments)")
