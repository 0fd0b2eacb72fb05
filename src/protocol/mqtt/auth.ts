/**
 * MQTT 5 enhanced authentication (MQTT 5.0 4.12): the hook the connector calls when a CONNECT
 * names an Authentication Method, for each AUTH the client sends during that exchange, and
 * for re-authentication (AUTH with reason 0x19) on a connected session.
 *
 * @module
 */

/** One step of an exchange, as the client sent it. */
export interface MqttAuthRequest {
  /** The Authentication Method of the CONNECT (every AUTH must repeat it, [MQTT-4.12.0-5]). */
  method: string;
  /** The Authentication Data of this step, if any. */
  data?: Uint8Array;
  /** 1 for the CONNECT (or the AUTH 0x19 that starts a re-authentication), then 2, 3, … */
  step: number;
  /** True for a re-authentication of a connected client. */
  reauthenticate: boolean;
  clientId: string;
  username?: string;
  /** Survives from step to step of one exchange: the authenticator's own state. */
  state: Record<string, unknown>;
}

/** What the authenticator answers to a step. */
export type MqttAuthResult =
  /** Done: the CONNACK (or AUTH 0x00) carries `data` if given. */
  | { kind: "success"; data?: Uint8Array }
  /** Another round: the connector sends AUTH 0x18 with `data` and waits for the client's AUTH. */
  | { kind: "continue"; data?: Uint8Array }
  /**
   * Refused: CONNACK (or, when re-authenticating, DISCONNECT) with `reasonCode`
   * (default 0x87 Not authorized) and `reason` as the Reason String.
   */
  | { kind: "failure"; reasonCode?: number; reason?: string };

/**
 * The hook. The default refuses every method; an embedder passes its own through
 * `createMqttProtocol({ authenticator })`.
 *
 * @example
 * ```ts
 * const tokens: MqttAuthenticator = {
 *   authenticate(req) {
 *     if (req.method !== "TOKEN") return { kind: "failure", reasonCode: 0x8c };
 *     const ok = new TextDecoder().decode(req.data) === "secret";
 *     return ok ? { kind: "success" } : { kind: "failure", reasonCode: 0x87, reason: "Bad token" };
 *   },
 * };
 * ```
 */
export interface MqttAuthenticator {
  authenticate(request: MqttAuthRequest): MqttAuthResult | Promise<MqttAuthResult>;
}

/** 0x8C Bad authentication method. */
export const BAD_AUTHENTICATION_METHOD = 0x8c;

/** The default: no enhanced authentication method is supported. */
export const rejectingAuthenticator: MqttAuthenticator = {
  authenticate: (request) => ({
    kind: "failure",
    reasonCode: BAD_AUTHENTICATION_METHOD,
    reason: `Authentication method "${request.method}" is not supported`,
  }),
};
