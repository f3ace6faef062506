// Docker's own record of when things happened to one instance's pilots: the event
// stream, with Docker's timestamps (same host clock as Date.now()).
import { instanceLabels } from "../../src/daemon/loop/labels.js";
import { createDockerEngine, type PilotEvent } from "../../src/runtime/index.js";
import { poll } from "./wait.js";

export class EventLog {
  readonly events: PilotEvent[] = [];
  private readonly watch: { close(): void };
  private connected = false;

  constructor(instance: string) {
    this.watch = createDockerEngine().watchEvents(
      instanceLabels(instance),
      (e) => this.events.push(e),
      (up) => {
        this.connected = up;
      },
    );
  }

  /** Waits until the stream is connected (events before that would be missed). */
  async ready(timeoutMs = 10_000): Promise<void> {
    await poll("the Docker event stream", () => this.connected, timeoutMs);
  }

  /** Events of these actions at or after sinceMs. */
  since(sinceMs: number, actions: readonly string[]): PilotEvent[] {
    return this.events.filter((e) => e.timeMs >= sinceMs && actions.includes(e.action));
  }

  /** The first event of these actions at or after sinceMs. */
  first(sinceMs: number, actions: readonly string[], timeoutMs: number): Promise<PilotEvent> {
    return poll(`a ${actions.join("/")} event`, () => this.since(sinceMs, actions)[0], timeoutMs, 10);
  }

  /** The count-th event (1-based) of these actions at or after sinceMs. */
  nth(sinceMs: number, actions: readonly string[], count: number, timeoutMs: number): Promise<PilotEvent> {
    return poll(
      `${count} ${actions.join("/")} events`,
      () => this.since(sinceMs, actions)[count - 1],
      timeoutMs,
      10,
    );
  }

  close(): void {
    this.watch.close();
  }
}
