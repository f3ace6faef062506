// Following a pull's progress stream (NDJSON) to its end. Docker answers 200 and then
// reports most failures inside the stream ({"error": "...", "errorDetail": {...}}),
// so the pull has failed when such a line came, even though the stream ended well.
import { StringDecoder } from "node:string_decoder";

/** Docker reported the pull's failure in the stream (as opposed to the stream failing). */
export class PullFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PullFailedError";
  }
}

export interface PullOutcome {
  /** The last "status" line, e.g. "Status: Image is up to date for busybox:latest". */
  lastStatus?: string;
}

/**
 * Resolves when the stream ends without an error line; rejects with Docker's message (PullFailedError)
 * otherwise, or the stream's own error.
 */
export function followPullProgress(stream: NodeJS.ReadableStream): Promise<PullOutcome> {
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder("utf8");
    let pending = "";
    let error: string | undefined;
    let lastStatus: string | undefined;
    let done = false;

    const handleLine = (line: string) => {
      if (line === "") return;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        return; // not JSON: ignore, as the docker CLI does for progress noise
      }
      if (typeof obj !== "object" || obj === null) return;
      const o = obj as { error?: unknown; errorDetail?: { message?: unknown }; status?: unknown };
      const detail = typeof o.errorDetail?.message === "string" ? o.errorDetail.message : undefined;
      const message = typeof o.error === "string" ? o.error : detail;
      if (message !== undefined && error === undefined) error = message.trim();
      if (typeof o.status === "string") lastStatus = o.status;
    };
    const finish = (streamError?: Error) => {
      if (done) return;
      done = true;
      handleLine((pending + decoder.end()).trim());
      pending = "";
      if (error !== undefined) reject(new PullFailedError(error));
      else if (streamError) reject(streamError);
      else resolve(lastStatus !== undefined ? { lastStatus } : {});
    };
    stream.on("data", (chunk: Buffer | string) => {
      pending += typeof chunk === "string" ? chunk : decoder.write(chunk);
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        handleLine(pending.slice(0, nl).trim());
        pending = pending.slice(nl + 1);
      }
    });
    stream.on("end", () => finish());
    // "close" without "end": the connection was cut mid-pull (dockerd stopped, aborted).
    stream.on("close", () => {
      const ended = (stream as NodeJS.ReadableStream & { readableEnded?: boolean }).readableEnded;
      finish(ended === false ? new Error("the progress stream was cut before its end") : undefined);
    });
    stream.on("error", (e: Error) => finish(e));
  });
}
