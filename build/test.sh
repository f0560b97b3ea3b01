#!/usr/bin/env bash
# The README's test command. On a fresh machine it installs and starts what the tests need, builds,
# runs every test project, and ends with the plain line "N passed, N failed, N skipped" computed from
# the TRX results that dotnet test writes.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RESULTS="$ROOT/artifacts/test-results"
rm -rf "$RESULTS"; mkdir -p "$RESULTS"

# --- system packages the tests use (real Redis, Prometheus, Chromium, kubectl) ---
need=()
command -v redis-server >/dev/null || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq "${need[@]}" >/dev/null || { echo "apt-get install ${need[*]} failed"; exit 1; }
fi

# --- Redis on a test port; the tests read VRM_TEST_REDIS ---
REDIS_PORT=${VRM_TEST_REDIS_PORT:-6391}
if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  redis-server --port "$REDIS_PORT" --save "" --appendonly no --daemonize yes --logfile "$RESULTS/redis.log" >/dev/null
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
export VRM_TEST_REDIS="127.0.0.1:$REDIS_PORT"

# --- build once, then test every project ---
dotnet build Vrm.Distributed.sln -c Release -nologo -v:q 2>&1 | tail -n 30
build_rc=${PIPESTATUS[0]}
if [ "$build_rc" -ne 0 ]; then echo "build failed"; echo "0 passed, 1 failed"; exit 1; fi

dotnet test Vrm.Distributed.sln -c Release --no-build -nologo \
  --logger "trx" --results-directory "$RESULTS" -- RunConfiguration.TreatNoTestsAsError=false
test_rc=$?

# --- the closing line, from the TRX files ---
passed=0; failed=0; skipped=0
for trx in $(find "$RESULTS" -name '*.trx'); do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n1)
  attr() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  passed=$((passed + $(attr passed)))
  failed=$((failed + $(attr failed) + $(attr error) + $(attr timeout) + $(attr aborted)))
  skipped=$((skipped + $(attr notExecuted)))
done
if [ "$test_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi  # a crashed test host counts as a failure
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$test_rc" -eq 0 ]
