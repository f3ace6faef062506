// Prometheus /metrics over HTTP (prom-client), fed with the same points as the
// InfluxDB sinks through prometheus-mapping.ts. prom-client is imported only here and
// only when an exporter starts, so a daemon without metrics_listen never loads it.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Counter, Gauge, Registry } from "prom-client";
import { PROM_METRICS, promUpdates } from "./prometheus-mapping.js";
import type { MetricPoint } from "./metric-types.js";

export interface PrometheusExporter {
  /** http://HOST:PORT/metrics, with the port really bound (0 in the config: a free one). */
  readonly url: string;
  /** Applies points; never throws. */
  observe(points: readonly MetricPoint[]): void;
  close(): Promise<void>;
}

export interface ExporterOptions {
  host: string;
  port: number;
  /** Labels on every metric (hostname, as the InfluxDB points' tag). */
  labels: Record<string, string>;
}

export async function startPrometheusExporter(opts: ExporterOptions): Promise<PrometheusExporter> {
  const prom = await import("prom-client");
  const registry: Registry = new prom.Registry();
  const metrics = new Map<string, Gauge | Counter>();
  for (const spec of PROM_METRICS) {
    const cfg = { name: spec.name, help: spec.help, labelNames: spec.labelNames, registers: [registry] };
    metrics.set(spec.name, spec.type === "counter" ? new prom.Counter(cfg) : new prom.Gauge(cfg));
  }
  const totals = new Map<string, number>(); // running totals seen, by metric and labels
  const server = http.createServer((req, res) => {
    const pathname = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
    } else if (pathname !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("Plancton serves /metrics only\n");
    } else {
      registry.metrics().then(
        (body) =>
          res
            .writeHead(200, { "content-type": registry.contentType })
            .end(req.method === "HEAD" ? undefined : body),
        (err: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`${err.message}\n`),
      );
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}/metrics`,
    observe(points) {
      for (const point of points) {
        for (const u of promUpdates(point, opts.labels)) {
          const m = metrics.get(u.spec.name);
          if (!m) continue;
          try {
            if (u.kind === "inc") (m as Counter).inc(u.labels, u.value);
            else if (u.kind === "total") {
              const key = `${u.spec.name}${JSON.stringify(u.labels)}`;
              const grown = u.value - (totals.get(key) ?? 0);
              if (grown >= 0) (m as Counter).inc(u.labels, grown);
              totals.set(key, u.value);
            } else if (u.kind === "set") (m as Gauge).set(u.labels, u.value);
            else {
              m.reset(); // one current value: the previous one's series goes
              (m as Gauge).set(u.labels, 1);
            }
          } catch {
            // a value prom-client refuses (a negative counter step) is skipped, as an invalid point is
          }
        }
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
