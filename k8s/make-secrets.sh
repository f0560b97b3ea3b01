#!/usr/bin/env bash
# Writes the secret values kustomize's secretGenerator reads (k8s/base/secrets/, git-ignored).
# Existing files are kept unless --rotate NAME (admin-token | redis-password) is given.
# Values: 32 random bytes, base64url, so they are safe inside a Redis connection string.
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)/base/secrets"
mkdir -p "$dir"
rotate="${2:-}"
[ "${1:-}" = "--rotate" ] || rotate=""
if [ "${1:-}" = "--rotate" ] && [ "$rotate" != admin-token ] && [ "$rotate" != redis-password ]; then
  echo "usage: $0 [--rotate admin-token|redis-password]" >&2; exit 2
fi
for name in admin-token redis-password; do
  if [ ! -s "$dir/$name" ] || [ "$name" = "$rotate" ]; then
    (umask 077; head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' > "$dir/$name")
    echo "wrote $dir/$name"
  fi
done
