"""Which registry records a list or a count is about: a reform area named in the question, a
plan's task table before its prose duties, and where the full list can be seen; how a counted
list fits its budget; which target fits the measure asked (a rate)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable

from assistant.excerpts import share_out
from assistant.qa.context import Context
from assistant.qa.evidence import coverage, shorten, term_set
from assistant.qa.index import AnswerIndex
from assistant.qa.query import Query
from assistant.registry import AgencyRole
from ingest.deadlines import fold_aligned
from ingest.periods import period_filter
from ingest.vntext import tokens

# Phrases of an area heading that do not tell areas apart: every area is "cải cách …" of the
# plan's "cải cách hành chính"; "Xây dựng và phát triển …", "công tác …", "… nhà nước".
_AREA_FILLER_PHRASES = ("cai cach hanh chinh", "hanh chinh nha nuoc", "xay dung va phat trien", "cong tac",
                        "nha nuoc", "cai cach")
_AREA_FILLER = frozenset({"va", "cua"})
_NUMBERING = re.compile(r"^\s*(?:[IVXLC]+|\d+(?:\.\d+)*)[.)]\s*", re.IGNORECASE)


def area_heading(area: str) -> str:
    """The top-level heading of a record's area path, without its numbering."""
    return _NUMBERING.sub("", (area or "").split("›")[0]).strip()


def _area_words(heading: str) -> set[str]:
    # "cải cách hành chính" names the whole plan's subject ("Chỉ đạo điều hành cải cách hành chính")
    key = f" {' '.join(tokens(heading))} "
    for phrase in _AREA_FILLER_PHRASES:
        key = key.replace(f" {phrase} ", " ")
    return {t for t in key.split() if t not in _AREA_FILLER}


def _area_names(area: str) -> list[set[str]]:
    """The distinctive words of an area heading, and of each name it lists: "Xây dựng và phát
    triển chính quyền điện tử, chính quyền số" is named by "chính quyền số" alone."""
    heading = area_heading(area)
    parts = [part for part in heading.split(",") if part.strip()]
    names = [_area_words(heading)] + ([_area_words(part) for part in parts] if len(parts) > 1 else [])
    return [words for words in names if words]


def area_ids(reg: AnswerIndex, q: Query, ids: list[int], min_share: float,
             agency_is_who: bool = False) -> list[int] | None:
    """The records of `ids` under the area heading the question names (at least `min_share` of
    the distinctive words of the heading, or of one name it lists, asked; the best heading per
    plan); None when none is named. `agency_is_who`: `ids` are the agency's own records, so its
    name's words name no area ("Tài chính - Kế toán" is no "cải cách tài chính công")."""
    asked = set(q.topic.split()) - (set(tokens(q.agency)) if agency_is_who and q.agency else set())
    if not asked:
        return None
    best: dict[str, tuple[float, str]] = {}
    for i in ids:
        t = reg.tasks[i]
        names = _area_names(t.area)
        if not names:
            continue
        share = max(len(name & asked) / len(name) for name in names)
        extra = len(asked - names[0] - _AREA_FILLER)
        score = share - 0.01 * extra
        if share >= min_share and (t.document not in best or score > best[t.document][0]):
            best[t.document] = (score, area_heading(t.area))
    if not best:
        return None
    return [i for i in ids if area_heading(reg.tasks[i].area) == best.get(reg.tasks[i].document, (0, None))[1]]


ROLE_VERBS = {AgencyRole.LEAD: "chủ trì", AgencyRole.COORDINATOR: "phối hợp thực hiện",
              AgencyRole.MONITOR: "theo dõi, kiểm tra, đôn đốc", AgencyRole.ANY: "tham gia"}


def asked_role(q: Query) -> AgencyRole:
    """Which of a record's agencies a list or count question asks about: who monitors ("… theo
    dõi, kiểm tra, đôn đốc"), who coordinates ("… phối hợp", not "chủ trì"), else who leads."""
    if q.monitor:
        return AgencyRole.MONITOR
    if "phoi hop" in q.folded and "chu tri" not in q.folded:
        return AgencyRole.COORDINATOR
    return AgencyRole.LEAD


