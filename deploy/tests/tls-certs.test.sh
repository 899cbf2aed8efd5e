#!/usr/bin/env bash
# deploy/tls/make-certs.sh: a CA whose certificates verify, name the right hosts, serve a real
# TLS handshake on 127.0.0.1 with hostname checks; keys where they belong; client configs that
# differ from the repository's only by the TLS lines; no overwrite.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
out="$work/out"
"$deploy_dir/tls/make-certs.sh" "$out" > /dev/null
ca="$out/ca.crt"

check "CA is a CA" bash -c 'openssl x509 -in "$0" -noout -ext basicConstraints | grep -q "CA:TRUE"' "$ca"
check "folder mode 0700, CA key 0600" [ "$(stat -c %a "$out")/$(stat -c %a "$out/ca.key")" = 700/600 ]
check "the CA key is in no mounted folder" [ -z "$(grep -rl -- "-----BEGIN PRIVATE KEY-----" "$out"/*/ | xargs -r grep -l "$(sed -n 2p "$out/ca.key")")" ]

# leaf_ok NAME CERT KEY: chain, SANs, EKU, key matches.
leaf_ok() {
  local name=$1 cert=$2 key=$3
  check "$name: verifies against the CA (serverAuth)" openssl verify -CAfile "$ca" -purpose sslserver "$cert"
  check "$name: verifies as a client too (inter-broker)" openssl verify -CAfile "$ca" -purpose sslclient "$cert"
  check "$name: SANs are $name, localhost, 127.0.0.1" bash -c \
    'openssl x509 -in "$0" -noout -ext subjectAltName | grep -qx "    DNS:$1, DNS:localhost, IP Address:127.0.0.1"' "$cert" "$name"
  check "$name: key matches the certificate" bash -c \
    '[ "$(openssl pkey -in "$1" -pubout)" = "$(openssl x509 -in "$0" -noout -pubkey)" ]' "$cert" "$key"
}
for n in 1 2 3; do
  pem="$out/kafka$n/server.pem"
  leaf_ok "kafka$n" "$pem" "$pem"
  check "kafka$n: server.pem is key, certificate, CA (unencrypted PKCS#8 key)" bash -c \
    '[ "$(grep -c "BEGIN PRIVATE KEY" "$0")/$(grep -c "BEGIN CERTIFICATE" "$0")" = 1/2 ] && ! grep -q ENCRYPTED "$0"' "$pem"
  check "kafka$n: client.properties trusts the mounted CA over SSL" \
    grep -qx "ssl.truststore.location=/etc/lab-tls/ca.crt" "$out/kafka$n/client.properties"
done
leaf_ok influxdb "$out/influxdb/tls.crt" "$out/influxdb/tls.key"
check "kafka1's certificate does not name kafka2" bash -c '! openssl verify -CAfile "$0" -verify_hostname kafka2 "$1" >/dev/null 2>&1' "$ca" "$out/kafka1/server.pem"

# A real handshake on 127.0.0.1: s_server with InfluxDB's certificate, s_client checking the
# chain and the host name (as our clients, Telegraf and librdkafka do).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl s_server -accept "127.0.0.1:$port" -cert "$out/influxdb/tls.crt" -key "$out/influxdb/tls.key" \
  -naccept 3 -quiet > /dev/null 2>&1 &
server=$!
for _ in $(seq 50); do (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null && break; sleep 0.1; done
handshake() { echo | openssl s_client -connect "127.0.0.1:$port" -CAfile "$ca" -verify_return_error -verify_hostname "$1" 2>&1; }
check "handshake: verified for host influxdb" bash -c 'grep -q "Verify return code: 0 (ok)" <<< "$0"' "$(handshake influxdb)"
check "handshake: verified for localhost" bash -c 'grep -q "Verify return code: 0 (ok)" <<< "$0"' "$(handshake localhost)"
check "handshake: refused for another host name" bash -c '! grep -q "Verify return code: 0 (ok)" <<< "$0"' "$(handshake kafka1)"
kill "$server" 2> /dev/null || true; wait "$server" 2> /dev/null || true

# Client configs: the originals plus the TLS lines, nothing else.
added() { diff "$1" "$2" | sed -n 's/^> //p' | grep -v '^ *## Added by deploy/tls/make-certs.sh' || true; }
removed() { diff "$1" "$2" | grep -c '^<' || true; }
root=$(dirname "$deploy_dir")
# One tls_ca per output (outputs.influxdb_v2 and each outputs.kafka), nothing else.
outputs=$(grep -c '^\[\[outputs\.' "$root/telegraf.conf")
want_tls=$(for _ in $(seq "$outputs"); do echo '  tls_ca = "/etc/lab-tls/ca.crt"'; done)
check "telegraf.conf: only tls_ca added, once per output ($outputs)" bash -c '[ "$0" = "$2" ] && [ "$1" = 0 ]' \
  "$(added "$root/telegraf.conf" "$out/clients/telegraf.conf")" "$(removed "$root/telegraf.conf" "$out/clients/telegraf.conf")" "$want_tls"
check "kafka-bridge.toml: tls_ca, security.protocol, ssl.ca.location added" bash -c '[ "$0" = "$(printf "    tls_ca = \"/etc/lab-tls/ca.crt\"\n    \"security.protocol\" = \"ssl\"\n    \"ssl.ca.location\" = \"/etc/lab-tls/ca.crt\"")" ] && [ "$1" = 0 ]' \
  "$(added "$deploy_dir/kafka-bridge.toml" "$out/clients/kafka-bridge.toml")" "$(removed "$deploy_dir/kafka-bridge.toml" "$out/clients/kafka-bridge.toml")"
check "TLS configs are valid TOML with the keys in the right tables" python3 - "$out/clients" <<'PY'
import re, sys, tomllib
d = sys.argv[1]
t = tomllib.loads(re.sub(r"\$\{[^}]*\}", "x", open(f"{d}/telegraf.conf").read()))
assert t["outputs"]["kafka"][0]["tls_ca"] == "/etc/lab-tls/ca.crt"
assert t["outputs"]["influxdb_v2"][0]["tls_ca"] == "/etc/lab-tls/ca.crt"
b = tomllib.loads(re.sub(r"\$\{[^}]*\}", "x", open(f"{d}/kafka-bridge.toml").read()))["inputs"]["kafka_bridge"][0]
assert b["influxdb"]["tls_ca"] == "/etc/lab-tls/ca.crt"
assert b["kafka"]["security.protocol"] == "ssl" and b["kafka"]["ssl.ca.location"] == "/etc/lab-tls/ca.crt"
PY
check "Grafana data source: https and the CA" python3 - "$out/clients/grafana/influxdb.yaml" <<'PY'
import sys, yaml
ds = yaml.safe_load(open(sys.argv[1]))["datasources"][0]
assert ds["url"] == "https://influxdb:8086" and ds["jsonData"]["tlsAuthWithCACert"] is True
assert ds["secureJsonData"]["tlsCACert"] == "$__file{/etc/lab-tls/ca.crt}"
assert ds["secureJsonData"]["token"] == "$__file{/run/influx/grafana/token}"
PY

if "$deploy_dir/tls/make-certs.sh" "$out" > /dev/null 2>&1; then fail "second run over $out succeeded"; else pass "refuses to overwrite the CA"; fi
finish
