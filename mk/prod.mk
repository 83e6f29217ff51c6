# The production topology (issue 19): make prod, make prod-stop, make test-prod.
# README "Production topology". PROD_VAR (var/prod), PROD_ENV_FILE (var/prod.env) and the
# PROD_* ports may be set in the environment; so may every setting of var/prod.env.
.PHONY: prod prod-stop test-prod

prod: install
	bash scripts/prod/up.sh

prod-stop:
	bash scripts/prod/down.sh

# Starts the whole topology once, on free ports in a temporary directory, runs the fault
# tests against it and stops it (tests/prod/conftest.py).
test-prod: install
	$(BIN)/python -m pytest -p no:cacheprovider --durations=15 tests/prod
