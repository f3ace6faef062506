// The spawn policy: a pure decide() over plain data, and its vocabulary.
export { decide } from "./decide.js";
export { inSchedule, localTimeOf } from "./schedule-window.js";
export { pilotsThatFit } from "./fitting.js";
export { ownerRoom, overheadLimit, isOverhead, oneMoreFits, type CpuShape } from "./overhead.js";
export { pullRetrySeconds, PULL_RETRY_FIRST_SECONDS, PULL_RETRY_MAX_SECONDS } from "./pull.js";
export * from "./policy-types.js";
export { recordExit, crashBackoffSeconds, forgetOnLaunchChange } from "./crash-loop.js";
export { isFastExit, historyReason, FAST_EXIT_SECONDS } from "./fast-exits.js";
export { stopSignal, signalThatEnded } from "./stop-signal.js";
export { staleCreatedWhy } from "./stale-created.js";
