"""Optional answer generation with a LangChain chat model, checked against its sources.

The extractive answer is always computed first; generation only rephrases it from numbered
sources. The model's citations are verified: numbers that name no source are removed, sentences
without a valid citation are removed, sources never cited are not returned, and when no valid
citation remains the extractive answer is returned unchanged.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from langchain_core.messages import HumanMessage, SystemMessage

from assistant.prompts import load_prompt
from assistant.schemas import Answer, Citation

log = logging.getLogger(__name__)

NO_ANSWER_MARK = "KHÔNG_ĐỦ_THÔNG_TIN"
_CITE_RE = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
_SENTENCE_RE = re.compile(r"(?<=[.!?…])\s+(?=[^\s])")
MAX_SOURCE_CHARS = 1200
_MARKER_WORDS_RE = re.compile(r"\b(?:nguồn|xem|theo)\b", re.IGNORECASE)
_SAYS_SOMETHING_RE = re.compile(r"\w")


def make_chat_model(settings):
    """The chat model chosen by `settings.llm_provider`, or None. Imports happen only here."""
    provider = getattr(settings, "llm_provider", "none")
    if provider == "openai":
        from langchain_openai import ChatOpenAI

        kwargs = {"model": settings.llm_model or "gpt-4o-mini", "temperature": settings.llm_temperature,
                  "timeout": 60, "max_retries": 1}
        if settings.llm_base_url:
            kwargs["base_url"] = settings.llm_base_url
        # OpenAI-compatible local servers accept any key; the client insists on one.
        kwargs["api_key"] = settings.llm_api_key or "not-needed"
        return ChatOpenAI(**kwargs)
    if provider == "ollama":
        from langchain_ollama import ChatOllama

        kwargs = {"model": settings.llm_model or "qwen2.5:3b", "temperature": settings.llm_temperature}
        if settings.llm_base_url:
            kwargs["base_url"] = settings.llm_base_url
        return ChatOllama(**kwargs)
    return None


_WRAPPER_TAG_RE = re.compile(r"<(\s*/?\s*)(nguon)", re.IGNORECASE)


def _as_data(text: str) -> str:
    """Document text that cannot open or close a <nguon> wrapper (so it cannot forge a source)."""
    return _WRAPPER_TAG_RE.sub(lambda m: "< " + m.group(1).strip() + m.group(2), text)


def _as_attribute(text: str) -> str:
    return _as_data(text).replace('"', "'").replace(">", "›").replace("\n", " ")


def format_sources(citations: list[Citation]) -> str:
    item = load_prompt("source_item")
    blocks = []
    for number, c in enumerate(citations, start=1):
        text = c.text if len(c.text) <= MAX_SOURCE_CHARS else c.text[:MAX_SOURCE_CHARS] + "…"
        blocks.append(item.format(number=number, commune=_as_attribute(c.commune),
                                  section=_as_attribute(c.section), text=_as_data(text)))
    return "\n\n".join(blocks)


def build_messages(question: str, citations: list[Citation]):
    system = load_prompt("answer_system")
    user = load_prompt("answer_user").format(sources=format_sources(citations), question=question)
    return [SystemMessage(content=system), HumanMessage(content=user)]


@dataclass
class CheckedText:
    text: str
    cited: list[int]          # 1-based source numbers, in order of first citation
    dropped: list[int]        # invented numbers that were removed


def check_citations(output: str, n_sources: int) -> CheckedText:
    """Keep only citations of existing sources. A sentence survives only when it cites at least
    one existing source and says something besides its markers: uncited claims (rule 2 of the
    system prompt) and bare "Nguồn [3]" echoes of markers found in document text are dropped."""
    valid = set(range(1, n_sources + 1))
    kept_sentences: list[str] = []
    cited: list[int] = []
    dropped: list[int] = []
    for sentence in _SENTENCE_RE.split(output.strip()):
        numbers = [int(n) for m in _CITE_RE.finditer(sentence) for n in re.split(r"[,;]", m.group(1))]
        good = [n for n in numbers if n in valid]
        bad = [n for n in numbers if n not in valid]
        dropped += bad
        if not good:
            continue                      # uncited, or only resting on sources that do not exist
        if not _SAYS_SOMETHING_RE.search(_MARKER_WORDS_RE.sub(" ", _CITE_RE.sub(" ", sentence))):
            continue

        def _rewrite(m: re.Match) -> str:
            nums = [int(n) for n in re.split(r"[,;]", m.group(1)) if int(n) in valid]
            return "".join(f"[{n}]" for n in nums)

        sentence = _CITE_RE.sub(_rewrite, sentence)
        sentence = re.sub(r"\s+([.,;:!?])", r"\1", sentence).strip()
        if sentence:
            kept_sentences.append(sentence)
        for n in good:
            if n not in cited:
                cited.append(n)
    return CheckedText(" ".join(kept_sentences).strip(), cited, dropped)


def renumber(text: str, cited: list[int]) -> str:
    """Rewrite [n] markers so they index the returned citation list (1..len(cited))."""
    mapping = {old: new for new, old in enumerate(cited, start=1)}
    return _CITE_RE.sub(lambda m: "".join(f"[{mapping[int(n)]}]" for n in re.split(r"[,;]", m.group(1))
                                          if int(n) in mapping), text)


class LLMGenerator:
    """Rephrases an extractive answer from numbered sources with a chat model."""

    def __init__(self, model, max_sources: int = 6) -> None:
        self.model = model
        self.max_sources = max_sources

    def generate(self, question: str, sources: list[Citation], fallback: Answer) -> Answer:
        sources = sources[: self.max_sources]
        if not sources or fallback.abstained:
            return fallback
        try:
            reply = self.model.invoke(build_messages(question, sources))
        except Exception as exc:  # a generator outage must never break answering
            log.warning("LLM generation failed, using the extractive answer: %s", exc)
            return fallback
        content = reply.content if isinstance(reply.content, str) else str(reply.content)
        if NO_ANSWER_MARK in content:
            return fallback
        checked = check_citations(content, len(sources))
        if not checked.cited or not checked.text:
            return fallback
        text = renumber(checked.text, checked.cited)
        citations = [sources[n - 1] for n in checked.cited]
        return fallback.model_copy(update={"answer": text, "citations": citations, "generator": "llm"})
