package dev.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.Produced;

/**
 * cleanse-reviews + enrich-reviews as one Kafka Streams application: validate the review, standardise country,
 * phone (E.164, then masked), email, time and title, then join the customer (left) and the product (inner) from
 * GlobalKTables. Prints one JSON line: the process's CPU seconds over the measured records (after a warm-up).
 *
 * <p>Arguments: bootstrap servers, records, warm-up records.
 */
public final class CleanseEnrich {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
  private static final Map<String, String> COUNTRIES = new HashMap<>();

  static {
    for (String code : Locale.getISOCountries()) {
      COUNTRIES.put(code.toLowerCase(Locale.ROOT), code);
      COUNTRIES.put(new Locale("", code).getDisplayCountry(Locale.ENGLISH).toLowerCase(Locale.ROOT), code);
    }
  }

  private CleanseEnrich() {}

  static String text(JsonNode review, String field) {
    JsonNode v = review.get(field);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) throw new IllegalArgumentException(field);
    return v.asText();
  }

  static String isoTime(JsonNode createdAt) {
    if (createdAt.isNumber()) return Instant.ofEpochMilli(createdAt.asLong()).toString();
    String t = createdAt.asText().trim();
    OffsetDateTime time =
        Character.isDigit(t.charAt(0))
            ? OffsetDateTime.parse(t)
            : OffsetDateTime.parse(t, DateTimeFormatter.RFC_1123_DATE_TIME);
    return time.withOffsetSameInstant(ZoneOffset.UTC).toInstant().toString();
  }

  /** The review standardised, or null when it is invalid (Sluice dead-letters it; here it is dropped). */
  static ObjectNode cleanse(String value) {
    try {
      ObjectNode review = (ObjectNode) JSON.readTree(value);
      for (String f : List.of("reviewId", "customerId", "productId", "email", "country")) text(review, f);
      int rating = review.get("rating").asInt();
      if (rating < 1 || rating > 5) return null;
      String country = COUNTRIES.get(text(review, "country").trim().toLowerCase(Locale.ROOT));
      if (country == null) return null;
      review.put("country", country);
      review.put("email", text(review, "email").trim().toLowerCase(Locale.ROOT));
      review.put("createdAt", isoTime(review.get("createdAt")));
      review.put("title", review.path("title").asText("").trim());
      JsonNode phone = review.get("phone");
      if (phone != null && phone.isTextual()) {
        String e164 = PHONES.format(PHONES.parse(phone.asText(), country), PhoneNumberFormat.E164);
        review.put("phone", "*".repeat(e164.length() - 4) + e164.substring(e164.length() - 4));
      }
      return review;
    } catch (Exception invalid) {
      return null;
    }
  }

  static final class JsonSerde implements Serde<JsonNode> {
    @Override
    public Serializer<JsonNode> serializer() {
      return (topic, node) -> {
        try {
          return node == null ? null : JSON.writeValueAsBytes(node);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      };
    }

    @Override
    public Deserializer<JsonNode> deserializer() {
      return (topic, bytes) -> {
        try {
          return bytes == null ? null : JSON.readTree(bytes);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      };
    }
  }

  static String review(int i, String country, String phone) {
    String text =
        "Boils quickly and the handle stays cool. The lid hinge feels cheap and it is louder than my old one, but"
            + " for the price it does the job. Delivery was quick and the packaging was fine. ";
    ObjectNode r = JSON.createObjectNode();
    r.put("reviewId", "bench-" + i);
    r.put("customerId", String.format("c-%04d", i % 190));
    r.put("productId", String.format("p-%03d", i % 50));
    r.put("rating", 1 + i % 5);
    r.put("title", "Solid kettle, a little loud");
    r.put("text", text.repeat(3));
    r.put("source", i % 2 == 0 ? "app" : "site");
    r.put("country", country);
    r.put("email", " Customer" + (i % 190) + "@Example.com ");
    r.put("phone", phone);
    r.put("createdAt", System.currentTimeMillis());
    return r.toString();
  }

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    int records = Integer.parseInt(args[1]);
    int warmup = Integer.parseInt(args[2]);
    String run = Long.toString(System.currentTimeMillis(), 36);
    String raw = "ks." + run + ".reviews.raw";
    String customers = "ks." + run + ".customers";
    String products = "ks." + run + ".products";
    String enriched = "ks." + run + ".reviews.enriched";

    Properties common = new Properties();
    common.put("bootstrap.servers", bootstrap);
    try (Admin admin = Admin.create(common)) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(raw, 3, (short) 1),
                  new NewTopic(enriched, 3, (short) 1),
                  new NewTopic(customers, 1, (short) 1),
                  new NewTopic(products, 1, (short) 1)))
          .all()
          .get();
    }
    String[][] places = {
      {"GB", "020 7946 0153"}, {"Germany", "030 90182077"}, {"fr", "01 42 68 5301"},
      {"United States", "(212) 555-0153"}, {"ES", "912 345 699"}
    };
    Properties p = new Properties();
    p.putAll(common);
    p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      for (int c = 0; c < 190; c++) {
        String id = String.format("c-%04d", c);
        producer.send(new ProducerRecord<>(customers, id,
            "{\"customerId\":\"" + id + "\",\"name\":\"Customer " + c + "\",\"tier\":\"" + (c % 3 == 0 ? "gold" : "silver")
                + "\",\"country\":\"GB\",\"since\":\"2026-11-19\"}"));
      }
      for (int c = 0; c < 50; c++) {
        String id = String.format("p-%03d", c);
        producer.send(new ProducerRecord<>(products, id,
            "{\"productId\":\"" + id + "\",\"name\":\"Product " + c + "\",\"category\":\"kitchen\",\"priceCents\":" + (1000 + c) + "}"));
      }
      for (int i = 0; i < records; i++) {
        String[] place = places[i % places.length];
        producer.send(new ProducerRecord<>(raw, "bench-" + i, review(i, place[0], place[1])));
      }
    }

    AtomicLong seen = new AtomicLong();
    CountDownLatch warm = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    JsonSerde json = new JsonSerde();
    StreamsBuilder builder = new StreamsBuilder();
    GlobalKTable<String, JsonNode> customerTable = builder.globalTable(customers, Consumed.with(Serdes.String(), json));
    GlobalKTable<String, JsonNode> productTable = builder.globalTable(products, Consumed.with(Serdes.String(), json));
    builder.stream(raw, Consumed.with(Serdes.String(), Serdes.String()))
        .peek((k, v) -> {
          long n = seen.incrementAndGet();
          if (n == warmup) warm.countDown();
          if (n == records) done.countDown();
        })
        .mapValues(CleanseEnrich::cleanse)
        .filter((k, v) -> v != null)
        .<String, JsonNode, JsonNode>leftJoin(
            customerTable,
            (k, v) -> v.get("customerId").asText(),
            (v, c) -> c == null ? v : v.set("customer", c))
        .<String, JsonNode, JsonNode>join(
            productTable,
            (k, v) -> v.get("productId").asText(),
            (v, product) -> ((ObjectNode) v).set("product", product))
        .to(enriched, Produced.with(Serdes.String(), json));

    Properties s = new Properties();
    s.putAll(common);
    s.put(StreamsConfig.APPLICATION_ID_CONFIG, "ks-bench-" + run);
    s.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/ks-bench-" + run);
    s.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    s.put("consumer.auto.offset.reset", "earliest");
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (KafkaStreams streams = new KafkaStreams(builder.build(), s)) {
      streams.start();
      if (!warm.await(10, TimeUnit.MINUTES)) throw new IllegalStateException("no warm-up in 10 minutes");
      long cpu0 = os.getProcessCpuTime();
      long wall0 = System.nanoTime();
      long seen0 = seen.get();
      if (!done.await(20, TimeUnit.MINUTES)) throw new IllegalStateException("not done in 20 minutes");
      double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
      double wall = (System.nanoTime() - wall0) / 1e9;
      long measured = seen.get() - seen0;
      System.out.printf(
          "{\"records\":%d,\"cpuSeconds\":%.3f,\"wallSeconds\":%.3f,\"recordsPerCpuSecond\":%.0f,\"recordsPerSec\":%.0f}%n",
          measured, cpu, wall, measured / cpu, measured / wall);
    }
    try (Admin admin = Admin.create(common)) {
      admin.deleteTopics(List.of(raw, enriched, customers, products)).all().get();
    }
  }
}
