"""Registrations of formal and informal support: checks, balance, model inputs and outputs."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from impactlab.errors import UserError
from impactlab.evidence.disclosure import DisclosurePolicy
from impactlab.fieldwork.registrations import balance, check_registrations, model_inputs, model_outputs


def rows() -> pl.DataFrame:
    # January, team A: 3 clients; formal 2 + 1 h, informal 3 h by two volunteers; February: 1 client informal
    return pl.DataFrame({
        "date": ["2025-01-03", "2025-01-10", "12-01-2025", "2025-01-20", "2025-02-02"],
        "client": ["c1", "c2", "c3", "c1", "c1"],
        "provider": ["p1", "p1", "v1", "v2", "v1"],
        "support": ["formal", "Formal", "informal", "informal", "informal"],
        "kind": ["home visit", "home visit", "buddy", "buddy", "buddy"],
        "hours": ["2", "1", "1,5", "1.5", "4"],
        "contacts": [1, 1, 2, 1, 3],
        "team": ["A", "A", "A", "A", "A"],
    })


def test_check_types_and_normalises() -> None:
    checked = check_registrations(rows())
    assert checked["date"].to_list()[2] == date(2025, 1, 12)
    assert checked["hours"].to_list() == [2.0, 1.0, 1.5, 1.5, 4.0]
    assert set(checked["support"]) == {"formal", "informal"}
    assert checked["neighbourhood"].null_count() == 5


def test_bad_rows_are_named() -> None:
    bad = rows().with_columns(pl.Series("hours", ["2", "x", "30", "1", "1"]),
                              pl.Series("support", ["formal", "formal", "paid", "informal", "informal"]))
    with pytest.raises(UserError) as caught:
        check_registrations(bad, "reg.csv")
    messages = caught.value.messages
    assert "reg.csv, row 3, column 'hours': 'x' is not a valid number of hours" in messages
    assert "reg.csv, row 4, column 'hours': '30' must be between 0 and 24 hours" in messages
    assert "reg.csv, row 4, column 'support': 'paid' must be formal or informal" in messages
    with pytest.raises(UserError, match="missing column"):
        check_registrations(rows().drop("client"))


def test_balance_by_hand() -> None:
    table = balance(check_registrations(rows()), by=["team"], period="month", policy=DisclosurePolicy(1))
    january, february = table.iter_rows(named=True)
    assert january["hours_formal"] == 3.0 and january["hours_informal"] == 3.0
    assert january["share_informal"] == pytest.approx(0.5)
    assert january["clients"] == 3 and january["volunteers"] == 2 and january["contacts"] == 5
    assert february["share_informal"] == 1.0 and february["clients"] == 1


def test_balance_suppresses_small_cells() -> None:
    table = balance(check_registrations(rows()), period="month", policy=DisclosurePolicy(3))
    january, february = table.iter_rows(named=True)
    assert not january["suppressed"] and january["hours_formal"] == 3.0
    assert february["suppressed"] and february["hours_informal"] is None and february["clients"] is None


def test_inputs_and_outputs_for_the_model() -> None:
    checked = check_registrations(rows())
    informal = model_inputs(checked, "abcdef123456789", "volunteers", "volunteer_hour_minimum_wage")
    assert informal.quantity == 7.0 and informal.support == "informal"
    assert "abcdef123456" in informal.source
    outputs = {o.id: o.quantity for o in model_outputs(checked, "abcdef123456789", "support")}
    assert outputs == {"support_buddy": 6.0, "support_home_visit": 2.0}


def test_cli_import_pseudonymises_and_balances(tmp_path) -> None:
    import json

    from typer.testing import CliRunner

    from impactlab.cli import app
    from impactlab.evidence.workspace import Workspace

    path = tmp_path / "registrations.csv"
    rows().with_columns(pl.col("client").str.replace("c", "client-")).write_csv(path, separator=";")
    runner = CliRunner()
    root = str(tmp_path / "ws")
    done = runner.invoke(app, ["registrations", "import", str(path), "--dataset", "support", "--workspace", root])
    assert done.exit_code == 0, done.output
    stored = Workspace(root).store().read("support")
    assert not stored["client"].str.contains("client-").any()
    assert stored["client"].n_unique() == 3
    assert b"client-1" not in (tmp_path / "ws").joinpath("datasets").rglob("*.parquet").__next__().read_bytes()
    balance = ["registrations", "balance", "support", "--by", "team", "--min-cell", "1", "--workspace", root,
               "--format", "json"]
    # --min-cell may raise the installation's minimum (IMPACTLAB_MIN_CELL, default 10), never lower it
    held = runner.invoke(app, balance, env={"IMPACTLAB_MIN_CELL": ""})
    assert held.exit_code == 0, held.output
    assert [row["hours_informal"] for row in json.loads(held.stdout)] == [None, None]
    shown = runner.invoke(app, balance, env={"IMPACTLAB_MIN_CELL": "1"})
    assert shown.exit_code == 0, shown.output
    assert [row["hours_informal"] for row in json.loads(shown.stdout)] == [3.0, 4.0]
    again = runner.invoke(app, ["registrations", "import", str(path), "--dataset", "support", "--workspace", root])
    assert again.exit_code == 2 and "already imported" in again.stderr
