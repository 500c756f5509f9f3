"""Honest abstention before answering: is the question's focal concept something the plans cover?

Two checks, both against what is stored, never against a list of topics:

- the year the question is about ("năm 2024", "kế hoạch năm 2027") is outside every plan in scope:
  the plans in scope say nothing about that year;
- the question's topic holds a content word the plans never use (after typo repair and the
  lexicon's rewording): "email", "lương", "sinh" name something the plans do not speak of.
  A question typed with diacritics is judged on its written words (folding merges "lương" with
  "lượng"); one typed without them on folded words.

After the answer is composed, two more checks read the passage it quotes (its citations), not the
whole evidence:

- the focal concept: the thing the question asks the value of — the noun a "mấy / bao nhiêu"
  counts ("mấy giờ", "bao nhiêu công chức"), the verb it quantifies ("tuyển bao nhiêu"), and the
  head of the subject of "… là gì / là bao nhiêu / là khi nào" ("Email của …", "Lương của …") —
  must be in the quoted passage, as written or through an equivalence of the lexicon. Other words
  of the question may be missing ("kế hoạch CCHC riêng", "toàn trình"): they only narrow it.
- actual figures: a question about what exists or was achieved ("hiện có", "thực tế", "có bao
  nhiêu ấp") is answered only by a passage reporting one, never by a target the plan sets.

Each failed check gives a short abstention saying what the plans do cover instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.qa.index import AnswerIndex
from assistant.qa.intents import Intent
from assistant.qa.policy import Policy
from assistant.qa.query import Query
from assistant.qa.understand import BARRIER, _aligned_tokens, _REMOVABLE_CUES, topic_tokens
from assistant.schemas import Answer
from ingest.agencies import agency_key
from ingest.periods import year_span
from ingest.vntext import fold, has_diacritics, nfc, normalise_name, tokens

_YEAR_ASKED = re.compile(r"\b(?:nam|giai doan|ke hoach(?: cai cach hanh chinh)?)\s+((?:19|20)\d{2})\b")
_BASELINE_YEAR = re.compile(r"\bso voi (?:nam )?(?:19|20)\d{2}\b")
_WORD = re.compile(r"[^\W\d_]+")


def uncovered_year(q: Query, index: AnswerIndex, scope: list[str] | None) -> tuple[int, list[str]] | None:
    """(year, plan labels) when the question asks about a year no plan in scope covers."""
    # "so với năm 2025" is a baseline the plan compares with, not the year asked about
    years = {int(y) for y in _YEAR_ASKED.findall(_BASELINE_YEAR.sub(" ", q.folded))}
    if not years:
        return None
    docs = [d for d in index.documents.values() if scope is None or d.commune in scope]
    spans = [s for s in (year_span(d.year) for d in docs) if s]
    if not spans:
        return None
    named = {d.document for d in docs}
    by_document = getattr(index, "targets_by_document", None)
    targets = [index.targets[i] for d in named for i in by_document.get(d, [])] if by_document is not None \
        else [t for t in index.targets if t.document in named]
    mentioned = {int(y) for t in targets
                 for y in re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", f"{t.sentence} {t.text}")}
    first = min(a for a, _ in spans)
    for year in sorted(years):
        # a plan may set targets for later years ("đến năm 2030"), never for the years before it
        if not any(a <= year <= b for a, b in spans) and not (year in mentioned and year > first):
            return year, sorted({d.year for d in docs if d.year})
    return None


def unknown_words(q: Query, folded_vocabulary, written_vocabulary, protected: Iterable[str],
                  policy: Policy) -> list[str]:
    """Content words of the question's topic the stored plans never use (as the user wrote them)."""
    keep = frozenset(protected)
    topic = set(q.topic.split())
    out = []
    for written in _WORD.findall(nfc(q.question)):
        folded = tokens(written)
        if len(folded) != 1 or folded[0] not in topic or folded[0] in keep:
            continue
        if len(folded[0]) < policy.focal_min_letters or (len(written) > 1 and written.isupper()):
            continue
        low = written.lower()
        known = low in written_vocabulary if has_diacritics(low) else fold(low) in folded_vocabulary
        if not known:
            out.append(written)
    return list(dict.fromkeys(out))


