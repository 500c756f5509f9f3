"""Restore Vietnamese diacritics in questions typed without them, from the indexed plans' vocabulary.

The lexical channel already ignores diacritics (folded keys), but the dense embedder does not:
"ai chu tri doi thoai" lands far from "Ai chủ trì đối thoại" in e5 space. Before embedding an
unaccented question we pick, for every syllable, the accented form the plans themselves use,
choosing between candidates ("chu" → "chủ"/"chu"/"chứ") by how often adjacent pairs occur
in the plans (a small Viterbi over syllable bigrams). Only the dense query changes; what
the user sees is never rewritten.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable

from langchain_core.embeddings import Embeddings

from ingest.vntext import fold, has_diacritics

_WORD_RE = re.compile(r"\w+", re.UNICODE)
_SMOOTHING = 0.5
_EMISSION_WEIGHT = 0.5  # pair evidence (context) counts for more than a form's overall frequency

# Plans rarely contain question words; these phrasings teach the restorer how people ask.
QUESTION_PHRASES = """
Ai chủ trì? Ai phối hợp? Ai ký? Do ai ký? Ai chịu trách nhiệm? Đơn vị nào chủ trì? Cơ quan nào?
Có những nhiệm vụ gì? Có nhiệm vụ gì? Phải làm gì? Làm những gì? Là gì? Là ai? Gồm những gì?
Bao nhiêu phần trăm? Phải đạt bao nhiêu? Tỷ lệ bao nhiêu? Là bao nhiêu? Bao nhiêu cuộc?
Khi nào hoàn thành? Khi nào phải xong? Bao giờ? Hạn chót là khi nào? Thời hạn là khi nào?
Nộp hồ sơ ở đâu? Ở đâu? Thế nào? Như thế nào? Được không? Có được không? Có phải không?
Những việc nào? Việc gì? Nhiệm vụ nào? Kế hoạch nào? Quyết định nào? Văn bản nào? Số mấy? Ngày nào?
Tôi muốn hỏi. Cho tôi biết. Xin hỏi. Có thể. Trong quý này. Tháng này. Năm nay.
"""
_QUESTION_WEIGHT = 3


class AccentRestorer:
    def __init__(self) -> None:
        self._forms: dict[str, Counter[str]] = defaultdict(Counter)
        self._pairs: Counter[tuple[str, str]] = Counter()

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> "AccentRestorer":
        restorer = cls()
        for _ in range(_QUESTION_WEIGHT):
            restorer.add(QUESTION_PHRASES)
        for text in texts:
            restorer.add(text)
        return restorer

    def add(self, text: str) -> None:
        words = [w.lower() for w in _WORD_RE.findall(text)]
        for word in words:
            self._forms[fold(word)][word] += 1
        self._pairs.update(zip(words, words[1:]))

    @property
    def vocabulary_size(self) -> int:
        return len(self._forms)

    def restore(self, text: str) -> str:
        """`text` with diacritics restored; unchanged if it already has some or nothing is known."""
        if has_diacritics(text) or not self._forms:
            return text
        matches = list(_WORD_RE.finditer(text))
        if not matches:
            return text
        best = self._best_path([m.group(0).lower() for m in matches])
        out, last = [], 0
        for match, form in zip(matches, best):
            out.append(text[last:match.start()])
            out.append(_match_case(match.group(0), form))
            last = match.end()
        out.append(text[last:])
        return "".join(out)

    def _candidates(self, word: str) -> list[tuple[str, float]]:
        forms = self._forms.get(word)
        if not forms:
            return [(word, 0.0)]
        total = sum(forms.values())
        return [(form, _EMISSION_WEIGHT * math.log(count / total)) for form, count in forms.most_common(6)]

    def _best_path(self, words: list[str]) -> list[str]:
        """Viterbi over candidate forms; transition score = log of smoothed pair frequency."""
        columns = [self._candidates(w) for w in words]
        scores = [score for _, score in columns[0]]
        back: list[list[int]] = []
        for column in columns[1:]:
            new_scores, pointers = [], []
            for form, emit in column:
                options = [
                    scores[i] + math.log(self._pairs.get((prev, form), 0) + _SMOOTHING)
                    for i, (prev, _) in enumerate(columns[len(back)])
                ]
                best = max(range(len(options)), key=options.__getitem__)
                new_scores.append(options[best] + emit)
                pointers.append(best)
            scores = new_scores
            back.append(pointers)
        index = max(range(len(scores)), key=scores.__getitem__)
        path = [index]
        for pointers in reversed(back):
            index = pointers[index]
            path.append(index)
        path.reverse()
        return [columns[i][j][0] for i, j in enumerate(path)]


def _match_case(original: str, form: str) -> str:
    if original.isupper() and len(original) > 1:
        return form.upper()
    if original[:1].isupper():
        return form[:1].upper() + form[1:]
    return form


class AccentRestoringEmbeddings(Embeddings):
    """Wraps an embedder: queries typed without diacritics are restored before embedding.

    The restorer is built from the store's own chunk texts and rebuilt when the store's
    revision changes (a plan added or removed). Passages go to the wrapped embedder as is.
    """

    vocabulary_chunks = 5000  # the syllable vocabulary saturates long before this

    def __init__(self, inner, store) -> None:
        self.inner = inner
        self.store = store
        self._restorer: AccentRestorer | None = None
        self._revision: object = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str):  # name, dim, warm_up, embed_passages ...
        return getattr(self.inner, name)

    def restorer(self) -> AccentRestorer:
        revision = self.store.revision()
        if self._restorer is None or revision != self._revision:
            with self._lock:
                if self._restorer is None or revision != self._revision:
                    self._restorer = AccentRestorer.from_texts(self.store.chunk_texts(self.vocabulary_chunks))
                    self._revision = revision
        return self._restorer

    def restore(self, text: str) -> str:
        return text if has_diacritics(text) else self.restorer().restore(text)

    def embed_query_vector(self, text: str):
        return self.inner.embed_query_vector(self.restore(text))

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(self.restore(text))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)
