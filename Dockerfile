# syntax=docker/dockerfile:1
# Production image: web (uvicorn), Celery worker and beat all run from this one image
# with different commands (see docker-compose.yml).

# --- build stage: compile wheels for every pinned dependency ---------------------------
FROM python:3.12-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY requirements.txt .
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --upgrade pip \
 && /opt/venv/bin/pip install -r requirements.txt

# --- runtime stage: the virtualenv and the code, as a non-root user ---------------------
FROM python:3.12-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    APP_ENV=production \
    VAR_DIR=/app/var \
    NUMBA_CACHE_DIR=/app/var/numba-cache \
    PORT=8891
RUN groupadd --system app && useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=app:app . .
RUN mkdir -p /app/var/log && chown -R app:app /app/var
USER app
EXPOSE 8891
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8891\")}/health', timeout=8)" || exit 1
# collectstatic needs the settings, which need SECRET_KEY: done at start, not at build.
# config.web runs the same uvicorn command as `manage.py run_platform`: WEB_CONCURRENCY
# worker processes (default: the CPUs, up to 4), each with its own PostgreSQL pool.
CMD ["sh", "-c", "python manage.py check --deploy --fail-level ERROR && python manage.py migrate --noinput && python manage.py collectstatic --noinput -v 0 && python manage.py setup_schedules && exec python -m config.web"]
