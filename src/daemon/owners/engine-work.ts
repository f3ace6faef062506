// The engine as the daemon uses it, telling the own-CPU meter when an operation of the
// daemon is in flight: the engine's CPU then (a launch costs it about 0.5 CPU-seconds) is
// Plancton's, not an owner arriving (host/own-cpu.ts).
import { overlayEngine, type ContainerEngine } from "../../runtime/index.js";

/** The operations that make the engine work for the daemon. */
const WORK = [
  "launch",
  "launchMany",
  "pause",
  "unpause",
  "kill",
  "sigkill",
  "stop",
  "remove",
  "pull",
] as const;

export function withEngineWork(
  engine: ContainerEngine,
  meter: { begin(): void; end(): void },
): ContainerEngine {
  const overrides: Partial<ContainerEngine> = {};
  for (const name of WORK) {
    const op = engine[name] as (...args: unknown[]) => Promise<unknown>;
    (overrides as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      meter.begin();
      try {
        return await op.apply(engine, args);
      } finally {
        meter.end();
      }
    };
  }
  return overlayEngine(engine, overrides); // the rest (listing, inspect, events) passes through
}
