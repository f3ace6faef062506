import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  DockerApiError,
  EngineTimeoutError,
  EngineUnavailableError,
  dockerMessageOf,
  isNotFound,
  toEngineError,
} from "../../src/runtime/engine-errors.js";

/** What docker-modem rejects with for an HTTP error status. */
function modemError(statusCode: number, json: unknown, reason = "unexpected", cause = "") {
  return Object.assign(new Error(`(HTTP code ${statusCode}) ${reason} - ${cause} `), {
    statusCode,
    json,
    reason,
  });
}
const endpoint = "unix:///var/run/docker.sock";

describe("toEngineError", () => {
  it("says operation, target, status and Docker's message", () => {
    const e = toEngineError(
      modemError(404, { message: "No such image: foo:latest" }),
      "create",
      "plancton-worker-ab12cd",
      endpoint,
    );
    assert.ok(e instanceof DockerApiError);
    assert.equal(e.message, "create plancton-worker-ab12cd: 404 No such image: foo:latest");
    assert.equal(e.statusCode, 404);
    assert.equal(e.dockerMessage, "No such image: foo:latest");
    assert.ok(isNotFound(e));
  });

  it("reads the message of a streamed request from the modem's text", () => {
    const e = toEngineError(
      modemError(500, null, "server error", 'Get "http://127.0.0.1:1/v2/": connection refused'),
      "pull",
      "x:y",
      endpoint,
    );
    assert.equal(e.message, 'pull x:y: 500 Get "http://127.0.0.1:1/v2/": connection refused');
  });

  it("turns socket errors into EngineUnavailableError naming the endpoint", () => {
    for (const code of ["ENOENT", "ECONNREFUSED", "EPIPE", "ECONNRESET"]) {
      const e = toEngineError(
        Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code }),
        "ping",
        undefined,
        endpoint,
      );
      assert.ok(e instanceof EngineUnavailableError, code);
      assert.equal(e.message, `ping: Docker is not reachable at ${endpoint}: ${code}`);
      assert.equal((e as EngineUnavailableError).code, code);
    }
    const denied = toEngineError(
      Object.assign(new Error("EACCES"), { code: "EACCES" }),
      "ping",
      undefined,
      endpoint,
    );
    assert.match(denied.message, /permission denied: run as root or join the docker group/);
    const hangUp = toEngineError(new Error("socket hang up"), "list containers", undefined, endpoint);
    assert.ok(hangUp instanceof EngineUnavailableError);
  });

  it("keeps our own errors and wraps anything else with the operation", () => {
    const mine = new EngineTimeoutError("x");
    assert.equal(toEngineError(mine, "a", "b", endpoint), mine);
    assert.ok(mine instanceof EngineUnavailableError, "a timeout counts as Docker not answering");
    const other = toEngineError(new Error("boom"), "start", "p1", endpoint);
    assert.equal(other.message, "start p1: boom");
    assert.ok(!(other instanceof EngineUnavailableError));
  });
});

describe("dockerMessageOf", () => {
  it("prefers the JSON body, then text bodies, then the modem's message", () => {
    assert.equal(dockerMessageOf(modemError(409, { message: " conflict " })), "conflict");
    assert.equal(dockerMessageOf(modemError(500, "plain text")), "plain text");
    assert.equal(dockerMessageOf(modemError(500, Buffer.from("bytes"))), "bytes");
    assert.equal(
      dockerMessageOf(modemError(404, null, "no such container", "No such container: abc")),
      "No such container: abc",
    );
  });
});
