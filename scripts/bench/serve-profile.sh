#!/usr/bin/env bash
# Drives `tailor serve` on the store of `tailor bench serve` with wrk (2 threads, 32 connections,
# as serenade was measured) and prints throughput, latency and the server's CPU time per request;
# with --callgrind, runs the server under valgrind's callgrind at low concurrency instead and
# prints instructions per request of the recommendation handler's parts (deterministic enough
# to compare two builds on a busy machine).
#
#   scripts/bench/serve-profile.sh [--callgrind] [BINARY] [SECONDS]
#
# SERVE_ARGS is passed to `tailor serve` (e.g. SERVE_ARGS="--sync process"); TAILOR_VISITORS
# (default 20000) spreads the requests over fewer visitors, for long sessions in a short run, and
# TAILOR_REQUESTS stops wrk after that many answers (as many requests for both builds), and
# TAILOR_SHAPE=trending|box|event|for_you|healthz measures one part of the request (see wrk-reco.lua).
# With --callgrind, CALLGRIND_OPTS goes to valgrind (e.g. "--collect-atstart=no
# --toggle-collect=*handle_connection*" to leave start-up out) and CALLGRIND_OUT keeps the profile.
#
# Needs wrk (Debian package wrk), valgrind for --callgrind, and ../shared/datasets/yoochoose-rsc15-100k.
set -euo pipefail
cd "$(dirname "$0")/../.."
CG=0
if [ "${1:-}" = "--callgrind" ]; then CG=1; shift; fi
BIN=${1:-target/release/tailor}; SECS=${2:-10}
DATA=../shared/datasets/yoochoose-rsc15-100k
[ -d "$DATA" ] || { echo "SKIP: $DATA is absent"; exit 0; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
WORK=$(mktemp -d); trap 'kill ${SPID:-} 2>/dev/null || true; rm -rf "$WORK"' EXIT
"$BIN" bench serve --data-dir "$WORK/store" --closed-secs 0.5 --open-secs 0 > /dev/null
export TAILOR_KEY=$("$BIN" keys --data-dir "$WORK/store" create --label profile | sed -n 's/.*"secret": "\(.*\)".*/\1/p')
tail -n +2 "$DATA/yoochoose-clicks-100k_test.txt" | cut -f2 | awk '!s[$1]++' > "$WORK/items.txt"
export TAILOR_ITEMS="$WORK/items.txt"
PORT=$((20000 + RANDOM % 20000))
if [ $CG = 1 ]; then
  valgrind --tool=callgrind ${CALLGRIND_OPTS:-} --callgrind-out-file="$WORK/cg.out" "$BIN" serve --data-dir "$WORK/store" \
    --listen 127.0.0.1:$PORT ${SERVE_ARGS:-} > "$WORK/serve.log" 2>&1 &
else
  "$BIN" serve --data-dir "$WORK/store" --listen 127.0.0.1:$PORT ${SERVE_ARGS:-} > "$WORK/serve.log" 2>&1 &
fi
SPID=$!
for _ in $(seq 600); do curl -sf http://127.0.0.1:$PORT/healthz > /dev/null && break; sleep 0.5; done
if [ $CG = 1 ]; then
  wrk -t1 -c4 -d${SECS}s -s scripts/bench/wrk-reco.lua http://127.0.0.1:$PORT/ > "$WORK/wrk.txt"
  kill -INT $SPID; wait $SPID || true; SPID=
  if [ -n "${CALLGRIND_OUT:-}" ]; then cp "$WORK/cg.out" "$CALLGRIND_OUT"; fi
  N=$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")
  echo "requests: $N (wrk -t1 -c4 ${SECS}s under callgrind)"
  callgrind_annotate --inclusive=yes --threshold=100 "$WORK/cg.out" 2>/dev/null \
    | grep -E "(handle_connection::\{\{closure\}\}::\{\{closure\}\}|pipeline::recommend_with|candidates::generate|SessionKnn::score|pipeline::rank::rank|RecResponse>::serialize|sqlite::writer_loop)( \[.*)?$" \
    | awk -v n="$N" '{c = $1; gsub(",", "", c); f = $0; sub(/^ *[0-9,]+ +\([^)]*\) +[^:]+:/, "", f); sub(/ \[.*/, "", f)}
        !seen[f]++ {printf "%10.0f instructions/request  %s\n", c / n, f}'
else
  T0=$(awk '{print $14+$15}' /proc/$SPID/stat)
  wrk -t2 -c32 -d${SECS}s --latency -s scripts/bench/wrk-reco.lua http://127.0.0.1:$PORT/ > "$WORK/wrk.txt"
  T1=$(awk '{print $14+$15}' /proc/$SPID/stat)
  cat "$WORK/wrk.txt"
  N=$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")
  echo "server CPU per request: $(( (T1 - T0) * 10000 / N )) µs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
fi
