import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.jms.BytesMessage;
import javax.jms.Connection;
import javax.jms.DeliveryMode;
import javax.jms.Destination;
import javax.jms.JMSException;
import javax.jms.MapMessage;
import javax.jms.Message;
import javax.jms.MessageConsumer;
import javax.jms.MessageProducer;
import javax.jms.ObjectMessage;
import javax.jms.Queue;
import javax.jms.QueueBrowser;
import javax.jms.Session;
import javax.jms.StreamMessage;
import javax.jms.TemporaryQueue;
import javax.jms.TemporaryTopic;
import javax.jms.TextMessage;
import javax.jms.Topic;
import javax.jms.TopicSubscriber;
import javax.jms.XAConnection;
import javax.jms.XASession;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.apache.activemq.ActiveMQConnection;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.ActiveMQSession;
import org.apache.activemq.ActiveMQXAConnectionFactory;
import org.apache.activemq.RedeliveryPolicy;
import org.apache.activemq.command.ActiveMQMessage;

/**
 * JMS scenarios against a broker, driven by the Deno tests in tests/openwire: every
 * scenario named on the command line runs in turn and prints one JSON line
 * {"scenario", "ok", "data" | "error", "ms"}. Usage: JmsScenarios <brokerUrl> <scenario>...
 */
public final class JmsScenarios {
  private static final long WAIT = 5000;
  private static String url;

  public static void main(String[] args) throws Exception {
    url = args[0];
    for (int i = 1; i < args.length; i++) {
      String name = args[i];
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("scenario", name);
      long start = System.nanoTime();
      try {
        out.put("data", run(name));
        out.put("ok", true);
      } catch (Throwable t) {
        out.put("ok", false);
        StringWriter trace = new StringWriter();
        t.printStackTrace(new PrintWriter(trace));
        out.put("error", t.toString());
        out.put("trace", trace.toString());
      }
      out.put("ms", (System.nanoTime() - start) / 1_000_000);
      System.out.println(Json.write(out));
      System.out.flush();
    }
    System.exit(0); // a failed scenario may leave client threads behind
  }

  private static Map<String, Object> run(String name) throws Exception {
    return switch (name) {
      case "messageKinds" -> messageKinds();
      case "headers" -> headers();
      case "queueTopic" -> queueTopic();
      case "selectors" -> selectors();
      case "priority" -> priority();
      case "expiration" -> expiration();
      case "consumerOptions" -> consumerOptions();
      case "crossFromStomp" -> crossFromStomp();
      case "crossToStomp" -> crossToStomp();
      case "localTx" -> localTx();
      case "clientAck" -> clientAck();
      case "individualAck" -> individualAck();
      case "dlq" -> dlq();
      case "tempQueue" -> tempQueue();
      case "browser" -> browser();
      case "prefetch0" -> prefetch0();
      case "durable" -> durable();
      case "invalidClientId" -> invalidClientId();
      case "xa" -> xa();
      case "asyncSend" -> asyncSend();
      case "largeMessage" -> largeMessage();
      case "spring" -> spring();
      case "failover" -> failover();
      default -> throw new IllegalArgumentException("Unknown scenario " + name);
    };
  }

  // ---- helpers ----------------------------------------------------------------------

  private static Connection open(String brokerUrl) throws JMSException {
    Connection c = new ActiveMQConnectionFactory(brokerUrl).createConnection();
    c.start();
    return c;
  }

  private static Connection open() throws JMSException {
    return open(url);
  }

  /** url plus client options: "jms.x=y&…" appended with ? or &. */
  private static String withOptions(String options) {
    return url + (url.contains("?") ? "&" : "?") + options;
  }

  private static void close(Connection c) {
    if (c == null) return;
    try {
      c.close();
    } catch (JMSException e) {
      // best effort
    }
  }

  private static String typed(Object value) {
    if (value == null) return "null";
    if (value instanceof byte[] b) return "byte[]:" + HexFormat.of().formatHex(b);
    return value.getClass().getSimpleName() + ":" + value;
  }

  /** The text of `expected` messages (waiting for each), plus any extra one that shows up at once. */
  private static List<String> bodies(MessageConsumer consumer, int expected) throws JMSException {
    List<String> out = new ArrayList<>();
    for (Message m : receive(consumer, expected)) out.add(((TextMessage) m).getText());
    Message extra = consumer.receive(100);
    if (extra != null) out.add(((TextMessage) extra).getText());
    return out;
  }

  /** Receives until `count` messages or the wait runs out. */
  private static List<Message> receive(MessageConsumer consumer, int count) throws JMSException {
    List<Message> out = new ArrayList<>();
    while (out.size() < count) {
      Message m = consumer.receive(WAIT);
      if (m == null) break;
      out.add(m);
    }
    return out;
  }

  private static String text(Message m) throws JMSException {
    return m == null ? null : ((TextMessage) m).getText();
  }

  private static Map<String, Object> props(Message m) throws JMSException {
    Map<String, Object> out = new LinkedHashMap<>();
    List<String> names = new ArrayList<>();
    for (Enumeration<?> e = m.getPropertyNames(); e.hasMoreElements();) names.add((String) e.nextElement());
    Collections.sort(names);
    for (String n : names) out.put(n, typed(m.getObjectProperty(n)));
    return out;
  }

  // ---- message kinds, properties, headers --------------------------------------------

