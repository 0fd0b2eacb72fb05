/**
 * STOMP destination names ↔ broker destinations (semantics.md §2.1), including
 * the per-connection `/temp-queue/NAME` names, which map to one temporary
 * destination per NAME and come back out under the name the client used.
 */
import { BrokerError } from "../../broker/errors.ts";
import { type Destination, parseDestination, qualifiedName } from "../../message/destination.ts";

const PREFIXES: readonly [string, Destination["type"], boolean][] = [
  ["/queue/", "queue", false],
  ["/topic/", "topic", false],
  ["/temp-queue/", "temp-queue", true],
  ["/temp-topic/", "temp-topic", true],
  ["/remote-temp-queue/", "temp-queue", false],
  ["/remote-temp-topic/", "temp-topic", false],
];

export class StompDestinations {
  readonly #create: (type: "temp-queue" | "temp-topic") => Promise<Destination>;
  readonly #temporaries = new Map<string, Promise<Destination>>();
  readonly #names = new Map<string, string>();

  constructor(create: (type: "temp-queue" | "temp-topic") => Promise<Destination>) {
    this.#create = create;
  }

  /**
   * Resolves a STOMP destination. With `fallback`, a name without a STOMP
   * prefix is read as an ActiveMQ destination (`queue://X`, `topic://X`, or a
   * plain queue name); without it such a name is refused.
   */
  async resolve(text: string, fallback: boolean): Promise<Destination> {
    const parts = text.split(",").map((p) => p.trim()).filter((p) => p.length > 0);
    if (parts.length === 0) {
      throw new BrokerError("invalid-destination", `Illegal destination name: [${text}]`);
    }
    const members: Destination[] = [];
    for (const p of parts) members.push(await this.#resolveOne(p, fallback));
    if (members.length === 1) return members[0];
    const outer = members[0].type;
    return { type: outer, name: members.map((m) => m.type === outer ? m.name : qualifiedName(m)).join(",") };
  }

  /** Like `resolve` but never creates anything; undefined when the name is not a STOMP destination. */
  peek(text: string): Destination | undefined {
    for (const [prefix, type, temporary] of PREFIXES) {
      if (!text.startsWith(prefix)) continue;
      const name = text.slice(prefix.length);
      if (name.length === 0 || temporary) return undefined;
      return { type, name };
    }
    return undefined;
  }

  async #resolveOne(text: string, fallback: boolean): Promise<Destination> {
    for (const [prefix, type, temporary] of PREFIXES) {
      if (!text.startsWith(prefix)) continue;
      const name = text.slice(prefix.length);
      if (name.length === 0) {
        throw new BrokerError("invalid-destination", `Illegal destination name: [${text}]`);
      }
      if (!temporary) return { type, name };
      let created = this.#temporaries.get(text);
      if (!created) {
        created = this.#create(type as "temp-queue" | "temp-topic");
        this.#temporaries.set(text, created);
        created.then((d) => this.#names.set(qualifiedName(d), text), () => this.#temporaries.delete(text));
      }
      return await created;
    }
    if (!fallback) {
      throw new BrokerError(
        "invalid-destination",
        `Illegal destination name: [${text}] -- ActiveMQ STOMP destinations must begin with one of: ` +
          `/queue/ /topic/ /temp-queue/ /temp-topic/`,
      );
    }
    return parseDestination(text, "queue");
  }

  /** The name a client of this connection sees for a destination. */
  toStomp(d: Destination): string {
    const own = this.#names.get(qualifiedName(d));
    if (own) return own;
    switch (d.type) {
      case "queue":
        return `/queue/${d.name}`;
      case "topic":
        return `/topic/${d.name}`;
      case "temp-queue":
        return `/remote-temp-queue/${d.name}`;
      case "temp-topic":
        return `/remote-temp-topic/${d.name}`;
    }
  }
}
