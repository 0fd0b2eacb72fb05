/**
 * One error type whose code each protocol maps to its own answer: a STOMP ERROR
 * frame, an OpenWire ExceptionResponse with `javaClass`, an MQTT reason code.
 */
export type BrokerErrorCode =
  | "invalid-selector"
  | "invalid-destination"
  | "invalid-client-id"
  | "security"
  | "illegal-state"
  | "transaction"
  | "resource-limit"
  | "protocol"
  | "not-supported";

const JAVA_CLASSES: Record<BrokerErrorCode, string> = {
  "invalid-selector": "javax.jms.InvalidSelectorException",
  "invalid-destination": "javax.jms.InvalidDestinationException",
  "invalid-client-id": "javax.jms.InvalidClientIDException",
  "security": "java.lang.SecurityException",
  "illegal-state": "javax.jms.IllegalStateException",
  "transaction": "javax.jms.TransactionRolledBackException",
  "resource-limit": "javax.jms.ResourceAllocationException",
  "protocol": "java.io.IOException",
  "not-supported": "java.lang.UnsupportedOperationException",
};

export class BrokerError extends Error {
  readonly code: BrokerErrorCode;
  constructor(code: BrokerErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokerError";
    this.code = code;
  }

  /** The Java exception class an OpenWire client maps this error to. */
  get javaClass(): string {
    return JAVA_CLASSES[this.code];
  }
}

/** A plain form that survives postMessage (Error subclasses lose their fields). */
export interface SerializedError {
  code: BrokerErrorCode;
  message: string;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof BrokerError) return { code: err.code, message: err.message };
  return { code: "illegal-state", message: err instanceof Error ? err.message : String(err) };
}

export function deserializeError(e: SerializedError): BrokerError {
  return new BrokerError(e.code, e.message);
}
