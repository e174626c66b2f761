"""The web upload: identifiers found by content, masked in the preview and the validation report, and the file's
own name kept only in the uploader's view (issue 10)."""

from __future__ import annotations

import json
from pathlib import Path

from impactlab.deidentify import MASK
from impactlab_web.dashboards.models import Upload
from impactlab_web.jobs.runner import run_pending
from impactlab_web.models import AuditEvent, DatasetRecord
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
