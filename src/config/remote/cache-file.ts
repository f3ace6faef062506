// The cache file is the remote text behind one comment line of metadata, so it is
// still a plain YAML file an admin can read.
const CACHE_HEADER = "# plancton remote-config cache, do not edit: ";

export interface CacheMeta {
  url: string;
  etag?: string;
  lastModified?: string;
  fetchedAtMs: number;
}

export function formatCacheFile(meta: CacheMeta, text: string): string {
  return `${CACHE_HEADER}${JSON.stringify(meta)}\n${text}`;
}

export function parseCacheFile(content: string): { meta: CacheMeta; text: string } | undefined {
  if (!content.startsWith(CACHE_HEADER)) return undefined;
  const nl = content.indexOf("\n");
  if (nl < 0) return undefined;
  try {
    const meta = JSON.parse(content.slice(CACHE_HEADER.length, nl)) as Partial<CacheMeta>;
    if (typeof meta.url !== "string" || typeof meta.fetchedAtMs !== "number") return undefined;
    return {
      meta: {
        url: meta.url,
        etag: meta.etag,
        lastModified: meta.lastModified,
        fetchedAtMs: meta.fetchedAtMs,
      },
      text: content.slice(nl + 1),
    };
  } catch {
    return undefined;
  }
}
