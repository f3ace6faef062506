// A sink for one target: the buffered sender over that target's HTTP transport.
import { createBufferedSink } from "./buffered-sink.js";
import { createInfluxTransport } from "./influx-transport.js";
import { SINK_DEFAULTS, type SinkOptions } from "./sink-options.js";
import type { MetricsSink, MetricsTarget } from "./metric-types.js";

export function createSink(target: MetricsTarget, opts: SinkOptions): MetricsSink {
  const transport = createInfluxTransport(target, opts.requestTimeoutMs ?? SINK_DEFAULTS.requestTimeoutMs);
  return createBufferedSink(transport, opts);
}
