# webpub: `make run` starts the bot, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test bench lint catalogs messages clean poppler

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

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

run: catalogs
	test -f org.toml || cp org.example.toml org.toml
	$(BIN)/webpub db upgrade
	$(BIN)/webpub serve

test: catalogs poppler
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
	$(BIN)/python bench/lifecycle.py
	$(BIN)/python bench/sweep.py

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