OFFER = ("Tôi có thể trả lời về nhiệm vụ, đơn vị chủ trì, phối hợp, thời hạn, sản phẩm và chỉ tiêu "
         "trong các kế hoạch cải cách hành chính đã nạp.")


def _where(scope: list[str] | None) -> str:
    return f" của xã {scope[0]}" if scope and len(scope) == 1 else ""


def declined(scope: list[str] | None, says: str) -> Answer:
    """The one wording of "the plans in scope do not say this", with what can be asked instead."""
    return Answer(answer=f"Xin lỗi, các kế hoạch hiện có{_where(scope)} {says}. {OFFER}", abstained=True)


def check_year(q: Query, index: AnswerIndex, scope: list[str] | None) -> Answer | None:
    """An abstention when the question asks about a year the plans in scope do not cover."""
    found = uncovered_year(q, index, scope)
    if found is None:
        return None
    year, periods = found
    return Answer(answer=(f"Xin lỗi, các kế hoạch hiện có{_where(scope)} không nói về năm {year} "
                          f"(kế hoạch hiện có: {', '.join(periods)})."), abstained=True)


def check_words(q: Query, scope: list[str] | None, speller, protected: Iterable[str], policy: Policy,
                evidence_coverage: float | None) -> Answer | None:
    """An abstention when the topic holds words the plans never use, unless the chosen evidence
    covers the rest of the question very well (`policy.focal_keep_coverage`: a paraphrase)."""
    if speller is None:
        return None
    words = unknown_words(q, speller.counts, speller.written, protected, policy)
    if len(words) < policy.focal_unknown_words:
        return None
    if evidence_coverage is not None and evidence_coverage >= policy.focal_keep_coverage:
        return None
    shown = ", ".join(f"“{w}”" for w in words)
    return declined(scope, f"không đề cập đến {shown}")


# -- the focal concept, in the quoted passage ---------------------------------------------------

_QUANTIFIERS = (("bao", "nhieu"), ("may",))
_QUANTIFIER_WRITTEN = {"may": "mấy"}          # typed with diacritics, "máy" is a machine, not "how many"
# What a quantifier is followed by before the counted noun, and verbs too generic to be focal.
_UNIT_WORDS = frozenset({"phan", "tram", "ty", "ti", "le", "buoi", "cuoc", "lan", "dot", "cai", "chiec"})
_GENERIC_VERBS = frozenset({"dat", "co", "duoc", "la", "phai", "can", "chiem", "len", "tang", "giam", "con"})
# "… là gì?", "… là bao nhiêu?": the question asks the value of its subject.
_VALUE_ASKED = (("la", "gi"), ("la", "bao", "nhieu"), ("la", "khi", "nao"), ("la", "luc", "nao"),
                ("la", "ai"), ("la", "may"), ("o", "dau"), ("la", "so", "nao"), ("dat", "bao", "nhieu"))
_RUN = 3          # syllables of a focal phrase ("công chức", "giờ", "biên chế công")
# When a service is open ("làm việc thứ bảy không", "mở cửa chủ nhật"): focal wherever said, and
# held only by a passage that says the same words side by side (folded, "thu" and "bay" are in
# every plan). Digits read as words, so "thứ 7" is "thứ bảy".
_SCHEDULE = {("thu", "bay"): ("thu", "bay"), ("thu", "7"): ("thu", "bay"), ("chu", "nhat"): ("chu", "nhat"),
             ("cuoi", "tuan"): ("cuoi", "tuan"), ("ngay", "le"): ("ngay", "le"), ("ngay", "nghi"): ("ngay", "nghi"),
             ("ngoai", "gio"): ("ngoai", "gio"), ("buoi", "toi"): ("buoi", "toi")}
