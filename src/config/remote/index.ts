// Remote configuration: layering (defaults < remote < local), the limits on what a
// remote may set, the config_url source and the config_git puller.
export * from "./git-pull.js";
export * from "./git-head-check.js";
export * from "./git-trust-warning.js";
export * from "./layers.js";
export * from "./privileges.js";
export * from "./url-source.js";
