/**
 * MQTT 3.1, 3.1.1 and 5.0 packets as plain data: a discriminated union on `type`.
 *
 * One shape serves every version. Fields that only MQTT 5 has (properties, reason codes of
 * acknowledgements, subscription options) are filled with their neutral value when a 3.x
 * packet is decoded, and are not written when a packet is encoded for 3.x.
 *
 * @module
 */

/** The protocol level of the CONNECT packet: 3 = MQTT 3.1 ("MQIsdp"), 4 = 3.1.1, 5 = 5.0. */
export type MqttVersion = 3 | 4 | 5;

/** Quality of service of a publication or subscription. */
export type MqttQoS = 0 | 1 | 2;

/** An MQTT 5 User Property (0x26): a name/value string pair. Order and duplicates are kept. */
export type MqttUserProperty = [name: string, value: string];

/**
 * Every MQTT 5 property (MQTT 5.0 2.2.2.2), keyed by name. Each packet type allows a subset,
 * see the `*Properties` types. Properties that the spec defines as 0/1 bytes are booleans,
 * except Payload Format Indicator and Maximum QoS, whose values carry a meaning of their own.
 */
export interface MqttProperties {
  /** 0x01, byte: 0 = unspecified bytes, 1 = UTF-8 text. */
  payloadFormatIndicator?: 0 | 1;
  /** 0x02, four-byte integer, seconds. */
  messageExpiryInterval?: number;
  /** 0x03, UTF-8 string. */
  contentType?: string;
  /** 0x08, UTF-8 string: a topic name. */
  responseTopic?: string;
  /** 0x09, binary data. */
  correlationData?: Uint8Array;
  /** 0x0B, variable byte integer 1..268,435,455: the one identifier of a SUBSCRIBE. */
  subscriptionIdentifier?: number;
  /** 0x0B, repeatable in PUBLISH: the identifiers of all matching subscriptions. */
  subscriptionIdentifiers?: number[];
  /** 0x11, four-byte integer, seconds. */
  sessionExpiryInterval?: number;
  /** 0x12, UTF-8 string. */
  assignedClientIdentifier?: string;
  /** 0x13, two-byte integer, seconds. */
  serverKeepAlive?: number;
  /** 0x15, UTF-8 string. */
  authenticationMethod?: string;
  /** 0x16, binary data. */
  authenticationData?: Uint8Array;
  /** 0x17, byte 0/1. */
  requestProblemInformation?: boolean;
  /** 0x18, four-byte integer, seconds. */
  willDelayInterval?: number;
  /** 0x19, byte 0/1. */
  requestResponseInformation?: boolean;
  /** 0x1A, UTF-8 string. */
  responseInformation?: string;
  /** 0x1C, UTF-8 string. */
  serverReference?: string;
  /** 0x1F, UTF-8 string. */
  reasonString?: string;
  /** 0x21, two-byte integer, not 0. */
  receiveMaximum?: number;
  /** 0x22, two-byte integer. */
  topicAliasMaximum?: number;
  /** 0x23, two-byte integer, not 0. */
  topicAlias?: number;
  /** 0x24, byte 0/1. */
  maximumQoS?: 0 | 1;
  /** 0x25, byte 0/1. */
  retainAvailable?: boolean;
  /** 0x26, string pair, repeatable. */
  userProperties?: MqttUserProperty[];
  /** 0x27, four-byte integer, not 0. */
  maximumPacketSize?: number;
  /** 0x28, byte 0/1. */
  wildcardSubscriptionAvailable?: boolean;
  /** 0x29, byte 0/1. */
  subscriptionIdentifiersAvailable?: boolean;
  /** 0x2A, byte 0/1. */
  sharedSubscriptionAvailable?: boolean;
}

/** CONNECT properties (MQTT 5.0 3.1.2.11). */
export type MqttConnectProperties = Pick<
  MqttProperties,
  | "sessionExpiryInterval"
  | "receiveMaximum"
  | "maximumPacketSize"
  | "topicAliasMaximum"
  | "requestResponseInformation"
  | "requestProblemInformation"
  | "userProperties"
  | "authenticationMethod"
  | "authenticationData"
>;

/** Will properties (MQTT 5.0 3.1.3.2). */
export type MqttWillProperties = Pick<
  MqttProperties,
  | "willDelayInterval"
  | "payloadFormatIndicator"
  | "messageExpiryInterval"
  | "contentType"
  | "responseTopic"
  | "correlationData"
  | "userProperties"
