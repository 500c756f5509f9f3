"""Document-name rules shared by uploads (API, staff page, ingest worker) and the CLI.

- `stored_name(raw)`: the last path component, NFC, no control/format characters or reserved
  punctuation, bounded in UTF-8 bytes (file systems count bytes: 120 × "ệ" is 360 of them). A name
  that has to be cut keeps a short digest of the full name, so two long names sharing a prefix
  never land on the same stored name.
- `lookalike_key(name)`: NFKC, case-folded, dashes unified and Cyrillic/Greek letters that look like
  Latin ones mapped to them; two different names with the same key look identical to a reader.
- `find_lookalike(name, existing)`: the existing name a new one would be confused with.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

from ingest.errors import InvalidInput
from ingest.vntext import nfc

MAX_NAME_BYTES = 200          # stem + suffix, in UTF-8 (NAME_MAX is 255 on common file systems)
DIGEST_CHARS = 8
_RESERVED = re.compile(r'[<>:"|?*]')

# Letters from other scripts drawn like Latin ones (lower case: keys are case-folded first).
_CONFUSABLES = str.maketrans({
    # Cyrillic
    "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "һ": "h", "н": "h", "і": "i", "ї": "i", "ј": "j",
    "к": "k", "ӏ": "l", "м": "m", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s", "т": "t", "ц": "u", "ѵ": "v",
    "ԝ": "w", "х": "x", "у": "y", "ү": "y",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "γ": "y",
    # Latin letters that read like others
    "ı": "i", "ɡ": "g", "ℓ": "l",
})
_DASHES = re.compile(r"[\u2010-\u2015\u2212\u2043\ufe58\ufe63\uff0d\u00ad]")


class BadName(InvalidInput):
    """A name with nothing usable left after cleaning."""


def stored_name(raw: str) -> str:
    """The name an upload is stored under. Raises `BadName` when nothing usable is left."""
    cleaned = nfc(raw or "").replace("\\", "/").split("/")[-1]
    cleaned = "".join(ch for ch in cleaned if unicodedata.category(ch)[0] != "C")
    cleaned = _RESERVED.sub("_", cleaned)
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" .")
    stem, dot, suffix = cleaned.rpartition(".")
    if not dot:
        stem, suffix = cleaned, ""
    stem = stem.strip(" .")
    suffix = suffix.lower()
    if not stem:
        raise BadName(f"Tên tệp «{raw}» không hợp lệ.")
    tail = f".{suffix}" if suffix else ""
    if len((stem + tail).encode("utf-8")) > MAX_NAME_BYTES:
        digest = hashlib.sha256(cleaned.encode("utf-8")).hexdigest()[:DIGEST_CHARS]
        tail = f"~{digest}{tail}"
        stem = cut_utf8(stem, MAX_NAME_BYTES - len(tail.encode("utf-8"))).rstrip(" .")
    return stem + tail


def cut_utf8(text: str, max_bytes: int) -> str:
    """The longest prefix of `text` within `max_bytes` UTF-8 bytes, never splitting a character or
    leaving a combining mark without its base letter."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    cut = data[:max_bytes].decode("utf-8", errors="ignore")
    while cut and unicodedata.combining(cut[-1]):
        cut = cut[:-1]
    if cut and len(cut) < len(text) and unicodedata.combining(text[len(cut)]):
        cut = cut[:-1]  # the next character was a mark belonging to the last kept letter
    return nfc(cut)


def lookalike_key(name: str) -> str:
    """A key equal for names a reader cannot tell apart."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = _DASHES.sub("-", text)
    # Map confusables letter by letter, keeping the Vietnamese marks on them (NFD, map, NFC).
    text = unicodedata.normalize("NFD", text).translate(_CONFUSABLES)
    return " ".join(unicodedata.normalize("NFC", text).split())


def find_lookalike(name: str, existing: Iterable[str]) -> str | None:
    """The first existing name that differs from `name` but looks the same, if any."""
    key = lookalike_key(name)
    for other in existing:
        if other != name and lookalike_key(other) == key:
            return other
    return None


def lookalike_message(name: str, existing: str) -> str:
    return (f"Tên «{name}» trông giống hệt tên văn bản «{existing}» đã có (khác ở ký tự lạ như gạch nối "
            f"Unicode hay chữ Kirin); hãy đặt tên khác hoặc thay «{existing}».")
