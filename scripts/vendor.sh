#!/usr/bin/env bash
# Refresh the vendored front-end assets from the npm registry (see static/vendor/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent bootstrap@5.3.9 htmx.org@2.0.11 leaflet@1.9.4 >/dev/null)
for n in bootstrap htmx.org leaflet; do mkdir -p "$tmp/$n" && tar xzf "$tmp"/$n-*.tgz -C "$tmp/$n"; done
v=static/vendor
cp "$tmp"/bootstrap/package/dist/css/bootstrap.min.css* "$tmp"/bootstrap/package/dist/js/bootstrap.bundle.min.js* "$v/bootstrap/"
cp "$tmp"/htmx.org/package/dist/htmx.min.js "$v/htmx/"
cp -r "$tmp"/leaflet/package/dist/{leaflet.js,leaflet.js.map,leaflet.css,images} "$v/leaflet/"
echo "vendored assets refreshed"
