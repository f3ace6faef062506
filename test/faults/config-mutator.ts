// Seeded random mutations of a valid config.yaml: type changes, missing keys, extra keys
// (unknown, near misses, prototype names, unicode), hostile expressions (deep nesting,
// long chains, huge numbers, unicode, newlines), huge and odd numbers, unicode strings,
// and text-level damage (syntax errors, duplicate keys, several documents, alias bombs,
// BOM and CRLF). Deterministic for a seed, so a failure names a reproducible case.
import yaml from "js-yaml";
import { seededRandom } from "../helpers/policy-sim.js";

/** mulberry32, the suite's seeded PRNG (shared with the policy simulator). */
export const prng = seededRandom;

type Rnd = () => number;
const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const int = (rnd: Rnd, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));

export const EXPRESSION_KEYS = ["max_docks", "spawn_when", "max_pilots", "evict_when"] as const;

/** A valid config touching most keys (the field config's shape, plus the new keys). */
export function baseConfig(image: string, prefix: string): Record<string, unknown> {
  return {
    docker_image: image,
    container_prefix: prefix,
    pilot_cpu_priority: "normal",
    max_dock_mem: "32MiB",
    max_dock_swap: 0,
    max_docks: "min(ncpus - 1, ram_bytes / max_dock_mem)",
    cpus_per_dock: 1,
    docks_per_loop: 2,
    launch_concurrency: 2,
    main_sleep: 5,
    grace_kill: 10,
    grace_spawn: 20,
    max_ttl: 500,
    updateconfig: 10,
    image_expiration: "12h",
    docker_cmd: ["sleep", "600"],
    binds: ["/etc/hosts:/etc/hosts2:ro"],
    devices: [{ PathOnHost: "/dev/null", PathInContainer: "/dev/null2", CgroupPermissions: "rwm" }],
    capabilities: ["SYS_ADMIN", "-NET_RAW"],
    security_opts: ["apparmor:docker-default"],
    user_group: "0:0",
    docker_privileged: false,
    network_mode: "bridge",
    docker_env: { SITE: "fault-suite" },
    spawn_when: "cpu_owner_5m < 0.5 and disk_free_ratio > 0.1",
    max_pilots: "ncpus",
    evict_when: "mem_available_ratio < 0.05",
    schedule: ["Mon-Sun 00:00-24:00"],
    schedule_drain: false,
    min_free_mem: "5%",
    suspend_grace: 0,
    resume_after: 60,
    overhead_margin: 10,
    sample_interval: 2,
    metrics_buffer_points: 1000,
  };
}

const UNICODE = [
  "ñ",
  "日本語",
  "😀",
  "\u202e",
  "\u200b",
  "\u0000",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
  "Ω",
  "\ufeff",
  "ｎｃｐｕｓ",
  "e\u0301",
  "\ud83d",
];
const NUMBERS = [
  0,
  -0,
  1,
  -1,
  2.5,
  -7.25,
  1e308,
  -1e308,
  1.7976931348623157e308,
  5e-324,
  2 ** 31,
  2 ** 31 - 1,
  2 ** 53 + 2,
  9007199254740991,
  -9007199254740991,
  2 ** 64,
  1e21,
  0.1,
  Infinity,
  -Infinity,
  NaN,
];
const STRINGS = [
  "",
  " ",
  "0",
  "-1",
  "1e309",
  "90s",
  "5m",
  "-5m",
  "1 d",
  "30d",
  "9999999d",
  "∞",
  "2GiB",
  "-1KB",
  "1e400B",
  "10%",
  "200%",
  "true",
  "null",
  "~",
  "ncpus",
  "a:b:c:d",
  "/",
  "x".repeat(5000),
];
const EXTRA_KEYS = [
  "main_slep",
  "max_dock",
  "secopt",
  "dockerimage",
  "Main_Sleep",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "",
  " ",
  "k".repeat(3000),
  "ключ",
  "😀",
  "a.b",
  "a[0]",
  "influxdb_urls",
  "config_urll",
];

function randomString(rnd: Rnd): string {
  switch (int(rnd, 0, 3)) {
    case 0:
      return pick(rnd, STRINGS);
    case 1:
      return Array.from({ length: int(rnd, 1, 8) }, () => pick(rnd, UNICODE)).join("");
    case 2:
      return pick(rnd, STRINGS) + pick(rnd, UNICODE);
    default:
      return Array.from({ length: int(rnd, 1, 20) }, () => String.fromCharCode(int(rnd, 32, 126))).join("");
  }
}