_SCHEDULE_KEYS = frozenset(_SCHEDULE.values())


def _positions(seq: list[str], phrase: tuple[str, ...]) -> list[int]:
    n = len(phrase)
    return [i for i in range(len(seq) - n + 1) if tuple(seq[i:i + n]) == phrase]


def _run_from(topic: list[str], start: int) -> tuple[str, ...]:
    run: list[str] = []
    for t in topic[start:]:
        if t == BARRIER or len(run) == _RUN:
            break
        run.append(t)
    return tuple(run)


def focal_phrases(q: Query) -> list[tuple[tuple[str, ...], str]]:
    """(folded syllables, as written) of the question's focal concept: what a quantifier counts
    or quantifies, and the head of the subject whose value is asked. Commune and agency names,
    cue words and function words are never focal."""
    return [(phrase, shown) for phrase, shown, _ in _focal(q)]


def _as_asked(q: Query) -> str:
    """The question as the user put it (typos repaired), the lexicon's rewording aside."""
    return q.repaired or q.question


def _focal(q: Query) -> list[tuple[tuple[str, ...], str, bool]]:
    """`focal_phrases`, each marked whether it is the subject whose value is asked."""
    text = _as_asked(q)
    toks = _aligned_tokens(text)
    seq = [f for f, _ in toks]
    written = [w or "" for _, w in toks]
    names = [normalise_name(c) for c in q.communes] + ([agency_key(q.agency)] if q.agency else [])
    topic = topic_tokens(text, list(_REMOVABLE_CUES) + names)
    accented = has_diacritics(text)
    found: list[tuple[int, int, bool]] = []    # (start, end, subject) of focal runs in `topic`
    for phrase in _QUANTIFIERS:
        for i in _positions(seq, phrase):
            if accented and phrase[0] in _QUANTIFIER_WRITTEN and written[i].lower() != _QUANTIFIER_WRITTEN[phrase[0]]:
                continue
            j = i + len(phrase)
            while j < len(seq) and seq[j] in _UNIT_WORDS:
                j += 1
            run = _run_from(topic, j)
            if run:
                found.append((j, j + len(run), False))
            if i and topic[i - 1] != BARRIER and seq[i - 1] not in _GENERIC_VERBS:
                found.append((i - 1, i, False))          # "tuyển bao nhiêu": the verb quantified
    for phrase in _VALUE_ASKED:
        for i in _positions(seq, phrase):
            start = max((k for k in range(i) if seq[k] == BARRIER), default=-1) + 1
            head = next((k for k in range(start, i) if topic[k] != BARRIER), None)
            if head is not None:
                run = _run_from(topic[:i], head)
                found.append((head, head + len(run), True))
    out, seen = [], set()
    for a, b, subject in found:
        key = tuple(topic[a:b])
        if key and key not in seen and len("".join(key)) >= 3:
            seen.add(key)
            out.append((key, " ".join(w for w in written[a:b] if w), subject))
    for phrase, key in _SCHEDULE.items():
        for i in _positions(seq, phrase):
            if key not in seen:
                seen.add(key)
                out.append((key, " ".join(w for w in written[i:i + len(phrase)] if w), True))
    return out


def _supported(phrase: tuple[str, ...], shown: str, evidence_tokens: set[str], evidence_written: set[str],
               accented: bool, lexicon) -> bool:
    """Is the focal phrase in the passage (as written when typed with diacritics, so "lương" is not
    "lượng"), or one of its lexicon equivalents?"""
    words = [w.lower() for w in re.findall(r"[^\W\d_]+", shown)]
    if accented and len(words) == len(phrase) and all(has_diacritics(w) or w in evidence_written for w in words):
        if all(w in evidence_written for w in words):
            return True
    elif set(phrase) <= evidence_tokens:
        return True
    if lexicon is None:
        return False
    wanted = set(phrase)
    for entry in lexicon.entries:
        keys = [entry.term_key, *entry.variant_keys]
        if not any(wanted <= set(k) for k in keys):
            continue
        if any(set(k) <= evidence_tokens and not wanted <= set(k) for k in keys) or \
                any(wanted <= set(k) and set(k) <= evidence_tokens for k in keys if k != phrase):
            return True
    return False


