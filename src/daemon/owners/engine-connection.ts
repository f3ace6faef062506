// The link to the container engine: whether it answers (and since when), which engine
// and version, the backoff between reconnects while it does not, and the event watch
// that makes a pilot's start or end a reason to decide again. It owns no timer: a tick
// that finds the engine down asks to run again after retryAfterMs().
import { EngineUnavailableError, type ContainerEngine, type EngineInfo } from "../../runtime/index.js";
import type { Logger } from "../process/logger.js";
import { engineLine } from "../report/status.js";

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;
const PILOT_EVENTS = new Set(["start", "die", "oom", "destroy", "pause", "unpause"]);

/** Whether the engine answers (since when, the last error); which engine
 *  ("docker" or "podman", from /version's Components) and its version. */
export interface EngineState {
  available: boolean;
  since?: number;
  lastError?: string;
  version?: string;
  engine?: string;
}

export class EngineConnection {
  private docker: EngineState = { available: false };
  private backoffMs = FIRST_RETRY_MS;
  private downSaid = false;
  private events?: { close(): void };

  constructor(
    private readonly engine: ContainerEngine,
    private readonly logger: Logger,
    private readonly clock: () => number,
  ) {}

  get available(): boolean {
    return this.docker.available;
  }

  state(): EngineState {
    return this.docker;
  }

  /** Pings and identifies the engine; undefined (and marked down) when it does not answer. */
  async connect(): Promise<EngineInfo | undefined> {
    try {
      await this.engine.ping();
      const info = await this.engine.info();
      this.docker = {
        available: true,
        since: this.clock(),
        version: info.serverVersion,
        engine: info.engine ?? "docker",
      };
      this.logger.info(
        {
          engine: this.docker.engine,
          version: info.serverVersion,
          cgroupDriver: info.cgroupDriver,
          cgroupVersion: info.cgroupVersion,
        },
        `engine: ${engineLine(this.docker)}`,
      );
      return info;
    } catch (err) {
      this.down(err as Error);
      return undefined;
    }
  }

  /** A listing answered. Returns true when the engine was down until now (then reconnect). */
  answered(): boolean {
    if (this.docker.available) return false;
    this.logger.info("Docker is back");
    this.downSaid = false;
    this.backoffMs = FIRST_RETRY_MS;
    return true;
  }

  down(err: Error): void {
    const wasUp = this.docker.available || this.docker.since === undefined;
    this.docker = {
      available: false,
      since: wasUp ? this.clock() : this.docker.since,
      lastError: err.message,
    };
    // Said once an outage (until "Docker is back"), even when a connect that was in flight
    // marked the engine up for a moment. The error: in the message, or as `err` when the message sums it up.
    if (this.downSaid) return;
    this.downSaid = true;
    if (err instanceof EngineUnavailableError)
      this.logger.warn({ err: err.message }, "waiting for Docker: the engine does not answer");
    else this.logger.warn(`waiting for Docker: ${err.message}`);
  }

  /** The delay before the next reconnect; each call doubles the next one, up to 30 s. */
  retryAfterMs(): number {
    const ms = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_RETRY_MS);
    return ms;
  }

  /** (Re)watches the pilots with these labels; onPilotEvent on each start, end, pause. */
  watch(labels: Record<string, string>, onPilotEvent: () => void): void {
    this.events?.close();
    this.events = this.engine.watchEvents(labels, (e) => {
      if (PILOT_EVENTS.has(e.action)) onPilotEvent();
    });
  }

  close(): void {
    this.events?.close();
  }
}