/** A random value of a given kind (or any), nested at most `depth` deep. */
function randomValue(rnd: Rnd, depth = 2, kind = int(rnd, 0, 5)): unknown {
  switch (kind) {
    case 0:
      return pick(rnd, NUMBERS);
    case 1:
      return randomString(rnd);
    case 2:
      return rnd() < 0.5;
    case 3:
      return null;
    case 4:
      return depth <= 0 ? [] : Array.from({ length: int(rnd, 0, 3) }, () => randomValue(rnd, depth - 1));
    default:
      return depth <= 0
        ? {}
        : Object.fromEntries(
            Array.from({ length: int(rnd, 0, 3) }, () => [
              rnd() < 0.3 ? pick(rnd, EXTRA_KEYS) : randomString(rnd),
              randomValue(rnd, depth - 1),
            ]),
          );
  }
}

function kindOf(v: unknown): number {
  if (typeof v === "number") return 0;
  if (typeof v === "string") return 1;
  if (typeof v === "boolean") return 2;
  if (v === null) return 3;
  return Array.isArray(v) ? 4 : 5;
}

/** Expressions meant to hurt the parser, the evaluator and the messages. */
export function hostileExpression(rnd: Rnd): string {
  const n = pick(rnd, [10, 63, 64, 65, 200, 5000]);
  switch (int(rnd, 0, 13)) {
    case 0:
      return `${"(".repeat(n)}ncpus${")".repeat(n)}`;
    case 1:
      return `${"not ".repeat(n)}true`;
    case 2:
      return `${"-".repeat(n)}1`;
    case 3:
      return `${"ncpus + ".repeat(Math.min(n, 150))}1`;
    case 4:
      return pick(rnd, [
        "1e308 * 1e308",
        "9".repeat(400),
        "1e-400",
        "0x10",
        "1_000",
        "-1e308 - 1e308",
        "2 ** 1024",
        "ncpus ^ 9999",
      ]);
    case 5:
      return pick(rnd, ["ncpus / 0", "0 / 0", "ncpus % 0", "-(0/0)", "1 / (ncpus - ncpus)"]);
    case 6:
      return pick(rnd, [
        "ｎｃｐｕｓ",
        "ncpus\u200b",
        "ñcpus",
        "ncpus − 1",
        "😀",
        "ncpus\u0000",
        "\u202encpus",
      ]);
    case 7:
      return pick(rnd, [
        "min()",
        `max(${"ncpus, ".repeat(Math.min(n, 300))}1)`,
        "foo(1)",
        "min(ncpus",
        "ncpus)",
        "min(,)",
        "min(ncpus,)",
      ]);
    case 8:
      return pick(rnd, [
        "true + 1",
        "ncpus and 1",
        '"str"',
        "'a' < 1",
        "1 < 2 < 3",
        "ncpus ? 1 : 2",
        "not",
        "and",
        "ncpus ncpus",
      ]);
    case 9:
      return pick(rnd, ["ncpus >\n 1", "ncpus\t- 1", "ncpus\r\n- 1", "ncpus -\n\n1"]);
    case 10:
      return pick(rnd, ["", " ", "   \t "]);
    case 11:
      return `${"ncpus + ".repeat(200)}1`; // over the length limit
    case 12:
      return pick(rnd, [
        "ncpus - 2",
        "min(ncpus - 1, ram_bytes / max_dock_mem)",
        "cpu_owner_5m < 0.5",
        "ncpus * 1e300",
        "1e15",
      ]);
    default:
      return pick(rnd, [
        "constructor",
        "__proto__",
        "toString()",
        "ncpus.constructor",
        "process",
        "require('fs')",
        "this",
      ]);
  }
}

