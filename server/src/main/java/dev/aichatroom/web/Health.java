package dev.aichatroom.web;

/** The state of one part of the product, for {@code GET /health}. */
public record Health(State state, String detail) {
    public enum State {
        UP,
        DEGRADED,
        DOWN,
        DISABLED
    }

    public static Health up(String detail) {
        return new Health(State.UP, detail);
    }

    public static Health down(String detail) {
        return new Health(State.DOWN, detail);
    }
}
