/**
 * The per-direction value cache of cached-object fields (openwire.md 4.5). The encoder
 * and the decoder of one connection each own one; both start empty at negotiation.
 *
 * @module
 */

import type { DataStructure } from "./commands.ts";
import { malformed } from "./_input.ts";

/** Slots kept free before each frame, as the Java sender does. */
const FREE_SLOTS = 100;
/** Size used when the negotiated cacheSize is 0. */
export const DEFAULT_CACHE_SIZE = 16383;

function effectiveSize(size: number): number {
  if (!(size > 0)) return DEFAULT_CACHE_SIZE;
  return Math.min(Math.floor(size), 0x7fff);
}

/**
 * Sender side: value → slot, by value equality (two ProducerIds with equal fields share a
 * slot; `null` has its own). Slots are assigned in a ring; before each frame the oldest
 * entries are evicted so that 100 slots stay free. Overwriting a slot always forgets the
 * value that held it, so the map never points at a slot the peer has reassigned.
 */
export class OpenWireEncodeCache {
  readonly size: number;
  readonly #index = new Map<string, number>();
  readonly #keys: (string | undefined)[];
  #next = 0;
  #evict = 0;
  /** Slot assignments of the frame being encoded: [slot, previous key, ...]. */
  readonly #undo: (number | string | undefined)[] = [];
  #frameStart = 0;

  constructor(size: number) {
    this.size = effectiveSize(size);
    this.#keys = new Array(this.size).fill(undefined);
  }

  /** Called once before each frame. */
  beginFrame(): void {
    this.#undo.length = 0;
    this.#frameStart = this.#next;
    const keep = Math.max(0, this.size - FREE_SLOTS);
    while (this.#index.size > keep) {
      const key = this.#keys[this.#evict];
      if (key !== undefined) {
        this.#index.delete(key);
        this.#keys[this.#evict] = undefined;
      }
      this.#evict = this.#evict + 1 === this.size ? 0 : this.#evict + 1;
    }
  }

  /** The slot holding `key`, or -1. */
  lookup(key: string | undefined): number {
    if (key === undefined) return -1;
    return this.#index.get(key) ?? -1;
  }

  /** Assigns the next slot to `key` (undefined: a value that is never reused). */
  add(key: string | undefined): number {
    const slot = this.#next;
    this.#next = slot + 1 === this.size ? 0 : slot + 1;
    const old = this.#keys[slot];
    this.#undo.push(slot, old);
    if (old !== undefined) this.#index.delete(old);
    this.#keys[slot] = key;
    if (key !== undefined) this.#index.set(key, slot);
    return slot;
  }

  /** The frame was sent: its slot assignments stand. */
  commitFrame(): void {
    this.#undo.length = 0;
  }

  /**
   * The frame failed to encode and is never sent: forget its slot assignments, since the
   * peer never saw them (a later frame referencing them would be misread).
   */
  rollbackFrame(): void {
    const undo = this.#undo;
    for (let i = undo.length - 2; i >= 0; i -= 2) {
      const slot = undo[i] as number;
      const previous = undo[i + 1] as string | undefined;
      const current = this.#keys[slot];
      if (current !== undefined && this.#index.get(current) === slot) this.#index.delete(current);
      this.#keys[slot] = previous;
      if (previous !== undefined) this.#index.set(previous, slot);
    }
    undo.length = 0;
    this.#next = this.#frameStart;
  }
}

/** Receiver side: an array of slots filled by `new` entries. */
export class OpenWireDecodeCache {
  readonly size: number;
  readonly #slots: (DataStructure | null)[];

  constructor(size: number) {
    this.size = effectiveSize(size);
    this.#slots = new Array(this.size).fill(null);
  }

  get(index: number): DataStructure | null {
    if (index < 0 || index >= this.size) throw malformed(`Cache index ${index} out of range`);
    return this.#slots[index];
  }

  set(index: number, value: DataStructure | null): void {
    // -1: the sender did not store the value (its cache was full).
    if (index === -1) return;
    if (index < 0 || index >= this.size) throw malformed(`Cache index ${index} out of range`);
    this.#slots[index] = value;
  }
}

function str(s: string | null | undefined): string {
  return s == null ? "~" : `${s.length}:${s}`;
}

function hex(b: Uint8Array | null | undefined): string {
  if (b == null) return "~";
  let s = "";
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16);
  return s;
}

/**
 * The equality key of a cached value, or `undefined` for structures compared by identity
 * in Java (they are sent as new every time).
 */
export function cacheKey(value: DataStructure | null | undefined): string | undefined {
  if (value == null) return "null";
  const v = value as unknown as Record<string, unknown>;
  switch (value.type) {
    case 100:
    case 101:
    case 102:
    case 103:
      return `${value.type}|${str(value.physicalName)}`;
    case 120:
    case 124:
      return `${value.type}|${str(value.value)}`;
    case 121:
      return `121|${str(value.connectionId)}|${value.value}`;
    case 122:
      return `122|${str(value.connectionId)}|${value.sessionId}|${value.value}`;
    case 123:
      return `123|${str(value.connectionId)}|${value.sessionId}|${value.value}`;
    case 111:
      return `111|${value.value}|${cacheKey(value.connectionId)}`;
    case 112:
      return `112|${value.formatId}|${hex(value.globalTransactionId)}|${hex(value.branchQualifier)}`;
    case 110:
      return `110|${str(v.textView as string | null)}|${
        cacheKey(value.producerId)
      }|${value.producerSequenceId}|${value.brokerSequenceId}`;
    default:
      return undefined;
  }
}
