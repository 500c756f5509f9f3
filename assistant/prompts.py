"""Prompt templates, loaded by name from the repository's `prompts/` folder.

`CCHC_PROMPTS_DIR` points elsewhere (e.g. a deployment's own wording). Templates use
`{placeholder}` fields; literal braces must be doubled.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "prompts"


def prompts_dir() -> Path:
    override = os.environ.get("CCHC_PROMPTS_DIR")
    return Path(override) if override else DEFAULT_DIR


@lru_cache(maxsize=32)
def _read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8").strip()


def load_prompt(name: str) -> str:
    """The template called `name` (`name.md`, `name.txt` or the exact file name)."""
    base = prompts_dir()
    for candidate in (base / name, base / f"{name}.md", base / f"{name}.txt"):
        if candidate.is_file():
            return _read(str(candidate))
    raise FileNotFoundError(f"Không tìm thấy mẫu lời nhắc '{name}' trong {base}")
