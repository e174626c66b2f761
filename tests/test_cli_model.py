"""The `impactlab` command on model files: contracts, exit codes, messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from impactlab import load_model, value
from impactlab.cli import app
from impactlab.model.examples import example_text

runner = CliRunner()


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    path = tmp_path / "model.yaml"
    path.write_text(example_text("buurtcirkels"), encoding="utf-8")
    return path


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_value_json_contract(model_file: Path) -> None:
    result = invoke("value", model_file, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    expected = value(load_model(model_file))
    assert data["sroi_ratio"] == expected.sroi_ratio
    assert data["net_present_value"] == expected.net_present_value
    assert data["society"]["npv"] == expected.society.npv
    assert {o["id"] for o in data["outcomes"]} == {o.id for o in expected.outcomes}
    assert all(isinstance(o["impact_by_year"], list) for o in data["outcomes"])
    assert {"id", "invested", "benefits", "net"} <= set(data["stakeholders"][0])


def test_value_table_is_readable(model_file: Path) -> None:
    result = invoke("value", model_file)
    assert result.exit_code == 0
    assert "SROI ratio" in result.stdout
    assert "Who pays and who benefits" in result.stdout


def test_check_reports_every_problem_with_exit_2(tmp_path: Path) -> None:
    broken = example_text("buurtcirkels").replace("deadweight: 0.30\n", "deadweight: 1.3\n", 1).replace(
        "stakeholder: insurer", "stakeholder: insurerr")
    path = tmp_path / "model.yaml"
    path.write_text(broken, encoding="utf-8")
    result = invoke("check", path)
    assert result.exit_code == 2
    assert "must be between 0 and 1, got 1.3" in result.stderr
    assert "unknown stakeholder 'insurerr' (did you mean 'insurer'?)" in result.stderr
    assert "Traceback" not in result.output


def test_check_valid(model_file: Path) -> None:
    result = invoke("check", model_file)
    assert result.exit_code == 0
    assert "valid" in result.stdout


def test_simulate_json_contract(model_file: Path) -> None:
    result = invoke("simulate", model_file, "--draws", "20000", "--seed", "7", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["draws"] == 20000 and data["seed"] == 7
    for figure in ("sroi_ratio", "net_present_value"):
        assert set(data[figure]) >= {"mean", "p5", "p50", "p95"}
        assert data[figure]["p5"] <= data[figure]["p50"] <= data[figure]["p95"]
    assert 0 <= data["prob_ratio_above_1"] <= 1
    again = json.loads(invoke("simulate", model_file, "--draws", "20000", "--seed", "7", "--format", "json").stdout)
    assert again == data


def test_sensitivity_json(model_file: Path) -> None:
    result = invoke("sensitivity", model_file, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    swings = [bar["swing"] for bar in data["tornado"]]
    assert swings == sorted(swings, reverse=True)
    assert any(item["break_even"] is not None for item in data["break_even"])


def test_proxies_commands() -> None:
    listed = json.loads(invoke("proxies", "list", "--format", "json").stdout)
    assert len(listed) >= 20
    found = json.loads(invoke("proxies", "search", "mantelzorg", "--format", "json").stdout)
    assert found and all("mantelzorg" in json.dumps(p).lower() for p in found)
    shown = invoke("proxies", "show", found[0]["id"])
    assert shown.exit_code == 0 and "source" in shown.stdout
    missing = invoke("proxies", "show", "no_such_proxy")
    assert missing.exit_code == 2 and "unknown proxy" in missing.stderr
    version = json.loads(invoke("proxies", "version", "--format", "json").stdout)
    assert version["version"] == version["changelog"][0]["version"]
    assert version["version"] in invoke("proxies", "version").stdout


def test_new_example_round_trips(tmp_path: Path) -> None:
    result = invoke("new", "--example", "eenzaamheid")
    path = tmp_path / "m.yaml"
    path.write_text(result.stdout, encoding="utf-8")
    assert invoke("check", path).exit_code == 0
    assert invoke("new", "--example", "nope").exit_code == 2


def test_installed_command_never_shows_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_bytes(b"\xff\xfe impactlab: [")
    done = subprocess.run([sys.executable, "-m", "impactlab", "value", str(path)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 2
    assert "model.yaml" in done.stderr
    assert "Traceback" not in done.stderr
