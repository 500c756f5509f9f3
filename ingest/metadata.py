"""Plan metadata, extracted from the text's structure and wording (never from the file name).

Rules (each field stays empty when the plan does not state it):
  * title: the plan's type line ("KẾ HOẠCH") + its subtitle line -> "Kế hoạch cải cách hành
    chính năm 2026" (the subtitle's first letter is lowered unless it starts a proper noun).
  * commune / district / province: names after "xã"/"phường"/"thị trấn", "huyện"/"thị xã"/
    "quận" and "tỉnh" (or a centrally governed "thành phố"), taken only when written with
    capitalised syllables (at least two: "tỉnh Quy định" is not a province). Mentions are
    weighted by place: title 4, the "<Place>, ngày ..." header 3, preamble 2, elsewhere 1;
    spellings that fold to the same key are pooled and the best-weighted spelling wins
    (a typo late in the text does not beat the header).
  * period: "giai đoạn 2026 - 2030" or "năm 2026" in the title, else in the preamble
    sentence that issues the plan, else in an appendix title.
  * number: the "Số: ..." header line, else "(Ban hành) kèm theo Quyết định/Kế hoạch số ...".
    A number with digits wins over a blank one; a blank number is kept as written
    without the "Số:" label ("/KH-UBND").
  * issue date: the "<Place>, ngày DD tháng MM năm YYYY" header; ISO only when day and
    month are filled in, `issue_date_text` keeps what is written. Without such a header,
    the date next to "kèm theo ... số ..." is used.
  * signer / signer title: the last signature block that names a person: the name line
    (2-5 capitalised words) and the capitalised title lines before it
    ("KT. CHỦ TỊCH PHÓ CHỦ TỊCH").
  * implements: the preamble's "Thực hiện <văn bản> số ..." sentence, else its last
    "Căn cứ ..." sentence that names a plan ("Kế hoạch"), without the lead-in words.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from ingest.models import Block, PlanMetadata
from ingest.normalise import PLACE_DATE_RE, is_upper_text
from ingest.structure import is_boilerplate, is_plan_title
from ingest.vntext import fold

_CENTRAL_CITIES = {"ha noi", "ho chi minh", "hai phong", "da nang", "can tho", "hue"}
_COMMUNE_KEYS = ("xã", "phường", "thị trấn")
_DISTRICT_KEYS = ("huyện", "thị xã", "quận")
_PROVINCE_KEYS = ("tỉnh",)
_CITY_KEY = "thành phố"
_UNIT_RE = re.compile(r"(?<!\w)(thị trấn|thị xã|thành phố|phường|huyện|quận|tỉnh|xã)\s+", re.IGNORECASE)
_DOC_TYPES = ("KẾ HOẠCH", "CHƯƠNG TRÌNH", "QUYẾT ĐỊNH")
_PERIOD_RANGE_RE = re.compile(r"giai\s+đoạn\s+(\d{4})\s*[-–—]\s*(\d{4})", re.IGNORECASE)
_YEAR_RE = re.compile(r"\bnăm\s+(\d{4})\b", re.IGNORECASE)
_NUMBER_VALUE = r"(\d*\s*/\s*[0-9A-Za-zĐđ]+(?:[-/][0-9A-Za-zĐđ]+)*)"
_NUMBER_LINE_VALUE_RE = re.compile(r"^Số\s*:?\s*" + _NUMBER_VALUE)
_ATTACHED_NUMBER_RE = re.compile(r"kèm theo\s+(?:Quyết định|Kế hoạch)\s+số\s*:?\s*" + _NUMBER_VALUE, re.IGNORECASE)
_ATTACHED_DATE_RE = re.compile(
    r"kèm theo\s+(?:Quyết định|Kế hoạch)\s+số\s*:?\s*\d+\s*/\s*\S+.{0,20}?ngày\s+(\d{1,2})/(\d{1,2})/(\d{4})",
    re.IGNORECASE,
)
_DATE_TEXT_RE = re.compile(r"ngày\s*(\d{1,2})?\s*tháng\s*(\d{1,2})?\s*năm\s*(\d{4})", re.IGNORECASE)
_IMPLEMENTS_RE = re.compile(
    r"^Thực hiện\s+((?:Kế hoạch|Quyết định|Chỉ thị|Nghị quyết|Chương trình|Công văn|Hướng dẫn)\s+số\b.*)$"
)
_BASIS_RE = re.compile(r"^Căn cứ\s+(.*)$")
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.;])\s+(?=[A-ZĐÀ-Ỹ])")
_SIGNATURE_TITLE_WORDS = re.compile(r"^(?:KT|TM|TL|TUQ|Q)\s?\.|CHỦ TỊCH|ỦY BAN|UỶ BAN|TRƯỞNG|GIÁM ĐỐC")


# -- names ----------------------------------------------------------------------------


def _name_after(text: str, start: int) -> str | None:
    """Capitalised syllables starting at `start` (2-4 of them), e.g. 'Đại Phước'."""
    words: list[str] = []
    for token in text[start:].split(" "):
        core = token.rstrip(",.;:)”\"'*")
        if not core or not core[0].isupper() or not all(ch.isalpha() or ch in "'’-" for ch in core):
            break
        words.append(core)
        if core != token or len(words) == 4:
            break
    if len(words) < 2:
        return None
    name = " ".join(words)
    return " ".join(w.capitalize() for w in words) if name.isupper() else name


def _unit_mentions(text: str) -> list[tuple[str, str]]:
    """(unit keyword lower-cased, name) for every '<unit> <Name>' in a line."""
    found = []
    for match in _UNIT_RE.finditer(text):
        keyword = match.group(1).lower()
        if keyword == "xã" and text[: match.start()].lower().endswith("thị "):
            continue
        name = _name_after(text, match.end())
        if not name or fold(name).startswith("hoi "):  # "XÃ HỘI CHỦ NGHĨA"
            continue
        found.append((keyword, name))
    return found


class _Votes:
    def __init__(self) -> None:
        self.score: dict[str, float] = defaultdict(float)
        self.spellings: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.first: dict[str, int] = {}

    def add(self, name: str, weight: float, order: int) -> None:
        key = fold(name)
        self.score[key] += weight
        self.spellings[key][name] += weight
        self.first.setdefault(key, order)

    def best(self) -> str:
        if not self.score:
            return ""
        key = max(self.score, key=lambda k: (self.score[k], -self.first[k]))
        spellings = self.spellings[key]
        return max(spellings, key=lambda s: spellings[s])


# -- helpers --------------------------------------------------------------------------


def _preamble(blocks: Sequence[Block]) -> list[Block]:
    return [b for b in blocks if b.kind == "preamble" and not is_boilerplate(b.text)]


def _plan_title_index(preamble: Sequence[Block]) -> int:
    for index, block in enumerate(preamble):
        if is_plan_title(block.text):
            return index
    return -1


def _title(preamble: Sequence[Block]) -> tuple[str, int]:
    """(title, index of the subtitle line) from the plan's type line."""
    for wanted in _DOC_TYPES:
        for index, block in enumerate(preamble):
            text = block.text.rstrip(" :")
            if text == wanted and index + 1 < len(preamble):
                subtitle = preamble[index + 1].text.strip()
                if subtitle.startswith(("(", "Căn cứ", "Thực hiện", "Số")) or PLACE_DATE_RE.match(subtitle):
                    return "", -1  # no subtitle: the type word alone is no title
                if fold(subtitle).startswith(fold(wanted)):
                    return subtitle, index + 1
                words = subtitle.split()
                if len(words) > 1 and words[1][:1].islower():
                    subtitle = subtitle[:1].lower() + subtitle[1:]
                return f"{wanted.capitalize()} {subtitle}", index + 1
            if text.startswith(wanted + " ") and len(text) > len(wanted) + 5:
                return text, index
    return "", -1


