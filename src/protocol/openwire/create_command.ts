/**
 * Builds data structures with every field at its default, so callers only name the
 * fields they care about.
 *
 * @example
 * ```ts
 * import { createCommand } from "./create_command.ts";
 *
 * const response = createCommand(30, { correlationId: 5 });
 * response.responseRequired; // false
 * ```
 *
 * @module
 */

import type { DataStructure, StructureOf } from "./commands.ts";
import { STRUCTS } from "./_schema.ts";

/**
 * A structure of type code `type`: defaults are false, 0 and null, except message
 * priority 4 and WireFormatInfo magic `ActiveMQ`; `fields` override them.
 */
export function createCommand<T extends DataStructure["type"]>(
  type: T,
  fields: Partial<StructureOf<T>> = {},
): StructureOf<T> {
  const spec = STRUCTS[type];
  if (spec === undefined) throw new TypeError(`Unknown OpenWire data type ${type}`);
  const value = spec.create();
  Object.assign(value, fields);
  value.type = type;
  return value as unknown as StructureOf<T>;
}
