"""Fact questions about the plan itself (signer, number, date, title, period, the plan it implements),
cited from the preamble or the signature."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.qa.common import citation as cite_chunk
from assistant.qa.common import evidence_only, format_iso, period_label, plan_label, retrieve
from assistant.qa.context import Context
from assistant.qa.evidence import DATE_LINE, GENERIC_TERMS, REFERENCE_RE, YEAR_RE, as_sentence, shorten, split_sentences
from assistant.qa.strategies.abstain import abstain
from assistant.qa.strategies.general import answer_general
from assistant.qa.understand import BASIS_KINDS, LEGAL_DOCUMENT_KINDS, PERSON_ROLES
from assistant.schemas import Answer, Citation
from ingest.vntext import commune_key, fold, tokens


# How a plan was made ("xây dựng", "ban hành", "soạn thảo") and the kinds of document a basis is
# ("quyết định", "văn bản" …): said in a question about the plan's own basis, they are no subject.
_NOT_A_SUBJECT = frozenset({"xay_dung", "ban_hanh", "soan_thao", "van_ban"}
                           | {kind.replace(" ", "_") for kind in LEGAL_DOCUMENT_KINDS})


def answer_fact(ctx: Context) -> Answer:
    reg = ctx.index
    q = ctx.query
    keys = {commune_key(c) for c in ctx.scope} if ctx.scope else None
    docs = [d for d in reg.documents.values() if keys is None or commune_key(d.commune) in keys]
    if len(docs) > 1:
        # Which plan? Let retrieval pick it from the rest of the question.
        ranked = retrieve(ctx, k=ctx.policy.fact_k)
        if ranked:
            top_doc = ranked[0].chunk.document
            docs = [d for d in docs if d.document == top_doc] or docs[:1]
    if not docs:
        return abstain(ctx)
    doc = docs[0]
    plan = plan_label(reg, doc.document)
    kind = q.fact_kind
    ids = ctx.store.document_chunk_ids(doc.document) if hasattr(ctx.store, "document_chunk_ids") else []
    chunks = evidence_only(ctx, ctx.store.get_chunks(ids)) if ids else []
    # Verbatim plan text first (preamble, signature); the metadata digest only as a last resort.
    prose = [c for c in chunks if c.kind != "metadata"]
    ordered = [c for c in prose if not c.section] + [c for c in prose if c.section] + \
              [c for c in chunks if c.kind == "metadata"]

    def cite(*needles: str, last: bool = False) -> Citation | None:
        pool = list(reversed(ordered[:-1])) + ordered[-1:] if last and ordered else ordered
        for needle in needles:
            key = " ".join(tokens(needle))
            if not key:
                continue
            for c in pool:
                if f" {key} " in f" {' '.join(tokens(c.text))} ":
                    return cite_chunk(reg, c)
        return None

    def answer(text: str, citation: Citation | None) -> Answer:
        return Answer(answer=text, citations=[citation] if citation else [], commune=doc.commune)

    def detail(kind: str) -> Answer | None:
        return _detail(kind, doc, plan, ordered, cite, answer, reg)

    first = detail(kind)
    if first is not None and q.also_fact and q.also_fact != kind:
        second = detail(q.also_fact)
        if second is not None:
            cited = first.citations + [c for c in second.citations
                                       if all(c.chunk_id != f.chunk_id for f in first.citations)]
            then = "Văn bản" + second.answer[len(plan):] if second.answer.startswith(plan) else second.answer
            return Answer(answer=f"{first.answer} {then}", citations=cited, commune=doc.commune)
    if first is not None:
        return first
    if kind == "person":
        return answer_person(ctx, doc, plan, cite(doc.signer, last=True) if doc.signer else None)

    # "Theo quyết định nào?" about a particular subject ("bộ phận một cửa") is not about the
    # plan's own legal basis: quote the sentence naming a document on that subject instead.
    # ("được xây dựng căn cứ vào quyết định nào": how the plan was made and the kind of document
    # asked, not a subject)
    unsubject = {w for pair in _NOT_A_SUBJECT if pair in q.topic_terms for w in pair.split("_")}
    plan_level = len([t for t in q.topic_terms if "_" not in t and t not in GENERIC_TERMS
                      and t not in unsubject and not YEAR_RE.fullmatch(t)]) <= 1
    if kind in BASIS_KINDS and not plan_level:
        ctx.scope = [doc.commune] if doc.commune else ctx.scope
        ctx.ranked = []
        return answer_general(ctx, prefer_reference=True)
    if kind in BASIS_KINDS:
        found = _basis_sentences(ordered, prefer_implementing=(kind == "implements"))
        if kind == "basis":
            found = _asked_bases_first(found, q.folded)
        if found:
            picked = found[:1] if kind == "implements" else found[:3]
            budget = (ctx.policy.answer_budget - len(plan) - len('Theo : ')) // len(picked)
            text = f"Theo {plan}: " + " ".join(as_sentence(shorten(s_, budget)) for s_, _ in picked)
            citations, seen = [], set()
            for _, c in picked:
                if c.id not in seen:
                    citations.append(cite_chunk(reg, c))
                    seen.add(c.id)
            return Answer(answer=shorten(text, ctx.policy.answer_budget), citations=citations, commune=doc.commune)
    if kind == "title" and doc.title:
        return answer(f"Tên văn bản: {doc.title} (xã {doc.commune}).", cite(doc.title))
    if kind == "period" and doc.year:
        return answer(f"{plan} áp dụng cho {period_label(doc.year)}.", cite(doc.title) if doc.title else None)
    # Everything else (and missing metadata): quote sentences, preferring the plan's opening.
    ctx.scope = [doc.commune] if doc.commune else ctx.scope
    ctx.ranked = []
    return answer_general(ctx, prefer_metadata=True)


def _cites_document(line: str) -> bool:
    """"Thực hiện Kế hoạch số 228/KH-UBND ngày 25 tháng 12 năm 2025 của …": a line naming a
    document (`REFERENCE_RE`) or opening as a basis does (`_BASIS_RE`) dates that document, not
    the plan."""
    return bool(REFERENCE_RE.search(line) or _BASIS_RE.match(line.lstrip(" -+•\t")))


def _detail(kind: str, doc, plan: str, ordered: list, cite, answer, reg) -> Answer | None:
    """The answer about one detail of the plan itself (signer, number, place, issuing date),
    or None when the plan does not record it."""
    if kind == "signer" and doc.signer:
        citation = cite(doc.signer, last=True)
        title = getattr(doc, "signer_title", "") or (_signer_title(citation.text, doc.signer) if citation else "")
        who = f"{doc.signer} ({title})" if title else doc.signer
        return answer(f"{plan} do {who} ký.", citation)
    if kind == "number" and doc.number:
        if doc.number.startswith("/"):
            text = f"{plan} chưa ghi số cụ thể (văn bản chỉ ghi ký hiệu “Số: {doc.number}”)."
        else:
            text = f"{plan} có số hiệu {doc.number}."
        return answer(text, cite(doc.number))
    if kind in ("province", "district"):
        place = doc.province if kind == "province" else doc.district
        level = "tỉnh" if kind == "province" else "huyện"
        if place:
            return answer(f"Theo {plan}, xã {doc.commune} thuộc {level} {place}.",
                          cite(f"{level} {place}", place))
    if kind == "issue_date" and not doc.issue_date:
        for c in ordered:
            if c.section or c.kind == "metadata":
                continue
            for line in c.text.split("\n"):
                if DATE_LINE.search(line) and not _cites_document(line):
                    return answer(f'{plan} ghi ngày ban hành: "{line.strip()}".', cite_chunk(reg, c))
        # no line of the plan dates it (the dates it holds are its bases'): said, not guessed
        return Answer(answer=f"{plan} không ghi ngày ban hành.", abstained=True, source_lacks=True,
                      commune=doc.commune)
    if kind == "issue_date" and doc.issue_date:
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", doc.issue_date)
        needles = []
        if m:
            y, mo, d = int(m[1]), int(m[2]), int(m[3])
            needles = [f"ngày {d:02d} tháng {mo:02d} năm {y}", f"ngày {d} tháng {mo} năm {y}",
                       f"{d:02d}/{mo:02d}/{y}", f"{d}/{mo}/{y}"]
        written = re.search(r"ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}", doc.issue_date_text or "")
        as_written = f" (văn bản ghi: “{written.group(0)}”)" if written else ""
        return answer(f"{plan} được ban hành ngày {format_iso(doc.issue_date)}{as_written}.", cite(*needles))
    return None


def signer_office(title: str) -> str:
    """The office the signer holds, folded, from the title lines above the signature:
    "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH" → "pho chu tich" (signing for the Chairman), "TM. ỦY BAN NHÂN DÂN /
    CHỦ TỊCH" → "chu tich"; "" when the plan states none."""
    folded = " ".join(tokens(title))
    held = [(folded.rfind(role) + len(role), len(role), role) for role in PERSON_ROLES
            if f" {role} " in f" {folded} "]
    return max(held)[2] if held else ""       # the office named last (and most fully) is the one held


