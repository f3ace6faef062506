// Appends one record as one whole line. A write the disk cut short (ENOSPC half-way, a
// crash) leaves a torn last line; the next record then starts with a newline, so the torn
// one stays alone (and unreadable) instead of swallowing the record after it.

/** The part of an open file (node's FileHandle, opened for appending) this needs. */
export interface AppendableFile {
  stat(): Promise<{ size: number }>;
  read(buf: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  appendFile(data: string): Promise<void>;
  close(): Promise<void>;
}

/** True when the file is empty or its last byte ends a line. */
async function endsWithNewline(fh: AppendableFile): Promise<boolean> {
  const { size } = await fh.stat();
  if (size === 0) return true;
  const last = Buffer.alloc(1);
  const { bytesRead } = await fh.read(last, 0, 1, size - 1);
  return bytesRead === 1 && last[0] === 0x0a;
}

/** Appends `line` (no newline in it) to the file `open` gives, ending a torn tail first. */
export async function appendWholeLine(open: () => Promise<AppendableFile>, line: string): Promise<void> {
  const fh = await open();
  try {
    const lead = (await endsWithNewline(fh)) ? "" : "\n";
    await fh.appendFile(`${lead}${line}\n`);
  } finally {
    await fh.close();
  }
}
