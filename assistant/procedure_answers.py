"""The short, exact answer to a procedure question, quoted from the record: one body per facet
asked (documents checklist, time and fee per channel, where to submit, steps, conditions,
result, agency, legal bases, applicants), or the clause of the record that tells the case
asked, with the card's header, footer and citations. Answers say plainly when the record does
not give the fact ("hồ sơ không ghi …"). `answer_question` joins facet detection
(`procedure_facets`), matching (`procedure_matching`) and the answer for callers without a
store."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from itertools import zip_longest

from assistant.excerpts import Step, outline_steps, shorten as _short, split_steps
from assistant.procedure_facets import ELIGIBILITY, PLACE_ASKED, WHO_DOES, detect_facets
from assistant.procedure_lexicon import contains_sequence, contradicted, load_contrasts, load_lexicon, matching_entries
from assistant.procedure_matching import (
    NAME_STOPWORDS,
    QUESTION_STOPWORDS,
    ProcedureIndex,
    ProcedureMatch,
    is_confident,
    name_head,
    naming_tokens,
    question_content,
    rank_procedures,
    runner_up,
    word_pairs,
)
from assistant.qa.policy import DEFAULT_POLICY
from assistant.schemas import Answer, Citation
from ingest.periods import find_date_range
from ingest.procedure_models import Procedure, RequiredDocument, SubmissionWay
from ingest.vntext import GOES_ON_IN_LOWER_CASE, fold, tokens

INTENT = "procedure"
MAX_ANSWER_CHARS = DEFAULT_POLICY.procedure_answer_chars

_STEPS_LABEL = "Trình tự thực hiện"      # the steps field, as answers and citations name it
_SHORT_DOC = 65
_SHORT_DOC_FEW = 80     # a short checklist (at most _FEW_DOCS items) can give each item more words
_FEW_DOCS = 5
_SHORT_DOC_ONLY = 240   # the one document row of a record that lists one
_CASE_ROOM = 20         # more for an item whose case the question tells


def _group_label(kind: str, group: str) -> str:
    if kind == "present":
        return "Phải xuất trình"
    if kind == "submit":
        return "Phải nộp"
    return _short(group, 80)


def _case_fit(group: str, question: str) -> int:
    """How many of a case heading's words ("Trường hợp cấp mới …") the question says."""
    asked = set(tokens(question)) - QUESTION_STOPWORDS
    return len(asked & (set(tokens(group)) - NAME_STOPWORDS - {"truong", "hop"}))


# The cases a record's documents split into and that a question rules out by saying the other:
# the slots of `data/lexicon/contrasts.tsv` (read for names too), and the first time against a
# redo ("lần đầu" / "bầu lại"), which names do not contrast ("Đăng ký xe lần đầu" beside "Cấp lại").
_FIRST_OR_AGAIN = (("lan", "dau"), ("lai",))


@lru_cache(maxsize=1)
def _case_contrasts() -> tuple:
    return (*load_contrasts(), _FIRST_OR_AGAIN)


def _ruled_out(cases: Sequence[str], question: str) -> set[str]:
    """The case headings that name another case of a contrast than the one the question says:
    "Trường hợp bầu lại …" when it says "lần đầu"."""
    asked = tuple(tokens(question))
    contrasts = _case_contrasts()
    said = frozenset(m for members in contrasts for m in members if contains_sequence(asked, m))
    return {g for g in cases if contradicted(said, tuple(tokens(g)), contrasts)} if said else set()


# Words every document name is made of: a pair of them alone ("giấy chứng" of "giấy chứng tử",
# "giấy chứng nhận", "giấy chứng sinh") names no document in particular.
_DOCUMENT_WORDS = frozenset({"giay", "chung", "nhan", "to", "ban", "sao", "chinh", "van", "don", "mau",
                             "ho", "so", "the", "tuc"})
_NAMING_PAIR_DOCS = 2      # a pair in more of a record's documents than this names none of them
_PHRASE_BREAK = re.compile(r"[,;:.()/]")


def _asked_documents(procedure: Procedure, docs: Sequence[RequiredDocument], question: str) -> list[RequiredDocument]:
    """The documents the question names ("có cần giấy chứng sinh không"): a pair of the
    question's naming words (no numbers, no question words, none of the procedure's name: they
    would pick any document that repeats the name) in the document's name; most pairs first."""
    q_tokens = naming_tokens(question)
    named = set(tokens(procedure.name))
    pairs = {f"{a}_{b}" for a, b in zip(q_tokens, q_tokens[1:])
             if not {a, b} & (named | QUESTION_STOPWORDS) and not (a.isdigit() or b.isdigit())
             and not {a, b} <= _DOCUMENT_WORDS}
    # (pairs within a name's phrases: "ông, bà, cha, mẹ" holds no "ông bà")
    doc_pairs = [set().union(*(word_pairs(tuple(tokens(part))) for part in _PHRASE_BREAK.split(d.name)))
                 for d in docs]
    # a pair most documents share ("đăng ký" of "đăng ký hộ tịch") names none of them
    pairs = {pair for pair in pairs if sum(pair in dp for dp in doc_pairs) <= _NAMING_PAIR_DOCS}
    if not pairs:
        return []
    hits = [(len(pairs & dp), i, d) for i, (d, dp) in enumerate(zip(docs, doc_pairs))]
    return [d for n, _, d in sorted(hits, key=lambda h: (-h[0], h[1])) if n]


# "ngoài tờ trình và dự thảo thì còn cần gì": the documents named are the ones the citizen has.
_BESIDES = re.compile(r"(?<![0-9a-z])ngoai(?![0-9a-z]).*(?<![0-9a-z])(?:con|them|kem)(?![0-9a-z])")


# "Người nước ngoài, công dân Việt Nam định cư ở nước ngoài phải nộp bản sao hộ chiếu/…": the
# document is what the person files; a checklist item starts there.
_WHO_FILES = re.compile(r"^[-+•\s]*(?:người|công dân|cá nhân|tổ chức|hộ gia đình|bên|cha|mẹ|vợ|chồng)\b[^:;.]{0,80}?"
                        r"\b(?:phải nộp|phải xuất trình|nộp|xuất trình)\s+(?=\S.{11,})", re.IGNORECASE)


# "Trường hợp cha hoặc mẹ … là người nước ngoài thì phải nộp văn bản thỏa thuận …": once the
# question tells that case, the item is its document.
_CASE_FILES = re.compile(r"^[-+•\s]*(?:trường hợp|nếu)\b[^:;.]{0,120}?\bthì\s+(?:phải\s+)?(?:nộp|xuất trình)\s+(?=\S.{11,})",
                         re.IGNORECASE)
# A foreign person in the citizen's story ("vợ mình người Hàn", "lấy chồng Hàn Quốc"): an everyday
# name of the lexicon for the foreign element (`data/lexicon/procedures.tsv`), the case the
# records write "người nước ngoài".
_FOREIGN_CASE = "nguoi nuoc ngoai"
_FOREIGN_ELEMENT = {"nuoc", "ngoai"}


@lru_cache(maxsize=1)
def _lexicon() -> tuple:
    return load_lexicon()


def _item_name(name: str, case_told: bool = False) -> str:
    """A checklist item's document: the object of "… phải nộp …" when the item says who files
    it, or (`case_told`) in which case."""
    found = _WHO_FILES.match(name) or (_CASE_FILES.match(name) if case_told else None)
    if not found:
        return name
    return name[found.end():]


def _foreign_case_documents(docs: Sequence[RequiredDocument], question: str) -> list[RequiredDocument]:
    """The conditional documents of a foreign person's case that say what to file in it
    ("… là người nước ngoài thì phải nộp …"), when the question tells such a case."""
    if not any(_FOREIGN_ELEMENT <= set(e.target_tokens) for e in matching_entries(tokens(question), _lexicon())):
        return []
    found = [(d, _CASE_FILES.match(d.name)) for d in docs if d.conditional]
    return [d for d, case in found if case and _FOREIGN_CASE in " ".join(tokens(d.name[:case.end()]))]


# What a cut checklist item must still say: the short name the record gives it ("… (sau đây
# gọi tắt là giấy tờ tùy thân)") and the form to fill in ("theo Mẫu số 06 Phụ lục IV …").
_ITEM_ALIAS = re.compile(r"\((?:sau đây )?gọi (?:tắt|chung) là ([^)]{3,40})\)")
_ITEM_FORM = re.compile(r"\b[Mm]ẫu(?: số)? (?:[0-9]{1,3}[a-z]?|[A-Z]{1,4}[0-9]{1,3}[a-z]?)(?:/[0-9A-ZĐ\-]+)?\b")


