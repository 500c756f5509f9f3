#!/usr/bin/env bash
# First run after the install, timed: from an empty CCHC_HOME, the README's first command
# (ingest plans and procedures, serve), until the page answers
# "lam giay khai sinh cho con can giay to gi". Prints the answer's start and the times.
#   bash scripts/first_run.sh [PORT]
set -euo pipefail
cd "$(dirname "$0")/.."
CCHC=${CCHC:-.venv/bin/cchc}
PORT=${1:-8790}
export CCHC_HOME
CCHC_HOME=$(mktemp -d)
trap 'kill "${SERVER:-}" 2>/dev/null || true; rm -rf "$CCHC_HOME"' EXIT
now() { date +%s.%N; }
t0=$(now)
"$CCHC" ingest data/plans data/procedures --no-progress >/dev/null 2>"$CCHC_HOME/ingest.log"
t1=$(now)
"$CCHC" serve --port "$PORT" >"$CCHC_HOME/serve.log" 2>&1 &
SERVER=$!
until curl -sf "localhost:$PORT/readyz" >/dev/null; do sleep 0.5; done
curl -sf "localhost:$PORT/" -o /dev/null
answer=$(curl -sf -X POST "localhost:$PORT/api/ask" -H 'content-type: application/json' \
  -d '{"question":"lam giay khai sinh cho con can giay to gi"}')
t2=$(now)
echo "$answer" | head -c 300; echo
tail -1 "$CCHC_HOME/ingest.log"
awk -v a="$t0" -v b="$t1" -v c="$t2" \
  'BEGIN { printf "ingest %.1f s, serve to answer %.1f s, total %.1f s\n", b - a, c - b, c - a }'
