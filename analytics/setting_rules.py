"""What each tunable setting is called, what it means, and the checks a value must pass before it is saved.

The defaults are data (analytics/defaults.json); this is the one declaration of how each threshold and file limit
is labelled and checked, used by the Settings page and by `analytics.settings.save_setting` alike, so a value no
page would accept cannot be saved from a notebook or the command line either.
"""

from __future__ import annotations

from dataclasses import dataclass

# The limits on a file before it is read (analytics.workbook_reader.ReadLimits): label, help, smallest value.
LIMITS = {
    "max_file_mb": ("Largest file (MB)", "A larger file is refused before it is read.", 1),
    "max_columns": ("Most columns in a sheet", "No export a person reads has more; a sheet with more is refused.", 10),
    "max_cells": ("Most cells in a sheet (rows x columns)", "A stray cell far from the table makes a sheet huge.",
                  10_000),
    "max_text_mb": ("Most text in a workbook (MB)", "One cell holding a pasted document can take this much.", 1),
    "max_unpacked_mb": ("Largest workbook unpacked (MB)", "Workbooks are compressed; this is their size opened.", 10),
    "reader_memory_mb": ("Memory the reader may use (MB)", "The reader runs apart from the dashboard with this much.",
                         500),
    "reader_seconds": ("Time the reader may take (seconds)", "A file still being read after this is stopped.", 10),
}


@dataclass(frozen=True)
class Threshold:
    """How a threshold is shown: its section, a plain-English label, help, and what kind of number it is."""

    section: str
    label: str
    help: str
    kind: str  # share (0 to 1), count (whole number, at least 1), ratio (at least 1) or positive


