// The person at the keyboard and the power supply, as observation variables: input_idle
// (input interrupts and logind), input_sessions and remote_sessions (logind), on_battery and
// battery_percent (power_supply). A source missing on this host leaves its variables ABSENT
// (not 0) and is returned as an error with the source's name, which the daemon says once.
import { InputIdle } from "./input-idle.js";
import { readInputInterrupts, type InputInterrupts } from "./input-interrupts.js";
import { readLoginSessions, type SessionCounts } from "./logind-sessions.js";
import { readPowerSupply, type PowerSupply } from "./power-supply.js";

/** logind is asked this often while an expression names its variables (HTCondor's startd polls every 5 s). */
export const LOGIND_INTERVAL_MS = 5000;
/** ... and this often otherwise (status and metrics still show them). */
export const LOGIND_IDLE_INTERVAL_MS = 60_000;
/** A logind that failed is asked again after the interval doubled per failure, up to this. */
export const LOGIND_MAX_BACKOFF_MS = 600_000;

export interface DesktopReaders {
  interrupts(): Promise<InputInterrupts>;
  sessions(nowMs: number): Promise<SessionCounts>;
  power(): Promise<PowerSupply>;
}

export const desktopReaders = (): DesktopReaders => ({
  interrupts: () => readInputInterrupts(),
  sessions: (nowMs) => readLoginSessions(nowMs),
  power: () => readPowerSupply(),
});

export interface DesktopReading {
  readonly values: Readonly<Record<string, number>>;
  readonly errors: readonly { readonly source: string; readonly message: string }[];
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class DesktopSources {
  private readonly idle = new InputIdle();
  private logind: { atMs: number; counts?: SessionCounts; error?: string } | undefined;
  private refreshing = false;
  private logindFailures = 0;
  /** How often logind is asked (the daemon sets it from the config). */
  logindIntervalMs = LOGIND_INTERVAL_MS;

  constructor(private readonly readers: DesktopReaders = desktopReaders()) {}

  /** The fast path (input-watch.ts): reads the input counts only; true when they moved. */
  async pollInput(nowMs: number): Promise<boolean> {
    const r = await this.readers.interrupts();
    return r.lines.length > 0 && this.idle.observe(r.count, nowMs);
  }

  async read(nowMs: number): Promise<DesktopReading> {
    const values: Record<string, number> = {};
    const errors: { source: string; message: string }[] = [];
    const [irq, power] = await Promise.allSettled([this.readers.interrupts(), this.readers.power()]);
    const idles: number[] = [];
    if (irq.status === "rejected") errors.push({ source: "input_interrupts", message: message(irq.reason) });
    else if (irq.value.lines.length === 0)
      errors.push({ source: "input_interrupts", message: "no input device line in /proc/interrupts" });
    else {
      this.idle.observe(irq.value.count, nowMs);
      idles.push(this.idle.idleSeconds(nowMs));
    }

    const logind = await this.sessions(nowMs);
    if (logind.error !== undefined) errors.push({ source: "logind", message: logind.error });
    else if (logind.counts) {
      values.input_sessions = logind.counts.local;
      values.remote_sessions = logind.counts.remote;
      // The hint was read up to LOGIND_INTERVAL_MS ago: age it to now.
      const since = logind.counts.idleSeconds;
      if (since !== undefined) idles.push(since + (nowMs - logind.atMs) / 1000);
    }
    if (idles.length > 0) values.input_idle = Math.min(...idles);

    if (power.status === "rejected") errors.push({ source: "power_supply", message: message(power.reason) });
    else {
      values.on_battery = power.value.onBattery;
      if (power.value.batteryPercent !== undefined) values.battery_percent = power.value.batteryPercent;
      else errors.push({ source: "battery", message: "no battery in the power supplies" });
    }
    return { values, errors };
  }

  /**
   * The last logind answer. Only the first read is awaited; later ones refresh in the
   * background, so a sample (the one a key press asks for above all) never waits for loginctl.
   */
  private async sessions(nowMs: number): Promise<{ atMs: number; counts?: SessionCounts; error?: string }> {
    if (this.logind === undefined) await this.refreshLogind(nowMs);
    else if (nowMs - this.logind.atMs >= this.logindWaitMs() && !this.refreshing)
      void this.refreshLogind(nowMs);
    return this.logind!;
  }

  /** The interval, doubled per failure in a row (no logind here: no loginctl every 5 s). */
  private logindWaitMs(): number {
    const doubled = this.logindIntervalMs * 2 ** Math.min(this.logindFailures, 20);
    return this.logindFailures === 0 ? this.logindIntervalMs : Math.min(LOGIND_MAX_BACKOFF_MS, doubled);
  }

  private async refreshLogind(nowMs: number): Promise<void> {
    this.refreshing = true;
    try {
      this.logind = { atMs: nowMs, counts: await this.readers.sessions(nowMs) };
      this.logindFailures = 0;
    } catch (err) {
      this.logind = { atMs: nowMs, error: message(err) };
      this.logindFailures++;
    } finally {
      this.refreshing = false;
    }
  }
}
