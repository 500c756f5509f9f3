"""`cchc eval --procedure-set FILE` scores only that procedure set (issue 12)."""

from __future__ import annotations

from typer.testing import CliRunner

import assistant.evaluation as evaluation
from assistant.cli import app


def test_procedure_set_option_runs_the_procedure_group_only(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(evaluation, "procedure_set_main",
                        lambda path, json_output=False: calls.append((path, json_output)) or 0)
    monkeypatch.setattr(evaluation, "main", lambda **_: calls.append("plans") or 0)
    target = tmp_path / "set.jsonl"
    target.write_text("", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "--procedure-set", str(target), "--json"])
    assert result.exit_code == 0, result.output
    assert calls == [(str(target), True)]


def test_procedure_set_missing_file_is_refused(tmp_path, capsys):
    assert evaluation.procedure_set_main(str(tmp_path / "none.jsonl")) == 2
