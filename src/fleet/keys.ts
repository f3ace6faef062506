// Where the fleet lives in etcd, under one prefix (default /plancton/):
//   hosts/NAME    the host's last status (no lease: a dead host's last word stays, "gone")
//   alive/NAME    bound to the host's lease: present while the host lives
//   command/NAME  the last command for one host; command/all for every host (one key
//                 each, so a host watches two keys, never the whole fleet)
export interface FleetKeys {
  status(name: string): string;
  alive(name: string): string;
  command(name: string): string;
  readonly allCommand: string;
  readonly statusPrefix: string;
  readonly alivePrefix: string;
}

/** "all" is the all-hosts key, so the per-host commands sit one level down. */
export function fleetKeys(prefix: string): FleetKeys {
  return {
    status: (n) => `${prefix}hosts/${n}`,
    alive: (n) => `${prefix}alive/${n}`,
    command: (n) => `${prefix}command/host/${n}`,
    allCommand: `${prefix}command/all`,
    statusPrefix: `${prefix}hosts/`,
    alivePrefix: `${prefix}alive/`,
  };
}
