"""Name the real cause of a storage failure: a full disk, a read-only data folder, a name too long.

SQLite, Chroma and the OS report these in many shapes ("database or disk is full", "disk I/O error",
"unable to open database file", ENOSPC, EROFS), and a secondary error often hides the first one
("cannot rollback - no transaction is active" raised while handling "database or disk is full").
`storage_failure` walks the whole exception chain and, for the ambiguous shapes, looks at the data
folder itself, so every surface (CLI exit 1, API 507/503, job messages) says the same thing.
"""

from __future__ import annotations

import errno
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

FailureKind = Literal["disk_full", "read_only", "name_too_long"]

# Below this much free space an ambiguous I/O error is a full disk.
NEARLY_FULL_BYTES = 1 << 20

_DISK_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_DISK_FULL_TEXT = ("database or disk is full", "no space left on device", "disk is full", "quota exceeded")
_READ_ONLY_TEXT = ("read-only file system", "readonly database", "read only database")
_NAME_TEXT = ("file name too long",)
_AMBIGUOUS_TEXT = ("disk i/o error", "unable to open database file", "permission denied")


@dataclass(frozen=True)
class StorageFailure:
    kind: FailureKind
    message: str          # Vietnamese, user-facing
    status: int           # HTTP status for the API

    def __str__(self) -> str:
        return self.message


def disk_full(home: Path | str | None = None) -> StorageFailure:
    where = f" ({home})" if home else ""
    return StorageFailure("disk_full", f"ổ đĩa đầy: không còn chỗ ghi dữ liệu{where}; hãy giải phóng dung lượng "
                                       "rồi thử lại (dữ liệu đã lưu không bị mất).", 507)


def read_only(home: Path | str | None = None) -> StorageFailure:
    where = f" {home}" if home else ""
    return StorageFailure("read_only", f"thư mục dữ liệu chỉ đọc{where}: không ghi được vào kho; hãy cấp quyền "
                                       "ghi hoặc chọn thư mục khác bằng CCHC_HOME.", 503)


def name_too_long() -> StorageFailure:
    return StorageFailure("name_too_long", "tên tệp quá dài: hệ thống tệp không lưu được tên này; hãy đổi tên "
                                           "ngắn hơn.", 400)


def _chain(exc: BaseException):
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def storage_failure(exc: BaseException, home: Path | str | None = None) -> StorageFailure | None:
    """The storage cause behind `exc` (anywhere in its chain), or None when it is something else.

    `home` is the data folder: it resolves errors that do not say why ("disk I/O error")."""
    ambiguous = False
    for link in _chain(exc):
        code = getattr(link, "errno", None) if isinstance(link, OSError) else None
        text = str(link).lower()
        if code in _DISK_FULL_ERRNOS or any(t in text for t in _DISK_FULL_TEXT):
            return disk_full(home)
        if code == errno.EROFS or any(t in text for t in _READ_ONLY_TEXT):
            return read_only(home)
        if code == errno.ENAMETOOLONG or any(t in text for t in _NAME_TEXT):
            return name_too_long()
        if code in (errno.EACCES, errno.EPERM, errno.EIO) or any(t in text for t in _AMBIGUOUS_TEXT):
            ambiguous = True
    if ambiguous and home is not None:
        return probe(home)
    return None


def probe(home: Path | str) -> StorageFailure | None:
    """A read-only or (nearly) full data folder, checked on the folder itself."""
    folder = Path(home)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not os.access(folder, os.W_OK):
        return read_only(home)
    try:
        if shutil.disk_usage(folder).free < NEARLY_FULL_BYTES:
            return disk_full(home)
    except OSError:
        return None
    return None
