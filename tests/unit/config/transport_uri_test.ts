import assert from "node:assert/strict";
import { ConfigError, KNOWN_TRANSPORT_SCHEMES, parseTransportUri } from "../../../src/config/mod.ts";

Deno.test("transport uri: the stock openwire connector", () => {
  const uri = parseTransportUri(
    "tcp://0.0.0.0:61616?maximumConnections=1000&wireFormat.maxFrameSize=104857600",
  );
  assert.equal(uri.scheme, "tcp");
  assert.equal(uri.protocol, "openwire");
  assert.equal(uri.tls, false);
  assert.equal(uri.host, "0.0.0.0");
  assert.equal(uri.port, 61616);
  assert.equal(uri.maximumConnections, 1000);
  assert.equal(uri.maxFrameSize, 104857600);
  assert.deepEqual(uri.options, { maximumConnections: "1000", "wireFormat.maxFrameSize": "104857600" });
  assert.deepEqual(uri.wireFormat, { maxFrameSize: "104857600" });
  assert.deepEqual(uri.transport, {});
  assert.equal(uri.trace, false);
  assert.equal(uri.raw, "tcp://0.0.0.0:61616?maximumConnections=1000&wireFormat.maxFrameSize=104857600");
});

Deno.test("transport uri: every option kind", () => {
  const uri = parseTransportUri(
    "stomp+nio+ssl://localhost:61612?trace=true&transport.defaultHeartBeat=5000,0" +
      "&wireFormat.maxDataLength=1024&needClientAuth=true&transport.enabledProtocols=TLSv1.3&socket.tcpNoDelay=true",
  );
  assert.equal(uri.scheme, "stomp+nio+ssl");
  assert.equal(uri.protocol, "stomp");
  assert.equal(uri.tls, true);
  assert.equal(uri.host, "localhost");
  assert.equal(uri.port, 61612);
  assert.equal(uri.trace, true);
  assert.deepEqual(uri.transport, { defaultHeartBeat: "5000,0", enabledProtocols: "TLSv1.3" });
  assert.deepEqual(uri.wireFormat, { maxDataLength: "1024" });
  assert.equal(uri.options.needClientAuth, "true");
  assert.equal(uri.options["socket.tcpNoDelay"], "true");
  assert.equal(uri.maximumConnections, undefined);
  assert.equal(uri.maxFrameSize, undefined);
});

Deno.test("transport uri: percent-decoding and '+' as space", () => {
  const uri = parseTransportUri("auto+nio://0.0.0.0:5671?auto.protocols=default%2Cstomp&x=a+b&empty");
  assert.equal(uri.protocol, "auto");
  assert.equal(uri.options["auto.protocols"], "default,stomp");
  assert.equal(uri.options.x, "a b");
  assert.equal(uri.options.empty, "");
  assert.throws(() => parseTransportUri("tcp://h:1?a=%zz"), /Invalid percent-encoding.*option a/);
});

Deno.test("transport uri: protocol and tls of every known scheme", () => {
  const expected: Record<string, [string, boolean]> = {
    "tcp": ["openwire", false],
    "nio+ssl": ["openwire", true],
    "ssl": ["openwire", true],
    "udp": ["udp", false],
    "https": ["http", true],
    "ws": ["ws", false],
    "wss": ["ws", true],
    "vm": ["vm", false],
    "mqtt+nio": ["mqtt", false],
    "mqtt+ssl": ["mqtt", true],
    "amqp+ws": ["amqp", false],
    "amqp+wss": ["amqp", true],
    "auto+nio+ssl": ["auto", true],
  };
  for (const [scheme, [protocol, tls]] of Object.entries(expected)) {
    const uri = parseTransportUri(`${scheme}://localhost:0`);
    assert.equal(uri.protocol, protocol, scheme);
    assert.equal(uri.tls, tls, scheme);
  }
  assert.equal(KNOWN_TRANSPORT_SCHEMES.length, 28);
  for (const scheme of KNOWN_TRANSPORT_SCHEMES) {
    assert.equal(parseTransportUri(`${scheme}://h:1`).scheme, scheme);
  }
});