def answer_person(ctx: Context, doc, plan: str, citation: Citation | None) -> Answer:
    """Who holds an office: the plans name only their signer, so the answer is the signer when the
    office asked is the one signed under, and otherwise an abstention saying whom the plan names."""
    q = ctx.query
    title = getattr(doc, "signer_title", "") or (_signer_title(citation.text, doc.signer) if citation and doc.signer else "")
    office = signer_office(title)
    if doc.signer and q.person_detail == "name" and office and office == q.person_role:
        return Answer(answer=f"Theo {plan}, người ký kế hoạch với chức vụ {_office_label(office)} là "
                             f"{doc.signer} (chữ ký ghi: {' '.join(title.split())}).",
                      citations=[citation] if citation else [], commune=doc.commune)
    named = f"{doc.signer} ({' '.join(title.split())})" if doc.signer and title else (doc.signer or "")
    what = "thông tin cá nhân của" if q.person_detail == "detail" else "tên"
    text = f"Xin lỗi, {plan} không nêu {what} {_office_label(q.person_role)}"
    text += f"; kế hoạch chỉ ghi người ký: {named}." if named else "."
    return Answer(answer=text, abstained=True, commune=doc.commune)


def _office_label(folded_role: str) -> str:
    labels = {"chu tich": "Chủ tịch UBND xã", "pho chu tich": "Phó Chủ tịch UBND xã"}
    return labels.get(folded_role, "người giữ chức vụ được hỏi")


