"""Property tests (hypothesis) for the text-facing parsers, and schemathesis against the API.

The parsers take whatever staff upload: they must never crash, normalisation must be a fixed
point, deadline parsing keeps the written phrase verbatim, and folded search keys round-trip.
The API must answer every request its OpenAPI schema allows (and many it does not) without a 5xx.
"""

from __future__ import annotations

import os

import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingest.deadlines import parse_deadline
from ingest.periods import PeriodError, parse_period
from ingest.loaders import split_lines
from ingest.normalise import normalise_lines, normalise_text
from ingest.structure import parse_structure
from ingest.tables import parse_tables
from ingest.vntext import expand_cased_abbreviations, fold, nfc, search_key, search_terms, tokens

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "data" / "plans"
PLANS = sorted(p.name for p in CORPUS.glob("*.txt"))

# Every run, CI included, explores new random inputs: a replayed fixed sequence kept CI green
# while a newcomer's run failed. What a run finds becomes an @example (Hypothesis prints the
# seed: `pytest --hypothesis-seed=N` replays it). CCHC_FUZZ_EXAMPLES searches deeper locally.
FUZZ = settings(max_examples=int(os.environ.get("CCHC_FUZZ_EXAMPLES", "150")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow], print_blob=True)

# Text as staff documents contain it: Vietnamese letters (NFC and NFD), plan vocabulary,
# markers, markup, tabs, odd whitespace and a sprinkle of arbitrary code points.
VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵĐĂÂÊÔƠƯ"
WORDS = ["Kế hoạch", "Quý I/2026", "hàng năm", "Phòng Kinh tế", "UBND", "TTHC", "I.", "1.", "a)", "-", "+",
         "<b>", "</b>", "<i>", "**", "_", "&nbsp;", "&amp;", "|", "STT", "Chủ trì", "Phối hợp", "Thời gian",
         "trước ngày 30/6/2026", "tháng 12", "năm 2025", "2026-2030", "%", "…", "–", "\u00a0", "\u200b",
         "\u0301", "\u0323", "e\u0302\u0301", "Ke\u0302\u0301 hoa\u0323ch", "PHỤ LỤC", "Nơi nhận:"]
piece = st.one_of(
    st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + " .,;:()/-", max_size=20),
    st.sampled_from(WORDS),
    st.text(max_size=6),  # any code point, incl. controls and surrogate-free oddities
)
line_text = st.lists(piece, max_size=8).map(" ".join)
raw_line = st.one_of(line_text, st.lists(line_text, min_size=2, max_size=7).map("\t".join))
real_lines = [line for name in PLANS for line in (CORPUS / name).read_text(encoding="utf-8").splitlines()]
any_line = st.one_of(raw_line, st.sampled_from(real_lines))


def loaded(lines: list[str]):
    """What a loader yields for these lines (they may hold stray newlines: split like a file)."""
    return split_lines("\n".join(lines))


# -- normaliser ---------------------------------------------------------------------------

@FUZZ
@given(st.lists(any_line, max_size=30), st.sampled_from([None, True, False]))
def test_normaliser_never_crashes_and_keeps_line_numbers_in_range(lines, hard_wrapped):
    source = loaded(lines)
    out = normalise_lines(source, hard_wrapped)
    for line in out:
        assert 1 <= line.line_start <= line.line_end <= len(source)
        assert line.text.strip()
        assert "\n" not in line.text and "\r" not in line.text  # table rows keep their tabs
        assert unicodedata.is_normalized("NFC", line.text)


@FUZZ
@given(st.lists(any_line, max_size=30))
@example(["<b>\t:"])  # a row whose first cell was only markup must not turn into prose next time
@example(["*", "b"])  # a lone "*" joined to the next line makes a markdown bullet
@example(["A      b"])
@example(["*\xad0"])
def test_normalisation_is_idempotent(lines):
    once = normalise_text("\n".join(lines), hard_wrapped=False)
    assert normalise_text(once, hard_wrapped=False) == once


@FUZZ
@given(st.lists(any_line, max_size=30))
@example(["/", ":"])  # a re-joined "x :" must come out as "x:", as cleaning writes it
@example(["- - - &nbsp;"])  # a markdown rule only once the entity is cleaned away
@example(["<\r#", "b"])  # a bare "#" is an empty heading, not text a next line joins and loses
@example(["A   \xa0 b"])  # a wide gap before a lowercase word is no column: re-read, it would join
@example(["*\xad0"])  # a soft hyphen hiding a stray "*" from markup cleaning until the next pass
def test_pdf_mode_output_is_a_fixed_point_of_plain_normalisation(lines):
    # The PDF re-joiner reads physical line widths and where column splits were, which its own
    # output no longer has; what it promises is clean text that plain normalisation keeps as is.
    once = normalise_text("\n".join(lines), hard_wrapped=True)
    assert normalise_text(once, hard_wrapped=False) == once


# -- table parser -------------------------------------------------------------------------

HEADERS = sorted({line for line in real_lines if line.startswith("STT\t")})
cell = st.one_of(st.just(""), st.just(" "), line_text, st.sampled_from(["I", "II", "1", "2.1", "<b>1 Tiêu đề</b>",
                                                                        "Quý II/2026", "Thường xuyên"]))
