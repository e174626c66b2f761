"""The web upload: identifiers found by content, masked in the preview and the validation report, and the file's
own name kept only in the uploader's view (issue 10)."""

from __future__ import annotations

import json
from pathlib import Path

from impactlab.deidentify import MASK
from impactlab_web.core.models import AuditEvent
from impactlab_web.data.models import DatasetRecord, Upload
from impactlab_web.jobs.runner import run_pending
from tests_web.conftest import World
from tests_web.test_dashboards import login, mapping_post, upload

PHONES = [f"06-1234{i:04d}" for i in range(12)]


def _file(tmp_path: Path) -> Path:
    rows = [f"R{i:03d},T0,{'Noord' if i % 2 else 'Zuid'},{PHONES[i]},{1 + i % 4}" for i in range(12)]
    path = tmp_path / "data.csv"
    path.write_text("respondent_id,meting,wijk,contact,q1\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_kept_column_of_phone_numbers_is_refused_with_counts_never_values(world: World, var_dir: Path,
                                                                             tmp_path: Path) -> None:
    client = login(world)
    response = upload(client, world, _file(tmp_path), name="Mevrouw Jansen intake.csv")
    found = Upload.objects.get()
    assert found.preview["identifiers"] == {"contact": ["phone"]}
    assert not any(p in json.dumps(found.preview) for p in PHONES)  # the stored preview masks them
    form = client.get(response["Location"]).context["form"]
    roles = {form.fields[name].label: name for name in form.fields if name.startswith("role_")}
    assert form[roles["contact"]].value() == "identifier"  # guessed from the content, not the name

    found, done = mapping_post(client, response, **{roles["contact"]: "keep", roles["q1"]: "skip"},
                               instrument="", missing_codes="")
    assert done.status_code == 302, (done.context["form"].errors, done.context.get("mapping_errors"))
    run_pending()
    found.refresh_from_db()
    found.job.refresh_from_db()
    assert found.state == Upload.State.FAILED
    messages = found.report["messages"]
    assert any("Mevrouw Jansen intake.csv: column 'contact'" in m and "phone numbers in 12 of 12 values" in m
               for m in messages), messages
    stored = json.dumps(found.report) + found.job.error + json.dumps(found.job.result)
    assert not any(p in stored for p in PHONES)
    assert not DatasetRecord.objects.filter(name=found.dataset).exists()
    # the audit trail, read by the organisation's administrators, never names the file
    assert AuditEvent.objects.exists()
    assert not any("Jansen" in e.detail for e in AuditEvent.objects.all())


