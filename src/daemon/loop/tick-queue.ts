// Runs reconciliations one at a time; a request made while one runs is merged into a
// single follow-up run (the strongest of the requested options wins).
export interface ReconcileRequest {
  relist: boolean;
  allowStart: boolean;
  cause: string;
}

export class TickQueue {
  private running = false;
  private pending?: ReconcileRequest;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly run: (req: ReconcileRequest) => Promise<void>,
    private readonly onError: (err: unknown, req: ReconcileRequest) => void,
  ) {}

  request(req: ReconcileRequest): Promise<void> {
    if (this.running) {
      this.pending = this.pending
        ? {
            relist: this.pending.relist || req.relist,
            allowStart: this.pending.allowStart || req.allowStart,
            cause: `${this.pending.cause}+${req.cause}`,
          }
        : req;
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

  private async loop(first: ReconcileRequest): Promise<void> {
    let req: ReconcileRequest | undefined = first;
    try {
      while (req) {
        try {
          await this.run(req);
        } catch (err) {
          this.onError(err, req); // one bad run must not end the loop
        }
        req = this.pending;
        this.pending = undefined;
      }
    } finally {
      this.running = false;
    }
  }
}
