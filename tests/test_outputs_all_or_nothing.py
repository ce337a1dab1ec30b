"""Outputs are all or nothing: no workbook without its JSON, no folder or temp file left, usual file modes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from planner.errors import PlannerError
from planner.report.output import check_distinct, check_writable, write_outputs


def _write(text: str):  # type: ignore[no-untyped-def]
    return lambda tmp: tmp.write_text(text, encoding="utf-8")


def _fail(tmp: Path) -> None:
    raise PlannerError("boom")


def test_second_output_failing_leaves_nothing(tmp_path: Path) -> None:
    """The workbook is not renamed into place when the JSON cannot be written; the new folder goes too."""
    xlsx = tmp_path / "new" / "deeper" / "plan.xlsx"
    json_path = tmp_path / "plan.json"
    with pytest.raises(PlannerError):
        write_outputs([(xlsx, _write("workbook")), (json_path, _fail)])
    assert not (tmp_path / "new").exists()
    assert list(tmp_path.iterdir()) == []


def test_outputs_get_the_umask_mode_and_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        target = tmp_path / "plan.json"
        write_outputs([(target, _write("{}"))])
        assert target.stat().st_mode & 0o777 == 0o644
        target.chmod(0o640)
        write_outputs([(target, _write("{ }"))])
        assert target.stat().st_mode & 0o777 == 0o640
        assert target.read_text(encoding="utf-8") == "{ }"
    finally:
        os.umask(old)


def test_same_path_for_workbook_and_json_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PlannerError, match="same file"):
        check_distinct([tmp_path / "x.xlsx", tmp_path / "." / "x.xlsx"])
    with pytest.raises(PlannerError, match="would have to be a folder"):
        check_distinct([tmp_path / "reports" / "a.xlsx", tmp_path / "reports"])


def test_overlong_file_name_is_refused_before_solving(tmp_path: Path) -> None:
    with pytest.raises(PlannerError, match="too long"):
        check_writable(tmp_path / ("f" * 250 + ".xlsx"), force=False)


def test_existing_folder_is_named_as_a_folder_even_without_force(tmp_path: Path) -> None:
    with pytest.raises(PlannerError, match="is a folder"):
        check_writable(tmp_path, force=False)


ROOT = Path(__file__).resolve().parent.parent
FLEET = ROOT / "fleets" / "online-boutique.csv"
AWS = ROOT / "pricing" / "aws.yaml"


def _plan(*args: object):  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from planner.cli import app

    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=True)


def test_cli_refuses_one_path_for_workbook_and_json(tmp_path: Path) -> None:
    target = tmp_path / "x.xlsx"
    result = _plan(FLEET, "-p", AWS, "--out", target, "--json", target, "--time-limit", "5", "--quiet")
    assert result.exit_code == 2
    assert "same file" in result.output and "Traceback" not in result.output
    assert not target.exists()


def test_cli_refuses_json_where_the_workbook_folder_goes(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    result = _plan(FLEET, "-p", AWS, "--out", folder, "--json", folder, "--time-limit", "5", "--quiet")
    assert result.exit_code == 2, result.output
    assert not folder.exists()


def test_cli_refuses_the_same_catalogue_twice(tmp_path: Path) -> None:
    again = AWS.parent / ".." / "pricing" / AWS.name
    result = _plan(FLEET, "-p", AWS, "-p", again, "--out", tmp_path / "x.xlsx", "--quiet")
    assert result.exit_code == 2
    assert "same catalogue" in result.output
    assert list(tmp_path.iterdir()) == []


def test_cli_caps_spare_hosts(tmp_path: Path) -> None:
    result = _plan(FLEET, "-p", AWS, "--spare-hosts", "1000000000", "--out", tmp_path / "x.xlsx", "--quiet")
    assert result.exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_sigterm_while_solving_writes_nothing(tmp_path: Path) -> None:
    """`timeout` and `kill` send SIGTERM: treated like Ctrl-C (exit 130, nothing written)."""
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen(
        [sys.executable, "-c", "from planner.cli import main; main()", str(ROOT / "fleets" / "retail-platform.csv"),
         "-p", str(AWS), "--time-limit", "30", "--quiet", "--json", str(tmp_path / "plan.json")],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    time.sleep(3.0)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "nothing written" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("options, expected", [
    (["--time-limit", "inf"], "expected a finite number of seconds"),
    (["--replicas", "max"], "applies to Kubernetes manifests"),
    (["--team-label", "team"], "applies to Kubernetes manifests"),
    (["-p", str(ROOT / "pricing" / "onprem.yaml"), "--fx", "EUR=1.08", "--fx", "EUR=1.1"], "one rate per currency"),
])
def test_cli_refuses_options_it_would_otherwise_ignore_or_mangle(tmp_path: Path, options: list[str],
                                                                  expected: str) -> None:
    result = _plan(FLEET, "-p", AWS, *options, "--out", tmp_path / "x.xlsx", "--json", tmp_path / "x.json", "--quiet")
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert list(tmp_path.iterdir()) == []
