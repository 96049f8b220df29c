package dev.sluice.oracle;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.DoubleSupplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;

/** What the aggregation and the join share: the driver's settings and the dropped-records count. */
final class Drivers {
    private Drivers() {}

    static TopologyTestDriver driver(final Topology topology) {
        final Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "sluice-oracle");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "oracle:9092");
        // In-memory stores: the same retention rules as RocksDB's without opening a database per driver, and an
        // exact expiry (RocksDB drops a late put by segment, so its dropped count is coarser).
        props.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, BuiltInDslStoreSuppliers.InMemoryDslStoreSuppliers.class);
        // No record cache: every update reaches suppress (and the output) as it happens, not at the next commit.
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0L);
        // Unmatched left/outer join records are emitted at most once per wall-clock interval (1 s by default); the
        // driver's clock stands still, so the throttle would hold them back for good.
        props.put(StreamsConfig.InternalConfig.EMIT_INTERVAL_MS_KSTREAMS_OUTER_JOIN_SPURIOUS_RESULTS_FIX, 0L);
        return new TopologyTestDriver(topology, props);
    }

    /**
     * The task's `dropped-records-total` (late window updates, and join records too late for their store), read
     * through the metric objects found once: listing the driver's metrics per record would cost more than the record.
     */
    static DoubleSupplier dropped(final TopologyTestDriver driver) {
        final List<Metric> found = new ArrayList<>();
        for (final var entry : driver.metrics().entrySet()) {
            final MetricName name = entry.getKey();
            if (name.name().equals("dropped-records-total") && name.group().equals("stream-task-metrics"))
                found.add(entry.getValue());
        }
        if (found.isEmpty()) throw new IllegalStateException("the driver has no dropped-records-total metric");
        return () -> found.stream().mapToDouble(m -> ((Number) m.metricValue()).doubleValue()).sum();
    }
}
