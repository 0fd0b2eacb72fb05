/**
 * OpenWire data structures as typed plain objects (openwire.md sections 6-10). Every
 * structure carries its data-structure type code in `type`; the other properties are
 * the OpenWire fields in wire order. Three fields are renamed because `type` is taken:
 * `Message.type` → `jmsType`, `TransactionInfo.type` and `JournalTransaction.type` →
 * `transactionType`. Misspelled Java names are spelled correctly here
 * (`recievedByDFBridge` → `receivedByDFBridge`, `subcriptionName` → `subscriptionName`).
 *
 * Kinds: `long` fields are numbers (exact within ±2^53, which covers every id, sequence
 * and timestamp in practice); nullable wire values are `| null`. A decoded structure
 * always has every field, also those its protocol version lacks (their defaults).
 * Decoded ids and destinations may be shared through the value cache: treat decoded
 * structures as immutable.
 *
 * @module
 */

/** Data-structure type codes (openwire.md section 6). */
export const OpenWireType = {
  WireFormatInfo: 1,
  BrokerInfo: 2,
  ConnectionInfo: 3,
  SessionInfo: 4,
  ConsumerInfo: 5,
  ProducerInfo: 6,
  TransactionInfo: 7,
  DestinationInfo: 8,
  RemoveSubscriptionInfo: 9,
  KeepAliveInfo: 10,
  ShutdownInfo: 11,
  RemoveInfo: 12,
  ControlCommand: 14,
  FlushCommand: 15,
  ConnectionError: 16,
  ConsumerControl: 17,
  ConnectionControl: 18,
  ProducerAck: 19,
  MessagePull: 20,
  MessageDispatch: 21,
  MessageAck: 22,
  ActiveMQMessage: 23,
  ActiveMQBytesMessage: 24,
  ActiveMQMapMessage: 25,
  ActiveMQObjectMessage: 26,
  ActiveMQStreamMessage: 27,
  ActiveMQTextMessage: 28,
  ActiveMQBlobMessage: 29,
  Response: 30,
  ExceptionResponse: 31,
  DataResponse: 32,
  DataArrayResponse: 33,
  IntegerResponse: 34,
  DiscoveryEvent: 40,
  JournalTopicAck: 50,
  JournalQueueAck: 52,
  JournalTrace: 53,
  JournalTransaction: 54,
  SubscriptionInfo: 55,
  PartialCommand: 60,
  LastPartialCommand: 61,
  ReplayCommand: 65,
  MessageDispatchNotification: 90,
  NetworkBridgeFilter: 91,
  BrokerSubscriptionInfo: 92,
  ActiveMQQueue: 100,
  ActiveMQTopic: 101,
  ActiveMQTempQueue: 102,
  ActiveMQTempTopic: 103,
  MessageId: 110,
  LocalTransactionId: 111,
  XATransactionId: 112,
  ConnectionId: 120,
  SessionId: 121,
  ConsumerId: 122,
  ProducerId: 123,
  BrokerId: 124,
} as const;

/** MessageAck.ackType values (openwire.md 8.11). */
export const AckType = {
  Delivered: 0,
  Poison: 1,
  Standard: 2,
  Redelivered: 3,
  Individual: 4,
  Unmatched: 5,
  Expired: 6,
} as const;

/** TransactionInfo.transactionType values (openwire.md 8.8). */
export const TransactionType = {
  Begin: 0,
  Prepare: 1,
  CommitOnePhase: 2,
  CommitTwoPhase: 3,
  Rollback: 4,
  Recover: 5,
  Forget: 6,
  End: 7,
} as const;

/** DestinationInfo.operationType values (openwire.md 8.9). */
export const DestinationOperation = { Add: 0, Remove: 1 } as const;

// ---------------------------------------------------------------- ids and destinations

export interface ConnectionId {
  type: 120;
  value: string | null;
}

export interface SessionId {
  type: 121;
  connectionId: string | null;
  value: number;
}

/** Wire order: value before sessionId. */
export interface ProducerId {
  type: 123;
  connectionId: string | null;
  value: number;
  sessionId: number;
}

/** Wire order: sessionId before value. */
export interface ConsumerId {
  type: 122;
  connectionId: string | null;
  sessionId: number;
  value: number;
}

export interface BrokerId {
  type: 124;
  value: string | null;
}

export interface MessageId {
  type: 110;
  /** v10+: a foreign id's text form. */
  textView: string | null;
  producerId: ProducerId | null;
  producerSequenceId: number;
  brokerSequenceId: number;
}

