// The spawn policy: a pure decide() over plain data, and its vocabulary.
export { decide } from "./decide.js";
export { inSchedule, localTimeOf } from "./schedule.js";
export { pilotsThatFit } from "./fitting.js";
export { ownerRoom, overheadLimit, isOverhead, oneMoreFits, type CpuShape } from "./overhead.js";
export { pullRetrySeconds, PULL_RETRY_FIRST_SECONDS, PULL_RETRY_MAX_SECONDS } from "./pull.js";
export * from "./types.js";
export {
  recordExit,
  isFastExit,
  crashBackoffSeconds,
  FAST_EXIT_SECONDS,
  type CrashLoopState,
} from "./crash-loop.js";
