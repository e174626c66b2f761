"""The command line pays only for what it uses (issue 13): which libraries a command or an import loads, and that
compiled kernels are loaded from disk in a new process instead of being compiled again.

Each case runs in a fresh interpreter (this test process has imported everything already) and reads its
``sys.modules``: the assertions are about behaviour, not timings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "buurtcirkels.yaml"
HEAVY = ("scipy", "pandas", "polars", "numba", "llvmlite", "duckdb", "pyarrow", "statsmodels", "openpyxl",
         "django")

PROBE = r"""
import atexit, json, sys
HEAVY = {heavy!r}
def report():
    loaded = sorted(name for name in HEAVY + ("numpy", "pydantic") if name in sys.modules)
    sys.__stderr__.write("\nLOADED " + json.dumps(loaded) + "\n")
atexit.register(report)
{body}
"""


def loaded_by(body: str, env: dict[str, str] | None = None) -> set[str]:
    """The libraries (of HEAVY, numpy and pydantic) in sys.modules when a fresh interpreter that ran ``body``
    exits, also when it exits through SystemExit (as a command does); it must succeed."""
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY, body=body)], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, **(env or {})}, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stderr.splitlines() if line.startswith("LOADED ")]
    assert lines, done.stderr[-3000:]
    return set(json.loads(lines[-1].removeprefix("LOADED ")))


def command(*args: str) -> str:
    return f"sys.argv = ['impactlab', *{list(args)!r}]\nfrom impactlab.cli import main\nmain()"


@pytest.mark.parametrize("body", [
    "import impactlab",
    "import impactlab.cli.app",
    "import impactlab.cli",
    "import impactlab.model",
    "import impactlab.valuation",
    "from impactlab import __version__",
])
def test_importing_the_package_and_the_command_loads_no_library(body: str):
    assert loaded_by(body) == set()


def test_help_loads_no_library():
    assert loaded_by(command("--help")) == set()


def test_a_subcommands_help_loads_no_heavy_library():
    for args in (("simulate", "--help"), ("change", "--help"), ("datasets", "--help"), ("report", "--help")):
        assert not loaded_by(command(*args)) & set(HEAVY), args


def test_value_loads_numpy_and_pydantic_only():
    assert loaded_by(command("value", str(EXAMPLE))) == {"numpy", "pydantic"}
    assert loaded_by(command("value", str(EXAMPLE), "--format", "json")) == {"numpy", "pydantic"}


def test_check_and_the_proxy_library_load_no_heavy_library():
    assert not loaded_by(command("check", str(EXAMPLE))) & set(HEAVY)
    assert not loaded_by(command("proxies", "show", "informal_care_hour_replacement_cost")) & set(HEAVY)


def test_the_top_level_names_still_work_and_load_what_they_need():
    loaded = loaded_by("from impactlab import load_model, value\n"
                       f"r = value(load_model({str(EXAMPLE)!r}))\nassert r.sroi_ratio > 0")
    assert loaded == {"numpy", "pydantic"}
    assert "numba" in loaded_by("from impactlab import simulate\nsimulate")
    assert "pandas" in loaded_by(f"from impactlab import load_model, value\n"
                                 f"value(load_model({str(EXAMPLE)!r})).outcomes_frame()")


def test_pseudonymise_does_not_load_numba():
    loaded = loaded_by("import impactlab.io.pseudonymise")
    assert not loaded & {"numba", "llvmlite", "scipy", "pandas"}


def test_unknown_top_level_name_is_an_attribute_error():
    import impactlab

    with pytest.raises(AttributeError):
        impactlab.no_such_name  # noqa: B018
    assert {"value", "simulate", "load_model"} <= set(dir(impactlab))


KERNEL_RUN = r"""
import json
from impactlab.model.document import load_model
from impactlab.valuation import kernel
from impactlab.valuation.montecarlo import simulate
simulate(load_model({model!r}), draws=500, seed=1)
stats = [kernel.draw_in_place.stats, kernel.evaluate_block.stats]
print(json.dumps({{"hits": sum(sum(s.cache_hits.values()) for s in stats),
                  "misses": sum(sum(s.cache_misses.values()) for s in stats)}}))