>;

/** CONNACK properties (MQTT 5.0 3.2.2.3). */
export type MqttConnackProperties = Pick<
  MqttProperties,
  | "sessionExpiryInterval"
  | "receiveMaximum"
  | "maximumQoS"
  | "retainAvailable"
  | "maximumPacketSize"
  | "assignedClientIdentifier"
  | "topicAliasMaximum"
  | "reasonString"
  | "userProperties"
  | "wildcardSubscriptionAvailable"
  | "subscriptionIdentifiersAvailable"
  | "sharedSubscriptionAvailable"
  | "serverKeepAlive"
  | "responseInformation"
  | "serverReference"
  | "authenticationMethod"
  | "authenticationData"
>;

/** PUBLISH properties (MQTT 5.0 3.3.2.3). */
export type MqttPublishProperties = Pick<
  MqttProperties,
  | "payloadFormatIndicator"
  | "messageExpiryInterval"
  | "topicAlias"
  | "responseTopic"
  | "correlationData"
  | "userProperties"
  | "subscriptionIdentifiers"
  | "contentType"
>;

/** PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK and UNSUBACK properties. */
export type MqttAckProperties = Pick<MqttProperties, "reasonString" | "userProperties">;

/** SUBSCRIBE properties (MQTT 5.0 3.8.2.1). */
export type MqttSubscribeProperties = Pick<MqttProperties, "subscriptionIdentifier" | "userProperties">;

/** UNSUBSCRIBE properties (MQTT 5.0 3.10.2.1). */
export type MqttUnsubscribeProperties = Pick<MqttProperties, "userProperties">;

/** DISCONNECT properties (MQTT 5.0 3.14.2.2). */
export type MqttDisconnectProperties = Pick<
  MqttProperties,
  "sessionExpiryInterval" | "reasonString" | "userProperties" | "serverReference"
>;

/** AUTH properties (MQTT 5.0 3.15.2.2). */
export type MqttAuthProperties = Pick<
  MqttProperties,
  "authenticationMethod" | "authenticationData" | "reasonString" | "userProperties"
>;

/** The Will of a CONNECT. */
export interface MqttWill {
  topic: string;
  payload: Uint8Array;
  qos: MqttQoS;
  retain: boolean;
  /** MQTT 5 only. */
  properties?: MqttWillProperties;
}

/** CONNECT. The protocol name and level come from the version given to `encodePacket`. */
export interface MqttConnect {
  type: "connect";
  clientId: string;
  /** Clean Session (3.x) or Clean Start (5.0). */
  clean: boolean;
  /** Seconds; 0 = no keep-alive. */
  keepAlive: number;
  will?: MqttWill;
  username?: string;
  password?: Uint8Array;
  properties?: MqttConnectProperties;
}

/** CONNACK. */
export interface MqttConnack {
  type: "connack";
  /** Always false in 3.1, whose CONNACK has no such flag. */
  sessionPresent: boolean;
  /** 3.x: the return code 0..5 (see `MqttConnackReturnCode`); 5.0: the reason code. */
  reasonCode: number;
  properties?: MqttConnackProperties;
}

/** PUBLISH. */
export interface MqttPublish {
  type: "publish";
  /** May be "" in MQTT 5 when `properties.topicAlias` names the topic. */
  topic: string;
  payload: Uint8Array;
  qos: MqttQoS;
  retain: boolean;
  dup: boolean;
  /** Present exactly when `qos > 0`. */
  packetId?: number;
  properties?: MqttPublishProperties;
}

/** PUBACK, PUBREC, PUBREL or PUBCOMP. */
export interface MqttPubAck {
  type: "puback" | "pubrec" | "pubrel" | "pubcomp";
  packetId: number;
  /** MQTT 5 reason code; 0 for 3.x. */
  reasonCode: number;
  properties?: MqttAckProperties;
}

/** One topic filter of a SUBSCRIBE with its options. */
export interface MqttSubscription {
  /** As sent, `$share/group/filter` included: the broker interprets shared subscriptions. */
  topicFilter: string;
  qos: MqttQoS;
  /** MQTT 5 only (false for 3.x). */
  noLocal: boolean;
  /** MQTT 5 only (false for 3.x). */
  retainAsPublished: boolean;
  /** MQTT 5 only (0 for 3.x): 0 = send retained, 1 = only for a new subscription, 2 = never. */
  retainHandling: 0 | 1 | 2;
}

