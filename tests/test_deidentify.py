"""Free text loses its identifiers on every path: the one scrubber (patterns + deduce) (issue 10)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from impactlab.deidentify import deidentify, scrub_text
from impactlab.evidence.workspace import Workspace
from impactlab.io.importer import import_file
from impactlab.qualitative.documents import extract_text

SENTENCES = {
    "Cliënt gaf BSN 111.222.333 door bij de intake.": ["111.222.333", "111222333"],
    "Haar nummer is 1112 22 333, zei ze.": ["1112 22 333"],
    "Mevrouw Jansen kwam vandaag niet opdagen.": ["Jansen"],
    "Hij woont op Kerkstraat 12 Venlo sinds maart.": ["Kerkstraat 12", "Venlo"],
    "Mail haar via jan.jansen(at)example.nl voor de afspraak.": ["jan.jansen", "example.nl"],
    "Geboren op 3 maart 1961 in Tegelen.": ["3 maart 1961"],
    "Geboortedatum 03-03-1961, woont alleen.": ["03-03-1961"],
    "Piet de Vries belde met 06-12345678 over zijn moeder.": ["Piet de Vries", "06-12345678", "12345678"],
    "Zijn rekening NL91 ABNA 0417 1643 00 staat rood.": ["NL91", "0417 1643 00"],
    "Bereikbaar op jan.jansen@example.nl of +31 6 1234 5678.": ["jan.jansen@example.nl", "1234 5678"],
    "Adres: Dorpsstraat 4, 5911 AB Venlo.": ["Dorpsstraat 4", "5911 AB", "Venlo"],
}


def leaks(text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s in text]


def test_realistic_dutch_sentences_lose_their_identifiers() -> None:
    scrubbed = scrub_text(pl.Series(list(SENTENCES)))
    for (sentence, secrets), out in zip(SENTENCES.items(), scrubbed.to_list(), strict=True):
        assert not leaks(out, secrets), (sentence, out)
    assert scrubbed[2].endswith("kwam vandaag niet opdagen.")  # the rest of the sentence stays readable
    assert deidentify("Geen bijzonderheden.") == "Geen bijzonderheden."


def test_import_free_text_reaches_the_parquet_bytes_scrubbed(tmp_path: Path) -> None:
    rows = "\n".join(f'{i},T0,"{s}"' for i, s in enumerate(SENTENCES, start=1))
    path = tmp_path / "intake.csv"
    path.write_text("nr,meting,toelichting\n" + rows + "\n", encoding="utf-8")
    workspace = Workspace(tmp_path / "ws")
    result = import_file(path, {"respondent_id": "nr", "wave": "meting", "free_text": ["toelichting"]}, "d", workspace)
    data = b"".join(p.read_bytes() for p in workspace.datasets_dir.rglob("*") if p.is_file())
    for secrets in SENTENCES.values():
        for secret in secrets:
            assert secret.encode() not in data, secret
    assert b"intake.csv" not in data and result.snapshot.source.name.endswith(".csv")


def test_transcripts_are_scrubbed() -> None:
    text = "\n".join(SENTENCES)
    extracted = extract_text(text.encode("utf-8"), "gesprek.txt")
    for secrets in SENTENCES.values():
        assert not leaks(extracted.text, secrets)


def test_a_bsn_written_in_groups_next_to_a_date_is_found() -> None:
    """Matching left to right, the any-formatting pattern took '03-1961 123' and missed the BSN behind the date
    (found by the property test in test_deidentify_chunks). 100.000.009 and 123.456.782 pass the eleven-test:
    9·1 − 9 = 0 and 9·1 + 8·2 + 7·3 + 6·4 + 5·5 + 4·6 + 3·7 + 2·8 − 2 = 154 = 14·11."""
    for text in ("03-03-1961 100.000.009", "geboren 03-03-1961 123.456.782", "12-12-2001 1234 56 782"):
        scrubbed = deidentify(text)
        assert "[BSN]" in scrubbed and not any(part in scrubbed for part in ("009", "782")), scrubbed
