"""This user's cache folder for impactlab (compiled kernels, parsed data files), so that a new process does
not redo work an earlier one did (issue 13).

``$XDG_CACHE_HOME/impactlab/NAME`` (``~/.cache/impactlab/NAME``), else ``impactlab-UID/NAME`` in the temporary
folder. A folder is used only when it belongs to this user and nobody else may write to it (a cache holds
what a process then loads); without one, nothing is cached and everything still works.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def private_dir(name: str, environ: Mapping[str, str] = os.environ) -> Path | None:
    """The cache folder ``name`` of this user (made if need be), or None when no folder qualifies."""
    uid = os.getuid() if hasattr(os, "getuid") else None
    roots = []
    with contextlib.suppress(RuntimeError):  # no home folder
        roots.append(Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "impactlab")
    roots.append(Path(tempfile.gettempdir()) / f"impactlab-{uid if uid is not None else 'user'}")
    for root in roots:
        folder = root / name
        try:
            root.mkdir(mode=0o700, parents=True, exist_ok=True)
            folder.mkdir(mode=0o700, exist_ok=True)
            states = [root.stat(), folder.stat()]
        except OSError:
            continue
        if all((uid is None or s.st_uid == uid) and not s.st_mode & 0o022 for s in states) \
                and os.access(folder, os.W_OK):
            return folder
    return None


@functools.cache
def _folder(name: str) -> Path | None:
    return private_dir(name)


def load_json(name: str, key: str) -> Any | None:
    """What :func:`save_json` kept under ``key`` in the folder ``name``, or None."""
    folder = _folder(name)
    if folder is None:
        return None
    try:
        return json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))["data"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_json(name: str, key: str, data: Any) -> None:
    """Keep ``data`` under ``key``, only when JSON gives back exactly ``data`` (no dates, no number keys, no NaN);
    written whole or not at all (other processes may read it at the same time)."""
    folder = _folder(name)
    if folder is None:
        return
    try:
        text = json.dumps({"data": data}, allow_nan=False)
        if json.loads(text)["data"] != data:
            return
        handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=folder)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, folder / f"{key}.json")
    except (TypeError, ValueError, OSError):
        return