row = st.lists(cell, min_size=1, max_size=9).map("\t".join)


@FUZZ
@given(st.sampled_from(HEADERS + ["", "a\tb"]), st.lists(st.one_of(row, st.sampled_from(real_lines)), max_size=25),
       st.sampled_from([(None, None), (2026, 2026), (2026, 2030)]))
def test_table_parser_never_crashes_on_random_rows(header, rows, years):
    text = "\n".join(["KẾ HOẠCH", "PHỤ LỤC", header, *rows])
    blocks = parse_structure(normalise_lines(split_lines(text)))
    records = parse_tables(blocks, "fuzz.txt", "Xã Thử", *years)
    for record in records:
        assert record.origin == "table" and record.document == "fuzz.txt"
        for value in (record.task, record.lead, record.coordinators, record.product, record.deadline):
            assert "<b>" not in value and "\t" not in value and "\n" not in value


# -- deadline parser ----------------------------------------------------------------------

deadline_text = st.one_of(
    line_text,
    st.builds(lambda a, b: f"{a} {b}", st.sampled_from(["Quý", "quý", "Tháng", "trước ngày", "ngày", "Năm",
                                                         "6 tháng đầu năm", "Hàng", "định kỳ"]),
              st.text(alphabet="0123456789IVX/.-– ", max_size=12)),
    st.text(max_size=30),
)


@FUZZ
@given(deadline_text, st.sampled_from([(None, None), (2025, 2025), (2026, 2030), (None, 2027), (2024, None)]))
def test_deadline_parser_never_crashes_and_keeps_the_text_verbatim(text, years):
    deadline = parse_deadline(text, *years)
    assert deadline.text == nfc(text).strip()
    if deadline.start and deadline.end:
        assert deadline.start <= deadline.end


@FUZZ
@given(deadline_text)
def test_period_parser_raises_only_its_typed_error(text):
    try:
        period = parse_period(text)
    except PeriodError:
        return
    assert period.start <= period.end or period.mode == "before"


# -- vntext -------------------------------------------------------------------------------

vn_text = st.one_of(st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + " .,/-_'\u0301\u0323\u0302", max_size=60),
                    st.text(max_size=40), line_text)


@FUZZ
@given(vn_text)
@example("AI").via("the cased abbreviation, written out only in capitals")
@example(unicodedata.normalize("NFD", "ÁAI")).via("a combining mark before it is no word boundary")
def test_fold_is_idempotent_and_keys_survive_folding(text):
    folded = fold(text)
    assert fold(folded) == folded
    if expand_cased_abbreviations(text) == text:   # "AI" in capitals is read before folding, by design
        assert search_key(folded) == search_key(text)
        assert tokens(folded) == tokens(text)
    assert search_key(nfc(text)) == search_key(unicodedata.normalize("NFD", text))
    assert all(term == term.lower() for term in search_terms(text))


# -- the HTTP API against its own OpenAPI schema ------------------------------------------

TOKEN = "fuzz-admin-token-6e2b8d4a0c9f"


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    """The real app over a small store (one plan, hash embedder), uploads enabled."""
    from assistant.api import create_app
    from assistant.config import Settings
    from assistant.service import Assistant

    home = tmp_path_factory.mktemp("fuzz_home")
    assistant = Assistant(Settings(home=home, embedder="hash", admin_token=TOKEN, ingest_queue_size=2))
    assert all(r.ok for r in assistant.ingest([CORPUS / "di-linh_2026-2030.txt"]))
    app = create_app(assistant)
    app.state.jobs.start()  # schemathesis calls the ASGI app directly, without its lifespan
    yield app
    app.state.jobs.stop()
    assistant.close()


def _server_error(response) -> str | None:
    """A 5xx that is not the documented "busy, retry later" answer."""
    if response.status_code < 500:
        return None
    if response.status_code == 503 and response.headers.get("retry-after"):
        return None
    return f"{response.status_code}: {response.text[:300]}"


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_api_never_answers_5xx_to_schema_generated_requests(fuzz_app, mode):
    import schemathesis
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {op.label for op in operations}
    assert {"POST /api/ask", "GET /api/search", "GET /api/tasks", "POST /api/documents",
            "DELETE /api/documents/{name}"} <= labels
    failures: list[str] = []
    calls: list[int] = []
    for operation in operations:
        strategy = operation.as_strategy(generation_mode=GenerationMode(mode))

        @settings(max_examples=12, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(strategy)
        def call(case):
            for headers in ({}, {"Authorization": f"Bearer {TOKEN}"}):
                response = case.call(headers=headers)
                calls.append(response.status_code)
                problem = _server_error(response)
                if problem:
                    failures.append(f"{operation.label} {case.path_parameters} {case.query} {case.body!r:.200}"
                                    f" -> {problem}")

        try:
            call()
        except Unsatisfiable:  # negative mode: nothing in this operation can be made invalid
            assert mode == "negative", operation.label
    assert calls, "no request was made"
    assert not failures, "\n".join(failures[:10])
