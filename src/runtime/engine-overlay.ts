// An engine with some operations replaced (the give-back's freezer, the own-CPU meter's
// bookkeeping) and the rest passed through to the engine itself, getters included, each
// method bound to the engine so `this` inside it stays the real one.
import type { ContainerEngine } from "./engine.js";

export function overlayEngine(engine: ContainerEngine, overrides: Partial<ContainerEngine>): ContainerEngine {
  return new Proxy(engine, {
    get(target, key) {
      if (typeof key === "string" && key in overrides) return overrides[key as keyof ContainerEngine];
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
