#!/usr/bin/env bash
# The one publish command for the `vrm` executable: both Dockerfiles run it, and build/test.sh runs
# it for the CPU backend, so CI publishes exactly what the CPU image ships.
#   usage: k8s/docker/publish.sh <cpu|cuda> <output-dir> [--print]
#   --print writes the command line (one argument per line) instead of running it; the deploy tests
#   use it to evaluate the same properties for cuda, whose packages do not restore on CI.
# Self-contained: neither base image carries a .NET runtime (there is no Debian 12 .NET 10 runtime
# image, and the CUDA image is plain Ubuntu), so the runtime ships inside the output.
set -euo pipefail
if [ $# -lt 2 ] || { [ "$1" != cpu ] && [ "$1" != cuda ]; }; then
  echo "usage: $0 <cpu|cuda> <output-dir> [--print]" >&2
  exit 2
fi
backend=$1
out=$2
root="$(cd "$(dirname "$0")/../.." && pwd)"
cmd=(dotnet publish "$root/Cli/vrm.csproj"
     -c Release
     -r linux-x64
     --self-contained true
     "-p:VrmTorchBackend=$backend"
     -o "$out"
     -nologo)
if [ "${3:-}" = --print ]; then
  printf '%s\n' "${cmd[@]}"
  exit 0
fi
"${cmd[@]}"
# The TorchSharp GLIBCXX fix (build/TorchSharpNativeFix.targets) runs as part of publish; fail
# here rather than in a pod if the native library did not land in the output.
ls "$out"/libLibTorchSharp.so >/dev/null
