/**
 * One-line descriptions of commands for `trace=true` logs and error messages.
 *
 * @module
 */

import { type DataStructure, OpenWireType } from "./commands.ts";

const NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(OpenWireType).map(([name, code]) => [code, name]),
);

export function typeName(type: number): string {
  return NAMES[type] ?? `type ${type}`;
}

/** `Name {field: value, …}` with byte arrays as their length and long strings cut. */
export function describe(command: DataStructure): string {
  const json = JSON.stringify(command, (key, value) => {
    if (key === "type" || key === "magic") return key === "type" ? typeName(value) : undefined;
    if (value instanceof Uint8Array) return `<${value.length} bytes>`;
    if (typeof value === "bigint") return String(value);
    if (typeof value === "string" && value.length > 200) return `${value.slice(0, 200)}…`;
    return value;
  });
  return `${typeName(command.type)} ${json}`;
}
