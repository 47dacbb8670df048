# factreg: `make run` serves the seeded registry; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Development values only: production sets these in its own environment.
DEV_ENV := DEBUG=1 SECRET_KEY=dev-only-insecure-key-not-for-production \
	ALLOWED_HOSTS=127.0.0.1,localhost
TEST_ENV := DEBUG=0 SECRET_KEY=test-only-insecure-key-not-for-production \
	SECURE_SSL_REDIRECT=0 ALLOWED_HOSTS=testserver,127.0.0.1,localhost

.PHONY: run db test lint typecheck lock format install clean bench bench-extract bench-pages bench-load serve superuser backup restore

# Every Python package at the version and hash the lock file names (make lock
# refreshes it from pyproject.toml), then the project itself without its deps.
$(STAMP): pyproject.toml requirements.lock package-lock.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	# axe-core for the accessibility tests, from the npm registry (test-only).
	npm ci --no-audit --no-fund --silent
	@touch $(STAMP)

install: $(STAMP)

# Re-resolve the dependencies of pyproject.toml (and its dev extra) into the lock
# file, with hashes, for Python 3.11 and newer on any platform.
lock:
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal \
		--python-version 3.11 --quiet -o requirements.lock

db: $(STAMP)
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input
	$(DEV_ENV) $(BIN)/python manage.py import_seeds
	$(if $(wildcard fixtures/*.json),$(DEV_ENV) $(BIN)/python manage.py load_fixtures)

run: db
	$(DEV_ENV) $(BIN)/python manage.py collectstatic --no-input --verbosity 0
	@echo ""
	@echo "factreg is at http://127.0.0.1:8000/ (editors: http://127.0.0.1:8000/admin/)"
	@echo "Create an editor login in another terminal with: make superuser"
	@echo "(it runs manage.py createsuperuser; there is no default password)"
	@echo ""
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

# A copy of the whole database, history included (SQLite's backup API or pg_dump),
# in backups/; `make restore FILE=backups/…` puts one back into an empty database.
backup: $(STAMP)
	$(DEV_ENV) $(BIN)/python manage.py backup

restore: $(STAMP)
	@test -n "$(FILE)" || (echo "Usage: make restore FILE=backups/factreg-….sqlite3" && exit 2)
	$(DEV_ENV) $(BIN)/python manage.py restore "$(FILE)" $(if $(FORCE),--force)

superuser: $(STAMP)
	$(DEV_ENV) $(BIN)/python manage.py createsuperuser

# One pytest-xdist worker per CPU (each with its own test database and live server);
# TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= auto
test: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/export_bench.py --quotes 100000 300000

bench-extract: $(STAMP)
	$(BIN)/python bench/extract_bench.py

# Pages, API, admin, CSV export and load under gunicorn, on a generated registry of
# SIZE claims: SQLite in a temporary file, or the PostgreSQL database of DATABASE_URL.
# REUSE=path/to/file.sqlite3 keeps the generated registry for the next run.
SIZE ?= 100000
bench-pages: $(STAMP)
	$(BIN)/python bench/pages_bench.py --size $(SIZE) $(if $(REUSE),--reuse $(REUSE))

# Load: 50 clients for 60 s on a mix of list, search, claim, source, CSV and API URLs
# under gunicorn: errors, p50/p95 and the workers' RSS at the start and the end.
bench-load: $(STAMP)
	$(BIN)/python bench/load_bench.py --size $(SIZE) $(if $(REUSE),--reuse $(REUSE))

# Production: gunicorn with gunicorn.conf.py, which refuses to start without
# SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL (and without collectstatic's manifest).
serve: $(STAMP)
	$(BIN)/gunicorn --config gunicorn.conf.py factreg.wsgi

# mypy with django-stubs too (configured in pyproject.toml); the Django plugin
# imports the settings, hence the development values.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(DEV_ENV) $(BIN)/mypy

# mypy with django-stubs (configured in pyproject.toml); the Django plugin imports
# the settings, hence the development values.
typecheck: $(STAMP)
	$(DEV_ENV) $(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 *.egg-info
