#!/usr/bin/env bash
# Makes sure the PostgreSQL and NATS (with JetStream) that certm3 runs and tests against are answering.
# Starts them when they are installed but stopped; says exactly what is missing otherwise.
set -euo pipefail

PG_HOST=${PGHOST:-127.0.0.1}
PG_PORT=${PGPORT:-5432}
NATS_HOST=${NATS_HOST:-127.0.0.1}
NATS_PORT=${NATS_PORT:-4222}

answers() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

wait_for() { # name host port
  for _ in $(seq 1 50); do
    if answers "$2" "$3"; then return 0; fi
    sleep 0.2
  done
  echo "ensure-services: $1 was started but does not answer on $2:$3" >&2
  return 1
}

if answers "$PG_HOST" "$PG_PORT"; then
  echo "ensure-services: PostgreSQL answers on $PG_HOST:$PG_PORT"
elif command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  echo "ensure-services: starting PostgreSQL"
  for version in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  wait_for PostgreSQL "$PG_HOST" "$PG_PORT"
else
  echo "ensure-services: PostgreSQL is not answering on $PG_HOST:$PG_PORT and is not installed here." >&2
  echo "  Install PostgreSQL 15+ (Debian: apt-get install postgresql) with trust auth for user postgres on" >&2
  echo "  127.0.0.1, or point PGHOST/PGPORT at a running server." >&2
  exit 1
fi

if answers "$NATS_HOST" "$NATS_PORT"; then
  echo "ensure-services: NATS answers on $NATS_HOST:$NATS_PORT"
elif [ -x /usr/sbin/nats-server ] || command -v nats-server >/dev/null 2>&1; then
  echo "ensure-services: starting NATS with JetStream"
  nats_bin=$(command -v nats-server || echo /usr/sbin/nats-server)
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec "$nats_bin" -- \
    -a "$NATS_HOST" -p "$NATS_PORT" -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_for NATS "$NATS_HOST" "$NATS_PORT"
else
  echo "ensure-services: NATS is not answering on $NATS_HOST:$NATS_PORT and nats-server is not installed." >&2
  echo "  Install it (Debian: apt-get install nats-server) or point NATS_HOST/NATS_PORT at a running server." >&2
  exit 1
fi
