"""Import a file of support registrations as a pseudonymised dataset snapshot."""

from __future__ import annotations

from pathlib import Path

from impactlab.errors import UserError
from impactlab.evidence.datasets import ColumnInfo, RowCounts, SnapshotInfo, SourceInfo, sha256_file
from impactlab.evidence.workspace import Workspace
from impactlab.fieldwork.registrations import COLUMNS, check_registrations
from impactlab.io.importer import neutral_name
from impactlab.io.pseudonymise import pseudonym_series
from impactlab.io.readers import read_table

PSEUDONYMISED = ("client", "provider")


def import_registrations(path: Path | str, dataset: str, workspace: Workspace | None = None) -> SnapshotInfo:
    """Read, check and pseudonymise registrations (client and provider ids) into a new snapshot."""
    path = Path(path)
    workspace = workspace or Workspace()
    table = read_table(path)
    unknown = [c for c in table.data.columns if c not in COLUMNS]
    if unknown:
        raise UserError(f"{path.name}: unknown column(s) {', '.join(unknown)}; registrations have "
                        f"{', '.join(COLUMNS)}: leave out anything that identifies a person")
    checked = check_registrations(table.data, path.name, table.first_data_row)
    key = workspace.key()
    for column in PSEUDONYMISED:
        checked = checked.with_columns(pseudonym_series(checked, column, key).alias(column))
    checked = checked.select(list(COLUMNS))
    store = workspace.store()
    source_sha = sha256_file(path)
    if store.find_source(dataset, source_sha):
        raise UserError(f"{path.name}: this file was already imported into {dataset}")
    info, _ = store.write(
        dataset, checked, None,
        source=SourceInfo(name=neutral_name(source_sha, table.format), sha256=source_sha,
                          size=path.stat().st_size, format=table.format),
        rows=RowCounts(read=table.data.height, imported=checked.height, quarantined=0),
        columns=[ColumnInfo(name=c, type=str(t), role="pseudonym" if c in PSEUDONYMISED else "registration")
                 for c, t in checked.schema.items()],
        mapping={"kind": "registrations"}, mapping_sha256="registrations", key_version=workspace.key_version(),
    )
    return info
