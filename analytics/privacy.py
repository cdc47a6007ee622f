"""Mask personal data in free text: names, dates of birth, phone numbers, emails, NHS numbers, postcodes, addresses.

Complaint summaries and feedback comments name residents, relatives and staff. Screens and exports show the
masked text by default; the store keeps the original for the roles that need it. Everything here is local
pattern matching and word lists (ours, and the given names the Faker package ships): nothing is sent anywhere,
fetched or learnt, and no model is loaded.

Each rule is one small function that finds its spans; `find_personal_data` runs them in order of how sure
they are, an earlier rule's span winning any overlap, and `mask_text` puts a readable placeholder in each.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache

import pandas as pd

KINDS = ("email", "date of birth", "NHS number", "phone", "postcode", "address", "name")
PLACEHOLDER = {kind: f"[{kind}]" for kind in KINDS}
PLACEHOLDERS = frozenset(PLACEHOLDER.values())

# Common given names in England across the generations of residents, relatives and care staff. Names that
# are also everyday words (May, June, Will, Mark, Bill) are left out: they would mask dates and sentences.
GIVEN_NAMES = frozenset("""
    Aaron Abdul Abigail Ada Adam Adrian Agnes Agnieszka Ahmed Aidan Aisha Alan Albert Alex Alexander Alexandra
    Alfie Alfred Ali Alice Alison Amanda Amara Amelia Amina Amir Amit Amy Ana Andrea Andrew Angela Anil Anita Ann
    Anna Anne Annie Anthony Anjali Archie Arthur Arjun Ashley Audrey Ava Barbara Barry Beatrice Ben Benjamin
    Bernard Beryl Beth Bethany Betty Beverley Blessing Brenda Brian Bridget Bronwen Bruce Carl Carol Caroline
    Carys Catherine Charles Charlie Charlotte Chidi Chloe Chris Christine Christopher Claire Clare Colin Connor
    Craig Cynthia Daisy Daniel Danielle Darren Dave David Dawn Dean Debbie Deborah Deepak Denise Dennis Derek Diana
    Diane Donald Doreen Doris Dorothy Douglas Duncan Edith Edna Edward Eileen Elaine Eleanor Elizabeth Ella Ellie
    Elsie Emily Emma Eric Ernest Ethan Ethel Eva Evelyn Faith Fatima Fiona Florence Frances Francis Frank Freda
    Fred Freddie Frederick Gail Gareth Gary Gemma Geoffrey George Georgia Gerald Gillian Gladys Glenys Gloria
    Gordon Grace Graham Hannah Harold Harriet Harry Hazel Heather Helen Henry Hilda Holly Ian Imran Irene Isaac
    Isabel Isabella Isla Ivy Jack Jacob Jacqueline Jade James Jamie Jan Jane Janet Janice Jason Jean Jeffrey
    Jennifer Jenny Jessica Jill Joan Joanne Joe John Jonathan Joseph Josephine Joshua Joy Joyce Judith Judy Julie
    Karen Kate Katarzyna Katherine Kathleen Kathryn Katie Keith Kelly Kenneth Kevin Kieran Kim Kirsty Laura Lauren
    Lee Leah Leon Leonard Leslie Lewis Lily Linda Lisa Liam Lorraine Louise Lucy Luke Lynn Lynne Madison Malcolm
    Mandy Margaret Maria Marie Marion Marjorie Marta Martin Mary Matthew Maureen Mavis Megan Melanie Mia Michael
    Michelle Mike Mildred Mohammed Mohammad Molly Muhammad Nadia Nancy Natalie Natasha Neil Ngozi Nicholas Nicola
    Nigel Noah Norah Norma Norman Oliver Olivia Olu Oscar Pamela Patricia Patrick Paul Paula Pauline Peggy Peter
    Philip Phyllis Piotr Pooja Precious Priya Rachel Rahul Raj Rajesh Ravi Raymond Rebecca Reg Reginald Rhys
    Richard Rita Robert Robin Roger Ronald Rose Rosemary Rowan Roy Ruby Russell Ruth Ryan Sally Sam Samantha
    Samuel Sandra Sarah Scott Sean Shaun Sharon Sheila Shirley Simon Sophie Stanley Stephanie Stephen Steve Steven
    Stuart Sue Sunita Susan Sylvia Tendai Teresa Thomas Tom Tony Tracey Tracy Trevor Valerie Vera Victoria Vincent
    Violet Wayne Wendy William Winifred Yvonne Zainab Zara Zoe
