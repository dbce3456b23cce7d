#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1 that logs every statement in
# three formats at once (stderr, csvlog, jsonlog), for the ORM corpus.
#   pg.sh up      create it (fresh) and start it
#   pg.sh rotate  stop, empty the log folder, start again
#   pg.sh start   empty the log folder, start it (after down)
#   pg.sh down    stop it
# env: CORPUS_PG (folder, default /tmp/ormlint-corpus-pg), CORPUS_PORT (55440),
#      CORPUS_PG_CONF (more postgresql.conf lines)
set -euo pipefail
base=${CORPUS_PG:-/tmp/ormlint-corpus-pg}
port=${CORPUS_PORT:-55440}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg=()
[ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
ctl() { "${as_pg[@]}" "$bin/pg_ctl" -D "$base/data" "$@" >/dev/null; }
case "${1:-}" in
  up)
    [ -d "$base/data" ] && ctl -m immediate -w stop 2>/dev/null || true
    rm -rf "$base"; mkdir -p "$base/log"
    [ "$(id -u)" = 0 ] && chown -R postgres: "$base"
    "${as_pg[@]}" "$bin/initdb" -D "$base/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$base/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$base'
logging_collector = on
log_destination = 'stderr,csvlog,jsonlog'
log_directory = '$base/log'
log_filename = 'pg.log'
log_rotation_age = 0
log_rotation_size = 0
log_statement = 'all'
log_min_duration_statement = 0
log_line_prefix = '%m [%p] %q%u@%d %c app=%a '
log_timezone = 'UTC'
lc_messages = 'C'
fsync = off
synchronous_commit = off
full_page_writes = off
jit = off
${CORPUS_PG_CONF:-}
CONF
    ctl -l "$base/startup.log" -w start ;;
  rotate)
    ctl -m fast -w stop
    rm -f "$base"/log/*
    ctl -l "$base/startup.log" -w start ;;
  start)
    rm -f "$base"/log/*
    ctl -l "$base/startup.log" -w start ;;
  down)
    ctl -m fast -w stop ;;
  *) echo "usage: pg.sh up|rotate|start|down" >&2; exit 2 ;;
esac
