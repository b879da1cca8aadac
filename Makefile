# PartnerWiki – the two set-up commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8080
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed
JS_STAMP := tests/js/node_modules/.package-lock.json

.PHONY: run serve test bench admin setup system-deps clean-instance backup restore

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

## make run: create .venv and instance/ on first use, load the seed pages, serve on 127.0.0.1:$(PORT)
run: $(STAMP)
	$(BIN)/partnerwiki gaa-setup
	$(BIN)/partnerwiki run --host 127.0.0.1 --port $(PORT)

## make serve: the production server (gunicorn), after what `make setup` does; settings: HOST (127.0.0.1), PORT,
## WORKERS (2 × cores + 1), THREADS per worker (4), LOG_DIR (log/ in the instance), GRACEFUL_TIMEOUT (30 s)
serve: $(STAMP)
	$(BIN)/partnerwiki gaa-setup
	exec $(BIN)/partnerwiki gaa-serve --host $(HOST) --port $(PORT) $(if $(WORKERS),--workers $(WORKERS)) \
		$(if $(THREADS),--threads $(THREADS)) $(if $(LOG_DIR),--log-dir "$(LOG_DIR)") \
		$(if $(GRACEFUL_TIMEOUT),--graceful-timeout $(GRACEFUL_TIMEOUT))

## make setup: everything `make run` does before serving
setup: $(STAMP)
	$(BIN)/partnerwiki gaa-setup

## make admin: create the first administrator (asks for name, e-mail and password)
admin: $(STAMP)
	$(BIN)/partnerwiki gaa-create-admin

## make backup: everything (pages, revisions, attachments, accounts) into one file, also while the wiki runs;
## prints the file's path (folder: BACKUP_DIR, else PARTNERWIKI_BACKUP_DIR, else backups/ beside the instance)
backup: $(STAMP)
	@$(BIN)/partnerwiki gaa-backup $(if $(BACKUP_DIR),--output-dir "$(BACKUP_DIR)")

## make restore BACKUP=<file>: into an empty instance (FORCE=1 replaces a non-empty one; its data is set aside)
restore: $(STAMP)
	@test -n "$(BACKUP)" || { echo "Bitte die Sicherung angeben: make restore BACKUP=<Datei>" >&2; exit 2; }
	$(BIN)/partnerwiki gaa-restore "$(BACKUP)" $(if $(filter 1 yes ja,$(FORCE)),--overwrite)

## Debian packages the tests drive: chromium (browser tests), khal and calcurse (ICS read by real clients), nodejs and npm
## (ical.js reads the ICS too)
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v khal >/dev/null || ! command -v calcurse >/dev/null \
		|| ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
		echo "Installing Debian packages: chromium khal calcurse nodejs npm"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-dejavu-core khal calcurse \
			$$(command -v node >/dev/null || echo nodejs) $$(command -v npm >/dev/null || echo npm); \
	fi

## ical.js (tests/test_calendar_agreement.py) and axe-core (tests/test_browser_accessibility.py), as tests/js/package-lock.json pins them
$(JS_STAMP): tests/js/package-lock.json | system-deps
	cd tests/js && npm ci --no-audit --no-fund

## make test: install what the tests need, then run them all
test: $(STAMP) system-deps $(JS_STAMP)
	$(BIN)/python -m pytest -q

## make bench: print `name: value` lines, ratios against a plain moin page measured in the same run
bench: $(STAMP)
	$(BIN)/python bench/run.py

clean-instance:
	rm -rf instance
