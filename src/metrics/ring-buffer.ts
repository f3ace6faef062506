// A fixed-capacity FIFO of strings: O(1) push and shift, no reallocation after creation.

export class RingBuffer {
  private readonly slots: (string | undefined)[];
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`ring capacity must be a positive integer, got ${capacity}`);
    this.slots = new Array<string | undefined>(capacity).fill(undefined);
  }

  get size(): number {
    return this.count;
  }

  /** Appends; the caller makes room first (push on a full ring throws). */
  push(item: string): void {
    if (this.count === this.capacity) throw new Error("ring buffer full");
    this.slots[(this.head + this.count) % this.capacity] = item;
    this.count++;
  }

  /** Removes the oldest item; undefined when empty. */
  shift(): string | undefined {
    if (this.count === 0) return undefined;
    const item = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return item;
  }

  /** Removes and returns up to n of the oldest items, oldest first. */
  take(n: number): string[] {
    const out: string[] = [];
    while (out.length < n && this.count > 0) out.push(this.shift() as string);
    return out;
  }

  /** Removes everything; returns how many items there were. */
  clear(): number {
    const n = this.count;
    this.slots.fill(undefined);
    this.head = 0;
    this.count = 0;
    return n;
  }
}
