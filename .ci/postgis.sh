#!/usr/bin/env bash
# Start a throw-away PostgreSQL + PostGIS cluster on 127.0.0.1 for the test suite.
#
# Usage (from .ci/run or a developer shell):
#     pg_env=$(bash .ci/postgis.sh) && eval "$pg_env"
# stdout carries only `export …` lines (DCF_TEST_PG_URL, DCF_TEST_PG_DATADIR, DCF_TEST_PG_STOP);
# every diagnostic goes to stderr. The cluster lives in a fresh temporary folder (dcf_pg.XXXXXX),
# listens on loopback only, on a free port, and is owned by a non-root user (PostgreSQL refuses to
# run as root). Stop it with: eval "$DCF_TEST_PG_STOP" — which also removes that folder.
# If anything fails once the folder exists, the script stops the server (if it started) and
# removes the folder before it exits: a failed start leaves nothing running and nothing behind.
#
# Installs the Debian packages `postgresql` and `postgresql-15-postgis-3` when they are missing
# (needs root; as a non-root user the script fails with a message naming the packages). Needs
# nothing else: no Python (the port and the password come from bash and /dev/urandom).
set -euo pipefail

PG_MAJOR="${DCF_PG_MAJOR:-15}"
PG_BIN="/usr/lib/postgresql/${PG_MAJOR}/bin"
POSTGIS_CONTROL="/usr/share/postgresql/${PG_MAJOR}/extension/postgis.control"
DB_NAME="${DCF_TEST_PG_DB:-dcf_test}"
DB_USER="${DCF_TEST_PG_USER:-dcf}"

log() { echo "postgis.sh: $*" >&2; }

if [[ ! -x "${PG_BIN}/initdb" || ! -f "${POSTGIS_CONTROL}" ]]; then
    if [[ "$(id -u)" != 0 ]]; then
        log "PostgreSQL ${PG_MAJOR} or PostGIS is missing; install as root: apt-get install postgresql postgresql-${PG_MAJOR}-postgis-3"
        exit 1
    fi
    log "installing postgresql postgresql-${PG_MAJOR}-postgis-3 (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq "postgresql" "postgresql-${PG_MAJOR}-postgis-3" >&2
fi

# The server runs as a non-root user: the current one, or `postgres` (created by the Debian
# package) when we are root.
if [[ "$(id -u)" == 0 ]]; then
    RUN_AS="postgres"
    id "${RUN_AS}" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "${RUN_AS}"
    as_user() { runuser -u "${RUN_AS}" -- "$@"; }
else
    as_user() { "$@"; }
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/dcf_pg.XXXXXX")"
DATADIR="${WORK}/data"
SOCKDIR="${WORK}/sock"

# From here on, any failure stops the server (when it got as far as starting) and removes the
# folder; set before initdb, so nothing between here and the end can leave a server running.
stop_and_remove() {
    if [[ -f "${DATADIR}/postmaster.pid" ]]; then
        as_user "${PG_BIN}/pg_ctl" -D "${DATADIR}" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
    rm -rf "${WORK}"
}
on_exit() {
    local rc=$?
    if [[ ${rc} -ne 0 ]]; then
        log "failed (exit ${rc}); stopping the server if it started and removing ${WORK}"
        stop_and_remove
    fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM HUP

chmod 755 "${WORK}"
mkdir -p "${DATADIR}" "${SOCKDIR}"
[[ "$(id -u)" == 0 ]] && chown -R "${RUN_AS}" "${WORK}"

# A free TCP port on loopback: a random one that nothing answers on (bash's /dev/tcp, no Python).
PORT=""
for _ in $(seq 1 100); do
    candidate=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/${candidate}") 2>/dev/null; then
        PORT="${candidate}"
        break
    fi
done
[[ -n "${PORT}" ]] || { log "no free port found on 127.0.0.1"; exit 1; }
# A fresh random password per cluster: the tests check it never leaks into messages or logs.
PASSWORD="pw$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
PWFILE="${WORK}/pwfile"
echo "${PASSWORD}" > "${PWFILE}"
[[ "$(id -u)" == 0 ]] && chown "${RUN_AS}" "${PWFILE}"
chmod 600 "${PWFILE}"

log "initdb in ${DATADIR} (port ${PORT})"
as_user "${PG_BIN}/initdb" -D "${DATADIR}" -U "${DB_USER}" --pwfile="${PWFILE}" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"${WORK}/initdb.log" 2>&1 \
    || { cat "${WORK}/initdb.log" >&2; exit 1; }
rm -f "${PWFILE}"

as_user "${PG_BIN}/pg_ctl" -D "${DATADIR}" -l "${WORK}/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p ${PORT} -k ${SOCKDIR} -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >&2 || { cat "${WORK}/server.log" >&2; exit 1; }

export PGPASSWORD="${PASSWORD}"
psql_() { "${PG_BIN}/psql" -v ON_ERROR_STOP=1 -q -h 127.0.0.1 -p "${PORT}" -U "${DB_USER}" "$@" >&2; }
psql_ -d postgres -c "CREATE DATABASE ${DB_NAME}"
psql_ -d "${DB_NAME}" -c "CREATE EXTENSION postgis"
log "PostGIS $("${PG_BIN}/psql" -At -h 127.0.0.1 -p "${PORT}" -U "${DB_USER}" -d "${DB_NAME}" -c 'SELECT postgis_lib_version()') ready on 127.0.0.1:${PORT}/${DB_NAME}"

if [[ "$(id -u)" == 0 ]]; then
    PG_CTL="runuser -u ${RUN_AS} -- ${PG_BIN}/pg_ctl"
else
    PG_CTL="${PG_BIN}/pg_ctl"
fi
# stopping also removes the throw-away folder (data, socket, logs): every run cleans up after itself
STOP="${PG_CTL} -D ${DATADIR} -m fast stop; rm -rf ${WORK}"
echo "export DCF_TEST_PG_URL='postgresql://${DB_USER}:${PASSWORD}@127.0.0.1:${PORT}/${DB_NAME}'"
echo "export DCF_TEST_PG_DATADIR='${DATADIR}'"
echo "export DCF_TEST_PG_STOP='${STOP}'"