""".split())

# Given names of the countries that residents, relatives and care staff in England come from, as the Faker
# package lists them (it ships them; nothing is fetched). Only a given name followed by a surname is taken from
# these (Zbigniew Kowalski, Chiamaka Obi): the lists hold more everyday words than GIVEN_NAMES does.
WORLD_NAME_LOCALES = ("en_GB", "en_IE", "en_NG", "ig_NG", "yo_NG", "ha_NG", "tw_GH", "en_KE", "sw", "zu_ZA", "en_IN",
                      "en_PK", "pl_PL", "ro_RO", "lt_LT", "lv_LV", "cs_CZ", "sk_SK", "hu_HU", "hr_HR", "sl_SI",
                      "et_EE", "pt_PT", "pt_BR", "es_ES", "it_IT", "fr_FR", "de_DE", "tr_TR")
# Names in those lists that are also English words seen capitalised in a heading or a sentence's start.
NOT_WORLD_NAMES = frozenset("""
    Amber Angel Charity Christian Coral Cord Corona Danish Don Duke Edit Eta Fancy Forum Gal German Grant Hardy Harm
    Harsh India Innocent Kaiser Lavender Lucky Mad Made Maj Mar Mark Mate Maxim Meta Mile Peer Roman Sad Said Santa
    Server Sole Tan Tea Till Toy Urban Verde
""".split())

# Listed given names that in lower case are mostly everyday words: "the resident rose at six", "my son frank".
# After a role word they are taken as names only when written as one or after "called", "named" or "known as".
EVERYDAY_GIVEN_NAMES = frozenset("""
    blessing carol daisy dawn dean faith frank gail grace hazel heather holly ivy jack jade jan jean joy lee lily
    precious reg robin rose rowan ruby sue violet
""".split())

# Words that name a unit or place when they follow a capitalised word: Rowan Unit, James Cook Hospital, Heather
# View (a care home), Grace Church. Common surnames (Hall, Green, Mills, Brook) are left out: Mary Green is a name.
PLACE_WORDS = frozenset("""
    Unit Ward Wing House Home Court Lodge Suite Floor Team Centre Center Hospital Hospice Surgery Practice Clinic
    University Infirmary Road Street Lane Avenue Close Drive Way Place Gardens Garden Park Hill Village Room Lounge
    View Views Church Chapel Cathedral Mosque Temple Gurdwara Synagogue Manor Grange Meadows Heights Towers Cottage
    Cottages Residence Residential Nursing Retirement Terrace Crescent Square Mews Rise Valley Station School
    College Academy Library Hotel Pharmacy Medical Health Healthcare Estate
""".split())
# Capitalised words that follow a title, a role or a given name without being a name: sentence openers,
# days and months, the words of care records, and places.
NOT_NAMES = PLACE_WORDS | frozenset("""
    A About After All Also Am An And Any Are As At Be Because Been Being But By Can Could Did Do Does Done Even
    Every Everyone Everything For From Had Has Have He Her Here Him His How I If In Into Is It Its Just Let Many
    More Most Much My No Not Nothing Now Of Off On Once One Only Or Our Out Please She Should So Some Still Such
    Than Thank Thanks That The Their Them Then There These They This Those To Too Very Was We Well Were What When
    Where Which While Who Why With Would Yes Yet You Your
    However Although Though Unfortunately Sadly Overall Otherwise Therefore Luckily Hopefully Apart Since Before
    During Until Whilst Both Each Either Neither Later Finally Eventually Meanwhile Instead Perhaps Maybe Sorry
    Good Great Excellent Lovely Nice Kind Brilliant Amazing Fantastic Wonderful Friendly Helpful Poor Bad
    Again Always Never Today Yesterday Tomorrow Morning Afternoon Evening Night Day Days Week Month Year
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August
    September October November December
    Care Plan Chart Test Service Services Trust Group Shift Manager Assessment Review Policy Report Meeting Audit
    Nurse Nurses Sister Doctor Carer Carers Staff Crew Driver Paramedic Paramedics Ambulance Transport Emergency
    Practitioner Specialist Assistant Associate Lead Led
    Mum Mom Mummy Mother Dad Daddy Father Wife Husband Partner Son Daughter Brother Brothers Sisters Nan Nana Nanna
    Gran Granny Grandma Grandmother Grandad Grandpa Grandfather Aunt Auntie Uncle Niece Nephew Cousin Friend
    Matron Sir Madam Reverend Rev Pastor Imam Rabbi Vicar Everybody Guys Folks
