"""Where evidence lives on disk: dataset snapshots, and the pseudonymisation key kept apart from them."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from impactlab.errors import UserError

KEY_BYTES = 32


class Workspace:
    """A folder holding `datasets/` (snapshots); the key lives in `keys/` or in `$IMPACTLAB_KEY_FILE`.

    The key is never written into a snapshot: only its version id (a hash prefix) is.
    """

    def __init__(self, root: Path | str | None = None):
        self.root = Path(root if root is not None else os.environ.get("IMPACTLAB_HOME", ".impactlab"))

    @property
    def datasets_dir(self) -> Path:
        """The snapshot folder (created on demand)."""
        path = self.root / "datasets"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def key_file(self) -> Path:
        """`$IMPACTLAB_KEY_FILE` if set, else `<root>/keys/pseudonym.key`."""
        configured = os.environ.get("IMPACTLAB_KEY_FILE")
        return Path(configured) if configured else self.root / "keys" / "pseudonym.key"

    def key(self) -> bytes:
        """The pseudonymisation key; created (32 random bytes, mode 0600) on first use in the default place."""
        path = self.key_file
        if not path.exists():
            if os.environ.get("IMPACTLAB_KEY_FILE"):
                raise UserError(f"{path}: the key file named by IMPACTLAB_KEY_FILE does not exist.")
            _create_key(path)
        try:
            key = path.read_bytes()
        except OSError as error:
            raise UserError(f"{path}: cannot read the pseudonymisation key ({error.strerror}).") from None
        if len(key) < 16:
            raise UserError(f"{path}: the pseudonymisation key is too short ({len(key)} bytes, need 16+).")
        return key

    def key_version(self) -> str:
        """A short id of the key (sha256 prefix), recorded in every snapshot; reveals nothing of the key."""
        return hashlib.sha256(b"impactlab-key-version:" + self.key()).hexdigest()[:12]

    @property
    def audit_file(self) -> Path:
        """`<root>/audit.jsonl`: one JSON line per export of respondent rows, appended, never rewritten."""
        return self.root / "audit.jsonl"

    def audit(self, record: dict) -> None:
        """Append one record to the workspace's audit log (a single write in append mode: lines of several
        processes do not interleave)."""
        import json

        self.root.mkdir(parents=True, exist_ok=True)
        line = (json.dumps(record, ensure_ascii=False, sort_keys=True, default=str) + "\n").encode("utf-8")
        fd = os.open(self.audit_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def store(self):  # -> DatasetStore; imported late to keep this module free of Parquet
        """The snapshot store of this workspace."""
        from impactlab.evidence.datasets import DatasetStore

        return DatasetStore(self.datasets_dir)


def _create_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_bytes(KEY_BYTES))
    try:
        os.link(tmp, path)  # atomic and never overwrites: a key created meanwhile by another process wins
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