/** Wire order: value before connectionId. */
export interface LocalTransactionId {
  type: 111;
  value: number;
  connectionId: ConnectionId | null;
}

export interface XATransactionId {
  type: 112;
  formatId: number;
  globalTransactionId: Uint8Array | null;
  branchQualifier: Uint8Array | null;
}

export type TransactionId = LocalTransactionId | XATransactionId;

/** ActiveMQQueue (100), ActiveMQTopic (101), ActiveMQTempQueue (102), ActiveMQTempTopic (103). */
export interface OpenWireDestination {
  type: 100 | 101 | 102 | 103;
  physicalName: string | null;
}

// ---------------------------------------------------------------- throwables

export interface StackTraceElement {
  className: string | null;
  methodName: string | null;
  fileName: string | null;
  lineNumber: number;
}

/**
 * A Java exception on the wire. `stackTrace` and `cause` travel only when
 * stackTraceEnabled was negotiated; otherwise they decode as `[]` and `null`.
 */
export interface OpenWireThrowable {
  className: string | null;
  message: string | null;
  stackTrace: StackTraceElement[];
  cause: OpenWireThrowable | null;
}

// ---------------------------------------------------------------- commands

/** Fields every BaseCommand starts with. */
export interface BaseCommand {
  commandId: number;
  responseRequired: boolean;
}

export interface WireFormatInfo {
  type: 1;
  /** Always the 8 ASCII bytes `ActiveMQ`. */
  magic: Uint8Array;
  version: number;
  /** A marshalled primitive map (see wire_format.ts for the typed view). */
  marshalledProperties: Uint8Array | null;
}

export interface BrokerInfo extends BaseCommand {
  type: 2;
  brokerId: BrokerId | null;
  brokerURL: string | null;
  peerBrokerInfos: (BrokerInfo | null)[] | null;
  brokerName: string | null;
  slaveBroker: boolean;
  masterBroker: boolean;
  faultTolerantConfiguration: boolean;
  duplexConnection: boolean;
  networkConnection: boolean;
  connectionId: number;
  brokerUploadUrl: string | null;
  networkProperties: string | null;
}

export interface ConnectionInfo extends BaseCommand {
  type: 3;
  connectionId: ConnectionId | null;
  clientId: string | null;
  password: string | null;
  userName: string | null;
  brokerPath: (BrokerId | null)[] | null;
  brokerMasterConnector: boolean;
  manageable: boolean;
  clientMaster: boolean;
  faultTolerant: boolean;
  failoverReconnect: boolean;
  clientIp: string | null;
}

export interface SessionInfo extends BaseCommand {
  type: 4;
  sessionId: SessionId | null;
}

export interface ConsumerInfo extends BaseCommand {
  type: 5;
  consumerId: ConsumerId | null;
  browser: boolean;
  destination: OpenWireDestination | null;
  prefetchSize: number;
  maximumPendingMessageLimit: number;
  dispatchAsync: boolean;
  selector: string | null;
  clientId: string | null;
  subscriptionName: string | null;
  noLocal: boolean;
  exclusive: boolean;
  retroactive: boolean;
  /** A byte: 0 normal, 10 high, -5 network consumer. */
  priority: number;
  brokerPath: (BrokerId | null)[] | null;
  additionalPredicate: DataStructure | null;
  networkSubscription: boolean;
  optimizedAcknowledge: boolean;
  noRangeAcks: boolean;
  networkConsumerPath: (ConsumerId | null)[] | null;
}

export interface ProducerInfo extends BaseCommand {
  type: 6;
  producerId: ProducerId | null;
  destination: OpenWireDestination | null;
  brokerPath: (BrokerId | null)[] | null;
  dispatchAsync: boolean;
  windowSize: number;
}

export interface TransactionInfo extends BaseCommand {
  type: 7;
  connectionId: ConnectionId | null;
  transactionId: TransactionId | null;
  /** OpenWire `type`: one of {@link TransactionType}. */
  transactionType: number;
}

export interface DestinationInfo extends BaseCommand {
  type: 8;
  connectionId: ConnectionId | null;
  destination: OpenWireDestination | null;
  operationType: number;
  timeout: number;
  brokerPath: (BrokerId | null)[] | null;
}

export interface RemoveSubscriptionInfo extends BaseCommand {
  type: 9;
  connectionId: ConnectionId | null;
  subscriptionName: string | null;
  clientId: string | null;
}

export interface KeepAliveInfo extends BaseCommand {
  type: 10;
}

