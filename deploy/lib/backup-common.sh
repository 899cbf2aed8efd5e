# shellcheck shell=bash disable=SC2034  # sourced: the arrays are used by backup.sh and restore.sh
# Shared by deploy/backup.sh and deploy/restore.sh (sourced): the compose command, the .env
# values they need, and the volumes copied as tar streams.
deploy_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
compose_file=${COMPOSE_FILE_PATH:-$deploy_dir/compose.yaml}
env_file=${ENV_FILE:-$deploy_dir/.env}

die() { echo "E! [$(basename "$0")] $*" >&2; exit 1; }
say() { echo "I! [$(basename "$0")] $*" >&2; }

# docker compose with the deployment's file and .env.
dc() { docker compose -f "$compose_file" --env-file "$env_file" "$@"; }

# env_value NAME: NAME's value in the .env file (not sourced: values are data, not shell).
env_value() { sed -n "s/^$1=//p" "$env_file" | tail -n 1; }

# The admin token is never written into a backup; its hash tells whether a restore target
# was set up with the same token (an `influx restore --full` brings back the backup's tokens).
token_hash() { printf '%s' "$(env_value INFLUX_ADMIN_TOKEN)" | sha256sum | cut -d' ' -f1; }

# service:folder for each volume copied whole (the service's image and mounts are used to
# reach it; InfluxDB is backed up with its own `influx backup` instead).
volumes=(
  kafka1:/var/lib/kafka/data
  kafka2:/var/lib/kafka/data
  kafka3:/var/lib/kafka/data
  grafana:/var/lib/grafana
  inject:/var/lib/weather-inject
)
brokers=(kafka1 kafka2 kafka3)
# Everything that writes to InfluxDB or Kafka, or holds Grafana's database open.
writers=(telegraf producer)
readers=(kafdrop grafana)
