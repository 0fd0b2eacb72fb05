/**
 * Messages going to the client: packet ids, the QoS 1 and QoS 2 exchanges, the client's
 * Receive Maximum (MQTT 5: at most that many QoS > 0 PUBLISHes unacknowledged; the rest
 * wait here), outbound Topic Aliases and the client's Maximum Packet Size.
 *
 * The broker's message is acknowledged when the client has taken responsibility for it: a
 * QoS 0 PUBLISH once written, QoS 1 on PUBACK, QoS 2 on PUBREC (as ActiveMQ does). PUBREL
 * and PUBCOMP then only finish the packet id.
 *
 * @module
 */

import type { MqttPacket, MqttPublish, MqttVersion } from "./codec.ts";
import type { OutboundPublish } from "./message_mapping.ts";

export interface OutboundTarget {
  /** Encodes `packet`; undefined when it exceeds the client's Maximum Packet Size. */
  encode(packet: MqttPacket): Uint8Array | undefined;
  send(bytes: Uint8Array, onWritten?: () => void): void;
  /** The broker may forget the message: the client has it (or it was dropped as too large). */
  ack(consumerId: string, messageId: string): void;
  log(message: string): void;
}

export interface OutboundOptions {
  version: MqttVersion;
  /** The client's Receive Maximum (MQTT 5; 65535 otherwise). */
  receiveMaximum: number;
  /** The client's Topic Alias Maximum (MQTT 5; 0 = no aliases). */
  topicAliasMaximum: number;
}

interface Inflight {
  consumerId: string;
  messageId: string;
  qos: 1 | 2;
}

interface Waiting {
  consumerId: string;
  messageId: string;
  publish: OutboundPublish;
  written?: () => void;
}

export class OutboundFlow {
  readonly #target: OutboundTarget;
  readonly #options: OutboundOptions;
  /** QoS 1/2 PUBLISHes not yet PUBACKed/PUBRECed, by packet id. */
  readonly #inflight = new Map<number, Inflight>();
  /** QoS 2 packet ids between PUBREC and PUBCOMP. */
  readonly #pubrel: Set<number>;
  readonly #waiting: Waiting[] = [];
  /** Topic → alias, least recently used first. */
  readonly #aliases = new Map<string, number>();
  #nextPacketId = 1;

  constructor(target: OutboundTarget, options: OutboundOptions, pendingPubrel: Set<number> = new Set()) {
    this.#target = target;
    this.#options = options;
    this.#pubrel = pendingPubrel;
  }

  get receiveMaximum(): number {
    return this.#options.receiveMaximum;
  }

  /** Packet ids that wait for PUBCOMP: part of the session state a reconnect resumes. */
  get pendingPubrel(): Set<number> {
    return this.#pubrel;
  }

