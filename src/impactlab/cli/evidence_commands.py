"""Commands on evidence: `import` a survey file as a snapshot, list/show `datasets`, `synth` test data."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from impactlab.cli.app import FORMAT, OutputFormat, app, console, fail, print_json
from impactlab.errors import UserError
from impactlab.evidence.workspace import Workspace

if TYPE_CHECKING:  # the snapshot store (Polars) is imported when a command opens it
    from impactlab.evidence.datasets import SnapshotInfo

WORKSPACE = typer.Option(None, "--workspace", "-w", help="workspace folder (default: $IMPACTLAB_HOME or ./.impactlab)")

datasets_app = typer.Typer(help="The dataset snapshots in a workspace.", no_args_is_help=True)
app.add_typer(datasets_app, name="datasets")


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="a .csv, .xlsx, .sav or .por file"),
    mapping: Path = typer.Option(..., "--mapping", "-m", help="the mapping YAML file"),
    dataset: str = typer.Option(..., "--dataset", "-d", help="dataset name (a snapshot is added to it)"),
    quarantine: bool = typer.Option(False, "--quarantine", help="set rows with issues apart instead of rejecting"),
    allow_duplicate: bool = typer.Option(
        False, "--allow-duplicate", help="a file imported before: return its snapshot, or re-import with a new mapping"
    ),
    workspace: Path | None = WORKSPACE,
) -> None:
    """Import a survey file as an immutable, pseudonymised dataset snapshot."""
    from impactlab.io.importer import ImportRejected, import_file

    try:
        with console.status("importing") as status:
            result = import_file(
                file,
                mapping,
                dataset,
                Workspace(workspace),
                "quarantine" if quarantine else "reject",
                allow_duplicate,
                progress=lambda step: status.update(f"{file.name}: {step}"),
            )
    except ImportRejected as rejected:
        fail(rejected.messages)
    except UserError as error:
        fail(error.messages)
    info = result.snapshot
    for warning in result.warnings:
        console.print(f"warning: {warning}", markup=False, highlight=False)
    verb = "imported" if result.created else "already present:"
    console.print(
        f"{verb} {file.name} → dataset {info.dataset}, snapshot {info.short_id}: "
        f"{info.rows.imported} rows imported, {info.rows.quarantined} quarantined (of {info.rows.read} read).",
        markup=False,
        highlight=False,
    )
    if info.rows.quarantined:
        for line in result.report.messages():
            console.print(line, markup=False, highlight=False)


@datasets_app.command("list")
def list_command(workspace: Path | None = WORKSPACE, output: OutputFormat = FORMAT) -> None:
    """All snapshots: dataset, id, source, rows, created."""
    from rich.table import Table

    try:
        infos = Workspace(workspace).store().list()
    except UserError as error:
        fail(error.messages)
    if output == OutputFormat.json:
        print_json([_summary(i) for i in infos])
        return
    table = Table("dataset", "snapshot", "source", "rows", "quarantined", "created")
    for info in infos:
        table.add_row(
            info.dataset,
            info.short_id,
            info.source.name,
            str(info.rows.imported),
            str(info.rows.quarantined),
            f"{info.created:%Y-%m-%d %H:%M}",
        )
    console.print(table if infos else "no snapshots yet.")


@datasets_app.command("show")
def show_command(
    name: str = typer.Argument(..., help="dataset name (latest snapshot), name@id, or snapshot id"),
    workspace: Path | None = WORKSPACE,
    output: OutputFormat = FORMAT,
) -> None:
    """One snapshot: hashes, columns with types and labels, row counts."""
    from rich.table import Table

    try:
        info = Workspace(workspace).store().get(name)
    except UserError as error:
        fail(error.messages)
    if output == OutputFormat.json:
        print_json(info.model_dump(mode="json"))
        return
    console.print(f"dataset {info.dataset}, snapshot {info.snapshot_id}", markup=False)
    console.print(f"source {info.source.name} ({info.source.format}, sha256 {info.source.sha256})", markup=False)
    console.print(
        f"rows: {info.rows.read} read, {info.rows.imported} imported, {info.rows.quarantined} "
        f"quarantined; key version {info.key_version}; created {info.created:%Y-%m-%d %H:%M}",
        markup=False,
    )
    table = Table("column", "type", "role", "source", "label", "value labels", "missing codes")
    for column in info.columns:
        labels = ", ".join(f"{k}={v}" for k, v in column.value_labels.items())
        table.add_row(
            column.name,
            column.type,
            column.role,
            column.source or "",
            column.label or "",
            labels,
            ", ".join(map(str, column.missing_codes)),
        )
    console.print(table)
    for warning in info.warnings:
        console.print(f"warning: {warning}", markup=False, highlight=False)


@datasets_app.command("export")
def export_command(
    name: str = typer.Argument(..., help="dataset name (all its snapshots; the newest wins per respondent and wave)"),
    format: str = typer.Option(..., "--format", "-f", help="sav (SPSS), dta (Stata), csv or parquet"),
    out: Path = typer.Option(..., "--out", "-o", help="the file to write"),
    snapshot: str | None = typer.Option(None, "--snapshot", help="export this one snapshot (id or 6+ characters)"),
    min_cell: int | None = typer.Option(None, "--min-cell", min=1, help="refuse datasets of fewer respondents (may "
                                        "raise the installation's IMPACTLAB_MIN_CELL, default 10, never lower it)"),
    workspace: Path | None = WORKSPACE,
) -> None:
    """Write a dataset's pseudonymised rows as SPSS, Stata, CSV or Parquet, with its labels; recorded in the
    workspace's audit log."""
    from impactlab.evidence.disclosure import programme_policy
    from impactlab.io.exporter import EXPORT_FORMATS, export_dataset

    if format not in EXPORT_FORMATS:
        fail(f"--format must be one of {', '.join(EXPORT_FORMATS)}, not {format!r}")
    space = Workspace(workspace)
    try:
        result = export_dataset(space.store(), name, format, out, snapshot, policy=programme_policy(min_cell))
    except UserError as error:
        fail(error.messages)
    space.audit(result.audit_record())
    for warning in result.warnings:
        console.print(f"warning: {warning}", markup=False, highlight=False)
    console.print(f"wrote {out}: dataset {result.dataset}, {result.rows} rows of {result.respondents} respondents, "
                  f"{len(result.columns)} columns ({format}, sha256 {result.sha256[:12]}); recorded in "
                  f"{space.audit_file}", markup=False, highlight=False)


