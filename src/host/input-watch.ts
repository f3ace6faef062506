// The fast path to a key press: the input interrupt counts read every intervalMs (a few
// lines of /proc/interrupts, no input event), and onInput called when they move, so the
// daemon samples and decides at once instead of at the next sample_interval.
export interface InputPoller {
  pollInput(nowMs: number): Promise<boolean>;
}

export const INPUT_WATCH_INTERVAL_MS = 250;

export class InputWatch {
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

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
      if (await this.poller.pollInput(this.clock())) this.onInput();
    } catch {
      // the sampler reports the source as missing
    } finally {
      this.polling = false;
    }
  }
}
