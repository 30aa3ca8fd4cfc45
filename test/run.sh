#!/usr/bin/env bash
# The README's test command (`npm test`): type-check, then every uvu suite on
# Node and on Deno. Prints one closing `N passed, N failed` line for the run.
set -uo pipefail
cd "$(dirname "$0")/.."
pattern="${1:-\\.test\\.ts$}"
status=0
passed=0
failed=0
out=$(mktemp)

step() { printf '\n=== %s ===\n' "$*"; }

step "type-check (tsc)"
if ./node_modules/.bin/tsc -p tsconfig.json --noEmit; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi

step "build (esbuild → dist/server.js)"
if node scripts/build.mjs >/dev/null; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi

count() { # add the runner's closing line to the totals
  local line
  line=$(grep -E '^\[(node|deno)\] [0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
  if [ -z "$line" ]; then failed=$((failed + 1)); status=1; return; fi
  passed=$((passed + $(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$line")))
  failed=$((failed + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")))
}

step "uvu on Node"
node --import tsx test/runner.ts "$pattern" 2>&1 | tee "$out"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
count

step "uvu on Deno"
./node_modules/.bin/deno run --allow-all test/runner.ts "$pattern" 2>&1 | tee "$out"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
count

rm -f "$out"
echo
echo "${passed} passed, ${failed} failed"
exit "$status"
