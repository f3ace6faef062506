// The alive key is the host's presence: bound to its lease, it goes when the lease does.
// It is claimed in one transaction (put only if absent, else read who holds it), so two
// agents with one name never share it: the second is refused and told which lease holds
// the name, and when the first stops the second registers (before, the second overwrote
// the key, and the first one's revoke deleted it: the survivor showed as gone).
import type { Etcd3, Lease } from "etcd3";

export class NameHeldError extends Error {
  constructor(
    readonly fleetName: string,
    readonly leaseHex: string,
  ) {
    super(
      `the fleet name ${fleetName} is held by another live agent (lease ${leaseHex}): ` +
        "not registering until it goes; give each host its own fleet.name",
    );
  }
}

const hex = (id: string) => BigInt(id).toString(16);

/** Puts the alive key on this lease unless another lease holds it (NameHeldError). */
export async function claimAlive(
  client: Etcd3,
  lease: Lease,
  name: string,
  key: string,
  value: string,
  deadline: number,
): Promise<void> {
  const id = await lease.grant();
  const r = await client
    .if(key, "Create", "==", 0)
    .then(lease.put(key).value(value))
    .else(client.get(key))
    .options({ deadline })
    .commit();
  if (r.succeeded) return;
  const kv = r.responses[0]?.response_range?.kvs[0];
  if (kv === undefined || kv.lease === id) return; // gone meanwhile (next renewal claims it), or ours
  throw new NameHeldError(name, hex(kv.lease));
}
