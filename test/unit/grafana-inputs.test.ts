// The shipped Grafana dashboard declares its data source as an import input, so Grafana's
// import asks for it (as the README says) instead of leaving panels without a source.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const text = readFileSync(new URL("../../conf-examples/grafana/plancton.json", import.meta.url), "utf8");
const dashboard = JSON.parse(text) as {
  __inputs?: { name: string; type: string; pluginId: string }[];
  templating: { list: { name: string; current?: { value?: string } }[] };
};

test("the InfluxDB data source is an import input, and the datasource variable defaults to it", () => {
  assert.deepEqual(
    dashboard.__inputs?.map((i) => [i.name, i.type, i.pluginId]),
    [["DS_INFLUXDB", "datasource", "influxdb"]],
  );
  assert.equal(
    dashboard.templating.list.find((v) => v.name === "datasource")?.current?.value,
    "${DS_INFLUXDB}",
  );
  // Every ${DS_...} placeholder is declared (import fills in only the declared ones).
  for (const [, name] of text.matchAll(/\$\{(DS_[A-Z0-9_]+)\}/g))
    assert.ok(
      dashboard.__inputs?.some((i) => i.name === name),
      name,
    );
});