def _partly_there(phrase: tuple[str, ...], shown: str, evidence_tokens: set[str], evidence_written: set[str],
                  accented: bool, subject: bool, evidence_pairs: frozenset[tuple[str, str]]) -> bool:
    """Is one syllable of the phrase there? Of a subject whose value is asked, its head (first
    syllable) must be: "trang" does not make "địa chỉ trang web" partly there; of a subject of
    several syllables, two of them side by side: "số" and "thoại" (of "chuyển đổi số", "đối
    thoại") do not make "số điện thoại" partly there."""
    words = [w.lower() for w in re.findall(r"[^\W\d_]+", shown)]
    if subject and len(phrase) > 1:
        return any(pair in evidence_pairs for pair in zip(phrase, phrase[1:]))
    if subject:
        phrase, words = phrase[:1], words[:1]
    if accented and len(words) == len(phrase):
        return any(w in evidence_written if has_diacritics(w) else f in evidence_tokens for w, f in zip(words, phrase))
    return any(f in evidence_tokens for f in phrase)


def unsupported_focus(q: Query, evidence: str, lexicon=None, absent_only: bool = False,
                      held: Iterable[str] = ()) -> list[str]:
    """The focal phrases of `q` (as written) the quoted `evidence` does not hold; with
    `absent_only`, only those not one syllable of which is there (the concept is missing, not
    merely worded otherwise: how close the wording is, coverage judges). `held`: folded phrases
    the evidence stands for (a section named by them in `sections.tsv`)."""
    held_keys = [f" {h} " for h in held]
    sequence = tokens(evidence)
    evidence_tokens = set(sequence)
    evidence_pairs = frozenset(zip(sequence, sequence[1:]))
    evidence_written = {w.lower() for w in re.findall(r"[^\W\d_]+", nfc(evidence))}
    accented = has_diacritics(_as_asked(q))
    return [shown for phrase, shown, subject in _focal(q)
            if not any(f" {' '.join(phrase)} " in h for h in held_keys)
            and not (tuple(phrase) in evidence_pairs if phrase in _SCHEDULE_KEYS else
                    _supported(phrase, shown, evidence_tokens, evidence_written, accented, lexicon))
            and not (absent_only and _partly_there(phrase, shown, evidence_tokens, evidence_written, accented,
                                                   subject, evidence_pairs))]


def focus_held(q: Query, evidence: str, lexicon=None) -> bool:
    """Does the question have a focal concept, and does `evidence` hold all of it?"""
    return bool(focal_phrases(q)) and not unsupported_focus(q, evidence, lexicon)


# Answers composed from the plan's own metadata or from the registry as a whole: no passage to judge.
_METADATA_KINDS = frozenset({"signer", "number", "issue_date", "title", "period", "province", "district", "person"})


def quoted_evidence(answer: Answer) -> str:
    """What the answer rests on, as quoted: every citation's text and section."""
    return "\n".join(f"{c.section or ''}\n{c.text or ''}" for c in answer.citations)


def judged(q: Query, answer: Answer) -> bool:
    """Does this answer quote a passage for the question's focal concept (not a list, a count, a
    comparison or a metadata field)?"""
    return bool(not answer.abstained and answer.citations and not q.count and not q.compare
                and not q.listing and not (q.intent == Intent.FACT and q.fact_kind in _METADATA_KINDS))