""".split())

# Lower-case words that follow "mr", "mrs" or "dr" without being a surname: "dr said", "mr and mrs", "dr came".
NOT_SURNAMES = frozenset(word.lower() for word in NOT_NAMES) | frozenset("""
    about advice advised agreed again also and appointment appointments arrived as asked asks at but by call called
    calls came can come comes could did didn done does doesn explained feel feels felt for from gave give gives go
    goes gone had has have he her his is isn just knew know knows letter letters listened looked made make makes
    me mrs mr ms my never not note notes on or phone phoned prescribed rang ring rings round rounds said saw say
    says see seen sees she spoke surgery take takes talked tell tells that the then they think thinks thought to
    told took visit visited visits wanted wants was wasn went were who will with would wrote tablet tablets
    capsule capsules dose doses patch patches injection injections medication kept left put sent got let found
    spent met brought heard set ran sat stood needs seems looks checks might must shall won wouldn couldn shouldn
    hasn hadn aren weren referral receptionist reception office
""".split())

STREET_WORDS = ("Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Close|Drive|Way|Court|Ct|Crescent|Cres|Place|Pl|Gardens"
                "|Grove|Terrace|Walk|Row|Hill|Park|Square|Sq|Mews|View|Rise|Green|Parade|Vale|Wynd|Gate|Yard")

UPPER = "A-ZÀ-ÖØ-Þ"
LOWER = "a-zß-öø-ÿ"
# One capitalised name word: Jane, O'Brien, McDonald, Anne-Marie.
NAME_WORD = rf"(?:Mc|Mac|O['’])?[{UPPER}][{LOWER}]+(?:-[{UPPER}][{LOWER}]+)?"
NAME_WORDS = rf"{NAME_WORD}(?:[ \t]+{NAME_WORD}){{0,2}}"
NAME_WORD_PATTERN = re.compile(NAME_WORD)


@dataclass(frozen=True)
class Match:
    """One piece of personal data found in a text: what kind it is, where it is, and its text."""

    kind: str
    start: int
    end: int
    text: str


# An address never starts with a quote mark, so a quoted address ('jo@x.org') is masked with both quotes kept.
EMAIL = re.compile(r"[\w.+-][\w.+'-]*@[\w-]+(?:\.[\w-]+)+")
# A date after the words that say it is a birth date: DOB 12/03/1941, D.O.B: 12.03.41, date of birth 12 March 1941,
# born on the 3rd of March 1941, dob: 1941-03-12. The cue stays; other dates (visited on 12/03/2026) are no one's.
MONTH = (r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
         r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?(?![a-z])")
DAY = r"(?:[12]\d|3[01]|0?[1-9])(?i:st|nd|rd|th)?"
YEAR = r"(?:1[89]|20)\d\d"
BIRTH_DATE = re.compile(r"(?<![\w.])(?:(?i:d\.?o\.?b)(?![a-zA-Z])\.?|(?i:date[ \t]+of[ \t]+birth|birth[ \t]*date|born))"
                        r"[ \t]*(?:[:=–-][ \t]*)?(?:(?i:is|was|on|in)[ \t]+)?(?:(?i:the)[ \t]+)?"
                        rf"(?P<date>{YEAR}[/.-]\d\d?[/.-]\d\d?|\d\d?[/.-]\d\d?[/.-](?:{YEAR}|\d\d)"
                        rf"|{DAY}(?:[ \t]+(?i:of))?[ \t]+{MONTH}(?:,?[ \t]+{YEAR})?"
                        rf"|{MONTH}[ \t]+{DAY}(?:,?[ \t]+{YEAR})?|{MONTH},?[ \t]+{YEAR}|{YEAR})(?!\d)")
NHS_NUMBER = re.compile(r"(?<![\d+])\d{3}([ -]?)\d{3}\1\d{4}(?![\d])")
# The 0 or +44 and then nine or ten digits with at most one space, hyphen or bracket between any two.
PHONE = re.compile(r"(?<![\w+])(?:\+44[ ]?(?:\(0\)[ ]?)?|\(?0)[1-9](?:(?:\)[ ]?|[ -])?\d){8,9}(?!\d)")
# Outward codes A9, A99, AA9, AA99, A9A and AA9A; the letters no postcode uses in each place are left out.
POSTCODE = re.compile(r"\b[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE)
LOWERCASE_ORDINAL = re.compile(r"\d(?:st|nd|rd|th)")
ADDRESS = re.compile(rf"(?<![\w/:.£,-])(?:(?i:flat|apartment|apt)[ ]+\d+[A-Za-z]?,?[ ]+)?\d{{1,4}}[A-Za-z]?,?[ ]+"
                     rf"(?:[{UPPER}][{LOWER}'’]+[ ]+){{1,3}}(?:{STREET_WORDS})\b")


def _trie(spellings: Iterable[str]) -> str:
    """A regex matching any of the spellings, sharing their beginnings (mum|mother as m(?:um|other)): Python's re
    tries each branch of an alternation in turn, so fewer branches at each letter make a faster scan."""
    trie: dict = {}
    for spelling in spellings:
        node = trie
        for char in spelling:
            node = node.setdefault(char, {})
        node[""] = {}

    def branches(node: dict) -> str:
        inner = [re.escape(char) + branches(child) for char, child in sorted(node.items()) if char]
        body = inner[0] if len(inner) == 1 else f"(?:{'|'.join(inner)})" if inner else ""
        return f"(?:{body})?" if "" in node and body else body

    return branches(trie)


def _any_case(words: str) -> str:
    """Some |-separated words as written in lower case, Capitalised, Title Case and UPPER CASE. Python's re skips
    ahead to the first letters a case-sensitive pattern can start with, but tries an (?i:...) one everywhere."""
    return _trie(dict.fromkeys(spelling for word in words.split("|")
                               for spelling in (word, word.capitalize(), word.title(), word.upper())))


ROLE_WORDS = _any_case("mum|mom|mother|dad|father|wife|husband|partner|son|daughter|brother|sister|nan|nana|gran"
                       "|granny|grandma|grandmother|grandad|grandpa|grandfather|grandson|granddaughter|aunt|auntie"
                       "|uncle|niece|nephew|cousin|friend|neighbour|carer|nurse|doctor|manager|keyworker|key worker"
                       "|resident|client|driver|paramedic|colleague|relative")
SIGN_OFFS = _any_case("thanks|thank you|many thanks|regards|kind regards|best wishes|cheers|love from"
                      "|yours sincerely|yours faithfully")
# A title in any case (mrs Oyelaran) but Miss, which in lower case is mostly the verb (we miss Rowan Unit).
TITLES = _any_case("mr|mrs|ms|mx|dr|prof")
# Each rule starts with (?<!\w) rather than \b: the regex engine then skips ahead to the pattern's first letters.
TITLED = re.compile(rf"(?<!\w)(?:{TITLES}|Miss)\.?[ \t]+((?:[{UPPER}]\.?[ \t]+)?{NAME_WORDS})")
SIGNED = re.compile(rf"(?<!\w)(?:{SIGN_OFFS})[,.!]?[ \t]+({NAME_WORDS})[ \t]*[.!]*[ \t]*$", re.MULTILINE)
# A word after a role, a title or a sign-off: my mum Jane, my mum jane, carer called tom, thanks sarah, mrs patel.
CUED = re.compile(rf"(?<!\w)(?:(?P<role>{ROLE_WORDS})(?P<naming>[ \t]+(?i:called|named|known as))?,?"
                  rf"|(?P<title>{_any_case('mr|mrs|ms|mx|dr|prof|miss')})\.?|(?:{SIGN_OFFS})[,.!]?)"
                  rf"[ \t]+(?P<word>{NAME_WORD}|(?:o['’])?[{LOWER}]+(?:-[{LOWER}]+)?)\b")
AND_NAME = re.compile(rf",?[ \t]+(?:and|&)[ \t]+([{UPPER}{LOWER}][{LOWER}]+)\b")
NAME_WORDS_AT = re.compile(NAME_WORDS)
CAPITALISED = re.compile(rf"(?<!\w)[{UPPER}][{LOWER}]+")
SURNAME = re.compile(rf"[ \t]+({NAME_WORD})\b")
NEXT_WORD = re.compile(r"[ \t]+(\w+)")
DIGIT = re.compile(r"\d")
# Every name rule needs a capitalised word after another word.
LATER_CAPITAL = re.compile(rf"\W[{UPPER}]\w")
WORTH_A_LOOK = rf"[\d@]|{LATER_CAPITAL.pattern}"
# Or a role, title or sign-off and a word in lower case, which may be a name (my mum jane). Both patterns are
# kept free of lookbehinds, which pandas' pyarrow strings cannot run without falling back to Python's re.
LOWER_CASE_CUE = (rf"\b(?:{ROLE_WORDS}|{SIGN_OFFS}|{TITLES}|miss)(?:[ \t]+(?i:called|named|known as))?[,.!]?"
                  rf"[ \t]+[{LOWER}]")
PLACEHOLDER_PATTERN = re.compile(r"[ \t]*(?:" + "|".join(re.escape(p) for p in sorted(PLACEHOLDERS)) + ")")


def _emails(text: str) -> Iterator[Match]:
    """Email addresses."""
    for found in EMAIL.finditer(text):
        yield Match("email", found.start(), found.end(), found.group())


def _birth_dates(text: str) -> Iterator[Match]:
    """A date of birth: the date after DOB, date of birth or born."""
    for found in BIRTH_DATE.finditer(text):
        yield Match("date of birth", found.start("date"), found.end("date"), found.group("date"))


def _nhs_checksum_ok(digits: str) -> bool:
    """Whether ten digits pass the NHS number's Modulus 11 check."""
    check = 11 - sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1))) % 11
    return check != 10 and check % 11 == int(digits[9])


