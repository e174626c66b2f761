"""Realistic synthetic survey files for demos, tests and benchmarks (.sav, .csv or .xlsx by extension).

Long format: one row per respondent per wave (T0, T1, ...). Direct identifiers (name, e-mail, phone,
eleven-test-valid BSN, date of birth) are included on purpose so that pseudonymisation is exercised.
Part of the sample (the `deelnemer` group) truly improves; later waves lose respondents (attrition);
some answers are empty or the user-missing code 9 ("weet niet").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from impactlab.errors import UserError

CHUNK = 100_000
XLSX_MAX_ROWS = 1_048_575
DISTRICTS = ["Centrum", "Noord", "Oost", "Zuid", "West", "Nieuw-West"]
FIRST = ["Anna", "Daan", "Emma", "Fatima", "Jan", "Mohammed", "Sanne", "Lucas", "Noor", "Kees", "Ayse", "Pieter"]
LAST = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "el Amrani", "Yilmaz", "de Boer", "Mulder", "Bos"]
REMARKS = [
    "Fijn contact met de buurtwerker.",
    "Bel me gerust: 06-{phone}",
    "Mail mij op {email} voor een afspraak.",
    "Mijn BSN is {bsn}, klopt dat?",
    "Ik voel me minder alleen sinds de koffieochtend.",
]
REFERENCE = date(2024, 1, 1)
MISSING_CODE = 9


DJG_POSITIVE = {1, 4, 7, 8, 11}  # positively worded (social) DJG-11 items: "yes" means not lonely


def item_names(items: int) -> list[tuple[str, int]]:
    """(name, direction) for `items` items, named as in the instrument library: DJG-11 (lone1..lone11;
    a higher code is better for its positively worded items), WEMWBS (q1..q14), then extra items."""
    djg = [(f"lone{i}", 1 if i in DJG_POSITIVE else -1) for i in range(1, min(items, 11) + 1)]
    wemwbs = [(f"q{i}", 1) for i in range(1, min(max(items - 11, 0), 14) + 1)]
    extra = [(f"q_{i}", 1) for i in range(1, max(items - 25, 0) + 1)]
    return djg + wemwbs + extra


def _bsns(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random 9-digit numbers that pass the eleven-test."""
    digits = rng.integers(0, 10, size=(n, 9))
    digits[:, 0] = rng.integers(1, 10, size=n)
    weights = np.array([9, 8, 7, 6, 5, 4, 3, 2])
    while True:
        check = (digits[:, :8] @ weights) % 11
        bad = check == 10
        if not bad.any():
            break
        digits[bad, 7] = (digits[bad, 7] + 1) % 10
    digits[:, 8] = check
    return (digits @ (10 ** np.arange(8, -1, -1))).astype(np.int64)


def _chunk(rng: np.random.Generator, start: int, n: int, waves: int, items: list[tuple[str, int]]) -> pl.DataFrame:
    """Rows of respondents start..start+n-1 over all waves they took part in."""
    ids = np.arange(start + 1, start + n + 1)
    age = rng.integers(18, 95, size=n)
    born = np.datetime64(REFERENCE) - (age * 365.25 + rng.integers(0, 365, size=n)).astype("timedelta64[D]")
    first, last = rng.integers(0, len(FIRST), n), rng.integers(0, len(LAST), n)
    names = [f"{FIRST[a]} {LAST[b]}" for a, b in zip(first, last, strict=True)]
    emails = [f"{FIRST[a].lower()}.{i}@voorbeeld.nl" for a, i in zip(first, ids, strict=True)]
    phones = [f"06-{p:08d}" for p in rng.integers(10_000_000, 99_999_999, size=n)]
    bsn = _bsns(rng, n)
    person = {
        "respondent_id": [f"R{i:07d}" for i in ids],
        "district": np.array(DISTRICTS)[rng.integers(0, len(DISTRICTS), n)],
        "group": np.where(rng.random(n) < 0.6, "deelnemer", "vergelijking"),
        "gender": rng.choice([1, 2, 3], size=n, p=[0.48, 0.5, 0.02]),
        "age": age,
        "date_of_birth": born.astype("datetime64[D]"),
        "name": names,
        "email": emails,
        "phone": phones,
        "bsn": bsn.astype(str),
    }
    latent = rng.normal(0, 1, size=n)
    frames = []
    for wave in range(waves):
        present = rng.random(n) < 0.85**wave
        gain = np.where(person["group"] == "deelnemer", 0.5 * wave, 0.05 * wave)
        cols = {
            k: (v[present] if isinstance(v, np.ndarray) else [x for x, p in zip(v, present, strict=True) if p])
            for k, v in person.items()
        }
        cols["wave"] = [f"T{wave}"] * int(present.sum())
        m = int(present.sum())
        for name, direction in items:
            score = latent[present] + gain[present] + rng.normal(0, 0.8, m)  # wellbeing: higher is better
            answer = np.clip(np.rint(3 + direction * score), 1, 5)
            roll = rng.random(m)
            answer[roll < 0.03] = np.nan
            answer[(roll >= 0.03) & (roll < 0.035)] = MISSING_CODE
            cols[name] = answer
        remark = rng.integers(0, len(REMARKS) * 4, m)
        cols["remarks"] = [
            REMARKS[r].format(phone=str(p)[3:], email=e, bsn=b) if r < len(REMARKS) else None
            for r, p, e, b in zip(remark, cols["phone"], cols["email"], cols["bsn"], strict=True)
        ]
        frames.append(pl.DataFrame(cols))
    order = (
        [
            "respondent_id",
            "wave",
            "district",
            "group",
            "gender",
            "age",
            "date_of_birth",
            "name",
            "email",
            "phone",
            "bsn",
        ]
        + [name for name, _ in items]
        + ["remarks"]
    )
    frame = pl.concat(frames).select(order).sort("respondent_id", "wave", maintain_order=True)
    return frame.with_columns(pl.col(pl.Float64).fill_nan(None))