/** Text-level damage to a YAML document. */
function damageText(rnd: Rnd, text: string): { text: string; op: string } {
  const lines = text.split("\n");
  switch (int(rnd, 0, 11)) {
    case 0: {
      const at = int(rnd, 0, text.length);
      return { text: text.slice(0, at), op: `truncated at ${at}` };
    }
    case 1: {
      const at = int(rnd, 0, text.length);
      const ch = pick(rnd, [
        "\t",
        ":",
        "{",
        "[",
        '"',
        "'",
        "\u0000",
        "\ufeff",
        "\r",
        "&",
        "*",
        "!",
        "%",
        "@",
        "`",
        "|",
        ">",
      ]);
      return { text: text.slice(0, at) + ch + text.slice(at), op: `inserted ${JSON.stringify(ch)} at ${at}` };
    }
    case 2: {
      const i = int(rnd, 0, lines.length - 1);
      lines.splice(i, 0, lines[i]!);
      return { text: lines.join("\n"), op: `duplicated line ${i + 1}` };
    }
    case 3:
      return { text: `${text}\n---\nmain_sleep: 1\n`, op: "two documents" };
    case 4: {
      const whole = pick(rnd, [
        "[1, 2, 3]\n",
        "just a string\n",
        "",
        "~\n",
        "42\n",
        "---\n",
        "- main_sleep: 1\n",
        "!!binary aGVsbG8=\n",
        "? [a, b]\n: c\n",
      ]);
      return { text: whole, op: `whole document ${JSON.stringify(whole)}` };
    }
    case 5: {
      // An alias bomb: 10^levels references to one short list, given to a list key.
      const levels = int(rnd, 3, 6);
      const defs = [`l0: &l0 ["x","x","x","x","x","x","x","x","x","x"]`];
      for (let i = 1; i < levels; i++)
        defs.push(`l${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(",")}]`);
      const key = pick(rnd, ["docker_cmd", "binds", "capabilities", "schedule", "devices"]);
      return {
        text: `${defs.join("\n")}\n${text.replace(new RegExp(`^${key}:.*$`, "m"), "")}\n${key}: *l${levels - 1}\n`,
        op: `alias bomb 10^${levels} into ${key}`,
      };
    }
    case 6:
      return { text: `\ufeff${text.replace(/\n/g, "\r\n")}`, op: "BOM and CRLF" };
    case 7:
      return { text: text.replace(/^(\w+):/m, "  $1:"), op: "bad indentation" };
    case 8:
      return {
        text: `${text}\n${"k".repeat(int(rnd, 1, 3))}: ${"v".repeat(int(rnd, 1, 200_000))}\n`,
        op: "a long line",
      };
    case 9:
      return {
        text: `${text}\nmain_sleep: !!js/function "function () { return 1 }"\n`,
        op: "a js-yaml function tag",
      };
    case 10:
      return { text: text.replace(/: /, ":"), op: "missing space after a colon" };
    default:
      return { text: `${text}\n<<: {main_sleep: 3, docks_per_loop: 1}\n`, op: "a merge key" };
  }
}

export interface Mutant {
  index: number;
  text: string;
  ops: string[];
}

/** The n-th mutant of `base` for a seed: 1 to 4 structural mutations, text damage 1 in 5. */
export function mutant(base: Record<string, unknown>, seed: number, index: number): Mutant {
  const rnd = prng(seed * 100_003 + index);
  const cfg: Record<string, unknown> = structuredClone(base);
  const ops: string[] = [];
  const keys = () => Object.keys(cfg);
  const count = int(rnd, 1, 4);
  for (let i = 0; i < count; i++) {
    const what = rnd();
    if (what < 0.3 && keys().length > 0) {
      const k = pick(rnd, keys());
      const old = kindOf(cfg[k]);
      let kind = int(rnd, 0, 5);
      if (kind === old) kind = (kind + 1) % 6;
      cfg[k] = randomValue(rnd, 2, kind);
      ops.push(`type change ${k}`);
    } else if (what < 0.45 && keys().length > 0) {
      const k = pick(rnd, keys());
      delete cfg[k];
      ops.push(`missing ${k}`);
    } else if (what < 0.6) {
      const k = rnd() < 0.7 ? pick(rnd, EXTRA_KEYS) : randomString(rnd);
      Object.defineProperty(cfg, k, {
        value: randomValue(rnd),
        enumerable: true,
        configurable: true,
        writable: true,
      });
      ops.push(`extra key ${JSON.stringify(k.slice(0, 40))}`);
    } else if (what < 0.78) {
      const k = pick(rnd, EXPRESSION_KEYS);
      cfg[k] = hostileExpression(rnd);
      ops.push(`hostile expression in ${k}`);
    } else if (what < 0.9) {
      const k = pick(rnd, [
        "main_sleep",
        "updateconfig",
        "sample_interval",
        "grace_kill",
        "grace_spawn",
        "max_ttl",
        "cpus_per_dock",
        "max_docks",
        "docks_per_loop",
        "launch_concurrency",
        "max_dock_mem",
        "max_dock_swap",
        "overhead_margin",
        "metrics_buffer_points",
        "resume_after",
        "suspend_grace",
        "image_expiration",
      ]);
      cfg[k] = pick(rnd, NUMBERS);
      ops.push(`number ${String(cfg[k])} in ${k}`);
    } else {
      const k = pick(rnd, [
        "docker_image",
        "container_prefix",
        "user_group",
        "network_mode",
        "docker_cmd",
        "schedule",
        "binds",
        "capabilities",
        "security_opts",
        "docker_env",
        "min_free_mem",
        "instance",
      ]);
      cfg[k] = typeof base[k] === "string" || base[k] === undefined ? randomString(rnd) : [randomString(rnd)];
      ops.push(`unicode/odd string in ${k}`);
    }
  }
  let text = yaml.dump(cfg, { lineWidth: -1, noRefs: true });
  if (rnd() < 0.2) {
    const d = damageText(rnd, text);
    text = d.text;
    ops.push(d.op);
  }
  return { index, text, ops };
}