def _nhs_numbers(text: str) -> Iterator[Match]:
    """Ten digits, run together or spaced 3-3-4, that pass the Modulus 11 check."""
    for found in NHS_NUMBER.finditer(text):
        if _nhs_checksum_ok(re.sub(r"\D", "", found.group())):
            yield Match("NHS number", found.start(), found.end(), found.group())


def _is_phone_shape(number: str) -> bool:
    """Whether a candidate has balanced brackets, few groups and the length of a UK number."""
    digits = re.sub(r"\D", "", number.replace("+44", "0", 1).replace("(0)", "", 1))
    groups = len(re.findall(r"\d+", number.replace("(0)", "", 1)))
    # Only some 01 area codes and 0800 numbers have ten digits; every UK number else has eleven.
    length_ok = len(digits) == 11 or (len(digits) == 10 and digits.startswith(("01", "0800")))
    return length_ok and groups <= 4 and number.count("(") == number.count(")")


def _phones(text: str) -> Iterator[Match]:
    """UK phone numbers written as people write them: 07700 900123, +44 7700 900123, (0161) 496 0000."""
    for found in PHONE.finditer(text):
        start, number = found.start(), found.group()
        # "(07700 900123)": the opening bracket is the sentence's, not an area code's; mask what is inside.
        if number.startswith("(") and not _is_phone_shape(number):
            start, number = start + 1, number[1:]
        if _is_phone_shape(number):
            yield Match("phone", start, found.end(), number)