def synth_mapping() -> dict[str, object]:
    """The mapping that imports a synthetic survey: DJG-11 scored items, identifiers dropped."""
    return {
        "respondent_id": "respondent_id",
        "wave": "wave",
        "group": ["district", "group"],
        "keep": ["gender", "age"],
        "instrument": "djg-11",
        "identifiers": ["name", "email", "phone", "bsn"],
        "date_of_birth": "date_of_birth",
        "free_text": ["remarks"],
    }


def synth_chunks(respondents: int, waves: int, seed: int = 0, items: int = 30) -> Iterator[pl.DataFrame]:
    """The synthetic survey as DataFrames of at most CHUNK respondents each (bounded memory)."""
    if respondents < 1 or waves < 1 or items < 1:
        raise UserError("synth: respondents, waves and items must each be at least 1.")
    rng = np.random.default_rng(seed)
    names = item_names(items)
    for start in range(0, respondents, CHUNK):
        yield _chunk(rng, start, min(CHUNK, respondents - start), waves, names)


def synth(
    respondents: int, waves: int, out: Path | str, seed: int = 0, items: int = 30, progress: bool = False
) -> Path:
    """Write a synthetic survey to `out` (.sav, .csv or .xlsx) and return its path."""
    out = Path(out)
    kind = out.suffix.lower()
    if kind not in (".sav", ".csv", ".xlsx"):
        raise UserError(f"{out.name}: synth writes .sav, .csv or .xlsx files.")
    out.parent.mkdir(parents=True, exist_ok=True)
    chunks = synth_chunks(respondents, waves, seed, items)
    total = (respondents + CHUNK - 1) // CHUNK
    with _progress(progress, total, out.name) as advance:
        if kind == ".csv":
            with out.open("wb") as handle:
                for i, chunk in enumerate(chunks):
                    chunk.write_csv(handle, include_header=i == 0)
                    advance()
        elif kind == ".xlsx":
            _write_xlsx(out, chunks, advance)
        else:
            _write_sav(out, chunks, items, advance)
    return out


def _write_xlsx(out: Path, chunks: Iterator[pl.DataFrame], advance) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("antwoorden")
    rows = 0
    for i, chunk in enumerate(chunks):
        rows += chunk.height
        if rows > XLSX_MAX_ROWS:
            raise UserError(f"{out.name}: more rows than Excel allows ({XLSX_MAX_ROWS:,}); use .csv or .sav.")
        if i == 0:
            sheet.append(chunk.columns)
        for row in chunk.iter_rows():
            sheet.append([None if isinstance(v, float) and v != v else v for v in row])
        advance()
    workbook.save(out)


def _write_sav(out: Path, chunks: Iterator[pl.DataFrame], items: int, advance) -> None:
    """SPSS files are written whole by pyreadstat: the data is gathered in memory (~0.4 kB a row)."""
    import pyreadstat

    parts = []
    for chunk in chunks:
        parts.append(chunk)
        advance()
    frame = pl.concat(parts).to_pandas()
    answers = {
        1: "helemaal mee oneens",
        2: "mee oneens",
        3: "neutraal",
        4: "mee eens",
        5: "helemaal mee eens",
        MISSING_CODE: "weet niet",
    }
    names = [name for name, _ in item_names(items)]
    labels = {
        "respondent_id": "Cliëntnummer",
        "wave": "Meetmoment",
        "district": "Wijk",
        "gender": "Geslacht",
        "date_of_birth": "Geboortedatum",
        "remarks": "Toelichting",
    }
    labels |= {name: f"Vraag {name}" for name in names}
    pyreadstat.write_sav(
        frame,
        str(out),
        column_labels=labels,
        variable_value_labels={"gender": {1: "man", 2: "vrouw", 3: "anders"}} | {n: answers for n in names},
        missing_ranges={n: [MISSING_CODE] for n in names},
        compress=False,
    )


def _progress(enabled: bool, total: int, label: str):
    """A context giving an `advance()` callable: a Rich progress bar if enabled, else a no-op."""
    if not enabled:
        return nullcontext(lambda: None)
    from contextlib import contextmanager

    from rich.progress import Progress

    @contextmanager
    def bar():
        with Progress(transient=False) as progress:
            task = progress.add_task(f"synth {label}", total=total)
            yield lambda: progress.advance(task)

    return bar()
