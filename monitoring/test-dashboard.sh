#!/usr/bin/env bash
# The dashboard's and the alerts' PromQL must parse (each panel query is wrapped into a throwaway rule file and
# checked by promtool) and every cohort_* metric they name must be one the node registers in
# operator-node/src/api/metrics.ts, so a renamed metric fails CI instead of leaving an empty panel or a silent alert.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node -e '
const d = require("./grafana-dashboard.json");
const rules = d.panels.flatMap((p) => p.targets.map((t, i) => ({ record: `dashboard:panel${p.id}_${i}`, expr: t.expr.replaceAll("$instance", ".*") })));
console.log(JSON.stringify({ groups: [{ name: "dashboard", rules }] }));
' > "$tmp/dashboard-rules.json"
promtool check rules "$tmp/dashboard-rules.json"
missing=0
for name in $(grep -ohE 'cohort_[a-z_]+' grafana-dashboard.json alerts.yml | sed -E 's/_(bucket|sum|count)$//' | sort -u); do
  if ! grep -q "name: \"$name\"" ../operator-node/src/api/metrics.ts; then
    echo "monitoring: $name is not registered in operator-node/src/api/metrics.ts"
    missing=1
  fi
done
exit "$missing"