export interface ShutdownInfo extends BaseCommand {
  type: 11;
}

export interface RemoveInfo extends BaseCommand {
  type: 12;
  /** A ConnectionId, SessionId, ConsumerId or ProducerId. */
  objectId: DataStructure | null;
  lastDeliveredSequenceId: number;
}

export interface ControlCommand extends BaseCommand {
  type: 14;
  command: string | null;
}

export interface FlushCommand extends BaseCommand {
  type: 15;
}

export interface ConnectionError extends BaseCommand {
  type: 16;
  exception: OpenWireThrowable | null;
  connectionId: ConnectionId | null;
}

export interface ConsumerControl extends BaseCommand {
  type: 17;
  destination: OpenWireDestination | null;
  close: boolean;
  consumerId: ConsumerId | null;
  prefetch: number;
  flush: boolean;
  start: boolean;
  stop: boolean;
}

export interface ConnectionControl extends BaseCommand {
  type: 18;
  close: boolean;
  exit: boolean;
  faultTolerant: boolean;
  resume: boolean;
  suspend: boolean;
  connectedBrokers: string | null;
  reconnectTo: string | null;
  rebalanceConnection: boolean;
  token: Uint8Array | null;
}

export interface ProducerAck extends BaseCommand {
  type: 19;
  producerId: ProducerId | null;
  size: number;
}

export interface MessagePull extends BaseCommand {
  type: 20;
  consumerId: ConsumerId | null;
  destination: OpenWireDestination | null;
  timeout: number;
  correlationId: string | null;
  messageId: MessageId | null;
}

export interface MessageDispatch extends BaseCommand {
  type: 21;
  consumerId: ConsumerId | null;
  destination: OpenWireDestination | null;
  /** Null marks the end of a browse or an empty pull. */
  message: OpenWireMessage | null;
  redeliveryCounter: number;
}

export interface MessageAck extends BaseCommand {
  type: 22;
  destination: OpenWireDestination | null;
  transactionId: TransactionId | null;
  consumerId: ConsumerId | null;
  /** One of {@link AckType}. */
  ackType: number;
  firstMessageId: MessageId | null;
  lastMessageId: MessageId | null;
  messageCount: number;
  poisonCause: OpenWireThrowable | null;
}

/** Type codes of the message structures other than the blob message. */
export type PlainMessageType = 23 | 24 | 25 | 26 | 27 | 28;

/** Fields shared by every message type (openwire.md 9.1). */
export interface MessageFields extends BaseCommand {
  producerId: ProducerId | null;
  destination: OpenWireDestination | null;
  transactionId: TransactionId | null;
  originalDestination: OpenWireDestination | null;
  messageId: MessageId | null;
  originalTransactionId: TransactionId | null;
  groupID: string | null;
  groupSequence: number;
  correlationId: string | null;
  persistent: boolean;
  expiration: number;
  /** A byte, JMSPriority. */
  priority: number;
  replyTo: OpenWireDestination | null;
  timestamp: number;
  /** OpenWire `type` (JMSType). */
  jmsType: string | null;
  content: Uint8Array | null;
  marshalledProperties: Uint8Array | null;
  dataStructure: DataStructure | null;
  targetConsumerId: ConsumerId | null;
  compressed: boolean;
  redeliveryCounter: number;
  brokerPath: (BrokerId | null)[] | null;
  arrival: number;
  userID: string | null;
  /** OpenWire `recievedByDFBridge`. */
  receivedByDFBridge: boolean;
  droppable: boolean;
  cluster: (BrokerId | null)[] | null;
  brokerInTime: number;
  brokerOutTime: number;
  jmsxGroupFirstForConsumer: boolean;
}

/** ActiveMQMessage (23), Bytes (24), Map (25), Object (26), Stream (27), Text (28). */
export interface ActiveMQMessage extends MessageFields {
  type: PlainMessageType;
}

export interface ActiveMQBlobMessage extends MessageFields {
  type: 29;
  remoteBlobUrl: string | null;
  mimeType: string | null;
  deletedByBroker: boolean;
}

export type OpenWireMessage = ActiveMQMessage | ActiveMQBlobMessage;

export interface Response extends BaseCommand {
  type: 30;
  correlationId: number;
}

export interface ExceptionResponse extends BaseCommand {
  type: 31;
  correlationId: number;
  exception: OpenWireThrowable | null;
}

export interface DataResponse extends BaseCommand {
  type: 32;
  correlationId: number;
  data: DataStructure | null;
}

