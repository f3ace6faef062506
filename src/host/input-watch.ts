// The fast path to a key press: the input interrupt counts read every intervalMs (a few
// lines of /proc/interrupts, no input event), and onInput called when they move, so the
// daemon samples and decides at once instead of at the next sample_interval. At most one
// call per minGapMs (the daemon gives sample_interval): someone typing for hours costs at most
// one sample more per interval, while the first key after a quiet spell is acted on at once.
export interface InputPoller {
  pollInput(nowMs: number): Promise<boolean>;
}

export const INPUT_WATCH_INTERVAL_MS = 250;

export class InputWatch {
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private lastCallMs = -Infinity;
  /** Set by the daemon to sample_interval; 0 = every change. */
  minGapMs = 0;

  constructor(
    private readonly poller: InputPoller,
    private readonly onInput: () => void,
    private readonly clock: () => number = Date.now,
    private readonly intervalMs = INPUT_WATCH_INTERVAL_MS,
  ) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One poll; a failing read is the sampler's to say (it reads the same source). */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const nowMs = this.clock();
      if ((await this.poller.pollInput(nowMs)) && nowMs - this.lastCallMs >= this.minGapMs) {
        this.lastCallMs = nowMs;
        this.onInput();
      }
    } catch {
      // the sampler reports the source as missing
    } finally {
      this.polling = false;
    }
  }
}
