#!/bin/sh
# A PostgreSQL cluster of its own for benchmarks, with the production settings of
# docs/operations.md ("PostgreSQL server settings"), beside the machine's packaged one.
#
#   bench/pgprod.sh start [DIR] [PORT]   # initdb once (as the postgres user), then start
#   bench/pgprod.sh stop  [DIR]
#
# Then e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5433/tf_gate python -m bench.run gate
# Defaults: DIR=/work/pgprod (outside the checkout), PORT=5433. Needs the server binaries
# of the packaged PostgreSQL (pg_config --bindir) and, when run as root, a postgres user.
set -eu

action=${1:-start}
dir=${2:-/work/pgprod}
port=${3:-5433}
bin=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | tail -n 1)

as_postgres() {
    if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else sh -c "$*"; fi
}

case "$action" in
start)
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        mkdir -p "$dir"
        [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
        as_postgres "$bin/initdb -D $dir/data -A trust -U postgres" >/dev/null
        cat >>"$dir/data/postgresql.conf" <<EOF
# production-like settings for benchmarks (docs/operations.md)
listen_addresses = '127.0.0.1'
port = $port
shared_buffers = 4GB
effective_cache_size = 16GB
work_mem = 64MB
maintenance_work_mem = 1GB
max_wal_size = 8GB
wal_buffers = 64MB
checkpoint_timeout = 15min
wal_compression = lz4
random_page_cost = 1.1
autovacuum = on
EOF
    fi
    as_postgres "$bin/pg_ctl -D $dir/data -l $dir/log -w start" >/dev/null
    echo "PostgreSQL (production settings) on 127.0.0.1:$port, data in $dir/data"
    ;;
stop)
    as_postgres "$bin/pg_ctl -D $dir/data -w stop" >/dev/null
    ;;
*)
    echo "usage: $0 start|stop [DIR] [PORT]" >&2
    exit 2
    ;;
esac
