# webpub: `make run` starts the bot, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
CKSUM := $(shell cat pyproject.toml | cksum | cut -d' ' -f1)
STAMP := $(VENV)/.installed-$(CKSUM)
RUN_STAMP := $(VENV)/.run-$(CKSUM)
PIP_QUIET := --quiet --quiet --disable-pip-version-check

.PHONY: run test bench lint catalogs messages clean chromium poppler

# `make run` installs the bot alone (no test or lint tools), quietly.
$(RUN_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install $(PIP_QUIET) -e .
	@rm -f $(VENV)/.run-*
	@touch $@

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-* $(VENV)/.run-*
	touch $@ $(RUN_STAMP)

# The browser test drives Debian's Chromium; install it where apt can and it is missing.
chromium:
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium for the browser test"; \
		(apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
			|| echo "could not install chromium: the browser test will skip"; \
	fi

# Compile the .po catalogs into the .mo files the bot reads (the .mo files are not committed).
catalogs: $(STAMP)
	$(BIN)/pybabel compile -d locales -D webpub --statistics

# Re-extract message ids from the code and merge them into both catalogs; English keeps
# msgstr equal to msgid, Thai gets the new ids empty: translate them, then `make test`
# (tests/test_catalogs.py fails while any id lacks a translation).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-default-keywords -k _ -k N_ -k ngettext:1,2 \
		--project webpub --version $(VERSION) --add-location=file --sort-output -o locales/webpub.pot .
	$(BIN)/pybabel update -i locales/webpub.pot -d locales -D webpub --no-fuzzy-matching
	$(BIN)/python -c 'import io, pathlib; from babel.messages import pofile; \
		path = pathlib.Path("locales/en/LC_MESSAGES/webpub.po"); \
		catalog = pofile.read_po(io.BytesIO(path.read_bytes())); \
		[(setattr(m, "string", m.id), m.flags.discard("fuzzy")) for m in catalog if m.id]; \
		out = io.BytesIO(); pofile.write_po(out, catalog); path.write_bytes(out.getvalue())'

run: $(RUN_STAMP)
	@$(BIN)/pybabel -q compile -d locales -D webpub
	@test -f org.toml || cp org.example.toml org.toml
	@$(BIN)/webpub db upgrade >/dev/null
	@$(BIN)/webpub serve

test: catalogs poppler chromium
	$(BIN)/python -m pytest -q

# pdftoppm renders the documents' pages for the image tests; installed where apt is at hand,
# otherwise those tests skip and say why.
poppler:
	@command -v pdftoppm >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1 || \
		{ SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
		  $$SUDO apt-get install -y -qq poppler-utils >/dev/null 2>&1 || \
		  { $$SUDO apt-get update -qq >/dev/null 2>&1 && $$SUDO apt-get install -y -qq poppler-utils >/dev/null 2>&1; } || \
		  echo "poppler-utils could not be installed: the document image tests will skip"; }

bench: catalogs
	$(BIN)/python bench/webhook.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/telegram_limits.py
	$(BIN)/python bench/burst.py
	$(BIN)/python bench/step_cost.py --no-profile
	$(BIN)/python bench/lifecycle.py
	$(BIN)/python bench/sweep.py

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
