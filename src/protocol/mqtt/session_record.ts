/**
 * The subscriptions of a persistent MQTT session, kept where they survive a broker restart.
 *
 * The core keeps durable subscriptions (QoS ≥ 1 subscriptions of persistent sessions) and
 * their messages, but a connection cannot ask it which durable subscriptions its client id
 * has. So that a reconnecting client gets its subscriptions back without subscribing again
 * (and a clean session can remove them), the converter keeps one record per client id: a
 * retained message on the topic `ActiveMQ.MQTT.Session.<client id>` whose body is JSON. The
 * core stores retained messages with the rest of its state, and a retroactive consumer reads
 * the record back. Filters that start with a wildcard never match `ActiveMQ.…` topics on
 * the MQTT side (see `isSystemTopic`); JMS and STOMP subscribers of `>` can see the records,
 * as they see advisory messages.
 *
 * @module
 */

import type { BrokerSession } from "../../broker/types.ts";
import type { Destination } from "../../message/destination.ts";
import { bodyAsText, DEFAULT_PRIORITY, type Message, textBody } from "../../message/message.ts";
import type { MqttQoS } from "./codec.ts";
import { RETAIN_PROPERTY } from "./message_mapping.ts";

/** One subscription of a session, as the client made it. */
export interface RecordedSubscription {
  /** As sent, `$share/…` included. */
  topicFilter: string;
  qos: MqttQoS;
  noLocal: boolean;
  retainAsPublished: boolean;
  subscriptionId?: number;
}

export interface SessionRecord {
  subscriptions: RecordedSubscription[];
  /** Epoch ms when an MQTT 5 session expires while its client is away; 0 = it does not. */
  expiresAt: number;
}

/** The consumer id the record is read with, on the session of the client id. */
export const RECORD_CONSUMER_ID = "mqtt-session-record";

const RECORD_VERSION = 1;

/** `ActiveMQ.MQTT.Session.<id>`, the id percent-encoded so that `.`, `*`, `>` and `,` stay literal. */
export function sessionRecordTopic(clientId: string): Destination {
  const safe = encodeURIComponent(clientId).replace(
    /[.*!'()~]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return { type: "topic", name: `ActiveMQ.MQTT.Session.${safe}` };
}

/**
 * Reads the record of the session's client id. `inbox` is where the session's listener
 * puts deliveries for `RECORD_CONSUMER_ID`: the core replays the retained record while it
 * adds the consumer, and replies come after the deliveries they caused, so once the add
 * resolves the record (if any) is in the inbox.
 */
export async function readSessionRecord(
  session: BrokerSession,
  clientId: string,
  inbox: Message[],
): Promise<SessionRecord | undefined> {
  inbox.length = 0;
  const added = session.addConsumer({
    consumerId: RECORD_CONSUMER_ID,
    destination: sessionRecordTopic(clientId),
    ackMode: "individual",
    retroactive: true,
    prefetch: 1,
  });
  // Posted in the same turn, so the core removes the consumer right after adding it.
  const removed = session.removeConsumer(RECORD_CONSUMER_ID);
  try {
    await added;
  } finally {
    await removed.catch(() => {});
  }
  const message = inbox.pop();
  inbox.length = 0;
  return message ? parseRecord(message) : undefined;
}

function parseRecord(message: Message): SessionRecord | undefined {
  try {
    const json = JSON.parse(bodyAsText(message));
    if (json?.version !== RECORD_VERSION || !Array.isArray(json.subscriptions)) return undefined;
    const subscriptions: RecordedSubscription[] = [];
    for (const s of json.subscriptions) {
      if (typeof s?.topicFilter !== "string" || ![0, 1, 2].includes(s.qos)) continue;
      const sub: RecordedSubscription = {
        topicFilter: s.topicFilter,
        qos: s.qos,
        noLocal: s.noLocal === true,
        retainAsPublished: s.retainAsPublished === true,
      };
      if (Number.isInteger(s.subscriptionId) && s.subscriptionId > 0) sub.subscriptionId = s.subscriptionId;
      subscriptions.push(sub);
    }
    const expiresAt = Number.isFinite(json.expiresAt) ? Number(json.expiresAt) : 0;
    return { subscriptions, expiresAt };
  } catch {
    return undefined;
  }
}

/** Replaces the record of the session's client id; `undefined` clears it. */
export function writeSessionRecord(
  session: BrokerSession,
  clientId: string,
  record: SessionRecord | undefined,
  messageId: string,
): Promise<void> {
  const body = record ? textBody(JSON.stringify({ version: RECORD_VERSION, ...record })) : new Uint8Array(0); // an empty retained message clears the topic's retained message
  return session.send({
    messageId,
    destination: sessionRecordTopic(clientId),
    priority: DEFAULT_PRIORITY,
    expiration: 0,
    timestamp: Date.now(),
    persistent: true,
    redeliveryCounter: 0,
    properties: { [RETAIN_PROPERTY]: true },
    bodyKind: "text",
    body,
  });
}
