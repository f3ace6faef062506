import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { normalizeBind, securityOptsFor, toCreateOptions } from "../../src/runtime/pilot-spec.js";
import type { PilotSpec } from "../../src/runtime/engine.js";

function spec(over: Partial<PilotSpec> = {}): PilotSpec {
  return {
    name: "plancton-worker-ab12cd",
    hostname: "plancton-host-ab12cd",
    image: "busybox:latest",
    cmd: ["/bin/sleep", "60"],
    env: ["A=1"],
    labels: { "plancton.instance": "i1" },
    cpuQuota: 150000,
    cpuPeriod: 100000,
    memoryBytes: 2_000_000_000,
    memorySwapBytes: 2_500_000_000,
    user: "1000:1000",
    binds: ["/cvmfs:/cvmfs", "/scratch:/scratch:rw"],
    devices: [{ PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse", CgroupPermissions: "rwm" }],
    capAdd: ["SYS_ADMIN"],
    capDrop: ["NET_RAW"],
    securityOpt: ["apparmor:docker-cvmfs"],
    privileged: false,
    networkMode: "host",
    ...over,
  };
}

describe("toCreateOptions", () => {
  it("maps every field of the spec to Docker's create options", () => {
    const o = toCreateOptions(spec({ cgroupParent: "/plancton" }));
    assert.equal(o.name, "plancton-worker-ab12cd");
    assert.equal(o.Hostname, "plancton-host-ab12cd");
    assert.equal(o.Image, "busybox:latest");
    assert.deepEqual(o.Cmd, ["/bin/sleep", "60"]);
    assert.deepEqual(o.Env, ["A=1"]);
    assert.deepEqual(o.Labels, { "plancton.instance": "i1" });
    assert.equal(o.User, "1000:1000");
    assert.equal(o.Tty, false);
    const h = o.HostConfig!;
    assert.equal(h.CpuQuota, 150000);
    assert.equal(h.CpuPeriod, 100000);
    assert.equal(h.Memory, 2_000_000_000);
    assert.equal(h.MemorySwap, 2_500_000_000);
    assert.deepEqual(h.Binds, ["/cvmfs:/cvmfs:ro", "/scratch:/scratch:rw"]);
    assert.deepEqual(h.Devices, [
      { PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse", CgroupPermissions: "rwm" },
    ]);
    assert.deepEqual(h.CapAdd, ["SYS_ADMIN"]);
    assert.deepEqual(h.CapDrop, ["NET_RAW"]);
    assert.deepEqual(h.SecurityOpt, ["apparmor:docker-cvmfs"]);
    assert.equal(h.Privileged, false);
    assert.equal(h.NetworkMode, "host");
    assert.equal(h.CgroupParent, "/plancton");
    assert.deepEqual(h.RestartPolicy, { Name: "no" });
    assert.equal(h.AutoRemove, false);
  });

  it("leaves CgroupParent out when not given and defaults the network to bridge", () => {
    const h = toCreateOptions(spec({ networkMode: "" })).HostConfig!;
    assert.equal("CgroupParent" in h, false);
    assert.equal(h.NetworkMode, "bridge");
  });

  it("fills a device's container path and permissions when empty", () => {
    const h = toCreateOptions(
      spec({ devices: [{ PathOnHost: "/dev/fuse", PathInContainer: "", CgroupPermissions: "" }] }),
    ).HostConfig!;
    assert.deepEqual(h.Devices, [
      { PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse", CgroupPermissions: "rwm" },
    ]);
  });

  it("does not share arrays with the spec", () => {
    const s = spec();
    const o = toCreateOptions(s);
    o.Cmd!.push("x");
    o.HostConfig!.CapAdd!.push("X");
    assert.deepEqual(s.cmd, ["/bin/sleep", "60"]);
    assert.deepEqual(s.capAdd, ["SYS_ADMIN"]);
  });

  it("throws on a malformed bind, naming it", () => {
    assert.throws(
      () => toCreateOptions(spec({ binds: ["/only-one-part"] })),
      /invalid bind "\/only-one-part"/,
    );
  });
});

describe("normalizeBind", () => {
  it("makes a bind without a mode read-only", () => {
    assert.equal(normalizeBind("/etc/cvmfs:/etc/cvmfs"), "/etc/cvmfs:/etc/cvmfs:ro");
  });
  it("keeps an explicit ro or rw", () => {
    assert.equal(normalizeBind("/a:/b:rw"), "/a:/b:rw");
    assert.equal(normalizeBind("/a:/b:ro"), "/a:/b:ro");
    assert.equal(normalizeBind("/a:/b:rw,z"), "/a:/b:rw,z");
  });
  it("adds ro to other options", () => {
    assert.equal(normalizeBind("/a:/b:z"), "/a:/b:z,ro");
    assert.equal(normalizeBind("/a:/b:rshared"), "/a:/b:rshared,ro");
  });
  it("accepts named volumes as the source", () => {
    assert.equal(normalizeBind("cache:/cache"), "cache:/cache:ro");
  });
  it("rejects what Docker would reject, with the bind in the message", () => {
    for (const bad of ["/a", ":/b", "/a:", "/a:/b:", "/a:/b:ro:x", "/a:/b:ro,rw", "/a:/b:ro,,z"]) {
      assert.throws(
        () => normalizeBind(bad),
        (e: Error) => e.message.includes(`"${bad}"`),
        bad,
      );
    }
  });
});

describe("securityOptsFor", () => {
  const opts = ["apparmor:docker-cvmfs", "apparmor=other", "no-new-privileges:true", "seccomp=unconfined"];
  it("keeps everything where AppArmor is enabled", () => {
    assert.deepEqual(securityOptsFor(opts, true), opts);
  });
  it("drops only the AppArmor options where it is not", () => {
    assert.deepEqual(securityOptsFor(opts, false), ["no-new-privileges:true", "seccomp=unconfined"]);
  });
});