def _postcodes(text: str) -> Iterator[Match]:
    """UK postcodes in any valid format, any case."""
    for found in POSTCODE.finditer(text):
        # "the A1 2nd exit": a lowercase ordinal reads as a postcode's inward code but is not one.
        if not LOWERCASE_ORDINAL.fullmatch(found.group()[-3:]):
            yield Match("postcode", found.start(), found.end(), found.group())


def _addresses(text: str) -> Iterator[Match]:
    """A house number and a street: 12 Acacia Avenue, 3a Mill Lane, Flat 4, 21 High Street."""
    for found in ADDRESS.finditer(text):
        yield Match("address", found.start(), found.end(), found.group())


def _name_words(text: str, start: int, words: str, first_not_names: frozenset[str] = NOT_NAMES) -> Match | None:
    """The name in some capitalised words, up to the first that is not a name; None if the first is not."""
    end, not_names = start, first_not_names
    for word in re.finditer(r"\S+", words):
        if word.group() in not_names:
            break
        end, not_names = start + word.end(), NOT_NAMES
    return Match("name", start, end, text[start:end]) if end > start else None


# Right after a title a place word is a surname: Mrs Church, Mr Hill, Dr Park.
TITLED_NOT_NAMES = NOT_NAMES - PLACE_WORDS


