/**
 * Turns a field table into straight-line marshalling code, once per structure, version
 * and encoding. Generated (with `new Function`, from the static tables of `_schema.ts`
 * only) because the interpreted loop over fields cost 2-3x more on the dispatch path:
 * a decoded object comes out of one object literal, so every object of a type has the
 * same shape, and each field access is a named one V8 can inline.
 *
 * @module
 */

import type { DataStructure } from "./commands.ts";
import type { DecodeContext, EncodeContext } from "./_context.ts";
import type { Input } from "./_input.ts";
import type { FieldSpec, StructSpec } from "./_schema.ts";

export type BodyReader = (ctx: DecodeContext, input: Input, depth: number) => DataStructure;
export type BodyWriter = (ctx: EncodeContext, value: DataStructure) => void;

/** An expression reading field `i` (of `F`) from `input` with helpers `h`. */
export type ReadExpression = (field: FieldSpec, i: number) => string;
/** A statement writing the expression `value` of field `i` with helpers `h`. */
export type WriteStatement = (field: FieldSpec, value: string, i: number) => string;

/**
 * One object literal whose initialisers read the fields in wire order (JavaScript
 * evaluates them in order); fields the version lacks get their defaults.
 */
export function compileReader(
  spec: StructSpec,
  version: number,
  expression: ReadExpression,
  helpers: object,
): BodyReader {
  const present = new Set(spec.byVersion[version]);
  const props = [`type: ${spec.type}`];
  spec.fields.forEach((field, i) => {
    const value = present.has(field) ? expression(field, i) : JSON.stringify(spec.defaults[field.name]);
    props.push(`${JSON.stringify(field.name)}: ${value}`);
  });
  const source = `return function read(ctx, input, depth) { return { ${props.join(", ")} }; };`;
  return new Function("h", "F", source)(helpers, spec.fields) as BodyReader;
}

/** One statement per field of the version, in wire order. */
export function compileWriter(
  spec: StructSpec,
  version: number,
  statement: WriteStatement,
  helpers: object,
): BodyWriter {
  const lines = spec.byVersion[version].map((field) =>
    statement(field, `o[${JSON.stringify(field.name)}]`, spec.fields.indexOf(field))
  );
  const source = `return function write(ctx, o) { const out = ctx.out; ${lines.join(" ")} };`;
  return new Function("h", "F", source)(helpers, spec.fields) as BodyWriter;
}

/** A cache of compiled functions by type code and version. */
export class CompiledTable<T> {
  readonly #byType: (T | undefined)[][] = [];
  readonly #compile: (spec: StructSpec, version: number) => T;

  constructor(compile: (spec: StructSpec, version: number) => T) {
    this.#compile = compile;
  }

  get(spec: StructSpec, version: number): T {
    const byVersion = this.#byType[spec.type] ??= [];
    return byVersion[version] ??= this.#compile(spec, version);
  }
}
