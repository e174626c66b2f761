"""Scoring of every shipped instrument on random valid answers, against an independent scorer
written from the instrument files' own rules (read as plain YAML)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
import yaml

from impactlab.evidence.instruments import SHIPPED_DIR, score

FILES = sorted(SHIPPED_DIR.glob("*.yaml"))


def _with_format(doc, fmt):
    """The plain-YAML instrument as scored with one of its answer formats (independent of the engine)."""
    items = [{**it, "scoring_codes": fmt.get("scoring_codes", {}).get(it["code"])} for it in doc["items"]]
    return {**doc, "responses": fmt["responses"], "items": items}


CASES = [(path, fmt["id"]) for path in FILES
         for fmt in yaml.safe_load(path.read_text(encoding="utf-8"))["answer_formats"]]


def _codes(resp):
    if "options" in resp:
        return [o["code"] for o in resp["options"]]
    return list(range(resp["min"], resp["max"] + 1))


def _item_value(doc, item, answer):
    if answer is None:
        return None
    resp = item.get("responses") or doc["responses"]
    if doc["scoring"]["method"] == "dichotomous":
        return 1.0 if answer in item["scoring_codes"] else 0.0
    if "options" in resp:
        scores = {o["code"]: o.get("score", o["code"]) for o in resp["options"]}
        v = float(scores[answer])
        lo, hi = min(scores.values()), max(scores.values())
    else:
        v, lo, hi = float(answer), resp["min"], resp["max"]
    return lo + hi - v if item.get("reverse") else v


def _combine(values, method, missing):
    answered = [v for v in values if v is not None]
    if not answered or len(values) - len(answered) > missing.get("max_missing", 0):
        return None
    if method == "mean":
        return sum(answered) / len(answered)
    total = sum(answered)
    if missing.get("prorate"):
        total = total * len(values) / len(answered)
    return total


def reference_scores(doc, row):
    out = {}
    values = {it["code"]: _item_value(doc, it, row[it["code"]]) for it in doc["items"]}
    sc = doc["scoring"]
    if sc.get("total", True):
        method = "sum" if sc["method"] in ("dichotomous", "conversion") else sc["method"]
        total = _combine(list(values.values()), method, sc.get("missing", {}))
        if sc["method"] == "conversion" and total is not None:
            out[doc["id"] + ".raw"] = total
            total = sc["conversion"][math.floor(total + 0.5)]
        if total is not None and sc.get("round_to") is not None:
            total = round(total, sc["round_to"])
        out[doc["id"]] = total
    for sub in doc.get("subscales", []):
        items = [it["code"] for it in doc["items"] if it.get("subscale") == sub["id"]]
        method = sub.get("method") or ("sum" if sc["method"] in ("conversion", "dichotomous") else sc["method"])
        out[f"{doc['id']}.{sub['id']}"] = _combine([values[c] for c in items], method,
                                                   sub.get("missing") or sc.get("missing", {}))
    return out


@pytest.mark.parametrize(("path", "answer_format"), CASES, ids=[f"{p.stem}-{f}" for p, f in CASES])
def test_shipped_instrument_scores(path, answer_format):
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc = _with_format(raw, next(f for f in raw["answer_formats"] if f["id"] == answer_format))
    rng = np.random.default_rng(11)
    rows = []
    for _ in range(400):
        row = {}
        for it in doc["items"]:
            codes = _codes(it.get("responses") or doc["responses"])
            row[it["code"]] = None if rng.random() < 0.08 else int(rng.choice(codes))
        rows.append(row)
    frame = pl.DataFrame(rows, schema={it["code"]: pl.Int64 for it in doc["items"]})
    scored = score(doc["id"], frame, answer_format=answer_format)
    for k, row in enumerate(rows):
        for column, expected in reference_scores(doc, row).items():
            got = scored[column][k]
            if expected is None:
                assert got is None, (column, row, got)
            else:
                assert got == pytest.approx(expected, abs=1e-9), (column, row, got, expected)
