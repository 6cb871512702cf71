package dev.aichatroom.bench;

import java.util.Arrays;
import java.util.List;

/** The scenarios of the fault part ({@code --only=faults}); see {@code bench/README.md}. */
enum FaultKind {
    STEADY("steady", 1, "no fault: the baseline"),
    BURST("burst", 1, "the inputs published at once, as fast as the broker takes them"),
    BROKER_SIGTERM(
            "broker-sigterm", 1, "Mosquitto stopped with SIGTERM (it saves its persistence file) and started again"),
    BROKER_SIGKILL("broker-sigkill", 1, "Mosquitto killed with SIGKILL (no save) and started again"),
    INSTANCE_SIGKILL("instance-sigkill", 2, "one of two instances killed with SIGKILL and started again"),
    INSTANCE_SIGTERM("instance-sigterm", 2, "one of two instances stopped with SIGTERM and started again"),
    PARTITION("partition", 1, "the service's connection cut (nothing forwarded either way) for 3 keep-alives"),
    RESET(
            "reset",
            1,
            "the service's connection reset 5 times, 2 s apart, each after 1 s in which the broker's packets (its"
                    + " acknowledgements, the inputs) were held and are then dropped");

    private final String label;
    private final int instances;
    private final String description;

    FaultKind(String label, int instances, String description) {
        this.label = label;
        this.instances = instances;
        this.description = description;
    }

    String label() {
        return label;
    }

    /** Product instances: 2 means CHAT_SHARED_GROUP and PostgreSQL. */
    int instances() {
        return instances;
    }

    /** What the scenario does on {@code broker}: Artemis syncs what it acknowledged and saves nothing on the way out. */
    String description(FaultBroker.Kind broker) {
        return switch (broker) {
            case MOSQUITTO -> description;
            case ARTEMIS ->
                switch (this) {
                    case BROKER_SIGTERM -> "Artemis stopped with SIGTERM and started again";
                    case BROKER_SIGKILL -> "Artemis killed with SIGKILL and started again";
                    default -> description;
                };
        };
    }

    static FaultKind of(String label) {
        return Arrays.stream(values())
                .filter(k -> k.label.equals(label))
                .findFirst()
                .orElseThrow(() -> new BenchException("--scenarios: '" + label + "' is not one of " + labels()));
    }

    static String labels() {
        return String.join(", ", Arrays.stream(values()).map(FaultKind::label).toList());
    }

    static List<FaultKind> all() {
        return List.of(values());
    }
}
