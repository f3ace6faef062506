// Runs ticks one at a time; a request made while one runs is merged into a single
// follow-up run (the strongest of the requested options wins). It is also the only way
// a change reaches what a tick reads: a request may carry changes to apply (a config
// applied, the engine reconnected, control files read), which run in order, between
// ticks, just before the tick they asked for.
/** Where a failed run or change is said (the daemon's logger). */
export interface TickErrors {
  error(obj: object, msg: string): void;
}

export interface TickRequest {
  relist: boolean;
  allowStart: boolean;
  cause: string;
  /** Changes to apply before this tick, in the order they were asked. */
  apply?: (() => Promise<void>)[];
}

export class TickQueue {
  private running = false;
  private pending?: TickRequest;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly run: (req: TickRequest) => Promise<void>,
    private readonly log: TickErrors,
  ) {}

  request(req: TickRequest): Promise<void> {
    if (this.running) {
      this.pending = this.pending ? merged(this.pending, req) : req;
      return this.idle;
    }
    this.running = true;
    this.idle = this.loop(req);
    return this.idle;
  }

  /** Resolves when no run is in progress or pending. */
  settled(): Promise<void> {
    return this.idle;
  }

  private async loop(first: TickRequest): Promise<void> {
    let req: TickRequest | undefined = first;
    try {
      while (req) {
        for (const change of req.apply ?? []) await this.guarded(req, change);
        await this.guarded(req, () => this.run(req!));
        req = this.pending;
        this.pending = undefined;
      }
    } finally {
      this.running = false;
    }
  }

  /** One bad change or run must not end the loop. */
  private async guarded(req: TickRequest, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      const e = err as Error;
      this.log.error(
        { err: e.stack },
        `tick (${req.cause}) failed: ${e.message}; trying again at the next tick`,
      );
    }
  }
}

function merged(a: TickRequest, b: TickRequest): TickRequest {
  const apply = [...(a.apply ?? []), ...(b.apply ?? [])];
  return {
    relist: a.relist || b.relist,
    allowStart: a.allowStart || b.allowStart,
    cause: `${a.cause}+${b.cause}`,
    ...(apply.length > 0 ? { apply } : {}),
  };
}
