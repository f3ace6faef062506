// Labels that mark a container as a pilot of this Plancton instance. Everything the
// daemon lists, kills or removes is filtered by both, so foreign containers and pilots
// of another instance on the same host are never touched.
export const LABEL_MANAGED = "org.plancton.managed";
export const LABEL_INSTANCE = "org.plancton.instance";

export function instanceLabels(instance: string): Record<string, string> {
  return { [LABEL_MANAGED]: "true", [LABEL_INSTANCE]: instance };
}
