package dev.aichatroom.testing;

import dev.aichatroom.Application;
import dev.aichatroom.config.ConfigLoader;
import dev.aichatroom.config.Env;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The real product, in this JVM, on free ports and a fresh data directory. Restartable on the same ports and data. */
public final class TestProduct implements AutoCloseable {
    private final Map<String, String> env;
    /** The data directory this class made (not one the test passed), removed on {@link #close}. */
    private final java.util.Optional<Path> ownDataDir;

    private Application app;

    private TestProduct(Map<String, String> env, java.util.Optional<Path> ownDataDir) {
        this.env = env;
        this.ownDataDir = ownDataDir;
    }

    /** Starts the product with the embedded broker; {@code overrides} are extra configuration variables. */
    public static TestProduct start(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>();
        env.put("MQTT_PORT", Integer.toString(FreePorts.next()));
        env.put("MQTT_WS_PORT", Integer.toString(FreePorts.next()));
        env.put("PORT", Integer.toString(FreePorts.next()));
        env.put("AI_PROVIDER", "none");
        // the default speech-to-text downloads its model on the first call: tests never do (ModelDownloadTest does)
        env.put("VOICE_STT_DOWNLOAD", "false");
        java.util.Optional<Path> ownDataDir = overrides.containsKey("DATA_DIR")
                ? java.util.Optional.empty()
                : java.util.Optional.of(TempDirs.create("aichatroom-test"));
        ownDataDir.ifPresent(dir -> env.put("DATA_DIR", dir.toString()));
        env.putAll(overrides);
        TestProduct product = new TestProduct(env, ownDataDir);
        product.startApp();
        return product;
    }

    public static TestProduct start() {
        return start(Map.of());
    }

    private void startApp() {
        app = new Application(ConfigLoader.load(Env.of(env)));
        app.start();
        try {
            app.awaitBackgroundStart(java.time.Duration.ofSeconds(120)); // tests call at once: voice loaded first
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public void restart() {
        stop();
        startApp();
    }

    public void stop() {
        if (app != null) {
            app.close();
            app = null;
        }
    }

    public int mqttPort() {
        return Integer.parseInt(env.get("MQTT_PORT"));
    }

    public int wsPort() {
        return Integer.parseInt(env.get("MQTT_WS_PORT"));
    }

    public int httpPort() {
        return Integer.parseInt(env.get("PORT"));
    }

    public Path dataDir() {
        return Path.of(env.get("DATA_DIR"));
    }

    public HttpResponse<String> get(String path) {
        return get(httpPort(), path);
    }

    /**
     * Waits until the chat service has started ({@code /mqtt/status}' {@code is_running}): it has connected, published
     * again what it had left unpublished and takes inputs. A row a test writes into the store after this is not part
     * of that start-up recovery.
     */
    public void awaitChatRunning(java.time.Duration timeout) {
        org.awaitility.Awaitility.await()
                .atMost(timeout)
                .pollInterval(java.time.Duration.ofMillis(100))
                .until(() -> get("/mqtt/status").body().contains("\"is_running\":true"));
    }

    /** {@code GET http://127.0.0.1:{port}{path}}, for a product a test started some other way. */
    public static HttpResponse<String> get(int port, String path) {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .build(),
                    HttpResponse.BodyHandlers.ofString(java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A counter or gauge of {@code /metrics} without labels, e.g. {@code chat_inputs_taken_total}; 0 when absent. */
    public double metric(String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                        "(?m)^" + java.util.regex.Pattern.quote(name) + "(?:\\{[^}]*})? ([0-9.eE+-]+)$")
                .matcher(get("/metrics").body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /** The contents of a client's stored messages, in the store's order (its SQLite file in the data directory). */
    public List<String> storedContents(String clientId) {
        List<String> stored = new java.util.ArrayList<>();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(
                        "jdbc:sqlite:" + dataDir().resolve("chatroom.db"));
                java.sql.PreparedStatement st =
                        c.prepareStatement("SELECT content FROM messages WHERE client_id = ? ORDER BY seq")) {
            st.setString(1, clientId);
            try (java.sql.ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    stored.add(rs.getString(1));
                }
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return stored;
    }

    @Override
    public void close() {
        stop();
        ownDataDir.ifPresent(TempDirs::delete);
    }
}
