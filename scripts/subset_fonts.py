"""Rebuild assistant/static/fonts/: Latin + Vietnamese subsets of Be Vietnam Pro (SIL OFL 1.1)
as WOFF2, from the `fontpkg-be-vietnam-pro` package (a build-time tool, not a run-time dependency):

    pip install fontpkg-be-vietnam-pro fonttools brotli && python scripts/subset_fonts.py
"""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

from fontTools import subset

OUT = Path(__file__).resolve().parents[1] / "assistant" / "static" / "fonts"
WEIGHTS = {"Regular": 400, "SemiBold": 600}
UNICODES = ("U+0020-007E,U+00A0-00FF,U+0100-017F,U+01A0-01B0,U+0300-0323,U+1EA0-1EF9,"
            "U+2000-206F,U+20AB,U+2190-2193,U+2022,U+2026,U+2116")


def main() -> None:
    source = files("fontpkg_be_vietnam_pro") / "files"
    OUT.mkdir(parents=True, exist_ok=True)
    for name in WEIGHTS:
        options = subset.Options()
        options.flavor = "woff2"
        options.layout_features = ["*"]
        font = subset.load_font(str(source / f"BeVietnamPro-{name}.ttf"), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=subset.parse_unicodes(UNICODES))
        subsetter.subset(font)
        subset.save_font(font, str(OUT / f"BeVietnamPro-{name}.woff2"), options)
    shutil.copy(source.parent / "LICENSE", OUT / "OFL.txt")


if __name__ == "__main__":
    main()