# "bao nhiêu tiền", "mấy triệu": a sum of money is asked, which only a passage stating one
# answers ("ngân sách" or "100% … tài chính" is the topic, not the sum).
_MONEY_ASKED = re.compile(r"\b(?:bao nhieu|may) (?:tien|dong|trieu|ty|nghin|ngan)\b")
_MONEY_SAID = re.compile(r"\d[\d.,]*\s*(?:đồng|triệu|tỷ|nghìn|ngàn|vnđ|vnd)\b", re.IGNORECASE)


def check_focus(q: Query, answer: Answer, scope: list[str] | None, lexicon=None,
                held: Iterable[str] = ()) -> Answer | None:
    """An abstention when the quoted passage does not hold the focal concept of the question
    (`held`: folded phrases the passage stands for, see `unsupported_focus`), or a sum of
    money asked that it does not state."""
    if not judged(q, answer):
        return None
    evidence = quoted_evidence(answer)
    if _MONEY_ASKED.search(fold(_as_asked(q)).lower()) and not _MONEY_SAID.search(evidence):
        return declined(scope, "không nêu số tiền cụ thể cho nội dung này")
    missing = unsupported_focus(q, evidence, lexicon, absent_only=True, held=held)
    if not missing:
        return None
    shown = ", ".join(f"“{w}”" for w in missing)
    return declined(scope, f"không nêu {shown} về nội dung này")


# -- actual figures, not targets -----------------------------------------------------------------

# Wording of a passage that reports what was achieved or exists, not what is aimed at. Matched
# as written: folded, "thực hiện cơ chế" holds "hien co" and "tính đến" is "tỉnh đến".
_REPORTED = re.compile(r"(?<![^\W\d_])(?:đã đạt|đạt được|(?<!thực )hiện có|tính đến|kết quả đạt|năm qua|"
                       r"đã thực hiện|đã giải quyết|đã tiếp nhận|hiện nay có|thực tế)(?![^\W\d_])")


def check_actual(q: Query, answer: Answer, scope: list[str] | None) -> Answer | None:
    """An abstention when an actual figure is asked and the quoted passage only sets a target;
    it says, in one line, what the plan does set."""
    if not q.actual or not judged(q, answer):
        return None
    if _REPORTED.search(" ".join(nfc(quoted_evidence(answer)).lower().split())):
        return None
    line = " ".join(answer.answer.split())
    line = line if len(line) <= 300 else line[:299].rsplit(" ", 1)[0] + "…"
    return Answer(answer=(f"Xin lỗi, các kế hoạch hiện có{_where(scope)} không nêu số liệu thực tế (hiện có, "
                          f"đã đạt) về nội dung này, chỉ đặt chỉ tiêu. Gần nhất: {line}"),
                  abstained=True)


# -- a day or month asked of a deadline that gives none ------------------------------------------

_DAY_ASKED = re.compile(r"\b(?:thang nao|ngay nao|ngay may|hom nao|ngay bao nhieu|thang may)\b")
_DAY_OR_MONTH = re.compile(r"\b(?:ngày|tháng|quý)\s*(?:\d|[IVX]+\b)|\d{1,2}/\d{1,4}", re.IGNORECASE)


def check_day_asked(q: Query, answer: Answer, scope: list[str] | None, deadlines: Iterable[str]) -> Answer | None:
    """"Tổ chức vào tháng nào?" of a task whose deadline is a year or ongoing ("Năm 2026", "Hàng
    năm"): the plan gives no day or month; said so, with the deadline it does give."""
    given = [d for d in deadlines if d]
    if answer.abstained or not given or not _DAY_ASKED.search(fold(_as_asked(q)).lower()) \
            or any(_DAY_OR_MONTH.search(d) for d in given) or _DAY_OR_MONTH.search(answer.answer):
        return None
    shown = "; ".join(f"“{d}”" for d in dict.fromkeys(given))
    return declined(scope, f"không nêu ngày, tháng cụ thể cho việc này (thời gian hoàn thành chỉ ghi {shown})")
