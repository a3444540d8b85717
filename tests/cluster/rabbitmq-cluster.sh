#!/usr/bin/env bash
# A 3-node RabbitMQ cluster on loopback, from Debian's rabbitmq-server, for the cluster tests and
# the cluster benchmark. Each node has its own name, AMQP and distribution ports, data and logs
# under one folder, and no plugins; the machine's own RabbitMQ (5672) is left alone.
#
#   rabbitmq-cluster.sh start       start the nodes (or those that are down) and join them
#   rabbitmq-cluster.sh stop        stop every node and delete the folder
#   rabbitmq-cluster.sh kill N      kill -9 node N (1..3), as a crash would
#   rabbitmq-cluster.sh revive N    start node N again after a kill; it rejoins the cluster
#   rabbitmq-cluster.sh urls        the broker URL list for HUB_BROKER_URL
#   rabbitmq-cluster.sh leader Q    the node leading quorum queue Q (vhost /)
#   rabbitmq-cluster.sh status      each node up or down
#   rabbitmq-cluster.sh ctl ARGS    rabbitmqctl ARGS on the first node that is up
#
# Settings: HUB_CLUSTER_DIR (default /tmp/hub-rabbitmq-cluster), HUB_CLUSTER_PORT (default 5701:
# nodes listen on 5701..5703, distribution on 25701..25703). Runs as root or as rabbitmq.
set -euo pipefail

DIR="${HUB_CLUSTER_DIR:-/tmp/hub-rabbitmq-cluster}"
PORT="${HUB_CLUSTER_PORT:-5701}"
NODES=(1 2 3)
SBIN="$(ls -d /usr/lib/rabbitmq/lib/rabbitmq_server-*/sbin 2>/dev/null | sort -V | tail -1)"
[[ -x "$SBIN/rabbitmq-server" ]] || { echo "Debian's rabbitmq-server is not installed" >&2; exit 1; }

# Names carry the base port: clusters on other ports share epmd without clashing.
name() { echo "hub${PORT}n$1@localhost"; }
amqp_port() { echo $((PORT + $1 - 1)); }

# Every node and every rabbitmqctl call shares one Erlang cookie, kept in the folder (HOME).
node_env() {
  local n=$1 home="$DIR/node$1"
  export HOME="$DIR" RABBITMQ_NODENAME="$(name "$n")" \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$(amqp_port "$n")" \
    RABBITMQ_DIST_PORT=$((PORT + 20000 + n - 1)) \
    RABBITMQ_MNESIA_BASE="$home/mnesia" RABBITMQ_LOG_BASE="$home/log" \
    RABBITMQ_PID_FILE="$home/pid" RABBITMQ_ENABLED_PLUGINS_FILE="$home/enabled_plugins" \
    RABBITMQ_CONFIG_FILE="$home/rabbitmq" RABBITMQ_ADVANCED_CONFIG_FILE="$home/advanced.config" \
    ERL_CRASH_DUMP="$home/erl_crash.dump"
}

ctl() { local n=$1; shift; (node_env "$n"; "$SBIN/rabbitmqctl" -q -n "$(name "$n")" "$@"); }

# Without the folder's cookie there is no node of ours to ask (and Erlang would crash trying).
is_up() { [[ -f "$DIR/.erlang.cookie" ]] && ctl "$1" ping >/dev/null 2>&1; }