  private static Map<String, Object> messageKinds() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    Connection c = open();
    Connection zipped = open(withOptions("jms.useCompression=true"));
    try {
      Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue q = s.createQueue("kinds.q");
      MessageProducer p = s.createProducer(q);

      p.send(s.createTextMessage("héllo wörld ✓ \u0000 \uD834\uDD1E"));

      BytesMessage bytes = s.createBytesMessage();
      bytes.writeBoolean(true);
      bytes.writeByte((byte) -5);
      bytes.writeShort((short) -300);
      bytes.writeChar('Z');
      bytes.writeInt(123456789);
      bytes.writeLong(1234567890123L);
      bytes.writeFloat(1.5f);
      bytes.writeDouble(2.25);
      bytes.writeUTF("utf ✓");
      bytes.writeBytes(new byte[] {1, 2, 3});
      p.send(bytes);

      MapMessage map = s.createMapMessage();
      map.setBoolean("bool", true);
      map.setByte("byte", (byte) 7);
      map.setShort("short", (short) -2);
      map.setChar("char", 'c');
      map.setInt("int", 42);
      map.setLong("long", Long.MAX_VALUE);
      map.setFloat("float", 0.5f);
      map.setDouble("double", 3.75);
      map.setString("string", "str ✓");
      map.setBytes("bytes", new byte[] {9, 8});
      p.send(map);

      // java.lang is on the client's default list of classes trusted for deserialization.
      p.send(s.createObjectMessage("serialized ✓"));

      StreamMessage stream = s.createStreamMessage();
      stream.writeBoolean(false);
      stream.writeByte((byte) 1);
      stream.writeShort((short) 2);
      stream.writeChar('x');
      stream.writeInt(3);
      stream.writeLong(4L);
      stream.writeFloat(5.5f);
      stream.writeDouble(6.5);
      stream.writeString("seven");
      stream.writeBytes(new byte[] {8});
      stream.writeObject(null);
      p.send(stream);

      Message plain = s.createMessage();
      plain.setBooleanProperty("pBoolean", true);
      plain.setByteProperty("pByte", (byte) -1);
      plain.setShortProperty("pShort", (short) 300);
      plain.setIntProperty("pInt", -70000);
      plain.setLongProperty("pLong", Long.MIN_VALUE);
      plain.setFloatProperty("pFloat", 1.25f);
      plain.setDoubleProperty("pDouble", -0.125);
      plain.setStringProperty("pString", "välue");
      plain.setObjectProperty("pObject", Integer.valueOf(5));
      p.send(plain);

      Session zs = zipped.createSession(false, Session.AUTO_ACKNOWLEDGE);
      MessageProducer zp = zs.createProducer(zs.createQueue("kinds.q"));
      String big = "compress me ".repeat(200);
      zp.send(zs.createTextMessage(big));
      BytesMessage zbytes = zs.createBytesMessage();
      zbytes.writeBytes(big.getBytes(StandardCharsets.UTF_8));
      zp.send(zbytes);
      MapMessage zmap = zs.createMapMessage();
      zmap.setString("k", big);
      zp.send(zmap);

      MessageConsumer consumer = s.createConsumer(q);
      List<Message> got = receive(consumer, 9);
      List<String> types = new ArrayList<>();
      for (Message m : got) types.add(m.getClass().getSimpleName());
      out.put("types", types);

      out.put("text", ((TextMessage) got.get(0)).getText());

      BytesMessage b = (BytesMessage) got.get(1);
      out.put("bytesLength", b.getBodyLength());
      byte[] tail = new byte[3];
      out.put("bytes", List.of(
          typed(b.readBoolean()), typed(b.readByte()), typed(b.readShort()), typed(b.readChar()),
          typed(b.readInt()), typed(b.readLong()), typed(b.readFloat()), typed(b.readDouble()),
          typed(b.readUTF()), "read:" + b.readBytes(tail) + ":" + HexFormat.of().formatHex(tail)));

      MapMessage m = (MapMessage) got.get(2);
      Map<String, Object> mapOut = new LinkedHashMap<>();
      List<String> keys = new ArrayList<>();
      for (Enumeration<?> e = m.getMapNames(); e.hasMoreElements();) keys.add((String) e.nextElement());
      Collections.sort(keys);
      for (String k : keys) mapOut.put(k, typed(m.getObject(k)));
      out.put("map", mapOut);

      ObjectMessage o = (ObjectMessage) got.get(3);
      out.put("object", typed(o.getObject()));

      StreamMessage st = (StreamMessage) got.get(4);
      List<String> streamOut = new ArrayList<>();
      for (int i = 0; i < 11; i++) streamOut.add(typed(st.readObject()));
      out.put("stream", streamOut);

      out.put("properties", props(got.get(5)));

      out.put("compressedText", ((TextMessage) got.get(6)).getText().equals(big));
      BytesMessage zb = (BytesMessage) got.get(7);
      byte[] zbody = new byte[(int) zb.getBodyLength()];
      zb.readBytes(zbody);
      out.put("compressedBytes", new String(zbody, StandardCharsets.UTF_8).equals(big));
      out.put("compressedMap", ((MapMessage) got.get(8)).getString("k").equals(big));
      out.put("leftover", consumer.receive(100) == null ? 0 : 1);
    } finally {
      close(zipped);
      close(c);
    }
    return out;
  }

  private static Map<String, Object> headers() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    Connection c = open();
    try {
      Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue q = s.createQueue("headers.q");
      MessageProducer p = s.createProducer(q);
      TextMessage sent = s.createTextMessage("h");
      sent.setJMSCorrelationID("corr-1");
      sent.setJMSReplyTo(s.createQueue("headers.reply"));
      sent.setJMSType("typeA");
      sent.setStringProperty("JMSXGroupID", "group-1");
      sent.setIntProperty("JMSXGroupSeq", 3);
      p.send(sent, DeliveryMode.NON_PERSISTENT, 7, 60000);
      TextMessage persistent = s.createTextMessage("p");
      p.send(persistent);

      MessageConsumer consumer = s.createConsumer(q);
      Message m = consumer.receive(WAIT);
      Message m2 = consumer.receive(WAIT);
      out.put("messageIdMatches", m.getJMSMessageID().equals(sent.getJMSMessageID()));
      out.put("messageId", m.getJMSMessageID());
      out.put("correlationId", m.getJMSCorrelationID());
      out.put("replyTo", String.valueOf(m.getJMSReplyTo()));
      out.put("type", m.getJMSType());
      out.put("priority", m.getJMSPriority());
      out.put("deliveryMode", m.getJMSDeliveryMode());
      out.put("ttl", m.getJMSExpiration() - m.getJMSTimestamp());
      out.put("timestampMatches", m.getJMSTimestamp() == sent.getJMSTimestamp());
      out.put("redelivered", m.getJMSRedelivered());
      out.put("deliveryCount", m.getIntProperty("JMSXDeliveryCount"));
      out.put("groupId", m.getStringProperty("JMSXGroupID"));
      out.put("groupSeq", m.getIntProperty("JMSXGroupSeq"));
      out.put("destination", String.valueOf(m.getJMSDestination()));
      out.put("brokerInTime", ((ActiveMQMessage) m).getBrokerInTime() > 0);
      out.put("brokerOutTime", ((ActiveMQMessage) m).getBrokerOutTime() >= ((ActiveMQMessage) m).getBrokerInTime());
      out.put("persistentDeliveryMode", m2.getJMSDeliveryMode());
      out.put("persistentPriority", m2.getJMSPriority());
      out.put("persistentExpiration", m2.getJMSExpiration());
    } finally {
      close(c);
    }
    return out;
  }

  private static Map<String, Object> queueTopic() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    Connection c = open();
    try {
      Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Topic t = s.createTopic("qt.topic");
      MessageConsumer sub1 = s.createConsumer(t);
      MessageConsumer sub2 = s.createConsumer(t);
      MessageConsumer wildcard = s.createConsumer(s.createTopic("qt.>"));
      MessageProducer tp = s.createProducer(t);
      for (int i = 1; i <= 3; i++) tp.send(s.createTextMessage("t" + i));
      out.put("sub1", bodies(sub1, 3));
      out.put("sub2", bodies(sub2, 3));
      out.put("wildcard", bodies(wildcard, 3));

      Queue q = s.createQueue("qt.queue");
      MessageProducer qp = s.createProducer(q);
      for (int i = 1; i <= 4; i++) qp.send(s.createTextMessage("q" + i));
      MessageConsumer qc = s.createConsumer(q);
      out.put("queue", bodies(qc, 4));

      // A composite destination reaches every member.
      MessageProducer cp = s.createProducer(s.createQueue("qt.a,qt.b"));
      cp.send(s.createTextMessage("both"));
      out.put("compositeA", text(s.createConsumer(s.createQueue("qt.a")).receive(WAIT)));
      out.put("compositeB", text(s.createConsumer(s.createQueue("qt.b")).receive(WAIT)));

      // An anonymous producer names the destination per send.
      MessageProducer anon = s.createProducer(null);
      anon.send(s.createQueue("qt.anon"), s.createTextMessage("anonymous"));
      out.put("anonymous", text(s.createConsumer(s.createQueue("qt.anon")).receive(WAIT)));
    } finally {
      close(c);
    }
    return out;
  }

  private static Map<String, Object> selectors() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    Connection c = open();
    try {
      Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue q = s.createQueue("sel.q");
      MessageProducer p = s.createProducer(q);
      String[][] sends = {{"red", "10"}, {"blue", "10"}, {"red", "1"}, {"red", "7"}};
      for (String[] x : sends) {
        TextMessage m = s.createTextMessage(x[0] + "-" + x[1]);
        m.setStringProperty("color", x[0]);
        m.setIntProperty("weight", Integer.parseInt(x[1]));
        p.send(m);
      }
      TextMessage typed = s.createTextMessage("typed");
      typed.setJMSType("special");
      p.send(typed, DeliveryMode.PERSISTENT, 9, 0);
      out.put("redHeavy", bodies(s.createConsumer(q, "color = 'red' AND weight > 5"), 2));
      out.put("header", bodies(s.createConsumer(q, "JMSType = 'special' AND JMSPriority > 6"), 1));
      out.put("like", bodies(s.createConsumer(q, "color LIKE 'bl%' OR weight = 1"), 2));
      out.put("rest", bodies(s.createConsumer(q), 0));
    } finally {
      close(c);
    }
    return out;
  }

  private static Map<String, Object> priority() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    Connection c = open();
    try {
      Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue q = s.createQueue("prio.q");
      MessageProducer p = s.createProducer(q);
      for (int prio : new int[] {1, 9, 4, 7, 0, 5}) {
        p.send(s.createTextMessage("p" + prio), DeliveryMode.PERSISTENT, prio, 0);
      }
      List<Integer> order = new ArrayList<>();
      MessageConsumer consumer = s.createConsumer(q);
      for (Message m : receive(consumer, 6)) order.add(m.getJMSPriority());
      out.put("order", order);
    } finally {
      close(c);
    }
    return out;
  }

  private static Map<String, Object> expiration() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    Connection c = open();
    try {
      Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      MessageProducer p = s.createProducer(null);

      // Expires in the broker: nobody consumes before the time to live is over.
      Queue q = s.createQueue("expiry.broker");
      TextMessage shortLived = s.createTextMessage("short");
      shortLived.setStringProperty("scenario", "expiry-broker");
      p.send(q, shortLived, DeliveryMode.PERSISTENT, 4, 100);
      long expiresAt = shortLived.getJMSExpiration();
      p.send(q, s.createTextMessage("long"), DeliveryMode.PERSISTENT, 4, 60000);
      waitPast(expiresAt);
      out.put("broker", bodies(s.createConsumer(q), 1));

      // Expires in the client's prefetch buffer: the client acks it as EXPIRED.
      Queue q2 = s.createQueue("expiry.client");
      MessageConsumer prefetching = s.createConsumer(q2);
      TextMessage clientSide = s.createTextMessage("prefetched");
      clientSide.setStringProperty("scenario", "expiry-client");
      p.send(q2, clientSide, DeliveryMode.PERSISTENT, 4, 300);
      long clientExpiresAt = clientSide.getJMSExpiration();
      waitPast(clientExpiresAt);
      p.send(q2, s.createTextMessage("fresh"), DeliveryMode.PERSISTENT, 4, 0);
      out.put("client", bodies(prefetching, 1));

      MessageConsumer dlq = s.createConsumer(s.createQueue("ActiveMQ.DLQ"), "scenario LIKE 'expiry-%'");
      List<String> dead = new ArrayList<>();
      for (Message m : receive(dlq, 2)) dead.add(m.getStringProperty("scenario"));
      Collections.sort(dead);
      out.put("dlq", dead);
    } finally {
      close(c);
    }
    return out;
  }

  /** Lets time pass until a message's expiration is behind us (what is tested is expiry itself). */
  private static void waitPast(long epochMillis) throws InterruptedException {
    long left = epochMillis + 50 - System.currentTimeMillis();
    if (left > 0) Thread.sleep(left);
  }

  private static Map<String, Object> consumerOptions() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    Connection c = open();
    Connection other = open();
    try {
      Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue exclusive = s.createQueue("opts.exclusive?consumer.exclusive=true");
      MessageConsumer first = s.createConsumer(exclusive);
      MessageConsumer second = s.createConsumer(exclusive);
      MessageProducer p = s.createProducer(s.createQueue("opts.exclusive"));
      for (int i = 1; i <= 4; i++) p.send(s.createTextMessage("e" + i));
      out.put("exclusiveFirst", bodies(first, 4));
      out.put("exclusiveSecond", bodies(second, 0));

      Topic t = s.createTopic("opts.nolocal");
      MessageConsumer noLocal = s.createConsumer(t, null, true);
      s.createProducer(t).send(s.createTextMessage("mine"));
      Session os = other.createSession(false, Session.AUTO_ACKNOWLEDGE);
      os.createProducer(t).send(os.createTextMessage("theirs"));
      out.put("noLocal", bodies(noLocal, 1));
    } finally {
      close(other);
      close(c);
    }
    return out;
  }

  // ---- cross-protocol (the Deno test talks STOMP on the other side) --------------------

  private static Map<String, Object> crossFromStomp() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    Connection c = open();
    try {
      Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      MessageConsumer consumer = s.createConsumer(s.createQueue("cross.from-stomp"));
      List<Object> got = new ArrayList<>();
      for (Message m : receive(consumer, 2)) {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("class", m.getClass().getSimpleName());
        if (m instanceof TextMessage tm) one.put("text", tm.getText());
        if (m instanceof BytesMessage bm) {
          byte[] body = new byte[(int) bm.getBodyLength()];
          bm.readBytes(body);
          one.put("bytes", HexFormat.of().formatHex(body));
        }
        one.put("correlationId", m.getJMSCorrelationID());
        one.put("type", m.getJMSType());
        one.put("priority", m.getJMSPriority());
        one.put("persistent", m.getJMSDeliveryMode() == DeliveryMode.PERSISTENT);
        one.put("replyTo", String.valueOf(m.getJMSReplyTo()));
        one.put("groupId", m.getStringProperty("JMSXGroupID"));
        one.put("properties", props(m));
        got.add(one);
      }
      out.put("messages", got);
    } finally {
      close(c);
    }
    return out;
  }

  private static Map<String, Object> crossToStomp() throws Exception {
    Connection c = open();
    try {
      Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      MessageProducer p = s.createProducer(s.createQueue("cross.to-stomp"));
      TextMessage t = s.createTextMessage("from JMS ✓");
      t.setJMSCorrelationID("c-9");
      t.setJMSType("jmsType");
      t.setJMSReplyTo(s.createTopic("cross.reply"));
      t.setStringProperty("s", "v");
      t.setIntProperty("i", 7);
      t.setBooleanProperty("b", true);
      t.setDoubleProperty("d", 1.5);
      p.send(t, DeliveryMode.PERSISTENT, 6, 0);
      BytesMessage b = s.createBytesMessage();
      b.writeBytes(new byte[] {0, 1, 2, (byte) 255});
      p.send(b, DeliveryMode.NON_PERSISTENT, 4, 0);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("messageId", t.getJMSMessageID());
      return out;
    } finally {
      close(c);
    }
  }

  // ---- acknowledgement modes and transactions -----------------------------------------

  /** Client-side redelivery without the default one-second pause (the pause is the client's business). */
  private static final String NO_REDELIVERY_DELAY = "jms.redeliveryPolicy.initialRedeliveryDelay=0";

  private static Map<String, Object> localTx() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    Connection c = open(withOptions(NO_REDELIVERY_DELAY));
    try {
      Session tx = c.createSession(true, Session.SESSION_TRANSACTED);
      Queue q = tx.createQueue("tx.q");
      MessageProducer p = tx.createProducer(q);
      p.send(tx.createTextMessage("rolled back 1"));
      p.send(tx.createTextMessage("rolled back 2"));
      tx.rollback();
      p.send(tx.createTextMessage("committed"));
      Session plain = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      MessageConsumer peek = plain.createConsumer(q);
      out.put("beforeCommit", text(peek.receive(200)));
      peek.close();
      tx.commit();

      MessageConsumer consumer = tx.createConsumer(q);
      Message first = consumer.receive(WAIT);
      out.put("first", text(first));
      out.put("firstRedelivered", first.getJMSRedelivered());
      tx.rollback();
      Message again = consumer.receive(WAIT);
      out.put("again", text(again));
      out.put("againRedelivered", again.getJMSRedelivered());
      out.put("againDeliveryCount", again.getIntProperty("JMSXDeliveryCount"));
      tx.commit();
      consumer.close();
      out.put("afterCommit", text(plain.createConsumer(q).receive(200)));
    } finally {
      close(c);
    }
    return out;
  }

  private static Map<String, Object> clientAck() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    Connection c = open(withOptions(NO_REDELIVERY_DELAY));
    try {
      Session s = c.createSession(false, Session.CLIENT_ACKNOWLEDGE);
      Queue q = s.createQueue("clientack.q");
      MessageProducer p = s.createProducer(q);
      p.send(s.createTextMessage("one"));
      p.send(s.createTextMessage("two"));
      MessageConsumer consumer = s.createConsumer(q);
      out.put("first", List.of(text(consumer.receive(WAIT)), text(consumer.receive(WAIT))));
      s.recover();
      Message r1 = consumer.receive(WAIT);
      Message r2 = consumer.receive(WAIT);
      out.put("recovered", List.of(text(r1), text(r2)));
      out.put("recoveredRedelivered", r1.getJMSRedelivered() && r2.getJMSRedelivered());
      r2.acknowledge(); // CLIENT_ACKNOWLEDGE acknowledges every message of the session
      consumer.close();
      out.put("afterAck", text(s.createConsumer(q).receive(200)));
    } finally {
      close(c);
    }
    return out;
  }

  private static Map<String, Object> individualAck() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    Connection c = open();
    try {
      Session s = c.createSession(false, ActiveMQSession.INDIVIDUAL_ACKNOWLEDGE);
      Queue q = s.createQueue("individual.q");
      MessageProducer p = s.createProducer(q);
      for (String b : new String[] {"a", "b", "c"}) p.send(s.createTextMessage(b));
      MessageConsumer consumer = s.createConsumer(q);
      List<Message> got = receive(consumer, 3);
      got.get(1).acknowledge();
      consumer.close();
      List<String> left = new ArrayList<>();
      List<Boolean> redelivered = new ArrayList<>();
      MessageConsumer again = s.createConsumer(q);
      for (Message m : receive(again, 2)) {
        left.add(text(m));
        redelivered.add(m.getJMSRedelivered());
        m.acknowledge();
      }
      out.put("left", left);
      out.put("redelivered", redelivered);
      out.put("afterAck", text(again.receive(200)));
    } finally {
      close(c);
    }
    return out;
  }

  private static Map<String, Object> dlq() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    ActiveMQConnectionFactory f = new ActiveMQConnectionFactory(url);
    RedeliveryPolicy policy = new RedeliveryPolicy(); // maximumRedeliveries stays at its default, 6
    policy.setInitialRedeliveryDelay(0);
    policy.setRedeliveryDelay(0);
    f.setRedeliveryPolicy(policy);
    Connection c = f.createConnection();
    c.start();
    try {
      Session tx = c.createSession(true, Session.SESSION_TRANSACTED);
      Queue q = tx.createQueue("dlq.q");
      TextMessage poison = tx.createTextMessage("poison");
      poison.setStringProperty("scenario", "dlq");
      tx.createProducer(q).send(poison);
      tx.commit();
      MessageConsumer consumer = tx.createConsumer(q);
      List<Integer> counts = new ArrayList<>();
      for (;;) {
        Message m = consumer.receive(counts.size() < 7 ? WAIT : 200);
        if (m == null) break;
        counts.add(m.getIntProperty("JMSXDeliveryCount"));
        tx.rollback();
      }
      out.put("deliveryCounts", counts);
      out.put("maximumRedeliveries", policy.getMaximumRedeliveries());
      Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Message dead = s.createConsumer(s.createQueue("ActiveMQ.DLQ"), "scenario = 'dlq'").receive(WAIT);
      out.put("dlqBody", text(dead));
      out.put("dlqCause", dead == null ? null : dead.getStringProperty("dlqDeliveryFailureCause"));
      out.put("dlqOriginalDestination",
          dead == null ? null : String.valueOf(((ActiveMQMessage) dead).getOriginalDestination()));
      out.put("left", text(s.createConsumer(q).receive(200)));
    } finally {
      close(c);
    }
    return out;
  }

  private static Map<String, Object> tempQueue() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    Connection requester = open();
    Connection responder = open();
    try {
      Session rs = responder.createSession(false, Session.AUTO_ACKNOWLEDGE);
      MessageConsumer requests = rs.createConsumer(rs.createQueue("rpc.requests"));
      MessageProducer replies = rs.createProducer(null);
      requests.setMessageListener(m -> {
        try {
          TextMessage reply = rs.createTextMessage("reply to " + ((TextMessage) m).getText());
          reply.setJMSCorrelationID(m.getJMSMessageID());
          replies.send(m.getJMSReplyTo(), reply);
        } catch (JMSException e) {
          throw new RuntimeException(e);
        }
      });

      Session s = requester.createSession(false, Session.AUTO_ACKNOWLEDGE);
      TemporaryQueue replyTo = s.createTemporaryQueue();
      out.put("tempName", replyTo.getQueueName());
      MessageConsumer replyConsumer = s.createConsumer(replyTo);
      MessageProducer p = s.createProducer(s.createQueue("rpc.requests"));
      List<String> got = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        TextMessage req = s.createTextMessage("req" + i);
        req.setJMSReplyTo(replyTo);
        p.send(req);
        TextMessage reply = (TextMessage) replyConsumer.receive(WAIT);
        got.add(reply == null ? null : reply.getText() + "|" + reply.getJMSCorrelationID().equals(req.getJMSMessageID()));
      }
      out.put("replies", got);

      TemporaryTopic topic = s.createTemporaryTopic();
      MessageConsumer tc = s.createConsumer(topic);
      s.createProducer(topic).send(s.createTextMessage("on temp topic"));
      out.put("tempTopic", text(tc.receive(WAIT)));
      tc.close();
      topic.delete();

      replyConsumer.close();
      replyTo.delete();
      // The responder's connection learns of the deletion through the advisory topic.
      String error = null;
      long deadline = System.currentTimeMillis() + WAIT;
      while (System.currentTimeMillis() < deadline) {
        try {
          replies.send(replyTo, rs.createTextMessage("too late"));
        } catch (JMSException e) {
          error = e.getMessage();
          break;
        }
        Thread.sleep(20);
      }
      out.put("sendToDeleted", error);
    } finally {
      close(requester);
      close(responder);
    }
    return out;
  }

  private static Map<String, Object> browser() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    Connection c = open();
    try {
      Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue q = s.createQueue("browse.q");
      MessageProducer p = s.createProducer(q);
      for (String b : new String[] {"x", "y", "z"}) p.send(s.createTextMessage(b));
      QueueBrowser browser = s.createBrowser(q);
      List<String> seen = new ArrayList<>();
      for (Enumeration<?> e = browser.getEnumeration(); e.hasMoreElements();) {
        seen.add(((TextMessage) e.nextElement()).getText());
      }
      browser.close();
      out.put("browsed", seen);
      QueueBrowser filtered = s.createBrowser(q, "JMSMessageID IS NOT NULL");
      int count = 0;
      for (Enumeration<?> e = filtered.getEnumeration(); e.hasMoreElements(); e.nextElement()) count++;
      filtered.close();
      out.put("browsedAgain", count);
      out.put("consumed", bodies(s.createConsumer(q), 3));
      QueueBrowser empty = s.createBrowser(q);
      out.put("emptyHasMore", empty.getEnumeration().hasMoreElements());
      empty.close();
    } finally {
      close(c);
    }
    return out;
  }

  private static Map<String, Object> prefetch0() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    Connection c = open(withOptions("jms.prefetchPolicy.all=0"));
    try {
      Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue q = s.createQueue("pull.q");
      MessageConsumer consumer = s.createConsumer(q);
      out.put("emptyNoWait", text(consumer.receiveNoWait()));
      long start = System.currentTimeMillis();
      out.put("emptyTimed", text(consumer.receive(200)));
      out.put("timedWaitedMs", System.currentTimeMillis() - start);
      MessageProducer p = s.createProducer(q);
      for (String b : new String[] {"1", "2", "3"}) p.send(s.createTextMessage(b));
      out.put("received", List.of(text(consumer.receive()), text(consumer.receive(WAIT)),
          String.valueOf(text(consumer.receiveNoWait()))));
      out.put("after", text(consumer.receiveNoWait()));
      // A second consumer gets what the first never pulled.
      p.send(s.createTextMessage("4"));
      MessageConsumer second = s.createConsumer(q);
      out.put("second", text(second.receive(WAIT)));
    } finally {
      close(c);
    }
    return out;
  }

  private static Map<String, Object> durable() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    ActiveMQConnectionFactory f = new ActiveMQConnectionFactory(url);
    f.setClientID("durable-client");
    Connection c = f.createConnection();
    c.start();
    Connection publisher = open();
    try {
      Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Topic t = s.createTopic("durable.t");
      TopicSubscriber sub = s.createDurableSubscriber(t, "sub1");
      sub.close();
      Session ps = publisher.createSession(false, Session.AUTO_ACKNOWLEDGE);
      MessageProducer p = ps.createProducer(t);
      p.send(ps.createTextMessage("offline 1"));
      p.send(ps.createTextMessage("offline 2"));
      sub = s.createDurableSubscriber(t, "sub1");
      out.put("offline", bodies(sub, 2));
      try {
        s.unsubscribe("sub1");
        out.put("unsubscribeActive", "no error");
      } catch (JMSException e) {
        out.put("unsubscribeActive", e.getClass().getName());
      }
      sub.close();
      s.unsubscribe("sub1");
      p.send(ps.createTextMessage("after unsubscribe"));
      sub = s.createDurableSubscriber(t, "sub1");
      out.put("afterUnsubscribe", bodies(sub, 0));
      sub.close();
      s.unsubscribe("sub1");
      try {
        s.unsubscribe("never-existed");
        out.put("unsubscribeUnknown", "no error");
      } catch (JMSException e) {
        out.put("unsubscribeUnknown", e.getClass().getName());
      }
      TopicSubscriber selective = s.createDurableSubscriber(t, "sub2", "level > 1", false);
      selective.close();
      for (int level = 1; level <= 3; level++) {
        TextMessage m = ps.createTextMessage("level " + level);
        m.setIntProperty("level", level);
        p.send(m);
      }
      selective = s.createDurableSubscriber(t, "sub2", "level > 1", false);
      out.put("selective", bodies(selective, 2));
      selective.close();
      s.unsubscribe("sub2");
    } finally {
      close(publisher);
      close(c);
    }
    return out;
  }

  private static Map<String, Object> invalidClientId() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    ActiveMQConnectionFactory f = new ActiveMQConnectionFactory(url);
    f.setClientID("dup-client");
    Connection first = f.createConnection();
    first.start();
    Connection second = f.createConnection();
    try {
      second.start();
      out.put("error", "no error");
    } catch (JMSException e) {
      out.put("error", e.getClass().getName());
      out.put("message", e.getMessage());
    } finally {
      close(second);
      close(first);
    }
    // Once the first connection is gone the id is free again.
    Connection third = f.createConnection();
    try {
      third.start();
      out.put("afterClose", "connected");
    } finally {
      close(third);
    }
    return out;
  }

  // ---- XA, volume, size, Spring-style settings, failover -------------------------------

  private record TestXid(int formatId, byte[] gtrid, byte[] bqual) implements Xid {
    static TestXid of(int n) {
      return new TestXid(0x1234, ("gtrid-" + n).getBytes(StandardCharsets.UTF_8),
          ("bqual-" + n).getBytes(StandardCharsets.UTF_8));
    }

    @Override public int getFormatId() {
      return formatId;
    }

    @Override public byte[] getGlobalTransactionId() {
      return gtrid;
    }

    @Override public byte[] getBranchQualifier() {
      return bqual;
    }

    boolean same(Xid other) {
      return other.getFormatId() == formatId && Arrays.equals(other.getGlobalTransactionId(), gtrid)
          && Arrays.equals(other.getBranchQualifier(), bqual);
    }
  }

  private static Map<String, Object> xa() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    XAConnection xc = new ActiveMQXAConnectionFactory(url).createXAConnection();
    xc.start();
    Connection plain = open();
    try {
      XASession xs = xc.createXASession();
      XAResource xr = xs.getXAResource();
      Session session = xs.getSession();
      Queue q = session.createQueue("xa.q");
      MessageProducer p = session.createProducer(q);
      Session ps = plain.createSession(false, Session.AUTO_ACKNOWLEDGE);
      MessageConsumer check = ps.createConsumer(q);

      TestXid x1 = TestXid.of(1);
      xr.start(x1, XAResource.TMNOFLAGS);
      p.send(session.createTextMessage("xa-1"));
      xr.end(x1, XAResource.TMSUCCESS);
      out.put("prepare", xr.prepare(x1));
      Xid[] recovered = xr.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN);
      boolean found = false;
      for (Xid x : recovered) found |= x1.same(x);
      out.put("recovered", found);
      out.put("visibleBeforeCommit", text(check.receive(200)));
      xr.commit(x1, false);
      out.put("afterTwoPhaseCommit", text(check.receive(WAIT)));

      TestXid x2 = TestXid.of(2);
      xr.start(x2, XAResource.TMNOFLAGS);
      xr.end(x2, XAResource.TMSUCCESS);
      out.put("readOnlyPrepare", xr.prepare(x2));

      TestXid x3 = TestXid.of(3);
      xr.start(x3, XAResource.TMNOFLAGS);
      p.send(session.createTextMessage("xa-3"));
      xr.end(x3, XAResource.TMSUCCESS);
      xr.prepare(x3);
      xr.rollback(x3);
      out.put("afterRollback", text(check.receive(200)));

      TestXid x4 = TestXid.of(4);
      xr.start(x4, XAResource.TMNOFLAGS);
      p.send(session.createTextMessage("xa-4"));
      xr.end(x4, XAResource.TMSUCCESS);
      xr.commit(x4, true);
      out.put("afterOnePhaseCommit", text(check.receive(WAIT)));
      check.close();

      // Consuming inside a branch: the message is gone only once the branch commits.
      ps.createProducer(q).send(ps.createTextMessage("xa-consume"));
      MessageConsumer xaConsumer = session.createConsumer(q);
      TestXid x5 = TestXid.of(5);
      xr.start(x5, XAResource.TMNOFLAGS);
      out.put("consumedInBranch", text(xaConsumer.receive(WAIT)));
      xr.end(x5, XAResource.TMSUCCESS);
      out.put("consumePrepare", xr.prepare(x5));
      xr.commit(x5, false);
      xaConsumer.close();
      out.put("leftAfterConsume", text(ps.createConsumer(q).receive(200)));

      int leftover = 0;
      for (Xid x : xr.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN)) {
        if (x.getFormatId() == 0x1234) leftover++;
      }
      out.put("inDoubtAtEnd", leftover);
    } finally {
      close(plain);
      close(xc);
    }
    return out;
  }

  private static Map<String, Object> asyncSend() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    int count = 10_000;
    Connection c = open(withOptions("jms.useAsyncSend=true&jms.producerWindowSize=65536"));
    try {
      Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue q = s.createQueue("async.q");
      MessageConsumer consumer = s.createConsumer(q);
      MessageProducer p = s.createProducer(q);
      p.setDeliveryMode(DeliveryMode.PERSISTENT);
      byte[] payload = new byte[1024];
      long start = System.nanoTime();
      for (int i = 0; i < count; i++) {
        BytesMessage m = s.createBytesMessage();
        m.writeBytes(payload);
        m.setIntProperty("n", i);
        p.send(m);
      }
      long sent = System.nanoTime();
      int received = 0;
      boolean inOrder = true;
      for (;;) {
        Message m = consumer.receive(WAIT);
        if (m == null) break;
        if (m.getIntProperty("n") != received) inOrder = false;
        received++;
        if (received == count) break;
      }
      out.put("sent", count);
      out.put("received", received);
      out.put("inOrder", inOrder);
      out.put("sendMs", (sent - start) / 1_000_000);
      out.put("totalMs", (System.nanoTime() - start) / 1_000_000);
    } finally {
      close(c);
    }
    return out;
  }

  private static Map<String, Object> largeMessage() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    Connection c = open();
    try {
      Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue q = s.createQueue("large.q");
      byte[] payload = new byte[5 * 1024 * 1024];
      for (int i = 0; i < payload.length; i++) payload[i] = (byte) (i * 31 + (i >>> 11));
      BytesMessage m = s.createBytesMessage();
      m.writeBytes(payload);
      s.createProducer(q).send(m);
      MessageConsumer bytesConsumer = s.createConsumer(q);
      BytesMessage got = (BytesMessage) bytesConsumer.receive(WAIT * 2);
      bytesConsumer.close();
      byte[] body = new byte[(int) got.getBodyLength()];
      got.readBytes(body);
      MessageDigest md5 = MessageDigest.getInstance("MD5");
      out.put("length", body.length);
      out.put("same", HexFormat.of().formatHex(md5.digest(body)).equals(
          HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(payload))));
      TextMessage bigText = s.createTextMessage("ü".repeat(1024 * 1024));
      s.createProducer(q).send(bigText);
      TextMessage gotText = (TextMessage) s.createConsumer(q).receive(WAIT * 2);
      out.put("textSame", gotText != null && gotText.getText().equals(bigText.getText()));

    } finally {
      close(c);
    }
    return out;
  }

  /**
   * What Spring Boot's ActiveMQ auto-configuration sets, applied to plain JMS code:
   * spring.activemq.broker-url, user/password admin/admin, close-timeout 15s,
   * send-timeout 0, a JmsTemplate with pub-sub off (queue) and on (topic), persistent
   * delivery (explicit QoS).
   */
  private static Map<String, Object> spring() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    ActiveMQConnectionFactory f = new ActiveMQConnectionFactory("admin", "admin", url);
    f.setCloseTimeout(15000);
    f.setSendTimeout(0);
    f.setTrustAllPackages(false);
    for (boolean pubSub : new boolean[] {false, true}) {
      Connection c = f.createConnection();
      c.start();
      try {
        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Destination d = pubSub ? s.createTopic("spring.events") : s.createQueue("spring.orders");
        MessageConsumer consumer = s.createConsumer(d);
        MessageProducer p = s.createProducer(d);
        p.setDeliveryMode(DeliveryMode.PERSISTENT);
        TextMessage m = s.createTextMessage("{\"order\":" + (pubSub ? 2 : 1) + "}");
        m.setStringProperty("_type", "com.example.Order");
        p.send(m);
        Message got = consumer.receive(WAIT);
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("body", text(got));
        one.put("persistent", got != null && got.getJMSDeliveryMode() == DeliveryMode.PERSISTENT);
        one.put("typeProperty", got == null ? null : got.getStringProperty("_type"));
        one.put("destination", got == null ? null : String.valueOf(got.getJMSDestination()));
        out.put(pubSub ? "pubSub" : "pointToPoint", one);
      } finally {
        long start = System.nanoTime();
        close(c);
        out.put(pubSub ? "pubSubCloseMs" : "pointToPointCloseMs", (System.nanoTime() - start) / 1_000_000);
      }
    }
    out.put("closeTimeout", f.getCloseTimeout());
    out.put("sendTimeout", f.getSendTimeout());
    return out;
  }

  /**
   * Interactive: connects through failover:(url), sends one persistent message, prints
   * {"phase":"restart"} and waits for a line on stdin (the test restarts the broker on the
   * same port), then sends another and receives both.
   */
  private static Map<String, Object> failover() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    String failoverUrl = "failover:(" + url + ")?initialReconnectDelay=50&maxReconnectDelay=200&timeout=20000";
    ActiveMQConnection c = (ActiveMQConnection) new ActiveMQConnectionFactory(failoverUrl).createConnection();
    c.start();
    try {
      Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Queue q = s.createQueue("failover.q");
      MessageProducer p = s.createProducer(q);
      p.setDeliveryMode(DeliveryMode.PERSISTENT);
      p.send(s.createTextMessage("before restart"));
      out.put("brokerBefore", c.getBrokerInfo() == null ? null : c.getBrokerInfo().getBrokerName());
      System.out.println("{\"phase\":\"restart\"}");
      System.out.flush();
      String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      out.put("resumedWith", line);
      p.send(s.createTextMessage("after restart"));
      MessageConsumer consumer = s.createConsumer(q);
      out.put("received", bodies(consumer, 2));
      out.put("transportConnected", c.getTransport().isConnected());
    } finally {
      close(c);
    }
    return out;
  }
}