def _period(texts: Sequence[str]) -> tuple[str, int | None, int | None]:
    for text in texts:
        match = _PERIOD_RANGE_RE.search(text)
        if match:
            start, end = int(match.group(1)), int(match.group(2))
            return f"{start}-{end}", start, end
        match = _YEAR_RE.search(text)
        if match:
            year = int(match.group(1))
            return str(year), year, year
    return "", None, None


def _clean_number(value: str) -> str:
    return re.sub(r"\s+", "", value)


def _number(preamble: Sequence[Block], appendix: Sequence[Block]) -> str:
    candidates: list[str] = []
    for block in preamble:
        match = _NUMBER_LINE_VALUE_RE.match(block.text)
        if match:
            candidates.append(_clean_number(match.group(1)))
    for block in list(preamble) + list(appendix):
        for match in _ATTACHED_NUMBER_RE.finditer(block.text):
            candidates.append(_clean_number(match.group(1)))
    for candidate in candidates:
        if candidate[:1].isdigit():
            return candidate
    return candidates[0] if candidates else ""


def _iso(day: int, month: int, year: int) -> str:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return ""


def _issue_date(preamble: Sequence[Block], appendix: Sequence[Block]) -> tuple[str, str]:
    for block in preamble:
        if PLACE_DATE_RE.match(block.text):
            match = _DATE_TEXT_RE.search(block.text)
            if match:
                day, month, year = match.groups()
                iso = _iso(int(day), int(month), int(year)) if day and month else ""
                return iso, match.group(0)
    for block in list(preamble) + list(appendix):
        match = _ATTACHED_DATE_RE.search(block.text)
        if match:
            day, month, year = (int(g) for g in match.groups())
            return _iso(day, month, year), f"ngày {match.group(1)}/{match.group(2)}/{match.group(3)}"
    return "", ""


