// The host's cgroups, in one import: layout detection, the pilots' idle-priority
// parent, and the pilots' CPU meter. Each lives in its own file.

export {
  DEFAULT_CGROUP_ROOT,
  describeCgroupLayout,
  detectCgroupLayout,
  parseCgroupMounts,
  slicePath,
  type CgroupLayout,
  type DockerCgroupDriver,
} from "./cgroup-layout.js";
export {
  DEFAULT_PILOT_PARENT_NAME,
  V1_IDLE_SHARES,
  atFullWeight,
  readParentWeight,
  nodeCgroupFs,
  setupPilotParent,
  type CgroupFs,
  type PilotCpuPriority,
  type PilotParent,
  type PilotParentOptions,
  type ParentWeight,
} from "./cgroup-parent.js";
export {
  PilotCpuMeter,
  containerCounterCandidates,
  type Counter,
  type PilotCpuMeterOptions,
} from "./pilot-cpu.js";
export { hostSystemd, setSliceIdle, userSystemd, type SystemdControl } from "./systemd-slice.js";
export {
  DELEGATE_FIX,
  choosePilotTree,
  cpuDelegationProblem,
  describePilotTree,
  userServiceDir,
  type PilotTree,
  type PilotTreeFacts,
} from "./user-cgroup.js";
export { PilotUsageLedger, type PilotUsage, type UsageSink, type FinalReader } from "./pilot-usage.js";
export { memoryPeakPath, readMemoryPeakBytes } from "./pilot-memory-peak.js";
export {
  containerCgroupDirs,
  findControllerTree,
  type CgroupVersion,
  type ControllerTree,
} from "./container-cgroup.js";
export { FreezerError, PilotFreezer, type FreezerState, type PilotFreezerOptions } from "./freezer.js";
export { PilotMemory } from "./pilot-memory.js";
export { MemoryWatch, type MemoryWake, type MemoryWatchOptions } from "./memory-watch.js";
export { readSmall } from "./kept-file.js";
export { OwnerCpuWatch, parentCounter, type OwnerCpuWatchOptions } from "./owner-cpu-watch.js";
export { OwnCpuMeter, ENGINE_PROCESSES, type OwnCpuOptions } from "./own-cpu.js";
export { PilotCpusetSuppress, formatCpuList, parseCpuList } from "./pilot-suppress.js";
