# The two commands of the README: `make demo` runs the platform, `make test` the suite.
.PHONY: demo test bootstrap lint bench

demo: bootstrap
	.venv/bin/python manage.py run_platform

test:
	bin/test

bootstrap:
	bin/bootstrap

lint: bootstrap
	.venv/bin/ruff check .
