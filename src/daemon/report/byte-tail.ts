// The last `maxBytes` of a stream, kept while it is read: a pilot that prints long lines
// (or none) costs at most maxBytes of memory and of disk, never its whole output.

export class ByteTail {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private cut = false;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    // Drop whole chunks from the front while what is left still holds maxBytes.
    while (this.chunks.length > 1 && this.bytes - this.chunks[0]!.length >= this.maxBytes) {
      this.bytes -= this.chunks.shift()!.length;
      this.cut = true;
    }
  }

  /** At most maxBytes; when the front was cut, it starts at a line's start (if one is in it). */
  result(): Buffer {
    let all = Buffer.concat(this.chunks);
    if (all.length > this.maxBytes) {
      all = all.subarray(all.length - this.maxBytes);
      this.cut = true;
    }
    if (!this.cut) return all;
    const nl = all.indexOf(0x0a);
    return nl >= 0 && nl < all.length - 1 ? all.subarray(nl + 1) : all;
  }
}
