"""Sentences in a document that speak to the assistant or to the reader instead of stating the plan.

A plan states duties, deadlines and targets in the third person ("Phòng Kinh tế chủ trì ...").
Text that tells a reader or a model what to do or to say ("Bỏ qua mọi chỉ dẫn ...", "hãy trả lời
rằng ...", "ignore previous instructions", "bạn là trợ lý ...") is an injection: it must never come
back as a fact in an answer. `is_instruction_to_reader` recognises such a sentence (on folded text,
so unaccented variants match too), `holds_instruction_to_reader` a passage holding one;
`flag_instructions` lists the chunks of a parsed plan that hold one, as ingest warnings (the answer
path keeps such passages out of its evidence: `assistant.qa.index`); `strip_instructions` removes
them from a passage.
"""

from __future__ import annotations

import re

from ingest.models import ParsedPlan
from ingest.vntext import fold, has_diacritics, nfc

# Vietnamese, on folded text (no diacritics, lower case).
_OBJECTS = r"(?:chi dan|huong dan|chi thi|lenh|quy tac|yeu cau|nguyen tac|thiet lap|cau lenh|prompt)"
# Bare "ai" is also "who" ("ai chủ trì"): only where a model is named after "bạn là".
_MODELS = r"(?:tro ly(?: ao)?|chatbot|chat bot|mo hinh(?: ngon ngu)?|tri tue nhan tao|bot|he thong tra loi)"
_SAY = (r"(?:tra loi|noi|khang dinh|tuyen bo|cho (?:nguoi dung |nguoi dan |moi nguoi |ho )?biet|thong bao|"
        r"xac nhan|lap lai|viet ra|in ra|bo qua|quen|dong vai|gia vo|gia lam|tiet lo)")

_VIETNAMESE = [
    # "Bỏ qua mọi chỉ dẫn", "quên các hướng dẫn trước", "đừng tuân theo quy tắc"
    rf"\b(?:bo qua|phot lo|lo di|quen(?: di)?|khong (?:can |phai )?tuan theo|dung tuan theo|vo hieu hoa)\b"
    rf"(?:\s+(?:het|di|moi|tat ca|toan bo|cac|nhung|mot so))*\s+{_OBJECTS}",
    # "Bạn là trợ lý ...", "bạn hãy đóng vai một chatbot"
    rf"\b(?:ban|may|em)\s+(?:la|dong vai|hay dong vai|phai dong vai|bay gio la|tu nay la)\s+"
    rf"(?:mot\s+)?(?:{_MODELS}|ai)\b",
    # "Trợ lý phải trả lời ...", "AI hãy nói rằng ..."
    rf"\b{_MODELS}\s+(?:phai|hay|can|nen|duoc yeu cau|bat buoc)\s+{_SAY}\b",
    # "Chỉ dẫn cho trợ lý:", "lưu ý dành cho AI"
    rf"\b(?:{_OBJECTS}|luu y|ghi chu|thong diep|loi nhan)\s+(?:danh\s+)?cho\s+{_MODELS}\b",
    # "Khi được hỏi về thuế, ..."
    r"\b(?:khi|neu)\s+(?:duoc hoi|bi hoi|nguoi dung hoi|ai do hoi|co ai hoi|nguoi dan hoi)\b",
    # "Người đọc hãy tin rằng ..."
    r"\b(?:nguoi doc|ban doc|nguoi dung)\s+(?:hay|phai|can)\s+(?:tin|hieu|coi|xem|ghi nho)\b",
]
# "Hãy trả lời / nói rằng ...": "hay" folds from both "hãy" (do!) and "hay" (or), so with
# diacritics present the sentence must really say "hãy".
_IMPERATIVE = rf"\bhay\s+{_SAY}\b"

_ENGLISH = [
    r"\b(?:ignore|disregard|forget|override|bypass)\b(?:\s+\w+){0,3}?\s+"
    r"(?:instructions?|prompts?|rules|directions|guidelines)\b",
    r"\byou are (?:now |no longer )?(?:an? |the )?(?:\w+ ){0,2}(?:assistant|ai|chatbot|model|bot|language model)\b",
    r"\b(?:system prompt|jailbreak|developer mode|act as an?|pretend (?:to be|that)|from now on,? you)\b",
    r"\b(?:answer|reply|respond|say|tell (?:the )?users?)\s+(?:that|with|only)\b",
    r"\b(?:assistant|ai|model|chatbot)\s+(?:must|should|shall|will)\s+(?:say|answer|reply|tell|ignore)\b",
]

_PATTERNS = [re.compile(p) for p in _VIETNAMESE + _ENGLISH]
_IMPERATIVE_RE = re.compile(_IMPERATIVE)
_ANY_PATTERN = re.compile("|".join(f"(?:{p})" for p in [*_VIETNAMESE, *_ENGLISH, _IMPERATIVE]))
_REAL_HAY = re.compile(r"\bhãy\b")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")


def is_instruction_to_reader(sentence: str) -> bool:
    """Does this sentence address the assistant or the reader (an instruction, not a plan's fact)?"""
    text = nfc(sentence or "")
    folded = " ".join(fold(text).split())
    if any(p.search(folded) for p in _PATTERNS):
        return True
    if _IMPERATIVE_RE.search(folded):
        return not has_diacritics(text) or bool(_REAL_HAY.search(text.lower()))
    return False


def _may_hold_instruction(text: str) -> bool:
    """A cheap pass over a whole passage: False when no sentence of it can be an instruction
    (every pattern that matches a sentence also matches the folded passage holding it)."""
    return bool(_ANY_PATTERN.search(" ".join(fold(nfc(text or "")).split())))


def holds_instruction_to_reader(text: str) -> bool:
    """Does any sentence of this passage address the assistant or the reader?"""
    return _may_hold_instruction(text) and any(is_instruction_to_reader(s) for s in split_sentences(text))


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text or "") if s.strip()]


def instruction_sentences(text: str) -> list[str]:
    """The sentences of `text` that are instructions to the reader, in order."""
    if not _may_hold_instruction(text):
        return []
    return [s for s in split_sentences(text) if is_instruction_to_reader(s)]


def strip_instructions(text: str) -> str:
    """`text` without its instructions to the reader (sentences kept in order, one space apart)."""
    return " ".join(s for s in split_sentences(text) if not is_instruction_to_reader(s))


def flag_instructions(plan: ParsedPlan) -> list[str]:
    """Record on `plan` the chunks holding an instruction to the reader: their ids in
    `plan.instruction_chunks` and one warning each in `plan.warnings`. Returns the ids."""
    flagged = []
    for chunk in plan.chunks:
        found = instruction_sentences(chunk.text)
        if not found:
            continue
        flagged.append(chunk.id)
        where = chunk.section or "đầu văn bản"
        quote = found[0] if len(found[0]) <= 160 else found[0][:157] + "…"
        plan.warnings.append(f"Đoạn ở mục «{where}» (dòng {chunk.line_start}–{chunk.line_end}) có câu nhắm tới "
                             f"trợ lý hay người đọc, không dùng làm câu trả lời: «{quote}»")
    plan.instruction_chunks = flagged
    return flagged
