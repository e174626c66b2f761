"""Structural checks on the shipped data library: the proxy list and the Dutch CPI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

DATA = Path(__file__).resolve().parents[1] / "src" / "impactlab" / "data"
PROXIES = DATA / "proxies"
CPI = DATA / "indices" / "cpi.yaml"

REQUIRED = ("id", "name", "name_nl", "value", "unit", "unit_kind", "currency", "price_year", "source",
            "transfer", "confidence", "keywords", "keywords_nl", "notes")

# Yearly average CPI change (%), all households, as published by CBS:
#  - 2001-2022: CBS news release "Inflatie 10 procent in 2022" (10 Jan 2023),
#    table of yearly changes 1963-2022;
#    2015-2018 also StatLine 83131NED "Consumentenprijzen; prijsindex 2015=100", column Jaarmutatie CPI.
#  - 2023: CBS, "Inflatie 3,8 procent in 2023" (11 Jan 2024).
#  - 2024: CBS, "Inflatie 3,3 procent in 2024" (14 Jan 2025).
#  - 2025: CBS, "Totale inflatie 3,3 procent in 2025" (13 Jan 2026).
CBS_YEARLY_CHANGE_PCT = {
    2001: 4.5, 2002: 3.4, 2003: 2.1, 2004: 1.2, 2005: 1.7, 2006: 1.1, 2007: 1.6, 2008: 2.5, 2009: 1.2,
    2010: 1.3, 2011: 2.3, 2012: 2.5, 2013: 2.5, 2014: 1.0, 2015: 0.6, 2016: 0.3, 2017: 1.4, 2018: 1.7,
    2019: 2.6, 2020: 1.3, 2021: 2.7, 2022: 10.0, 2023: 3.8, 2024: 3.3, 2025: 3.3,
}
# CBS StatLine 83136NED "Consumentenprijzen; basisjaren vanaf 1969": yearly CPI 2022 on 2015=100.
CBS_LEVEL_2022 = 121.43
TOLERANCE_PP = 0.15


def _load(path: Path) -> dict:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def proxies() -> list[dict]:
    """Every entry of every category file (the file name is the category)."""
    entries = []
    for path in sorted(PROXIES.glob("*.yaml")):
        if path.name == "library.yaml":
            continue
        data = _load(path)
        assert isinstance(data, dict) and isinstance(data.get("proxies"), list), path.name
        entries += [{"category": path.stem, **p} for p in data["proxies"]]
    return entries


@pytest.fixture(scope="module")
def cpi() -> dict:
    return _load(CPI)


def test_library_size(proxies):
    assert len(proxies) >= 25


def test_ids_unique_and_snake_case(proxies):
    ids = [p["id"] for p in proxies]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for pid in ids:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", pid), pid


@pytest.mark.parametrize("field", REQUIRED)
def test_required_fields_present(proxies, field):
    missing = [p.get("id") for p in proxies if field not in p]
    assert not missing, f"{field} missing in {missing}"


def test_sources_non_empty(proxies):
    for p in proxies:
        assert isinstance(p["source"], str) and len(p["source"].strip()) >= 10, p["id"]


def test_values_positive_numbers(proxies):
    for p in proxies:
        for key in ("value", "low", "high"):
            if key in p:
                v = p[key]
                assert isinstance(v, int | float) and not isinstance(v, bool), (p["id"], key, v)
                assert v > 0, (p["id"], key, v)


def test_ranges_bracket_value(proxies):
    for p in proxies:
        if "low" in p:
            assert p["low"] <= p["value"], p["id"]
        if "high" in p:
            assert p["value"] <= p["high"], p["id"]


def test_currency_eur(proxies):
    assert all(p["currency"] == "EUR" for p in proxies)


def test_enumerations(proxies):
    for p in proxies:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", p["category"]), p["id"]
        assert p["confidence"] in {"verified", "derived", "unverified"}, p["id"]
        assert isinstance(p["transfer"], bool), p["id"]
        assert isinstance(p["keywords"], list) and p["keywords"], p["id"]
        assert isinstance(p["keywords_nl"], list) and p["keywords_nl"], p["id"]


def test_unverified_proxies_say_so(proxies):
    for p in proxies:
        if p["confidence"] == "unverified":
            assert "UNVERIFIED" in p["notes"], p["id"]


def test_bijstand_is_a_transfer(proxies):
    bijstand = [p for p in proxies if p["id"].startswith("bijstand_")]
    assert bijstand
    assert all(p["transfer"] is True for p in bijstand)


def test_price_year_covered_by_cpi(proxies, cpi):
    years = set(cpi["values"])
    for p in proxies:
        assert isinstance(p["price_year"], int), p["id"]
        assert p["price_year"] in years, (p["id"], p["price_year"])


def test_cpi_metadata(cpi):
    assert cpi["id"] == "cpi"
    assert cpi["base"] == "2015 = 100"
    assert "CBS" in cpi["source"] and "83131NED" in cpi["source"]
    assert cpi["notes"].strip()


def test_cpi_years_contiguous_and_based(cpi):
    values = cpi["values"]
    years = sorted(values)
    assert years == list(range(years[0], years[-1] + 1))
    assert years[0] <= 2015 and years[-1] >= 2025
    assert values[2015] == pytest.approx(100.0)
    assert all(isinstance(v, int | float) and v > 0 for v in values.values())


def test_cpi_matches_published_level_2022(cpi):
    assert cpi["values"][2022] == pytest.approx(CBS_LEVEL_2022, abs=0.01)


def test_cpi_levels_consistent_with_cbs_yearly_changes(cpi):
    values = cpi["values"]
    checked = 0
    for year, published in CBS_YEARLY_CHANGE_PCT.items():
        if year in values and year - 1 in values:
            recomputed = (values[year] / values[year - 1] - 1) * 100
            assert abs(recomputed - published) <= TOLERANCE_PP, (year, round(recomputed, 3), published)
            checked += 1
    assert checked >= 10


def test_cpi_file_lists_same_published_changes(cpi):
    listed = cpi.get("published_yearly_change_pct", {})
    for year, pct in listed.items():
        if year in CBS_YEARLY_CHANGE_PCT:
            assert pct == pytest.approx(CBS_YEARLY_CHANGE_PCT[year]), year
