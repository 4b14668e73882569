# wuye — container image for the web app, the rq worker and one-off CLI jobs.
#
#   docker build -t wuye:0.1.0 .
#   docker run --rm -p 8000:8000 -e WUYE_SECRET_KEY=... -e WUYE_ENCRYPTION_KEYS=... wuye:0.1.0
#
# The same image runs every role; only the command differs:
#   web     (default CMD)  gunicorn ... wsgi:app
#   worker                 wuye worker --with-scheduler
#   migrate                wuye db upgrade

ARG PYTHON_VERSION=3.11

# ---------------------------------------------------------------------------
# Build stage: compilers live here only.
# ---------------------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# Build tools for any dependency (or plugin) that ships only an sdist.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY . .

# The app, then every plugin that is a package (plugins/<name>/pyproject.toml).
# Tolerates an empty or missing plugins/ directory.
# hadolint ignore=DL3013
RUN pip install . \
    && for dir in plugins/*/; do \
         if [ -f "${dir}pyproject.toml" ]; then \
           echo "installing plugin ${dir}"; \
           pip install "${dir}" || exit 1; \
         fi; \
       done \
    && pip check

# Alembic migrations: wuye_core looks for them in <dir containing wuye_core>/migrations,
# which for an installed package is site-packages/migrations (-I: ignore the source in cwd).
RUN if [ -d migrations ]; then \
      pkg_parent="$(python -I -c 'import pathlib, wuye_core; print(pathlib.Path(wuye_core.__file__).resolve().parent.parent)')" \
      && if [ -e "${pkg_parent}/migrations" ]; then echo "${pkg_parent}/migrations exists" >&2; exit 1; fi \
      && cp -r migrations "${pkg_parent}/migrations" \
      && find "${pkg_parent}/migrations" -name '__pycache__' -prune -exec rm -rf {} + \
      && python -m compileall -q "${pkg_parent}/migrations"; \
    fi

# Runtime files outside the package: the WSGI entry point and the tenant YAML files.
RUN mkdir -p /app \
    && cp wsgi.py /app/ \
    && if [ -d tenants ]; then cp -r tenants /app/; fi \
    && python -m compileall -q /app

# ---------------------------------------------------------------------------
# Runtime stage: no compilers, no pip cache, non-root.
# ---------------------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim AS runtime

LABEL org.opencontainers.image.title="wuye" \
      org.opencontainers.image.description="物业 — multi-tenant property-services platform" \
      org.opencontainers.image.version="0.1.0"

# HOME=/tmp: the root filesystem is read-only in Kubernetes; gunicorn (control socket)
# and other libraries write under $HOME.
ENV PATH=/opt/venv/bin:$PATH \
    HOME=/tmp \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONFAULTHANDLER=1 \
    WUYE_ENV=production \
    WEB_CONCURRENCY=2

# Fixed numeric IDs so Kubernetes runAsNonRoot can verify the user.
RUN groupadd --system --gid 10001 wuye \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin wuye

COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app

# Code stays root-owned and read-only for the app user.
WORKDIR /app
USER 10001:10001

EXPOSE 8000

# Exec form running sh -c so ${WEB_CONCURRENCY} expands; exec keeps gunicorn as PID 1
# so it receives SIGTERM directly and shuts down gracefully.
CMD ["/bin/sh", "-c", "exec gunicorn --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-2} --access-logfile - wsgi:app"]
