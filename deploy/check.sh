#!/usr/bin/env bash
# Validates deploy/compose.yaml without a Docker engine (CI runs this):
#  1. with every required variable set (a temp .env made from .env.example), `config -q` passes;
#  2. with any one required variable unset or empty, `config` fails naming it;
#  3. the resolved file keeps the lab's security rules: pinned image tags (no `latest`),
#     ports published on 127.0.0.1 only, Kafka brokers on internal networks without ports,
#     no secret written into compose.yaml itself;
#  4. Grafana's data source takes its token from the environment and every dashboard uses it.
# Needs: docker-compose (Debian package, `apt-get install -y --no-install-recommends
# docker-compose`) and python3 with PyYAML (a dependency of that package).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
compose="$here/compose.yaml"
example="$here/.env.example"
command -v docker-compose >/dev/null || { echo "check.sh: docker-compose is not installed" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Variables the compose file requires (`${NAME:?message}`), from the file itself.
mapfile -t required < <(grep -o '\${[A-Z0-9_]*:?' "$compose" | sed 's/^\${//; s/:?$//' | sort -u)
[ ${#required[@]} -gt 0 ] || { echo "check.sh: compose.yaml requires no variable?" >&2; exit 1; }

# A complete .env: the example's values, with a dummy for every empty one.
while IFS= read -r line; do
  case "$line" in
    ''|'#'*) printf '%s\n' "$line" ;;
    *=) printf '%scheck-%s\n' "$line" "$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')" ;;
    *) printf '%s\n' "$line" ;;
  esac
done < "$example" > "$work/full.env"

# Compose reads the shell environment before --env-file: make sure it cannot mask a gap.
unset_args=()
for name in "${required[@]}"; do
  unset_args+=(-u "$name")
  grep -q "^$name=" "$example" || { echo "FAIL: $name is required by compose.yaml but missing from .env.example" >&2; exit 1; }
done
dc() { env "${unset_args[@]}" docker-compose -f "$compose" --env-file "$1" "${@:2}"; }

echo "compose: config with a complete .env"
dc "$work/full.env" config -q
dc "$work/full.env" --profile standalone config -q
dc "$work/full.env" --profile standalone config > "$work/resolved.yaml"

for name in "${required[@]}"; do
  for how in unset empty; do
    if [ "$how" = unset ]; then grep -v "^$name=" "$work/full.env" > "$work/gap.env"
    else sed "s/^$name=.*/$name=/" "$work/full.env" > "$work/gap.env"; fi
    if dc "$work/gap.env" config -q > "$work/gap.out" 2>&1; then
      echo "FAIL: config passed with $name $how" >&2; exit 1
    fi
    grep -q "$name" "$work/gap.out" || { echo "FAIL: error for $name $how does not name it:" >&2; cat "$work/gap.out" >&2; exit 1; }
  done
done
echo "compose: config fails fast for each of ${#required[@]} required variables (${required[*]})"

python3 - "$work/resolved.yaml" "$compose" "$here/grafana" <<'PY'
import glob, json, os, re, sys, yaml

resolved = yaml.safe_load(open(sys.argv[1]))
raw = open(sys.argv[2]).read()
errors = []
services = resolved["services"]
networks = resolved.get("networks", {})

for name, svc in services.items():
    image = svc.get("image", "")
    if not image:
        errors.append(f"{name}: no image")
    else:
        repo, _, tag = image.rpartition(":") if ":" in image.split("/")[-1] else (image, "", "")
        if not tag or tag == "latest":
            errors.append(f"{name}: image {image!r} is not pinned to a version tag")
    for port in svc.get("ports", []):
        host_ip = port.get("host_ip") if isinstance(port, dict) else str(port).split(":")[0]
        if host_ip != "127.0.0.1":
            errors.append(f"{name}: port {port} is not published on 127.0.0.1 only")
    if name.startswith("kafka") and name != "kafdrop":
        if svc.get("ports"):
            errors.append(f"{name}: a broker publishes ports")
        for net in svc.get("networks", {}):
            if not networks.get(net, {}).get("internal"):
                errors.append(f"{name}: broker on non-internal network {net}")

# Secrets only ever come from variables: no literal value after a secret-looking key.
for lineno, line in enumerate(raw.splitlines(), 1):
    m = re.match(r"\s*([A-Z0-9_]*(PASSWORD|TOKEN|SECRET)[A-Z0-9_]*):\s*(.*)$", line)
    if m and not m.group(3).startswith("${"):
        errors.append(f"compose.yaml:{lineno}: {m.group(1)} is not taken from a variable")
# Every variable is required: `${NAME}` or `${NAME:-default}` would silently start with a gap.
for lineno, line in enumerate(raw.splitlines(), 1):
    for ref in re.findall(r"\$\{([^}]*)\}", line):
        if not re.fullmatch(r"[A-Z0-9_]+:\?.+", ref):
            errors.append(f"compose.yaml:{lineno}: ${{{ref}}} is not a required variable (${{NAME:?message}})")

# Grafana: the provisioned data source takes its token from the environment, and every
# dashboard panel uses that data source.
grafana = sys.argv[3]
uids = set()
for path in glob.glob(os.path.join(grafana, "provisioning", "datasources", "*.yaml")):
    for ds in yaml.safe_load(open(path)).get("datasources", []):
        uids.add(ds.get("uid"))
        token = ds.get("secureJsonData", {}).get("token", "")
        if token and not token.startswith("${"):
            errors.append(f"{path}: data source token is not taken from the environment")
dashboards = glob.glob(os.path.join(grafana, "dashboards", "*.json"))
if not dashboards:
    errors.append("no Grafana dashboard in deploy/grafana/dashboards")
for path in dashboards:
    dash = json.load(open(path))
    for panel in dash.get("panels", []):
        used = [panel.get("datasource", {}).get("uid")] + [t.get("datasource", {}).get("uid") for t in panel.get("targets", [])]
        for uid in used:
            if uid not in uids:
                errors.append(f"{path}: panel {panel.get('title')!r} uses unknown data source {uid!r}")

if errors:
    print("\n".join("FAIL: " + e for e in errors), file=sys.stderr)
    sys.exit(1)
print(f"compose: {len(services)} services: images pinned, ports on 127.0.0.1, brokers internal, no literal secrets")
print(f"grafana: {len(dashboards)} dashboard(s) on the provisioned data source {sorted(uids)}")
PY
echo "deploy/check.sh: OK"
