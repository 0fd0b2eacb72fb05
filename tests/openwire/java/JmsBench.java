import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.jms.BytesMessage;
import javax.jms.Connection;
import javax.jms.DeliveryMode;
import javax.jms.Message;
import javax.jms.MessageConsumer;
import javax.jms.MessageProducer;
import javax.jms.Queue;
import javax.jms.Session;
import org.apache.activemq.ActiveMQConnectionFactory;

/**
 * Queue throughput and latency with ActiveMQ's Java client, for bench/openwire.ts.
 * Usage: JmsBench <brokerUrl> <messages> <bodyBytes> <config>... where a config is
 * "<producers>x<consumers>:<persistent|non-persistent>". Every config runs after a
 * warm-up of the same shape and prints one JSON line: messages, seconds,
 * messagesPerSecond, p50Ms, p99Ms (latency from send to receive, one JVM clock).
 */
public final class JmsBench {
  public static void main(String[] args) throws Exception {
    String url = args[0];
    int messages = Integer.parseInt(args[1]);
    int bodyBytes = Integer.parseInt(args[2]);
    for (int i = 3; i < args.length; i++) {
      String config = args[i];
      String[] shape = config.split(":")[0].split("x");
      int producers = Integer.parseInt(shape[0]);
      int consumers = Integer.parseInt(shape[1]);
      boolean persistent = config.endsWith(":persistent");
      String queue = "bench." + config.replace(':', '.');
      run(url, queue + ".warmup", Math.max(producers * 100, messages / 10), bodyBytes, producers, consumers, persistent);
      Map<String, Object> out = run(url, queue, messages, bodyBytes, producers, consumers, persistent);
      out.put("config", config);
      System.out.println(Json.write(out));
      System.out.flush();
    }
    System.exit(0);
  }

  private static Map<String, Object> run(String url, String queueName, int messages, int bodyBytes, int producers,
      int consumers, boolean persistent) throws Exception {
    ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(url);
    List<Connection> connections = new ArrayList<>();
    long[] latencies = new long[messages];
    AtomicInteger received = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(1);
    try {
      for (int c = 0; c < consumers; c++) {
        Connection conn = factory.createConnection();
        connections.add(conn);
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageConsumer consumer = s.createConsumer(s.createQueue(queueName));
        consumer.setMessageListener((Message m) -> {
          try {
            long latency = System.nanoTime() - m.getLongProperty("sentNanos");
            int n = received.getAndIncrement();
            if (n < messages) latencies[n] = latency;
            if (n + 1 == messages) done.countDown();
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        });
        conn.start();
      }
      byte[] body = new byte[bodyBytes];
      Arrays.fill(body, (byte) 'x');
      List<Thread> threads = new ArrayList<>();
      int perProducer = messages / producers;
      long start = System.nanoTime();
      for (int p = 0; p < producers; p++) {
        int count = p == producers - 1 ? messages - perProducer * (producers - 1) : perProducer;
        Connection conn = factory.createConnection();
        connections.add(conn);
        conn.start();
        Thread t = new Thread(() -> {
          try {
            Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue q = s.createQueue(queueName);
            MessageProducer producer = s.createProducer(q);
            producer.setDeliveryMode(persistent ? DeliveryMode.PERSISTENT : DeliveryMode.NON_PERSISTENT);
            for (int i = 0; i < count; i++) {
              BytesMessage m = s.createBytesMessage();
              m.writeBytes(body);
              m.setLongProperty("sentNanos", System.nanoTime());
              producer.send(m);
            }
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        });
        threads.add(t);
        t.start();
      }
      for (Thread t : threads) t.join();
      if (!done.await(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException("only " + received.get() + " of " + messages + " messages arrived");
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      Arrays.sort(latencies);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("messages", messages);
      out.put("seconds", seconds);
      out.put("messagesPerSecond", Math.round(messages / seconds));
      out.put("p50Ms", latencies[(int) (messages * 0.50)] / 1e6);
      out.put("p99Ms", latencies[Math.min(messages - 1, (int) (messages * 0.99))] / 1e6);
      return out;
    } finally {
      for (Connection c : connections) c.close();
    }
  }
}
