#!/usr/bin/env bash
# Runs test files as if the clock said another time, to find tests that depend on the hour, the weekday or
# the date (CI runs at night and on weekends in Shanghai and London). Needs Debian's libfaketime
# (`apt-get install -y faketime`); CI does not use this script.
#
#   scripts/test-at.sh '2026-12-12 15:30:00' test/suspicious-trading.test.ts test/estate.test.ts
#
# The time is UTC. Every process started under it (Vitest, its workers, the test PostgreSQL, Chromium)
# gets the same offset from the real clock, so the clock still advances and they agree with each other.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 'YYYY-MM-DD HH:MM:SS' (UTC) test-file..." >&2
  exit 2
fi
lib=$(find /usr/lib /usr/local/lib -name libfaketime.so.1 -path '*faketime*' 2>/dev/null | head -n 1)
if [ -z "$lib" ]; then
  echo "libfaketime not found: apt-get install -y faketime" >&2
  exit 2
fi
target=$(date -u -d "$1 UTC" +%s)
shift
offset=$((target - $(date -u +%s)))
echo "Running as if it were $(date -u -d "@$target" '+%a %Y-%m-%d %H:%M UTC') (offset ${offset} s)" >&2
# An offset ("+N"), not a start time ("@..."): a start time would restart at that instant in every process
# started later (each Vitest worker), and the processes would disagree about the time.
export FAKETIME="${offset}"
[ "$offset" -ge 0 ] && export FAKETIME="+${offset}"
export LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}"
exec npx vitest run "$@"