def _is_person_name(text: str) -> bool:
    words = text.split()
    return 2 <= len(words) <= 5 and all(w.isalpha() and w[0].isupper() and w[1:].islower() for w in words)


def _signature_regions(blocks: Sequence[Block]) -> list[list[Block]]:
    regions: list[list[Block]] = []
    previous_signature = False
    for block in blocks:
        if block.kind == "signature":
            if not previous_signature:
                regions.append([])
            regions[-1].append(block)
        previous_signature = block.kind == "signature"
    return regions


def _signer(blocks: Sequence[Block]) -> tuple[str, str]:
    for region in reversed(_signature_regions(blocks)):
        name_index = max((i for i, b in enumerate(region) if _is_person_name(b.text)), default=-1)
        if name_index < 0:
            continue
        titles = []
        for block in region[:name_index]:
            text = block.text
            if text.startswith("Nơi nhận"):
                tail = text.split(":", 1)[1].strip() if ":" in text else ""
                if tail and is_upper_text(tail):
                    titles.append(tail)
            elif not text.startswith(("-", "+")) and is_upper_text(text) and _SIGNATURE_TITLE_WORDS.search(text):
                titles.append(text)
        return region[name_index].text, " ".join(titles)
    return "", ""


def _first_sentence(text: str) -> str:
    return _SENTENCE_SPLIT_RE.split(text, maxsplit=1)[0].rstrip(" .;,:")


def _implements(preamble: Sequence[Block]) -> str:
    start = _plan_title_index(preamble) + 1
    own = list(preamble[start:]) or list(preamble)
    for block in own:
        match = _IMPLEMENTS_RE.match(block.text)
        if match:
            return _first_sentence(match.group(1))
    bases = [m.group(1) for b in own if (m := _BASIS_RE.match(b.text))]
    planned = [b for b in bases if "ke hoach" in fold(b)]
    if planned:
        return _first_sentence(planned[-1])
    return ""


# -- entry point ----------------------------------------------------------------------


def extract_metadata(document: str, blocks: Sequence[Block]) -> PlanMetadata:
    preamble = _preamble(blocks)
    appendix = [b for b in blocks if b.in_appendix and b.kind in ("heading", "paragraph")]
    title, subtitle_index = _title(preamble)

    communes, districts, provinces = _Votes(), _Votes(), _Votes()
    place = ""
    for block in preamble:
        match = PLACE_DATE_RE.match(block.text)
        if match:
            place = block.text.split(",", 1)[0].strip()
            break
    preamble_ids = {id(b) for b in preamble}
    subtitle_block = preamble[subtitle_index] if subtitle_index >= 0 else None
    for order, block in enumerate(blocks):
        if block.kind in ("table_header", "table_row"):
            continue
        if block is subtitle_block:
            weight = 4.0
        elif id(block) in preamble_ids:
            weight = 2.0
        else:
            weight = 1.0
        for keyword, name in _unit_mentions(block.text):
            if keyword in _COMMUNE_KEYS:
                communes.add(name, weight, order)
            elif keyword in _DISTRICT_KEYS:
                districts.add(name, weight, order)
            elif keyword in _PROVINCE_KEYS:
                provinces.add(name, weight, order)
            elif keyword == _CITY_KEY:
                (provinces if fold(name) in _CENTRAL_CITIES else districts).add(name, weight, order)
    if place and fold(place) in communes.score:
        communes.add(place, 3.0, -1)

    period_texts = [title] + [
        b.text for b in preamble
        if "ke hoach" in fold(b.text) and not b.text.startswith(("Căn cứ", "Thực hiện"))
    ] + [b.text for b in appendix]
    period, year_start, year_end = _period([t for t in period_texts if t])
    issue_date, issue_date_text = _issue_date(preamble, appendix)
    signer, signer_title = _signer(blocks)

    return PlanMetadata(
        document=document,
        title=title,
        commune=communes.best(),
        district=districts.best(),
        province=provinces.best(),
        period=period,
        year_start=year_start,
        year_end=year_end,
        number=_number(preamble, appendix),
        issue_date=issue_date,
        issue_date_text=issue_date_text,
        signer=signer,
        signer_title=signer_title,
        implements=_implements(preamble),
    )


__all__ = ["extract_metadata"]
