#!/usr/bin/env bash
# Refresh the vendored Apache ECharts under http/static/vendor/echarts/.
#
# gongfu serves every asset itself (government intranets have no internet),
# so the chart library is copied into the static tree and embedded in the
# binary. This script fetches the pinned version from the npm registry with
# `npm pack` (which checks the tarball against the registry's integrity
# hash), copies dist/echarts.min.js with its LICENSE, NOTICE and
# licenses/LICENSE-d3 (the minified build embeds d3 code that LICENSE
# points to), and prints
# the files' sha256 for the commit message and the vendor README.
#
# To move to a new version: change VERSION, run this script, check the
# dashboards (go test ./http/ and a look at /dash), and update the version
# and sha256 in http/static/vendor/README.md.
set -euo pipefail

VERSION=6.1.0

cd "$(dirname "$0")/.."
dest=http/static/vendor/echarts
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "echarts@$VERSION" >/dev/null)
tar -xzf "$tmp/echarts-$VERSION.tgz" -C "$tmp"
got=$(node -p "require('$tmp/package/package.json').version")
if [ "$got" != "$VERSION" ]; then
  echo "npm gave echarts $got, want $VERSION" >&2
  exit 1
fi

mkdir -p "$dest"
cp "$tmp/package/dist/echarts.min.js" "$dest/echarts.min.js"
cp "$tmp/package/LICENSE" "$dest/LICENSE"
for f in NOTICE licenses/LICENSE-d3; do
  if [ -f "$tmp/package/$f" ]; then
    cp "$tmp/package/$f" "$dest/$(basename "$f")"
  else
    rm -f "$dest/$(basename "$f")"
  fi
done

echo "echarts $VERSION vendored into $dest"
(cd "$dest" && sha256sum echarts.min.js LICENSE $(ls NOTICE LICENSE-d3 2>/dev/null))
