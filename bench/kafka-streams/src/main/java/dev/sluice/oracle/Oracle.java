package dev.sluice.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * The stateful-semantics oracle of Sluice's property tests (test/support/stateful/contract.ts): reads one case a
 * line on stdin, {"spec": AggregateSpec | JoinSpec, "records": InputRecord[]}, runs it through Kafka Streams in
 * TopologyTestDriver (one driver per partition, so stream time is kept per partition as a task keeps it) and
 * writes the AggregateAnswer or JoinAnswer as one line on stdout, or {"error": "..."}. Many cases share one JVM.
 */
public final class Oracle {
    static final ObjectMapper JSON = new ObjectMapper();

    private Oracle() {}

    public static void main(final String[] args) throws Exception {
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        final PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), false);
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) continue;
            out.println(JSON.writeValueAsString(answer(line)));
            out.flush();
        }
    }

    static JsonNode answer(final String line) {
        try {
            final JsonNode request = JSON.readTree(line);
            final JsonNode spec = request.get("spec");
            final JsonNode records = request.get("records");
            return switch (spec.get("kind").asText()) {
                case "aggregate" -> Aggregation.answer(spec, records);
                case "join" -> Join.answer(spec, records);
                default -> throw new IllegalArgumentException("unknown spec kind " + spec.get("kind"));
            };
        } catch (final Exception e) {
            final ObjectNode error = JSON.createObjectNode();
            error.put("error", e.getClass().getName() + ": " + e.getMessage());
            return error;
        }
    }
}
