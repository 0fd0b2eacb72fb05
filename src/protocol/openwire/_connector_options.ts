/**
 * The OpenWire settings of a connector URI: `wireFormat.*` options become the broker's
 * WireFormatInfo (openwire.md 3.2), `transport.*` ones the connection's timers.
 *
 * ```
 * tcp://0.0.0.0:61616?wireFormat.maxFrameSize=104857600&wireFormat.maxInactivityDuration=30000
 *   &transport.useInactivityMonitor=true&transport.connectAttemptTimeout=30000
 * ```
 *
 * @module
 */

import type { TransportUri } from "../../config/mod.ts";
import { MAX_VERSION } from "./_schema.ts";
import { DEFAULT_WIRE_FORMAT_OPTIONS, NO_FRAME_SIZE_LIMIT, type WireFormatOptions } from "./wire_format.ts";

export interface ConnectorOptions {
  /** What the broker advertises in its WireFormatInfo. */
  wireFormat: Partial<WireFormatOptions>;
  /** `wireFormat.maxFrameSize`; undefined = no limit. */
  maxFrameSize: number | undefined;
  /** `wireFormat.minmumWireFormatVersion` (ActiveMQ's spelling; default 1). */
  minimumVersion: number;
  /** `transport.useInactivityMonitor` (default true). */
  useInactivityMonitor: boolean;
  /** `transport.connectAttemptTimeout`: ms to wait for the client's WireFormatInfo (default 30 s). */
  connectAttemptTimeout: number;
}

const DEFAULT_CONNECT_ATTEMPT_TIMEOUT = 30_000;

function bool(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  return value.trim().toLowerCase() === "true";
}

function int(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  return Number.isFinite(n) ? Math.trunc(n) : fallback;
}

export function connectorOptions(uri: TransportUri): ConnectorOptions {
  const wf = uri.wireFormat;
  const useInactivityMonitor = bool(uri.transport.useInactivityMonitor, true);
  const d = DEFAULT_WIRE_FORMAT_OPTIONS;
  const wireFormat: Partial<WireFormatOptions> = {
    version: Math.max(1, Math.min(MAX_VERSION, int(wf.version, MAX_VERSION))),
    tightEncodingEnabled: bool(wf.tightEncodingEnabled, d.tightEncodingEnabled),
    cacheEnabled: bool(wf.cacheEnabled, d.cacheEnabled),
    cacheSize: int(wf.cacheSize, d.cacheSize),
    sizePrefixDisabled: bool(wf.sizePrefixDisabled, d.sizePrefixDisabled),
    stackTraceEnabled: bool(wf.stackTraceEnabled, d.stackTraceEnabled),
    tcpNoDelayEnabled: bool(wf.tcpNoDelayEnabled, d.tcpNoDelayEnabled),
    // Without a monitor of ours, ask the client not to expect keep-alives either.
    maxInactivityDuration: useInactivityMonitor ? int(wf.maxInactivityDuration, d.maxInactivityDuration) : 0,
    maxInactivityDurationInitialDelay: int(
      wf.maxInactivityDurationInitalDelay ?? wf.maxInactivityDurationInitialDelay,
      d.maxInactivityDurationInitialDelay,
    ),
    maxFrameSize: uri.maxFrameSize ?? NO_FRAME_SIZE_LIMIT,
  };
  return {
    wireFormat,
    maxFrameSize: uri.maxFrameSize,
    minimumVersion: int(wf.minmumWireFormatVersion, 1),
    useInactivityMonitor,
    connectAttemptTimeout: int(uri.transport.connectAttemptTimeout, DEFAULT_CONNECT_ATTEMPT_TIMEOUT),
  };
}
