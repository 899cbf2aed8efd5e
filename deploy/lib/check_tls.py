"""deploy/check.sh's rules for the TLS overlay (compose.yaml + compose.tls.yaml, resolved).

python3 check_tls.py RESOLVED_BASE RESOLVED_TLS
"""
import base64, os, re, sys

import yaml

base = yaml.safe_load(open(sys.argv[1]))["services"]
tls = yaml.safe_load(open(sys.argv[2]))["services"]
errors = []


def mounts(svc):
    return {m.split(":")[1]: m.split(":")[0] for m in map(str, svc.get("volumes", []))}


for name, svc in tls.items():
    env = svc.get("environment", {})
    m = mounts(svc)
    for key in ("INFLUX_URL", "INFLUX_HOST"):
        if key in env and not str(env[key]).startswith("https://"):
            errors.append(f"{name}: {key}={env[key]} is not https")
    for dst, src in m.items():
        if src.rstrip("/").endswith("tls/out"):
            errors.append(f"{name}: mounts {src}, which holds the CA key")
    if re.fullmatch(r"kafka\d+", name):
        protocols = dict(p.split(":") for p in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
        if set(protocols.values()) != {"SSL"}:
            errors.append(f"{name}: listeners {protocols} are not all SSL")
        if not m.get("/etc/lab-tls", "").endswith(f"tls/out/{name}"):
            errors.append(f"{name}: /etc/lab-tls is not its own folder tls/out/{name}")
        for key in ("KAFKA_SSL_KEYSTORE_LOCATION", "KAFKA_SSL_TRUSTSTORE_LOCATION"):
            if not str(env.get(key, "")).startswith("/etc/lab-tls/"):
                errors.append(f"{name}: {key} is not in /etc/lab-tls")
        if "--command-config /etc/lab-tls/client.properties" not in " ".join(svc["healthcheck"]["test"]):
            errors.append(f"{name}: the health check does not speak TLS")
    words = " ".join(map(str, (svc.get("entrypoint") or []) + (svc.get("command") or [])))
    if "/etc/telegraf/kafka-bridge.toml" in words or name == "telegraf":
        if not m.get("/etc/telegraf/kafka-bridge.toml", "").endswith("tls/out/clients/kafka-bridge.toml"):
            errors.append(f"{name}: runs the bridge without its TLS config")
    if name == "telegraf" and not m.get("/etc/telegraf/telegraf.conf", "").endswith("tls/out/clients/telegraf.conf"):
        errors.append("telegraf: runs without the TLS telegraf.conf")

if not mounts(tls["influxdb"]).get("/etc/lab-tls", "").endswith("tls/out/influxdb") or \
        tls["influxdb"]["environment"].get("INFLUXD_TLS_CERT") != "/etc/lab-tls/tls.crt":
    errors.append("influxdb: does not serve its certificate")
want = list(base["inject"]["command"])
got = list(tls["inject"]["command"])
if "--tls-ca" not in got or got[:got.index("--tls-ca")] + got[got.index("--tls-ca") + 2:] != want:
    errors.append(f"inject: TLS command {got} is not the base command {want} plus --tls-ca FILE")
props = base64.b64decode(tls["kafdrop"]["environment"]["KAFKA_PROPERTIES"]).decode()
if "security.protocol=SSL" not in props or "ssl.truststore.location=/etc/lab-tls/ca.crt" not in props:
    errors.append(f"kafdrop: KAFKA_PROPERTIES is {props!r}")
if not mounts(tls["grafana"]).get("/etc/grafana/provisioning/datasources", "").endswith("tls/out/clients/grafana"):
    errors.append("grafana: the TLS data source is not mounted")

if errors:
    print("\n".join("FAIL: " + e for e in errors), file=sys.stderr)
    sys.exit(1)
print(f"tls overlay: every listener SSL, InfluxDB https, {sum(1 for s in tls.values() if '/etc/lab-tls' in mounts(s))} services mount their TLS files")