def table_or_all(reg: AnswerIndex, ids: list[int]) -> list[int]:
    """Per plan: the rows of its task table when it has one, else every stated duty."""
    by_doc: dict[str, list[int]] = defaultdict(list)
    for i in ids:
        by_doc[reg.tasks[i].document].append(i)
    out: list[int] = []
    for items in by_doc.values():
        table = [i for i in items if reg.tasks[i].origin == "table"]
        out += table or items
    return sorted(out)


def see_all_hint(ctx: Context, commune: str | None, short: bool = False) -> str:
    """Where the full list is: the page's task tab and the `cchc tasks` filter that gives it
    (`short`: the tab only, when the list's items need the room)."""
    if short:
        return "Xem đủ ở thẻ “Nhiệm vụ”."
    q = ctx.query
    args = []
    if commune:
        args.append(f'--commune "{commune}"')
    if q.agency:
        args.append(f'--agency "{q.agency}"')
        role = asked_role(q)
        if role is not AgencyRole.LEAD:
            args.append(f"--role {role.value}")
    due = period_filter(q.period) if q.period is not None else ""
    if due:
        args.append(f'--due "{due}"')
    return f"Xem đủ danh sách ở thẻ “Nhiệm vụ” hoặc lệnh `cchc tasks {' '.join(args)}`.".replace("  ", " ")


def fit_list(header: str, items: list[tuple[str, str]], budget: int, tail: Callable[[int], str],
             shown: int, item_min: int, item_max: int, deadline_chars: int, text_first: int = 0,
             short_tail: Callable[[int], str] | None = None) -> str:
    """A counted list within `budget` characters: `header`, then up to `shown` numbered items
    (task text as the plan opens it, " — deadline" when it has one), then `tail(rest)` for the
    `rest` items not written out (called with 0 too; "" when there is nothing to add). Every item written out gets a share of what the
    header, numbering, deadlines and tail leave (short items give their spare to long ones);
    deadlines are shortened, then dropped, before an item falls under `item_min`, and only then
    are fewer items written out — after `short_tail`, when given, has taken the tail's place
    (the items are the answer; where to see all can be said shortly). `text_first`: a list that
    does not ask "when" drops deadlines of their own column before any item is cut under that
    many characters."""
    # a deadline read from inside an item's own sentence is part of what the item says
    inline = any(d and d in " ".join(t.split()) for t, d in items)
    for count in range(min(len(items), shown), 0, -1):
        for end_of in (tail, short_tail) if short_tail else (tail,):
            text = _fitted(header, items, count, end_of(len(items) - count), budget, item_min, item_max,
                           deadline_chars, text_first, inline)
            if text is not None:
                return text
    return header + tail(len(items))


