// A free 127.0.0.1 port for a server a test starts right after. Port 0 would let the kernel
// choose from the ephemeral range, but that range is also where every outgoing connection
// gets its source port: between our probe and the server's bind, a client (120 etcd agents,
// a registry pull) can take it ("bind: address already in use", seen in CI). So the port is
// drawn at random below the ephemeral range, probed by a bind, and never handed out twice.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

const FLOOR = 10_000;
const given = new Set<number>();

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > FLOOR + 1000 ? low : 0;
  } catch {
    return 0;
  }
}

function bindable(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(undefined));
    s.listen(port, "127.0.0.1", () => {
      const got = (s.address() as { port: number }).port;
      s.close(() => resolve(got));
    });
  });
}

export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  for (let i = 0; low > 0 && i < 100; i++) {
    const port = FLOOR + Math.floor(Math.random() * (low - FLOOR));
    if (given.has(port)) continue;
    if ((await bindable(port)) === port) {
      given.add(port);
      return port;
    }
  }
  const port = await bindable(0); // no range to stay below: the kernel's choice
  if (port === undefined) throw new Error("no free 127.0.0.1 port");
  return port;
}
