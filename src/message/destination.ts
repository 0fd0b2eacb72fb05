/**
 * ActiveMQ destinations: a type and a physical name. The qualified string form
 * (`queue://NAME`) is what selectors see as JMSDestination and what stores key on.
 */

export type DestinationType = "queue" | "topic" | "temp-queue" | "temp-topic";

export interface Destination {
  readonly type: DestinationType;
  readonly name: string;
}

const PREFIXES: readonly [string, DestinationType][] = [
  ["queue://", "queue"],
  ["topic://", "topic"],
  ["temp-queue://", "temp-queue"],
  ["temp-topic://", "temp-topic"],
];

export function qualifiedName(d: Destination): string {
  return `${d.type}://${d.name}`;
}

/** Parses `queue://A`, `topic://B` or a bare name (which gets `defaultType`). */
export function parseDestination(text: string, defaultType: DestinationType = "queue"): Destination {
  for (const [prefix, type] of PREFIXES) {
    if (text.startsWith(prefix)) return { type, name: text.slice(prefix.length) };
  }
  return { type: defaultType, name: text };
}

export function isTopicLike(d: Destination): boolean {
  return d.type === "topic" || d.type === "temp-topic";
}

export function isTemporary(d: Destination): boolean {
  return d.type === "temp-queue" || d.type === "temp-topic";
}

export function sameDestination(a: Destination, b: Destination): boolean {
  return a.type === b.type && a.name === b.name;
}

/** A comma in the name makes a composite; composites are never wildcard patterns. */
export function isComposite(d: Destination): boolean {
  return d.name.includes(",");
}

/**
 * Members of a composite destination: elements without a prefix inherit the
 * outer type, `queue://`/`topic://` elements keep theirs.
 */
export function compositeMembers(d: Destination): Destination[] {
  return d.name.split(",").map((part) => part.trim()).filter((p) => p.length > 0)
    .map((part) => parseDestination(part, d.type));
}

export function isWildcardPattern(d: Destination): boolean {
  return !isComposite(d) && (d.name.includes("*") || d.name.includes(">"));
}
