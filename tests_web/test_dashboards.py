"""Data upload, import as a background job, validation report, agreements and the dashboard's figures."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from impactlab import parse_model, value
from impactlab.evidence.change import change_from_long
from impactlab.evidence.disclosure import DisclosurePolicy
from impactlab.evidence.instruments import score
from impactlab.evidence.scored import score_spec
from impactlab.evidence.workspace import Workspace
from impactlab.io.synth import MISSING_CODE, synth
from impactlab.reports import charts as core_charts
from impactlab.reports.texts import Texts
from impactlab.valuation import sensitivity
from impactlab_web.core import evidence
from impactlab_web.core.models import AuditEvent
from impactlab_web.dashboards import figures
from impactlab_web.dashboards.models import Simulation
from impactlab_web.data.models import DatasetRecord, DataSharingAgreement, Upload
from impactlab_web.jobs.runner import run_pending
from impactlab_web.organisations.models import Role
from impactlab_web.programmes import modelling
from tests_web.conftest import World


@pytest.fixture(autouse=True)
def _fresh_memory() -> None:
    figures.MEMO.clear()
    figures.SNAPSHOTS.clear()


def survey_csv(folder: Path, respondents: int = 60, seed: int = 1) -> Path:
    path = folder / "enquete.csv"
    synth(respondents=respondents, waves=2, out=path, seed=seed, items=11)
    return path


def login(world: World, role: Role = Role.ADMINISTRATOR, scope: str = "own") -> Client:
    client = Client()
    client.force_login(world.user(role, scope))
    return client


def upload(client: Client, world: World, path: Path, name: str | None = None, content: bytes | None = None):
    url = reverse("data:upload_new", kwargs={"programme": world.programme.pk})
    data = content if content is not None else path.read_bytes()
    response = client.post(url, {"file": SimpleUploadedFile(name or path.name, data), "owner": world.own.pk})
    if response.status_code == 302:
        run_pending()  # the file is read in a job, never in the request
    return response


def mapping_post(client: Client, response, **changes) -> tuple[Upload, object]:
    """Submit the mapping form with its guessed roles (plus `changes`)."""
    upload_obj = Upload.objects.get()
    url = response["Location"]
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data |= {"missing_codes": str(MISSING_CODE), "dataset": "enquete"} | changes  # named by the user
    return upload_obj, client.post(url, data)


def test_upload_mapping_job_snapshot_and_record(world: World, var_dir: Path, tmp_path: Path) -> None:
    client = login(world)
    path = survey_csv(tmp_path)
    response = upload(client, world, path)
    assert response.status_code == 302
    found = Upload.objects.get()
    raw = Path(found.path)
    assert raw.exists() and found.format == "csv"
    page = client.get(response["Location"]).content.decode()
    assert "Ayse" not in page and "•••" in page  # identifier-like columns are masked in the preview
    assert AuditEvent.objects.filter(object_type="upload", action="data.preview").exists()
    form = client.get(response["Location"]).context["form"]
    roles = {form.fields[name].label: form[name].value() for name in form.fields if name.startswith("role_")}
    assert roles["respondent_id"] == "respondent_id" and roles["wave"] == "wave" and roles["lone1"] == "item"
    assert roles["name"] == roles["email"] == roles["bsn"] == "identifier"
    assert form["instrument"].value() == "djg-11"

    found, done = mapping_post(client, response)
    assert done.status_code == 302
    found.refresh_from_db()
    assert found.state == Upload.State.IMPORTING and found.job is not None
    status = client.get(reverse("data:upload_status", kwargs={"programme": world.programme.pk,
                                                                    "upload": found.pk})).content.decode()
    assert 'hx-trigger="every 1s"' in status and "<progress" in status
    assert run_pending() >= 1
    found.refresh_from_db()
    assert found.state == Upload.State.IMPORTED, found.report
    assert not raw.exists() and not raw.parent.exists() and found.path == ""
    record = DatasetRecord.objects.get(name="enquete")
    assert record.owner == world.own and record.programme == world.programme and record.n == found.report["imported"]
    snapshot = Workspace(var_dir / "workspace").store().read(record.snapshot_id)
    assert {"name", "email", "phone", "bsn", "date_of_birth", "respondent_id"}.isdisjoint(snapshot.columns)
    assert not snapshot["respondent"].str.starts_with("R0").any()  # pseudonyms, not the ids
    report = client.get(response["Location"]).content.decode()
    assert "rows imported" in report and 'hx-trigger' not in report
    listing = client.get(reverse("data:list", kwargs={"programme": world.programme.pk})).content.decode()
    assert "enquete" in listing and record.snapshot_id[:12] in listing


def _broken(tmp_path: Path) -> Path:
    path = survey_csv(tmp_path)
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[3].split(",")
    cells[header.index("lone2")] = "7"
    lines[3] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_broken_row_is_reported_and_nothing_imported(world: World, var_dir: Path, tmp_path: Path) -> None:
    client = login(world)
    response = upload(client, world, _broken(tmp_path))
    found, _done = mapping_post(client, response)
    run_pending()
    found.refresh_from_db()
    assert found.state == Upload.State.REJECTED and found.path == ""
    assert not DatasetRecord.objects.filter(name="enquete").exists()
    issue = found.report["issues"][0]
    assert (issue["file"], issue["row"], issue["column"], issue["value"], issue["rule"]) == (
        "enquete.csv", 4, "lone2", "7", "unknown_code")
    page = client.get(response["Location"]).content.decode()
    assert "Nothing was imported" in page and "not one of the valid codes" in page and ">4<" in page


def test_a_broken_row_can_be_quarantined(world: World, var_dir: Path, tmp_path: Path) -> None:
    client = login(world)
    response = upload(client, world, _broken(tmp_path))
    found, _done = mapping_post(client, response, on_error="quarantine")
    run_pending()
    found.refresh_from_db()
    assert found.state == Upload.State.IMPORTED
    assert found.report["quarantined"] == 1 and found.report["issues"][0]["row"] == 4
    record = DatasetRecord.objects.get(name="enquete")
    info = Workspace(var_dir / "workspace").store().get(record.snapshot_id)
    assert info.rows.quarantined == 1 and info.quarantine_file


@pytest.mark.parametrize(("name", "content", "message"), [
    ("picture.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV, Excel"),
    ("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old Excel"),
    ("damaged.xlsx", b"PK\x03\x04" + b"\x00" * 200, "not an Excel workbook"),
    ("empty.csv", b"", "empty"),
    ("notes.txt", b"just some words without separators\nmore words\n", "no column separators"),
])
def test_wrong_or_damaged_files_give_a_message(world: World, var_dir: Path, tmp_path: Path,
                                               name: str, content: bytes, message: str) -> None:
    response = upload(login(world), world, tmp_path / name, name=name, content=content)
    assert response.status_code == 422
    errors = " ".join(str(e) for e in response.context["form"].errors["file"])
    assert message.lower() in errors.lower(), errors
    assert not Upload.objects.exists()
    assert not any((var_dir / "uploads").glob("*/*")) if (var_dir / "uploads").exists() else True


@pytest.mark.parametrize(("name", "content", "message"), [
    ("damaged.sav", b"$FL2" + b"\x00" * 100, "damaged"),
    ("header.csv", b"a,b,c\n", "no data rows"),
])
def test_a_file_unreadable_past_its_first_bytes_fails_in_its_job(world: World, var_dir: Path, tmp_path: Path,
                                                               name: str, content: bytes, message: str) -> None:
    """Reading happens in the preview job: the request only stores the file; the job's failure is shown on the
    upload's page, under the uploader's own file name, and the raw file is deleted."""
    client = login(world)
    response = upload(client, world, tmp_path / name, name=name, content=content)
    assert response.status_code == 302
    found = Upload.objects.get()
    assert found.state == Upload.State.FAILED and found.path == "" and found.job.status == "failed"
    assert not any((var_dir / "uploads").glob("*/*"))
    page = client.get(response["Location"]).content.decode()
    assert "The file could not be read" in page and message in page.lower() and "hx-trigger" not in page


def test_the_type_comes_from_the_content_not_the_name(world: World, var_dir: Path, tmp_path: Path) -> None:
    path = survey_csv(tmp_path)
    response = upload(login(world), world, path, name="survey.sav")
    assert response.status_code == 302
    assert Upload.objects.get().format == "csv"


def test_a_file_over_the_limit_is_refused(world: World, var_dir: Path, tmp_path: Path, settings) -> None:
    settings.IMPACTLAB_UPLOAD_MAX_BYTES = 1024 * 1024
    response = upload(login(world), world, tmp_path / "big.csv", content=b"a,b\n" + b"1,2\n" * 300_000)
    assert response.status_code == 422 and "larger than 1 MB" in str(response.context["form"].errors["file"])


def test_a_bad_mapping_is_a_message(world: World, var_dir: Path, tmp_path: Path) -> None:
    client = login(world)
    response = upload(client, world, survey_csv(tmp_path))
    form = client.get(response["Location"]).context["form"]
    index = next(name for name in form.fields if form.fields[name].label == "respondent_id")
    _found, done = mapping_post(client, response, **{index: "skip", "dataset": "bad name!"})
    assert done.status_code == 422
    html = done.content.decode()
    assert "respondent id" in html and "Use letters, digits" in html
    assert Upload.objects.get().state == Upload.State.MAPPING


def test_only_the_uploader_sees_an_upload(world: World, var_dir: Path, tmp_path: Path) -> None:
    response = upload(login(world), world, survey_csv(tmp_path))
    other = login(world, Role.RESEARCHER, "own")
    assert other.get(response["Location"]).status_code == 404


# ------------------------------------------------------------------------------------------- dashboard
def _import(world: World, path: Path, name: str, mapping: dict, owner=None) -> DatasetRecord:
    from django.conf import settings

    from impactlab.io.importer import import_file

    info = import_file(path, mapping, name, Workspace(settings.WORKSPACE_DIR)).snapshot
    return DatasetRecord.objects.create(owner=owner or world.own, programme=world.programme, name=name,
                                        snapshot_id=info.snapshot_id, source_sha256=info.source.sha256,
                                        n=info.rows.imported, origin=path.name)


SURVEY = {"respondent_id": "respondent_id", "wave": "wave", "group": ["district"], "instrument": "djg-11",
          "identifiers": ["name", "email", "phone", "bsn", "date_of_birth"],
          "missing_codes": {f"lone{k}": [MISSING_CODE] for k in range(1, 12)}}


def _small_group_survey(folder: Path) -> Path:
    """240 respondents; the district 'Klein' holds only 4 of them (below the minimum cell of 10)."""
    path = survey_csv(folder, respondents=240, seed=4)
    frame = pl.read_csv(path, infer_schema_length=0)
    ids = frame["respondent_id"].unique().sort()[:4].to_list()
    frame = frame.with_columns(pl.when(pl.col("respondent_id").is_in(ids)).then(pl.lit("Klein"))
                               .otherwise(pl.col("district")).alias("district"))
    frame.write_csv(path)
    return path


def test_dashboard_figures_equal_the_core(world: World, var_dir: Path, tmp_path: Path) -> None:
    version = world.programme.latest_version()
    model = parse_model(version.text)
    result = value(model)
    client = login(world)
    page = client.get(reverse("dashboards:index", kwargs={"programme": world.programme.pk}))
    html = page.content.decode()
    assert re.search(r'data-testid="sroi">' + re.escape(f"{result.sroi_ratio:.2f}") + "<", html)
    for s in result.stakeholders:
        assert s.name in html
    texts = Texts("en", result.currency)
    chart = lambda name: client.get(reverse("dashboards:chart", kwargs={  # noqa: E731
        "programme": world.programme.pk, "chart": name})).json()
    assert chart("waterfall")["spec"]["data"] == core_charts.waterfall_spec(result, texts)["data"]
    assert chart("who-pays")["spec"]["data"] == core_charts.who_pays_spec(result, texts)["data"]
    sens = sensitivity(model)
    bars = chart("tornado")["spec"]["data"]["values"]
    first = sens.tornado[0]
    assert bars[0]["ratio"] == pytest.approx(first.ratio_at_low)
    assert bars[1]["ratio"] == pytest.approx(first.ratio_at_high)
    assert chart("waterfall")["locale"]["decimal"] == "."

    # the simulation: queued on first view, run as a job, then the interval is shown
    sim = Simulation.objects.get(version=version)
    assert "simulating" in html
    run_pending()
    sim.refresh_from_db()
    from impactlab import simulate

    expected = simulate(model, draws=sim.draws, seed=sim.seed)
    assert sim.result["summary"]["sroi_ratio"]["p5"] == pytest.approx(expected.sroi_ratio.p5)
    html = client.get(reverse("dashboards:index", kwargs={"programme": world.programme.pk})).content.decode()
    assert f"{expected.sroi_ratio.p5:.2f}" in html and f"{expected.sroi_ratio.p95:.2f}" in html
    assert chart("histogram")["spec"]["layer"][0]["data"]["values"]


def test_change_equals_the_core_and_small_groups_are_suppressed(world: World, var_dir: Path,
                                                               tmp_path: Path) -> None:
    path = _small_group_survey(tmp_path)
    record = _import(world, path, "enquete", SURVEY)
    client = login(world, Role.RESEARCHER, "own")
    html = client.get(reverse("dashboards:index", kwargs={"programme": world.programme.pk})).content.decode()
    spec = score_spec("djg-11")
    frame = Workspace(var_dir / "workspace").store().read(record.snapshot_id)
    expected = change_from_long(score(spec.instrument, frame, invalid="missing"), id="respondent", wave="wave",
                                score=spec.column, pre="T0", post="T1", by="district", higher_is_better=False,
                                policy=DisclosurePolicy(10)).to_dict()
    assert f">{expected['n_pairs']}<" in html
    assert f"{expected['mean_change']:.2f}" in html and f"{expected['hedges_gav']:.2f}" in html
    small = next(g for g in expected["groups"] if g["group"] == "Klein")
    assert small["suppressed"] and small["n_pairs"] is None
    row = re.search(r"<th scope=\"row\">Klein</th>(.*?)</tr>", html, re.S).group(1)
    text = re.sub(r"<[^>]+>", "", row)
    assert "suppressed" in text and not re.search(r"\d", text.replace("fewer than 10", ""))
    data = client.get(reverse("dashboards:chart", kwargs={"programme": world.programme.pk,
                                                          "chart": "change-0"})).json()
    assert {r["unit"] for r in data["spec"]["data"]["values"]} >= {"All respondents"}
    assert "Klein" not in json.dumps(data)


def test_registrations_balance_is_disclosure_controlled(world: World, var_dir: Path, tmp_path: Path) -> None:
    from django.conf import settings

    from impactlab.io.registrations import import_registrations

    rows = [{"date": f"2025-0{1 + k % 6}-10", "client": f"C{k}", "provider": f"P{k % 3}",
             "support": "informal" if k % 2 else "formal", "hours": 1.5, "contacts": 1,
             "team": "Groot" if k < 60 else "Mini"} for k in range(63)]
    path = tmp_path / "registrations.csv"
    pl.DataFrame(rows).write_csv(path)
    info = import_registrations(path, "steun", Workspace(settings.WORKSPACE_DIR))
    DatasetRecord.objects.create(owner=world.own, programme=world.programme, name="steun", snapshot_id=info.snapshot_id,
                                 source_sha256=info.source.sha256, n=info.rows.imported, origin=path.name)
    client = login(world)
    html = client.get(reverse("dashboards:index", kwargs={"programme": world.programme.pk})).content.decode()
    assert 'data-testid="balance"' in html and "suppressed" in html
    data = client.get(reverse("dashboards:chart", kwargs={"programme": world.programme.pk,
                                                          "chart": "balance-0"})).json()
    assert "Mini" not in json.dumps(data)


def test_agreements_decide_what_a_partner_researcher_sees(world: World, var_dir: Path, tmp_path: Path) -> None:
    record = _import(world, survey_csv(tmp_path, respondents=120), "enquete", SURVEY)
    partner = login(world, Role.RESEARCHER, "partner")
    dashboard = reverse("dashboards:index", kwargs={"programme": world.programme.pk})
    assert 'data-testid="change"' not in partner.get(dashboard).content.decode()
    assert "enquete" not in partner.get(reverse("data:list", kwargs={"programme": world.programme.pk})).content.decode()

    admin = login(world)
    new = reverse("data:agreement_new", kwargs={"programme": world.programme.pk, "dataset": record.pk})
    past = admin.post(new, {"partner": world.partner.pk, "purpose": "evaluation", "valid_until": "2001-01-01"})
    assert past.status_code == 422 and "in the past" in past.content.decode()
    until = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    shared = admin.post(new, {"partner": world.partner.pk, "purpose": "evaluation", "valid_until": until})
    assert shared.status_code == 302
    agreement = DataSharingAgreement.objects.get(dataset=record)
    assert AuditEvent.objects.filter(action="dataset.share", object_id=record.snapshot_id).exists()
    assert 'data-testid="change"' in partner.get(dashboard).content.decode()

    foreign_admin = login(world, Role.ADMINISTRATOR, "partner")  # not the dataset's owner
    withdraw = reverse("data:agreement_withdraw", kwargs={"programme": world.programme.pk,
                                                                "agreement": agreement.pk})
    assert foreign_admin.post(withdraw).status_code == 404
    assert admin.post(withdraw).status_code == 302
    agreement.refresh_from_db()
    assert agreement.withdrawn_at is not None
    assert AuditEvent.objects.filter(action="dataset.withdraw", object_id=record.snapshot_id).exists()
    assert 'data-testid="change"' not in partner.get(dashboard).content.decode()


def test_the_dashboard_speaks_dutch(world: World, var_dir: Path) -> None:
    client = login(world)
    client.post(reverse("accounts:language"), {"language": "nl", "next": "/"})
    html = client.get(reverse("dashboards:index", kwargs={"programme": world.programme.pk})).content.decode()
    result = value(parse_model(world.programme.latest_version().text))
    assert f"{result.sroi_ratio:.2f}".replace(".", ",") in html
    data = client.get(reverse("dashboards:chart", kwargs={"programme": world.programme.pk,
                                                          "chart": "waterfall"})).json()
    assert data["locale"]["decimal"] == ","


def test_demo_part_is_idempotent(db, var_dir: Path) -> None:
    from impactlab_web.core import demo

    extensions = list(demo.EXTENSIONS)
    demo.EXTENSIONS[:] = ["impactlab_web.dashboards.demo"]
    try:
        demo.seed(say=lambda _: None)
        counts = (DatasetRecord.objects.count(), Simulation.objects.count())
        demo.seed(say=lambda _: None)
        assert (DatasetRecord.objects.count(), Simulation.objects.count()) == counts
    finally:
        demo.EXTENSIONS[:] = extensions
    assert Simulation.objects.get().done
    assert DatasetRecord.objects.filter(name="steun-formeel-informeel").exists()


def test_csv_sniffing_accepts_semicolons_and_bom() -> None:
    from impactlab_web.data.uploads import sniff

    assert sniff("\ufeffid;wave\n1;T0\n".encode()) == "csv"
    assert sniff(io.BytesIO(b"id\twave\n").read()) == "csv"


@pytest.mark.parametrize("suffix", ["xlsx", "sav"])
def test_excel_and_spss_uploads_import(world: World, var_dir: Path, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"enquete.{suffix}"
    synth(respondents=30, waves=2, out=path, seed=3, items=11)
    client = login(world)
    response = upload(client, world, path, name=f"enquete.{suffix}")
    assert response.status_code == 302
    assert Upload.objects.get().format == suffix
    found, done = mapping_post(client, response)
    assert done.status_code == 302
    run_pending()
    found.refresh_from_db()
    assert found.state == Upload.State.IMPORTED, found.report
    assert DatasetRecord.objects.get(name="enquete").origin.endswith(f"({suffix})")


def test_a_failed_simulation_runs_again_only_when_asked(world: World, var_dir: Path) -> None:
    from impactlab_web.jobs.models import Job

    version = modelling.publish(world.programme.latest_version(), None)  # the viewer sees its figures
    job = Job.objects.create(kind="dashboard.simulate", params={}, programme=world.programme, status="failed")
    draws, seed = figures.monte_carlo()
    key = figures.simulation_key(version, evidence.scope_for(None, world.programme), draws, seed)
    Simulation.objects.create(version=version, key=key, draws=draws, seed=seed, job=job)
    client = login(world, Role.VIEWER, "own")
    index = reverse("dashboards:index", kwargs={"programme": world.programme.pk})
    html = client.get(index).content.decode()
    assert "The simulation failed." in html and Simulation.objects.get().job == job
    assert client.post(reverse("dashboards:simulate", kwargs={"programme": world.programme.pk})).status_code == 302
    sim = Simulation.objects.get()
    assert sim.job != job and sim.job.status == Job.Status.QUEUED
    run_pending()
    assert "90% interval" in client.get(index).content.decode()


def test_an_import_with_every_row_bad_keeps_no_raw_values(world: World, var_dir: Path, tmp_path: Path) -> None:
    """Quarantine with every row bad failed with the core's messages, which quote each value (respondent ids)
    into the job's error and the upload's report; now only the masked report is kept."""
    path = survey_csv(tmp_path)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], *lines[1:], *lines[1:]]) + "\n")  # every respondent twice per wave
    client = login(world)
    response = upload(client, world, path)
    found, _done = mapping_post(client, response, on_error="quarantine")
    run_pending()
    found.refresh_from_db()
    assert found.state == Upload.State.FAILED
    job = found.job
    job.refresh_from_db()
    ids = [line.split(",")[0] for line in lines[1:]]
    stored = json.dumps(found.report) + job.error + json.dumps(job.result)
    assert not any(rid in stored for rid in ids)
    assert found.report["issues"] and found.report["issues"][0]["value"] == "•••"


def test_the_uploaded_file_name_does_not_reach_the_snapshot(world: World, var_dir: Path, tmp_path: Path) -> None:
    """A file named after a client: the stored copy, the snapshot metadata and the record carry a neutral name."""
    client = login(world)
    response = upload(client, world, survey_csv(tmp_path), name="Jan Jansen intake.csv")
    found, _done = mapping_post(client, response, dataset="intake")
    run_pending()
    found.refresh_from_db()
    assert found.state == Upload.State.IMPORTED, found.report
    record = DatasetRecord.objects.get(name="intake")
    info = Workspace(var_dir / "workspace").store().get(record.snapshot_id)
    assert "Jansen" not in info.source.name and "Jansen" not in record.origin