Deno.test("transport uri: default ports, port 0, IPv6, vm, path, case", () => {
  assert.equal(parseTransportUri("tcp://0.0.0.0").port, 61616);
  assert.equal(parseTransportUri("stomp://0.0.0.0").port, 61613);
  assert.equal(parseTransportUri("mqtt://0.0.0.0").port, 1883);
  assert.equal(parseTransportUri("amqp://0.0.0.0").port, 5672);
  assert.equal(parseTransportUri("ws://0.0.0.0").port, 61614);
  assert.equal(parseTransportUri("stomp://127.0.0.1:0").port, 0);
  const v6 = parseTransportUri("tcp://[::]:61616");
  assert.equal(v6.host, "::");
  assert.equal(v6.port, 61616);
  const vm = parseTransportUri("vm://embedded?create=false");
  assert.equal(vm.host, "embedded");
  assert.equal(vm.port, 0);
  assert.equal(parseTransportUri("ws://0.0.0.0:61614/stomp").path, "/stomp");
  assert.equal(parseTransportUri("ws://0.0.0.0:61614/").path, undefined);
  assert.equal(parseTransportUri("TCP://host:1").scheme, "tcp");
  assert.equal(parseTransportUri("tcp://:61616").host, "0.0.0.0");
});

Deno.test("transport uri: unknown scheme names the nearest known one", () => {
  assert.throws(
    () => parseTransportUri("autotnio://0.0.0.0:61616"),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.location, undefined);
      assert.ok(err.message.startsWith("Transport scheme NOT recognized: [autotnio]"), err.message);
      assert.match(err.message, /; did you mean auto\+nio\?/);
      assert.match(err.message, /accepted: tcp, nio, ssl, /);
      return true;
    },
  );
  assert.throws(() => parseTransportUri("stmop://h:1"), /did you mean stomp\?/);
  assert.throws(() => parseTransportUri("foo://x"), /Transport scheme NOT recognized: \[foo\]; accepted:/);
  assert.throws(() => parseTransportUri("failover://(tcp://a:1)"), /\[failover\] \(a client-side scheme/);
});

Deno.test("transport uri: bad port, limits and shapes", () => {
  assert.throws(
    () => parseTransportUri("tcp://0.0.0.0:70000"),
    /Invalid port "70000".*0 \(pick a free port\) to 65535/,
  );
  assert.throws(() => parseTransportUri("tcp://0.0.0.0:61x16"), /Invalid port "61x16"/);
  assert.throws(() => parseTransportUri("tcp://0.0.0.0:-1"), /Invalid port "-1"/);
  assert.throws(
    () => parseTransportUri("tcp://0.0.0.0:61616?maximumConnections=lots"),
    /Invalid maximumConnections="lots".*accepted: a whole number >= 1/,
  );
  assert.throws(
    () => parseTransportUri("tcp://0.0.0.0:61616?wireFormat.maxFrameSize=100MB"),
    /Invalid wireFormat.maxFrameSize="100MB"/,
  );
  assert.throws(
    () => parseTransportUri("tcp://0.0.0.0:1?trace=yes"),
    /Invalid trace="yes".*accepted: true, false/,
  );
  assert.throws(() => parseTransportUri("localhost:61616"), /NOT recognized: \[localhost\]/);
  assert.throws(() => parseTransportUri("0.0.0.0"), /has no scheme/);
  assert.throws(() => parseTransportUri("tcp:0.0.0.0:61616"), /not of the form tcp:\/\/host:port/);
  assert.throws(() => parseTransportUri("tcp://user@host:1"), /user information/);
  assert.throws(() => parseTransportUri("tcp://::1:61616"), /IPv6 host must be written in brackets/);
});