# "mất bản sao rồi thì nộp gì thay": the item's own "Nếu không có … thì nộp …" answers it
_LACKING_ASKED = re.compile(r"(?<![0-9a-z])(?:thay the|thay vao|khong co|bi mat|mat het|mat ca|da mat|lam mat|"
                            r"that lac|danh mat|khong con)(?![0-9a-z])")
_ITEM_ALTERNATIVE = re.compile(r"(?:Nếu|Trường hợp)\s+không\s+có\b[^.;]*?\bthì\b[^.;]+", re.IGNORECASE)


def _alternative_of(name: str) -> re.Match | None:
    """The item's "Nếu không có … thì nộp …", if it says one."""
    return _ITEM_ALTERNATIVE.search(" ".join(name.split()))


def _item_text(name: str, limit: int, first_clause: bool, lacking: bool = False) -> str:
    """A checklist item cut near `limit`, followed by the short name and the (first) form its
    first sentence gives when the cut left them out ("Đơn đề nghị xác nhận nguồn gốc … (Mẫu số 06)");
    `lacking` (the citizen lacks a paper): with the item's alternative ("Nếu không có … thì nộp …")."""
    shown = _short(name, limit, first_clause)
    alternative = _alternative_of(name) if lacking else None
    if alternative and alternative.group(0) not in shown:
        return f"{shown.rstrip('…').rstrip(' .;,')}; {alternative.group(0).strip()}"
    if not shown.endswith("…"):
        return shown
    flat = " ".join(name.split())
    sentence = flat[:flat.find(". ", 12) if flat.find(". ", 12) > 0 else len(flat)]   # a later one is a note
    form = _ITEM_FORM.search(sentence)
    extras = [m.group(1).strip() for m in _ITEM_ALIAS.finditer(sentence)] + ([form.group(0)] if form else [])
    extras = [e for e in dict.fromkeys(extras) if e not in shown]
    return shown + (f" ({', '.join(extras[:2])})" if extras else "")


def _checklist_lines(ordered: Sequence[RequiredDocument], budget: int, item_chars: int,
                     shared_kind: dict[str, str], lacking: bool = False,
                     told: frozenset[int] = frozenset()) -> dict[int, str]:
    """{id(document): checklist line} for the documents that fit `budget`, in `ordered`'s order;
    an item's copies are left to its heading when `shared_kind` gives them for its group.
    A record's only document row is shown whole up to `_SHORT_DOC_ONLY`: such a cell often
    lists several papers ("Đơn đề nghị … (Mẫu số PC22 …); giấy chứng tử hoặc trích lục khai tử")."""
    lines: dict[int, str] = {}
    used = 0
    limit, first_clause = (_SHORT_DOC_ONLY, False) if len(ordered) == 1 else (item_chars, True)
    for doc in ordered:
        kind = "" if shared_kind.get(_group_label(doc.group_kind, doc.group)) == doc.kind_text else doc.kind_text
        case_told = id(doc) in told       # (its case said, its document gets the room the case took)
        line = f"☐ {_item_text(_item_name(doc.name, case_told), limit + _CASE_ROOM * case_told, first_clause, lacking)}" + \
            (f" ({kind})" if kind else "")
        if used + len(line) > budget and lines:
            break
        lines[id(doc)] = line
        used += len(line) + 1
    return lines


# The form the citizen fills in ("Đơn đề nghị …", "Tờ khai …", "Giấy đề nghị …"): the first
# thing a checklist names, wherever the record lists it.
_APPLICATION_FORM = re.compile(r"^(?:ban (?:chinh|sao) )?(?:don(?! vi)|to khai|ban khai|(?:giay|phieu|van ban) de nghi)(?![0-9a-z])")


def _is_application_form(doc: RequiredDocument) -> bool:
    return bool(_APPLICATION_FORM.match(" ".join(tokens(_item_name(doc.name)))))


# "Mẫu hộ tịch điện tử tương tác …": the same form filled in online; beside the paper form it
# takes a line another document needs (it stays in the full list of the «Thủ tục» tab).
_ONLINE_FORM = re.compile(r"\bdien tu tuong tac\b")


def _is_online_form(doc: RequiredDocument) -> bool:
    return bool(_ONLINE_FORM.search(" ".join(tokens(doc.name))))


# "phải nộp mấy bộ hồ sơ": how many sets, which a note or a step of the record states
_SETS_ASKED = re.compile(r"(?<![0-9a-z])(?:may|bao nhieu|so luong|so) bo(?![0-9a-z])")
_SETS_SAID = re.compile(r"[^.;\n]*\b\d{1,2} bộ\b[^.;\n]*")
_SETS_CHARS = 140


def _sets_sentence(procedure: Procedure) -> str:
    """The record's sentence saying how many sets of the file to bring, notes before steps."""
    notes = [d.name for d in procedure.documents if d.group_kind == "note"]
    for text in notes + [d.name for d in procedure.documents if d.group_kind != "note"] + [procedure.steps]:
        found = _SETS_SAID.search(" ".join((text or "").split()))
        if found:
            sentence = found.group(0).strip(" -+")
            return _keeping(sentence, re.search(r"\d{1,2} bộ", sentence), _SETS_CHARS)
    return ""


def _documents_text(procedure: Procedure, budget: int, question: str = "") -> tuple[str, str]:
    docs = [d for d in procedure.documents if d.group_kind != "note"]
    if not docs:
        return "hồ sơ không ghi thành phần hồ sơ.", ""
    sets = _sets_sentence(procedure) if _SETS_ASKED.search(" ".join(tokens(question))) else ""
    if sets:
        text, quoted = _documents_text(procedure, budget - len(sets) - 1)
        return f"{sets}\n{text}", f"{sets}\n{quoted}"
    # The documents everyone brings first; "Trường hợp …" rows only when few others exist.
    group_order = {"submit": 0, "present": 1, "case": 2}
    everyone = [d for d in docs if not d.conditional and (d.originals or d.copies)]
    if any(_is_application_form(d) for d in everyone):
        everyone = [d for d in everyone if not _is_online_form(d)]
    everyone.sort(key=lambda d: not _is_application_form(d))
    # One from each group in turn, so "phải nộp" and "phải xuất trình" both show.
    # (Groups of one kind share a turn: two "phải nộp" groups do not crowd out "phải xuất trình".)
    by_group: dict[str, list[RequiredDocument]] = {}
    for doc in sorted(everyone, key=lambda d: group_order.get(d.group_kind, 3)):
        key = doc.group if doc.group_kind == "case" else _group_label(doc.group_kind, doc.group)
        by_group.setdefault(key, []).append(doc)
    # The groups everyone files share the list in turn; "Trường hợp …" groups are alternatives:
    # the case the question fits best (else the record's first) is listed whole first.
    shared = [g for g, ds in by_group.items() if ds[0].group_kind != "case"]
    cases = sorted((g for g in by_group if g not in shared), key=lambda g: -_case_fit(g, question))
    ordered = [doc for layer in zip_longest(*(by_group[g] for g in shared)) for doc in layer if doc is not None]
    # a case the question rules out ("bầu lại" when it says "lần đầu") stays in the tab
    ruled_out = _ruled_out(cases, question)
    listed_cases = [g for g in cases if g not in ruled_out] or cases
    ordered += [doc for g in listed_cases for doc in by_group[g]]
    untold = {id(doc) for g in cases if g not in listed_cases for doc in by_group[g]}
    if len(ordered) < 2:    # the case's other rows before the cases not told
        ordered += sorted((d for d in docs if d not in ordered), key=lambda d: id(d) in untold)
    asked = [d for d in _asked_documents(procedure, docs, question) if id(d) not in untold]
    foreign = _foreign_case_documents(docs, question)
    asked += [d for d in foreign if d not in asked]
    told = frozenset(id(d) for d in foreign)
    if _BESIDES.search(" ".join(tokens(question))):
        ordered = [d for d in ordered if d not in asked] + asked    # "ngoài tờ trình … còn cần gì"
    else:
        ordered = asked + [d for d in ordered if d not in asked]
    # A group whose listed documents want the same copies says so once, in its heading
    # ("Phải nộp (mỗi loại 1 bản chính):"); an item that wants other copies says its own.
    item_chars = _SHORT_DOC_FEW if len(docs) <= _FEW_DOCS else _SHORT_DOC
    lacking = bool(_LACKING_ASKED.search(" ".join(tokens(question))))
    if lacking:     # the items saying what to file instead answer first
        ordered = sorted(ordered, key=lambda d: _alternative_of(d.name) is None)
    first = _checklist_lines(ordered, budget, item_chars, {}, lacking, told)
    kinds: dict[str, list[str]] = {}
    for doc in ordered:
        if id(doc) in first:
            kinds.setdefault(_group_label(doc.group_kind, doc.group), []).append(doc.kind_text)
    shared_kind = {label: k[0] for label, k in kinds.items() if len(k) > 1 and len(set(k)) == 1 and k[0]}
    lines = _checklist_lines(ordered, budget, item_chars, shared_kind, lacking, told)
    # Printed under the record's group headings, each heading once (a record may split "phải
    # nộp" in two), headings and items in the record's order.
    out: list[str] = []
    quoted: list[str] = []
    shown = [doc for doc in docs if id(doc) in lines]
    labels = list(dict.fromkeys(_group_label(doc.group_kind, doc.group) for doc in shown))
    for label in labels:
        out.append(f"{label} (mỗi loại {shared_kind[label]}):" if label in shared_kind else f"{label}:")
        for doc in (d for d in shown if _group_label(d.group_kind, d.group) == label):
            out.append(lines[id(doc)])
            quoted.append(doc.name)
    rest = len(docs) - len(lines)
    if rest:
        out.append(f"… và {rest} giấy tờ khác theo từng trường hợp (đủ ở thẻ «Thủ tục»).")
    return "\n".join(out), "\n".join(quoted)


