#!/usr/bin/env bash
# Make sure the system packages gisapp needs are there: Python with venv, PostgreSQL >= 15
# with PostGIS >= 3.3, npm. As root it installs what is missing with apt-get; otherwise it prints
# the exact command to run and exits 1. Called by `make run` and `make test`.
set -euo pipefail

need=()
have_postgis() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    local v; v=$(basename "$(dirname "$d")")
    [[ "$v" =~ ^[0-9]+$ ]] && (( v >= 15 )) || continue
    [[ -x "$d/pg_ctl" && -f "/usr/share/postgresql/$v/extension/postgis.control" ]] && return 0
  done
  # Homebrew and other layouts: pg_config on PATH
  if command -v pg_config >/dev/null 2>&1; then
    local share; share=$(pg_config --sharedir 2>/dev/null || true)
    [[ -n "$share" && -f "$share/extension/postgis.control" ]] && return 0
  fi
  return 1
}

if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  need+=(python3-venv)
fi

# npm installs the JS/CSS libraries of package-lock.json (Debian 12's nodejs 18 will do)
if ! command -v npm >/dev/null 2>&1; then
  need+=(nodejs npm)
fi

postgis_pkg=""
if ! have_postgis; then
  if [[ "$(uname -s)" == "Darwin" ]]; then
    echo "PostgreSQL with PostGIS is missing. Install it with: brew install postgresql@16 postgis" >&2
    exit 1
  fi
  # The newest postgresql-N-postgis-3 the package lists offer (Debian 12: 15, Ubuntu 24.04: 16)
  if [[ $(id -u) -eq 0 ]] && ! apt-cache show postgresql-15-postgis-3 postgresql-16-postgis-3 >/dev/null 2>&1; then
    apt-get update -qq
  fi
  for v in 17 16 15; do
    if apt-cache show "postgresql-$v-postgis-3" >/dev/null 2>&1; then
      postgis_pkg="postgresql-$v-postgis-3"; break
    fi
  done
  need+=("${postgis_pkg:-postgresql-15-postgis-3}")
fi

if [[ "${GISAPP_WITH_BROWSER:-0}" == "1" ]] && [[ ! -x /usr/bin/chromium ]]; then
  need+=(chromium)
fi

# The tests read the OGC service with QGIS's own provider (Debian's python3-qgis, headless)
if [[ "${GISAPP_WITH_BROWSER:-0}" == "1" ]] \
    && ! QT_QPA_PLATFORM=offscreen /usr/bin/python3 -c 'import qgis.core' >/dev/null 2>&1; then
  need+=(python3-qgis qgis-providers)
fi

if (( ${#need[@]} == 0 )); then
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  echo "Installing system packages: ${need[*]}"
  [[ -n "$postgis_pkg" ]] || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
else
  echo "gisapp needs these system packages. Install them with:" >&2
  echo "" >&2
  echo "    sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
  echo "" >&2
  exit 1
fi
