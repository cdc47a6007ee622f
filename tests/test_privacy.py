"""Tests for analytics.privacy: personal data in free text is masked, and ordinary care words are not."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.privacy import (
    GIVEN_NAMES,
    PLACEHOLDERS,
    Match,
    find_personal_data,
    mask_series,
    mask_text,
    strip_placeholders,
    world_given_names,
)

REAL_FFT = Path("/work/shared/real-data/nhs-fft-comments-trust-a.csv")

VALID_NHS_NUMBERS = ["943 476 5919", "9434765919", "401 023 2137", "4010232137", "943-476-5919", "945 807 3022",
                     "1573681938", "997 220 0337"]
# Wrong check digits, and 640 562 241x, whose check digit would be 10, which no NHS number has.
INVALID_NHS_NUMBERS = ["943 476 5918", "9434765910", "401 023 2138", "4010232130", "640 562 2410", "6405622411",
                       "758 584 7190"]
PHONES = ["07700 900123", "07700900123", "07700 900 123", "07700-900-123", "+44 7700 900123", "+447700900123",
          "0161 496 0000", "(0161) 4960000", "(0161) 496 0000", "+44 (0)161 496 0000", "020 7946 0018",
          "(020) 7946 0018", "02079460018", "01632 960 001", "01632 960001", "(01632) 960001", "0113 496 0123",
          "0800 123 4567", "0800 123 456", "016977 4321"]
POSTCODES = ["SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "W1A 0AX", "EC1A 1BB", "LS1 4AP", "sw1a 1aa",
             "m1 1ae", "B338TH", "dn55 1pt"]
EMAILS = ["jane.doe@example.org", "j.o'brien@care-home.co.uk", "Manager+Complaints@Oak-House.NHS.UK",
          "tom_smith99@example.com"]
ADDRESSES = ["12 Acacia Avenue", "3a Mill Lane", "Flat 4, 21 High Street", "221B Baker Street", "7 Church St",
             "45 Oak Tree Close", "Apartment 2, 9 Station Road", "1 The Green"]
NAMES_IN_CONTEXT = [
    ("Mrs Patel was upset about the noise", "Mrs [name] was upset about the noise"),
    ("Seen by Dr A. Jones today", "Seen by Dr [name] today"),
    ("Mr O'Brien asked for his glasses", "Mr [name] asked for his glasses"),
    ("Miss Hughes and Ms McDonald visited", "Miss [name] and Ms [name] visited"),
    ("my mum Jane was left in bed", "my mum [name] was left in bed"),
    ("her daughter Sarah Jones rang twice", "her daughter [name] rang twice"),
    ("the carer called Tom was late", "the carer called [name] was late"),
    ("nurse Priya was lovely", "nurse [name] was lovely"),
    ("Nurse Agnieszka Kowalska gave the medication", "Nurse [name] gave the medication"),
    ("Sister Bernadette was in charge", "Sister [name] was in charge"),
    ("My husband, Derek, fell twice", "My husband, [name], fell twice"),
    ("The manager known as Deepak never replied", "The manager known as [name] never replied"),
    ("Thanks, Margaret", "Thanks, [name]"),
    ("Lovely care. Love from Jane", "Lovely care. Love from [name]"),
    ("All lovely.\nKind regards, Hilary Benn", "All lovely.\nKind regards, [name]"),
    ("Margaret Thompson complained about the laundry", "[name] complained about the laundry"),
    ("We spoke to Mohammed Khan on the phone", "We spoke to [name] on the phone"),
    ("Visited by Mary O'Neill and Grace Adebayo", "Visited by [name] and [name]"),
]
MUST_NOT_MASK = [
    "Good", "Very good", "Rowan Unit", "Willow Unit", "Holly Lodge", "Rose Garden", "Grace Court", "March", "Monday",
    "Care plan", "NHS", "CQC", "GP", "MAR chart", "MAR charts signed", "Friends and Family Test", "12/03/2026",
    "3rd March 2026", "14:30", "£25", "12 staff", "aged 87", "Seen on Monday 3rd March 2026 at 14:30",
    "Thank you", "Thank You", "Thanks again", "Thanks to everyone on Rowan Unit", "Thank you Rowan Unit",
    "Dr said it was fine", "the nurse was lovely", "my mum was well cared for", "Nurse Practitioner visited",
    "The GP visited. The CQC inspected on 12/03/2026.", "Handover at 07:00 and 19:00", "2 hours 30 minutes",
    "Room 12 on Unit 3", "took the A1 2nd exit", "rated 10/10", "called 999 and 111", "waited 4-5 hours",
    "between 2021 and 2022", "Florence Nightingale Ward", "James Cook University Hospital",
    "Call the Rowan Unit team", "1 in 4 residents had no review", "PRN protocols in place", "COVID-19 rules",
    "Fire drill at 10am, 23 residents", "A&E", "the 111 service", "Q1 2026 audit 87%", "[unreadable]",
    "Ward 12, Bed 3", "Score 943 476 5918", "Ref 1234567890", "Thanks, the Team", "Grace Darling Ward",
    "Went to St Mary Hospital", "The doctor Was late", "BP 120/80, pulse 72", "Weight 65.4kg on 01.02.2026",
]


# A listed given name in lower case after a role, a title or a sign-off; after mr, mrs or dr any uncommon word.
LOWER_CASE_NAMES = [
    ("my mum jane was left", "my mum [name] was left"),
    ("carer called tom", "carer called [name]"),
    ("the carer named rose was kind", "the carer named [name] was kind"),
    ("thanks sarah", "thanks [name]"),
    ("thanks grace, lovely stay", "thanks [name], lovely stay"),
    ("mrs patel", "mrs [name]"),
    ("ask mrs patel's daughter", "ask mrs [name]'s daughter"),
    ("mr and mrs smith", "mr and mrs [name]"),
    ("dr ahmed came", "dr [name] came"),
    ("ms sarah came", "ms [name] came"),
    ("we miss jane", "we miss [name]"),
    ("nurse priya, thank you", "nurse [name], thank you"),
    ("my son, derek, rang", "my son, [name], rang"),
    ("thanks sarah and tom", "thanks [name] and [name]"),
    ("Thank you Sarah for everything", "Thank you [name] for everything"),
    ("Thank You Sarah Jones for the care", "Thank You [name] for the care"),
    ("Thanks Jane & Tom", "Thanks [name] & [name]"),
    ("MY MUM Jane rang", "MY MUM [name] rang"),
    ("mrs Oyelaran rang", "mrs [name] rang"),
    ("mrs o'brien and mr o’neill", "mrs [name] and mr [name]"),
    ("mrs smith-jones rang", "mrs [name] rang"),
    ("my mum jane-marie rang", "my mum [name] rang"),
    ("the dr okafor said", "the dr [name] said"),
]
# Everyday words after the same cues, and given names that are also everyday words, stay.
LOWER_CASE_NOT_NAMES = [
    "my son will visit", "the nurse may call", "carer said", "my mum is happy", "the resident rose at six",
    "my son frank and honest", "miss dawn", "we miss holly", "dr said it was fine", "dr visited", "dr came today",
    "mr tablets at night", "the dr. then left", "thanks to all", "thanks again", "thank you so much",
    "nurse was kind", "my mum and dad", "mrs and mr", "thank you rowan unit", "thanks to jane's team",
    "ms nurse came", "thank you to everyone", "the dr needs to call", "dr kept me waiting", "the dr wouldn't listen",
    "the dr receptionist was rude", "saw dr today", "my son well-known here",
]
# Roles and places that look like names: a ward sister, a priest, a care home and a church are no one.
NOT_NAMES_THOUGH_CAPITALISED = [
    "Sister said the drugs round was late", "Father said mass on Sunday", "Thanks, Father", "Thank you Sister",
    "Thanks Mum", "Heather View", "Grace Church", "I visited Heather View today", "We met at Grace Church on Sunday",
    "Thank you Rowan Unit", "Lily Grange care home", "Ask Matron", "saw the dr. However it was late",
]
ROLES_AND_PLACES_WITH_NAMES = [
    ("Sister Mary Jones was in charge", "Sister [name] was in charge"),
    ("Father Brian visited", "Father [name] visited"),
    ("Mrs Church rang", "Mrs [name] rang"),
    ("Mr Hill and Dr Park", "Mr [name] and Dr [name]"),
    ("Heather Smith at Heather View", "[name] at Heather View"),
    ("my daughter Chiamaka rang", "my daughter [name] rang"),
    ("Mrs Oyelaran rang", "Mrs [name] rang"),
]


# Given names missing from GIVEN_NAMES: after a role or a title any capitalised word that is not a common one;
# before a surname, a given name from the wider list of the countries residents and staff come from.
UNLISTED_NAMES = [
    ("Zbigniew Kowalski helped me", "[name] helped me"),
    ("we thanked Wojciech Nowak", "we thanked [name]"),
    ("I spoke to Chiamaka Obi about it", "I spoke to [name] about it"),
    ("my daughter Chiamaka", "my daughter [name]"),
    ("my daughter Chiamaka rang", "my daughter [name] rang"),
    ("Mrs Oyelaran", "Mrs [name]"),
    ("mrs Oyelaran complained", "mrs [name] complained"),
    ("the carer Tendai Moyo was kind", "the carer [name] was kind"),
    ("Thank you Chiamaka for the care", "Thank you [name] for the care"),
]
# Capitalised pairs whose first word is in the wider list's countries but here an English word, or a place.
NOT_UNLISTED_NAMES = ["Said Yes", "Grant Application sent", "Roman Road", "German Measles", "Made Me Smile",
                      "Don Valley", "Lucky Dip", "Felix Ward", "Amber Rating", "Charity Shop", "Christian Aid",
                      "Angel Care", "Santa Visit", "Danish Pastries"]


def _masked_alone(text: str, placeholder: str) -> None:
    """The text on its own, and inside a sentence, is masked as the one placeholder."""
    assert mask_text(text) == placeholder
    assert mask_text(f"Please use {text} for now.") == f"Please use {placeholder} for now."


@pytest.mark.parametrize("number", VALID_NHS_NUMBERS)
def test_nhs_numbers_that_pass_the_checksum_are_masked(number):
    _masked_alone(number, "[NHS number]")


@pytest.mark.parametrize("number", INVALID_NHS_NUMBERS)
def test_ten_digits_failing_the_checksum_are_not_nhs_numbers(number):
    assert mask_text(f"Reference {number} given") == f"Reference {number} given"


def test_ten_digits_failing_the_checksum_with_a_phone_shape_are_a_phone():
    assert [m.kind for m in find_personal_data("ring 016977 4321")] == ["phone"]


@pytest.mark.parametrize("number", PHONES)
def test_uk_phone_numbers_are_masked(number):
    _masked_alone(number, "[phone]")


# A number in a sentence's brackets: the brackets stay, balanced, around the placeholder.
PHONES_IN_BRACKETS = [
    ("call (07700 900123)", "call ([phone])"),
    ("ring me (07700 900123) after 6", "ring me ([phone]) after 6"),
    ("her son (07700900123).", "her son ([phone])."),
    ("(0161 496 0000)", "([phone])"),
    ("mobile (+44 7700 900123)", "mobile ([phone])"),
    ("office (0161) 496 0000", "office [phone]"),
    ("office ((0161) 496 0000)", "office ([phone])"),
    ("[07700 900123]", "[[phone]]"),
]


@pytest.mark.parametrize(("text", "masked"), PHONES_IN_BRACKETS)
def test_phone_numbers_in_brackets_are_masked_inside_them(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize("text", ["(07700 9001)", "(0161 496 00000)", "(1234 567890)", "(0 7700 900123)"])
def test_bracketed_digits_without_a_phone_shape_are_not_masked(text):
    assert find_personal_data(text) == []


# The date after DOB, date of birth or born is masked; the cue words stay.
BIRTH_DATES = [
    ("DOB 12/03/1941", "DOB [date of birth]"),
    ("D.O.B: 12.03.41", "D.O.B: [date of birth]"),
    ("D.O.B.: 12.3.41", "D.O.B.: [date of birth]"),
    ("date of birth 12 March 1941", "date of birth [date of birth]"),
    ("Date of Birth: 3 Mar. 1941.", "Date of Birth: [date of birth]."),
    ("born 3rd March 1941", "born [date of birth]"),
    ("born on 12/03/1941", "born on [date of birth]"),
    ("born on the 3rd of March, 1941 in Leeds", "born on the [date of birth] in Leeds"),
    ("born March 3rd, 1941", "born [date of birth]"),
    ("born in March 1941", "born in [date of birth]"),
    ("born in 1941", "born in [date of birth]"),
    ("dob: 1941-03-12", "dob: [date of birth]"),
    ("DOB12/03/1941", "DOB[date of birth]"),
    ("Birthdate 12-3-41, aged 84", "Birthdate [date of birth], aged 84"),
    ("dob 12/03/1941 NHS 943 476 5919", "dob [date of birth] NHS [NHS number]"),
]
# Dates without a birth cue are a visit's, a complaint's or an audit's: they stay.
NOT_BIRTH_DATES = ["visited on 12/03/2026", "complaint received 3 March", "born in Leeds", "newborn 12/03/2026",
                   "dobby 12/03/1941", "born 12 marching bands", "born at 12/03/1941", "date of visit 12/03/2026",
                   "reviewed 1941-03-12", "DOB not recorded, seen 12/03/2026"]


@pytest.mark.parametrize(("text", "masked"), BIRTH_DATES)
def test_dates_of_birth_are_masked_and_their_cue_kept(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize("text", NOT_BIRTH_DATES)
def test_dates_without_a_birth_cue_are_not_masked(text):
    assert find_personal_data(text) == []


@pytest.mark.parametrize("postcode", POSTCODES)
def test_uk_postcodes_are_masked(postcode):
    _masked_alone(postcode, "[postcode]")


@pytest.mark.parametrize("email", EMAILS)
def test_emails_are_masked(email):
    _masked_alone(email, "[email]")


@pytest.mark.parametrize("address", ADDRESSES)
def test_street_addresses_are_masked(address):
    _masked_alone(address, "[address]")


def test_an_address_with_its_postcode():
    assert mask_text("She moved to 12 Acacia Avenue, Leeds LS1 4AP.") == "She moved to [address], Leeds [postcode]."


@pytest.mark.parametrize(("text", "masked"), NAMES_IN_CONTEXT)
def test_names_in_context_are_masked(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize(("text", "masked"), LOWER_CASE_NAMES)
def test_names_in_lower_case_after_a_role_title_or_sign_off_are_masked(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize("text", LOWER_CASE_NOT_NAMES + NOT_NAMES_THOUGH_CAPITALISED)
def test_everyday_words_roles_and_places_after_the_same_cues_are_not_masked(text):
    assert find_personal_data(text) == []


@pytest.mark.parametrize(("text", "masked"), ROLES_AND_PLACES_WITH_NAMES)
def test_names_beside_role_and_place_words_are_masked(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize(("text", "masked"), UNLISTED_NAMES)
def test_names_missing_from_the_given_name_list_are_masked(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize("text", NOT_UNLISTED_NAMES)
def test_english_words_among_the_wider_given_names_are_not_names(text):
    assert find_personal_data(text) == []


def test_the_wider_given_name_list_is_loaded_from_faker():
    # Faker ships its lists; were it not installed, names would be found from GIVEN_NAMES alone.
    names = world_given_names()
    assert names > GIVEN_NAMES and len(names) > 5_000
    assert {"Zbigniew", "Chiamaka", "Wojciech", "Tendai"} <= names
    assert not {"Said", "Made", "Grant", "Mark", "Man", "Job", "Us", "Sister", "Unit"} & names


@pytest.mark.parametrize("text", MUST_NOT_MASK)
def test_ordinary_words_dates_and_numbers_are_not_masked(text):
    assert mask_text(text) == text
    assert find_personal_data(text) == []


ALL_TEXTS = (VALID_NHS_NUMBERS + INVALID_NHS_NUMBERS + PHONES + POSTCODES + EMAILS + ADDRESSES
             + [text for text, _ in NAMES_IN_CONTEXT + PHONES_IN_BRACKETS + BIRTH_DATES + LOWER_CASE_NAMES
                             + ROLES_AND_PLACES_WITH_NAMES + UNLISTED_NAMES]
             + MUST_NOT_MASK + NOT_BIRTH_DATES + LOWER_CASE_NOT_NAMES + NOT_NAMES_THOUGH_CAPITALISED
             + NOT_UNLISTED_NAMES)


@pytest.mark.parametrize("text", ALL_TEXTS)
def test_masking_masked_text_changes_nothing(text):
    once = mask_text(text)
    assert mask_text(once) == once


def test_none_and_empty_pass_through():
    assert mask_text(None) is None and mask_text("") == ""
    assert find_personal_data(None) == [] and strip_placeholders(None) is None


def test_find_personal_data_explains_what_was_masked():
    text = "Call her son Mark Evans on 07700 900123 or email mark@example.org"
    found = find_personal_data(text)
    assert [(m.kind, m.text) for m in found] == [("name", "Mark Evans"), ("phone", "07700 900123"),
                                                 ("email", "mark@example.org")]
    assert all(text[m.start:m.end] == m.text for m in found)
    with pytest.raises(dataclasses.FrozenInstanceError):
        found[0].kind = "phone"
    assert isinstance(found[0], Match)


def test_overlapping_rules_keep_the_surest():
    assert mask_text("Write to jane.smith@example.org") == "Write to [email]"
    assert mask_text("NHS no. 9434765919") == "NHS no. [NHS number]"


def test_placeholders_and_stripping_them_for_theme_analysis():
    assert PLACEHOLDERS == {"[name]", "[phone]", "[email]", "[NHS number]", "[postcode]", "[address]",
                            "[date of birth]"}
    masked = mask_text("Mrs Patel said the food was cold, ring her daughter on 07700 900123")
    assert strip_placeholders(masked) == "Mrs said the food was cold, ring her daughter on"
    for text in ALL_TEXTS:
        stripped = strip_placeholders(mask_text(text))
        assert not any(token in stripped for token in PLACEHOLDERS)


def test_mask_series_agrees_with_mask_text_and_keeps_gaps_and_index():
    texts = ALL_TEXTS + ["the food was cold"]
    series = pd.Series(texts + [None, np.nan], index=range(100, 102 + len(texts)), name="comment", dtype=object)
    masked = mask_series(series)
    assert masked.index.equals(series.index) and masked.name == "comment"
    assert masked.iloc[:-2].tolist() == [mask_text(t) for t in texts]
    assert masked.iloc[-2:].isna().all()
    assert series.iloc[0] == VALID_NHS_NUMBERS[0]


def test_mask_series_on_pandas_string_dtypes():
    series = pd.Series(["Mrs Patel rang", None, "all fine"], dtype="string")
    assert mask_series(series).tolist() == ["Mrs [name] rang", pd.NA, "all fine"]
    assert mask_series(pd.Series([], dtype="string")).empty


def test_mask_series_looks_at_texts_whose_only_name_is_in_lower_case():
    # No digit, '@' or capital after the first word: only the cue and a lower-case word mark them as worth a look.
    series = pd.Series(["thanks sarah", "my mum jane was left", "mrs patel rang", "the food was cold"], dtype="string")
    assert mask_series(series).tolist() == ["thanks [name]", "my mum [name] was left", "mrs [name] rang",
                                            "the food was cold"]


def _synthetic_comments(count: int, seed: int = 11) -> pd.Series:
    """Care home comments in the mix people write, most of them unique, about half holding personal data."""
    rng = np.random.default_rng(seed)
    templates = ["the food was cold again on day {n}", "my mum {given} said the carer called {other} was late",
                 "Please ring her daughter {given} {surname} on 07700 9{n:05d} about the care plan.",
                 "Lovely home, thanks to everyone on Rowan Unit for {n} years. Thanks, {given}",
                 "Visited on 3rd March 2026 at 14:30, {house} staff on shift, paid £{n}.",
                 "Lives at {house} Acacia Avenue, SW1A 1AA, her NHS number is 943 476 5919", "very good {n}/10",
                 "Mrs {surname} complained about the noise at night in room {n}.",
                 "Email me at {given}.{surname}@example.org please.",
                 "Staff are kind but the Willow Unit lounge is cold in the Morning and there were {n} activities."]
    given = ["Jane", "Tom", "Sarah", "Margaret", "Priya", "Derek", "Ngozi", "Callum"]
    surnames = ["Jones", "Patel", "Smith", "O'Brien", "Kowalska", "Reid"]
    return pd.Series([templates[t].format(n=n, house=n % 999 + 1, given=given[g], other=given[-g], surname=surnames[s])
                      for t, n, g, s in zip(rng.integers(0, len(templates), count), rng.integers(1, 100_000, count),
                                            rng.integers(0, len(given), count), rng.integers(0, len(surnames), count))])


def test_mask_series_masks_a_large_varied_batch():
    # Speed is measured in bench/privacy_bench.py, never asserted here.
    comments = _synthetic_comments(20_000)
    masked = mask_series(comments)
    assert comments.nunique() > 12_000  # most comments are unique, as real ones are
    assert set(masked) >= {"my mum [name] said the carer called [name] was late", "Email me at [email] please.",
                           "Lives at [address], [postcode], her NHS number is [NHS number]"}
    assert not masked.str.contains("Jane|Tom|Sarah|Margaret|Priya|Derek|Ngozi|Callum|Jones|Patel|O'Brien|07700").any()


@pytest.fixture(scope="module")
def real_comments() -> pd.DataFrame:
    if not REAL_FFT.exists():
        pytest.skip(f"real data not found at {REAL_FFT}")
    frame = pd.read_csv(REAL_FFT, dtype=str)
    return frame.assign(answer=frame["FFT answer"].fillna(""))


def test_real_comments_marked_and_unmarked(real_comments):
    marked = real_comments["Person identifiable info?"].notna()
    masked = mask_series(real_comments["answer"]) != real_comments["answer"]
    # Measured: the publisher removed personal data before release (leaving '****'), so none of the 5,096
    # comments is marked; of the unmarked, only 2 are masked, both naming James Cook (a hospital) as a person.
    assert len(real_comments) == 5096 and marked.sum() == 0
    assert masked[marked].sum() == marked.sum()
    assert masked[~marked].sum() <= 5
    assert {m.kind for text in real_comments.loc[masked, "answer"] for m in find_personal_data(text)} == {"name"}


def test_personal_data_written_into_real_comments_is_masked_and_nothing_else_changes(real_comments):
    comments = real_comments.loc[real_comments["answer"].str.len() > 20, "answer"].sample(500, random_state=3)
    added = " My son Callum Reid is on 07700 900123, at 14 Mill Lane, NE1 4ST, NHS number 401 023 2137."
    expected = " My son [name] is on [phone], at [address], [postcode], NHS number [NHS number]."
    for comment in comments:
        assert mask_text(comment.rstrip() + added) == mask_text(comment.rstrip()) + expected


def test_a_quoted_email_keeps_both_quote_marks():
    assert mask_text("e.g. 'jo.bloggs@care.org', 'a@b.co.uk'") == "e.g. '[email]', '[email]'"
