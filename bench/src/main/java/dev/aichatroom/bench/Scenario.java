package dev.aichatroom.bench;

/** One measured run: which broker, which path through it, which QoS, and how the load is offered. */
public record Scenario(String broker, Route route, int qos, Mode mode) {
    public Scenario {
        if (qos != 0 && qos != 1) {
            throw new BenchException("QoS " + qos + " is not measured; use 0 or 1");
        }
    }

    /** The way a message travels. */
    public enum Route {
        /** Publisher on {@code chatroom/messages/in} → chat service → subscribers on {@code chatroom/messages/out}. */
        CHAT("chat"),
        /** Publisher → subscribers on one topic of the same broker, no service: the anchor. */
        RAW("raw broker");

        private final String label;

        Route(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** How the publishers offer load. */
    public enum Mode {
        /**
         * Open loop at a fixed total rate; latency is taken from each message's scheduled send time, so a stall on the
         * sending side counts against the result instead of hiding it.
         */
        FIXED_RATE("fixed rate"),
        /**
         * Closed loop as fast as the path delivers: each publisher keeps at most a window of messages that have not yet
         * reached every subscriber, so the offered load settles at what the path sustains without unbounded queues.
         */
        MAX("max throughput"),
        /**
         * The highest open-loop fixed rate the path keeps up with ({@link RateSearch}): what can be offered for good,
         * whatever the latency of one message.
         */
        SUSTAINED("sustained rate");

        private final String label;

        Mode(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }
}
