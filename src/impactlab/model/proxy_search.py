"""Search in the proxy library that finds what a Dutch or English user types.

Words are normalised (Unicode NFKD without accents, case-folded, split on anything that is not a letter or a
digit), so "cliënt", "Client" and "CLIENT" are one word. A query word then matches a word of an entry when

- they are equal (quality 1.0);
- they share a stem (0.9): the Snowball stemmers for Dutch (both the current Dutch algorithm and the classic
  Dutch Porter one, which disagree on e.g. "schulden"/"schuld" and "eenzame"/"eenzaam") and for English, so
  "eenzaam", "eenzame" and "eenzaamheid" meet, and so do "volunteers" and "volunteering";
- the query word starts an entry word (0.8), or an entry word of five letters or more starts or sits inside the
  query word (0.7), for Dutch compounds: "schuldhulp" finds "schuldhulpverlening" and back;
- the query word of five letters or more sits inside an entry word (0.6): "opvang" in "daklozenopvang";
- they are close in spelling (rapidfuzz ratio of at least 85, or all but the last letter of the shorter word in
  common: "lonely"/"loneliness"; words of five letters or more; 0.5), for typos and forms no stemmer joins.

Every query word except common Dutch and English stop words must match somewhere in the entry; an entry's score
is the sum over the query words of the best quality times the weight of the field it matched in (names and
keywords weigh most, the source and notes least), plus a tenth for each further field it matched in.
Results are ordered by score, then id.

Snowball stemmers (``snowballstemmer``, pure Python, the algorithms of snowballstem.org) were chosen over a
hand-written suffix list because Dutch inflection (-heid, -en, -e, -ing, -s) is exactly what they are made for
and they are maintained; rapidfuzz (already installed for the de-identification) does the typo tolerance in C.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

STOP_WORDS = frozenset({
    "de", "het", "een", "en", "of", "van", "voor", "per", "in", "op", "met", "bij", "aan", "uit", "naar", "door",
    "te", "om", "als", "dan", "die", "dat", "is", "zijn", "wordt",
    "the", "a", "an", "and", "or", "for", "on", "with", "by", "at", "to", "from", "as", "are", "be",
})
# how much a match in each field counts
WEIGHTS = {"name": 1.0, "keywords": 1.0, "id": 0.8, "category": 0.6, "unit": 0.4, "source": 0.25, "notes": 0.25}
_WORD = re.compile(r"[^\W_]+")
FUZZY_MIN = 85
MIN_PART = 5


def normalise(text: str) -> str:
    """Lower-case words without accents, separated by single spaces: 'Cliënt-ondersteuning' -> 'client
    ondersteuning'."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", plain).casefold()))


def words(text: str) -> list[str]:
    """The normalised words of ``text``."""
    return normalise(text).split()


@functools.cache
def _stemmers() -> tuple:
    """The Snowball stemmers; none in an environment installed before snowballstemmer became a dependency (then
    word forms are joined only by the prefix and part rules; tests/test_proxy_search.py fails there)."""
    try:
        import snowballstemmer
    except ImportError:  # pragma: no cover - a stale environment; `make` installs requirements.lock
        return ()
    return tuple(snowballstemmer.stemmer(name) for name in ("dutch", "dutch_porter", "english"))


@functools.lru_cache(maxsize=65536)
def stems(word: str) -> frozenset[str]:
    """The Dutch and English stems of a normalised word (the word itself for digits and short words)."""
    if len(word) < 3 or not word.isalpha():
        return frozenset({word})
    return frozenset(stemmer.stemWord(word) for stemmer in _stemmers()) or frozenset({word})


def quality(query: str, word: str) -> float:
    """How well the normalised query word matches the normalised entry word (0 = not at all)."""
    if query == word:
        return 1.0
    if stems(query) & stems(word):
        return 0.9
    if len(query) >= 4 and word.startswith(query):
        return 0.8
    if len(word) >= MIN_PART and word in query:
        return 0.7
    if len(query) >= MIN_PART and query in word:
        return 0.6
    shorter = min(len(query), len(word))
    if shorter >= MIN_PART and (fuzz.ratio(query, word) >= FUZZY_MIN or _common_prefix(query, word) >= shorter - 1):
        return 0.5
    return 0.0


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


@dataclass(frozen=True)
class Hit:
    """One found entry and its score."""

    id: str
    score: float


class Index:
    """The searchable words of a set of entries: for each word, the best field weight per entry."""

    def __init__(self, entries: Iterable[tuple[str, dict[str, Iterable[str]]]]):
        self.ids: list[str] = []
        self.vocabulary: dict[str, dict[str, dict[str, float]]] = {}  # word -> entry -> field -> weight
        for entry_id, fields in entries:
            self.ids.append(entry_id)
            for field, texts in fields.items():
                for text in texts:
                    for word in words(text or ""):
                        self.vocabulary.setdefault(word, {}).setdefault(entry_id, {})[field] = WEIGHTS[field]

    def search(self, query: Iterable[str]) -> list[Hit]:
        """Entries matching every query word that is not a stop word, best first."""
        asked = [w for text in query for w in words(text)]
        meaningful = [w for w in asked if w not in STOP_WORDS] or asked
        if not meaningful:
            return []
        total: dict[str, float] | None = None
        for query_word in dict.fromkeys(meaningful):
            found: dict[str, dict[str, float]] = {}  # entry -> field -> best quality x weight
            for word, entries in self.vocabulary.items():
                q = quality(query_word, word)
                if q:
                    for entry_id, fields in entries.items():
                        best = found.setdefault(entry_id, {})
                        for field, weight in fields.items():
                            best[field] = max(best.get(field, 0.0), q * weight)
            # the best field counts whole, each further field that matches a tenth of its value
            scores = {k: max(v.values()) + 0.1 * (sum(v.values()) - max(v.values())) for k, v in found.items()}
            total = scores if total is None else {k: v + scores[k] for k, v in total.items() if k in scores}
            if not total:
                return []
        return sorted((Hit(k, round(v, 4)) for k, v in (total or {}).items()), key=lambda h: (-h.score, h.id))
