// host/: observation of the host (/proc, statfs, cgroups, rolling windows) and the
// pilots' idle-priority parent cgroup. Imports nothing of ours but its own files.

export * from "./cgroups.js";
export * from "./desktop-sources.js";
export * from "./input-watch.js";
export * from "./host-info.js";
export * from "./proc-readers.js";
export * from "./rolling-window.js";
export * from "./sampler.js";
export * from "./variables.js";
