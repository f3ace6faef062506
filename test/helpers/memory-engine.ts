// An in-memory ContainerEngine for the config faults (mutated configs, a misbehaving
// remote config source): the daemon's whole loop runs (list, decide, launch, kill) while
// no hostile config ever reaches the real Docker engine. Launches beyond `maxPilots`
// fail as Docker would when the host is full; pulls succeed only for known images.
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import {
  DockerApiError,
  type ContainerEngine,
  type EngineInfo,
  type EventWatch,
  type ExitInfo,
  type PilotInfo,
  type PilotSpec,
} from "../../src/runtime/index.js";
import { runBounded } from "../../src/runtime/run-bounded.js";

export class MemoryEngine implements ContainerEngine {
  readonly endpoint = "memory://fault-suite";
  private calls = 0;
  /** Successful listPilots calls: one per full reconciliation of the daemon. */
  lists = 0;
  readonly pilots = new Map<string, PilotInfo>();

  constructor(private readonly opts: { images: readonly string[]; maxPilots?: number }) {}

  get apiCalls(): number {
    return this.calls;
  }

  async ping(): Promise<void> {
    this.calls++;
  }

  async info(): Promise<EngineInfo> {
    this.calls++;
    return {
      serverVersion: "memory",
      cgroupDriver: "cgroupfs",
      cgroupVersion: "2",
      dockerRootDir: "/var/lib/docker",
      apparmor: false,
      rootless: false,
      ncpu: 4,
      memTotalBytes: 8 * 2 ** 30,
      swapLimit: true,
      warnings: [],
      engine: "docker",
    };
  }

  async listPilots(labels: Record<string, string>): Promise<PilotInfo[]> {
    this.calls++;
    if (Object.keys(labels).length === 0) throw new Error("listPilots: at least one label is needed");
    this.lists++;
    return [...this.pilots.values()]
      .filter((p) => Object.entries(labels).every(([k, v]) => p.labels[k] === v))
      .map((p) => ({ ...p, labels: { ...p.labels } }));
  }

  async launch(spec: PilotSpec): Promise<PilotInfo> {
    this.calls++;
    if (!this.opts.images.includes(spec.image))
      throw new DockerApiError(
        `create ${spec.name}: 404 No such image: ${spec.image}`,
        404,
        `No such image: ${spec.image}`,
      );
    if (this.pilots.size >= (this.opts.maxPilots ?? 64))
      throw new DockerApiError(
        `create ${spec.name}: 500 the memory engine is full`,
        500,
        "the memory engine is full",
      );
    const p: PilotInfo = {
      id: randomBytes(32).toString("hex"),
      name: spec.name,
      state: "running",
      createdAtMs: Date.now(),
      image: spec.image,
      labels: { ...spec.labels },
    };
    this.pilots.set(p.id, p);
    return { ...p };
  }

  async launchMany(
    specs: PilotSpec[],
    concurrency: number,
  ): Promise<{ launched: PilotInfo[]; error?: Error }> {
    const outcome = await runBounded(specs, concurrency, (spec) => this.launch(spec));
    return { launched: outcome.results, ...(outcome.error ? { error: outcome.error } : {}) };
  }

  async pause(id: string): Promise<void> {
    this.calls++;
    const p = this.pilots.get(id);
    if (p) p.state = "paused";
  }

  async unpause(id: string): Promise<void> {
    this.calls++;
    const p = this.pilots.get(id);
    if (p) p.state = "running";
  }

  async kill(id: string): Promise<void> {
    this.calls++;
    this.pilots.delete(id);
  }

  /** As Docker: the container stays, exited, for exitInfo and remove. */
  async sigkill(id: string): Promise<void> {
    this.calls++;
    const p = this.pilots.get(id);
    if (p) p.state = "exited";
  }

  async stop(id: string): Promise<void> {
    await this.sigkill(id);
  }

  async remove(id: string): Promise<void> {
    this.calls++;
    this.pilots.delete(id);
  }

  async exitInfo(id: string): Promise<ExitInfo | undefined> {
    this.calls++;
    const p = this.pilots.get(id);
    return p ? { exitCode: p.state === "exited" ? 0 : null, oomKilled: false, state: p.state } : undefined;
  }

  async imagePresent(image: string): Promise<boolean> {
    this.calls++;
    return this.opts.images.includes(image);
  }

  async pull(image: string): Promise<void> {
    this.calls++;
    if (!this.opts.images.includes(image))
      throw new DockerApiError(
        `pull ${image}: 404 manifest for ${image} not found`,
        404,
        `manifest for ${image} not found`,
      );
  }

  watchEvents(): EventWatch {
    return { close: () => undefined };
  }

  async logs(): Promise<NodeJS.ReadableStream> {
    return Readable.from([]);
  }
}
