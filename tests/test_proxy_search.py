"""Proxy search: Dutch and English words, accents and word forms, ranked; the normaliser's properties."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from impactlab.cli import app
from impactlab.model.library import proxy_library, search_proxies, search_scored
from impactlab.model.proxy_search import STOP_WORDS, Index, normalise, quality, stems

ENTRIES = [
    ("debt", {"name": ["Debt-assistance trajectory", "Traject schuldhulpverlening"], "keywords": ["debt", "schulden"]}),
    ("lonely", {"name": ["Loneliness reduction", "Minder eenzaamheid"], "keywords": ["loneliness", "eenzaam"]}),
    ("client", {"name": ["Client contact", "Cliëntcontact"], "keywords": ["cliënt"], "notes": ["debt"]}),
    ("shelter", {"name": ["Shelter night", "Nacht daklozenopvang"], "keywords": ["opvang"]}),
]
INDEX = Index(ENTRIES)


def ids(query: str) -> list[str]:
    return [h.id for h in INDEX.search(query.split())]


@pytest.mark.parametrize("query", ["eenzaam", "eenzaamheid", "eenzame", "loneliness", "lonely", "EENZAAMHEID"])
def test_word_forms_and_both_languages_find_loneliness(query):
    assert ids(query) == ["lonely"]


@pytest.mark.parametrize("query", ["schuldhulp", "schuldhulpverlening", "schulden", "schuld", "debt"])
def test_dutch_compounds_and_inflection_find_debt_assistance(query):
    assert ids(query)[0] == "debt"


def test_accents_do_not_matter_and_compound_tails_are_found():
    assert ids("client") == ids("cliënt") == ids("CLIËNT") == ["client"]
    assert ids("daklozenopvang") == ["shelter"] and ids("opvang") == ["shelter"]


def test_ranking_names_and_keywords_before_notes():
    assert ids("debt") == ["debt", "client"]  # 'debt' is only in the notes of 'client'


def test_every_word_must_match_stop_words_are_ignored_typos_tolerated():
    assert ids("debt shelter") == []
    assert ids("de opvang van") == ["shelter"]
    assert ids("eenzaamheit") == ["lonely"]  # typo
    assert ids("zzzqqq") == [] and INDEX.search([]) == [] and ids("   ") == []


def test_a_library_proxy_matches_like_the_search():
    wellby = proxy_library()["wellby"]
    assert wellby.matches(["eenzaamheid"]) and wellby.matches(["levenstevredenheid"])
    assert not wellby.matches(["huisarts"])


def test_normaliser():
    assert normalise("Cliënt-ondersteuning, één  keer!") == "client ondersteuning een keer"
    assert normalise("A&E") == "a e"
    assert stems("eenzaamheid") & stems("eenzame")


@pytest.mark.parametrize(("query", "expected"), [
    ("eenzaamheid", "wellby"), ("loneliness", "wellby"), ("mantelzorg", "informal_care_hour_opportunity_cost"),
    ("mantelzorgers", "informal_care_hour_opportunity_cost"), ("huisartsen", "gp_consultation"),
    ("vrijwilligers", "volunteer_hour_market_value"), ("bijstand alleenstaande", "bijstand_single_year"),
    ("uitkering", "bijstand_single_year"), ("ziekenhuisopname", "hospital_day"),
    ("dakloos", "homeless_shelter_place_year"),
])
def test_shipped_library_finds_what_a_dutch_user_types(query, expected):
    assert expected in [p.id for p in search_proxies(query.split())[:5]]


@pytest.mark.parametrize(("dutch", "english", "category"), [
    ("huishoudelijke hulp", "household help", "wmo"), ("beschermd wonen", "supported living", "wmo"),
    ("dagbesteding", "day activities", "wmo"), ("jeugdzorg", "youth care", "youth_care"),
    ("pleegzorg", "foster care", "youth_care"), ("logopedie", "speech therapy", "health"),
    ("bijstand", "social assistance", "participation"), ("re-integratie", "re-integration", "participation"),
    ("huisarts", "GP", "health"), ("ggz", "mental health", "health"),
    ("spoedeisende hulp", "emergency department", "health"), ("verpleeghuis", "nursing home", "health"),
    ("ziekenhuisopname", "hospital", "health"), ("ambulancerit", "ambulance", "health"),
    ("mantelzorg", "informal care", "informal_care"), ("vrijwilligerswerk", "volunteering", "volunteering"),
    ("welzijn", "wellbeing", "wellbeing"), ("eenzaamheid", "loneliness", "wellbeing"),
    ("gezond levensjaar", "QALY", "wellbeing"), ("schuldhulpverlening", "debt", "debt"),
    ("dakloosheid", "homelessness", "housing"), ("huisuitzetting", "eviction", "housing"),
    ("politie", "police", "justice"), ("detentie", "detention", "justice"),
    ("voortijdig schoolverlaten", "early school leaving", "education"), ("baan", "job", "employment"),
])
def test_every_category_is_found_in_dutch_and_english(dutch, english, category):
    for query in (dutch, english):
        assert category in {p.category for p in search_proxies(query.split())[:5]}, query


def test_cli_search_is_ranked_json_with_scores():
    runner = CliRunner()
    found = json.loads(runner.invoke(app, ["proxies", "search", "volunteer", "minimum", "--format", "json"]).stdout)
    assert found[0]["id"] == "volunteer_hour_minimum_wage"
    scores = [p["score"] for p in found]
    assert scores == sorted(scores, reverse=True)
    listed = json.loads(runner.invoke(app, ["proxies", "list", "--format", "json"]).stdout)
    assert {"id", "name", "name_nl", "keywords", "keywords_nl", "confidence", "category"} <= set(listed[0])


# ------------------------------------------------------------------------------------------- properties
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
library_words = st.sampled_from(sorted({w for p in proxy_library().values()
                                        for k in (*p.keywords, *p.keywords_nl) for w in normalise(k).split()}))
ACCENTED = {"a": "á", "e": "ë", "i": "ï", "o": "ó", "u": "ü", "c": "ç", "n": "ñ"}


@settings(max_examples=200, deadline=None)
@given(text)
def test_normalise_is_idempotent_lower_case_and_without_marks(value):
    once = normalise(value)
    assert normalise(once) == once
    assert once == once.strip() and "  " not in once
    assert not any(unicodedata.combining(c) for c in once)
    assert once.casefold() == once or normalise(once.casefold()) == once


@settings(max_examples=60, deadline=None)
@given(library_words, st.data())
def test_accents_and_case_never_change_the_result(word, data):
    flags = data.draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    decorated = "".join(ACCENTED.get(c, c) if f else c for c, f in zip(word, flags, strict=True))
    plain = [p.id for p in search_proxies([word])]
    assert plain, word  # a keyword word always finds its entry
    assert [p.id for p in search_proxies([decorated.upper()])] == plain


@settings(max_examples=60, deadline=None)
@given(st.lists(library_words, min_size=1, max_size=3), library_words)
def test_another_word_never_widens_the_result(words, extra):
    before = {p.id for p in search_proxies(words)}
    after = {p.id for p in search_proxies([*words, extra])}
    assert after <= before or all(w in STOP_WORDS for w in words)


@settings(max_examples=100, deadline=None)
@given(text, text)
def test_search_and_quality_never_fail(a, b):
    search_scored([a, b])
    assert 0.0 <= quality(normalise(a) or "x", normalise(b) or "y") <= 1.0
