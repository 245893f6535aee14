#!/usr/bin/env bash
# `make audit`: pip-audit over the locked dependencies. The vulnerability service (PyPI/OSV)
# is not reachable from CI here, so this target is not part of `make test`; when the service
# cannot be reached it says so clearly and exits 0 instead of failing.
set -uo pipefail
cd "$(dirname "$0")/.."
req=$(mktemp)
trap 'rm -f "$req"' EXIT
uv export --frozen --no-hashes --format requirements-txt --no-emit-project > "$req"
out=$(uvx --quiet pip-audit --progress-spinner off -r "$req" 2>&1)
status=$?
unreachable="connection|resolve|timed out|HTTPSConnectionPool|Max retries|could not be audited"
if echo "$out" | grep -qiE "$unreachable"; then
  echo "pip-audit could not reach its vulnerability service from this machine: the locked"
  echo "dependencies were NOT checked. Run 'make audit' where PyPI's vulnerability API is reachable."
elif [ $status -eq 0 ]; then
  echo "$out"
  echo "pip-audit: no known vulnerability in the locked dependencies."
else
  echo "$out"
  exit $status
fi