def _titled_names(text: str) -> Iterator[Match]:
    """Names after a title: Mrs Patel, Dr A. Jones; the title stays to keep the sentence readable."""
    for found in TITLED.finditer(text):
        if match := _name_words(text, found.start(1), found.group(1), TITLED_NOT_NAMES):
            yield match


def _signed_names(text: str) -> Iterator[Match]:
    """A name signing off a comment: Thanks, Margaret."""
    for found in SIGNED.finditer(text):
        if not NOT_NAMES.intersection(found.group(1).split()):
            yield Match("name", found.start(1), found.end(1), found.group(1))


def _is_cued_name(found: re.Match, word: str) -> bool:
    """Whether a lower-case word after a role, title or sign-off is a name: a listed given name (but "the resident
    rose", "we miss holly"), or any word after mr, mrs or dr that is not a common one (mrs patel, not dr said)."""
    title = (found["title"] or "").lower()
    if word.split("-")[0].capitalize() in GIVEN_NAMES:  # jane, or jane-marie
        return word not in EVERYDAY_GIVEN_NAMES or not (found["role"] and not found["naming"] or title == "miss")
    return title in ("mr", "mrs", "dr") and word not in NOT_SURNAMES and not word.endswith(("ed", "ing", "ly"))


def _joined_names(text: str, end: int) -> Iterator[Match]:
    """Listed given names joined on with 'and' or '&' to a name just found: thanks sarah and tom."""
    while (joined := AND_NAME.match(text, end)) and joined.group(1).capitalize() in GIVEN_NAMES \
            and joined.group(1) not in EVERYDAY_GIVEN_NAMES and not _followed_by_place(text, joined.end()):
        yield Match("name", joined.start(1), joined.end(1), joined.group(1))
        end = joined.end()


def _cued_names(text: str) -> Iterator[Match]:
    """Names after a role, a title or a sign-off. Capitalised after a role, any words up to one that is not a name
    (her daughter Sarah Jones, carer called Tom); after a sign-off, a listed given name (Thank you Sarah for);
    in lower case, as `_is_cued_name` says (my mum jane, thanks sarah, mrs patel). `_titled_names` finds the
    capitalised names after a title."""
    for found in CUED.finditer(text):
        word, start = found["word"], found.start("word")
        if word[0].isupper():
            if found["title"] or not (found["role"] or word in world_given_names()):
                continue
            match = _name_words(text, start, NAME_WORDS_AT.match(text, start).group())
            if match is None or found["role"] is None and _followed_by_place(text, match.end):
                continue
        elif _is_cued_name(found, word) and not _followed_by_place(text, found.end()):
            match = Match("name", start, found.end(), word)
        else:
            continue
        yield match
        yield from _joined_names(text, match.end)


