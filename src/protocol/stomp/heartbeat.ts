/**
 * STOMP heart-beat negotiation (STOMP 1.1 "Heart-beating"). ActiveMQ answers a
 * client's `cx,cy` with `cy,cx`: it sends every `cy` ms and expects data every
 * `cx` ms.
 */
import { StompProtocolError } from "./errors.ts";

export interface HeartBeat {
  /** The broker sends something at least this often (0 = never). */
  sendEvery: number;
  /** The client must send something at least this often (0 = not checked). */
  expectEvery: number;
  /** The CONNECTED `heart-beat` header value. */
  header: string;
}

export function parseHeartBeat(value: string): [number, number] {
  const m = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(value);
  if (!m) throw new StompProtocolError(`Invalid heart-beat header: '${value}' (expected 'cx,cy')`);
  return [Number(m[1]), Number(m[2])];
}

export function negotiateHeartBeat(clientHeader: string | undefined, defaultHeartBeat: string): HeartBeat {
  const [cx, cy] = parseHeartBeat(clientHeader ?? defaultHeartBeat);
  return { sendEvery: cy, expectEvery: cx, header: `${cy},${cx}` };
}
