"""Properties of the identifier patterns (hypothesis, many examples) and of deduce on a few Dutch sentences.

The pattern layer (`identifier_masks`, `scrub_patterns`) is vectorised Polars and fast, so it is tested on
generated identifiers in any formatting; deduce is slow on arbitrary text, so it gets realistic sentences.
"""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from impactlab.deidentify import deidentify, identifier_masks, scrub_patterns

# each example is a batch of BATCH values checked in one vectorised call (a call costs ~0.1 s of planning and
# regex compilation, the values almost nothing): 10 x 60 = 600 generated identifiers per property
EXAMPLES = settings(max_examples=10, deadline=None)
BATCH = 60
digit = st.integers(0, 9)
SEPARATORS = ["", " ", ".", "-"]


def masks(values: list[str]) -> pl.DataFrame:
    """One row per value: the value and, per kind, whether it looks like one."""
    return pl.DataFrame({"v": values}).with_columns(**identifier_masks(pl.col("v"), pl.String))


def scrubbed(values: list[str]) -> list[str]:
    return scrub_patterns(pl.Series(values, dtype=pl.String)).to_list()


def batch(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(strategy, min_size=BATCH, max_size=BATCH)


def missed(found: pl.DataFrame, kind: str) -> list[str]:
    return found.filter(~pl.col(kind))["v"].to_list()


def eleven(d: list[int]) -> int:
    return (sum((9 - i) * d[i] for i in range(8)) - d[8]) % 11


@st.composite
def bsns(draw: st.DrawFn, valid: bool = True) -> str:
    """Nine digits that pass (or fail) the eleven-test, grouped as people write them."""
    d = [draw(st.integers(1, 9)), *draw(st.lists(digit, min_size=7, max_size=7))]  # not all zero
    while sum((9 - i) * d[i] for i in range(8)) % 11 == 10:  # no ninth digit would make it pass: change one
        d[7] = (d[7] + 1) % 10
    total = sum((9 - i) * d[i] for i in range(8)) % 11
    if valid:
        d.append(total)
    else:
        d.append(draw(st.sampled_from([n for n in range(10) if n != total])))
    text = "".join(map(str, d))
    sep = draw(st.sampled_from(SEPARATORS))
    groups = draw(st.sampled_from([(3, 3, 3), (4, 2, 3), (2, 2, 2, 3), (9,)]))
    parts, at = [], 0
    for g in groups:
        parts.append(text[at:at + g])
        at += g
    return sep.join(parts)


@st.composite
def ibans(draw: st.DrawFn) -> str:
    bank = draw(st.sampled_from(["ABNA", "INGB", "RABO", "SNSB", "TRIO", "ASNB"]))
    account = "".join(map(str, draw(st.lists(digit, min_size=10, max_size=10))))
    letters = "".join(str(ord(c) - 55) for c in bank)  # A = 10 ... Z = 35
    check = 98 - int(f"{letters}{account}232100") % 97  # NL = 23 21, check digits 00 while computing
    compact = f"NL{check:02d}{bank}{account}"
    if draw(st.booleans()):
        return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))
    return compact if draw(st.booleans()) else compact.lower()


@st.composite
def emails(draw: st.DrawFn) -> str:
    word = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
    local = draw(word) + draw(st.sampled_from(["", ".", "_", "-"])) + draw(word)
    domain = draw(word) + draw(st.sampled_from(["", "-zorg"]))
    tld = draw(st.sampled_from(["nl", "com", "org", "amsterdam"]))
    at = draw(st.sampled_from(["@", "(at)", " (at) ", "[at]", " at ", " @ ", "(apenstaartje)"]))
    dot = draw(st.sampled_from([".", "."])) if "@" in at else draw(st.sampled_from([".", " (punt) ", " dot ", "[dot]"]))
    return f"{local}{at}{domain}{dot}{tld}"


@st.composite
def phones(draw: st.DrawFn) -> str:
    rest = "".join(map(str, draw(st.lists(digit, min_size=8, max_size=8))))
    sep = draw(st.sampled_from(["", " ", "-", " - ", "."]))
    mobile = draw(st.booleans())
    if mobile:
        head, body = draw(st.sampled_from(["06", "+31 6", "+316", "0031 6", "+31 (0)6"])), rest
        body = draw(st.sampled_from([body, f"{body[:4]} {body[4:]}", f"{body[:2]} {body[2:4]} {body[4:6]} {body[6:]}"]))
        return f"{head}{sep}{body}"
    area = draw(st.sampled_from(["020", "010", "077", "0475"]))
    body = rest[: 10 - len(area)]
    return f"{area}{sep}{body}"


