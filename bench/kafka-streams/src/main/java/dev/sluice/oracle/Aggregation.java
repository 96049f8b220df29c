package dev.sluice.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.test.TestRecord;

/**
 * A windowed aggregation emitted on window close: groupByKey, windowedBy (tumbling, hopping or session, with
 * grace), aggregate, suppress(untilWindowCloses). The aggregate keeps count, sum, min and max of the values (a
 * session merge adds them up), and the reduction picks one when the window is emitted.
 */
final class Aggregation {
    private Aggregation() {}

    /** count, sum, min, max. */
    private static final Serde<double[]> STATS = Serdes.serdeFrom(
        (Serializer<double[]>) (topic, stats) -> {
            final ByteBuffer buffer = ByteBuffer.allocate(32);
            for (final double d : stats) buffer.putDouble(d);
            return buffer.array();
        },
        (Deserializer<double[]>) (topic, bytes) -> {
            final ByteBuffer buffer = ByteBuffer.wrap(bytes);
            return new double[] {buffer.getDouble(), buffer.getDouble(), buffer.getDouble(), buffer.getDouble()};
        });

    private static double[] empty() {
        return new double[] {0, 0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
    }

    private static double[] add(final double[] stats, final double value) {
        return new double[] {stats[0] + 1, stats[1] + value, Math.min(stats[2], value), Math.max(stats[3], value)};
    }

    private static double[] merge(final double[] a, final double[] b) {
        return new double[] {a[0] + b[0], a[1] + b[1], Math.min(a[2], b[2]), Math.max(a[3], b[3])};
    }

    private static double reduce(final String reduction, final double[] stats) {
        return switch (reduction) {
            case "count" -> stats[0];
            case "sum" -> stats[1];
            case "min" -> stats[2];
            case "max" -> stats[3];
            case "avg" -> stats[1] / stats[0];
            default -> throw new IllegalArgumentException("unknown reduction " + reduction);
        };
    }

    static Topology topology(final JsonNode spec) {
        final JsonNode window = spec.get("window");
        final Duration grace = Duration.ofMillis(spec.get("graceMs").asLong());
        final String reduction = spec.get("reduce").asText();
        final StreamsBuilder builder = new StreamsBuilder();
        final KGroupedStream<String, Double> grouped = builder
            .stream("input", Consumed.with(Serdes.String(), Serdes.Double()))
            .groupByKey(Grouped.with(Serdes.String(), Serdes.Double()));
        final KTable<? extends Windowed<String>, double[]> table = switch (window.get("type").asText()) {
            case "tumbling" -> grouped
                .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(window.get("sizeMs").asLong()), grace))
                .aggregate(Aggregation::empty, (key, value, stats) -> add(stats, value), Materialized.with(Serdes.String(), STATS));
            case "hopping" -> grouped
                .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(window.get("sizeMs").asLong()), grace)
                    .advanceBy(Duration.ofMillis(window.get("advanceMs").asLong())))
                .aggregate(Aggregation::empty, (key, value, stats) -> add(stats, value), Materialized.with(Serdes.String(), STATS));
            case "session" -> grouped
                .windowedBy(SessionWindows.ofInactivityGapAndGrace(Duration.ofMillis(window.get("gapMs").asLong()), grace))
                .aggregate(Aggregation::empty, (key, value, stats) -> add(stats, value),
                    (key, a, b) -> merge(a, b), Materialized.with(Serdes.String(), STATS));
            default -> throw new IllegalArgumentException("unknown window type " + window.get("type"));
        };
        table
            .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
            .toStream()
            .map((windowed, stats) -> KeyValue.pair(windowed.key(), windowed.window().start() + " "
                + windowed.window().end() + " " + reduce(reduction, stats)))
            .to("output", Produced.with(Serdes.String(), Serdes.String()));
        return builder.build();
    }

    static JsonNode answer(final JsonNode spec, final JsonNode records) {
        final Topology topology = topology(spec);
        final ArrayNode results = Oracle.JSON.createArrayNode();
        final Set<String> late = new LinkedHashSet<>();
        final Set<String> droppedButEmitted = new LinkedHashSet<>();
        final int partitions = spec.get("partitions").asInt();
        for (int partition = 0; partition < partitions; partition++) {
            try (TopologyTestDriver driver = Drivers.driver(topology)) {
                final var input = driver.createInputTopic("input", Serdes.String().serializer(), Serdes.Double().serializer());
                final var output = driver.createOutputTopic("output", Serdes.String().deserializer(), Serdes.String().deserializer());
                final var dropped = Drivers.dropped(driver);
                final java.util.List<TestRecord<String, String>> emittedRecords = new java.util.ArrayList<>();
                for (final JsonNode record : records) {
                    if (record.get("partition").asInt() != partition) continue;
                    final double before = dropped.getAsDouble();
                    input.pipeInput(record.get("key").asText(), record.get("value").asDouble(), record.get("timestamp").asLong());
                    final var now = output.readRecordsToList();
                    emittedRecords.addAll(now);
                    if (dropped.getAsDouble() > before) {
                        late.add(record.get("id").asText());
                        // A record the processor skips forwards nothing, so nothing is emitted; one whose merged
                        // session the session store refused (at exactly its retention) was still forwarded, and
                        // suppress emitted the session with it at once.
                        if (!now.isEmpty()) droppedButEmitted.add(record.get("id").asText());
                    }
                }
                for (final TestRecord<String, String> emitted : emittedRecords) {
                    final String[] parts = emitted.value().split(" ");
                    final ObjectNode result = results.addObject();
                    result.put("key", emitted.key());
                    result.put("windowStart", Long.parseLong(parts[0]));
                    result.put("windowEnd", Long.parseLong(parts[1]));
                    result.put("value", Double.parseDouble(parts[2]));
                }
            }
        }
        final ObjectNode answer = Oracle.JSON.createObjectNode();
        answer.set("results", results);
        final ArrayNode lateIds = answer.putArray("late");
        late.forEach(lateIds::add);
        final ArrayNode droppedButEmittedIds = answer.putArray("droppedButEmitted");
        droppedButEmitted.forEach(droppedButEmittedIds::add);
        return answer;
    }
}
