// Bare git repositories served over smart HTTP on 127.0.0.1: `git http-backend` (CGI)
// behind a small node:http server, so bootstrap and pull tests clone as from GitHub.
// Commits are pushed straight into the bare repositories on disk (no push over HTTP).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";

/** Commits are made with a fixed identity, whatever the machine's git config says. */
export const GIT_IDENTITY = [
  "-c",
  "user.name=Plancton Test",
  "-c",
  "user.email=test@plancton.invalid",
  "-c",
  "commit.gpgsign=false",
  "-c",
  "init.defaultBranch=main",
];
const GIT_ENV = { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C" };

export function git(args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      [...GIT_IDENTITY, ...args],
      { cwd, env: GIT_ENV, timeout: 30_000, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`git ${args.join(" ")} failed: ${stderr.trim() || err.message}`));
        else resolve(stdout.trim());
      },
    );
  });
}

export interface GitServer {
  /** http://127.0.0.1:PORT: the --git-base of the served repositories. */
  base: string;
  stop(): Promise<void>;
}

/** Serves every repository under `root` (`<root>/<user>/<repo>`), until stop(). */
export async function startGitServer(root: string): Promise<GitServer> {
  const backend = path.join(await git(["--exec-path"]), "git-http-backend");
  const children = new Set<ChildProcess>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const env: NodeJS.ProcessEnv = {
      ...GIT_ENV,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: "1",
      REQUEST_METHOD: req.method ?? "GET",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
      GATEWAY_INTERFACE: "CGI/1.1",
      SERVER_PROTOCOL: "HTTP/1.1",
    };
    if (req.headers["content-length"]) env.CONTENT_LENGTH = req.headers["content-length"];
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === "string") env[`HTTP_${name.toUpperCase().replace(/-/g, "_")}`] = value;
    }
    const child = spawn(backend, [], { env, stdio: ["pipe", "pipe", "pipe"] });
    children.add(child);
    child.on("close", () => children.delete(child));
    req.pipe(child.stdin);
    child.stdin.on("error", () => undefined);
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    // CGI output: headers, a blank line, then the body, streamed.
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const crlf = head.indexOf("\r\n\r\n");
      const lf = head.indexOf("\n\n");
      const end =
        crlf >= 0 && (lf < 0 || crlf < lf) ? { at: crlf, len: 4 } : lf >= 0 ? { at: lf, len: 2 } : undefined;
      if (!end) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end.at).toString("latin1").split(/\r?\n/)) {
        const i = line.indexOf(":");
        if (i < 0) continue;
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === "status") status = Number(value.split(" ")[0]);
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end.at + end.len));
    });
    child.on("close", (code) => {
      if (!headersDone) {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`git http-backend exited ${code}: ${stderr}`);
      } else {
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    stop: async () => {
      for (const c of children) c.kill("SIGKILL");
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A bare repository `<root>/<user>/<repo>`, and a way to push commits into it. */
export class BareRepo {
  constructor(readonly dir: string) {}

  /**
   * Commits `files` (path -> content) on `branch` (created from the default branch if new) and pushes;
   * `links` (path -> target) are committed as symbolic links; `sign`: an SSH private key signs the commit.
   */
  async commit(
    files: Record<string, string>,
    opts: { branch?: string; message?: string; sign?: string; links?: Record<string, string> } = {},
  ): Promise<string> {
    const branch = opts.branch ?? "main";
    const work = await mkdtemp(path.join(os.tmpdir(), "plancton-git-work-"));
    try {
      await git(["clone", "--quiet", this.dir, work]);
      const branches = await git(["branch", "-r"], work);
      if (branches.includes(`origin/${branch}`)) await git(["checkout", "--quiet", branch], work);
      else await git(["checkout", "--quiet", "-b", branch], work);
      for (const [file, content] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(work, file)), { recursive: true });
        await rm(path.join(work, file), { force: true });
        await writeFile(path.join(work, file), content);
      }
      for (const [file, target] of Object.entries(opts.links ?? {})) {
        await rm(path.join(work, file), { force: true });
        await symlink(target, path.join(work, file));
      }
      const sign = opts.sign ? ["-c", "gpg.format=ssh", "-c", `user.signingkey=${opts.sign}`] : [];
      await git(["add", "--all"], work);
      await git(
        [
          ...sign,
          "commit",
          ...(opts.sign ? ["-S"] : []),
          "--quiet",
          "--allow-empty",
          "-m",
          opts.message ?? `update ${Object.keys(files).join(", ")}`,
        ],
        work,
      );
      await git(["push", "--quiet", "origin", branch], work);
      return await git(["rev-parse", "HEAD"], work);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
}

/** Creates `<root>/<user>/<repo>` (default branch main) with a first commit of config.yaml. */
export async function createBareRepo(
  root: string,
  user: string,
  repo: string,
  configYaml: string,
  opts: { branch?: string; sign?: string; files?: Record<string, string> } = {},
): Promise<BareRepo> {
  const dir = path.join(root, user, repo);
  await mkdir(dir, { recursive: true });
  await git(["init", "--quiet", "--bare", "--initial-branch=main", dir]);
  const bare = new BareRepo(dir);
  if ((opts.branch ?? "main") !== "main")
    await bare.commit({ "README.md": "config repository\n" }, { branch: "main", message: "init" });
  await bare.commit(
    { ...opts.files, "config.yaml": configYaml },
    { branch: opts.branch ?? "main", message: "config", sign: opts.sign },
  );
  return bare;
}
