import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  labelFilter,
  nameOf,
  parseDockerTime,
  toEngineInfo,
  toExitInfo,
  toPilotInfo,
} from "../../src/runtime/docker-mapping.js";

describe("toPilotInfo", () => {
  it("maps a listing entry", () => {
    const p = toPilotInfo({
      Id: "abc",
      Names: ["/plancton-worker-ab12cd"],
      State: "running",
      Created: 1700000000,
      Image: "busybox",
      Labels: { a: "1" },
    });
    assert.deepEqual(p, {
      id: "abc",
      name: "plancton-worker-ab12cd",
      state: "running",
      createdAtMs: 1700000000000,
      image: "busybox",
      labels: { a: "1" },
    });
  });
  it("survives containers without names, labels or a known state", () => {
    for (const Names of [undefined, null, [], [""]]) {
      assert.equal(toPilotInfo({ Id: "x", Names, State: "running" }).name, "", String(Names));
    }
    const bare = toPilotInfo({ Id: "x" });
    assert.deepEqual(bare, { id: "x", name: "", state: "dead", createdAtMs: 0, image: "", labels: {} });
    assert.deepEqual(toPilotInfo({ Id: "x", Labels: null }).labels, {});
  });
  it("prefers the container's own name over link aliases", () => {
    assert.equal(nameOf(["/web/db", "/db"]), "db");
    assert.equal(nameOf(["/web/db"]), "db");
  });
});

describe("labelFilter", () => {
  it("gives k=v per label", () => {
    assert.deepEqual(labelFilter({ "plancton.instance": "a", "plancton.test": "x" }), [
      "plancton.instance=a",
      "plancton.test=x",
    ]);
  });
});

describe("toExitInfo", () => {
  it("reads an exited container", () => {
    const info = toExitInfo({
      State: {
        Status: "exited",
        ExitCode: 3,
        OOMKilled: false,
        StartedAt: "2026-11-23T12:24:44.990764007Z",
        FinishedAt: "2026-11-23T12:24:46.5Z",
        Error: "",
      },
    });
    assert.deepEqual(info, {
      exitCode: 3,
      oomKilled: false,
      state: "exited",
      startedAtMs: Date.parse("2026-11-23T12:24:44.990Z"),
      finishedAtMs: Date.parse("2026-11-23T12:24:46.500Z"),
    });
  });
  it("has no exit code while running, and no times when never started", () => {
    assert.equal(
      toExitInfo({
        State: {
          Status: "running",
          ExitCode: 0,
          StartedAt: "2026-11-23T12:24:44Z",
          FinishedAt: "0001-01-01T00:00:00Z",
        },
      }).exitCode,
      null,
    );
    const created = toExitInfo({
      State: {
        Status: "created",
        ExitCode: 128,
        StartedAt: "0001-01-01T00:00:00Z",
        FinishedAt: "0001-01-01T00:00:00Z",
        Error: "exec: no such file",
      },
    });
    assert.deepEqual(created, {
      exitCode: null,
      oomKilled: false,
      state: "created",
      error: "exec: no such file",
    });
  });
  it("reports an OOM kill", () => {
    assert.equal(toExitInfo({ State: { Status: "exited", ExitCode: 137, OOMKilled: true } }).oomKilled, true);
  });
  it("parses Docker's times", () => {
    assert.equal(parseDockerTime("0001-01-01T00:00:00Z"), undefined);
    assert.equal(parseDockerTime(""), undefined);
    assert.equal(parseDockerTime("garbage"), undefined);
  });
});

describe("toEngineInfo", () => {
  it("reads cgroup driver/version, AppArmor and rootless from SecurityOptions", () => {
    const info = toEngineInfo({
      ServerVersion: "20.10.24",
      CgroupDriver: "systemd",
      CgroupVersion: "2",
      DockerRootDir: "/var/lib/docker",
      SecurityOptions: ["name=apparmor", "name=seccomp,profile=default", "name=rootless", "name=cgroupns"],
      NCPU: 8,
      MemTotal: 1024,
      SwapLimit: false,
      Warnings: ["WARNING: No swap limit support"],
    });
    assert.deepEqual(info, {
      serverVersion: "20.10.24",
      cgroupDriver: "systemd",
      cgroupVersion: "2",
      dockerRootDir: "/var/lib/docker",
      apparmor: true,
      rootless: true,
      ncpu: 8,
      memTotalBytes: 1024,
      swapLimit: false,
      warnings: ["WARNING: No swap limit support"],
      engine: "docker",
    });
  });
  it("names Podman from /version's Components, Docker otherwise", () => {
    const podman = { Components: [{ Name: "Podman Engine", Version: "4.3.1" }], Version: "4.3.1" };
    const docker = {
      Components: [{ Name: "Engine", Version: "20.10.24" }, { Name: "containerd" }],
      Version: "20.10.24",
    };
    assert.equal(toEngineInfo({}, podman).engine, "podman");
    assert.equal(toEngineInfo({}, docker).engine, "docker");
    assert.equal(toEngineInfo({}).engine, "docker");
  });
  it("understands the old SecurityOptions format and a missing CgroupVersion", () => {
    const info = toEngineInfo({ SecurityOptions: ["apparmor", "seccomp"], CgroupDriver: "cgroupfs" });
    assert.equal(info.apparmor, true);
    assert.equal(info.rootless, false);
    assert.equal(info.cgroupVersion, "1");
    assert.equal(toEngineInfo({ SecurityOptions: ["name=seccomp,profile=default"] }).apparmor, false);
  });
});
