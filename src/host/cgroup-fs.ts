// The file operations the pilots' parent cgroup setup needs (cgroup-parent.ts), so tests
// inject failures (EROFS, EACCES) a root user cannot get from chmod.
import { constants } from "node:fs";
import { access, mkdir, readFile, writeFile } from "node:fs/promises";

/**
 * The file operations setup needs; tests inject failures (EROFS, EACCES) a root user cannot get from chmod.
 */
export interface CgroupFs {
  exists(path: string): Promise<boolean>;
  mkdir(path: string): Promise<void>;
  readFile(path: string): Promise<string>;
  /** Write an existing file; never create one (cgroup files are made by the kernel). */
  writeFile(path: string, data: string): Promise<void>;
}

export const nodeCgroupFs: CgroupFs = {
  exists: async (path) => {
    try {
      await access(path);
      return true;
    } catch {
      return false;
    }
  },
  mkdir: async (path) => {
    await mkdir(path, { recursive: true });
  },
  readFile: (path) => readFile(path, "utf8"),
  // O_WRONLY|O_TRUNC without O_CREAT: writing a control file the kernel did not make must fail.
  writeFile: (path, data) => writeFile(path, data, { flag: constants.O_WRONLY | constants.O_TRUNC }),
};

export async function readTrimmed(fs: CgroupFs, path: string): Promise<string> {
  return (await fs.readFile(path)).trim();
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function errorCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err
    ? String((err as { code: unknown }).code)
    : undefined;
}