def _group_ways(ways: Sequence[SubmissionWay], render) -> list[str]:
    """"Trực tuyến, Trực tiếp: 3 Ngày làm việc" — channels with the same value share a line."""
    groups: dict[str, list[str]] = {}
    for way in ways:
        groups.setdefault(render(way), [])
        if way.channel_text not in groups[render(way)]:
            groups[render(way)].append(way.channel_text)
    return [f"{', '.join(channels)}: {value}" for value, channels in groups.items()]


def _time_value(way: SubmissionWay) -> str:
    time = way.time
    if not time.known:
        return "hồ sơ không ghi thời gian giải quyết"
    if not time.unit_given:
        return f"{time.text} (hồ sơ không ghi đơn vị: ngày hay ngày làm việc)"
    return time.text


_AMOUNT = re.compile(r"\d{1,3}(?:[.,]\d{3})+\s*(?:đồng|VNĐ|VND)|\d+\s*%", re.IGNORECASE)


_REFUND_WORDS = frozenset({"tra", "lai"})      # "trả lại (tiền)", beside "hoàn (tiền, trả)"
_REFUND_SAID = re.compile(r"(?<![0-9a-z])(?:hoan tra|hoan lai|tra lai)(?![0-9a-z])")


def _in_force(sentence: str, today: date) -> bool:
    """Does the sentence name a range of days ("Kể từ ngày 01/7/2025 đến hết ngày 31/12/2026")
    that holds `today`?"""
    span = find_date_range(sentence, today)
    return span is not None and span[0] <= today <= span[1]


def _fee_note(note: str, chars: int, asked: frozenset[str] = frozenset(), today: date | None = None) -> str:
    """A fee note within `chars`; a long one keeps the sentence saying two or more of the
    question's own words `asked` ("nhà tôi thuộc hộ nghèo" → "Miễn lệ phí cho … người thuộc hộ
    nghèo"; among the sentences stating amounts when some do), else the rate in force `today`
    ("Kể từ ngày 01/7/2025 đến hết ngày 31/12/2026 mức thu … bằng 50%"), else the part stating
    amounts ("… do cơ quan kiểm tra địa phương thực hiện: 700.000 đồng/cơ sở"), which the fee
    cell may have lost."""
    flat = " ".join(note.split())
    sentences = re.split(r"(?<=[.;])\s+", flat)
    if _REFUND_WORDS <= asked or "hoan" in asked:
        # "có được trả lại tiền không": the sentence on refunds answers, amount or not
        refund = next((c for c in sentences if _REFUND_SAID.search(" ".join(tokens(c)))), None)
        if refund is not None:
            return _keeping(flat, re.search(re.escape(refund), flat), chars)
    # an amount answers a fee question first: the asked sentence is looked for among those
    # stating amounts, when any does
    pool = [c for c in sentences if _AMOUNT.search(c)] or sentences
    said, sentence = max(((len(asked & set(tokens(c))), c) for c in pool), default=(0, ""))
    if said < 2:
        when = today or date.today()
        current = next(((c, amount) for c in pool if (amount := _AMOUNT.search(c)) and _in_force(c, when)), None)
        if current is None:
            return _keeping(flat, _AMOUNT.search(flat), chars)
        # kept from the sentence's start to its amount, so the dates stay in view
        rate, amount = current
        up_to_amount = re.compile(re.escape(rate[:amount.end()]))
        return _keeping(flat, up_to_amount.search(flat, flat.find(rate)), chars)
    start = flat.find(sentence)
    return _keeping(flat, _AMOUNT.search(flat, start, start + len(sentence))
                    or re.search(re.escape(sentence), flat), chars)


