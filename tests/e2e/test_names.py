"""Uploads never replace a different document silently (issue 16, item 7).

Two uploads whose paths end in the same file name, two long names that used to be cut to the same
120 characters, and names that only look like an existing one (U+2010 hyphen, Cyrillic "і") used to
replace each other ("updated") or sit beside a real plan looking identical. Now: a distinct stored
name for long names, a 409 naming the existing document for the same name with other content
(unless `?replace=true`), and a 409 naming the look-alike.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.api import create_app
from assistant.cli import app as cli_app
from assistant.config import Settings
from assistant.service import Assistant

sys.path.insert(0, str(Path(__file__).parents[1]))
from fixtures import bad_inputs as bad  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "data" / "plans"
STORED = "di-linh_2026-2030.txt"
TOKEN = "names-test-token-8a3f6c1e9d4b"


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    home = tmp_path_factory.mktemp("names_home")
    assistant = Assistant(Settings(home=home, embedder="hash", admin_token=TOKEN))
    assert all(r.ok for r in assistant.ingest([CORPUS / STORED]))
    with TestClient(create_app(assistant), raise_server_exceptions=False) as client:
        client.home = home
        yield client
    assistant.close()


def _wait(client: TestClient, job_id: str, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in ("done", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def _documents(client: TestClient) -> dict[str, dict]:
    return {d["document"]: d for d in client.get("/api/documents").json()}


def _upload(client: TestClient, name: str, commune: str, query: str = ""):
    return client.post(f"/api/documents{query}", files={"file": (name, bad.relabelled_plan(commune).encode())},
                       headers=_auth())


# -- pure rules ---------------------------------------------------------------------------------

def test_lookalike_key_equates_names_a_reader_cannot_tell_apart():
    from assistant.names import find_lookalike, lookalike_key

    real = "di-linh_2026-2030.txt"
    for fake in ("di\u2010linh_2026-2030.txt",      # Unicode hyphen
                 "di-l\u0456nh_2026-2030.txt",      # Cyrillic і
                 "di\u2212linh_2026\u20132030.txt",  # minus sign, en dash
                 "\uff44\uff49-linh_2026-2030.txt",  # full-width letters (NFKC)
                 "di-linh_2026-2030\u200b.txt",      # zero-width space
                 "Di-Linh_2026-2030.txt"):          # case only
        assert lookalike_key(fake) == lookalike_key(real), fake
        assert find_lookalike(fake, ["nam-dan_2026.txt", real]) == real
    assert find_lookalike(real, [real]) is None  # the same name is not a look-alike of itself
    for different in ("di-linh_2026-2031.txt", "dí-linh_2026-2030.txt", "loc-hoa_2025.txt"):
        assert lookalike_key(different) != lookalike_key(real), different


# -- uploads --------------------------------------------------------------------------------------

def test_same_file_name_from_another_folder_is_a_409_unless_replace_is_asked(api):
    first = _upload(api, "xa-a/ke-hoach-chung.txt", "Tân Hà")
    assert first.status_code == 202, first.text
    assert _wait(api, first.json()["id"])["status"] == "added"

    other = _upload(api, "xa-b/ke-hoach-chung.txt", "Hòa Thắng Mới")
    assert other.status_code == 409, other.text
    detail = other.json()["detail"]
    assert "ke-hoach-chung.txt" in detail and "replace=true" in detail
    assert _documents(api)["ke-hoach-chung.txt"]["commune"] == "Tân Hà"  # not replaced

    replaced = _upload(api, "xa-b/ke-hoach-chung.txt", "Hòa Thắng Mới", "?replace=true")
    assert replaced.status_code == 202, replaced.text
    job = _wait(api, replaced.json()["id"])
    assert job["state"] == "done" and job["status"] == "updated", job
    assert _documents(api)["ke-hoach-chung.txt"]["commune"] == "Hòa Thắng Mới"
    assert api.delete("/api/documents/ke-hoach-chung.txt", headers=_auth()).status_code == 200


def test_same_name_is_refused_even_while_the_first_is_still_queued(api):
    first = _upload(api, "hang-doi.txt", "Gia Hiệp")
    second = _upload(api, "thu-muc/hang-doi.txt", "Bảo Thuận")
    assert first.status_code == 202 and second.status_code == 409, second.text
    assert "hang-doi.txt" in second.json()["detail"]
    assert _wait(api, first.json()["id"])["state"] == "done"
    assert _documents(api)["hang-doi.txt"]["commune"] == "Gia Hiệp"
    assert api.delete("/api/documents/hang-doi.txt", headers=_auth()).status_code == 200


def test_two_long_names_sharing_their_first_120_characters_are_two_documents(api):
    prefix = "ke-hoach-cai-cach-hanh-chinh-" * 5  # 145 characters
    names = []
    for suffix, commune in (("xa-tam-bo", "Tam Bố"), ("xa-lien-dam", "Liên Đầm")):
        response = _upload(api, f"{prefix}{suffix}.txt", commune)
        assert response.status_code == 202, response.text
        job = _wait(api, response.json()["id"])
        assert job["state"] == "done" and job["status"] == "added", job
        names.append(response.json()["document"])
    assert names[0] != names[1]
    docs = _documents(api)
    assert docs[names[0]]["commune"] == "Tam Bố" and docs[names[1]]["commune"] == "Liên Đầm"
    for name in names:
        assert api.delete(f"/api/documents/{name}", headers=_auth()).status_code == 200


@pytest.mark.parametrize("fake", ["di\u2010linh_2026-2030.txt", "di-l\u0456nh_2026-2030.txt"])
def test_lookalike_of_a_stored_name_is_refused_naming_it(api, fake):
    response = _upload(api, fake, "Hòa Ninh")
    assert response.status_code == 409, response.text
    detail = response.json()["detail"]
    assert STORED in detail and "trông giống" in detail
    assert list(_documents(api)) == [STORED]
    assert not list((api.home / "uploads").glob("*.txt"))


# -- CLI ------------------------------------------------------------------------------------------

def _cli(home: Path, *args: str):
    return CliRunner().invoke(cli_app, list(args), env={"CCHC_HOME": str(home), "CCHC_EMBEDDER": "hash"})


def test_cli_refuses_a_lookalike_name_and_keeps_update_semantics_for_the_same_path(tmp_path):
    home = tmp_path / "home"
    assert _cli(home, "ingest", "--no-progress", str(CORPUS / STORED)).exit_code == 0
    fake = tmp_path / "di\u2010linh_2026-2030.txt"
    fake.write_text(bad.relabelled_plan("Tân Hà"), encoding="utf-8")
    refused = _cli(home, "ingest", "--json", "--no-progress", str(fake))
    assert refused.exit_code == 1
    [row] = [json.loads(line) for line in refused.stdout.splitlines()]
    assert row["status"] == "error" and STORED in row["message"] and "trông giống" in row["message"], row

    plan = tmp_path / "ke-hoach.txt"
    plan.write_text(bad.relabelled_plan("Tân Hà"), encoding="utf-8")
    assert _cli(home, "ingest", "--no-progress", str(plan)).exit_code == 0
    plan.write_text(bad.relabelled_plan("Phú Lộc Đông"), encoding="utf-8")
    again = _cli(home, "ingest", "--json", "--no-progress", str(plan))
    assert again.exit_code == 0
    assert json.loads(again.stdout)["status"] == "updated"
    docs = [json.loads(line) for line in _cli(home, "documents", "--json").stdout.splitlines()]
    assert sorted(d["document"] for d in docs) == sorted([STORED, "ke-hoach.txt"])
