// plancton-bootstrap's pure parts: the repository argument and the @reboot crontab line.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseRequest } from "../../src/cli/config-repository.js";
import { bootLine, withBootLine } from "../../src/cli/start-at-boot.js";

test("user/repo[:branch] is parsed; anything else is a usage error", () => {
  assert.deepEqual(parseRequest("alice/plancton-conf", false), {
    user: "alice",
    repo: "plancton-conf",
    branch: undefined,
  });
  assert.deepEqual(parseRequest("alice/conf.git:release/2025", false), {
    user: "alice",
    repo: "conf.git",
    branch: "release/2025",
  });
  assert.equal(parseRequest(undefined, true), undefined);
  for (const bad of [
    "alice",
    "alice/",
    "/conf",
    "a/b/c",
    "-x/conf",
    "alice/conf:",
    "alice/conf:-b",
    "../etc/conf",
    "alice/..",
    "alice/conf:a b",
  ]) {
    assert.throws(() => parseRequest(bad, false), /is not user\/repo\[:branch\]/, bad);
  }
  assert.throws(
    () => parseRequest(undefined, false),
    /give the configuration repository as user\/repo\[:branch\], or --dryrun/,
  );
  assert.throws(() => parseRequest("alice/conf", true), /give no repository with it/);
});

test("the boot line names planctonctl by absolute path, with node when cron's PATH lacks it", () => {
  assert.equal(
    bootLine([], "/etc/plancton", "/usr/bin/node", "/opt/plancton/bin/planctonctl"),
    "@reboot /opt/plancton/bin/planctonctl start # plancton-bootstrap /etc/plancton",
  );
  assert.equal(
    bootLine(
      ["--confdir", "/srv/my conf"],
      "/srv/my conf",
      "/usr/local/bin/node",
      "/opt/plancton/bin/planctonctl",
    ),
    "@reboot /usr/local/bin/node /opt/plancton/bin/planctonctl --confdir '/srv/my conf' start # plancton-bootstrap /srv/my conf",
  );
  assert.match(
    bootLine([], "/etc/plancton"),
    /^@reboot (\S+ )?\/\S+\/bin\/planctonctl start # plancton-bootstrap \/etc\/plancton$/,
  );
});

test("the boot line is added once, whatever else the crontab holds", () => {
  const line = bootLine([], "/etc/plancton", "/usr/bin/node", "/opt/p/bin/planctonctl");
  const once = withBootLine("", line, "/etc/plancton");
  assert.equal(once, `${line}\n`);
  assert.equal(withBootLine(once, line, "/etc/plancton"), once, "a second run changes nothing");
  const other = "MAILTO=root\n0 3 * * * /usr/local/bin/backup\n";
  const added = withBootLine(other, line, "/etc/plancton");
  assert.equal(added, `${other}${line}\n`);
  assert.equal(withBootLine(added, line, "/etc/plancton"), added);
  assert.equal(
    withBootLine("0 3 * * * backup", line, "/etc/plancton"),
    `0 3 * * * backup\n${line}\n`,
    "a crontab without a final newline",
  );
});

test("an older line of ours for the same confdir is replaced; other confdirs are kept", () => {
  const oldLine = bootLine([], "/etc/plancton", "/usr/bin/node", "/old/bin/planctonctl");
  const newLine = bootLine([], "/etc/plancton", "/usr/bin/node", "/new/bin/planctonctl");
  const other = bootLine(["--confdir", "/srv/b"], "/srv/b", "/usr/bin/node", "/old/bin/planctonctl");
  assert.equal(withBootLine(`${oldLine}\n${other}\n`, newLine, "/etc/plancton"), `${other}\n${newLine}\n`);
});

test("an admin's own @reboot planctonctl start line for the same confdir counts", () => {
  const line = bootLine([], "/etc/plancton", "/usr/bin/node", "/opt/p/bin/planctonctl");
  const own = "@reboot planctonctl start\n";
  assert.equal(withBootLine(own, line, "/etc/plancton"), own);
  const custom = bootLine(["--confdir", "/srv/b"], "/srv/b", "/usr/bin/node", "/opt/p/bin/planctonctl");
  assert.equal(
    withBootLine(own, custom, "/srv/b"),
    `${own}${custom}\n`,
    "the admin's line starts another confdir",
  );
  assert.equal(
    withBootLine("# @reboot planctonctl start\n", line, "/etc/plancton"),
    `# @reboot planctonctl start\n${line}\n`,
    "a commented-out line does not count",
  );
});
