// log_format "text": one readable line per pino record (local ISO time, level, message,
// key=value extras), by pino-pretty's formatter; colours only for a terminal.
import type { DestinationStream } from "pino";
import { prettyFactory } from "pino-pretty";

/** Keys every record has; the rest are printed as key=value after the message. */
const OWN_KEYS = new Set(["level", "time", "msg", "pid", "hostname"]);

/**
 * A value as it reads in `key=value`: a string bare unless it has a space, quote or `=`; the rest as JSON.
 */
function kv(value: unknown): string {
  if (typeof value !== "string") return JSON.stringify(value) ?? String(value);
  return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
}

/** One JSON record to one text line (the trailing newline included). */
export function textFormatter(colorize: boolean): (jsonLine: string) => string {
  const pretty = prettyFactory({
    colorize,
    translateTime: "SYS:yyyy-mm-dd'T'HH:MM:ss.lo",
    ignore: "pid,hostname",
    hideObject: true,
    messageFormat: (log, messageKey) => {
      // One record, one line: a multi-line message (a config error's list) is joined.
      const msg = String(log[messageKey] ?? "").replace(/\s*\n\s*/g, " | ");
      const extras = Object.entries(log)
        .filter(([k]) => k !== messageKey && !OWN_KEYS.has(k))
        .map(([k, v]) => `${k}=${kv(v)}`);
      return [msg, ...extras].join(" ");
    },
  });
  return (line) => {
    const out = pretty(line);
    return out.endsWith("\n") ? out : `${out}\n`;
  };
}

/** A pino stream that writes each record as a text line to `dest`. */
export function textStream(dest: { write(s: string): unknown }, colorize: boolean): DestinationStream {
  const format = textFormatter(colorize);
  return { write: (line: string) => void dest.write(format(line)) };
}
