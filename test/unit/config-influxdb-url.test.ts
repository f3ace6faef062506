import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseInfluxdbUrl } from "../../src/config/influxdb-url.js";
import { describeTarget, targetKey } from "../../src/metrics/index.js";

describe("parseInfluxdbUrl: the original influxdb_url form", () => {
  it("reads URL#database", () => {
    assert.deepEqual(parseInfluxdbUrl("http://influx.example.org:8086#plancton"), {
      kind: "v1",
      url: "http://influx.example.org:8086",
      database: "plancton",
      insecureTls: false,
    });
    assert.deepEqual(parseInfluxdbUrl("  https://influx:8086/#db  "), {
      kind: "v1",
      url: "https://influx:8086",
      database: "db",
      insecureTls: false,
    });
  });

  it("insecure_https: prefix means https without certificate verification", () => {
    assert.deepEqual(parseInfluxdbUrl("insecure_https://influx:8086#db"), {
      kind: "v1",
      url: "https://influx:8086",
      database: "db",
      insecureTls: true,
    });
    // without the slashes, as some configs write it
    assert.deepEqual(parseInfluxdbUrl("insecure_https:influx:8086#db"), {
      kind: "v1",
      url: "https://influx:8086",
      database: "db",
      insecureTls: true,
    });
  });

  it("keeps a path prefix (reverse proxy), credentials, and a '#' inside the database name", () => {
    assert.equal(parseInfluxdbUrl("http://proxy/influx/#db").url, "http://proxy/influx");
    const withAuth = parseInfluxdbUrl("http://user:s3cret@influx:8086#db");
    assert.equal(withAuth.url, "http://user:s3cret@influx:8086");
    assert.equal(describeTarget(withAuth), "http://influx:8086#db");
    assert.deepEqual(parseInfluxdbUrl("http://h:8086#a#b"), {
      kind: "v1",
      url: "http://h:8086",
      database: "a#b",
      insecureTls: false,
    });
  });

  for (const [bad, why] of [
    ["", /no "#database"/],
    ["http://influx:8086", /no "#database"/],
    ["http://influx:8086#", /database name after "#" is empty/],
    ["influx:8086#db", /scheme "influx:" is neither http nor https/],
    ["ftp://influx#db", /neither http nor https/],
    ["insecure_http://influx:8086#db", /only goes before https/],
    ["http://#db", /not a URL|no host/],
    ["http://influx:8086?u=x#db", /query string/],
  ] as const) {
    it(`refuses ${JSON.stringify(bad)} with a clear message`, () => {
      assert.throws(
        () => parseInfluxdbUrl(bad),
        (e: Error) => {
          assert.match(e.message, why);
          assert.match(e.message, /expected "http:\/\/host:8086#database"/);
          assert.ok(e.message.includes(JSON.stringify(bad)), "the message quotes the value");
          return true;
        },
      );
    });
  }

  it("targetKey tells targets apart and describeTarget never shows a token", () => {
    const a = parseInfluxdbUrl("http://h:8086#a");
    assert.equal(targetKey(a), targetKey(parseInfluxdbUrl("http://h:8086/#a")));
    assert.notEqual(targetKey(a), targetKey(parseInfluxdbUrl("http://h:8086#b")));
    assert.notEqual(targetKey(a), targetKey(parseInfluxdbUrl("insecure_https://h:8086#a")));
    const v2 = {
      kind: "v2" as const,
      url: "https://cloud:8086",
      token: "tok-123",
      org: "site",
      bucket: "plancton",
    };
    assert.equal(describeTarget(v2), "https://cloud:8086 bucket plancton org site");
    assert.ok(!describeTarget(v2).includes("tok-123"));
    assert.notEqual(targetKey(v2), targetKey({ ...v2, token: "other" }));
  });
});
