import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dockerConnection } from "../../src/runtime/docker-endpoint.js";

const none = () => false;
const home = () => "/home/u";

describe("dockerConnection", () => {
  it("uses an explicit socket path over DOCKER_HOST", () => {
    const c = dockerConnection("/tmp/d.sock", { DOCKER_HOST: "tcp://10.0.0.2:2375" }, none, home);
    assert.equal(c.endpoint, "unix:///tmp/d.sock");
    assert.equal(c.options.socketPath, "/tmp/d.sock");
    assert.equal(c.options.host, undefined);
    assert.ok("host" in c.options, "the socket path must override a host derived from DOCKER_HOST");
  });
  it("honours DOCKER_HOST unix:// and tcp://", () => {
    assert.equal(
      dockerConnection(undefined, { DOCKER_HOST: "unix:///run/user/1000/docker.sock" }, none, home).options
        .socketPath,
      "/run/user/1000/docker.sock",
    );
    const tcp = dockerConnection(undefined, { DOCKER_HOST: "tcp://10.0.0.2:2375" }, none, home);
    assert.equal(tcp.endpoint, "tcp://10.0.0.2:2375");
    assert.deepEqual(tcp.options, {});
  });
  it("falls back to the user's Docker Desktop socket, then /var/run/docker.sock", () => {
    assert.equal(dockerConnection(undefined, {}, none, home).endpoint, "unix:///var/run/docker.sock");
    const desktop = dockerConnection(undefined, {}, (p) => p === "/home/u/.docker/run/docker.sock", home);
    assert.equal(desktop.endpoint, "unix:///home/u/.docker/run/docker.sock");
  });
  it("rejects unknown schemes with a message saying what works", () => {
    assert.throws(
      () => dockerConnection(undefined, { DOCKER_HOST: "ftp://x" }, none, home),
      /DOCKER_HOST="ftp:\/\/x": unsupported scheme; use unix:\/\//,
    );
  });
});
