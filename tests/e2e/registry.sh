#!/usr/bin/env bash
# A real image registry for the publishing tests: Debian's docker-registry (the CNCF
# distribution registry 2.8) on loopback, with TLS and basic auth.
#
#   tests/e2e/registry.sh start   # starts it if needed (idempotent), prints the env lines
#   tests/e2e/registry.sh env     # prints `export WBUILD_E2E_REGISTRY=127.0.0.1:PORT` and the rest
#   tests/e2e/registry.sh status  # exit 0 when it answers
#   tests/e2e/registry.sh stop    # SIGTERM, waits; removes the stored images, keeps nothing
#
# Everything lives in $WBUILD_E2E_STATE/registry: a throwaway CA and a server certificate
# for 127.0.0.1 (made with openssl at start), an htpasswd file (bcrypt, `htpasswd -B`)
# with one user and a random password, the registry's config and storage, and for the
# clients a per-host certificate directory (skopeo/buildah `--cert-dir`) and an auth
# file in the containers format (`REGISTRY_AUTH_FILE`). Nothing is added to the host's
# trust store or to /etc/containers: a client trusts this registry only when a test
# hands it these paths.
#
# The env lines: WBUILD_E2E_REGISTRY (host:port), WBUILD_E2E_REGISTRY_CERT_DIR (holds
# ca.crt), WBUILD_E2E_REGISTRY_AUTH_FILE, WBUILD_E2E_REGISTRY_USER.
#
# WBUILD_E2E_REGISTRY_INSTANCE=NAME runs another registry beside it (its own port,
# CA, password and storage, in $WBUILD_E2E_STATE/registry-NAME): the private part
# of the organisation's registry, whose credentials are not the public one's.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
INSTANCE=${WBUILD_E2E_REGISTRY_INSTANCE:-}
case "$INSTANCE" in
  "") DIR=$WBUILD_E2E_STATE/registry ;;
  *[!a-z0-9-]*) echo "registry.sh: WBUILD_E2E_REGISTRY_INSTANCE must be [a-z0-9-]+" >&2; exit 2 ;;
  *) DIR=$WBUILD_E2E_STATE/registry-$INSTANCE ;;
esac
REGISTRY=${WBUILD_E2E_REGISTRY_BIN:-/usr/bin/docker-registry}
PIDFILE=$DIR/registry.pid
PORTFILE=$DIR/port
USER_NAME=wbuild-ci

running_pid() {
  [ -s "$PIDFILE" ] || return 1
  local pid; pid=$(cat "$PIDFILE")
  kill -0 "$pid" 2>/dev/null && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = docker-registry ] && echo "$pid"
}
port() { cat "$PORTFILE"; }
# The registry answers /v2/ with 401 to an anonymous client: TLS and auth both work.
answers() {
  [ -s "$PORTFILE" ] || return 1
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$DIR/ca.crt" "https://127.0.0.1:$(port)/v2/" 2>/dev/null) || return 1
  [ "$code" = 401 ]
}
print_env() {
  local hp; hp=127.0.0.1:$(port)
  echo "export WBUILD_E2E_REGISTRY=$hp"
  echo "export WBUILD_E2E_REGISTRY_CERT_DIR=$DIR/certs.d/$hp"
  echo "export WBUILD_E2E_REGISTRY_AUTH_FILE=$DIR/auth.json"
  echo "export WBUILD_E2E_REGISTRY_USER=$USER_NAME"
}

# The CA, the server certificate (SAN 127.0.0.1 and localhost), the password.
make_secrets() {
  [ -s "$DIR/server.crt" ] && [ -s "$DIR/htpasswd" ] && [ -s "$DIR/password" ] && return 0
  local tmp; tmp=$(mktemp -d "$DIR/tmp.XXXXXX")
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=wbuild e2e test CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
    -keyout "$tmp/ca.key" -out "$tmp/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$tmp/server.key" -out "$tmp/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$tmp/ext"
  openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial \
    -days 2 -extfile "$tmp/ext" -out "$tmp/server.crt" 2>/dev/null
  head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$tmp/password"
  htpasswd -B -i -c "$tmp/htpasswd" "$USER_NAME" < "$tmp/password" 2>/dev/null
  chmod 600 "$tmp"/*.key "$tmp/password"
  mv "$tmp"/ca.crt "$tmp"/ca.key "$tmp"/server.crt "$tmp"/server.key "$tmp"/htpasswd "$tmp"/password "$DIR/"
  rm -rf "$tmp"
}

write_client_files() {
  local hp; hp=127.0.0.1:$(port)
  rm -rf "$DIR/certs.d"
  mkdir -p "$DIR/certs.d/$hp"
  cp "$DIR/ca.crt" "$DIR/certs.d/$hp/ca.crt"
  # The containers auth file format (containers-auth.json(5)): base64 of user:password.
  local auth; auth=$(printf '%s:%s' "$USER_NAME" "$(cat "$DIR/password")" | base64 -w0)
  umask 077
  printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$hp" "$auth" > "$DIR/auth.json.tmp"
  mv "$DIR/auth.json.tmp" "$DIR/auth.json"
}

start() {
  [ -x "$REGISTRY" ] || { echo "registry.sh: $REGISTRY missing: run tests/e2e/install-deps.sh" >&2; exit 1; }
  command -v htpasswd >/dev/null || { echo "registry.sh: htpasswd missing (apache2-utils)" >&2; exit 1; }
  mkdir -p "$DIR"
  if running_pid >/dev/null && answers; then print_env; return 0; fi
  if pid=$(running_pid); then kill "$pid" 2>/dev/null || true; sleep 0.5; fi
  make_secrets
  free_port > "$PORTFILE"
  mkdir -p "$DIR/data"
  cat > "$DIR/config.yml" <<CONF
# written by tests/e2e/registry.sh
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $DIR/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$(port)
  tls:
    certificate: $DIR/server.crt
    key: $DIR/server.key
auth:
  htpasswd:
    realm: wbuild-e2e${INSTANCE:+-$INSTANCE}
    path: $DIR/htpasswd
CONF
  setsid "$REGISTRY" serve "$DIR/config.yml" >>"$DIR/registry.log" 2>&1 </dev/null &
  echo $! > "$PIDFILE"
  for _ in $(seq 1 100); do
    if answers; then write_client_files; print_env; return 0; fi
    running_pid >/dev/null || break
    sleep 0.1
  done
  echo "registry.sh: the registry did not answer; last log lines:" >&2
  tail -5 "$DIR/registry.log" >&2
  exit 1
}

stop() {
  local pid
  if pid=$(running_pid); then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$DIR/data" "$PIDFILE" "$DIR/certs.d" "$DIR/auth.json"
}

case "${1:-start}" in
  start) start ;;
  env) answers || { echo "registry.sh: not running (run: $0 start)" >&2; exit 1; }; print_env ;;
  status) running_pid >/dev/null && answers ;;
  stop) stop ;;
  *) echo "usage: $0 start|env|status|stop" >&2; exit 2 ;;
esac
