// The metrics room's public surface: sinks that survive outages, the series, the hub.
export type { MetricPoint, MetricsSink, MetricsTarget, SinkStats } from "./metric-types.js";
export { describeTarget, targetKey, redactUrl } from "./target-names.js";
export { createSink } from "./create-sink.js";
export { createBufferedSink } from "./buffered-sink.js";
export { realTimers, SINK_DEFAULTS, type SinkOptions, type Timers } from "./sink-options.js";
export { createInfluxTransport, type SendOutcome, type Transport } from "./influx-transport.js";
export { MetricsHub, type HubOptions } from "./metrics-hub.js";
export { toLine } from "./line-protocol.js";
export {
  startPrometheusExporter,
  type PrometheusExporter,
  type ExporterOptions,
} from "./prometheus-exporter.js";
export {
  PROM_METRICS,
  promTable,
  promUpdates,
  type PromMetricSpec,
  type PromUpdate,
} from "./prometheus-mapping.js";
export { ACCOUNTING_SERIES, TOTAL_MEASUREMENTS, accountingPoints } from "./series-accounting.js";
export { SERIES, seriesTable, fieldType, boolTag, type SeriesEntry, type SeriesType } from "./series.js";
export {
  daemonPoint,
  measurementPoint,
  containerPoint,
  hostPoint,
  pilotEventPoint,
  imagePullPoint,
  tickPoint,
  metricsPoints,
  type DaemonStatus,
  type PilotEvent,
  type PilotReason,
  type DaemonSample,
  type DaemonHost,
  type ContainerEnd,
  type HostSample,
  type PilotEventSample,
  type ImagePullSample,
  type TickSample,
} from "./series-points.js";
