#!/usr/bin/env bash
# A throwaway MariaDB server on 127.0.0.1 that writes every statement to its
# general log and slow log (long_query_time = 0), for the ORM corpus.
#   maria.sh up     create it (fresh) and start it
#   maria.sh start  empty the logs, start it (after down)
#   maria.sh down   stop it
# env: CORPUS_MARIA (folder, default /tmp/ormlint-corpus-maria), CORPUS_MARIA_PORT (55441)
set -euo pipefail
base=${CORPUS_MARIA:-/tmp/ormlint-corpus-maria}
port=${CORPUS_MARIA_PORT:-55441}
user=$(id -un)
start() {
  mariadbd --no-defaults --user="$user" --datadir="$base/data" --socket="$base/sock" \
    --port="$port" --bind-address=127.0.0.1 --pid-file="$base/pid" \
    --general-log=1 --general-log-file="$base/log/general.log" \
    --slow-query-log=1 --slow-query-log-file="$base/log/slow.log" --long-query-time=0 \
    --log-output=FILE --skip-log-bin --innodb-flush-log-at-trx-commit=0 \
    > "$base/server.log" 2>&1 &
  for _ in $(seq 1 100); do
    mariadb-admin --no-defaults -uroot -h127.0.0.1 -P"$port" ping >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "maria.sh: the server did not start; see $base/server.log" >&2
  exit 1
}
case "${1:-}" in
  up)
    [ -f "$base/pid" ] && kill "$(cat "$base/pid")" 2>/dev/null && sleep 1 || true
    rm -rf "$base"; mkdir -p "$base/log"
    mariadb-install-db --no-defaults --user="$user" --datadir="$base/data" --auth-root-authentication-method=normal >/dev/null
    start ;;
  start)
    rm -f "$base"/log/*
    start ;;
  down)
    mariadb-admin --no-defaults -uroot -h127.0.0.1 -P"$port" shutdown ;;
  *) echo "usage: maria.sh up|start|down" >&2; exit 2 ;;
esac
