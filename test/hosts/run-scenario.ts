// CLI for one scenario (what the VM runs): prints "@@plancton result <json>" on one line.
// Usage: node --import tsx test/hosts/run-scenario.ts NAME SOCKET PARENT
import path from "node:path";
import { runScenario } from "./scenario.js";

const [name, socket, parent] = process.argv.slice(2);
if (!name || !socket || !parent) {
  console.error("usage: run-scenario.ts NAME SOCKET PARENT");
  process.exit(2);
}
const result = await runScenario({
  name,
  socket,
  parent,
  repo: path.resolve(import.meta.dirname, "..", ".."),
});
console.log(`@@plancton result ${JSON.stringify(result)}`);
process.exit(0);
