# The production topology (issue 19): make prod, make prod-stop, make test-prod.
