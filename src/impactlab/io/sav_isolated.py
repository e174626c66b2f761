"""Read SPSS files in a separate process: a damaged file can crash the ReadStat C library.

A crash there would take the whole process with it (a web worker, a notebook). The reading runs
in a long-lived helper process instead; its data comes back as an Arrow IPC file and its
metadata as plain values. When the helper dies, the file is reported as damaged and a new helper
is started for the next file.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import threading
from collections.abc import Collection
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import polars as pl

from impactlab.errors import UserError

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def _read_in_child(path: str, columns: list[str] | None, out: str, fmt: str = "sav") -> dict[str, Any]:
    """In the helper process: metadata, and the wanted columns written to ``out`` (Arrow IPC).

    ``fmt`` is ``sav`` or ``por`` (SPSS portable; it has no user-missing definitions)."""
    import pyarrow as pa
    import pyarrow.feather as feather
    import pyreadstat

    if fmt == "por":
        _, meta = pyreadstat.read_por(path, metadataonly=True)
    else:
        _, meta = pyreadstat.read_sav(path, metadataonly=True, user_missing=True)
    names = list(meta.column_names)
    usecols = [c for c in names if c in set(columns)] if columns is not None else None
    if usecols != []:  # pandas output hands over NumPy arrays (cheaper than lists or pyreadstat's polars output)
        read = pyreadstat.read_por if fmt == "por" else pyreadstat.read_sav
        data, _ = read(path, usecols=usecols, disable_datetime_conversion=True)
        feather.write_feather(pa.Table.from_pandas(data, preserve_index=False), out, compression="uncompressed")
    return {
        "column_names": names,
        "column_labels": list(meta.column_labels),
        "variable_value_labels": dict(meta.variable_value_labels),
        "missing_ranges": dict(meta.missing_ranges),
        "original_variable_types": dict(meta.original_variable_types),
        "number_rows": meta.number_rows,
        "has_data": usecols != [],
    }


def _executor() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    return _pool


def read_sav_isolated(path: Path, columns: Collection[str] | None,
                      fmt: str = "sav") -> tuple[pl.DataFrame | None, dict[str, Any]]:
    """(data or None when no column is wanted, metadata) of an SPSS file (.sav, or .por with fmt="por"), read in
    the helper process."""
    global _pool
    handle, out = tempfile.mkstemp(suffix=".arrow", prefix="impactlab-sav-")
    os.close(handle)
    try:
        with _lock:
            try:
                meta = _executor().submit(_read_in_child, str(path), None if columns is None else list(columns),
                                          out, fmt).result()
            except BrokenProcessPool:
                _pool = None
                raise UserError(f"{path.name}: damaged SPSS file (the SPSS reader crashed on it)") from None
        data = pl.read_ipc(out) if meta["has_data"] else None
        return data, meta
    finally:
        Path(out).unlink(missing_ok=True)
