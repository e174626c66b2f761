"""The answers step of the mapping page: which of the instrument's published answer formats the file used.

Per item it shows the codes the chosen format expects (with their labels) beside the codes found in the file
(with their counts, counted by the preview job: the page never reads the file). When the codes fit another
format better, or fit none as they are, it says so and offers the format or a prefilled recode table. The
result goes into the core's mapping as ``answer_format`` and ``recode`` (``impactlab.io.mapping``); the fit
itself is the core's (``impactlab.io.formats.fit_found``, the check the importer runs).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext as _

from impactlab.errors import UserError
from impactlab.evidence.instruments import FormatFit, Instrument, LocalText, load_instrument
from impactlab.io.formats import fit_found, suggest_recode
from impactlab_web.data import uploads

RECODE_PREFIX = "recode__"


def _text(value: LocalText | None, lang: str) -> str:
    if value is None:
        return ""
    return (getattr(value, lang, None) or value.en or value.nl or "").strip()


def _code_text(value: Any) -> str:
    number = uploads._code(str(value))
    return str(number) if not isinstance(number, float) else f"{number:g}"


@dataclass
class ItemRow:
    code: str
    column: str
    expected: list[tuple[str, str]]
    found: list[dict[str, Any]] | None  # None: more distinct answers than a coded column has


@dataclass
class AnswersStep:
    instrument: Instrument
    formats: list[tuple[str, str]]
    chosen: str
    items: list[ItemRow]
    recode_rows: list[dict[str, Any]]
    recode: dict[str, int]
    fit: FormatFit
    text_left: dict[str, list[str]]
    notices: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def signature(self) -> str:
        """What the user saw: format, recode and item columns (an import with other choices is shown first)."""
        text = "|".join([self.chosen, *(f"{k}={v}" for k, v in sorted(self.recode.items())),
                         *(f"{i.code}:{i.column}" for i in self.items)])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def mapping(self, items: list[str]) -> dict[str, Any]:
        """The core's keys: `answer_format` (when the instrument has several) and `recode` per item code."""
        out: dict[str, Any] = {}
        if len(self.formats) > 1 or self.chosen != self.instrument.formats[0].id:
            out["answer_format"] = self.chosen
        if self.recode:
            out["recode"] = {item: dict(self.recode) for item in items}
        return out


def posted_recode(data: Any) -> dict[str, str] | None:
    """The recode table as posted (code found -> new code, blanks kept); None when the page posted none."""
    pairs = {key[len(RECODE_PREFIX):]: str(value).strip() for key, value in data.items()
             if key.startswith(RECODE_PREFIX)}
    return pairs if pairs else None


