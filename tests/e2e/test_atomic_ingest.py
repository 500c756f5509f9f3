"""Atomic ingest (issue 7, item 2): SIGKILL a real `cchc ingest` process anywhere; afterwards
every document is either fully present (document row, chunks, FTS rows, cached vectors, tasks,
targets, Chroma ids) or absent, and running the same ingest again completes it.

Kill points: deterministic ones at each step of `Store.upsert_plan` (tests/fixtures/crash_ingest.py
makes the process SIGKILL itself there), for a new document and for an update of a stored one,
plus kills of the installed console script after random delays once it starts writing.
CI runs 4 random kills; CCHC_TEST_FULL=1 runs 16.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app as cli_app
from assistant.config import Settings
from assistant.embeddings import make_embedder
from assistant.store import Store
from ingest.pipeline import parse_file

sys.path.insert(0, str(Path(__file__).parents[1]))
from fixtures import bad_inputs as bad  # noqa: E402
from fixtures.crash_ingest import STAGES  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "data" / "plans"
CRASH = Path(__file__).parents[1] / "fixtures" / "crash_ingest.py"
CCHC = Path(sys.executable).with_name("cchc")
BYSTANDER = "loc-hoa_2025.txt"                     # stored before every crash, never touched
NEW = ["dai-phuoc_2026.txt", "nam-dan_2026.txt"]   # the crashing run adds these; dies on the 2nd
UPDATED = "nam-dan_2026.txt"                       # the update scenario replaces this one
RANDOM_KILLS = 16 if os.environ.get("CCHC_TEST_FULL") else 4
ENV = {"CCHC_EMBEDDER": "hash"}


@dataclass
class Outcome:
    label: str
    returncode: int | None = None
    sqlite: dict[str, str] = field(default_factory=dict)       # document -> "complete"
    chroma_missing: int = 0                                    # ids SQLite had and Chroma lacked
    chroma_extra: int = 0                                      # ids Chroma had and SQLite did not
    rerun: dict[str, str] = field(default_factory=dict)        # file -> status of the re-run


def _settings(home: Path) -> Settings:
    return Settings(home=home, embedder="hash")


def _clear_chroma_cache() -> None:
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()  # another process wrote the index: read it afresh


def _updated_text() -> str:
    """A new version of nam-dan: re-issued under the merged commune's name (so most chunks keep
    their text and id but change their commune), one lead changed and one paragraph added."""
    text = bad.plan_text(UPDATED).replace("Năm Dẫn", "Tân Hà").replace(
        "Ban hành kế hoạch CCHC năm 2026.\tPhòng Văn hóa – Xã hội",
        "Ban hành kế hoạch CCHC năm 2026.\tVăn phòng HĐND và UBND", 1)
    assert text != bad.plan_text(UPDATED)
    marker = "III. KINH PHÍ THỰC HIỆN"
    assert marker in text
    return text.replace(marker, "Bổ sung: rà soát lại toàn bộ quy trình nội bộ trong quý I/2026.\n" + marker, 1)


@pytest.fixture(scope="module")
def versions(tmp_path_factory) -> dict[str, dict[str, object]]:
    """Every acceptable stored version of each document, keyed by content hash."""
    folder = tmp_path_factory.mktemp("v2")
    (folder / UPDATED).write_text(_updated_text(), encoding="utf-8")
    out: dict[str, dict[str, object]] = {}
    for path in [CORPUS / BYSTANDER, *(CORPUS / n for n in NEW), CORPUS / "di-linh_2026-2030.txt", folder / UPDATED]:
        plan = parse_file(path)
        out.setdefault(plan.document, {})[plan.content_hash] = plan
    out["_v2_path"] = folder / UPDATED  # type: ignore[assignment]
    out["_v2_hash"] = plan.content_hash  # type: ignore[assignment]  (the last one parsed)
    return out


def _ingest_in_process(home: Path, *paths: Path) -> dict[str, str]:
    _clear_chroma_cache()
    result = CliRunner().invoke(cli_app, ["ingest", "--json", "--no-progress", *map(str, paths)],
                                env={"CCHC_HOME": str(home), **ENV})
    _clear_chroma_cache()
    assert result.exit_code == 0, result.output
    return {Path(r["file"]).name: r["status"] for r in map(json.loads, result.stdout.splitlines())}


@pytest.fixture(scope="module")
def base_homes(tmp_path_factory, versions) -> dict[str, Path]:
    """Stores the crashing runs start from: the bystander alone, and bystander + nam-dan v1."""
    root = tmp_path_factory.mktemp("bases")
    add, update = root / "add", root / "update"
    _ingest_in_process(add, CORPUS / BYSTANDER)
    _ingest_in_process(update, CORPUS / BYSTANDER, CORPUS / UPDATED)
    return {"add": add, "update": update}


def _copy_home(base: Path, home: Path) -> Path:
    shutil.copytree(base, home)
    return home


# -- the consistency check ------------------------------------------------------------------

def check_store(home: Path, versions, outcome: Outcome) -> None:
    """Every stored document is one complete version; nothing belongs to no document; then the
    store opens (reconciling Chroma) with Chroma ids == SQLite chunk ids."""
    embedder_name = make_embedder(_settings(home)).name
    db = sqlite3.connect(home / "cchc.sqlite3")  # opening recovers the WAL exactly as the store does
    try:
        docs = dict(db.execute("SELECT document, content_hash FROM documents"))
        for table in ("chunks", "tasks", "targets", "chunks_fts"):
            owners = {r[0] for r in db.execute(f"SELECT DISTINCT document FROM {table}")}
            assert owners <= set(docs), f"{table} rows of no document: {owners - set(docs)}"
        chunk_ids = {r[0] for r in db.execute("SELECT id FROM chunks")}
        assert {r[0] for r in db.execute("SELECT chunk_id FROM chunks_fts")} == chunk_ids
        unembedded = db.execute("SELECT COUNT(*) FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM vectors v "
                                "WHERE v.text_hash = c.text_hash AND v.embedder = ?)", (embedder_name,)).fetchone()[0]
        assert unembedded == 0, "chunks without a cached vector"
        for document, content_hash in docs.items():
            plan = versions[document].get(content_hash)
            assert plan is not None, f"{document}: stored bytes match no version"
            ids = [r[0] for r in db.execute("SELECT id FROM chunks WHERE document = ? ORDER BY ordinal", (document,))]
            assert ids == [c.id for c in plan.chunks], f"{document}: partial chunks"
            for table, expected in (("tasks", plan.tasks), ("targets", plan.targets)):
                n = db.execute(f"SELECT COUNT(*) FROM {table} WHERE document = ?", (document,)).fetchone()[0]
                assert n == len(expected), f"{document}: {n} {table}, expected {len(expected)}"
            outcome.sqlite[document] = "v2" if content_hash == versions["_v2_hash"] else "v1"
    finally:
        db.close()

    raw = _raw_chroma_ids(home)
    outcome.chroma_missing = len(chunk_ids - raw)
    outcome.chroma_extra = len(raw - chunk_ids)

    _clear_chroma_cache()
    store = Store(_settings(home), make_embedder(_settings(home))).open()
    try:
        assert store.chroma_ids() == store.chunk_ids() == chunk_ids
        for info in store.documents():
            assert store.chroma_ids(info.document) == set(store.document_chunk_ids(info.document))
        # Same ids is not enough: the metadata the dense filters use must be the stored document's.
        db = sqlite3.connect(home / "cchc.sqlite3")
        wanted = {r[0]: {"document": r[1], "commune_key": r[2]} for r in db.execute(
            "SELECT c.id, d.document, d.commune_key FROM chunks c JOIN documents d ON d.document = c.document")}
        db.close()
        got = store._collection.get(ids=sorted(chunk_ids), include=["metadatas"]) if chunk_ids else {"ids": []}
        stale = [i for i, m in zip(got["ids"], got.get("metadatas") or [])
                 if {k: m.get(k) for k in ("document", "commune_key")} != wanted[i]]
        assert not stale, f"{len(stale)} Chroma entries carry another version's metadata, e.g. {stale[:2]}"
        vector = store.embedder.embed_query_vector("đối thoại với người dân")
        hits = store.dense_search(vector, k=10)
        assert hits and {i for i, _ in hits} <= chunk_ids
    finally:
        store.close()
        _clear_chroma_cache()


def _raw_chroma_ids(home: Path) -> set[str]:
    """Chroma as the killed process left it, read before the store reconciles it."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    _clear_chroma_cache()
    try:
        client = chromadb.PersistentClient(path=str(home / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
        return set(client.get_collection("cchc_chunks").get(include=[])["ids"])
    except Exception:  # noqa: BLE001 - an index the kill left unreadable: the store rebuilds it
        return set()
    finally:
        _clear_chroma_cache()


def _complete(home: Path, versions, expected: dict[str, str]) -> None:
    """After the re-run: exactly the expected documents, each complete in the expected version."""
    outcome = Outcome("final")
    check_store(home, versions, outcome)
    assert outcome.sqlite == expected, outcome.sqlite


# -- deterministic kill points ----------------------------------------------------------------

def _crash(stage: str, target: int, home: Path, *paths: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(CRASH), stage, str(target), "ingest", "--no-progress",
                             *map(str, paths)], env={**os.environ, "CCHC_HOME": str(home), **ENV},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_sigkill_at_every_step_of_a_new_document(tmp_path, base_homes, versions):
    runs = {stage: _crash(stage, 2, _copy_home(base_homes["add"], tmp_path / stage), *(CORPUS / n for n in NEW))
            for stage in STAGES}
    outcomes = []
    for stage, process in runs.items():
        process.wait(timeout=120)
        assert process.returncode == -signal.SIGKILL, f"{stage}: {process.stderr.read()}"
        home = tmp_path / stage
        outcome = Outcome(f"new/{stage}", process.returncode)
        check_store(home, versions, outcome)
        # The first document finished before the kill; the bystander was never touched.
        assert outcome.sqlite[BYSTANDER] == "v1" and outcome.sqlite[NEW[0]] == "v1"
        committed = stage in ("commit", "chroma", "chroma-done")
        assert (NEW[1] in outcome.sqlite) == committed, (stage, outcome.sqlite)
        if stage in ("commit", "chroma"):
            assert outcome.chroma_missing > 0  # the kill really left Chroma behind; open() repaired it
        outcome.rerun = _ingest_in_process(home, *(CORPUS / n for n in NEW))
        assert outcome.rerun == {NEW[0]: "unchanged", NEW[1]: "unchanged" if committed else "added"}
        _complete(home, versions, {BYSTANDER: "v1", NEW[0]: "v1", NEW[1]: "v1"})
        outcomes.append(outcome)
    _report(outcomes)


def test_sigkill_while_replacing_a_stored_document(tmp_path, base_homes, versions):
    v2 = versions["_v2_path"]
    stages = ("vectors", "transaction", "commit", "chroma")
    runs = {stage: _crash(stage, 1, _copy_home(base_homes["update"], tmp_path / stage), v2) for stage in stages}
    outcomes = []
    for stage, process in runs.items():
        process.wait(timeout=120)
        assert process.returncode == -signal.SIGKILL, f"{stage}: {process.stderr.read()}"
        home = tmp_path / stage
        outcome = Outcome(f"update/{stage}", process.returncode)
        check_store(home, versions, outcome)
        committed = stage in ("commit", "chroma")
        # Old version intact until COMMIT, the whole new version after it: never a mix.
        assert outcome.sqlite == {BYSTANDER: "v1", UPDATED: "v2" if committed else "v1"}, (stage, outcome)
        if stage == "commit":
            assert outcome.chroma_missing > 0 and outcome.chroma_extra > 0  # stale old ids, new ones missing
        outcome.rerun = _ingest_in_process(home, v2)
        assert outcome.rerun == {UPDATED: "unchanged" if committed else "updated"}
        _complete(home, versions, {BYSTANDER: "v1", UPDATED: "v2"})
        outcomes.append(outcome)
    _report(outcomes)


# -- random kills of the real console script ---------------------------------------------------
# Timed from the first write to the WAL (parsing all files comes first), so the kills land in
# the write phase: embedding, transactions, Chroma syncs.

def test_sigkill_after_random_delays(tmp_path, base_homes, versions):
    rng = random.Random(int(os.environ.get("CCHC_TEST_SEED", "7")))
    plans = [CORPUS / n for n in (*NEW, "di-linh_2026-2030.txt")]
    outcomes = []
    for index in range(RANDOM_KILLS):
        home = _copy_home(base_homes["add"], tmp_path / f"random-{index}")
        delay = rng.uniform(0.0, 0.6)  # the write phase of these three plans lasts ~0.6 s here
        process = subprocess.Popen([str(CCHC), "ingest", "--no-progress", *map(str, plans)],
                                   env={**os.environ, "CCHC_HOME": str(home), **ENV},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wal = home / "cchc.sqlite3-wal"
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if wal.exists() and wal.stat().st_size > 0:
                break  # parsing is over: the first vectors are being written
            time.sleep(0.005)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        outcome = Outcome(f"random/{delay:.2f}s", process.returncode)
        check_store(home, versions, outcome)
        assert outcome.sqlite.get(BYSTANDER) == "v1"
        outcome.rerun = _ingest_in_process(home, *plans)
        _complete(home, versions, {BYSTANDER: "v1", **{p.name: "v1" for p in plans}})
        outcomes.append(outcome)
    assert any(o.returncode == -signal.SIGKILL for o in outcomes), "every run finished before its kill"
    _report(outcomes)


def _report(outcomes: list[Outcome]) -> None:
    for o in outcomes:
        present = ",".join(f"{d.split('_')[0]}:{v}" for d, v in sorted(o.sqlite.items())) or "-"
        print(f"{o.label:<26} rc={o.returncode} present={present} chroma_missing={o.chroma_missing} "
              f"chroma_extra={o.chroma_extra} rerun={o.rerun}")
