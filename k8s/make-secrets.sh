#!/usr/bin/env bash
# Writes the secret values kustomize's secretGenerator reads (k8s/base/secrets/, git-ignored).
#   k8s/make-secrets.sh                                   create the files that are missing
#   k8s/make-secrets.sh --rotate admin-token|redis-password   replace one value
# Values: 32 random bytes, base64url without padding, so they are safe inside a Redis connection string.
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)/base/secrets"
rotate=""
if [ $# -gt 0 ]; then
  if [ "$1" != --rotate ] || [ $# -ne 2 ] || { [ "$2" != admin-token ] && [ "$2" != redis-password ]; }; then
    echo "usage: $0 [--rotate admin-token|redis-password]" >&2
    exit 2
  fi
  rotate=$2
fi
mkdir -p "$dir"
for name in admin-token redis-password; do
  if [ ! -s "$dir/$name" ] || [ "$name" = "$rotate" ]; then
    (umask 077; head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' > "$dir/$name")
    echo "wrote $dir/$name"
  fi
done