/** SUBSCRIBE. */
export interface MqttSubscribe {
  type: "subscribe";
  packetId: number;
  subscriptions: MqttSubscription[];
  properties?: MqttSubscribeProperties;
}

/** SUBACK. */
export interface MqttSuback {
  type: "suback";
  packetId: number;
  /** One per subscription. 3.x return codes: 0, 1, 2 (granted QoS) or 0x80 (failure). */
  reasonCodes: number[];
  properties?: MqttAckProperties;
}

/** UNSUBSCRIBE. */
export interface MqttUnsubscribe {
  type: "unsubscribe";
  packetId: number;
  topicFilters: string[];
  properties?: MqttUnsubscribeProperties;
}

/** UNSUBACK. */
export interface MqttUnsuback {
  type: "unsuback";
  packetId: number;
  /** MQTT 5: one per topic filter. Empty for 3.x, whose UNSUBACK has none. */
  reasonCodes: number[];
  properties?: MqttAckProperties;
}

/** PINGREQ or PINGRESP. */
export interface MqttPing {
  type: "pingreq" | "pingresp";
}

/** DISCONNECT. */
export interface MqttDisconnect {
  type: "disconnect";
  /** MQTT 5 reason code; 0 for 3.x. */
  reasonCode: number;
  properties?: MqttDisconnectProperties;
}

/** AUTH (MQTT 5 only). */
export interface MqttAuth {
  type: "auth";
  reasonCode: number;
  properties?: MqttAuthProperties;
}

/** Any MQTT control packet. */
export type MqttPacket =
  | MqttConnect
  | MqttConnack
  | MqttPublish
  | MqttPubAck
  | MqttSubscribe
  | MqttSuback
  | MqttUnsubscribe
  | MqttUnsuback
  | MqttPing
  | MqttDisconnect
  | MqttAuth;

/** The `type` of a packet. */
export type MqttPacketType = MqttPacket["type"];

/** The 4-bit control packet type of each packet (MQTT 3.1.1 2.2.1, 5.0 2.1.2). */
export const PACKET_TYPE_CODES: Readonly<Record<MqttPacketType, number>> = Object.freeze({
  connect: 1,
  connack: 2,
  publish: 3,
  puback: 4,
  pubrec: 5,
  pubrel: 6,
  pubcomp: 7,
  subscribe: 8,
  suback: 9,
  unsubscribe: 10,
  unsuback: 11,
  pingreq: 12,
  pingresp: 13,
  disconnect: 14,
  auth: 15,
});

/** MQTT 5 reason codes (MQTT 5.0 2.4) by name. */
export const MqttReasonCode = Object.freeze(
  {
    Success: 0x00,
    NormalDisconnection: 0x00,
    GrantedQoS0: 0x00,
    GrantedQoS1: 0x01,
    GrantedQoS2: 0x02,
    DisconnectWithWillMessage: 0x04,
    NoMatchingSubscribers: 0x10,
    NoSubscriptionExisted: 0x11,
    ContinueAuthentication: 0x18,
    ReAuthenticate: 0x19,
    UnspecifiedError: 0x80,
    MalformedPacket: 0x81,
    ProtocolError: 0x82,
    ImplementationSpecificError: 0x83,
    UnsupportedProtocolVersion: 0x84,
    ClientIdentifierNotValid: 0x85,
    BadUserNameOrPassword: 0x86,
    NotAuthorized: 0x87,
    ServerUnavailable: 0x88,
    ServerBusy: 0x89,
    Banned: 0x8a,
    ServerShuttingDown: 0x8b,
    BadAuthenticationMethod: 0x8c,
    KeepAliveTimeout: 0x8d,
    SessionTakenOver: 0x8e,
    TopicFilterInvalid: 0x8f,
    TopicNameInvalid: 0x90,
    PacketIdentifierInUse: 0x91,
    PacketIdentifierNotFound: 0x92,
    ReceiveMaximumExceeded: 0x93,
    TopicAliasInvalid: 0x94,
    PacketTooLarge: 0x95,
    MessageRateTooHigh: 0x96,
    QuotaExceeded: 0x97,
    AdministrativeAction: 0x98,
    PayloadFormatInvalid: 0x99,
    RetainNotSupported: 0x9a,
    QoSNotSupported: 0x9b,
    UseAnotherServer: 0x9c,
    ServerMoved: 0x9d,
    SharedSubscriptionsNotSupported: 0x9e,
    ConnectionRateExceeded: 0x9f,
    MaximumConnectTime: 0xa0,
    SubscriptionIdentifiersNotSupported: 0xa1,
    WildcardSubscriptionsNotSupported: 0xa2,
  } as const,
);

