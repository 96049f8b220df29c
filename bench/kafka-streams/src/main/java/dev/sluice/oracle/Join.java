package dev.sluice.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.ValueJoiner;
import org.apache.kafka.streams.test.TestRecord;

/**
 * A stream-stream join of two co-partitioned topics whose values are the records' ids: join, leftJoin or
 * outerJoin within JoinWindows.ofTimeDifferenceAndGrace(..).before(..).after(..); each result names its pair.
 */
final class Join {
    private Join() {}

    /** A pair as "leftId rightId", "-" for a missing side (ids hold no spaces). */
    private static final ValueJoiner<String, String, String> PAIR =
        (left, right) -> (left == null ? "-" : left) + " " + (right == null ? "-" : right);

    static Topology topology(final JsonNode spec) {
        final long before = spec.get("beforeMs").asLong();
        final long after = spec.get("afterMs").asLong();
        final JoinWindows windows = JoinWindows
            .ofTimeDifferenceAndGrace(Duration.ofMillis(Math.max(before, after)), Duration.ofMillis(spec.get("graceMs").asLong()))
            .before(Duration.ofMillis(before))
            .after(Duration.ofMillis(after));
        final StreamsBuilder builder = new StreamsBuilder();
        final KStream<String, String> left = builder.stream("left", Consumed.with(Serdes.String(), Serdes.String()));
        final KStream<String, String> right = builder.stream("right", Consumed.with(Serdes.String(), Serdes.String()));
        final StreamJoined<String, String, String> joined = StreamJoined.with(Serdes.String(), Serdes.String(), Serdes.String());
        final KStream<String, String> pairs = switch (spec.get("type").asText()) {
            case "inner" -> left.join(right, PAIR, windows, joined);
            case "left" -> left.leftJoin(right, PAIR, windows, joined);
            case "outer" -> left.outerJoin(right, PAIR, windows, joined);
            default -> throw new IllegalArgumentException("unknown join type " + spec.get("type"));
        };
        pairs.to("output", Produced.with(Serdes.String(), Serdes.String()));
        return builder.build();
    }

    static JsonNode answer(final JsonNode spec, final JsonNode records) {
        final Topology topology = topology(spec);
        final ArrayNode pairs = Oracle.JSON.createArrayNode();
        final Set<String> late = new LinkedHashSet<>();
        final int partitions = spec.get("partitions").asInt();
        for (int partition = 0; partition < partitions; partition++) {
            try (TopologyTestDriver driver = Drivers.driver(topology)) {
                final var leftTopic = driver.createInputTopic("left", Serdes.String().serializer(), Serdes.String().serializer());
                final var rightTopic = driver.createInputTopic("right", Serdes.String().serializer(), Serdes.String().serializer());
                final var output = driver.createOutputTopic("output", Serdes.String().deserializer(), Serdes.String().deserializer());
                final var dropped = Drivers.dropped(driver);
                for (final JsonNode record : records) {
                    if (record.get("partition").asInt() != partition) continue;
                    final var topic = "right".equals(record.path("side").asText()) ? rightTopic : leftTopic;
                    final double before = dropped.getAsDouble();
                    topic.pipeInput(record.get("key").asText(), record.get("id").asText(), record.get("timestamp").asLong());
                    if (dropped.getAsDouble() > before) late.add(record.get("id").asText());
                }
                for (final TestRecord<String, String> emitted : output.readRecordsToList()) {
                    final String[] ids = emitted.value().split(" ");
                    final ObjectNode pair = pairs.addObject();
                    pair.put("key", emitted.key());
                    if (ids[0].equals("-")) pair.putNull("left"); else pair.put("left", ids[0]);
                    if (ids[1].equals("-")) pair.putNull("right"); else pair.put("right", ids[1]);
                }
            }
        }
        final ObjectNode answer = Oracle.JSON.createObjectNode();
        answer.set("pairs", pairs);
        final ArrayNode lateIds = answer.putArray("late");
        late.forEach(lateIds::add);
        return answer;
    }
}