def test_the_validation_report_masks_identifier_values(world: World, var_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("respondent_id,meting,wijk,q1\nR1,T0,Noord,2\nR2,T0,Zuid,jan@voorbeeld.nl\nR3,T0,Noord,abc\n",
                    encoding="utf-8")
    client = login(world)
    response = upload(client, world, path)
    form = client.get(response["Location"]).context["form"]
    roles = {form.fields[name].label: name for name in form.fields if name.startswith("role_")}
    found, done = mapping_post(client, response, **{roles["q1"]: "keep"}, instrument="", missing_codes="")
    assert done.status_code == 302, (done.context["form"].errors, done.context.get("mapping_errors"))
    found.refresh_from_db()
    found.mapping = found.mapping | {"items": {"djg_1": "q1"}, "keep": []}
    found.save(update_fields=["mapping"])
    run_pending()
    found.refresh_from_db()
    assert found.state == Upload.State.REJECTED, found.report
    values = {(i["row"], i["column"], i["value"], i["rule"]) for i in found.report["issues"]}
    assert values == {(3, "q1", MASK, "not_numeric"), (4, "q1", "abc", "not_numeric")}
    assert "voorbeeld" not in json.dumps(found.report)


# --- the uploaded file's own name stays in the uploader's own view (issue 10) --------------------------------

CLIENT_FILE = "Jansen_Maria_BSN_111222333"
TRACES = ("jansen", "111222333")  # any spelling of the name (a default would have lower-cased it)


def _rows_naming_the_file() -> list[str]:
    """Every database row (any table) that holds a trace of the file's name, except the upload's own record of
    it: its name and its validation report, which only the uploader sees."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        for row in model.objects.all().values():
            if model is Upload:
                row = {k: v for k, v in row.items() if k not in ("filename", "report")}
            text = json.dumps(row, default=str).lower()
            found += [f"{model._meta.label}: {row}" for trace in TRACES if trace in text]
    return found


def _files_naming_the_file(folder: Path) -> list[str]:
    """Files under `folder` (the Workspace: snapshots and their metadata) whose name or content has a trace."""
    return [str(path) for path in folder.rglob("*") if path.is_file() and any(
        trace in path.name.lower() or trace.encode() in path.read_bytes().lower() for trace in TRACES)]


def test_a_file_named_after_a_client_is_named_only_in_its_uploaders_view(world: World, var_dir: Path,
                                                                          tmp_path: Path) -> None:
    """Uploaded as Jansen_Maria_BSN_111222333.csv: the mapping page does not offer the name as the dataset's
    name; after the import (and after a failed import and an unreadable file) no other row, no audit event, no
    job row, no snapshot and no snapshot metadata holds it. The uploader's own pages do."""
    from tests_web.test_dashboards import survey_csv

    client = login(world)
    response = upload(client, world, survey_csv(tmp_path), name=f"{CLIENT_FILE}.csv")
    page = client.get(response["Location"])
    assert page.context["form"]["dataset"].value() in (None, "")  # never prefilled from the file's name
    assert "Jansen_Maria" in page.content.decode()  # the uploader sees their own file named
    found, done = mapping_post(client, response, dataset="enquete")
    assert done.status_code == 302
    run_pending()
    found.refresh_from_db()
    assert found.state == Upload.State.IMPORTED, found.report
    assert DatasetRecord.objects.get(pk=found.record_id).name == "enquete"
    assert CLIENT_FILE in client.get(response["Location"]).content.decode()  # still in the uploader's view

    # an import refused for identifiers, and a file that cannot be read: their messages name the file for the
    # uploader, the job rows only the stored copy's neutral name
    response = upload(client, world, _file(tmp_path), name=f"{CLIENT_FILE}.csv")
    refused = Upload.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])
    form = client.get(response["Location"]).context["form"]
    roles = {form.fields[name].label: name for name in form.fields if name.startswith("role_")}
    data = {name: form[name].value() or "" for name in form.fields} | {
        "dataset": "contact", roles["contact"]: "keep", roles["q1"]: "skip", "instrument": "", "missing_codes": ""}
    assert client.post(response["Location"], data).status_code == 302
    run_pending()
    refused.refresh_from_db()
    assert refused.state == Upload.State.FAILED and CLIENT_FILE in " ".join(refused.report["messages"])
    broken = tmp_path / "broken.csv"
    broken.write_text('respondent_id,q1\nR1,2\n"unclosed\n', encoding="utf-8")
    response = upload(client, world, broken, name=f"{CLIENT_FILE}.csv")
    unread = Upload.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])
    assert unread.state == Upload.State.FAILED and unread.job.status == "failed"
    assert any(f"{CLIENT_FILE}.csv: malformed CSV" in m for m in unread.report["messages"]), unread.report
    assert f"{CLIENT_FILE}.csv: malformed CSV" in client.get(response["Location"]).content.decode()
    assert "malformed CSV" in unread.job.error

    assert AuditEvent.objects.filter(object_type="upload").count() >= 6  # upload, preview, import: all recorded
    assert _rows_naming_the_file() == []
    assert _files_naming_the_file(var_dir / "workspace") == []


def test_an_xlsform_or_model_file_named_after_a_client_does_not_name_what_it_makes(world: World) -> None:
    """An XLSForm without form_id or form_title would be named after its file; a model file gave the version's
    message: neither takes the file's own name any more."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from openpyxl import Workbook

    from impactlab.model.examples import example_text
    from impactlab_web.fieldwork.models import Questionnaire
    from impactlab_web.organisations.models import Role

    client = Client()
    client.force_login(world.user(Role.ADMINISTRATOR, "own"))
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label"])
    survey.append(["integer", "age", "Leeftijd"])
    buffer = io.BytesIO()
    book.save(buffer)
    made = client.post(f"/programmes/{world.programme.pk}/questionnaires/import/",
                       {"file": SimpleUploadedFile(f"{CLIENT_FILE}.xlsx", buffer.getvalue())})
    assert made.status_code == 302, made.content.decode()[:2000]
    questionnaire = Questionnaire.objects.get(programme=world.programme)
    assert questionnaire.slug == "questionnaire" and "jansen" not in json.dumps(questionnaire.document).lower()

    text = example_text("buurtcirkels").encode()
    saved = client.post(f"/programmes/{world.programme.pk}/model/import/",
                        {"file": SimpleUploadedFile(f"{CLIENT_FILE}.yaml", text)})
    assert saved.status_code == 302
    assert world.programme.versions.first().message == "Imported from a YAML file"
    assert _rows_naming_the_file() == []
