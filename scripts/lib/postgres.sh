# A throw-away PostgreSQL cluster, shared by scripts/test and scripts/bench (sourced, not run).
# pg_start_cluster OPTIONS... creates one with initdb in a temp dir and starts it with pg_ctl on a
# random loopback port, as the `postgres` user when we are root (PostgreSQL refuses to run as
# root); the OPTIONS are added to the server's (scripts/test: `-c fsync=off`). It sets pg_bin,
# pg_dir, pg_opts and pg_url. pg_stop_cluster stops and removes it (the callers trap it on EXIT).

find_pg_bin() {
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
        return
    fi
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return
        fi
    done
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_bin="$(find_pg_bin || true)"
pg_dir=""
pg_opts=""
pg_url=""
as_pg=()

pg_start_cluster() {
    pg_dir="$(mktemp -d /tmp/orders-hook-pg.XXXXXX)"
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$pg_dir"
        as_pg=(runuser -u postgres --)
    fi
    local port
    port="$(free_port)"
    "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 \
        --no-sync >"$pg_dir/initdb.log" 2>&1 || { cat "$pg_dir/initdb.log"; return 1; }
    # -l: the server must not hold the caller's stdout open.
    pg_opts="-c listen_addresses=127.0.0.1 -p $port -k $pg_dir -c max_connections=300 $*"
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
        -o "$pg_opts" start >/dev/null || { cat "$pg_dir/server.log"; return 1; }
    pg_url="postgres://postgres@127.0.0.1:$port/postgres"
}

pg_stop_cluster() {
    if [ -n "$pg_dir" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
        "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    [ -n "$pg_dir" ] && rm -rf "$pg_dir"
    pg_dir=""
}
