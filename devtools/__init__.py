"""Developer and benchmark tools: the generated town and its commands, never in production.

Installed when `DEVTOOLS` is true: by default in `loos.settings.local` and
`loos.settings.test`; the benchmarks (`scripts/bench_*.py`, `make bench-report`) set it for
their production-settings stack. It may import any app; no app imports it.
"""
