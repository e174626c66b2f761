"""The proxy library directory: every category file is read and checked; broken entries name file and id."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from impactlab.model.library import (
    LibraryError,
    library_info,
    library_version,
    load_info,
    load_proxies,
    proxy_library,
)

ENTRY = {
    "id": "example_hour", "name": "Example hour", "name_nl": "Voorbeelduur", "value": 10.0, "unit": "hour",
    "unit_kind": "hour", "currency": "EUR", "price_year": 2022, "source": "Example source, table 1, page 2",
    "transfer": False, "confidence": "verified", "keywords": ["example"], "keywords_nl": ["voorbeeld"],
}
INFO = {"version": "9.1.0", "changelog": [{"version": "9.1.0", "date": "2026-12-06", "changes": ["new"]},
                                          {"version": "9.0.0", "date": "2026-11-01", "changes": ["first"]}]}


def _library(tmp_path: Path, files: dict[str, list[dict]], info: dict | None = None) -> Path:
    for name, entries in files.items():
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump({"proxies": entries}), encoding="utf-8")
    (tmp_path / "library.yaml").write_text(yaml.safe_dump(info or INFO), encoding="utf-8")
    return tmp_path


def test_every_category_file_is_read_and_the_file_name_is_the_category(tmp_path):
    directory = _library(tmp_path, {"health": [ENTRY], "wmo": [{**ENTRY, "id": "other_hour"}]})
    found = load_proxies(directory)
    assert sorted(found) == ["example_hour", "other_hour"]
    assert found["example_hour"].category == "health" and found["other_hour"].category == "wmo"
    assert load_info(directory).version == "9.1.0"


def test_ids_must_be_unique_across_files(tmp_path):
    directory = _library(tmp_path, {"health": [ENTRY], "wmo": [ENTRY]})
    with pytest.raises(LibraryError, match=r"wmo.yaml: entry 1 \(example_hour\): id 'example_hour' is also in "
                                           r"health.yaml"):
        load_proxies(directory)


@pytest.mark.parametrize(("change", "message"), [
    ({"name_nl": None}, "name_nl"),
    ({"keywords_nl": []}, "keywords_nl"),
    ({"keywords": [""]}, "keywords must be non-empty"),
    ({"confidence": "probably"}, "confidence"),
    ({"unit_kind": "bushel"}, "unit_kind"),
    ({"currency": "GBP"}, "currency"),
    ({"source": ""}, "source"),
    ({"value": -1}, "value"),
    ({"low": 12.0}, "low <= value <= high"),
    ({"transfer": "no"}, "transfer"),
    ({"confidence": "derived", "notes": "from two figures"}, "arithmetic"),
    ({"confidence": "unverified", "notes": "not read"}, "UNVERIFIED"),
    ({"category": "health"}, "differs from the file name"),
    ({"colour": "red"}, "colour"),
])
def test_incomplete_or_wrong_entries_are_refused(tmp_path, change, message):
    entry = {k: v for k, v in {**ENTRY, **change}.items() if v is not None}
    with pytest.raises(LibraryError, match=message):
        load_proxies(_library(tmp_path, {"wmo": [entry]}))


def test_derived_with_arithmetic_and_unverified_with_reason_are_accepted(tmp_path):
    derived = {**ENTRY, "confidence": "derived", "notes": "6 x 1.5 + 1 = 10.0"}
    unverified = {**ENTRY, "id": "other", "confidence": "unverified", "notes": "UNVERIFIED: table not read"}
    assert len(load_proxies(_library(tmp_path, {"wmo": [derived, unverified]}))) == 2


def test_price_year_must_be_covered_by_the_index(tmp_path):
    with pytest.raises(LibraryError, match="price year 2022 is not covered"):
        load_proxies(_library(tmp_path, {"wmo": [ENTRY]}), years={2020, 2021})


def test_the_changelog_starts_with_the_current_version(tmp_path):
    info = {**INFO, "version": "9.2.0"}
    with pytest.raises(LibraryError, match=r"newest changelog entry is 9\.1\.0"):
        load_info(_library(tmp_path, {"wmo": [ENTRY]}, info))


def test_shipped_library_loads_with_a_version():
    library = proxy_library()
    assert len(library) >= 26
    assert library_version() == library_info().changelog[0].version
    assert {p.confidence for p in library.values()} <= {"verified", "derived", "unverified"}
    assert all(p.name_nl and p.keywords and p.keywords_nl for p in library.values())
