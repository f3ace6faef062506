// The configuration in force (its one owner) and what follows from it on this host: the
// policy's input (max_docks evaluated over the sampled CPUs and memory), the warnings of
// both, and the error of a rejected edit (the previous values stay in force meanwhile).
// ConfigStore reads the sources; a new configuration is set here through the tick queue.
import path from "node:path";
import type { ConfigError } from "../../config/errors.js";
import type { HostFacts } from "../../config/max-docks.js";
import type { Config } from "../../config/schema.js";
import type { PolicyConfig } from "../../policy/policy-types.js";
import type { EffectiveConfig } from "./config-store.js";
import type { Logger } from "../process/logger.js";
import { policyConfigOf } from "./policy-config.js";

export class ConfigInForce {
  private current: EffectiveConfig;
  private policyInput!: PolicyConfig;
  private configWarnings: string[] = [];
  private policyWarnings: string[] = [];
  private rejected?: string;

  constructor(
    loaded: EffectiveConfig,
    private readonly logger: Logger,
    facts: HostFacts,
  ) {
    this.current = loaded;
    this.reportWarnings(loaded);
    this.refresh(facts);
  }

  get config(): Config {
    return this.current.config;
  }

  /** With where it came from: the file's presence, each key's source. */
  get effective(): EffectiveConfig {
    return this.current;
  }

  get policy(): PolicyConfig {
    return this.policyInput;
  }

  get error(): string | undefined {
    return this.rejected;
  }

  warnings(): string[] {
    return [...this.configWarnings, ...this.policyWarnings];
  }

  /** A valid new configuration; returns the previous one. */
  set(next: EffectiveConfig, facts: HostFacts): Config {
    const prev = this.current.config;
    this.current = next;
    this.rejected = undefined;
    this.reportWarnings(next);
    this.refresh(facts);
    return prev;
  }

  invalid(err: ConfigError): void {
    this.rejected = err.message;
    this.logger.error(`configuration rejected, the previous one stays in force:\n${err.message}`);
  }

  /** The file is valid again with the same values: the error is over, its warnings may differ. */
  recovered(loaded: EffectiveConfig): void {
    if (this.rejected !== undefined)
      this.logger.info("configuration valid again (its values are the ones in force)");
    this.rejected = undefined;
    this.reportWarnings(loaded);
  }

  /** max_docks over the host's facts (at start, when the engine answers, on every change). */
  refresh(facts: HostFacts): void {
    const { policy, warnings } = policyConfigOf(this.current.config, facts);
    this.policyInput = policy;
    for (const w of warnings) if (!this.policyWarnings.includes(w)) this.logger.warn(w); // said when new
    this.policyWarnings = warnings;
  }

  private reportWarnings(loaded: EffectiveConfig): void {
    this.configWarnings = loaded.warnings.map(
      (w) => `${path.basename(loaded.file)}${w.line ? `:${w.line}` : ""}: ${w.key}: ${w.message}`,
    );
    for (const w of this.configWarnings) this.logger.warn(w);
  }
}
