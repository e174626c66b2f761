"""Evidence benchmarks (issue 3): SPSS import against raw pyreadstat; scoring and change at 1M respondents."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from bench.common import in_child, report

VAR = Path("var/bench")
SAV_RESPONDENTS = 541_000  # x 2 waves with 15% attrition: about 1,000,000 rows


def _sav_file() -> Path:
    path = VAR / f"survey_{SAV_RESPONDENTS}.sav"
    if not path.exists():
        from impactlab.io.synth import synth

        VAR.mkdir(parents=True, exist_ok=True)
        synth(SAV_RESPONDENTS, 2, path, seed=1, items=30)
    return path


def import_figures() -> None:
    path = _sav_file()
    raw = in_child(
        "import time, pyreadstat\n"
        f"t = time.perf_counter(); df, meta = pyreadstat.read_sav({str(path)!r})\n"
        "result = {'seconds': time.perf_counter() - t, 'rows': len(df)}"
    )
    workspace = VAR / "workspace"
    shutil.rmtree(workspace, ignore_errors=True)
    imported = in_child(
        "import time\nfrom impactlab.io.importer import import_file\n"
        "from impactlab.evidence.workspace import Workspace\nfrom impactlab.io.synth import synth_mapping\n"
        f"space = Workspace({str(workspace)!r})\n"
        f"t = time.perf_counter(); r = import_file({str(path)!r}, synth_mapping(), 'bench', space)\n"
        "result = {'seconds': time.perf_counter() - t, 'rows': r.snapshot.rows.imported}"
    )
    size = path.stat().st_size / 1e6
    report(f"raw pyreadstat.read_sav of {raw['rows']:,} rows ({size:.0f} MB)", f"{raw['seconds']:.2f} s")
    report("impactlab import (pseudonymise, validate, snapshot)", f"{imported['seconds']:.2f} s")
    ratio = raw["seconds"] / imported["seconds"]
    report("import throughput relative to raw read", f"{ratio:.2f}", "target >= 0.7", ratio >= 0.7)


SCORING = """
import time
import polars as pl
from impactlab.io.synth import synth_chunks
from impactlab.evidence.instruments import score
from impactlab.evidence.change import change_from_long
frame = pl.concat(synth_chunks(1_000_000, 2, seed=2, items=30))
frame = frame.rename({'respondent_id': 'respondent'}).drop(['name', 'email', 'phone', 'bsn', 'remarks'])
frame = frame.with_columns(pl.col(c).replace(9, None) for c in frame.columns if c.startswith(('lone', 'q')))
t = time.perf_counter()
scored = score('wemwbs', score('djg-11', frame, invalid='missing'), invalid='missing')
t_score = time.perf_counter() - t
djg = change_from_long(scored, id='respondent', wave='wave', score='djg-11', pre='T0', post='T1', by='district',
                       reliability=0.8, higher_is_better=False)
wem = change_from_long(scored, id='respondent', wave='wave', score='wemwbs', pre='T0', post='T1', by='district',
                       reliability=0.89)
result = {'rows': frame.height, 'score_s': t_score, 'total_s': time.perf_counter() - t, 'pairs': djg.overall.n_pairs,
          'items': sum(c.startswith(('lone', 'q')) for c in frame.columns)}
"""


def scoring_figures() -> None:
    started = time.perf_counter()
    child = in_child(SCORING)
    report(f"data: {child['rows']:,} rows (1M respondents x 2 waves), {child['items']} items",
           f"{child['pairs']:,} pairs")
    report("scoring DJG-11 and WEMWBS", f"{child['score_s']:.2f} s")
    report("scoring + change (two instruments, by district)", f"{child['total_s']:.2f} s", "target < 60 s",
           child["total_s"] < 60)
    report("peak memory (VmHWM) of that process (incl. the data)", f"{child['peak_mb']:.0f} MB",
           "target < 4096 MB", child["peak_mb"] < 4096)
    report("(wall time including data generation)", f"{time.perf_counter() - started:.1f} s")


def main() -> None:
    import_figures()
    scoring_figures()
