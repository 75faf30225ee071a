"""Calibration files: a good one loads; each bad one gets its one-line error, exit status 2."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from bad_files import expectation

from relsim.calibration import CalibrationError, load_calibration
from relsim.cli import main
from relsim.scenario import ScenarioError

HERE = Path(__file__).parent
BAD = sorted((HERE / "bad_calibrations").glob("*.yaml"))
EXAMPLES = sorted((HERE.parent / "calibration").glob("fader_hardie_[rh]*.yaml"))


def test_there_are_enough_bad_calibrations():
    assert len(BAD) >= 15


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_calibration_gets_a_one_line_error_naming_file_line_and_field(path):
    fragment, line = expectation(path, need_line=True)
    with pytest.raises(ScenarioError) as info:
        load_calibration(path)
    message = str(info.value)
    assert "\n" not in message
    assert fragment in message
    if line:
        assert re.match(rf"{re.escape(str(path))}:{line}:\d+: ", message), message
    else:  # in the data file, named with its line and column, or the file itself
        assert re.match(r"\S+\.(csv|yaml)(:\d+)*: ", message), message


@pytest.mark.parametrize("path", BAD[:3], ids=[p.stem for p in BAD[:3]])
def test_cli_answers_a_bad_calibration_with_status_2_one_line_and_nothing_written(
        path, tmp_path, capsys):
    out = tmp_path / "out"
    status = main(["calibrate", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("error: ") and err.count("\n") == 1
    assert expectation(path)[0] in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_bundled_examples_load_with_the_full_model(path):
    calibration = load_calibration(path)
    assert calibration.fit_range == (0, 3) and calibration.spec.holdout_periods == [4, 7]
    behaviour = calibration.base_config().behaviour
    # the behavioural mechanisms are on: word of mouth, complaints, win-back, exploration
    assert behaviour.talk_prob > 0 and behaviour.complaint_prob > 0
    assert behaviour.winback_rate > 0 and behaviour.commitment_effect > 0
    assert calibration.horizon() <= calibration.scenario.steps


def test_paths_in_a_calibration_file_are_relative_to_its_folder(tmp_path, monkeypatch):
    folder = tmp_path / "elsewhere"
    shutil.copytree(HERE.parent / "calibration", folder)
    monkeypatch.chdir(tmp_path)
    calibration = load_calibration(Path("elsewhere") / "fader_hardie_regular.yaml")
    assert calibration.observed.size == 1000
    assert calibration.observed.retention[1] == pytest.approx(0.631)


def test_error_class_is_a_scenario_error_so_relsim_reports_it_the_same_way():
    assert issubclass(CalibrationError, ScenarioError)


def test_the_command_line_offers_the_methods_the_calibration_has():
    from relsim.calibration import cli, result

    assert cli.METHODS == result.METHODS


def test_relsim_validate_checks_calibration_files(capsys):
    """relsim validate knows a calibration file (top-level data: and fit_periods:) and checks
    it as one: ok with a summary, or the calibration's one-line error and exit 2."""
    good = [str(p) for p in EXAMPLES]
    assert main(["validate", *good]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(good)
    assert all("ok (calibration: cohort_retention" in line for line in out)
    bad = HERE / "bad_calibrations" / "series_with_cohort_window.yaml"
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expectation(bad)[0] in err
