// The `fleet` key: this host's registration in etcd (endpoints, name, lease, credentials).
import { z } from "zod";
import { period } from "./schema-values.js";

export const fleetSchema = z
  .object({
    etcd: z.array(z.string().url()).min(1).describe('etcd endpoints, e.g. ["https://etcd1.site:2379"].'),
    name: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, "a fleet name is letters, digits, _ . - (no slash)")
      .nullable()
      .default(null)
      .describe("This host's name in the fleet (null: the host name)."),
    ttl: period(2).default(15).describe("Lease TTL: a host silent this long shows as gone."),
    renew_every: period(1)
      .nullable()
      .default(null)
      .describe(
        "Lease renewal period (null: ttl/3); at most ttl/2. Each renewal is a request to etcd: " +
          "with 10,000 hosts, ttl 60s and renew_every 30s keep the fleet under 500 requests/s.",
      ),
    refresh_every: period(10)
      .default(60)
      .describe(
        "The status key is rewritten this often when nothing but CPU figures changed (changes an " +
          "admin acts on are written within 2 s).",
      ),
    prefix: z
      .string()
      .regex(/^\/[^\s]*\/$/, 'a prefix starts and ends with "/", e.g. "/plancton/"')
      .default("/plancton/")
      .describe("Key prefix of the fleet in etcd."),
    username: z.string().min(1).nullable().default(null).describe("etcd user (with password_file)."),
    password_file: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe("File holding the etcd user's password."),
    ca_file: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe("CA certificate(s) of https:// endpoints (null: the system's)."),
    cert_file: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe("Client certificate for etcd's client-cert-auth (with key_file)."),
    key_file: z.string().min(1).nullable().default(null).describe("Key of cert_file."),
  })
  .refine((f) => (f.username === null) === (f.password_file === null), {
    message: "username and password_file go together: set both or neither",
  })
  .refine((f) => (f.cert_file === null) === (f.key_file === null), {
    message: "cert_file and key_file go together (a client certificate and its key): set both or neither",
  })
  .refine((f) => f.renew_every === null || f.renew_every <= f.ttl / 2, {
    path: ["renew_every"],
    message:
      "renew_every must be at most ttl/2, so a failed renewal is tried again before the lease " +
      "expires: raise ttl or lower renew_every",
  });
