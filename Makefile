# The two commands a new user needs are `make run` and `make test`; see README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test security lint format worker worker-urgent beat seed_scale bench bench-latency profile backup restore

$(INSTALLED): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(INSTALLED)

node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

## run: install, migrate, seed the demo and serve on http://127.0.0.1:8000 (no services needed);
## `make run PORT=8001` serves on another port
# The demo runs on Django's development server, whose "do not use it in production" banner reads
# like an error at every start: hidden here (production runs gunicorn: docker-compose.yml).
PORT ?= 8000
run: $(INSTALLED)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	SITE_URL=$(or $(SITE_URL),http://127.0.0.1:$(PORT)) DJANGO_RUNSERVER_HIDE_WARNING=true \
		$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## test: install, lint, check the layers (lint-imports) and run the whole suite (on PostgreSQL when DATABASE_URL is set)
test: $(INSTALLED) node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest

## security: bandit (no high-severity finding) and pip-audit (no known vulnerability); see SECURITY.md
security: $(INSTALLED)
	$(BIN)/bandit -q -r lib conduct_portal home records seeding people policies acknowledgements incidents notifications governance ops -x '*/migrations/*' --severity-level high
	$(BIN)/pip-audit --skip-editable --progress-spinner off

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## worker / worker-urgent / beat: Celery workers and scheduler, with CELERY_BROKER_URL set
worker: $(INSTALLED)
	$(BIN)/celery -A conduct_portal worker --loglevel=INFO

worker-urgent: $(INSTALLED)
	$(BIN)/celery -A conduct_portal worker -Q urgent --loglevel=INFO

beat: $(INSTALLED)
	$(BIN)/celery -A conduct_portal beat --loglevel=INFO

## backup: an encrypted, dated backup of the database and the evidence files into BACKUP_DIR (BACKUP_KEY set)
## restore: BACKUP_FILE=... restores one into an empty database (RESTORE_ARGS=--force replaces); see README
BACKUP_DIR ?= backups
backup: $(INSTALLED)
	$(BIN)/python manage.py backup --to $(BACKUP_DIR)

restore: $(INSTALLED)
	@test -n "$(BACKUP_FILE)" || { echo "make restore BACKUP_FILE=backups/conduct-portal-....backup"; exit 2; }
	$(BIN)/python manage.py restore $(BACKUP_FILE) $(RESTORE_ARGS)

## seed_scale: migrate an empty PostgreSQL database and fill it with the trust-scale dataset
SCALE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/conduct_scale
seed_scale: $(INSTALLED)
	DATABASE_URL=$(SCALE_DATABASE_URL) $(BIN)/python manage.py migrate --no-input
	DATABASE_URL=$(SCALE_DATABASE_URL) $(BIN)/python manage.py seed_scale

## bench: gunicorn + worker on PostgreSQL and Redis at trust scale, under load; see bench/README.md
bench: $(INSTALLED)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## profile: where each benchmarked page spends its time (cProfile), into bench/results/profile.md
profile: $(INSTALLED)
	$(BIN)/python bench/profiling.py $(PROFILE_ARGS)

## bench-latency: report-to-inbox e-mail latency (real workers, beat, aiosmtpd), a Redis outage, a reminder run
bench-latency: $(INSTALLED)
	$(BIN)/python bench/latency.py $(LATENCY_ARGS)
