export * from "./errors.js";
export * from "./load.js";
export * from "./max-docks.js";
export * from "./parse.js";
export * from "./paths.js";
export * from "./schema.js";
export * from "./units.js";
export * from "./watch.js";