def _keeping(text: str, found: re.Match | None, chars: int) -> str:
    """`text` within `chars`, keeping the span `found` (a match on the whitespace-normalised
    text: the figure that answers) when a plain cut would lose it."""
    text = " ".join(text.split())
    if len(text) <= chars:
        return text
    if found is None or found.end() <= chars - 1:
        return _short(text, chars)
    if found.end() - found.start() > chars // 2:       # a sentence kept: from its start
        return "…" + _short(text[found.start():], chars - 1)
    start = max(text.rfind(" ", 0, max(found.start() - chars // 2, 0)), 0)
    return "…" + _short(text[start:].lstrip(), chars - 1)


def _fee_value(way: SubmissionWay, note: bool = True, note_chars: int = 120,
               asked: frozenset[str] = frozenset(), today: date | None = None) -> str:
    fee = way.fee
    # the way's description may be where the amounts are explained ("2.000 đồng/trang; từ trang
    # thứ 3 trở lên thu 1.000 đồng/trang …") when the fee cell has no note of its own
    explained = fee.note or (way.description if fee.kind != "unknown" and _AMOUNT.search(way.description or "") else "")
    if fee.kind == "unknown" and not fee.note:
        return "hồ sơ không ghi lệ phí"
    text = fee.text if fee.kind != "unknown" else "hồ sơ không ghi mức lệ phí"
    if fee.per:
        text += f" {fee.per}"
    if explained and note:
        text += f" ({_fee_note(explained, note_chars, asked, today)})"
    elif fee.set_by_council:
        text += " (mức cụ thể do Hội đồng nhân dân tỉnh quyết định)"
    return text


# The office's processing time as a step states it: "… cấp Giấy chứng nhận … trong thời hạn 03
# ngày làm việc kể từ ngày nhận hồ sơ".
_PROCESSING_CLAUSE = re.compile(r"[^.;\n]*\bthời hạn\s+(?:không quá\s+)?\d+\s*ngày[^.;\n]*\bkể từ (?:ngày|khi) nhận[^.;\n]*",
                                re.IGNORECASE)


_STEPS_SAY = f"{_STEPS_LABEL} ghi"      # how an answer introduces what it quotes from the steps


def _described_time(procedure: Procedure) -> tuple[str, str]:
    """(where, text) stating the time the time cells lack: a way's description ("05 ngày làm
    việc kể từ …"), else the step that gives the processing time; ("", "") when none does."""
    described = next((w.description for w in procedure.ways if re.search(r"\d+ ngày", w.description)), "")
    if described:
        return "Mô tả trong hồ sơ", described
    step = _PROCESSING_CLAUSE.search(procedure.steps or "")
    return (_STEPS_SAY, " ".join(step.group(0).split())) if step else ("", "")


# "Thời hạn giải quyết …: - Trường hợp cấp sổ BHXH, thẻ BHYT mới: Không quá 05 ngày": a time
# per case, written in the steps, beside the one time of the ways table.
_CASE_TIME = re.compile(r"Trường hợp ([^:\n]{5,120}): ((?:[Kk]hông quá |[Tt]rong )?\d+ (?:ngày|giờ)(?: làm việc)?)")
# ... or after the general one: "Trong thời hạn 20 ngày (hoặc 15 ngày đối với nhà ở riêng lẻ) …"
_TIME_FOR_CASE = re.compile(r"\d+ (?:ngày|giờ)(?: làm việc)? đối với ((?:(?!\s+kể từ)[^,;.()\n]){5,80})")
_CASE_TIME_MIN_WORDS = 2      # of the question's own words the case must say


def _case_time(procedure: Procedure, question: str) -> str:
    """The time the record gives for the case the question tells ("Trường hợp cấp sổ BHXH, thẻ
    BHYT mới: Không quá 05 ngày" for "bao lâu có sổ BHXH"), or ""."""
    if not question:
        return ""
    said = set(tokens(question))
    naming = set(question_content(naming_tokens(question)))
    cases = []
    for m in [*_CASE_TIME.finditer(procedure.steps), *_TIME_FOR_CASE.finditer(procedure.steps)]:
        words = set(tokens(m.group(1))) - NAME_STOPWORDS
        if words and len(words & naming) >= _CASE_TIME_MIN_WORDS:
            # the case the question says most of, then the one it tells most fully
            told = len(words & said)
            cases.append(((told, told / len(words)), m.group(0)))
    best, line = max(cases, default=((0, 0.0), ""))
    if cases and sum(n == best for n, _ in cases) == 1:
        return line
    return _step_time(procedure, question)


# "… rồi thì bao lâu được bàn giao rừng": what is asked comes after the last "thì"; before it,
# what has happened already.
_STEP_TIME = re.compile(r"\b(?:trong (?:thời hạn|vòng) )?\d{1,3} ngày(?: làm việc)?", re.IGNORECASE)
_STEP_TIME_CHARS = 170


# (after "thì", "ban" is the "bàn" of "bàn giao", not "bạn")
_ASKED_PART_STOPWORDS = (QUESTION_STOPWORDS - {"ban"}) | {"lau"}


def _then_part(question: str) -> list[str]:
    """The question's content tokens after its last "thì" ([] when there is none)."""
    words = tokens(question)
    cuts = [i for i, w in enumerate(words) if w == "thi"]
    return [w for w in words[cuts[-1] + 1:] if w not in _ASKED_PART_STOPWORDS] if cuts else []


def _asked_part(question: str) -> list[str]:
    """The question's content tokens after its last "thì"; when fewer than two follow, those of
    its last sentence ("… quy trình rút gọn. Trước khi gửi hồ sơ xin chấp thuận thì phải làm bước
    gì?": the story comes first), else all of them."""
    after = _then_part(question)
    if len(after) >= 2:
        return after
    sentences = [s for s in re.split(r"[.?!]\s+", question.strip()) if s.strip()]
    last = [w for w in tokens(sentences[-1]) if w not in _ASKED_PART_STOPWORDS] if sentences else []
    return last if len(sentences) > 1 and len(last) >= 2 else \
        [w for w in tokens(question) if w not in _ASKED_PART_STOPWORDS]


def _step_fit(step_text: str, asked: list[str]) -> int:
    """Words of `asked` the step says, and its word pairs once more ("bàn giao" beside "ban hành")."""
    words = tokens(step_text)
    return len(set(asked) & set(words)) + len(word_pairs(asked) & word_pairs(words))


def _step_time(procedure: Procedure, question: str) -> str:
    """The step a "… rồi thì bao lâu …" question asks the time of, with its time ("Bước 4: Bàn
    giao rừng — Trong thời hạn 05 ngày làm việc …"), when one step, and only one, fits best."""
    asked = _then_part(question)
    if len(asked) < 2:
        return ""             # "… thì mất bao lâu": the procedure's own time, not a step's
    _, steps = split_steps(procedure.steps or "")
    # a step is asked by its title ("Bước 4: Bàn giao rừng"): steps without titles are not told apart
    titled = [(step, step.text.split(" — ", 1)[0], _STEP_TIME.search(step.text)) for step in steps]
    fits = sorted(((_step_fit(title, asked), i) for i, (step, title, when) in enumerate(titled)
                   if when and " — " in step.text), reverse=True)
    if not fits or fits[0][0] < _CLAUSE_MIN_WORDS or (len(fits) > 1 and fits[1][0] == fits[0][0]):
        return ""
    step, _, when = titled[fits[0][1]]
    shown = _keeping(step.text, when, _STEP_TIME_CHARS)
    return f"{step.label}: {shown}" if step.label else shown


def _time_text(procedure: Procedure, tight: bool = False, case: str = "") -> str:
    """The ways' times, the steps' own time when the ways give none, and `case`: the time the
    steps give for the case asked (`_case_time`)."""
    if not procedure.ways:
        return "hồ sơ không ghi thời gian giải quyết."
    lines = _group_ways(procedure.ways, _time_value)
    if all(not w.time.known for w in procedure.ways):
        where, described = _described_time(procedure)
        if described:
            figure = re.search(r"\d+\s*ngày(?: làm việc)?", " ".join(described.split()))
            lines.append(f"{where}: {_keeping(described, figure, _TIGHT_CHARS if tight else 200)}")
    if case:
        lines.append(f"{_STEPS_SAY}: {case}")
    return "Thời gian giải quyết:\n" + "\n".join(lines)


def _fee_text(procedure: Procedure, tight: bool = False, question: str = "", today: date | None = None) -> str:
    if not procedure.ways:
        return "hồ sơ không ghi lệ phí."
    chars = _TIGHT_CHARS // 2 if tight else 120
    asked = _asked_words(question, procedure.name)
    return "Phí, lệ phí:\n" + "\n".join(_group_ways(
        procedure.ways, lambda w: _fee_value(w, note_chars=chars, asked=asked, today=today)))


# A step that says where the file goes ("nộp … cho cơ quan BHXH nơi chi trả lương hưu", "gửi đến
# Ủy ban nhân dân cấp xã nơi người kê khai đang cư trú"): often more exact than "Cơ quan thực hiện".
_SUBMITTED_TO = re.compile(r"(?:\b(?:nộp|gửi)\b(?P<what>[^.;:\n]{0,120}?)\b(?:tại|đến|cho|về)\s+|"
                           r"\b(?:công dân|người dân|cá nhân|người yêu cầu|người đề nghị)\s+(?:trực tiếp\s+)?đến\s+)"
                           r"(?:các\s+|một\s+)?"
                           r"(?:cơ quan|ủy ban|uỷ ban|ubnd|chủ tịch|công an|bộ phận|bảo hiểm|bhxh|phòng|sở|trung tâm|"
                           r"văn phòng|chi nhánh|tổ chức|cơ sở|đơn vị)\b", re.IGNORECASE)
# ... but not the result sent back ("Gửi cho người yêu cầu … hoặc trả trực tiếp tại Ủy ban …")
_SENT_BACK = re.compile(r"\b(?:gửi|trả)\b[^.;:\n]{0,20}?\bcho (?:người|công dân|cá nhân)\b|\btrả (?:kết quả|trực tiếp)\b",
                        re.IGNORECASE)
_SUBMITTED_TO_CHARS = 170
_WHAT_CHARS = 50             # what is sent, said longer than this, is cut out ("Gửi … đến cơ quan …")
_DESTINATION_CHARS = 45      # of the destination's name after its first word ("Trung tâm …")


def _submission_clause(procedure: Procedure, question: str) -> str:
    """The steps' clause saying where the file is submitted (with its case label, "Học sinh,
    sinh viên đóng BHYT: Nộp hồ sơ cho Cơ sở giáo dục"), the one saying most of the question's
    own words (the first on a tie), cut around its destination; "" when none."""
    best: tuple[int, int, str, re.Match] | None = None
    for i, clause in enumerate(_clauses(procedure.steps or "", _CASE_LABEL_CHARS)):
        found = _SUBMITTED_TO.search(clause)
        if found is None or _SENT_BACK.search(found.group(0)):
            continue
        key = (_overlap(clause, question, procedure), -i)
        if best is None or key > best[:2]:
            best = (*key, clause, found)
    if best is None:
        return ""
    clause, found = best[2], best[3]
    label = clause[:found.start()]
    destination = found.end()
    if ":" not in label or len(label) > _CASE_LABEL_CHARS:    # no case label: from the submission on
        clause, destination = clause[found.start():], destination - found.start()
        what = found.group("what") or ""
        if len(what) > _WHAT_CHARS and _names_the_file(what, procedure.name):
            # the file named at length, in the name's words: what the citizen asked is the place
            clause = clause.replace(what, " … ", 1)
            destination -= len(what) - len(" … ")
    # the destination's name is kept whole ("… cho Trung tâm Phục vụ hành chính công cấp xã")
    return _short(clause, max(_SUBMITTED_TO_CHARS, destination + _DESTINATION_CHARS)).rstrip(" ;,")


_NAMED_FILE_SHARE = 0.7    # of the words of what is sent that the procedure's name says


def _names_the_file(what: str, name: str) -> bool:
    """Is `what` ("hồ sơ đăng ký chấm dứt hoạt động chi nhánh, …") the file the name names,
    rather than papers of its own ("Giấy uỷ quyền (mẫu số 13-HSB)") or how it is sent ("hồ sơ trực tiếp")?"""
    words = [t for t in tokens(what) if t not in ("ho", "so")]
    named = set(tokens(name))
    return bool(words) and sum(t in named for t in words) >= _NAMED_FILE_SHARE * len(words)


def _where_text(procedure: Procedure, question: str, submitted: str = "") -> str:
    """The ways of submitting, the agency, and where the file goes: the reception address,
    else `submitted` (the steps' clause, see `_place_submitted`)."""
    if not procedure.ways:
        return "hồ sơ không ghi hình thức nộp."
    channels = list(dict.fromkeys(w.channel_text for w in procedure.ways))
    folded = fold(question)
    lines = [f"Hình thức nộp: {', '.join(channels)}."]
    if re.search(r"online|truc tuyen|qua mang|tren mang|dich vu cong|vneid|internet|qua app", folded) \
            and "truc_tuyen" not in procedure.channels:
        lines.insert(0, "Hồ sơ không ghi hình thức nộp trực tuyến.")
    if re.search(r"buu dien|buu chinh|gui qua", folded) and "buu_chinh" not in procedure.channels:
        lines.insert(0, "Hồ sơ không ghi hình thức nộp qua dịch vụ bưu chính.")
    if procedure.agency:
        lines.append(f"Cơ quan thực hiện: {_short(procedure.agency, 150)}")
    if procedure.reception_address.strip():
        lines.append(f"Nơi tiếp nhận hồ sơ: {_short(procedure.reception_address, 150)}")
    elif submitted:
        lines.append(f"{_STEPS_SAY}: {submitted[0].upper()}{submitted[1:]}")
    return "\n".join(lines)


def _place_submitted(procedure: Procedure, question: str) -> str:
    """The steps' clause on where the file goes, when the question asks the place and the
    record gives no reception address; "" otherwise."""
    if procedure.reception_address.strip() or not PLACE_ASKED.search(" ".join(tokens(question))):
        return ""
    return _submission_clause(procedure, question)


# "phải báo trong bao lâu", "chậm nhất mấy ngày phải đi làm": the time limit the citizen must
# keep, which records state among the conditions ("Trong thời hạn 07 ngày kể từ …"), not the
# office's processing time.
_DUTY_ASKED = re.compile(r"(?<![0-9a-z])(?:phai|cham nhat|han chot|toi da)(?![0-9a-z])")
_DUTY_KEPT = 60     # what the limit keeps beside the exception quoted ("Trong thời hạn 48 giờ kể từ …")
# "trễ vài ngày có sao không", "quá hạn trình báo chưa": the citizen is past the limit
_LATE_ASKED = re.compile(r"(?<![0-9a-z])(?:tre|muon|qua han|tre han|cham tre|de lau|qua thoi han|co sao)(?![0-9a-z])")
# A clause stating a time limit: "Trong thời hạn 07 ngày kể từ …", "trước 08 giờ ngày hôm sau",
# "chậm nhất 30 ngày".
_DUTY_SENTENCE = re.compile(r"[^.;\n]*(?:\bthời hạn\b|\bchậm nhất\b|\btrong vòng \d|\btrước \d+ giờ)[^.;\n]*",
                            re.IGNORECASE)
# The limit itself within that clause ("chậm nhất là ngày 20 của tháng …", "trước ngày 01 tháng 01
# năm 2027", "trong thời hạn 07 ngày"): what a shortened quote must keep.
_DUTY_LIMIT = re.compile(r"(?:\bthời hạn\b|\bchậm nhất\b|\btrong vòng\b|\btrước\b)[^.;\d]{0,20}?"
                         r"(?:ngày\s+\d{1,2}\b|\d+\s*(?:ngày|giờ|tháng|năm)\b)", re.IGNORECASE)


def _duty_deadline(procedure: Procedure, question: str) -> tuple[str, str] | None:
    """(field label, sentence) with the citizen's time limit, when the question asks it: from
    the conditions, else from a step that says some of the question's own words ("Trong thời
    hạn 10 ngày kể từ ngày có thay đổi …")."""
    if not _DUTY_ASKED.search(" ".join(tokens(question))):
        return None
    fields = ((procedure.conditions, 0, "Yêu cầu, điều kiện"), (procedure.steps, 1, _STEPS_LABEL))
    for text, needed, label in fields:
        clauses = _found_clauses(_DUTY_SENTENCE, text)
        if not clauses:
            continue
        # the clause that says most of the question, with the next one (its exception, often)
        said, at = max((_overlap(c, question, procedure), -i) for i, c in enumerate(clauses))
        if said >= needed:
            return label, "; ".join(clauses[-at:-at + 2])
    if _DATE_ASKED.search(" ".join(tokens(question))):
        # "nộp trước ngày nào": the one clause giving a date to file by answers, whatever it says
        for text, _, label in fields:
            dated = _found_clauses(_BY_DATE_SENTENCE, text)
            if len(dated) == 1:
                return label, dated[0]
    return None


def _found_clauses(pattern: re.Pattern, text: str) -> list[str]:
    """The clauses `pattern` finds in `text`, on one line, without list marks."""
    return [" ".join(m.group(0).split()).strip(" -+•,") for m in pattern.finditer(text or "")]


_BY_DATE_SENTENCE = re.compile(r"[^.;\n]*\btrước ngày \d[^.;\n]*", re.IGNORECASE)
_DATE_ASKED = re.compile(r"(?<![0-9a-z])(?:truoc ngay nao|han chot|han nop)(?![0-9a-z])")


_CLAUSE_CHARS = 200
_CHANNEL_WORDS = re.compile(r"truc tuyen|dich vu cong|buu chinh|online")
_LABEL_CHARS = 25     # "Bước 1:" goes with what follows
_CASE_LABEL_CHARS = 60    # ... and, for the clause that tells a case, "e) Học sinh, sinh viên đóng BHYT:"
_CLAUSE_END = re.compile(r"(?<=[.;:])\s+|\n+")
_NUMBERING = re.compile(r"[-+•]?\s*(?:[0-9]{1,2}(?:\.[0-9]{1,2})*\.?|[a-zđ][).])")    # "1.10.", "2.", "a)"
# "… không gây độc hại cho thủy sản nuôi; có thiết bị cảnh báo …": the clause after a "; " that
# goes on in lower case is the rest of the same item (no list label: "b) …" is the next one).
_GOES_ON = re.compile(GOES_ON_IN_LOWER_CASE)


# "bên kia không đến thì sao": the records say "vắng mặt" of whoever does not come
_ABSENT = re.compile(r"(?<![0-9a-z])khong (?:chiu |den |thay )?(?:den|toi|co mat|ra mat)(?![0-9a-z])")


@lru_cache(maxsize=256)
def _asked_words(question: str, name: str) -> frozenset[str]:
    """The question's naming words without its question words, facet cues or the procedure's
    name (which any clause of the record may repeat); "không đến" is the records' "vắng mặt"."""
    said = frozenset(question_content(naming_tokens(question)))
    if _ABSENT.search(" ".join(tokens(question))):
        said |= {"vang", "mat"}
    return said - frozenset(tokens(name))


def _overlap(text: str, question: str, procedure: Procedure) -> int:
    """How many of the question's naming words (`_asked_words`) `text` says, and how many of
    its word pairs holding one ("không ký được": "không_ký", "ký_được"), so that the clause
    saying the citizen's case outweighs one that only shares its words."""
    asked = _asked_words(question, procedure.name)
    words = tokens(text)
    said = asked & set(words)
    if not said:
        return 0
    shared = _question_pairs(question) & word_pairs(words)
    return len(said) + sum(1 for pair in shared if not said.isdisjoint(pair.split("_")))


@lru_cache(maxsize=256)
def _question_pairs(question: str) -> frozenset[str]:
    """The question's word pairs, function words included (read once per question, not per clause)."""
    return frozenset(word_pairs(tokens(question)))


# "qua những bước nào", "làm từng bước", asked last: the whole sequence is asked, no step of it
_ALL_STEPS_ASKED = re.compile(r"(?<![0-9a-z])(?:nhung buoc|cac buoc|tung buoc|may buoc|bao nhieu buoc)(?![0-9a-z])")


def _asked_step(steps: list[Step], question: str, procedure: Procedure) -> tuple[list[Step], int | None]:
    """The steps, the one fitting best what is asked (`_asked_part`; it must say some of the
    question's own words) starting at its clause that says most of them ("Bước 1: … Trường hợp thực hiện trực tuyến,
    …"), and that step's index (None when no step says enough, or the question asks them all)."""
    last_ask = re.split(r"[,;.?!]\s+|\bthì\b", question.strip(" ?!."), flags=re.IGNORECASE)[-1]
    if _ALL_STEPS_ASKED.search(" ".join(tokens(last_ask))):     # (not "… những bước nào, có niêm yết không?")
        return steps, None
    asked = _asked_part(question)
    said = [(_step_fit(step.text, asked), _overlap(step.text, question, procedure), -i) for i, step in enumerate(steps)]
    best = max(said, default=(0, 0, 0))
    if best[1] == 0:
        return steps, None
    at = -best[2]
    clauses = _clauses(steps[at].text)
    top = max(range(len(clauses)), key=lambda i: (_overlap(clauses[i], question, procedure), -i))
    if top:
        steps = steps[:at] + [Step(steps[at].label, "… " + " ".join(clauses[top:]))] + steps[at + 1:]
    return steps, at


def _clauses(text: str, label_chars: int = _LABEL_CHARS) -> list[str]:
    """A field's clauses (sentences, "; " items, lines), a label shorter than `label_chars`
    ("Bước 1:") kept with what follows it."""
    clauses: list[str] = []
    for clause in (" ".join(c.split()) for c in _CLAUSE_END.split(text) if c.strip(" -+•/")):
        if clauses and ((clauses[-1].endswith(":") and len(clauses[-1]) < label_chars)
                        or _NUMBERING.fullmatch(clauses[-1])):
            clauses[-1] += " " + clause.lstrip("-+• ")     # "Bước 1:", "1.10." go with what follows
        else:
            clauses.append(clause)
    return clauses


# Where a question no facet cue names is looked for: the record's prose fields, in this order.
_PROSE_FIELDS = (("steps", _STEPS_LABEL), ("conditions", "Yêu cầu, điều kiện"),
                 ("applicants", "Đối tượng thực hiện"), ("result_text", "Kết quả thực hiện"))
_CLAUSE_MIN_WORDS = 2     # of the question's own words (not the name's) a clause must say


# A facet asked of who or where ("ai đứng ra lập", "nộp ở đâu") also quotes the record's clause
# that tells the citizen's situation this well (words said + word pairs said): the general
# field ("Cơ quan thực hiện") often misses the case asked ("sinh viên … nộp cho Cơ sở giáo dục").
_COMPANION_FACETS = frozenset({"where", "agency", "applicants"})    # short bodies: room for a clause
_COMPANION_MIN_SCORE = 3
_STAND_IN_MIN_SCORE = 4    # a clause standing in for conditions the record lacks says more


_NAMED_CASE_MIN_WORDS = 3     # of the question's naming words a listed case of the name must say
_NAMED_CASE_CHARS = 200


def _named_case(procedure: Procedure, question: str) -> str:
    """The case of those a long name lists after its head ("… đối với cá nhân là cán bộ, …;
    giáo viên, nhân viên y tế đang công tác tại các xã biên giới, hải đảo …; cá nhân thường trú
    tại xã mà không có đất ở …") that the question tells most of, alone ahead; "" otherwise."""
    pieces = [p.strip() for p in procedure.name.split(";")]
    if len(pieces) < 2:
        return ""
    said = set(question_content(naming_tokens(question)))
    head = set(tokens(name_head(procedure.name)))
    fits = sorted(((len(said & (set(tokens(p)) - head)), i) for i, p in enumerate(pieces)), reverse=True)
    (best, at), (second, _) = fits[0], fits[1]
    if best < _NAMED_CASE_MIN_WORDS or best == second:
        return ""
    piece = pieces[at]
    opening = re.search(r"\bđối với\s+", piece) if at == 0 else None   # the first case follows the head
    return piece[opening.end():] if opening else piece


def _asked_clause(procedure: Procedure, question: str, min_score: int = 0) -> tuple[str, str] | None:
    """(field label, clause) of the record's prose clause that says most of the question's own
    words ("cả hai vợ chồng có phải cùng có mặt không" → "… hai bên nam, nữ phải có mặt …"),
    word pairs counting once more; None below `_CLAUSE_MIN_WORDS` words or `min_score`."""
    asked = _asked_words(question, procedure.name)
    if len(asked) < max(_CLAUSE_MIN_WORDS, min_score // 2):
        return None
    q_pairs = word_pairs([t for t in tokens(question) if t in asked])
    # "ai đứng ra lập": the clause saying who does that step says the verb, which counts twice
    who = WHO_DOES.search(" ".join(tokens(question)))
    verb = who.group(0).split()[-1] if who else ""
    best: tuple[int, int, str, str] | None = None
    for attribute, label in _PROSE_FIELDS:
        for clause in _clauses(getattr(procedure, attribute) or "", _CASE_LABEL_CHARS):
            words = tokens(clause)
            said = len(asked & set(words)) + (verb in asked and verb in words)
            if said < _CLAUSE_MIN_WORDS:
                continue
            score = said + len(q_pairs & word_pairs(words))
            if best is None or score > best[0]:
                best = (score, said, label, clause)
    return (best[2], best[3]) if best and best[0] >= min_score else None


def _around_asked(clause: str, question: str, procedure: Procedure, chars: int) -> str:
    """A long clause cut to the `chars` window that holds most of the question's own words
    ("… tổ chức hành nghề công chứng nơi mở thừa kế có trách nhiệm lập 01 bộ hồ sơ …")."""
    words = clause.split()
    if len(clause) <= chars or not words:
        return clause
    asked = _asked_words(question, procedure.name)
    hits = [bool(asked & set(tokens(w))) for w in words]
    best_start, best_said = 0, -1
    for start in range(len(words)):
        end, length = start, 0
        while end < len(words) and length + len(words[end]) + 1 <= chars - 2:
            length += len(words[end]) + 1
            end += 1
        said = sum(hits[start:end])
        if said > best_said:
            best_start, best_said = start, said
        if end == len(words):
            break
    kept, length = [], 0
    for word in words[best_start:]:
        if length + len(word) + 1 > chars - 2:
            break
        kept.append(word)
        length += len(word) + 1
    text = " ".join(kept)
    return ("… " if best_start else "") + text + (" …" if best_start + len(kept) < len(words) else "")


# "trường hợp nào thì không được hỗ trợ": the clause saying who is left out answers it
_EXCLUSION_ASKED = re.compile(r"(?<![0-9a-z])(?:khong|ko) (?:duoc|du|dc)(?![0-9a-z])(?! khong$)|"
                              r"(?<![0-9a-z])(?:tu choi|khong ap dung|bi loai)(?![0-9a-z])")
_EXCLUDES = re.compile(r"(?<![0-9a-z])(?:khong duoc|khong du|tru truong hop|khong ap dung|tu choi|khong thuoc)(?![0-9a-z])")
_EXCLUSION_WEIGHT = 2


def _excludes(clause: str) -> bool:
    return bool(_EXCLUDES.search(" ".join(tokens(clause))))


def _excerpt(text: str, question: str, budget: int, procedure: Procedure) -> str:
    """A long field cut to `budget`: the clause saying most of the question's words, the
    field's opening clause and the other clauses saying some of them, as many as fit, in the
    record's order ("…" where clauses are skipped); else its opening."""
    text = " ".join(text.split()) if "\n" not in text else text
    if len(text) <= budget:
        return " ".join(text.split())
    clauses = _clauses(text)
    excluded = bool(_EXCLUSION_ASKED.search(" ".join(tokens(question))))
    scored = sorted(((_overlap(c, question, procedure) + _EXCLUSION_WEIGHT * (excluded and _excludes(c)), -i, i)
                     for i, c in enumerate(clauses)), reverse=True)
    if not scored or scored[0][0] == 0:
        return _short(text, budget)
    # the clause saying most of the question first, then the field's opening (the first step,
    # the main condition), then the other clauses saying some of it, as the budget holds
    best = scored[0][2]
    rest_of_item = [best + 1] if best + 1 < len(clauses) and clauses[best].endswith(";") and \
        _GOES_ON.match(clauses[best + 1]) else []
    opening = next((i for i, c in enumerate(clauses) if not c.endswith(":")), 0)   # not a heading
    candidates = [best] + rest_of_item + [opening] + [i for score, _, i in scored[1:] if score > 0]
    chosen: list[int] = []
    for i in dict.fromkeys(candidates):
        if chosen and sum(min(len(clauses[j]), _CLAUSE_CHARS) + 2 for j in chosen) + min(len(clauses[i]), _CLAUSE_CHARS) > budget:
            continue
        chosen.append(i)
    pieces, last = [], -1
    for i in sorted(chosen):
        piece = _short(clauses[i], _CLAUSE_CHARS)
        pieces.append(("… " if i != last + 1 else "") + piece)
        last = i
    return " ".join(pieces) + (" …" if last < len(clauses) - 1 else "")


# A refusal or a request to complete the file is the other outcome, not what the citizen gets.
_REFUSAL = re.compile(r"(?<![0-9a-z])(?:tu choi|khong chap thuan|khong du dieu kien|can sua doi|tra lai ho so)(?![0-9a-z])")
_RESULT_ITEM = 110


def _result_text(procedure: Procedure, budget: int) -> str:
    """"Kết quả:" with the record's results one a line, what the citizen receives first and
    a refusal or a request to complete the file after; as many as the budget holds."""
    items = [r.name for r in procedure.results if r.name.strip()] or \
        [part for part in procedure.result_text.split("; ") if part.strip()]
    if len(items) < 2:
        return "Kết quả: " + _short(procedure.result_text, budget)
    items.sort(key=lambda item: bool(_REFUSAL.search(fold(item).lower())))
    lines: list[str] = []
    for item in items:
        line = f"- {_short(item, _RESULT_ITEM)}"
        if lines and sum(len(x) + 1 for x in lines) + len(line) > budget:
            lines.append(f"… và {len(items) - len(lines)} kết quả khác.")
            break
        lines.append(line)
    return "Kết quả:\n" + "\n".join(lines)


# A tight answer (over the budget otherwise) cuts the record's side notes to about this.
_TIGHT_CHARS = 100


def _facet_body(facet: str, procedure: Procedure, question: str, budget: int,
                tight: bool = False, found: dict[str, tuple[str, str]] | None = None,
                today: date | None = None) -> tuple[str, str, str, bool]:
    """(text, cited field label, quoted text, record lacks the fact). `found`: the (field label,
    sentence) the "duty", "clause", "elsewhere", "where" ("submitted") and blank "agency"
    ("taken_by") facets quote, looked up once per answer; `today`: the day a fee's dated rates are read for."""
    if facet == "documents":
        text, quoted = _documents_text(procedure, budget, question)
        return text, "Thành phần hồ sơ", quoted, not quoted
    if facet == "time":
        lacks = not procedure.ways or (all(not w.time.known for w in procedure.ways)
                                       and not _described_time(procedure)[1])
        case = _case_time(procedure, question)      # quoted from the steps: cited with the ways
        quoted = "; ".join(f"{w.channel_text}: {w.time.text}" for w in procedure.ways) + (f"\n{case}" if case else "")
        return _time_text(procedure, tight, case), "Cách thức thực hiện › Thời gian", quoted, lacks
    if facet == "fee":
        lacks = not procedure.ways or all(w.fee.kind == "unknown" and not w.fee.note for w in procedure.ways)
        return _fee_text(procedure, tight, question, today), "Cách thức thực hiện › Phí, lệ phí", \
            "; ".join(f"{w.channel_text}: {w.fee.text}" for w in procedure.ways), lacks
    if facet == "where":
        submitted = (found or {}).get("submitted", ("", ""))[1]
        quoted = ", ".join(dict.fromkeys(w.channel_text for w in procedure.ways))
        if submitted and procedure.ways:     # the step quoted is cited with the channels
            quoted += "\n" + submitted
        return _where_text(procedure, question, submitted), "Cách thức thực hiện › Hình thức nộp", \
            quoted, not procedure.ways
    if facet == "steps":
        if not procedure.steps:
            return "hồ sơ không ghi trình tự thực hiện.", _STEPS_LABEL, "", True
        preface, steps = split_steps(procedure.steps)
        if steps and len(procedure.steps) > budget:
            shown, quoted = outline_steps(preface, *_asked_step(steps, question, procedure), budget=budget)
            return f"{_STEPS_LABEL}:\n" + shown, _STEPS_LABEL, quoted, False
        excerpt = _excerpt(procedure.steps, question, budget, procedure)
        return f"{_STEPS_LABEL}: " + excerpt, _STEPS_LABEL, excerpt.rstrip("…"), False
    if facet == "conditions":
        if not procedure.conditions:
            return "hồ sơ không ghi yêu cầu, điều kiện nào (Không có thông tin).", "Yêu cầu, điều kiện", "", True
        excerpt = _excerpt(procedure.conditions, question, budget, procedure)
        return "Yêu cầu, điều kiện: " + excerpt, "Yêu cầu, điều kiện", excerpt.rstrip("…"), False
    if facet == "elsewhere":
        label, clause = found["elsewhere"]
        return (f"Hồ sơ không ghi yêu cầu, điều kiện; {label} ghi: {_around_asked(clause, question, procedure, budget)}",
                label, clause, False)
    if facet == "clause":
        label, clause = found["clause"]
        return f"Hồ sơ ghi ({label}): {_around_asked(clause, question, procedure, budget)}", label, clause, False
    if facet == "duty":
        label, sentence = found["duty"]
        limit, _, exception = sentence.partition("; ")
        if exception and _LATE_ASKED.search(" ".join(tokens(question))) and budget > 2 * _DUTY_KEPT:
            # "trễ vài ngày có sao không": the exception to the limit answers; it is quoted first-hand
            exception = _short(exception, budget - _DUTY_KEPT - 2)
            kept = _keeping(limit, _DUTY_LIMIT.search(" ".join(limit.split())), budget - len(exception) - 2)
            kept = f"{kept}; {exception}"
        else:
            kept = _keeping(sentence, _DUTY_LIMIT.search(" ".join(sentence.split())), budget)
        return f"Thời hạn người dân phải làm ({label}): {kept}", label, sentence, False
    if facet == "result":
        if not procedure.result_text:
            return "hồ sơ không ghi kết quả thực hiện.", "Kết quả thực hiện", "", True
        return _result_text(procedure, budget), "Kết quả thực hiện", \
            _short(procedure.result_text, budget).rstrip("…"), False
    if facet == "agency":
        if not procedure.agency:
            level = f" Cấp thực hiện: {procedure.level}." if procedure.level else ""
            lacking = f"hồ sơ không ghi cơ quan thực hiện (Không có thông tin).{level}"
            # the steps may still say which office takes the file ("Nộp hồ sơ tại Cơ quan đăng ký …"):
            # quoted beside the gap, which stays a gap (the office that takes a file may not decide it)
            submitted = (found or {}).get("taken_by", ("", ""))[1]
            if submitted:
                return f"{lacking}\n{_STEPS_SAY}: {submitted[0].upper()}{submitted[1:]}", _STEPS_LABEL, submitted, True
            return lacking, "Cơ quan thực hiện", "", True
        text = f"Cơ quan thực hiện: {_short(procedure.agency, 200)}"
        competent = procedure.competent_agency
        if competent and fold(competent).lower() != fold(procedure.agency).lower():
            text += f"\nCơ quan có thẩm quyền quyết định: {_short(competent, 150)}"
        return text, "Cơ quan thực hiện", procedure.agency, False
    if facet == "legal":
        if not procedure.legal_bases:
            return "hồ sơ không ghi căn cứ pháp lý.", "Căn cứ pháp lý", "", True
        items = []
        for basis in procedure.legal_bases:
            item = f"- {basis.code + ': ' if basis.code and basis.code not in basis.title else ''}{_short(basis.title, 60)}"
            if items and sum(len(i) + 1 for i in items) + len(item) > budget:
                break
            items.append(item)
        more = len(procedure.legal_bases) - len(items)
        if more > 0:
            items.append(f"… và {more} văn bản khác.")
        return "Căn cứ pháp lý:\n" + "\n".join(items), "Căn cứ pháp lý", \
            "\n".join(b.title for b in procedure.legal_bases[:len(items)]), False
    if facet == "applicants":
        if not procedure.applicants:
            return "hồ sơ không ghi đối tượng thực hiện.", "Đối tượng thực hiện", "", True
        named = _named_case(procedure, question) if not procedure.conditions else ""
        if named:       # the name lists who may apply; the question tells one of them
            return (f"Đối tượng thực hiện: {_short(procedure.applicants, 120)}\nTên thủ tục nêu: "
                    f"{_short(named, _NAMED_CASE_CHARS)}"), "Tên thủ tục", named, False
        return f"Đối tượng thực hiện: {_short(procedure.applicants, 200)}", "Đối tượng thực hiện", \
            procedure.applicants, False
    raise ValueError(facet)


def _overview_body(procedure: Procedure) -> tuple[str, str, str, bool]:
    parts = []
    if procedure.ways:
        parts.append("Hình thức nộp: " + ", ".join(dict.fromkeys(w.channel_text for w in procedure.ways)) + ".")
        parts.append(_time_text(procedure))
        parts.append("Phí, lệ phí:\n" + "\n".join(_group_ways(procedure.ways, lambda w: _fee_value(w, note=False))))
    docs = [d for d in procedure.documents if d.group_kind != "note"]
    if docs:
        parts.append(f"Hồ sơ gồm {len(docs)} loại giấy tờ (hỏi \"cần giấy tờ gì\" để xem danh sách).")
    return "\n".join(parts) or "hồ sơ không ghi cách thức thực hiện.", "Cách thức thực hiện", \
        "; ".join(f"{w.channel_text}: {w.time.text}; {w.fee.text}" for w in procedure.ways), False


_HEADER_NAME = 80     # a longer legal name is shortened in the answer (the citation keeps it whole)


def _header(procedure: Procedure, chars: int = _HEADER_NAME) -> str:
    return f"{_short(procedure.name, chars)} (mã {procedure.code})"


def _footer(procedure: Procedure, others: Sequence[Procedure]) -> str:
    lines = []
    if others:
        lines.append("Thủ tục gần giống: " + "; ".join(f"{_short(o.name, 45)} ({o.code})" for o in others) + ".")
    if procedure.url:
        lines.append(f"Xem trên Cổng Dịch vụ công: {procedure.url}")
    return "\n".join(lines)


def _fit(text: str, limit: int, code: str) -> str:
    """`text` within `limit` characters: whole lines kept from the top, then a pointer to the
    full record (the last resort, when even the tightest answer is too long)."""
    if len(text) <= limit:
        return text
    pointer = f"… (xem đủ ở thẻ «Thủ tục», mã {code})"
    kept: list[str] = []
    for line in text.split("\n"):
        if len("\n".join(kept + [line, pointer])) > limit:
            break
        kept.append(line)
    if not kept:
        return _short(text, limit - len(pointer) - 1) + " " + pointer
    return "\n".join(kept + [pointer])


def answer_procedure(procedure: Procedure, question: str, facets: Sequence[str] | None = None,
                     others: Sequence[Procedure] = (), today: date | None = None) -> Answer:
    """The answer for one procedure: the facet(s) asked, name and code, link, citation.
    `today`: the day the record's dated fee rates are read for (default: the machine's)."""
    facets = list(facets if facets is not None else detect_facets(question, procedure.name))[:2]
    may_i = ELIGIBILITY.search(" ".join(tokens(question)))
    found: dict[str, tuple[str, str]] = {}
    duty = _duty_deadline(procedure, question) if not facets or "time" in facets else None
    if duty:
        found["duty"] = duty
    if not facets and may_i:
        facets = ["conditions", "applicants"]
    elif not facets and duty:
        facets = ["duty"]
    elif not facets and (clause := _asked_clause(procedure, question)):
        facets, found["clause"] = ["clause"], clause
    elif facets == ["where"] and may_i and _CHANNEL_WORDS.search(fold(procedure.conditions).lower()):
        facets = ["where", "conditions"]      # "làm online được không": what the record allows online
    if "where" in facets and (submitted := _place_submitted(procedure, question)):
        found["submitted"] = (_STEPS_LABEL, submitted)
    if "agency" in facets and not procedure.agency and (taken_by := _submission_clause(procedure, question)):
        found["taken_by"] = (_STEPS_LABEL, taken_by)      # the office the record leaves blank
    if "time" in facets and "conditions" not in facets and duty:
        facets = ["duty"] + [f for f in facets if f != "conditions"][:1]
    elif len(facets) == 1 and facets[0] in _COMPANION_FACETS and \
            (clause := _asked_clause(procedure, question, _COMPANION_MIN_SCORE)) and \
            not (facets[0] == "applicants" and clause[0] == "Đối tượng thực hiện") and \
            not (facets[0] == "where" and "submitted" in found) and \
            not _facet_body(facets[0], procedure, question, MAX_ANSWER_CHARS, found=found)[3]:
        facets, found["clause"] = facets + ["clause"], clause     # not when the record lacks the facet
    # Conditions the record does not give: said so, with the step that says what was asked
    # ("… Công an cấp xã trong cả nước không phụ thuộc vào nơi cư trú …"), when one says enough.
    if "conditions" in facets and not procedure.conditions and \
            (clause := _asked_clause(procedure, question, _STAND_IN_MIN_SCORE)) and clause[0] == _STEPS_LABEL:
        facets, found["elsewhere"] = ["elsewhere" if f == "conditions" else f for f in facets], clause
    # Ever shorter until it fits MAX_ANSWER_CHARS: the checklist, then the record's side notes,
    # then the header's name; the facts asked stay verbatim. The look-alike procedures come
    # after, where room is left: they never cost the answer an item.
    for tight, header_chars in ((False, _HEADER_NAME), (True, _HEADER_NAME), (True, _HEADER_NAME // 2)):
        header = _header(procedure, header_chars)
        footer = _footer(procedure, ())
        budget = max(MAX_ANSWER_CHARS - len(header) - len(footer) - 40, 200) // max(len(facets), 1)
        while True:
            bodies = ([_facet_body(f, procedure, question, budget, tight, found, today) for f in facets] if facets
                      else [_overview_body(procedure)])
            text_parts = [f"{header}:"]
            for body, *_ in bodies:
                if body.startswith("hồ sơ không ghi"):
                    body = "Hồ sơ thủ tục " + body[len("hồ sơ "):]
                text_parts.append(body)
            if len("\n".join(text_parts + [footer])) <= MAX_ANSWER_CHARS or budget <= 120:
                break
            budget -= 60           # a shorter checklist, the facts stay verbatim
        if len("\n".join(text_parts + [footer])) <= MAX_ANSWER_CHARS:
            break
    if others and len("\n".join(text_parts + [_footer(procedure, others)])) <= MAX_ANSWER_CHARS:
        footer = _footer(procedure, others)
    text = _fit("\n".join(text_parts), MAX_ANSWER_CHARS - (len(footer) + 1 if footer else 0), procedure.code)
    text_parts = [text] + ([footer] if footer else [])
    lacks_all = all(lacks for *_, lacks in bodies)
    citations = [
        Citation(document=procedure.document, title=procedure.name, section=f"{procedure.name} › {label}",
                 text=quoted or label, origin="procedure", url=procedure.url or None, code=procedure.code)
        for _, label, quoted, _ in bodies
    ]
    return Answer(answer="\n".join(text_parts), abstained=lacks_all, intent=INTENT, citations=citations)


NOT_IN_CATALOGUE = ("Danh mục thủ tục hành chính cấp xã hiện có không có thủ tục này, nên không trả lời được. "
                    "Hãy thử gọi tên thủ tục khác đi (ví dụ \"đăng ký khai sinh\") hoặc tra trên Cổng Dịch vụ công quốc gia.")


def abstain_not_in_catalogue(near: Sequence[Procedure] = ()) -> Answer:
    text = NOT_IN_CATALOGUE
    if near:
        text += " Thủ tục gần nhất trong danh mục: " + "; ".join(f"{p.name} ({p.code})" for p in near[:2]) + "."
    return Answer(answer=text, abstained=True, intent=INTENT, citations=[])


_TWIN_TIE = 0.9      # a twin the question fits about as well as the best is named beside it


def similar_procedures(best: ProcedureMatch, ranked: Sequence[ProcedureMatch]) -> list[Procedure]:
    """Other fitting procedures to name: they share the words that matched, under another name."""
    best_name = set(tokens(best.procedure.name)) - NAME_STOPWORDS
    out: list[Procedure] = []
    for m in ranked:
        if m.procedure is best.procedure or m.procedure.name == best.procedure.name:
            continue
        # A variant: its name holds the whole common name and more ("… có yếu tố nước ngoài"),
        # or a twin under the same head ("… toàn trình" beside "… một phần hoặc trực tiếp").
        variant = best_name <= set(tokens(m.procedure.name)) or (
            m.head == best.head and m.score >= _TWIN_TIE * best.score)
        if variant and m.procedure.name not in {o.name for o in out}:
            out.append(m.procedure)
    return out[:2]


def answer_question(question: str, index: ProcedureIndex) -> Answer:
    """Match the question to a procedure and answer it, or abstain (not in the catalogue)."""
    ranked = rank_procedures(question, index, k=8)
    if not ranked or not is_confident(ranked[0], runner_up=runner_up(ranked)):
        return abstain_not_in_catalogue()
    best = ranked[0]
    return answer_procedure(best.procedure, question, others=similar_procedures(best, ranked))
