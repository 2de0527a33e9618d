#!/usr/bin/env bash
# Scripted visits of the demo storefront in headless Chromium: builds `tailor`, starts
# `tailor demo` on a free port with a temporary data directory, runs visits.mjs, saves
# screenshots under target/browser-screenshots/ and stops the server.
# Needs /usr/bin/chromium (or $CHROMIUM) and `npm ci` done in this folder.
# TAILOR_BIN=path skips the build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shots="$root/target/browser-screenshots"
start=$(date +%s)

bin=${TAILOR_BIN:-}
if [ -z "$bin" ]; then
  (cd "$root" && cargo build --quiet --locked -p tailor)
  bin="${CARGO_TARGET_DIR:-$root/target}/debug/tailor"
fi

work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# A smaller shop than the default keeps start-up to a few seconds in a debug build.
"$bin" demo --data-dir "$work/store" --listen 127.0.0.1:0 --products 800 --shoppers 150 \
  >"$work/out.log" 2>"$work/err.log" &
pid=$!
url=""
for _ in $(seq 1 600); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "tailor demo exited early:" >&2
    cat "$work/out.log" "$work/err.log" >&2
    exit 1
  fi
  if grep -q '^Tailor demo shop is running' "$work/out.log"; then
    url=$(sed -n 's|^Open \(http://[^ ]*\)/demo/$|\1|p' "$work/out.log" | head -1)
    break
  fi
  sleep 0.2
done
if [ -z "$url" ]; then
  echo "tailor demo did not start in 120 s:" >&2
  cat "$work/out.log" "$work/err.log" >&2
  exit 1
fi
public=$(sed -n 's/^public key: //p' "$work/out.log")
admin=$(sed -n 's/^admin key: *//p' "$work/out.log")
echo "== storefront at $url/demo/ (up in $(( $(date +%s) - start )) s)"

rm -rf "$shots"
status=0
node "$here/visits.mjs" "$url" "$public" "$admin" "$shots" || status=$?
node "$here/admin.mjs" "$url" "$admin" "$shots" || status=$?
echo "== browser visits took $(( $(date +%s) - start )) s in all"
exit "$status"
