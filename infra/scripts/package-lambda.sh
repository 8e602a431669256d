#!/bin/sh
# Assembles the Lambda code asset in infra/build/lambda from the service's build: the contents of
# dist/ (handlers lambda.http, lambda.scheduled, lambda.outboxStream), config/, package.json and
# the production dependencies. Run by the CDK CLI before every synth/deploy (cdk.json "build").
#
# - No dist/lambda.js (a clean clone, or CI, which does not build the service): nothing to do; the
#   stack then uses lambda-placeholder/ so that synth works without a build.
# - Same dist/, config/ and package-lock.json as the last run: nothing to do (no network).
# - Otherwise the bundle is rebuilt; `npm ci --omit=dev --prefer-offline` takes the packages from
#   npm's cache, which the root `npm ci` filled, and reaches the registry only for what is missing.
set -eu
infra=$(cd "$(dirname "$0")/.." && pwd)
root=$(dirname "$infra")
out="$infra/build/lambda"

if [ ! -f "$root/dist/lambda.js" ]; then
  echo "package-lambda: no dist/lambda.js (run \`npm run build\` at the repository root); synth uses lambda-placeholder/" >&2
  exit 0
fi

stamp=$(cd "$root" && find dist config package.json package-lock.json -type f -print0 2>/dev/null \
  | sort -z | xargs -0 cksum | cksum | cut -d' ' -f1)
if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ] && [ -f "$out/lambda.js" ]; then
  exit 0
fi

echo "package-lambda: assembling $out" >&2
rm -rf "$out"
mkdir -p "$out"
# dist/ without source maps of tests or the build info; the handlers sit at the asset's root.
(cd "$root/dist" && tar cf - --exclude='*.tsbuildinfo' --exclude='openapi.json' .) | (cd "$out" && tar xf -)
# Merged into the compiled src/config of dist/: PLANS_FILE's default, config/plans.json, resolves
# against the function's working directory, the asset root.
mkdir -p "$out/config"
cp -R "$root/config/." "$out/config/"
cp "$root/package.json" "$root/package-lock.json" "$out/"
(cd "$out" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error)
echo "$stamp" > "$out/.stamp"