export interface DataArrayResponse extends BaseCommand {
  type: 33;
  correlationId: number;
  data: (DataStructure | null)[] | null;
}

export interface IntegerResponse extends BaseCommand {
  type: 34;
  correlationId: number;
  result: number;
}

export interface DiscoveryEvent {
  type: 40;
  serviceName: string | null;
  brokerName: string | null;
}

export interface JournalTopicAck {
  type: 50;
  destination: OpenWireDestination | null;
  messageId: MessageId | null;
  messageSequenceId: number;
  /** OpenWire `subscritionName`. */
  subscriptionName: string | null;
  clientId: string | null;
  transactionId: TransactionId | null;
}

export interface JournalQueueAck {
  type: 52;
  destination: OpenWireDestination | null;
  messageAck: MessageAck | null;
}

export interface JournalTrace {
  type: 53;
  message: string | null;
}

export interface JournalTransaction {
  type: 54;
  transactionId: TransactionId | null;
  /** OpenWire `type`: 1 XA_PREPARE … 5 LOCAL_ROLLBACK. */
  transactionType: number;
  wasPrepared: boolean;
}

export interface SubscriptionInfo {
  type: 55;
  clientId: string | null;
  destination: OpenWireDestination | null;
  selector: string | null;
  subscriptionName: string | null;
  subscribedDestination: OpenWireDestination | null;
  noLocal: boolean;
}

/** UDP fragments: commandId and data only (no responseRequired). */
export interface PartialCommand {
  type: 60 | 61;
  commandId: number;
  data: Uint8Array | null;
}

export interface ReplayCommand extends BaseCommand {
  type: 65;
  firstNakNumber: number;
  lastNakNumber: number;
}

export interface MessageDispatchNotification extends BaseCommand {
  type: 90;
  consumerId: ConsumerId | null;
  destination: OpenWireDestination | null;
  deliverySequenceId: number;
  messageId: MessageId | null;
}

/** v1-v9 carry `networkTTL`; v10+ carry `messageTTL` and `consumerTTL` instead. */
export interface NetworkBridgeFilter {
  type: 91;
  networkTTL: number;
  networkBrokerId: BrokerId | null;
  messageTTL: number;
  consumerTTL: number;
}

export interface BrokerSubscriptionInfo extends BaseCommand {
  type: 92;
  brokerId: BrokerId | null;
  brokerName: string | null;
  subscriptionInfos: (SubscriptionInfo | null)[] | null;
}

/** Every OpenWire data structure. */
export type DataStructure =
  | WireFormatInfo
  | BrokerInfo
  | ConnectionInfo
  | SessionInfo
  | ConsumerInfo
  | ProducerInfo
  | TransactionInfo
  | DestinationInfo
  | RemoveSubscriptionInfo
  | KeepAliveInfo
  | ShutdownInfo
  | RemoveInfo
  | ControlCommand
  | FlushCommand
  | ConnectionError
  | ConsumerControl
  | ConnectionControl
  | ProducerAck
  | MessagePull
  | MessageDispatch
  | MessageAck
  | ActiveMQMessage
  | ActiveMQBlobMessage
  | Response
  | ExceptionResponse
  | DataResponse
  | DataArrayResponse
  | IntegerResponse
  | DiscoveryEvent
  | JournalTopicAck
  | JournalQueueAck
  | JournalTrace
  | JournalTransaction
  | SubscriptionInfo
  | PartialCommand
  | ReplayCommand
  | MessageDispatchNotification
  | NetworkBridgeFilter
  | BrokerSubscriptionInfo
  | OpenWireDestination
  | MessageId
  | LocalTransactionId
  | XATransactionId
  | ConnectionId
  | SessionId
  | ConsumerId
  | ProducerId
  | BrokerId;

/** What travels as a frame: any data structure (in practice a command). */
export type OpenWireCommand = DataStructure;

/** The structure type for a type code: `StructureOf<21>` is `MessageDispatch`. */
export type StructureOf<T extends DataStructure["type"]> = DataStructure extends infer D
  ? D extends { type: infer K } ? (T extends K ? D : never) : never
  : never;

/** True for the message types 23-29. */
export function isMessage(d: DataStructure | null | undefined): d is OpenWireMessage {
  return d != null && d.type >= 23 && d.type <= 29;
}

/** True for the destination types 100-103. */
export function isDestination(d: DataStructure | null | undefined): d is OpenWireDestination {
  return d != null && d.type >= 100 && d.type <= 103;
}