@st.composite
def addresses(draw: st.DrawFn) -> str:
    code = f"{draw(st.integers(1000, 9999))}{draw(st.sampled_from(['AB', 'XZ', 'KL']))}"
    code = draw(st.sampled_from([code, f"{code[:4]} {code[4:]}", code.lower()]))
    number = str(draw(st.integers(1, 999))) + draw(st.sampled_from(["", "a", " B"]))
    street = draw(st.sampled_from(["Kerkstraat", "Dorpsweg", "Laan van Meerdervoort"]))
    return draw(st.sampled_from([f"{code} {number}", f"{code}, {number}", f"{street} {number}, {code} Venlo",
                                 f"{number} {code}"]))


@EXAMPLES
@given(batch(st.tuples(bsns(), st.sampled_from(["{}", "BSN {}", "cliënt ({}) belde"]))))
def test_valid_bsns_in_any_formatting_are_found_and_scrubbed(drawn: list[tuple[str, str]]) -> None:
    texts = [frame.format(bsn) for bsn, frame in drawn]
    assert missed(masks(texts), "bsn") == []
    for (bsn, _), out in zip(drawn, scrubbed(texts), strict=True):
        assert bsn not in out and "[BSN]" in out, out


@EXAMPLES
@given(batch(bsns(valid=False)))
def test_nine_digits_failing_the_eleven_test_are_not_a_bsn(numbers: list[str]) -> None:
    assert masks(numbers).filter(pl.col("bsn"))["v"].to_list() == []
    assert not any("[BSN]" in out for out in scrubbed(numbers))


@EXAMPLES
@given(batch(ibans()))
def test_valid_ibans_are_found_and_scrubbed(drawn: list[str]) -> None:
    texts = [f"rekening {iban} staat rood" for iban in drawn]
    assert missed(masks(texts), "iban") == []
    for iban, out in zip(drawn, scrubbed(texts), strict=True):
        assert "[IBAN]" in out and iban not in out, out


@EXAMPLES
@given(batch(emails()))
def test_emails_also_obfuscated_are_found_and_scrubbed(drawn: list[str]) -> None:
    texts = [f"mail {email} morgen" for email in drawn]
    assert missed(masks(texts), "email") == []
    for email, out in zip(drawn, scrubbed(texts), strict=True):
        assert out == "mail [e-mail] morgen", (email, out)


@EXAMPLES
@given(batch(phones()))
def test_dutch_phone_numbers_are_found_and_scrubbed(drawn: list[str]) -> None:
    texts = [f"bel {phone} na vijven" for phone in drawn]
    assert missed(masks(texts), "phone") == []
    for phone, out in zip(drawn, scrubbed(texts), strict=True):
        assert out == "bel [telefoon] na vijven", (phone, out)


@EXAMPLES
@given(batch(addresses()))
def test_postcode_with_house_number_is_found(drawn: list[str]) -> None:
    assert missed(masks(drawn), "address") == []


@EXAMPLES
@given(batch(st.tuples(st.integers(0, 10**9 - 1), st.integers(0, 120), st.sampled_from(["T0", "T1", "wave 2"]))))
def test_ordinary_numbers_are_no_email_iban_or_address(drawn: list[tuple[int, int, str]]) -> None:
    values = [v for number, age, wave in drawn for v in (str(number), str(age), wave, f"{age} jaar")]
    found = masks(values).filter(pl.col("email") | pl.col("iban") | pl.col("address"))
    assert found["v"].to_list() == []


SENTENCES = {
    "Mevrouw Jansen kwam vandaag niet opdagen.": ["Jansen"],
    "Hij woont op de Kerkstraat 12 Venlo, al sinds maart.": ["Kerkstraat 12", "Venlo"],
    "Geboren op 3 maart 1961 in Tegelen.": ["3 maart 1961"],
    "Dhr. de Vries (geb. 12-04-1958) belde over zijn dochter.": ["de Vries", "12-04-1958"],
    "Gesprek met Fatima el Amrani op de Dorpsweg 3 in Blerick.": ["Amrani", "Dorpsweg 3"],
}


def test_deduce_on_realistic_dutch_sentences() -> None:
    for sentence, secrets in SENTENCES.items():
        out = deidentify(sentence)
        assert not [s for s in secrets if s in out], (sentence, out)
