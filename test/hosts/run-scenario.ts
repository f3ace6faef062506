// CLI for one scenario (what the VM runs): prints "@@plancton result <json>" on one line.
// Usage: node --import tsx test/hosts/run-scenario.ts NAME SOCKET PARENT
import path from "node:path";
import { runKeyboardScenario } from "./keyboard-scenario.js";
import { runScenario } from "./scenario.js";
import { runUserScenario } from "./user-scenario.js";

const [name, socket, parent] = process.argv.slice(2);
if (!name || !socket || !parent) {
  console.error("usage: run-scenario.ts NAME SOCKET PARENT");
  process.exit(2);
}
const opts = { name, socket, parent, repo: path.resolve(import.meta.dirname, "..", "..") };
const result =
  name === "keyboard"
    ? await runKeyboardScenario(opts)
    : name === "user"
      ? await runUserScenario(opts)
      : await runScenario(opts);
console.log(`@@plancton result ${JSON.stringify(result)}`);
process.exit(0);
