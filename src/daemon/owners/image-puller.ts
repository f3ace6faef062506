// The pilot image: the one owner of what was pulled, when, and how many pulls of it
// failed in a row. decide() reads status() and says when to pull; act() calls pull(),
// which runs in the background and asks for a tick when done. A new docker_image starts
// from nothing: the old image's failures and backoff do not apply to it.
import type { ImageStatus } from "../../policy/policy-types.js";
import type { ContainerEngine } from "../../runtime/index.js";
import type { Logger } from "../process/logger.js";

export interface ImageView {
  name: string;
  usable: boolean;
  lastPullAtMs?: number;
  lastPullError?: string;
  pulling: boolean;
}

interface ImageState extends ImageView {
  lastPullFailedAtMs?: number;
  failures: number;
}

export interface ImagePullerDeps {
  engine: ContainerEngine;
  logger: Logger;
  clock: () => number;
  /** Whether the engine answers (no pull while it does not). */
  engineUp: () => boolean;
  onPulled: (image: string, ok: boolean, ms: number, error?: string) => void;
  /** A pull ended: decide again. */
  requestTick: () => void;
}

export class ImagePuller {
  private image: ImageState;

  constructor(
    name: string,
    private readonly deps: ImagePullerDeps,
  ) {
    this.image = fresh(name);
  }

  /** docker_image changed: pulled at once, without the old one's backoff. */
  configure(name: string): void {
    if (name !== this.image.name) this.image = fresh(name);
  }

  status(): ImageStatus {
    const i = this.image;
    return {
      image: i.usable ? i.name : undefined,
      lastPullAtMs: i.lastPullAtMs,
      lastPullFailedAtMs: i.lastPullFailedAtMs,
      pulling: i.pulling,
      failures: i.failures,
    };
  }

  view(): ImageView {
    const { name, usable, lastPullAtMs, lastPullError, pulling } = this.image;
    return { name, usable, lastPullAtMs, lastPullError, pulling };
  }

  pull(): void {
    if (this.image.pulling || !this.deps.engineUp()) return;
    void this.run(this.image.name);
  }

  private async run(name: string): Promise<void> {
    const { engine, logger, clock } = this.deps;
    this.image.pulling = true;
    const t0 = clock();
    try {
      await engine.pull(name);
      if (name !== this.image.name) return; // the config moved on meanwhile
      this.image = { name, usable: true, lastPullAtMs: clock(), pulling: false, failures: 0 };
      logger.info({ image: name, ms: clock() - t0 }, `pulled ${name}`);
      this.deps.onPulled(name, true, clock() - t0);
    } catch (err) {
      const present = await engine.imagePresent(name).catch(() => false);
      if (name !== this.image.name) return;
      const msg = (err as Error).message;
      if (msg !== this.image.lastPullError) {
        logger.warn(
          { image: name },
          present
            ? `pull of ${name} failed, using the local copy: ${msg}`
            : `pull of ${name} failed and no local copy: no new pilot until it succeeds: ${msg}`,
        );
      }
      this.image = {
        ...this.image,
        usable: present,
        lastPullFailedAtMs: clock(),
        lastPullError: msg,
        pulling: false,
        failures: this.image.failures + 1,
      };
      this.deps.onPulled(name, false, clock() - t0, msg);
    }
    this.deps.requestTick();
  }
}

function fresh(name: string): ImageState {
  return { name, usable: false, pulling: false, failures: 0 };
}
