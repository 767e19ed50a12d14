# syntax=docker/dockerfile:1
# Production image of gisapp. Build with BuildKit (the default of Docker Engine 23+ and
# of `docker compose build`): the optional COPY below relies on it.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- builder: a virtualenv with the locked dependencies and the package --------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first (own layer, cached until the lock changes). The geopandas, pyogrio,
# pyproj and shapely wheels bundle GDAL/PROJ/GEOS: no system libraries needed.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock
# README.m[d]: pyproject names README.md as readme; the wildcard copies it when it exists.
COPY pyproject.toml README.m[d] ./
COPY gisapp ./gisapp
RUN pip install --no-deps . && pip check

# --- web: the JavaScript/CSS libraries of package-lock.json (served under /static/vendor/) --
FROM node:20-bookworm-slim AS web
WORKDIR /web
COPY package.json package-lock.json ./
# No install scripts: none is needed, and swagger-ui-dist's @scarf/scarf would phone home.
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts

# --- runtime ---------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --gid 10001 gisapp \
 && useradd --uid 10001 --gid gisapp --no-create-home --home-dir /app \
      --shell /usr/sbin/nologin gisapp
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1
WORKDIR /app
# Static field web app, when the build context has field/ (the wildcard makes this a no-op
# when it does not). Root-owned: the app only reads it.
COPY fiel[d] /app/field/
# JS/CSS libraries (Swagger UI, Leaflet …) from the web stage; read-only, root-owned. The
# package lives in /opt/venv, so the app is told where node_modules is.
COPY --from=web /web/node_modules /app/node_modules
ENV GISAPP_VENDOR_DIR=/app/node_modules GISAPP_FIELD_DIR=/app/field
# Generated static maps: the only folder the app writes; mount a volume here.
RUN mkdir -p /app/maps && chown gisapp:gisapp /app/maps
USER gisapp
EXPOSE 8000
# No curl in slim images: python's urllib. A 503 (database down) raises, exit status 1.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# Runs the Alembic migrations, then serves. Needs GISAPP_DATABASE__URL (see docker-compose.yml).
CMD ["gisapp", "serve", "--host", "0.0.0.0", "--port", "8000"]
