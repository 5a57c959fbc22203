#!/usr/bin/env bash
# Measures the simulator's GET /v1/result/{id} throughput with wrk, the simulator in its own JVM.
# Usage: benchmarks/scripts/simulator-wrk.sh [TASKS] [DURATION]   (after: mvn -B -q install -DskipTests)
# Needs wrk (Debian package 'wrk'). Prints wrk's report for one task id, then for TASKS ids round robin.
set -euo pipefail
cd "$(dirname "$0")/../.."
TASKS=${1:-1000}
DURATION=${2:-20s}
PORT=${PORT:-18181}
JAR=testkit/target/taskpoll-simulator.jar
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
[[ -f $JAR ]] || { echo "$JAR is missing: run mvn -B -q install -DskipTests first" >&2; exit 2; }

java -Xms2g -Xmx2g -XX:+UseG1GC -jar "$JAR" --port "$PORT" --scale 1 > /tmp/taskpoll-sim-wrk.log 2>&1 &
SIM=$!
trap 'kill $SIM 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/_sim/tasks" && break; sleep 0.2; done

IDS=$(mktemp)
for _ in $(seq "$TASKS"); do
  # one id per line (curl's body has no trailing newline)
  printf '%s\n' "$(curl -s -X POST -H 'Authorization: Bearer sim-key' -H 'Content-Type: application/json' \
    -d '{"model":"veo_3_1_fast","prompt":"a cat"}' "http://127.0.0.1:$PORT/kyyReactApiServer/v1/veo/videos" \
    | sed -E 's/.*"id":"([^"]+)".*/\1/')"
done > "$IDS"
if [[ $(wc -l < "$IDS") -ne $TASKS ]] || grep -qvE '^[a-z]+_[0-9a-f]{16}$' "$IDS"; then
  echo "could not create $TASKS tasks: see $IDS" >&2
  exit 1
fi
ONE=$(head -1 "$IDS")
URL="http://127.0.0.1:$PORT/kyyReactApiServer/v1/result/$ONE"

echo "== warm-up (10 s, not reported)"
wrk -t2 -c64 -d10s -H 'Authorization: Bearer sim-key' "$URL" > /dev/null
OUT=$(mktemp)
echo "== one task id: wrk -t2 -c64 -d$DURATION --latency"
wrk -t2 -c64 -d"$DURATION" --latency -H 'Authorization: Bearer sim-key' "$URL" | tee -a "$OUT"
echo "== $TASKS task ids round robin: wrk -t2 -c64 -d$DURATION --latency -s rotate-ids.lua"
IDS_FILE=$IDS wrk -t2 -c64 -d"$DURATION" --latency -s benchmarks/scripts/rotate-ids.lua "http://127.0.0.1:$PORT" \
  | tee -a "$OUT"
if grep -q "Non-2xx" "$OUT"; then
  echo "FAILED: some answers were not 2xx; the figures above do not count" >&2
  exit 1
fi
