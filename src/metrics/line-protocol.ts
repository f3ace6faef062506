// MetricPoint -> one line of InfluxDB line protocol (ms precision), through the client
// library's Point, which does the escaping. Field types come from SERIES, so a field is
// always written with the same type (InfluxDB refuses a type change within a shard).
import { Point } from "@influxdata/influxdb-client";
import { fieldType, type SeriesType } from "./series.js";
import type { MetricPoint } from "./metric-types.js";

/** Longest string field kept (error messages); longer ones are cut, so one point stays small. */
const MAX_STRING_FIELD_CHARS = 1024;

/**
 * Returns the line, or throws an Error saying why the point cannot be written
 * (no measurement, no writable field, bad timestamp). Fields that are not finite
 * numbers are left out; `extraTags` (e.g. hostname) override the point's own.
 */
export function toLine(point: MetricPoint, extraTags?: Readonly<Record<string, string>>): string {
  const { measurement } = point;
  if (typeof measurement !== "string" || measurement === "") throw new Error("point without a measurement");
  if (!Number.isFinite(point.timeMs))
    throw new Error(`${measurement}: timestamp ${String(point.timeMs)} is not a number of ms`);
  const p = new Point(measurement);
  const tags = extraTags !== undefined ? { ...point.tags, ...extraTags } : point.tags;
  for (const name of Object.keys(tags).sort()) {
    const value = tags[name];
    // Point leaves escaping a trailing backslash to the caller: drop it (a value cannot end with one).
    if (typeof value === "string") p.tag(name, value.replace(/\\+$/, ""));
  }
  let written = 0;
  for (const [name, value] of Object.entries(point.fields)) {
    if (addField(p, name, value, fieldType(measurement, name))) written++;
  }
  if (written === 0) throw new Error(`${measurement}: no field with a writable value`);
  p.timestamp(Math.round(point.timeMs));
  const line = p.toLineProtocol();
  if (line === undefined) throw new Error(`${measurement}: could not be written as line protocol`);
  return flatten(line);
}

/**
 * The line is built by many concatenations, which V8 keeps as a tree of string pieces
 * (~900 bytes for a 180-char line); a buffered line can live for an hour, so it is
 * flattened into one sequential string (~5x less memory). Converting a string to a
 * number makes V8 flatten it in place (the trick of pino's flatstr).
 */
function flatten(s: string): string {
  void Number(s);
  return s;
}

function addField(p: Point, name: string, value: unknown, declared: SeriesType | undefined): boolean {
  const type =
    declared ?? (typeof value === "number" ? "float" : typeof value === "boolean" ? "bool" : "string");
  if (typeof value === "boolean") {
    if (type === "bool") {
      p.booleanField(name, value);
      return true;
    }
    value = type === "string" ? String(value) : value ? 1 : 0;
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return false;
    if (type === "int") {
      const rounded = Math.round(value);
      if (!Number.isSafeInteger(rounded)) return false;
      p.intField(name, rounded);
    } else if (type === "float") p.floatField(name, value);
    else if (type === "bool") p.booleanField(name, value !== 0);
    else p.stringField(name, String(value));
    return true;
  }
  // A string for a declared number or boolean is left out: writing it would change the field's type.
  if (typeof value === "string" && type === "string") {
    // A raw newline would end the line early on some servers; a long message is cut.
    const flat = value.replace(/[\r\n]+/g, " ");
    p.stringField(
      name,
      flat.length > MAX_STRING_FIELD_CHARS ? `${flat.slice(0, MAX_STRING_FIELD_CHARS)}...` : flat,
    );
    return true;
  }
  return false;
}