  /** [MQTT-4.4.0-1]: on reconnect of a persistent session, PUBREL is sent again. */
  resendPubrels(): void {
    for (const packetId of this.#pubrel) this.#sendAck({ type: "pubrel", packetId, reasonCode: 0 });
  }

  /**
   * Sends (or queues) a message. `written` runs once its PUBLISH is written or it is
   * dropped; a message waiting for Receive Maximum room holds it until then, so the bus
   * sends no more than its window while the client is slow to acknowledge.
   */
  publish(consumerId: string, messageId: string, publish: OutboundPublish, written?: () => void): void {
    if (publish.qos === 0) {
      this.#write(consumerId, messageId, publish, undefined, written);
      return;
    }
    // [MQTT-4.9.0-2]: no more QoS > 0 PUBLISHes in flight than the client's Receive Maximum.
    if (this.#waiting.length > 0 || this.#inUse() >= this.#options.receiveMaximum) {
      this.#waiting.push({ consumerId, messageId, publish, written });
      return;
    }
    this.#write(consumerId, messageId, publish, this.#allocate(), written);
  }

  /** The connection is gone: what still waits is released (the broker redelivers it). */
  drop(): void {
    for (const w of this.#waiting.splice(0)) w.written?.();
  }

  onPuback(packetId: number): void {
    const inflight = this.#inflight.get(packetId);
    if (!inflight || inflight.qos !== 1) {
      this.#target.log(`PUBACK for unknown packet id ${packetId} ignored`);
      return;
    }
    this.#inflight.delete(packetId);
    this.#target.ack(inflight.consumerId, inflight.messageId);
    this.#pump();
  }

  onPubrec(packetId: number, reasonCode: number): void {
    const inflight = this.#inflight.get(packetId);
    if (!inflight || inflight.qos !== 2) {
      // 5.0 4.3.3: a PUBREC we do not know is answered with PUBREL 0x92.
      if (!this.#pubrel.has(packetId)) {
        this.#sendAck({ type: "pubrel", packetId, reasonCode: this.#options.version === 5 ? 0x92 : 0 });
        return;
      }
    } else {
      this.#inflight.delete(packetId);
      this.#target.ack(inflight.consumerId, inflight.messageId);
    }
    if (reasonCode >= 0x80) {
      // 5.0 [MQTT-4.3.3-4]: a refusing PUBREC ends the exchange; the packet id is free.
      this.#pubrel.delete(packetId);
      this.#pump();
      return;
    }
    this.#pubrel.add(packetId);
    this.#sendAck({ type: "pubrel", packetId, reasonCode: 0 });
  }

  onPubcomp(packetId: number): void {
    if (!this.#pubrel.delete(packetId)) {
      this.#target.log(`PUBCOMP for unknown packet id ${packetId} ignored`);
      return;
    }
    this.#pump();
  }

  #write(
    consumerId: string,
    messageId: string,
    publish: OutboundPublish,
    packetId: number | undefined,
    written: (() => void) | undefined,
  ): void {
    const packet: MqttPublish = { type: "publish", ...publish };
    if (packetId !== undefined) packet.packetId = packetId;
    const alias = this.#alias(publish.topic);
    let bytes: Uint8Array | undefined;
    if (alias !== undefined) {
      const aliased: MqttPublish = {
        ...packet,
        topic: alias.known ? "" : publish.topic,
        properties: { ...publish.properties, topicAlias: alias.alias },
      };
      bytes = this.#target.encode(aliased);
      if (bytes !== undefined) this.#commitAlias(publish.topic, alias.alias);
    } else {
      bytes = this.#target.encode(packet);
    }
    if (bytes === undefined) {
      // [MQTT-3.1.2-25]: too large for the client; dropped as if it had been delivered.
      this.#target.log(`Message ${messageId} to ${publish.topic} exceeds the client's Maximum Packet Size`);
      written?.();
      this.#target.ack(consumerId, messageId);
      if (packetId !== undefined) this.#pump();
      return;
    }
    if (packetId === undefined) {
      this.#target.send(bytes, () => {
        written?.();
        this.#target.ack(consumerId, messageId);
      });
      return;
    }
    this.#inflight.set(packetId, { consumerId, messageId, qos: publish.qos as 1 | 2 });
    this.#target.send(bytes, written);
  }

  #pump(): void {
    while (this.#waiting.length > 0 && this.#inUse() < this.#options.receiveMaximum) {
      const next = this.#waiting.shift()!;
      this.#write(next.consumerId, next.messageId, next.publish, this.#allocate(), next.written);
    }
  }

  #inUse(): number {
    return this.#inflight.size + this.#pubrel.size;
  }

  #allocate(): number {
    for (let i = 0; i < 65535; i++) {
      const id = this.#nextPacketId;
      this.#nextPacketId = id === 65535 ? 1 : id + 1;
      if (!this.#inflight.has(id) && !this.#pubrel.has(id)) return id;
    }
    // Unreachable: the receive maximum (≤ 65535) bounds the ids in use.
    throw new Error("No free MQTT packet identifier");
  }

  /** The alias to use for `topic`, and whether the client already knows it. */
  #alias(topic: string): { alias: number; known: boolean } | undefined {
    const max = this.#options.topicAliasMaximum;
    if (this.#options.version !== 5 || max === 0) return undefined;
    const known = this.#aliases.get(topic);
    if (known !== undefined) return { alias: known, known: true };
    if (this.#aliases.size < max) return { alias: this.#aliases.size + 1, known: false };
    // Full: the least recently used topic gives its alias up.
    const [, lru] = this.#aliases.entries().next().value as [string, number];
    return { alias: lru, known: false };
  }

  #commitAlias(topic: string, alias: number): void {
    const known = this.#aliases.get(topic);
    if (known !== undefined) {
      // Most recently used goes to the end.
      this.#aliases.delete(topic);
      this.#aliases.set(topic, known);
      return;
    }
    for (const [t, a] of this.#aliases) {
      if (a === alias) {
        this.#aliases.delete(t);
        break;
      }
    }
    this.#aliases.set(topic, alias);
  }

  #sendAck(packet: MqttPacket): void {
    const bytes = this.#target.encode(packet);
    if (bytes) this.#target.send(bytes);
  }
}