THRESHOLDS = {
    "recent_cycles": Threshold("Audits", "Months looked at for recent patterns", "How many monthly cycles up to the "
                               "'judge as of' date the register, repeat findings and headline checks look at.",
                               "count"),
    "item_failing_compliance": Threshold("Audits", "An audit item fails a month below", "A month where an audit item's "
                                         "compliance is below this counts as a failed cycle. 0.75 means 75%.", "share"),
    "item_failing_chance": Threshold("Audits", "How unlikely by chance a repeat finding must be", "A repeat finding "
                                     "stands when an item truly at the failing line would score as low as this "
                                     "rarely, since it first failed (or in two months on their own). 0.05 means 1 "
                                     "time in 20.", "share"),
    "item_limited_chance": Threshold("Audits", "Repeat findings shown as limited evidence up to", "A pattern chance "
                                     "could give more often than the line above, but no more often than this, is "
                                     "shown as limited evidence: too few records to tell. 0.2 means 1 time in 5.",
                                     "share"),
    "recurring_min_cycles": Threshold("Audits", "Failed months that make a pattern", "An item failing in at least this "
                                      "many months is a recurring pattern; fewer is an isolated slip.", "count"),
    "persistent_min_cycles": Threshold("Audits", "Failed months that make it persistent", "An item failing in at least "
                                       "this many months, in a row up to the latest or in most months, is persistent.",
                                       "count"),
    "service_wide_share_of_teams": Threshold("Audits", "Share of teams that makes a pattern service-wide", "A pattern "
                                             "is service-wide when at least this share of the teams audited show it, "
                                             "and a team's or shift's weakness is its own, not its team-shifts', when "
                                             "at least this share of them show it. 0.5 means half.", "share"),
    "headline_good_compliance": Threshold("Audits", "A headline audit score is good from", "An audit type's overall "
                                          "compliance at or above this is a good headline, which may hide a weak item. "
                                          "0.9 means 90%.", "share"),
    "masked_min_share_of_cycles": Threshold("Audits", "Share of months a hidden weakness must fail", "An item beneath "
                                            "a good headline is flagged when it failed in at least this share of the "
                                            "months.", "share"),
    "compliance_good": Threshold("Audits", "Audit compliance is good from", "Where audit compliance counts as good in "
                                 "the register and when set against complaints and feedback. 0.9 means 90%.", "share"),
    "fill_rate_good": Threshold("Staffing", "Rota fill rate is good from", "Hours worked as a share of hours planned. "
                                "0.95 means 95%.", "share"),
    "agency_share_concern": Threshold("Staffing", "Agency share of hours is a concern from", "A team's shift where "
                                      "agency staff work at least this share of the hours is flagged. 0.2 means 20%.",
                                      "share"),
    "handover_completion_good": Threshold("Staffing", "Handover completion is good from", "The share of shifts with "
                                          "the handover recorded as completed. 0.9 means 90%.", "share"),
    "feedback_good_score": Threshold("Feedback", "Feedback is good from", "An average rating as a share of the top "
                                     "score: 4 out of 5 is 0.8.", "share"),
    "min_feedback_responses": Threshold("Feedback", "Fewest responses to judge feedback", "A team's feedback is judged "
                                        "only with at least this many responses.", "count"),
    "min_audit_answers": Threshold("Audits", "Fewest audit answers to judge a place", "Audit compliance from fewer "
                                   "applicable answers than this over the months judged is shown as limited evidence, "
                                   "never as a concern.", "count"),
    "min_rota_shifts": Threshold("Staffing", "Fewest shifts to judge staffing", "Fill rate, agency share or handovers "
                                 "from fewer shifts than this over the months judged are shown as limited evidence, "
                                 "never as a concern.", "count"),
    "feedback_margin_se": Threshold("Feedback", "Allowance for chance in small samples", "How many standard errors "
                                    "below 'good' a team's average must be to count as clearly poor, and how many "
                                    "its fall from the earlier months must be to count as clearly down. Higher is "
                                    "more cautious.", "positive"),
    "feedback_drop": Threshold("Feedback", "A fall in feedback that counts", "A fall in the average rating of at least "
                               "this share of the top score counts as falling. 0.1 means 10 points.", "share"),
    "fragility_gap": Threshold("Teams and shifts", "Gap behind the rest of the service that counts", "How far a team "
                               "or shift must be behind the rest of its service. 0.1 means 10 points.", "share"),
    "fragility_min_periods": Threshold("Teams and shifts", "Months in a row that make a place fragile", "A team or "
                                       "shift behind the rest for at least this many months in a row is fragile.",
                                       "count"),
    "fragility_lookback_months": Threshold("Teams and shifts", "Months looked back for fragile places", "How far back "
                                           "a run of weak months may reach.", "count"),
    "min_complaints": Threshold("Complaints and themes", "Fewest complaints that make a pattern", "Fewer complaints "
                                "than this never count as a rise or a worse rate.", "count"),
    "fragility_max_chance": Threshold("Teams and shifts", "Chance allowed for a team or shift behind the rest",
                                      "A team or shift with more complaints than the rest month after month, or "
                                      "behind the rest every month but by the gap in only some of them (a few "
                                      "answers or responses a month), is fragile only if chance would leave it so "
                                      "far behind this rarely (an exact test over the months; many places and months "
                                      "are tested, so it is strict). 0.001 means 1 in 1,000.", "share"),
    "audit_margin_se": Threshold("Audits", "Allowance for chance before audits count as weak", "How many standard "
                                 "errors below 'good' scheduled audits must be before assurance counts as weak when "
                                 "set against lived experience. Higher is more cautious.", "positive"),
    "complaints_rising_max_chance": Threshold("Complaints and themes", "Chance allowed for a rise in complaints",
                                              "A rise in complaints counts only if chance would give one so large "
                                              "this rarely (an exact test). 0.05 means 1 in 20.", "share"),
    "complaint_rate_ratio": Threshold("Complaints and themes", "Complaint rate that marks a place out", "A team's "
                                      "complaint rate at least this many times the rest of its service's is worse. 2 "
                                      "means double.", "ratio"),
    "complaints_rising_ratio": Threshold("Complaints and themes", "Rise in complaints that counts", "Recent complaints "
                                         "at least this many times the earlier period's are rising. 1.5 means half as "
                                         "many again.", "ratio"),
    "triangulation_months": Threshold("Complaints and themes", "Months compared when setting audits against experience",
                                      "Split into an earlier and a recent half.", "count"),
    "theme_count": Threshold("Complaints and themes", "Themes found in complaints and comments", "How many themes the "
                             "free text is grouped into.", "count"),
    "theme_refit_share": Threshold("Complaints and themes", "New comments put in the themes before they are found "
                                   "again", "A load's new complaints and comments join the themes already found, "
                                   "until those added since the themes were last found are more than this share of "
                                   "the texts they were found from (or a file is removed): then the themes are found "
                                   "again from every text. 0.05 means 5%; 0 finds them again on every load that adds "
                                   "text.", "share"),
    "emerging_recent_months": Threshold("Complaints and themes", "Recent months for emerging themes", "The months a "
                                        "theme's recent share is taken over.", "count"),
    "emerging_theme_ratio": Threshold("Complaints and themes", "Growth that makes a theme emerging", "A theme whose "
                                      "recent share is at least this many times its earlier share is emerging (a "
                                      "complaint category: whose monthly rate rose this many times, and this many "
                                      "times more than the other complaints' where they rose too).",
                                      "ratio"),
    "emerging_theme_min_mentions": Threshold("Complaints and themes", "Fewest recent mentions of an emerging theme",
                                             "A theme needs at least this many recent mentions to be emerging.",
                                             "count"),
    "emerging_theme_max_chance": Threshold("Complaints and themes", "Chance allowed for an emerging theme", "The "
                                           "largest probability that the recent rise is chance alone. 0.01 means 1 in "
                                           "100; lower is more cautious.", "share"),
    "embedded_min_cycles": Threshold("Improvement and trends", "Months an improvement must hold to be embedded", "An "
                                     "improvement held for at least this many months in a row can count as embedded.",
                                     "count"),
    "improvement_min_gain": Threshold("Improvement and trends", "Gain that counts as an improvement", "A rise in "
                                      "compliance of at least this much. 0.1 means 10 points.", "share"),
    "spot_check_gap": Threshold("Improvement and trends", "Gap allowed between spot checks and scheduled audits",
                                "Unannounced spot checks this far or more below scheduled audits mean the improvement "
                                "is not yet embedded. 0.1 means 10 points.", "share"),
    "embedded_min_answers": Threshold("Improvement and trends", "Fewest answers for a team to count", "Teams and "
                                      "shifts with fewer audit answers are left out when checking an improvement has "
                                      "spread.", "count"),
    "improvement_window_months": Threshold("Improvement and trends", "Months looked back for improvements", "How far "
                                           "back a step up in compliance may start.", "count"),
    "spc_min_points": Threshold("Improvement and trends", "Fewest months for a trend chart", "A monthly measure is "
                                "judged for signals only with at least this many months.", "count"),
    "spc_window_months": Threshold("Improvement and trends", "Months on trend charts", "How many months of each "
                                   "measure the trend charts show.", "count"),
    "spc_chance_z": Threshold("Improvement and trends", "Allowance for chance in trend signals", "How many standard "
                              "errors a signal must stand from the average. Higher is more cautious.", "positive"),
    "spc_recent_limit_months": Threshold("Improvement and trends", "Months a point beyond a limit stays a signal",
                                         "A month beyond a process limit this many months back or less is still a "
                                         "signal while every month since stays on its side of the average.",
                                         "count"),
    "recognition_target_days": Threshold("Leadership response", "Days to recognise a concern", "A concern should be "
                                         "recognised by a leader within this many days of the first month its "
                                         "pattern shows in the data; later counts as recognised late.", "count"),
    "concern_history_months": Threshold("Leadership response", "Months looked back for a concern's first signal",
                                        "How far back through the data the first month of a concern's pattern is "
                                        "looked for.", "count"),
    "concern_min_months": Threshold("Leadership response", "Months a past pattern showed to be tracked", "A "
                                    "pattern no longer in the data is still tracked as a concern when it showed in "
                                    "at least this many months of its history, so what leaders did about it can be "
                                    "tested.", "count"),
    "follow_through_months": Threshold("Leadership response", "Months compared before and after an action", "An "
                                       "action's expected measure is compared over this many months before its "
                                       "completion and up to this many after it.", "count"),
    "follow_through_max_chance": Threshold("Leadership response", "Chance allowed for an action's effect", "The "
                                           "largest probability that the change after an action is chance alone "
                                           "for it to count as verified by data. 0.05 means 1 in 20.", "share"),
    "action_match_score": Threshold("Leadership response", "How alike an action plan's issue and a concern must be",
                                    "A row of an imported action plan is linked to a concern at its place when "
                                    "their wording scores at least this (0 to 100); other rows are listed for you "
                                    "to link.", "count"),
    "audit_coverage_good": Threshold("Leadership response", "Audit programme coverage that counts as good", "The "
                                     "share of expected scheduled audits done each month. 0.9 means 90%.", "share"),
    "complaint_acknowledge_days": Threshold("Leadership response", "Days to acknowledge a complaint", "A complaint "
                                            "should be acknowledged within this many days of being received.",
                                            "count"),
    "complaint_response_days": Threshold("Leadership response", "Days to respond to a complaint", "A complaint "
                                         "should have its response within this many days of being received.",
                                         "count"),
    "complaint_handling_good": Threshold("Leadership response", "Complaints handled in time that counts as good",
                                         "The share of complaints acknowledged (and responded to) within their "
                                         "targets. 0.9 means 90%.", "share"),
    "recognised_in_time_good": Threshold("Leadership response", "Concerns recognised in time that counts as good",
                                         "The share of concerns a leader recognised within the days to recognise a "
                                         "concern. 0.8 means 80%.", "share"),
}
KIND_RULES = {"share": "is a share: enter a number between 0 and 1 (0.75 means 75%)",
              "count": "is a number of months, answers or mentions: enter a whole number of at least 1",
              "ratio": "is a ratio: enter a number of at least 1 (1 means no change)",
              "positive": "must be a number above 0"}


