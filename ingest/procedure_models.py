"""Typed data for citizens' administrative procedures (thủ tục hành chính) from the portal.

Every field keeps the record's own wording (NFC); normalised values sit beside the
verbatim ones, never instead of them. `flags` says what the record lacked or had malformed.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field
from typing import Literal

from ingest.models import Chunk

Channel = Literal["truc_tiep", "truc_tuyen", "buu_chinh", "khac"]
CHANNEL_LABELS: dict[str, str] = {
    "truc_tiep": "Trực tiếp",
    "truc_tuyen": "Trực tuyến",
    "buu_chinh": "Dịch vụ bưu chính",
    "khac": "Khác",
}

TimeUnit = Literal["working_day", "day", "hour", "working_hour", "month", "year", "week"]
FeeKind = Literal["free", "amount", "council", "unknown"]
DocumentGroupKind = Literal["submit", "present", "note", "case"]

# The portal's placeholder for an empty value.
NO_INFO = "Không có thông tin"


@dataclass(frozen=True)
class ProcessingTime:
    text: str                        # as written: "3 Ngày làm việc", "1", "Không có thông tin"
    value: float | None = None       # 3.0; None when the record gives no number
    unit: TimeUnit | None = None     # None when the record gives a bare number or nothing
    unit_given: bool = False         # False for "1" (a number without its unit)

    @property
    def known(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Fee:
    text: str                        # as written: "Miễn phí", "10,000 Việt Nam Đồng", "Không có thông tin"
    kind: FeeKind = "unknown"
    amount: float | None = None      # 10000.0 for "10,000 Việt Nam Đồng"
    currency: str = ""               # "VND", "USD"
    per: str = ""                    # "/trường hợp", "/trang" (the unit the record gives)
    note: str = ""                   # the parenthesised explanation, verbatim
    set_by_council: bool = False     # the note says the provincial People's Council sets the level


@dataclass(frozen=True)
class SubmissionWay:
    channel: Channel
    channel_text: str                # as written: "Dịch vụ bưu chính"
    time: ProcessingTime
    fee: Fee
    description: str = ""            # the "Mô tả" cell, verbatim


@dataclass(frozen=True)
class RequiredDocument:
    name: str                        # verbatim, without the form file and the quantity cell
    group: str = ""                  # the group heading as written: "Giấy tờ phải nộp"
    group_kind: DocumentGroupKind = "submit"
    originals: int | None = None     # "1 bản chính" -> 1
    copies: int | None = None        # "1 bản sao" -> 1
    quantity_text: str = ""          # "0 bản chính,1 bản sao"
    form: str = ""                   # the form file cell ("Mẫu đơn, tờ khai"), e.g. "Mau13.docx"
    conditional: bool = False        # "Trường hợp …"/"Nếu …": only needed in that case

    @property
    def kind_text(self) -> str:
        """"bản chính"/"bản sao"/"bản chính hoặc bản sao", from the quantity cell."""
        parts = []
        if self.originals:
            parts.append(f"{self.originals} bản chính")
        if self.copies:
            parts.append(f"{self.copies} bản sao")
        return ", ".join(parts)


@dataclass(frozen=True)
class LegalBasis:
    title: str
    code: str = ""                   # "123/2015/NĐ-CP"


@dataclass(frozen=True)
class ProcedureResult:
    name: str
    code: str = ""                   # "KQ.G15.000031"


@dataclass
class Procedure:
    code: str                        # ma_thu_tuc, "1.001193"
    name: str
    document: str                    # the record file the procedure came from, "1.001193.json"
    field: str = ""                  # lĩnh vực
    level: str = ""                  # cấp thực hiện
    kind: str = ""                   # loại thủ tục
    applicants: str = ""             # đối tượng thực hiện
    competent_agency: str = ""       # cơ quan có thẩm quyền
    implementing_agency: str = ""    # cơ quan thực hiện
    reception_address: str = ""      # địa chỉ tiếp nhận hồ sơ
    decision: str = ""               # số quyết định công bố
    ways: list[SubmissionWay] = _field(default_factory=list)
    documents: list[RequiredDocument] = _field(default_factory=list)
    steps: str = ""                  # trình tự thực hiện, verbatim
    conditions: str = ""             # yêu cầu, điều kiện ("" when the record says Không có thông tin)
    results: list[ProcedureResult] = _field(default_factory=list)
    result_text: str = ""            # the result field without the portal's navigation text
    legal_bases: list[LegalBasis] = _field(default_factory=list)
    related: str = ""                # thủ tục hành chính liên quan
    url: str = ""
    flags: list[str] = _field(default_factory=list)

    @property
    def agency(self) -> str:
        return self.implementing_agency or self.competent_agency

    @property
    def channels(self) -> list[str]:
        return sorted({w.channel for w in self.ways})


@dataclass
class ParsedProcedures:
    """One procedure file (a `.json` record or a `.jsonl` of records), parsed.

    Shaped like `ParsedPlan` for the store: `document` is the file, `chunks` the retrieval
    units (one per facet and procedure), `content_hash` the sha256 of the file's bytes.
    """

    document: str
    path: str
    content_hash: str
    procedures: list[Procedure]
    chunks: list[Chunk]
    warnings: list[str] = _field(default_factory=list)


def procedure_from_dict(data: dict) -> Procedure:
    """The inverse of `dataclasses.asdict(procedure)` (the store keeps records as JSON)."""
    values = dict(data)
    values["ways"] = [
        SubmissionWay(channel=w["channel"], channel_text=w["channel_text"], time=ProcessingTime(**w["time"]),
                      fee=Fee(**w["fee"]), description=w.get("description", ""))
        for w in data.get("ways", [])
    ]
    values["documents"] = [RequiredDocument(**d) for d in data.get("documents", [])]
    values["results"] = [ProcedureResult(**r) for r in data.get("results", [])]
    values["legal_bases"] = [LegalBasis(**b) for b in data.get("legal_bases", [])]
    known = set(Procedure.__dataclass_fields__)
    return Procedure(**{k: v for k, v in values.items() if k in known})