def build(preview: dict[str, Any], roles: dict[str, str], instrument_id: str | None, lang: str, *,
          answer_format: str | None = None, recode: dict[str, str] | None = None,
          missing: list[Any] | None = None) -> AnswersStep | None:
    """The step for the columns mapped as items (None without an instrument or item columns).

    `answer_format` and `recode` are the user's choices (None on the first view: then the format the codes
    fit, or the format and recode suggested for codes that fit none, are preselected)."""
    items = [c for c, r in roles.items() if r == "item"]
    if not instrument_id or not items:
        return None
    try:
        instrument = load_instrument(instrument_id)
        by_code = uploads._item_codes(items, [i.code for i in instrument.items])
    except UserError:
        return None  # the mapping's own checks say what is wrong
    counts = preview.get("codes") or {}  # column -> [[code, count], ...]; absent: over 15 distinct answers
    found = {code: [v for v, _n in counts.get(column, [])] for code, column in by_code.items()}
    formats = [(f.id, _text(f.name, lang) or f.id) for f in instrument.formats]
    ids = [f for f, _name in formats]
    as_is, _text_left = fit_found(instrument.id, found, missing=missing)
    if not any(found.values()):  # no codes seen: every format "fits", none is evidence
        as_is = replace(as_is, likely=None)
    suggestion = suggest_recode(instrument.id, found, missing) if as_is.likely is None else None
    first_view = answer_format is None and recode is None
    chosen = answer_format if answer_format in ids else (
        as_is.likely or (suggestion[0] if suggestion else None) or instrument.format.id)
    variant = instrument.with_format(chosen)
    allowed = {str(c) for c in variant.format.responses.codes}
    table: dict[str, int] = {}
    errors: list[str] = []
    if recode is None:
        if first_view and suggestion and suggestion[0] == chosen:
            table = dict(suggestion[1])
    else:
        for source, target in recode.items():
            if not target or target == source:
                continue
            if target not in allowed:
                errors.append(_("Recode %(code)s: %(new)s is not an answer code of this format (%(codes)s).")
                              % {"code": source, "new": target, "codes": ", ".join(sorted(allowed, key=int))})
                continue
            table[source] = int(target)
    fit, text_left = fit_found(instrument.id, found, chosen, table, missing)
    step = AnswersStep(instrument, formats, chosen, [], [], table, fit, text_left, errors=errors)
    step.items = [_item_row(variant, code, by_code[code], counts.get(by_code[code]), step, lang)
                  for code in by_code]
    values = sorted({v for codes in found.values() for v in codes}, key=_order)
    totals = {v: sum(n for column in by_code.values() for w, n in counts.get(column, []) if w == v) for v in values}
    posted = recode or {}
    step.recode_rows = [{"code": v, "count": totals[v], "name": RECODE_PREFIX + v,
                         "value": posted.get(v, _code_text(table[v]) if v in table else "")} for v in values]
    _explain(step, as_is, suggestion)
    if "codes" not in preview:
        step.notices.insert(0, _("This file was read before impactlab counted the answer codes: upload it again "
                                 "to see the codes found in it."))
    return step


def _order(value: str) -> tuple[bool, float, str]:
    number = uploads._code(value)
    return (isinstance(number, str), 0.0 if isinstance(number, str) else float(number), value)


def _item_row(variant: Instrument, code: str, column: str, counts: list[Any] | None, step: AnswersStep,
              lang: str) -> ItemRow:
    item = next(i for i in variant.items if i.code == code)
    responses = variant.item_responses(item)
    if responses.options:
        expected = [(str(o.code), _text(o.label, lang)) for o in responses.options]
    else:
        expected = [(str(c), "") for c in responses.codes]
        if responses.min_label:
            expected[0] = (expected[0][0], _text(responses.min_label, lang))
        if responses.max_label:
            expected[-1] = (expected[-1][0], _text(responses.max_label, lang))
    outside = {f"{c:g}" for c in step.fit.outside[step.chosen].get(code, [])} | set(step.text_left.get(code, []))
    recoded = {str(k): str(v) for k, v in step.recode.items()}
    found = None if counts is None else [
        {"code": v, "count": n, "outside": recoded.get(v, v) in outside, "to": recoded.get(v)} for v, n in counts]
    return ItemRow(code, column, expected, found)


def _explain(step: AnswersStep, as_is: FormatFit, suggestion: tuple[str, dict[str, int]] | None) -> None:
    names = dict(step.formats)
    default = step.instrument.format.id
    if as_is.likely and as_is.likely != default:
        step.notices.append(_("The answers in the file fit the answer format “%(format)s” best (not the "
                              "instrument's first format, “%(default)s”).")
                            % {"format": names[as_is.likely], "default": names[default]})
    if suggestion:
        step.notices.append(_("As they are, the answers fit none of the instrument's answer formats. Recoded as "
                              "in the table below they fit “%(format)s”: check the table before importing.")
                            % {"format": names[suggestion[0]]})
    if step.fit.better:
        step.problems.append(_("The answers fit the answer format “%(better)s” better than the chosen "
                               "“%(chosen)s”, with which they would be scored. Choose “%(better)s” if the "
                               "questionnaire used it, or recode the answers.")
                             % {"better": names[step.fit.better], "chosen": names[step.chosen]})
    wrong = sorted(set(step.fit.outside[step.chosen]) | set(step.text_left),
                   key=[i.code for i in step.instrument.items].index)
    if wrong:
        step.problems.append(_("Items %(items)s hold codes that the answer format “%(format)s” does not have "
                               "(marked below): recode them, choose another format, or list them as "
                               "'no answer' codes.") % {"items": ", ".join(wrong), "format": names[step.chosen]})