def threshold_info(key: str, value: float) -> Threshold:
    """How to show a threshold, with a reasonable guess for one added in a later release."""
    if key in THRESHOLDS:
        return THRESHOLDS[key]
    kind = "count" if isinstance(value, int) else "share" if 0 <= value <= 1 else "positive"
    return Threshold("Other", key.replace("_", " ").capitalize(), "", kind)


def threshold_problems(values: dict[str, float]) -> list[str]:
    """What is wrong with the thresholds, one clear sentence each; empty when they can be saved."""
    problems = []
    for key, value in values.items():
        info = threshold_info(key, value)
        valid = {"share": 0 <= value <= 1, "count": float(value).is_integer() and value >= 1,
                 "ratio": value >= 1, "positive": value > 0}[info.kind]
        if not valid:
            problems.append(f"'{info.label}' {KIND_RULES[info.kind]}; it is {value:g}.")
    if values.get("persistent_min_cycles", 0) < values.get("recurring_min_cycles", 0):
        problems.append("'Failed months that make it persistent' must be at least 'Failed months that make a "
                        "pattern': a persistent pattern is also a recurring one.")
    return problems


def limit_problems(values: dict[str, int]) -> list[str]:
    """What is wrong with the file limits, one sentence each; empty when they can be saved."""
    return [f"'{LIMITS[key][0]}' should be at least {LIMITS[key][2]:,}; it is {value:,}."
            for key, value in values.items() if key in LIMITS and value < LIMITS[key][2]]
