/** A STOMP protocol violation: answered with an ERROR frame, then the connection closes. */
export class StompProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StompProtocolError";
  }
}
