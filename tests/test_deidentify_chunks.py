"""A long text is scrubbed in pieces (`deidentify.chunks`, at most CHUNK_CHARS characters each, cut at line ends)
and removes exactly what scrubbing it whole removes, also with identifiers right at the cuts (issue 10)."""

from __future__ import annotations

import re

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from impactlab.deidentify import CHUNK_CHARS, chunks, scrub_text

TAG = re.compile(r"\[[A-Za-z_\-]+(?:-\d+)?\]")
WORDS = ("de", "het", "een", "zorg", "wijk", "buurtcoach", "gesprek", "vandaag", "moeder", "school", "hulp",
         "vertelde", "dat", "zij", "hij", "graag", "werk", "thuis", "geld", "zorgen", "over", "haar", "zijn")
NAMES = ("Jan Jansen", "mevrouw De Vries", "Piet Bakker", "dhr. Van den Berg", "Anna de Jong", "J. Visser",
         "Mohammed El Amrani", "meneer Smit", "Fatima Yilmaz", "Kees")
PLACES = ("Kerkstraat 12 Venlo", "Dorpsstraat 4, 5911 AB Venlo", "Tegelen", "Stationsplein 1 in Utrecht")
DATES = ("3 maart 1961", "03-03-1961", "12 januari 2024")


@st.composite
def bsn(draw: st.DrawFn) -> str:
    """Nine digits passing the eleven-test, grouped as people write them."""
    digits = [draw(st.integers(1, 9)), *draw(st.lists(st.integers(0, 9), min_size=7, max_size=7))]
    while sum((9 - i) * d for i, d in enumerate(digits)) % 11 == 10:
        digits[7] = (digits[7] + 1) % 10
    digits.append(sum((9 - i) * d for i, d in enumerate(digits)) % 11)
    text = "".join(map(str, digits))
    return draw(st.sampled_from([text, f"{text[:3]}.{text[3:6]}.{text[6:]}", f"{text[:4]} {text[4:6]} {text[6:]}"]))


email = st.builds(lambda a, b, d: f"{a}.{b}@{d}.nl", st.sampled_from(("jan", "anna", "p")),
                  st.sampled_from(("jansen", "devries", "bakker")), st.sampled_from(("example", "zorgwijk")))
identifier = st.one_of(st.sampled_from(NAMES), st.sampled_from(PLACES), st.sampled_from(DATES), bsn(), email)
filler = st.lists(st.sampled_from(WORDS), min_size=0, max_size=6).map(" ".join)


@st.composite
def paragraph(draw: st.DrawFn) -> str:
    """A Dutch-like line with identifiers where the cuts fall: first, last, or both (and sometimes between)."""
    where = draw(st.sampled_from(("start", "end", "both", "middle", "none")))
    parts = [draw(identifier)] if where in ("start", "both") else []
    parts += [draw(filler)]
    parts += [draw(identifier), draw(filler)] if where == "middle" else []
    parts += [draw(identifier)] if where in ("end", "both") else []
    line = " ".join(p for p in parts if p)
    return line + draw(st.sampled_from(("", ".", "?")))


def kept(text: str) -> str:
    """What scrubbing left of a text: the text without its tags, whitespace collapsed."""
    return " ".join(TAG.sub(" ", text).split())


@settings(max_examples=40, deadline=None)
@given(st.lists(paragraph(), min_size=2, max_size=12), st.sampled_from(("\n", "\n\n")))
def test_scrubbing_in_pieces_removes_what_scrubbing_whole_removes(paragraphs: list[str], newline: str) -> None:
    text = newline.join(paragraphs)
    size = 2 * max(len(p) for p in paragraphs) + 2  # every cut falls at a line end, often next to an identifier
    assert len(list(chunks(text, size))) > 1 or len(text) <= size
    whole = scrub_text(pl.Series([text]), chunk_chars=len(text) + 1)
    pieces = scrub_text(pl.Series([text]), chunk_chars=size)
    assert kept(pieces[0]) == kept(whole[0])
    assert [t.split("-")[0] for t in TAG.findall(pieces[0])] == [t.split("-")[0] for t in TAG.findall(whole[0])]
    for found in re.findall(r"\S+@\S+\.nl|\d{3}\.\d{3}\.\d{3}|\d{9}", text):
        assert found not in pieces[0]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab .\n?!XY"), max_size=400), st.integers(2, 80))
def test_pieces_join_back_to_the_text_and_stay_within_their_size(text: str, size: int) -> None:
    parts = list(chunks(text, size))
    assert "".join(p for _, p in parts) == text
    assert all(len(p) <= size for _, p in parts)
    assert [o for o, _ in parts] == [sum(len(p) for _, p in parts[:i]) for i in range(len(parts))]


def test_a_long_transcript_is_cut_at_line_ends_and_numbered_across_its_pieces() -> None:
    line = "Mevrouw Jansen vertelde dat haar zoon vaak bij de buurtcoach komt."
    text = "\n".join([line] * (3 * CHUNK_CHARS // len(line)))
    parts = [p for _, p in chunks(text)]
    assert len(parts) >= 3 and all(p.endswith("\n") for p in parts[:-1])
    out = scrub_text(pl.Series([text])).item()
    assert "Jansen" not in out
    assert set(TAG.findall(out)) == {"[PERSOON-1]"}  # the same person keeps one tag in every piece
