// The runtime's public face: the engine interface and its types (engine.ts), the
// Docker implementation, and the pure helpers the daemon needs to build specs.
export * from "./engine.js";
export { createDockerEngine, type DockerEngineOptions } from "./docker-engine.js";
export { overlayEngine } from "./engine-overlay.js";
export { toCreateOptions, normalizeBind, securityOptsFor } from "./pilot-spec.js";
export { loadRegistryAuth } from "./docker-auth.js";
export { registryOfImage, splitImage } from "./image-ref.js";