prepare() {
  mkdir -p "$DIR"
  if [[ ! -f "$DIR/.erlang.cookie" ]]; then
    (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DIR/.erlang.cookie")
  fi
  for n in "${NODES[@]}"; do
    local home="$DIR/node$n"
    mkdir -p "$home/mnesia" "$home/log"
    echo "[]." > "$home/enabled_plugins"
    echo "[]." > "$home/advanced.config"
    cat > "$home/rabbitmq.conf" <<CONF
loopback_users = none
log.file.level = warning
# The tests kill nodes: a node that lost its peers keeps serving what it can.
cluster_partition_handling = ignore
CONF
  done
  if [[ "$(id -u)" = 0 ]] && id rabbitmq >/dev/null 2>&1; then chown -R rabbitmq:rabbitmq "$DIR"; fi
}

start_node() {
  local n=$1
  is_up "$n" && return 0
  (node_env "$n"; cd "$DIR"; as_owner "$SBIN/rabbitmq-server" -detached)
  for _ in $(seq 1 120); do is_up "$n" && break; sleep 0.5; done
  ctl "$n" await_startup || { echo "node $n did not start; see $DIR/node$n/log" >&2; exit 1; }
}

# Run a node as the rabbitmq user when we are root, so its files keep one owner.
as_owner() {
  if [[ "$(id -u)" = 0 ]] && id rabbitmq >/dev/null 2>&1; then
    setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups --reset-env -- env \
      HOME="$HOME" PATH="$PATH" $(env | grep '^RABBITMQ_' | tr '\n' ' ') "$@"
  else
    "$@"
  fi
}

joined() { ctl 1 cluster_status --formatter json 2>/dev/null | grep -q "\"$(name "$1")\""; }

start() {
  prepare
  for n in "${NODES[@]}"; do start_node "$n"; done
  for n in 2 3; do
    if ! ctl 1 cluster_status --formatter json | python3 -c "
import json, sys
status = json.load(sys.stdin)
sys.exit(0 if '$(name "$n")' in status['disk_nodes'] else 1)"; then
      # Joining prints the new node's start-up warnings; shown only if it fails.
      { ctl "$n" stop_app && ctl "$n" reset && ctl "$n" join_cluster "$(name 1)" \
          && ctl "$n" start_app; } >"$DIR/join.log" 2>&1 || { cat "$DIR/join.log" >&2; exit 1; }
    fi
  done
  ctl 1 await_online_nodes 3
  # The hub's tests use virtual hosts of their own; guest may reach them from loopback.
  echo "cluster up: $(urls)"
}

stop() {
  for n in "${NODES[@]}"; do
    if is_up "$n"; then ctl "$n" stop >/dev/null 2>&1 || kill_node "$n"; fi
  done
  rm -rf "$DIR"
}

node_pid() { cat "$DIR/node$1/pid" 2>/dev/null; }

kill_node() {
  local pid
  pid="$(node_pid "$1")"
  [[ -n "$pid" ]] || { echo "node $1 has no pid file" >&2; exit 1; }
  kill -9 "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

urls() {
  local list=()
  for n in "${NODES[@]}"; do list+=("amqp://guest:guest@127.0.0.1:$(amqp_port "$n")/"); done
  (IFS=';'; echo "${list[*]}")
}

leader() {
  local queue=$1 vhost=${2:-/} n
  for n in "${NODES[@]}"; do
    if is_up "$n"; then
      ctl "$n" list_queues -p "$vhost" name leader --formatter json | python3 -c "
import json, sys
for queue in json.load(sys.stdin):
    if queue['name'] == '$queue':
        print(queue['leader'].split('@')[0].rsplit('n', 1)[1])" && return 0
    fi
  done
  return 1
}

status() {
  for n in "${NODES[@]}"; do
    if is_up "$n"; then echo "node $n $(name "$n") up on $(amqp_port "$n")"; else echo "node $n down"; fi
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  kill) kill_node "${2:?node number}" ;;
  revive) prepare; start_node "${2:?node number}" ;;
  urls) urls ;;
  leader) leader "${2:?queue name}" "${3:-/}" ;;
  status) status ;;
  ctl)
    shift
    for n in "${NODES[@]}"; do if is_up "$n"; then ctl "$n" "$@"; exit; fi; done
    echo "no node is up" >&2; exit 1 ;;
  *) sed -n '2,17p' "$0" >&2; exit 2 ;;
esac
