"""Names not seen before, each with the known name it probably means, or none when it is genuinely new."""

import pytest

from analytics.new_names import NewName, new_names

KNOWN = ["Oakwood House", "Oakfield House", "Rowan Unit", "Rowan Court", "Beech Unit", "Kings Court",
         "Station Road", "Floor 1", "Maple Lodge", "Unit 10"]

# (incoming name, the known name to suggest or None, a word of the reason)
CASES = [
    ("Oakwood Hse", "Oakwood House", "abbreviations"),
    ("Kings Ct", "Kings Court", "abbreviations"),
    ("Station Rd", "Station Road", "abbreviations"),
    ("Station Rd.", "Station Road", "abbreviations"),
    ("Rowan unit", "Rowan Unit", "case or spacing"),
    ("ROWAN UNIT", "Rowan Unit", "case or spacing"),
    ("  Rowan   Unit ", "Rowan Unit", "case or spacing"),
    ("Oakwod House", "Oakwood House", "similar"),
    ("Mapel Lodge", "Maple Lodge", "similar"),
    ("Beech Unti", "Beech Unit", "similar"),
    ("Rowan Ct", "Rowan Court", "abbreviations"),  # not Rowan Unit
    ("Birch Unit", None, "new"),  # looks a little like Beech Unit: a different unit
    ("Willow Wing", None, "new"),
    ("Oak House", None, "new"),  # not Oakwood House
    ("Floor 2", None, "new"),  # numbers differ: never the same place
    ("Unit 11", None, "new"),
    ("Rowan", None, "new"),
    ("Ash Court", None, "new"),
]


@pytest.mark.parametrize("name, suggestion, why", CASES, ids=[c[0] for c in CASES])
def test_did_you_mean(name, suggestion, why):
    [found] = new_names([name], KNOWN)
    assert found.name == name and found.count == 1
    assert found.did_you_mean == suggestion, found.reason
    assert why in found.reason


def test_known_names_are_not_new_and_counts_are_kept():
    found = new_names(["Rowan Unit", "Oakwood Hse", "Willow Wing", "Oakwood Hse", "", None, "Rowan Unit"], KNOWN)
    assert found == [
        NewName("Oakwood Hse", 2, "Oakwood House", found[0].reason),
        NewName("Willow Wing", 1, None, "new: no known name is spelt like it"),
    ]


def test_nothing_known_yet_means_everything_is_new():
    assert [(n.name, n.did_you_mean) for n in new_names(["Rowan", "Birch"], [])] == [("Birch", None), ("Rowan", None)]


def test_similar_known_names_do_not_suggest_each_other():
    # Oakfield House and Oakwood House are two homes: a new 'Oakfield Hse' means the first, not the second.
    [found] = new_names(["Oakfield Hse"], KNOWN)
    assert found.did_you_mean == "Oakfield House"
