"""What a file's first bytes must be for its extension (no other ingest module needed)."""

# What binary formats start with (the others are checked when they are opened): a Word 97-2003
# file is an OLE2 compound file (or RTF saved as .doc), images their format's magic bytes.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TIFF_MAGIC = (b"II*\x00", b"MM\x00*")
_JPEG_MAGIC = (b"\xff\xd8\xff",)
FILE_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".doc": (OLE_MAGIC, b"{\\rtf"),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": _JPEG_MAGIC,
    ".jpeg": _JPEG_MAGIC,
    ".tif": _TIFF_MAGIC,
    ".tiff": _TIFF_MAGIC,
}


def has_signature(suffix: str, head: bytes) -> bool:
    """Do a file's first bytes match its extension's format? (True for formats without one.)"""
    signatures = FILE_SIGNATURES.get(suffix.lower())
    return signatures is None or head.startswith(signatures)