def _fitted(header: str, items: list[tuple[str, str]], count: int, end: str, budget: int, item_min: int,
            item_max: int, deadline_chars: int, text_first: int, inline: bool) -> str | None:
    """The first `count` items under `header` and before `end` within `budget`, or None when
    they do not fit at `item_min` characters each."""
    for limit in (deadline_chars, deadline_chars // 2, 0):
        marks = [_deadline_mark(t, d, limit) for t, d in items[:count]]
        fixed = len(header) + len(end) + sum(len(f"\n{n}. ") + len(m) for n, m in enumerate(marks, 1))
        lengths = [len(" ".join(t.split())) for t, _ in items[:count]]
        caps = share_out(lengths, budget - fixed, item_max)
        if limit and text_first and not inline and any(c < min(text_first, n) for c, n in zip(caps, lengths)):
            continue
        if min(caps) >= min(item_min, min(len(t) for t, _ in items[:count])) or (limit == 0 and count == 1):
            lines = [f"{n}. {shorten(_compact(t) if len(t) > cap else t, cap)}{m}"
                     for n, ((t, _), cap, m) in enumerate(zip(items[:count], caps, marks), 1)]
            return header + "\n" + "\n".join(lines) + end
    return None


# "Chủ trì, phối hợp với các cơ quan, đơn vị có liên quan …": how many of the plans' tasks open;
# a list line cut short drops that part first (the lead is already named in the list's header),
# so the part that tells the task apart stays. Other openings are the task's own words.
_WITH_OTHERS = re.compile(
    r"^chu tri,?\s*phoi hop (?:voi|cung) (?:cac |nhung )?(?:co quan,? don vi|co quan|don vi|ban, nganh|phong, ban"
    r"|can bo,? cong chuc|bo phan)(?: co)? lien quan(?: cua xa| tren dia ban)?,?\s*")


def _compact(task: str) -> str:
    """A task for a list line, "Chủ trì … <what>" for "Chủ trì, phối hợp với … có liên quan <what>"."""
    text = " ".join(task.split())
    m = _WITH_OTHERS.search(fold_aligned(text).lower())
    if not m:
        return text
    return f"{text[:len('Chủ trì')]} … {text[m.end():]}".strip()


def _deadline_mark(task: str, deadline: str, limit: int) -> str:
    """" — deadline" after a list item. A deadline read from inside the task's own sentence
    ("…; chủ động tự kiểm tra, giám sát tiến độ và báo cáo định kỳ (quý I, 6 tháng, …)") is
    shown in the words around it, which a cut item would otherwise lose."""
    if not deadline or not limit:
        return ""
    text = " ".join(task.split())
    at = text.find(deadline)
    if at < 0 or len(deadline) > 2 * limit:
        return f" — {_keeping_date(deadline, limit)}"
    start = max(text.rfind(";", 0, at), text.rfind(".", 0, at)) + 1
    end = at + len(deadline)
    # the rest of the deadline's own phrase ("hàng quý, 6 tháng và hàng năm"), when short
    rest = re.match(r"[^;.()]*", text[end:]).group(0)
    if len(rest) <= limit:
        end += len(rest)
    clause = text[start:end].strip().rstrip(",")
    width = end - at + limit               # the deadline phrase and up to `limit` words before it
    if len(clause) > width:
        cut = clause[len(clause) - width:]
        clause = "…" + cut[cut.find(" ") + 1:] if " " in cut else cut
    return f" — {clause}"


# A date in a deadline's words ("trong tháng 12 hàng năm", "chậm nhất trong tháng 9/2026",
# "trước ngày 20/01/2026", "Quý II/2026"): what a shortened deadline must keep.
# (A bare "năm 2026" is often a document's name, "Kế hoạch … năm 2026": only after a time word.)
_DATE_PHRASE = re.compile(r"(?:(?:trước|chậm nhất|trong|từ|đến|vào)\s+)*(?:ngày\s+\d{1,2}/\d{1,2}(?:/\d{4})?|"
                          r"tháng\s+\d{1,2}(?:/\d{4})?(?:\s+h[àằ]ng\s+năm)?|quý\s+[IV1-4]+(?:/\d{4})?)"
                          r"|(?:trước|chậm nhất|trong|đến|vào)\s+năm\s+\d{4}", re.IGNORECASE)


def _keeping_date(deadline: str, limit: int) -> str:
    """`deadline` shortened to about `limit` characters; when the cut would lose its date, the
    words around the date instead ("…kế hoạch trong tháng 12 hàng năm…")."""
    text = " ".join(deadline.split())
    found = _DATE_PHRASE.search(text)
    if len(text) <= limit or found is None or found.end() < limit:
        return shorten(text, limit)
    start = max(0, min(found.start(), found.end() - limit + 1))
    space = text.rfind(" ", 0, start + 1)      # from a word's start
    start = space + 1 if start - space < 20 else start
    window = text[start:]
    return ("…" if start else "") + shorten(window, max(limit, found.end() - start + 2))


_RATE_SUBJECT = ("ty le", "ti le")


def measure_fit(measure: str, subject: str, topic: list[str], weights) -> float:
    """How well a target's subject is the measure asked: for a rate ("tỷ lệ …"), the share of
    the topic the subject itself names when the subject is a rate ("Tỷ lệ thanh toán trực
    tuyến …"), else 0 ("100% TTHC … thanh toán trực tuyến" is a coverage target)."""
    if measure != "rate" or not topic:
        return 0.0
    key = " ".join(tokens(subject))
    if not key.startswith(_RATE_SUBJECT):
        return 0.0
    return coverage(topic, term_set(subject), weights)