"""


def test_a_new_process_loads_the_compiled_kernels_from_disk(tmp_path: Path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    runs = []
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", KERNEL_RUN.format(model=str(EXAMPLE))], capture_output=True,
                              text=True, cwd=ROOT, env=env, timeout=600, check=True)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    assert runs[0]["misses"] == 2  # a cold cache: compiled once and written
    assert runs[1] == {"hits": 2, "misses": 0}  # the next process compiles nothing
    assert any((tmp_path / "numba").rglob("*.nbc"))


def test_kernel_cache_dir_is_a_private_folder(tmp_path: Path):
    from impactlab.valuation.kernel import kernel_cache_dir

    assert kernel_cache_dir({"NUMBA_CACHE_DIR": str(tmp_path / "given")}) == tmp_path / "given"
    chosen = kernel_cache_dir({"XDG_CACHE_HOME": str(tmp_path / "xdg")})
    assert chosen == tmp_path / "xdg" / "impactlab" / "numba"
    assert chosen.is_dir() and not chosen.stat().st_mode & 0o077
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # a folder others may write to is passed over (the cache holds code that is loaded)
    (shared / "impactlab").mkdir(mode=0o777)
    (shared / "impactlab" / "numba").mkdir(mode=0o777)
    (shared / "impactlab" / "numba").chmod(0o777)
    assert kernel_cache_dir({"XDG_CACHE_HOME": str(shared)}) != shared / "impactlab" / "numba"


def test_a_name_that_is_also_a_submodule_stays_the_function():
    body = ("import types\nimport impactlab.valuation.sensitivity\nfrom impactlab.valuation import sensitivity\n"
            "import impactlab\nassert not isinstance(sensitivity, types.ModuleType)\n"
            "assert impactlab.sensitivity is sensitivity\n"
            "from impactlab.valuation.sensitivity import SensitivityResult\nprint(SensitivityResult)")
    assert "numba" in loaded_by(body)


def test_a_model_check_does_not_load_the_proxy_search():
    loaded = loaded_by("import sys\nfrom impactlab.model.document import check_model\n"
                       f"assert check_model({str(EXAMPLE)!r}).ok\n"
                       "assert 'rapidfuzz' not in sys.modules and 'impactlab.model.proxy_search' not in sys.modules")
    assert loaded == {"pydantic"}


def test_the_cache_keeps_only_what_json_gives_back_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from impactlab import cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cache._folder.cache_clear()
    try:
        cache.save_json("yaml", "a", {"proxies": [{"id": "x", "value": 1.5, "keywords": ["a"]}]})
        assert cache.load_json("yaml", "a") == {"proxies": [{"id": "x", "value": 1.5, "keywords": ["a"]}]}
        cache.save_json("yaml", "b", {2015: 100.0})  # number keys come back as text: not kept
        import datetime

        cache.save_json("yaml", "c", {"date": datetime.date(2025, 1, 1)})  # not JSON: not kept
        assert cache.load_json("yaml", "b") is None and cache.load_json("yaml", "c") is None
        assert cache.load_json("yaml", "missing") is None
        folder = tmp_path / "impactlab" / "yaml"
        assert sorted(p.name for p in folder.iterdir()) == ["a.json"]
        assert not folder.stat().st_mode & 0o077
    finally:
        cache._folder.cache_clear()


def test_the_library_read_from_the_cache_is_the_library(tmp_path: Path):
    body = ("from impactlab.model.library import proxy_library, library_info\n"
            "import json\nprint(json.dumps({k: v.model_dump() for k, v in proxy_library().items()}, sort_keys=True))")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", body], capture_output=True, text=True, cwd=ROOT, env=env,
                           check=True, timeout=120).stdout for _ in range(2)]
    assert any((tmp_path / "impactlab" / "yaml").iterdir())  # the first run filled the cache, the second read it
    assert runs[0] == runs[1] and len(json.loads(runs[0])) > 50