_BASIS_RE = re.compile(r"^(Căn cứ|Thực hiện|Triển khai|Theo)\b", re.IGNORECASE)
_HIGHER_DOC_RE = re.compile(r"\b(Kế hoạch|Quyết định|Chỉ thị|Nghị quyết|Chương trình|Công văn)\s+(số\b|\d)",
                            re.IGNORECASE)


def _basis_sentences(chunks: Sequence, prefer_implementing: bool) -> list[tuple[str, object]]:
    """Sentences of the plan's opening that cite the documents it is based on or implements.

    "Thực hiện …" (the plan it implements) ranks first when asked what it implements; the last
    "Căn cứ …" naming a provincial/district document comes next (the closest higher-level plan).
    """
    found: list[tuple[int, str, object]] = []
    for c in chunks:
        if c.kind == "metadata" or c.section:
            continue
        for sentence in split_sentences(c.text, long_piece=10_000):
            if _BASIS_RE.match(sentence) and _HIGHER_DOC_RE.search(sentence):
                found.append((len(found), sentence, c))
    if not found:
        return []
    if prefer_implementing:
        def rank(item):
            order, sentence, _ = item
            folded = fold(sentence)
            implementing = folded.startswith(("thuc hien", "trien khai"))
            higher = bool(re.search(r"\b(tinh|huyen)\b", folded)) and "ke hoach" in folded
            return (not implementing, not higher, -order)
        found.sort(key=rank)
    return [(sentence, c) for _, sentence, c in found]


# What a question may say of the basis it asks ("căn cứ quyết định số mấy của huyện nào"): the
# kind of document and who issued it.
_BASIS_WORDS = LEGAL_DOCUMENT_KINDS + ("huyen", "tinh", "chinh phu", "thu tuong", "trung uong")


def _asked_bases_first(found: list[tuple[str, object]], question_folded: str) -> list[tuple[str, object]]:
    """The bases saying most of the document kinds and issuers the question names first, in
    the plan's order otherwise."""
    asked = [w for w in _BASIS_WORDS if re.search(rf"\b{w}\b", question_folded)]
    if not asked:
        return found
    said = lambda sentence: sum(bool(re.search(rf"\b{w}\b", fold(sentence).lower())) for w in asked)
    return sorted(found, key=lambda item: -said(item[0]))


def _signer_title(text: str, signer: str) -> str:
    """The upper-case title lines right above the signer's name ("KT. CHỦ TỊCH / PHÓ CHỦ TỊCH")."""
    lines = [l.strip(" *") for l in text.split("\n")]
    key = fold(signer)
    for i, line in enumerate(lines):
        if key and key in fold(line):
            title = []
            for prev in reversed(lines[max(0, i - 3):i]):
                letters = [ch for ch in prev if ch.isalpha()]
                if prev and letters and all(ch.isupper() for ch in letters) and len(prev) < 60:
                    title.insert(0, prev)
                elif title or prev:
                    break
            return " ".join(title)
    return ""
