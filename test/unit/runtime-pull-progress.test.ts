import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { PullFailedError, followPullProgress } from "../../src/runtime/pull-progress.js";

describe("followPullProgress", () => {
  it("resolves at the end of a good stream, with the last status", async () => {
    const s = new PassThrough();
    const done = followPullProgress(s);
    s.write('{"status":"Pulling from plancton/pilot","id":"t1"}\n{"status":"Downlo');
    s.write('ading","progressDetail":{"current":1,"total":2}}\r\n\n');
    s.end('{"status":"Status: Downloaded newer image for 127.0.0.1:5000/plancton/pilot:t1"}');
    assert.deepEqual(await done, {
      lastStatus: "Status: Downloaded newer image for 127.0.0.1:5000/plancton/pilot:t1",
    });
  });

  it("rejects with Docker's message when an error line came, even if the stream ended well", async () => {
    const s = new PassThrough();
    const done = followPullProgress(s);
    s.write('{"status":"Pulling from x"}\n');
    s.write(
      '{"errorDetail":{"message":"manifest for x:y not found"},"error":"manifest for x:y not found"}\n',
    );
    s.end();
    await assert.rejects(
      done,
      (e: Error) => e instanceof PullFailedError && e.message === "manifest for x:y not found",
    );
  });

  it("takes errorDetail alone, and ignores lines that are not JSON", async () => {
    const s = new PassThrough();
    const done = followPullProgress(s);
    s.end('garbage\n{"errorDetail":{"message":"unauthorized"}}\n');
    await assert.rejects(done, { message: "unauthorized" });
  });

  it("rejects when the stream fails or is cut before its end", async () => {
    const failed = new PassThrough();
    const a = followPullProgress(failed);
    failed.destroy(new Error("socket hang up"));
    await assert.rejects(a, (e: Error) => !(e instanceof PullFailedError) && e.message === "socket hang up");
    const cut = new PassThrough();
    const b = followPullProgress(cut);
    cut.write('{"status":"Downloading"}\n');
    cut.destroy();
    await assert.rejects(b, /cut before its end/);
  });
});
