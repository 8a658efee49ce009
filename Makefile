# webpub: `make run` starts the bot, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test bench lint catalogs messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

catalogs: $(STAMP)
	$(BIN)/pybabel compile -d locales -D webpub

# Re-extract message ids from the code and merge them into the catalogs.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -o locales/webpub.pot .
	$(BIN)/pybabel update -i locales/webpub.pot -d locales -D webpub --no-fuzzy-matching

run: catalogs
	test -f org.toml || cp org.example.toml org.toml
	$(BIN)/webpub db upgrade
	$(BIN)/webpub serve

test: catalogs
	$(BIN)/python -m pytest -q

bench: catalogs
	$(BIN)/python bench/webhook.py

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
