// The engine as the daemon uses it, with the give-back freeze written to the kernel's
// freezer (KernelFreezer) instead of waiting on the engine, and the engine's view kept
// consistent, since the engine does not see those writes (Docker 20.10 on cgroup v1 still
// inspects "running", refuses `docker unpause` with "not paused", and its pause fails):
//   - pause: the freezer; the engine's pause where the freezer cannot act;
//   - unpause: the engine's when the engine itself paused it, else the freezer's thaw;
//   - listing: a pilot the engine calls running but the kernel reads frozen is "paused",
//     so a frozen pilot adopted after a restart of the daemon or of the engine is resumed
//     or killed as the policy says, never left frozen and forgotten;
//   - SIGKILL, kill, stop: a kernel-frozen pilot is thawed so the signal is delivered (the
//     engine waits for the death a frozen task cannot die).
import { overlayEngine, type ContainerEngine, type PilotInfo } from "../../runtime/index.js";
import type { KernelFreezer } from "./kernel-freezer.js";

export function withKernelFreezer(engine: ContainerEngine, kernel: KernelFreezer): ContainerEngine {
  /** Pilots the engine itself calls paused (its last listing, or its pause as the fallback). */
  const enginePaused = new Set<string>();

  const frozenInKernel = async (id: string): Promise<boolean> => {
    const state = await kernel.freezer()?.state(id);
    return state === "frozen" || state === "freezing";
  };
  const thawIfFrozen = async (id: string): Promise<void> => {
    if (enginePaused.has(id) || !(await frozenInKernel(id))) return;
    await kernel
      .freezer()
      ?.thaw(id)
      .catch(() => undefined); // the container may be gone with its cgroup
  };

  const overrides: Partial<ContainerEngine> = {
    async pause(id) {
      const freezer = kernel.freezer();
      if (freezer) {
        try {
          await freezer.freeze(id);
          return;
        } catch (err) {
          kernel.fellBack("freeze", (err as Error).message);
        }
      }
      await engine.pause(id);
      enginePaused.add(id);
    },
    async unpause(id) {
      const freezer = kernel.freezer();
      if (freezer && !enginePaused.has(id)) {
        try {
          await freezer.thaw(id);
          return;
        } catch (err) {
          kernel.fellBack("thaw", (err as Error).message);
        }
      }
      await engine.unpause(id);
      enginePaused.delete(id);
      // An engine that restored a kernel-frozen pilot as running leaves the freeze: lift it.
      if (freezer && (await frozenInKernel(id))) await freezer.thaw(id);
    },
    async listPilots(labels) {
      const listed = await engine.listPilots(labels);
      enginePaused.clear();
      for (const p of listed) if (p.state === "paused") enginePaused.add(p.id);
      if (!kernel.freezer()) return listed;
      return Promise.all(
        listed.map(async (p): Promise<PilotInfo> =>
          p.state === "running" && (await frozenInKernel(p.id)) ? { ...p, state: "paused" } : p,
        ),
      );
    },
    async sigkill(id) {
      // The signal first (a give-back must not wait), the thaw while the engine delivers it:
      // a frozen task dies only once thawed, and the engine's kill waits for it to die.
      const frozen = !enginePaused.has(id) && (await frozenInKernel(id));
      const killing = engine.sigkill(id);
      if (frozen) await thawIfFrozen(id);
      await killing;
    },
    async kill(id) {
      await thawIfFrozen(id);
      await engine.kill(id);
      kernel.freezer()?.forget(id);
      enginePaused.delete(id);
    },
    async stop(id, graceSeconds) {
      await thawIfFrozen(id); // a frozen process gets no SIGTERM
      await engine.stop(id, graceSeconds);
    },
    async remove(id) {
      await thawIfFrozen(id);
      await engine.remove(id);
      kernel.freezer()?.forget(id);
      enginePaused.delete(id);
    },
  };
  return overlayEngine(engine, overrides);
}
