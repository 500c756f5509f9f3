"""The one error type ingestion raises for a file it cannot turn into a plan."""

from __future__ import annotations


class IngestError(Exception):
    """A file could not be ingested. Carries the file name and the reason in Vietnamese and English.

    `str(error)` gives the user-facing line: "<file>: <lý do> (<reason>)".
    """

    def __init__(self, document: str, reason_vi: str, reason_en: str = "") -> None:
        self.document = document
        self.reason_vi = reason_vi
        self.reason_en = reason_en
        super().__init__(self.message)

    @property
    def message(self) -> str:
        reason = self.reason_vi
        if self.reason_en:
            reason = f"{reason} ({self.reason_en})"
        return f"{self.document}: {reason}"

    def __str__(self) -> str:
        return self.message


class NeedsOcr(IngestError):
    """A PDF without a usable text layer (a scan): the loader may read it with OCR instead."""


class InvalidInput(ValueError):
    """Input refused with a user-facing Vietnamese message (`str(error)`): a question, a period,
    a file name. Surfaces show the message as it is: the API as a 400, the CLI on stderr."""
