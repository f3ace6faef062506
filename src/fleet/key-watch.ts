// One watched key of the agent (its two command keys, its alive key), from a revision on,
// so nothing written between a read and the watch is missed. Not awaited: a watch waits
// for etcd; etcd3 resumes it after an outage.
import type { Etcd3, IKeyValue, Watcher } from "etcd3";

export interface KeyEvents {
  put(kv: IKeyValue): void;
  delete(): void;
  /** The watch is cut for good (e.g. compacted) or could not start: read the key again. */
  broken(err: Error): void;
}

/** Watches key; the watcher is handed to keep() once it exists (cancelled at once when stopped()). */
export function watchKey(
  client: Etcd3,
  key: string,
  fromRevision: string,
  on: KeyEvents,
  keep: (w: Watcher) => boolean,
): void {
  client
    .watch()
    .key(key)
    .startRevision(fromRevision)
    .create()
    .then((w) => {
      w.on("put", (kv: IKeyValue) => on.put(kv));
      w.on("delete", () => on.delete());
      w.on("error", (err: Error) => {
        void w.cancel().catch(() => undefined);
        on.broken(err);
      });
      if (!keep(w)) void w.cancel().catch(() => undefined);
    })
    .catch((err: Error) => on.broken(err));
}
