#!/usr/bin/env bash
# Run Debian's dockerd (docker.io 20.10, BuildKit built in) without systemd on a
# private socket, for the end-to-end tests.
#
#   tests/e2e/dockerd.sh start   # starts it if needed, prints DOCKER_HOST=unix:///...
#   tests/e2e/dockerd.sh env     # prints `export DOCKER_HOST=...; export WBUILD_E2E_DOCKER=...`
#   tests/e2e/dockerd.sh status  # exit 0 when it answers
#   tests/e2e/dockerd.sh stop    # SIGTERM, waits, SIGKILL after 30 s
#
# Storage driver: WBUILD_E2E_DOCKER_STORAGE_DRIVER (default overlay2 where the kernel
# has overlayfs, else vfs). State lives in ${WBUILD_E2E_STATE:-/var/lib/wbuild-e2e}/docker-DRIVER (data root),
# exec root and socket under /run/wbuild-e2e-docker (short path: unix socket
# paths are limited to 108 bytes). The client is Debian's /usr/bin/docker
# (API 1.41), which matches the engine; set WBUILD_E2E_DOCKER_CLIENT to override.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
STATE=$WBUILD_E2E_STATE
RUN_DIR=${WBUILD_E2E_DOCKER_RUN:-/run/wbuild-e2e-docker}
EXEC_ROOT=$RUN_DIR/exec
SOCK=$RUN_DIR/docker.sock
PIDFILE=$RUN_DIR/dockerd.pid
LOG=$STATE/dockerd.log
DOCKERD=${WBUILD_E2E_DOCKERD:-/usr/sbin/dockerd}
CLIENT=$WBUILD_E2E_DOCKER_CLIENT
HOST=unix://$SOCK
# overlay2 is several times faster than vfs; vfs works without kernel overlayfs.
DRIVER=${WBUILD_E2E_DOCKER_STORAGE_DRIVER:-$([ "$WBUILD_E2E_STORAGE_DRIVER" = overlay ] && echo overlay2 || echo vfs)}
# One data root per driver: BuildKit's cache database (DATA_ROOT/buildkit) refers to
# the driver's snapshots and breaks ("failed to read dockerfile: stat .../overlay2/...")
# when the driver changes under it.
DATA_ROOT=$STATE/docker-$DRIVER

answers() { "$CLIENT" -H "$HOST" version --format '{{.Server.Version}}' >/dev/null 2>&1; }
running_pid() {
  [ -s "$PIDFILE" ] || return 1
  local pid; pid=$(cat "$PIDFILE")
  kill -0 "$pid" 2>/dev/null && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = dockerd ] && echo "$pid"
}

cmd=${1:-start}
case "$cmd" in
  start)
    [ -x "$DOCKERD" ] || { echo "dockerd missing: run tests/e2e/install-deps.sh" >&2; exit 1; }
    if running_pid >/dev/null && answers; then echo "DOCKER_HOST=$HOST"; exit 0; fi
    mkdir -p "$DATA_ROOT" "$EXEC_ROOT"
    rm -f "$SOCK"
    # Its own containerd is started by dockerd itself (under exec-root), so
    # nothing else needs to run.  No bridge/iptables: builds use --network host.
    setsid "$DOCKERD" \
      --iptables=false --ip6tables=false --bridge=none --ip-masq=false \
      --storage-driver="$DRIVER" \
      --data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" \
      --pidfile "$PIDFILE" \
      -H "$HOST" \
      >>"$LOG" 2>&1 </dev/null &
    dpid=$!
    for _ in $(seq 1 120); do
      if answers; then echo "DOCKER_HOST=$HOST"; exit 0; fi
      kill -0 "$dpid" 2>/dev/null || break
      sleep 0.5
    done
    echo "dockerd did not answer on $SOCK (exited or timed out after 60 s); last log lines:" >&2
    tail -20 "$LOG" >&2
    exit 1
    ;;
  env)
    echo "export DOCKER_HOST=$HOST"
    echo "export WBUILD_E2E_DOCKER=$HOST"
    echo "export WBUILD_E2E_DOCKER_CLIENT=$CLIENT"
    ;;
  status)
    if answers; then echo "running: $HOST ($("$CLIENT" -H "$HOST" version --format '{{.Server.Version}}'))"; exit 0; fi
    echo "not running"; exit 1
    ;;
  stop)
    pid=$(running_pid || true)
    if [ -z "$pid" ]; then echo "dockerd not running"; exit 0; fi
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "dockerd $pid did not stop in 30 s, killing" >&2
      kill -KILL "$pid" || true
    fi
    # dockerd leaves its network namespace bind mount (EXEC_ROOT/netns/default) behind.
    awk -v r="$EXEC_ROOT/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r |
      while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
    rm -f "$SOCK" "$PIDFILE"
    echo "dockerd stopped"
    ;;
  *) echo "usage: $0 start|stop|env|status" >&2; exit 2 ;;
esac
