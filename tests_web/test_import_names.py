"""The web upload imports a file whose id column is called `respondent` (issue 9)."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import polars as pl

from impactlab.evidence.workspace import Workspace
from impactlab_web.data.models import DatasetRecord, Upload
from impactlab_web.jobs.runner import run_pending
from tests_web.conftest import World
from tests_web.test_dashboards import login, mapping_post, survey_csv, upload


def test_an_id_column_named_respondent_uploads_and_imports(world: World, var_dir: Path, tmp_path: Path) -> None:
    path = survey_csv(tmp_path, respondents=20)
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    assert header[0] == "respondent_id"
    lines[0] = ",".join(["respondent", *header[1:]])
    path.write_text("\n".join(lines) + "\n")
    client = login(world)
    response = upload(client, world, path)
    form = client.get(response["Location"]).context["form"]
    roles = {form.fields[name].label: form[name].value() for name in form.fields if name.startswith("role_")}
    assert roles["respondent"] == "respondent_id"
    found, done = mapping_post(client, response)
    assert done.status_code == 302
    run_pending()
    found.refresh_from_db()
    assert found.state == Upload.State.IMPORTED, found.report
    assert "internal error" not in str(found.report)
    record = DatasetRecord.objects.get(name="enquete")
    workspace = Workspace(var_dir / "workspace")
    snapshot = workspace.store().read(record.snapshot_id)
    ids = pl.read_csv(path, infer_schema=False).filter(pl.col("wave") == "T0")["respondent"].to_list()
    expected = {hmac.new(workspace.key(), i.lower().encode(), hashlib.sha256).hexdigest()[:20] for i in ids}
    assert set(snapshot.filter(pl.col("wave") == "T0")["respondent"].to_list()) == expected
    assert record.n == snapshot.height and snapshot.columns.count("respondent") == 1
