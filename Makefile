# The two commands a newcomer needs: `make run` and `make test` (see README.md).
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
PY := .venv/bin/python
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test test-fast install uv check-browser lint messages serve worker beat web services-stop vendor bench bench-rush audit

uv:
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --user --quiet uv

install: uv
	$(UV) sync --frozen

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

check-browser:
	@test -x $(CHROMIUM) || { echo "Chromium is missing: apt-get install chromium (Debian package)"; exit 1; }

lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

test: install check-browser lint
	@eval "$$($(PY) scripts/services.py)" && \
	  echo "Testing against $$DATABASE_URL and $$REDIS_URL" && \
	  DJANGO_SETTINGS_MODULE=loos.settings.test $(PY) manage.py makemigrations --check --dry-run && \
	  $(PY) -m pytest $(PYTEST_ARGS)

# The edit-test loop: everything but real Celery workers, fault injection and browsers.
test-fast: install lint
	@eval "$$($(PY) scripts/services.py)" && \
	  DJANGO_SETTINGS_MODULE=loos.settings.test $(PY) manage.py makemigrations --check --dry-run && \
	  $(PY) -m pytest -m "not worker and not faults and not browser" $(PYTEST_ARGS)

messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=private --no-obsolete
	$(PY) manage.py compilemessages -l en --ignore=.venv

# A production-like run on PostgreSQL + Redis (DATABASE_URL, REDIS_URL, SECRET_KEY set).
web:
	$(PY) manage.py collectstatic --noinput -v0
	.venv/bin/gunicorn loos.wsgi --bind 127.0.0.1:8000 --workers $${WEB_WORKERS:-4}
worker:
	.venv/bin/celery -A loos worker --loglevel=info -Q default,emails,digests
beat:
	.venv/bin/celery -A loos beat --loglevel=info --schedule .services/celerybeat-schedule

services-stop:
	-@test -f .services/pg/postmaster.pid && runuser -u postgres -- $$(ls -d /usr/lib/postgresql/*/bin | tail -1)/pg_ctl -D .services/pg stop
	-@test -f .services/redis.pid && kill $$(cat .services/redis.pid)

vendor:
	bash scripts/vendor.sh

# Benchmarks (PostgreSQL + Redis on this machine; see README "Performance").
bench: install
	@command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
	$(PY) scripts/bench_pages.py $(BENCH_ARGS)

audit: install
	bash scripts/audit.sh

bench-rush: install
	$(PY) scripts/bench_rush.py $(RUSH_ARGS)

# Daily digest benchmark: 10,000 residents, one worker process (8 threads), a local SMTP sink
# (BENCH_ARGS="-n 100000" or "--pool solo"). Uses a scratch database next to DATABASE_URL's.
.PHONY: bench-digest
bench-digest: install
	@eval "$$($(PY) scripts/services.py)" && $(PY) scripts/bench_digest.py $(BENCH_ARGS)

# Participation reports on a generated town (PostgreSQL only): 100,000 residents and
# 1,000,000 contributions, comments and votes over 5 years, in a dedicated database.
BENCH_REPORT_DB ?= loos_bench_reports
BENCH_REPORT_ARGS ?= --residents 100000 --years 5 --seed 42
.PHONY: bench-report
bench-report: install
	@eval "$$($(PY) scripts/services.py)" && \
	  mkdir -p bench-results && \
	  DEBUG=false $(PY) manage.py generate_town --database $(BENCH_REPORT_DB) $(BENCH_REPORT_ARGS) --flush $(if $(BENCH_REUSE),--reuse) && \
	  DEBUG=false $(PY) manage.py bench_report --database $(BENCH_REPORT_DB) --explain $${EXPLAIN:-0} --output bench-results/reports.json

# The several-machine layout in network namespaces (docs/deployment.md): nginx, two web nodes,
# PgBouncer, two Redis, two workers and beat from the Debian packages; a node and a worker
# killed under load. Needs `apt-get install nginx pgbouncer`; run by .ci/run after make test.
.PHONY: cluster-test
cluster-test: install
	$(PY) scripts/cluster_test.py $(CLUSTER_ARGS)
