// Runs the BUILT planctonctl as a user would (npm run build first), with its own dirs.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
export const BIN = path.resolve(import.meta.dirname, "../../bin/planctonctl");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function planctonctl(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { timeout: timeoutMs });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw err;
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}
