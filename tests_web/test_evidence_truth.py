"""One workspace through every path: the command line (`value`, `change`), the core API, the dashboard and the
report give the same figures for an evidence-based model, with the snapshots the user may use.

Runs on SQLite and on PostgreSQL (DATABASE_URL); see PROTOCOL.md.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from typer.testing import CliRunner

from impactlab import simulate, value
from impactlab.cli import app
from impactlab.evidence.instruments import score
from impactlab.evidence.rows import EvidenceScope, dataset_rows
from impactlab.evidence.workspace import Workspace
from impactlab.io.importer import import_file
from impactlab.io.synth import MISSING_CODE, synth
from impactlab.model.schema import ImpactModel
from impactlab_web.core import evidence
from impactlab_web.dashboards import figures
from impactlab_web.dashboards.models import CachedFigures, Simulation
from impactlab_web.data.models import DatasetRecord, DataSharingAgreement
from impactlab_web.jobs.runner import run_pending
from impactlab_web.organisations.models import Role
from impactlab_web.programmes import modelling
from impactlab_web.review import cycles, reporting
from tests_web.conftest import World

runner = CliRunner()
MAPPING = {"respondent_id": "respondent_id", "wave": "wave", "group": ["district"], "instrument": "djg-11",
           "identifiers": ["name", "email", "phone", "bsn", "date_of_birth"],
           "missing_codes": {f"lone{k}": [MISSING_CODE] for k in range(1, 12)}}
# the same file again, with a corrected mapping: answer 1 on lone1 means "no answer" as well
CHANGED = MAPPING | {"missing_codes": {f"lone{k}": [MISSING_CODE] + ([1] if k == 1 else []) for k in range(1, 12)}}
MODEL = {
    "impactlab": 1,
    "programme": {"name": "Circles", "price_year": 2025},
    "stakeholders": [{"id": "residents", "name": "Residents", "size": 240}, {"id": "city", "name": "City"}],
    "inputs": [{"id": "grant", "stakeholder": "city", "amount": 50_000}],
    "outcomes": [{"id": "less_lonely", "stakeholder": "residents", "description": "Less lonely (DJG-11)",
                  "quantity": {"dataset": "enquete", "instrument": "djg-11", "pre": "T0", "post": "T1",
                               "scale_to": "residents", "rule": "improvement"},
                  "value": {"base": 1000, "low": 600, "high": 1400}, "deadweight": 0.2, "attribution": 0.3}],
}


@pytest.fixture(autouse=True)
def _fresh(settings, var_dir: Path) -> None:
    settings.IMPACTLAB_REPORT_DRAWS = 4000
    figures.MEMO.clear()
    figures.SNAPSHOTS.clear()


def _import(world: World, path: Path, mapping: dict, again: bool = False) -> DatasetRecord:
    info = import_file(path, mapping, "enquete", Workspace(settings.WORKSPACE_DIR), allow_duplicate=again).snapshot
    return DatasetRecord.objects.create(owner=world.own, programme=world.programme, name="enquete",
                                        snapshot_id=info.snapshot_id, source_sha256=info.source.sha256,
                                        n=info.rows.imported, origin=path.name)


def _survey(folder: Path) -> Path:
    return synth(respondents=200, waves=2, out=folder / "enquete.csv", seed=8, items=11)


def _client(world: World, role: Role, scope: str = "own") -> Client:
    client = Client()
    client.force_login(world.user(role, scope))
    return client


def _dashboard(world: World, client: Client) -> str:
    response = client.get(reverse("dashboards:index", kwargs={"programme": world.programme.pk}))
    assert response.status_code == 200
    return response.content.decode()


def _pairs_by_hand(records: list[DatasetRecord]):
    """The share of respondents whose DJG-11 score fell (lower is better), from the snapshots' Parquet files,
    the newest snapshot winning per respondent and wave (the documented policy), computed with pandas."""
    store = Workspace(settings.WORKSPACE_DIR).store()
    frames = []
    for order, record in enumerate(records):
        frame = score("djg-11", store.read(record.snapshot_id), invalid="missing").to_pandas()
        frames.append(frame.assign(order=order)[["respondent", "wave", "djg-11", "order"]])
    import pandas as pd

    long = pd.concat(frames).sort_values("order").drop_duplicates(["respondent", "wave"], keep="last")
    return long.pivot(index="respondent", columns="wave", values="djg-11").dropna()


def _share_by_hand(records: list[DatasetRecord]) -> float:
    wide = _pairs_by_hand(records)
    return float((wide["T1"] < wide["T0"]).mean())


def test_every_path_gives_the_same_figures(world: World, tmp_path: Path) -> None:
    record = _import(world, _survey(tmp_path), MAPPING)
    version = modelling.save_version(world.programme, json.dumps(MODEL), world.user(Role.RESEARCHER, "own"), "ev")
    model = ImpactModel.model_validate(MODEL)
    expected_quantity = _share_by_hand([record]) * 240

    core = value(model, settings.WORKSPACE_DIR)
    assert core.outcomes[0].quantity == pytest.approx(expected_quantity)
    assert version.figures["sroi_ratio"] == pytest.approx(core.sroi_ratio)  # stored key figures: no error

    path = tmp_path / "model.yaml"
    path.write_text(json.dumps(MODEL), encoding="utf-8")
    cli = runner.invoke(app, ["value", str(path), "--workspace", str(settings.WORKSPACE_DIR), "--format", "json"])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.stdout)["sroi_ratio"] == pytest.approx(core.sroi_ratio)

    researcher = _client(world, Role.RESEARCHER)
    html = _dashboard(world, researcher)
    assert re.search(r'data-testid="sroi">' + re.escape(f"{core.sroi_ratio:.2f}") + "<", html)
    run_pending()
    sim = Simulation.objects.get(version=version)
    assert sim.snapshots == [record.snapshot_id]
    draws, seed = figures.monte_carlo()
    expected = simulate(model, draws=draws, seed=seed, workspace=settings.WORKSPACE_DIR)
    assert sim.result["summary"]["sroi_ratio"]["p5"] == pytest.approx(expected.sroi_ratio.p5)
    html = _dashboard(world, researcher)
    assert f"{expected.sroi_ratio.p5:.2f}" in html and f"{expected.sroi_ratio.p95:.2f}" in html

    # CLI change on the workspace = the dashboard's change table
    cli = runner.invoke(app, ["change", "enquete", "--instrument", "djg-11", "--workspace",
                              str(settings.WORKSPACE_DIR), "--by", "district", "--format", "json"])
    assert cli.exit_code == 0, cli.output
    change = json.loads(cli.stdout)
    assert f">{change['n_pairs']}<" in html and f"{change['mean_change']:.2f}" in html

    # the report of the same version: the same valuation, the same Monte Carlo interval, the same change
    cycle = cycles.create_cycle(world.programme, "one truth", None)
    modelling.publish(version, None)  # a cycle works with a published version
    cycles.freeze(cycle, version)
    report = reporting.generate(reporting.request_report(cycle, "en", ["html"], world.user(Role.RESEARCHER, "own")))
    summary = report.summary["figures"]
    assert summary["sroi_ratio"] == pytest.approx(core.sroi_ratio)
    assert (report.draws, report.seed) == (draws, seed)
    assert summary["monte_carlo.p5"] == pytest.approx(expected.sroi_ratio.p5)
    assert summary["monte_carlo.p95"] == pytest.approx(expected.sroi_ratio.p95)
    assert report.snapshots == [record.snapshot_id]
    assert report.summary["outcomes"][0]["quantity"] == pytest.approx(expected_quantity)


def test_a_withdrawn_agreement_removes_the_snapshots_and_a_failure_is_a_message(world: World,
                                                                                tmp_path: Path) -> None:
    record = _import(world, _survey(tmp_path), MAPPING)
    modelling.save_version(world.programme, json.dumps(MODEL), world.user(Role.RESEARCHER, "own"), "ev")
    partner = _client(world, Role.RESEARCHER, "partner")
    html = _dashboard(world, partner)  # may not use the dataset: a message, not a 500
    assert 'data-testid="valuation-error"' in html and "enquete" in html and "available to you" in html
    assert not Simulation.objects.exists()

    agreement = DataSharingAgreement.objects.create(dataset=record, partner=world.partner, purpose="evaluation",
                                                    valid_until=dt.date.today() + dt.timedelta(days=90))
    core = value(ImpactModel.model_validate(MODEL), settings.WORKSPACE_DIR)
    html = _dashboard(world, partner)
    assert re.search(r'data-testid="sroi">' + re.escape(f"{core.sroi_ratio:.2f}") + "<", html)

    agreement.withdrawn_at = dt.datetime.now(dt.UTC)
    agreement.save()
    html = _dashboard(world, partner)
    assert 'data-testid="valuation-error"' in html and 'data-testid="sroi"' not in html
    chart = partner.get(reverse("dashboards:chart", kwargs={"programme": world.programme.pk, "chart": "waterfall"}))
    assert chart.status_code == 404

    partner.post(reverse("accounts:language"), {"language": "nl", "next": "/"})
    assert "kan niet worden gewaardeerd met de gegevens die u mag gebruiken" in _dashboard(world, partner)


def test_a_reimport_with_a_changed_mapping_keeps_report_and_dashboard_consistent(world: World,
                                                                                 tmp_path: Path) -> None:
    path = _survey(tmp_path)
    first = _import(world, path, MAPPING)
    version = modelling.save_version(world.programme, json.dumps(MODEL), world.user(Role.RESEARCHER, "own"), "ev")
    researcher = _client(world, Role.RESEARCHER)
    before = figures.valuation(version, evidence.scope_for(world.user(Role.RESEARCHER, "own"), world.programme))
    _dashboard(world, researcher)

    second = _import(world, path, CHANGED, again=True)
    scope = evidence.scope_for(world.user(Role.RESEARCHER, "own"), world.programme)
    rows = dataset_rows(scope.store(), "enquete", scope.allowed)
    assert rows.snapshot_ids == [second.snapshot_id] and rows.replaced == first.n
    after = figures.valuation(version, scope)  # a new snapshot: a new key, fresh figures
    quantity = _share_by_hand([first, second]) * 240
    core = value(ImpactModel.model_validate(MODEL), EvidenceScope(settings.WORKSPACE_DIR, scope.allowed))
    assert after["sroi_ratio"] == pytest.approx(core.sroi_ratio) and after["sroi_ratio"] != before["sroi_ratio"]
    assert core.outcomes[0].quantity == pytest.approx(quantity)
    html = _dashboard(world, researcher)
    n_pairs = len(_pairs_by_hand([first, second]))
    assert f"{core.sroi_ratio:.2f}" in html and f">{n_pairs}<" in html

    cycle = cycles.create_cycle(world.programme, "re-import", None)
    modelling.publish(version, None)  # a cycle works with a published version
    cycles.freeze(cycle, version)
    report = reporting.generate(reporting.request_report(cycle, "en", ["html"], world.user(Role.RESEARCHER, "own")))
    assert report.status == report.Status.READY
    assert report.summary["figures"]["sroi_ratio"] == pytest.approx(core.sroi_ratio)
    assert report.snapshots == [second.snapshot_id]
    content = json.dumps(reporting.content(report))
    (entry,) = figures.evidence_sets([first, second])[0]
    change = figures.change(entry, ImpactModel.model_validate(MODEL), evidence.policy_for(world.programme))
    assert change["change"]["n_pairs"] == n_pairs and change["snapshots"] == [second.snapshot_id]
    assert f'"{n_pairs}"' in content or f" {n_pairs}" in content


def test_the_minimum_cell_of_the_model_reaches_the_change_figures(world: World, tmp_path: Path, settings) -> None:
    """The dashboard's change figures and support balance follow the model's min_cell, not only the
    installation's."""
    settings.IMPACTLAB_MIN_CELL = 10
    _import(world, synth(respondents=30, waves=2, out=tmp_path / "enquete.csv", seed=2, items=11), MAPPING)
    researcher = _client(world, Role.RESEARCHER)
    assert "fewer than 10 respondents" in _dashboard(world, researcher)
    document = MODEL | {"valuation": {"min_cell": 500}}
    modelling.save_version(world.programme, json.dumps(document), world.user(Role.RESEARCHER, "own"), "strict")
    html = _dashboard(world, researcher)
    assert "fewer than 500 respondents" in html
    # the evidence quantity itself is refused below the model's minimum: a message on the page
    assert 'data-testid="valuation-error"' in html and "minimum cell size 500" in html