/** MQTT 3.1/3.1.1 CONNACK return codes (3.1.1 3.2.2.3). */
export const MqttConnackReturnCode = Object.freeze(
  {
    Accepted: 0,
    UnacceptableProtocolVersion: 1,
    IdentifierRejected: 2,
    ServerUnavailable: 3,
    BadUserNameOrPassword: 4,
    NotAuthorized: 5,
  } as const,
);

/** The largest Remaining Length a 4-byte variable byte integer can carry. */
export const MAX_REMAINING_LENGTH = 268_435_455;

/** The largest packet MQTT can express: type byte, 4 length bytes, MAX_REMAINING_LENGTH. */
export const MAX_PACKET_SIZE = 1 + 4 + MAX_REMAINING_LENGTH;

const CONNACK_CODES_5 = [
  0x00,
  0x80,
  0x81,
  0x82,
  0x83,
  0x84,
  0x85,
  0x86,
  0x87,
  0x88,
  0x89,
  0x8a,
  0x8c,
  0x90,
  0x95,
  0x97,
  0x99,
  0x9a,
  0x9b,
  0x9c,
  0x9d,
  0x9f,
];
const PUBACK_CODES_5 = [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99];
const PUBREL_CODES_5 = [0x00, 0x92];
const SUBACK_CODES_5 = [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2];
const UNSUBACK_CODES_5 = [0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91];
const DISCONNECT_CODES_5 = [
  0x00,
  0x04,
  0x80,
  0x81,
  0x82,
  0x83,
  0x87,
  0x89,
  0x8b,
  0x8d,
  0x8e,
  0x8f,
  0x90,
  0x93,
  0x94,
  0x95,
  0x96,
  0x97,
  0x98,
  0x99,
  0x9a,
  0x9b,
  0x9c,
  0x9d,
  0x9e,
  0x9f,
  0xa0,
  0xa1,
  0xa2,
];
const AUTH_CODES_5 = [0x00, 0x18, 0x19];

function codeSet(codes: number[]): Uint8Array {
  const set = new Uint8Array(256);
  for (const code of codes) set[code] = 1;
  return set;
}

/** Which reason codes each packet type may carry, as 256-entry membership tables. */
const REASON_CODES_5: Readonly<Partial<Record<MqttPacketType, Uint8Array>>> = {
  connack: codeSet(CONNACK_CODES_5), // [MQTT-3.2.2-8]
  puback: codeSet(PUBACK_CODES_5), // [MQTT-3.4.2-1]
  pubrec: codeSet(PUBACK_CODES_5), // [MQTT-3.5.2-1]
  pubrel: codeSet(PUBREL_CODES_5), // [MQTT-3.6.2-1]
  pubcomp: codeSet(PUBREL_CODES_5), // [MQTT-3.7.2-1]
  suback: codeSet(SUBACK_CODES_5), // [MQTT-3.9.3-2]
  unsuback: codeSet(UNSUBACK_CODES_5), // [MQTT-3.11.3-2]
  disconnect: codeSet(DISCONNECT_CODES_5), // [MQTT-3.14.2-1]
  auth: codeSet(AUTH_CODES_5), // [MQTT-3.15.2-1]
};
const CONNACK_CODES_3 = codeSet([0, 1, 2, 3, 4, 5]); // 3.1.1 3.2.2.3: 6-255 reserved
const SUBACK_CODES_3 = codeSet([0x00, 0x01, 0x02, 0x80]); // 3.1.1 [MQTT-3.9.3-2]

/** Whether `code` is a reason (5.0) or return (3.x) code that `type` may carry under `version`. */
export function isValidReasonCode(type: MqttPacketType, code: number, version: MqttVersion): boolean {
  if (!Number.isInteger(code) || code < 0 || code > 255) return false;
  if (version === 5) return REASON_CODES_5[type]?.[code] === 1;
  if (type === "connack") return CONNACK_CODES_3[code] === 1;
  // 3.1 has no failure code, but accepting 0x80 there costs nothing and matches 3.1.1 peers.
  if (type === "suback") return SUBACK_CODES_3[code] === 1;
  return code === 0;
}
