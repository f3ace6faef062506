// The graceful stops in flight (SIGTERM, then SIGKILL after the grace): the one owner of
// that set. act() begins a stop and ends it in the background; decide() sees the pilots
// under a stop (PilotCache.forPolicy) and leaves them to it; an urgent SIGKILL of the
// owner's give-back escalates one. When a stop ends, onEnded asks for a tick.
export class GracefulStops {
  private readonly inFlight = new Map<string, { escalated: boolean }>();

  constructor(private readonly onEnded: () => void) {}

  ids(): ReadonlySet<string> {
    return new Set(this.inFlight.keys());
  }

  has(id: string): boolean {
    return this.inFlight.has(id);
  }

  begin(id: string): void {
    this.inFlight.set(id, { escalated: false });
  }

  /** The owner needs it now: a SIGKILL overrides the grace, and records the end itself. */
  escalate(id: string): void {
    const s = this.inFlight.get(id);
    if (s) s.escalated = true;
  }

  escalated(id: string): boolean {
    return this.inFlight.get(id)?.escalated === true;
  }

  end(id: string): void {
    this.inFlight.delete(id);
    this.onEnded();
  }
}
