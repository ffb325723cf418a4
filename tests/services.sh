#!/usr/bin/env bash
# Make sure Redis, PostgreSQL and Chromium (for the browser tests) are there and running, and
# Dovecot installed (the email tests start their own unprivileged instance).
set -euo pipefail
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  as_root apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

if ! command -v redis-server >/dev/null; then apt_install redis-server; fi
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi

if ! command -v pg_ctlcluster >/dev/null; then apt_install postgresql; fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
fi

if ! command -v chromium >/dev/null; then apt_install chromium; fi
if ! command -v dovecot >/dev/null && [ ! -x /usr/sbin/dovecot ]; then apt_install dovecot-imapd; fi

for _ in $(seq 1 30); do
  redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && pg_isready -h 127.0.0.1 -p 5432 -q && exit 0
  sleep 1
done
echo "services did not come up: redis $(redis-cli -h 127.0.0.1 ping 2>&1), postgres $(pg_isready -h 127.0.0.1 -p 5432 2>&1)" >&2
exit 1
