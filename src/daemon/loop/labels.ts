// Labels that mark a container as a pilot of this Plancton instance. Everything the
// daemon lists, kills or removes is filtered by both, so foreign containers and pilots
// of another instance on the same host are never touched.
export const LABEL_MANAGED = "org.plancton.managed";
export const LABEL_INSTANCE = "org.plancton.instance";

/** The instance a config's pilots belong to: `instance`, else `container_prefix`. */
export function instanceOf(config: { instance: string | null; container_prefix: string }): string {
  return config.instance ?? config.container_prefix;
}

export function instanceLabels(instance: string): Record<string, string> {
  return { [LABEL_MANAGED]: "true", [LABEL_INSTANCE]: instance };
}
