package dev.aichatroom.bench;

/** Where a broker listens. */
record Endpoint(String host, int port) {
    @Override
    public String toString() {
        return host + ":" + port;
    }
}
