"""Reading XLSForms (issue 12): impactlab's `check_xlsform` against pyxform's own time on the same file.

Files: the real forms in tests/data/xlsforms and a made-up form whose sheet declares the range A1:AMJ1048576
(one stray cell at the far corner; it took our old parser 30 s). pyxform's time is `parse_file_to_json` (its
reading and checking of the workbook, which impactlab's reader also runs) and `xls2xform.convert` (the whole
conversion to XForm). Goal: at most 2x pyxform's reading time.
"""

from __future__ import annotations

import contextlib
import tempfile
import warnings
from pathlib import Path

from bench.common import best_of, report

ROOT = Path(__file__).resolve().parents[1]
FORMS = ROOT / "tests" / "data" / "xlsforms"
GOAL = 2.0


def _far_corner_form(folder: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label"])
    for n in range(40):
        survey.append(["integer" if n % 2 else "text", f"q{n}", f"Vraag {n}"])
    survey["AMJ1048576"] = " "
    path = folder / "far_corner.xlsx"
    book.save(path)
    return path


def main() -> None:
    from pyxform.xls2json import parse_file_to_json
    from pyxform.xls2xform import convert

    from impactlab.errors import UserError
    from impactlab.fieldwork.xlsform import check_xlsform

    warnings.simplefilter("ignore")

    def ours(path: Path) -> None:
        with contextlib.suppress(UserError):  # a form pyxform refuses costs its reading too
            check_xlsform(path)

    with tempfile.TemporaryDirectory() as folder:
        paths = [*sorted(FORMS.glob("*.xls*")), _far_corner_form(Path(folder))]
        total = {"impactlab": 0.0, "pyxform read": 0.0, "pyxform convert": 0.0}
        worst = 0.0
        for path in paths:
            mine = best_of(lambda p=path: ours(p), repeat=5)[0]
            theirs = best_of(lambda p=path: parse_file_to_json(str(p)), repeat=5)[0]
            whole = best_of(lambda p=path: convert(xlsform=str(p), validate=False), repeat=3)[0]
            total["impactlab"] += mine
            total["pyxform read"] += theirs
            total["pyxform convert"] += whole
            worst = max(worst, mine / theirs)
            report(f"{path.name[:40]}: impactlab / pyxform read", f"{mine * 1000:.0f} / {theirs * 1000:.0f} ms",
                   f"({whole * 1000:.0f} ms to XForm)")
        ratio = total["impactlab"] / total["pyxform read"]
        report(f"all {len(paths)} forms: impactlab / pyxform read", f"{ratio:.2f}x", f"goal <= {GOAL:.0f}x",
               ratio <= GOAL)
        report("worst single form: impactlab / pyxform read", f"{worst:.2f}x", f"goal <= {GOAL:.0f}x", worst <= GOAL)
        report("all forms: impactlab / pyxform convert to XForm",
               f"{total['impactlab'] / total['pyxform convert']:.2f}x", "(for reference)")
