/**
 * OpenWire SubscriptionInfo (type 55) in the store's form: loose encoding, no
 * value cache, 4-byte size prefix, version 11 (openwire.md 4.2, 8.20, 15;
 * kahadb.md 3.4 and the worked example 10.4). This is what
 * KahaSubscriptionCommand.subscriptionInfo holds.
 */
import type { Destination, DestinationType } from "../../message/destination.ts";
import type { StoredSubscription } from "../persistence_adapter.ts";
import { CorruptDataError } from "./_binary.ts";

const SUBSCRIPTION_INFO = 55;
// OpenWire: ActiveMQQueue 100, ActiveMQTopic 101, ActiveMQTempQueue 102, ActiveMQTempTopic 103.
const DESTINATION_CODES: Record<DestinationType, number> = {
  "queue": 100,
  "topic": 101,
  "temp-queue": 102,
  "temp-topic": 103,
};
const DESTINATION_TYPES = new Map<number, DestinationType>(
  Object.entries(DESTINATION_CODES).map(([t, c]) => [c, t as DestinationType]),
);

/** Java's modified UTF-8: U+0000 as C0 80, each UTF-16 unit on its own (surrogates take 3 bytes each). */
export function encodeModifiedUtf8(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x01 && c <= 0x7f) out.push(c);
    else if (c <= 0x7ff) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return new Uint8Array(out);
}

export function decodeModifiedUtf8(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length;) {
    const x = b[i];
    if (x < 0x80) {
      s += String.fromCharCode(x);
      i += 1;
    } else if ((x & 0xe0) === 0xc0 && i + 1 < b.length) {
      s += String.fromCharCode(((x & 0x1f) << 6) | (b[i + 1] & 0x3f));
      i += 2;
    } else if ((x & 0xf0) === 0xe0 && i + 2 < b.length) {
      s += String.fromCharCode(((x & 0x0f) << 12) | ((b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f));
      i += 3;
    } else {
      throw new CorruptDataError(`Bad modified UTF-8 byte 0x${x.toString(16)} at ${i}`);
    }
  }
  return s;
}

class LooseWriter {
  readonly bytes: number[] = [];
  bool(b: boolean): void {
    this.bytes.push(b ? 1 : 0);
  }
  string(s: string | undefined): void {
    if (s === undefined) return this.bool(false);
    const utf = encodeModifiedUtf8(s);
    if (utf.length > 0xffff) throw new RangeError(`String of ${utf.length} bytes is too long for OpenWire`);
    this.bytes.push(1, utf.length >> 8, utf.length & 0xff, ...utf);
  }
  destination(d: Destination): void {
    this.bytes.push(1, DESTINATION_CODES[d.type]);
    this.string(d.name);
  }
}

/**
 * The marshalled SubscriptionInfo: clientId, destination, selector,
 * subscriptionName, subscribedDestination, noLocal.
 */
export function encodeSubscriptionInfo(sub: StoredSubscription): Uint8Array {
  const w = new LooseWriter();
  w.bytes.push(SUBSCRIPTION_INFO);
  w.string(sub.clientId);
  w.destination(sub.destination); // cached-object, cache off: same as nested (openwire.md 4.2)
  w.string(sub.selector);
  w.string(sub.subscriptionName);
  w.destination(sub.destination); // subscribedDestination (v3+)
  w.bool(sub.noLocal ?? false); // v11
  const n = w.bytes.length;
  return new Uint8Array([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff, ...w.bytes]);
}

class LooseReader {
  #pos = 0;
  constructor(readonly b: Uint8Array) {}
  u8(): number {
    if (this.#pos >= this.b.length) throw new CorruptDataError("SubscriptionInfo ends early");
    return this.b[this.#pos++];
  }
  bool(): boolean {
    return this.u8() !== 0;
  }
  string(): string | undefined {
    if (!this.bool()) return undefined;
    const n = (this.u8() << 8) | this.u8();
    if (this.#pos + n > this.b.length) {
      throw new CorruptDataError("SubscriptionInfo string runs past the end");
    }
    const s = decodeModifiedUtf8(this.b.subarray(this.#pos, this.#pos + n));
    this.#pos += n;
    return s;
  }
  destination(): Destination | undefined {
    if (!this.bool()) return undefined;
    const code = this.u8();
    const type = DESTINATION_TYPES.get(code);
    if (!type) throw new CorruptDataError(`SubscriptionInfo destination type ${code} is unknown`);
    return { type, name: this.string() ?? "" };
  }
  get atEnd(): boolean {
    return this.#pos >= this.b.length;
  }
}

/** Reads a marshalled SubscriptionInfo of any version from 1 (noLocal from v11, subscribedDestination v3). */
export function decodeSubscriptionInfo(bytes: Uint8Array): StoredSubscription {
  if (bytes.length < 5) throw new CorruptDataError("SubscriptionInfo shorter than its header");
  const size = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  if (size + 4 > bytes.length) throw new CorruptDataError(`SubscriptionInfo says ${size} bytes`);
  const r = new LooseReader(bytes.subarray(4, 4 + size));
  const type = r.u8();
  if (type !== SUBSCRIPTION_INFO) {
    throw new CorruptDataError(`Expected SubscriptionInfo (55), found type ${type}`);
  }
  const clientId = r.string() ?? "";
  const destination = r.destination();
  const selector = r.string();
  const subscriptionName = r.string() ?? "";
  const subscribed = r.atEnd ? undefined : r.destination();
  const noLocal = r.atEnd ? false : r.bool();
  const dest = subscribed ?? destination;
  if (!dest) throw new CorruptDataError("SubscriptionInfo without a destination");
  const sub: StoredSubscription = { clientId, subscriptionName, destination: dest };
  if (selector !== undefined) sub.selector = selector;
  if (noLocal) sub.noLocal = true;
  return sub;
}
