#!/usr/bin/env bash
# Makes the lab's local CA and certificates for deploy/compose.tls.yaml (openssl only):
#
#   deploy/tls/make-certs.sh [OUT]     # default deploy/tls/out; refuses to overwrite OUT
#
# OUT/ca.crt, ca.key        the CA (EC P-256, 825 days); ca.key is never mounted anywhere
# OUT/kafkaN/server.pem     broker N's key + certificate + CA (Kafka's PEM keystore, no password)
# OUT/kafkaN/ca.crt         the truststore (inter-broker and controller connections)
# OUT/kafkaN/client.properties  for the Kafka CLI tools (the health check) over TLS
# OUT/influxdb/tls.crt, tls.key  InfluxDB's certificate (+ CA) and key
# OUT/clients/ca.crt        what every client trusts (Telegraf, the bridge, inject, Kafdrop, Grafana)
# OUT/clients/telegraf.conf, kafka-bridge.toml, grafana/influxdb.yaml: the repository's
#                           telegraf.conf, deploy/kafka-bridge.toml and Grafana data source
#                           with the TLS settings added (CA file, ssl protocol, https URL) and
#                           nothing else changed; compose.tls.yaml mounts them over the originals.
#
# Leaf certificates (EC P-256, 397 days, serverAuth + clientAuth) name the compose host, the
# host's localhost and 127.0.0.1: kafkaN for broker N, influxdb for InfluxDB.
# OUT is made mode 0700; the files inside are readable by any user, because the containers'
# users (kafka appuser, influxdb, telegraf, grafana) differ from yours: the folder guards them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/out}
[ ! -e "$out" ] || { echo "make-certs.sh: $out exists; remove it to make a new CA (then restart the deployment)" >&2; exit 1; }
command -v openssl > /dev/null || { echo "make-certs.sh: openssl not found" >&2; exit 1; }

umask 022
mkdir -p "$out"
chmod 0700 "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/ca.key" 2> /dev/null
chmod 0600 "$out/ca.key"
openssl req -x509 -new -key "$out/ca.key" -sha256 -days 825 -subj "/O=weather-lab/CN=weather-lab local CA" \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash" \
  -out "$out/ca.crt"

# leaf NAME DIR: DIR/NAME.key and DIR/NAME.crt for host NAME (and localhost, 127.0.0.1).
leaf() {
  local name=$1 dir=$2
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$name.key" 2> /dev/null
  openssl req -new -key "$dir/$name.key" -subj "/O=weather-lab/CN=$name" -out "$tmp/$name.csr"
  cat > "$tmp/$name.ext" <<EXT
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:$name, DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EXT
  openssl x509 -req -in "$tmp/$name.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial \
    -sha256 -days 397 -extfile "$tmp/$name.ext" -out "$dir/$name.crt" 2> /dev/null
}

for n in 1 2 3; do
  d="$out/kafka$n"
  mkdir -p "$d"
  leaf "kafka$n" "$tmp"
  cat "$tmp/kafka$n.key" "$tmp/kafka$n.crt" "$out/ca.crt" > "$d/server.pem"
  cp "$out/ca.crt" "$d/ca.crt"
  cat > "$d/client.properties" <<PROPS
security.protocol=SSL
ssl.truststore.type=PEM
ssl.truststore.location=/etc/lab-tls/ca.crt
PROPS
done

mkdir -p "$out/influxdb"
leaf influxdb "$tmp"
cat "$tmp/influxdb.crt" "$out/ca.crt" > "$out/influxdb/tls.crt"
cp "$tmp/influxdb.key" "$out/influxdb/tls.key"
chmod 0644 "$out/influxdb/tls.key"
cp "$out/ca.crt" "$out/influxdb/ca.crt"

mkdir -p "$out/clients"
cp "$out/ca.crt" "$out/clients/ca.crt"
ca=/etc/lab-tls/ca.crt
# add_after FILE ANCHOR LINE...: FILE with LINEs inserted after the (unique) line ANCHOR.
add_after() {
  local file=$1 anchor=$2; shift 2
  [ "$(grep -cxF -- "$anchor" "$file")" = 1 ] || { echo "make-certs.sh: $file has no single line '$anchor'" >&2; exit 1; }
  awk -v anchor="$anchor" -v lines="$(printf '%s\n' "$@")" '{ print } $0 == anchor { print lines }' "$file"
}
# add_after_every FILE ANCHOR LINE...: the same after every line ANCHOR (at least one).
add_after_every() {
  local file=$1 anchor=$2; shift 2
  grep -qxF -- "$anchor" "$file" || { echo "make-certs.sh: $file has no line '$anchor'" >&2; exit 1; }
  awk -v anchor="$anchor" -v lines="$(printf '%s\n' "$@")" '{ print } $0 == anchor { print lines }' "$file"
}
tag="## Added by deploy/tls/make-certs.sh (deploy/compose.tls.yaml):"
# Telegraf: every output trusts the lab CA (tls_ca also turns TLS on for each outputs.kafka).
add_after "$here/../../telegraf.conf" "[[outputs.influxdb_v2]]" "  $tag InfluxDB serves https." "  tls_ca = \"$ca\"" \
  > "$tmp/telegraf.conf"
add_after_every "$tmp/telegraf.conf" "[[outputs.kafka]]" "  $tag the brokers speak TLS." "  tls_ca = \"$ca\"" \
  > "$out/clients/telegraf.conf"
# The bridge (and consume, create-topics): TLS to the brokers and to InfluxDB.
add_after "$here/../kafka-bridge.toml" "  [inputs.kafka_bridge.influxdb]" "    $tag InfluxDB serves https." "    tls_ca = \"$ca\"" \
  > "$tmp/kafka-bridge.toml"
add_after "$tmp/kafka-bridge.toml" "  [inputs.kafka_bridge.kafka]" "    $tag the brokers speak TLS." \
  "    \"security.protocol\" = \"ssl\"" "    \"ssl.ca.location\" = \"$ca\"" > "$out/clients/kafka-bridge.toml"
# Grafana's data source: https and the CA.
mkdir -p "$out/clients/grafana"
add_after "$here/../grafana/provisioning/datasources/influxdb.yaml" "    jsonData:" "      tlsAuthWithCACert: true" \
  | awk -v ca="$ca" '{ print } $0 == "    secureJsonData:" { print "      tlsCACert: $__file{" ca "}" }' \
  | sed 's|^    url: http://influxdb:8086$|    url: https://influxdb:8086|' > "$out/clients/grafana/influxdb.yaml"
grep -q '^    url: https://influxdb:8086$' "$out/clients/grafana/influxdb.yaml" \
  || { echo "make-certs.sh: the Grafana data source has no url http://influxdb:8086" >&2; exit 1; }
rm -f "$out/ca.srl"
echo "make-certs.sh: CA and certificates in $out (start with: docker compose -f deploy/compose.yaml -f deploy/compose.tls.yaml --env-file deploy/.env up -d)"