def test_recompute_clears_stale_figures(world: World, tmp_path: Path) -> None:
    _import(world, _survey(tmp_path), MAPPING)
    modelling.save_version(world.programme, json.dumps(MODEL), world.user(Role.RESEARCHER, "own"), "ev")
    _dashboard(world, _client(world, Role.RESEARCHER))
    run_pending()
    assert CachedFigures.objects.exists() and Simulation.objects.exists()
    call_command("recompute", verbosity=0)
    assert not CachedFigures.objects.exists() and not Simulation.objects.exists()
    assert 'data-testid="sroi"' in _dashboard(world, _client(world, Role.RESEARCHER))


def test_a_withdrawn_agreement_stops_the_download_of_a_report_made_with_it(world: World, tmp_path: Path) -> None:
    """The partner's researcher makes a report with the owner's shared dataset and downloads it; the owner
    withdraws the agreement: the partner (and any link the partner handed out) may no longer download it, with
    a clear page; the owner's own people still may (their own data)."""
    from impactlab_web.review import sharing

    record = _import(world, _survey(tmp_path), MAPPING)
    version = modelling.save_version(world.programme, json.dumps(MODEL), world.user(Role.RESEARCHER, "own"), "ev")
    agreement = DataSharingAgreement.objects.create(dataset=record, partner=world.partner, purpose="evaluation",
                                                    valid_until=dt.date.today() + dt.timedelta(days=90))
    cycle = cycles.create_cycle(world.programme, "shared", None)
    modelling.publish(version, None)  # a cycle works with a published version
    cycles.freeze(cycle, version)
    maker = world.user(Role.RESEARCHER, "partner")
    report = reporting.request_report(cycle, "en", ["html"], maker)
    run_pending()
    report.refresh_from_db()
    assert report.snapshots == [record.snapshot_id], report.error
    _share, token = sharing.share_link(report, "Reviewer", 30, maker)
    url = reverse("review:report_file", kwargs={"programme": world.programme.pk, "report": report.pk, "fmt": "html"})
    link = reverse("review:shared_file", kwargs={"token": token, "fmt": "html"})
    partner, owner = _client(world, Role.RESEARCHER, "partner"), _client(world, Role.RESEARCHER, "own")
    assert partner.get(url).status_code == 200 and Client().get(link).status_code == 200

    agreement.withdrawn_at = dt.datetime.now(dt.UTC)
    agreement.save()
    refused = partner.get(url)
    assert refused.status_code == 403 and "can no longer be downloaded" in refused.content.decode()
    assert "enquete" in refused.content.decode()
    assert Client().get(link).status_code == 403
    assert owner.get(url).status_code == 200  # the owner's own data
    partner.post(reverse("accounts:language"), {"language": "nl", "next": "/"})
    assert "kan niet meer worden gedownload" in partner.get(url).content.decode()