def _followed_by_place(text: str, end: int) -> bool:
    """Whether the next word names a unit or place, as in Florence Nightingale Ward."""
    after = NEXT_WORD.match(text, end)
    return after is not None and after.group(1).capitalize() in PLACE_WORDS


@cache
def world_given_names() -> frozenset[str]:
    """GIVEN_NAMES and the given names Faker lists for WORLD_NAME_LOCALES, less common English words; GIVEN_NAMES
    alone, with a warning, where Faker is not installed."""
    try:
        lorem = importlib.import_module("faker.providers.lorem.en_US").Provider
        providers = [importlib.import_module(f"faker.providers.person.{locale}").Provider
                     for locale in WORLD_NAME_LOCALES]
    except ModuleNotFoundError:
        logging.getLogger(__name__).warning("Faker is not installed: names are found from GIVEN_NAMES alone")
        return GIVEN_NAMES
    listed = {name for provider in providers for kind in ("first_names", "first_names_male", "first_names_female")
              for name in getattr(provider, kind, ()) if NAME_WORD_PATTERN.fullmatch(name)}
    everyday = {word.capitalize() for word in lorem.word_list}
    return GIVEN_NAMES | frozenset(listed - everyday - NOT_NAMES - NOT_WORLD_NAMES)


def _full_names(text: str) -> Iterator[Match]:
    """A given name and a surname: Margaret Thompson, Zbigniew Kowalski, not Rowan Unit."""
    given_names = world_given_names()
    for given in CAPITALISED.finditer(text):
        surname = given.group() in given_names and SURNAME.match(text, given.end())
        if surname and surname.group(1) not in NOT_NAMES and not _followed_by_place(text, surname.end()):
            yield Match("name", given.start(), surname.end(), text[given.start():surname.end()])


# Surest first, as an earlier rule wins an overlap: an email holds a name and digits, an NHS number has a
# phone's shape, and an address or a name inside an email must not be masked apart.
DIGIT_RULES = (_birth_dates, _nhs_numbers, _phones, _postcodes, _addresses)
NAME_RULES = (_titled_names, _cued_names, _signed_names, _full_names)


def _rules_for(text: str) -> tuple[Callable[[str], Iterator[Match]], ...]:
    """The rules that could find something in a text: most comments have no '@', and many no digit or name."""
    return (((_emails,) if "@" in text else ()) + (DIGIT_RULES if DIGIT.search(text) else ())
            + (NAME_RULES if LATER_CAPITAL.search(text) else (_cued_names,)))


def find_personal_data(text: str | None) -> list[Match]:
    """Every piece of personal data in a text, in order, none overlapping."""
    if not text:
        return []
    kept: list[Match] = []
    for rule in _rules_for(text):
        for match in rule(text):
            if all(match.end <= k.start or match.start >= k.end for k in kept):
                kept.append(match)
    return sorted(kept, key=lambda m: m.start)


def mask_text(text: str | None) -> str | None:
    """The text with each piece of personal data replaced by a placeholder such as [name] or [phone]."""
    if not text:
        return text
    parts, at = [], 0
    for match in find_personal_data(text):
        parts += [text[at:match.start], PLACEHOLDER[match.kind]]
        at = match.end
    return "".join(parts) + text[at:]


def mask_series(series: pd.Series) -> pd.Series:
    """Each text of a series masked; texts with nothing that could be personal data are passed over."""
    texts = series.astype("string")
    candidates = texts.str.contains(WORTH_A_LOOK, regex=True, na=False) | texts.str.contains(LOWER_CASE_CUE, na=False)
    masked = series.copy()
    if candidates.any():
        masked.loc[candidates] = [mask_text(str(text)) for text in series[candidates]]
    return masked


def strip_placeholders(text: str | None) -> str | None:
    """The text without its placeholders, so masked tokens never become themes."""
    if not text:
        return text
    return PLACEHOLDER_PATTERN.sub("", text).strip()
