#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (Debian's postgresql: initdb and pg_ctl).
#
#   scripts/pg-test-cluster.sh start STATE_FILE   starts a cluster in a new temporary directory,
#                                                 listening only on a Unix socket inside it, and
#                                                 writes its libpq connection string to STATE_FILE
#   scripts/pg-test-cluster.sh stop STATE_FILE    stops that cluster and removes its directory
#   scripts/pg-test-cluster.sh pause STATE_FILE   stops the server but keeps the cluster (tests of
#                                                 a database that goes away)
#   scripts/pg-test-cluster.sh resume STATE_FILE  starts a paused cluster again, same socket
#
# Run as root, the cluster runs as the unprivileged `postgres` user (initdb refuses root). Trust
# authentication is safe here: nothing listens on TCP and the socket's directory is private.
# fsync is off: the tests check behaviour, not durability, and a cluster lives for one run.
# PADDOCK_PG_DURABLE=1 keeps PostgreSQL's durable defaults (scripts/cluster.sh uses it).
set -euo pipefail

usage() { echo "usage: $0 start|stop|pause|resume STATE_FILE" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
action=$1
state=$2

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -n $bindir && -x $bindir/initdb ]] || {
  echo "pg-test-cluster: PostgreSQL server binaries not found; run scripts/install-deps.sh" >&2
  exit 1
}

as_owner=()
if [[ $(id -u) -eq 0 ]]; then
  id postgres >/dev/null 2>&1 || { echo "pg-test-cluster: no 'postgres' user to run as" >&2; exit 1; }
  as_owner=(runuser -u postgres --)
fi

stop_cluster() {
  local dir=$1
  [[ -d $dir ]] || return 0
  if [[ -f $dir/data/postmaster.pid ]]; then
    "${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case $action in
  start)
    # A cluster left behind by an interrupted run goes first.
    if [[ -f $state ]]; then
      stop_cluster "$(sed -n 's/^dir=//p' "$state")"
      rm -f "$state"
    fi
    # Short path: a Unix socket's path is limited to 107 bytes.
    dir=$(mktemp -d /tmp/paddock-pg.XXXXXX)
    chmod 700 "$dir"
    [[ ${#as_owner[@]} -eq 0 ]] || chown postgres "$dir"
    "${as_owner[@]}" "$bindir/initdb" -D "$dir/data" --auth=trust --username=paddock \
      --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      rm -rf "$dir"
      exit 1
    }
    speed="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [[ ${PADDOCK_PG_DURABLE:-0} == 1 ]] && speed=""
    options="-k $dir -c listen_addresses= $speed -c max_connections=300"
    "${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "$options" \
      start >/dev/null || {
      cat "$dir/server.log" >&2
      stop_cluster "$dir"
      exit 1
    }
    mkdir -p "$(dirname "$state")"
    printf 'dir=%s\nconninfo=host=%s user=paddock dbname=postgres\noptions=%s\n' \
      "$dir" "$dir" "$options" >"$state"
    echo "pg-test-cluster: started in $dir"
    ;;
  stop)
    [[ -f $state ]] || exit 0
    stop_cluster "$(sed -n 's/^dir=//p' "$state")"
    rm -f "$state"
    echo "pg-test-cluster: stopped"
    ;;
  pause)
    dir=$(sed -n 's/^dir=//p' "$state")
    "${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null
    echo "pg-test-cluster: paused"
    ;;
  resume)
    dir=$(sed -n 's/^dir=//p' "$state")
    options=$(sed -n 's/^options=//p' "$state")
    "${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "$options" start >/dev/null
    echo "pg-test-cluster: resumed"
    ;;
  *) usage ;;
esac
