import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../src/config/errors.js";
import { isLoopback, parseListenAddress } from "../../src/config/listen-address.js";
import { parseConfigText } from "../../src/config/parse.js";

test("listen addresses: HOST:PORT, [IPv6]:PORT, or a port alone on loopback", () => {
  assert.deepEqual(parseListenAddress("127.0.0.1:9857"), { host: "127.0.0.1", port: 9857 });
  assert.deepEqual(parseListenAddress("9857"), { host: "127.0.0.1", port: 9857 });
  assert.deepEqual(parseListenAddress(":9857"), { host: "127.0.0.1", port: 9857 });
  assert.deepEqual(parseListenAddress("[::1]:9857"), { host: "::1", port: 9857 });
  assert.deepEqual(parseListenAddress("0.0.0.0:9857"), { host: "0.0.0.0", port: 9857 });
  for (const bad of ["1.2.3.4", "a:b", "99999", "[zz]:3", "::1:80", "host name:80", "127.0.0.1:70000", ""])
    assert.equal(parseListenAddress(bad), undefined, bad);
  assert.ok(isLoopback("127.0.0.1") && isLoopback("::1") && isLoopback("localhost"));
  assert.ok(!isLoopback("0.0.0.0") && !isLoopback("10.0.0.1"));
});

test("metrics_listen: null by default; a number is a port; a bad value says what to write, with its line", () => {
  assert.equal(parseConfigText("", "c.yaml").config.metrics_listen, null);
  assert.equal(parseConfigText("metrics_listen: 9857\n", "c.yaml").config.metrics_listen, 9857);
  assert.throws(
    () => parseConfigText('max_docks: 1\nmetrics_listen: "everywhere"\n', "c.yaml"),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /c\.yaml:2:1: metrics_listen: write "HOST:PORT", e\.g\. "127\.0\.0\.1:9857"/);
      return true;
    },
  );
});