@app.command("synth")
def synth_command(
    respondents: int = typer.Option(..., "--respondents", "-n", min=1, help="number of respondents"),
    waves: int = typer.Option(2, "--waves", min=1, help="number of waves (T0, T1, ...)"),
    out: Path = typer.Option(..., "--out", "-o", help="output file: .sav, .csv or .xlsx"),
    seed: int = typer.Option(0, "--seed", help="random seed"),
    items: int = typer.Option(30, "--items", min=1, help="number of questionnaire items"),
) -> None:
    """Write a realistic synthetic survey (with fake direct identifiers) and the mapping that imports it."""
    import yaml

    from impactlab.io.synth import synth, synth_mapping

    try:
        path = synth(respondents, waves, out, seed=seed, items=items, progress=console.is_terminal)
    except UserError as error:
        fail(error.messages)
    mapping = path.with_name(path.stem + ".mapping.yaml")
    mapping.write_text(yaml.safe_dump(synth_mapping(), sort_keys=False), encoding="utf-8")
    console.print(f"wrote {path} and {mapping} (impactlab import {path.name} --mapping {mapping.name} "
                  "--dataset NAME)", markup=False, highlight=False)


def _summary(info: SnapshotInfo) -> dict[str, Any]:
    return {
        "dataset": info.dataset,
        "snapshot_id": info.snapshot_id,
        "source": info.source.name,
        "source_sha256": info.source.sha256,
        "rows": info.rows.model_dump(),
        "created": info.created.isoformat(),
        "key_version": info.key_version,
        "columns": [c.name for c in info.columns],
    }
