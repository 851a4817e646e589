# The two commands of the README: `make demo` runs the platform (run-time requirements only),
# `make test` the suite (bin/test installs requirements-dev.txt too).
.PHONY: demo test bootstrap lint bench

demo: bootstrap
	.venv/bin/python manage.py run_platform

test:
	bin/test

bootstrap:
	bin/bootstrap

lint:
	bin/bootstrap --dev
	.venv/bin/ruff check .
