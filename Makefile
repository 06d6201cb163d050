# Two commands for a fresh machine:  `make run` (the app on SQLite with demo data)  and  `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# The interpreter of `make run`; the browser journeys pin its clock: PY="python tests/pinned.py INSTANT".
PY ?= $(BIN)/python

.PHONY: run test journeys test-instants install install-dev chromium migrate catalogs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python -m listening migrate

## The app on http://localhost:$(PORT) (`make run PORT=8600` for another port), SQLite in data/. In demo mode
## (DEMO_MODE=1, the default here) the demo centre and its accounts (one published password) go into an empty
## database; `make run DEMO_MODE=0` seeds nothing. The SMS worker runs next to the app. Ctrl+C (or a TERM sent to
## make) stops both, the app first, and make ends without an error.
DEMO_MODE ?= 1
run: install
	@if [ "$(DEMO_MODE)" = "1" ]; then DEMO_MODE=1 $(PY) -m listening seed-demo --if-empty; \
	else echo "DEMO_MODE is not 1: no demo accounts seeded"; fi
	@DEMO_MODE=$(DEMO_MODE) $(PY) -m listening worker & worker=$$!; \
	DEMO_MODE=$(DEMO_MODE) $(PY) -m streamlit run serve.py --server.port $(PORT) --server.headless true & app=$$!; \
	stop() { kill -TERM $$app $$worker 2>/dev/null; wait $$app; wait $$worker; }; \
	trap 'stop; echo "Listening Hour stopped."; exit 0' INT TERM; \
	wait $$app; status=$$?; kill -TERM $$worker 2>/dev/null; wait $$worker; exit $$status

## Debian's chromium for the real-browser test (Playwright drives it through executable_path), with CJK and emoji
## fonts so its screenshots show what a person sees.
chromium:
	@{ command -v chromium && fc-list | grep -qi "Noto Sans CJK" && fc-list | grep -qi "Noto Color Emoji"; } \
	  >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium and CJK and emoji fonts for the browser test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk \
	    fonts-noto-color-emoji >/dev/null; }

## The whole suite, on SQLite and on PostgreSQL (TEST_POSTGRES_URL, default the local server's `test` database), then
## the browser journeys on their own (tests/e2e/test_journeys.py: the centre as `make run` starts it, one person at
## each screen, every page held to 2 s), one at a time so nothing competes with them for those 2 s.
test: install-dev chromium
	$(BIN)/python -m pytest -n auto -m "not journey"
	$(BIN)/python -m pytest -n 0 -m journey

## The browser journeys alone, with a screenshot of every step in benchmarks/out/journeys/.
journeys: install-dev chromium
	$(BIN)/python -m pytest -n 0 -m journey

## The tests marked `instant` again at the hard instants: 00:30 in Shenzhen (the UTC date is still yesterday's),
## 21:30 (quiet hours), 07:59 (a minute before they end) and 23:30 on the last day of the year.
HARD_INSTANTS := 2026-12-02T00:30+08:00 2026-12-01T21:30+08:00 2026-12-02T07:59+08:00 2026-12-31T23:30+08:00
test-instants: install-dev
	@for at in $(HARD_INSTANTS); do \
	  echo "== the time-sensitive tests at $$at"; \
	  $(BIN)/python -m pytest -n auto -q -m instant --at=$$at || exit 1; \
	done

catalogs: install
	$(BIN)/python tools/catalogs.py update
	$(BIN)/python tools/catalogs.py missing

clean:
	rm -rf $(VENV) data/*.db data/*.db-*
