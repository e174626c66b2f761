"""``make bench``: run every benchmark module (bench/bench_*.py) and print its figures.

``python -m bench valuation`` runs only the modules whose name contains a given word. Each module runs in a
process of its own, so that one module's memory, imports and settings (Django's, say) do not carry over into
the next one's figures (issue 13).
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    words = sys.argv[1:]
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    failed = []
    for name in names:
        if words and not any(word in name for word in words):
            continue
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        code = f"import sys\nsys.argv[1:] = {words!r}\nfrom bench.{name} import main\nmain()"
        if subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode != 0:
            failed.append(name)
        print(f"({name}: {time.perf_counter() - started:.1f} s)", flush=True)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
