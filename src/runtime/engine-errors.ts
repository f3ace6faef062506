// Errors of the container engine, and the one place where a dockerode/HTTP/socket
// error becomes a message a person can act on:
//   "create plancton-worker-ab12cd: 404 No such image: foo:latest".

/** Docker cannot be reached (socket missing, connection refused or reset...): "waiting for Docker". */
export class EngineUnavailableError extends Error {
  /** The socket error code (ENOENT, ECONNREFUSED, ...) or "ETIMEDOUT" for a request without an answer. */
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EngineUnavailableError";
    this.code = code;
  }
}

/** Docker accepted the connection but did not answer within the request's timeout. */
export class EngineTimeoutError extends EngineUnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, "ETIMEDOUT", options);
    this.name = "EngineTimeoutError";
  }
}

/** Docker answered with an error status (or an error inside a progress stream: statusCode 0). */
export class DockerApiError extends Error {
  readonly statusCode: number;
  /** Docker's own message, e.g. "No such image: foo:latest". */
  readonly dockerMessage: string;
  constructor(message: string, statusCode: number, dockerMessage: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DockerApiError";
    this.statusCode = statusCode;
    this.dockerMessage = dockerMessage;
  }
}

/** Socket error codes that mean "Docker is not there (now)", not "Docker said no". */
const UNAVAILABLE_CODES = new Set([
  "ENOENT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "EACCES",
  "ENOTCONN",
  "ECONNABORTED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENOTFOUND",
  "ENOTSOCK",
]);

function field(err: unknown, key: string): unknown {
  return typeof err === "object" && err !== null ? (err as Record<string, unknown>)[key] : undefined;
}

/** Docker's message out of a dockerode error: its JSON body `{message}`, or the text after "- ". */
export function dockerMessageOf(err: unknown): string {
  const json = field(err, "json");
  const fromJson = field(json, "message");
  if (typeof fromJson === "string" && fromJson.trim() !== "") return fromJson.trim();
  if (typeof json === "string" && json.trim() !== "") return json.trim();
  if (Buffer.isBuffer(json) && json.length > 0) return json.toString("utf8").trim();
  const msg = err instanceof Error ? err.message : String(err);
  // dockerode: "(HTTP code 404) no such container - No such container: abc "
  const m = /^\(HTTP code \d+\) [^-]*- (.*)$/s.exec(msg);
  return (m?.[1] ?? msg).trim();
}

/** Where the request was going, for the message: "create plancton-worker-ab12cd". */
function what(operation: string, target?: string): string {
  return target ? `${operation} ${target}` : operation;
}

/**
 * Turns anything dockerode or the socket threw into one of our errors.
 * `endpoint` names the Docker socket or URL, for "not reachable" messages.
 */
export function toEngineError(
  err: unknown,
  operation: string,
  target: string | undefined,
  endpoint: string,
): Error {
  if (err instanceof EngineUnavailableError || err instanceof DockerApiError) return err;
  const where = what(operation, target);
  const statusCode = field(err, "statusCode");
  if (typeof statusCode === "number" && statusCode > 0) {
    const dockerMessage = dockerMessageOf(err);
    return new DockerApiError(`${where}: ${statusCode} ${dockerMessage}`, statusCode, dockerMessage, {
      cause: err,
    });
  }
  const code = field(err, "code");
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) {
    const hint = code === "EACCES" ? " (permission denied: run as root or join the docker group)" : "";
    return new EngineUnavailableError(
      `${where}: Docker is not reachable at ${endpoint}: ${code}${hint}`,
      code,
      { cause: err },
    );
  }
  // The connection went away mid-request (dockerd stopped): Node says "socket hang up".
  if (/socket hang up|other side closed/i.test(message)) {
    return new EngineUnavailableError(
      `${where}: Docker closed the connection at ${endpoint}: ${message}`,
      "ECONNRESET",
      { cause: err },
    );
  }
  return new Error(`${where}: ${message}`, { cause: err });
}

/** True for "no such container/image" answers. */
export function isNotFound(err: unknown): boolean {
  return err instanceof DockerApiError && err.statusCode === 404;
}
