package dev.aichatroom.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.testing.FreePorts;
import dev.aichatroom.testing.Processes;
import dev.aichatroom.testing.TestCertificates;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code TLS_CERT} and {@code TLS_KEY} the product serves its page and API over HTTPS, and the embedded broker
 * speaks MQTT over TLS and WebSocket over TLS, with the operator's certificate (here a self-signed one from openssl).
 */
@Timeout(90)
class TlsIT {
    @TempDir
    static Path dir;

    private static TestCertificates certs;
    private static TestProduct product;
    private static int tlsPort;

    @BeforeAll
    static void start() {
        certs = TestCertificates.make(dir, "ec", "localhost", "127.0.0.1");
        tlsPort = FreePorts.next();
        product = TestProduct.start(Map.of(
                "TLS_CERT", certs.certificate().toString(),
                "TLS_KEY", certs.key().toString(),
                "MQTT_TLS_PORT", Integer.toString(tlsPort)));
    }

    @AfterAll
    static void stop() {
        if (product != null) {
            product.close();
        }
    }

    private static HttpResponse<String> https(String path) throws IOException, InterruptedException {
        return https(certs, product.httpPort(), path);
    }

    /** {@code GET https://127.0.0.1:{port}{path}}, trusting {@code trust} alone. */
    private static HttpResponse<String> https(TestCertificates trust, int port, String path)
            throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newBuilder().sslContext(trust.trust()).build()) {
            return http.send(
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
                            .build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        }
    }

    private static TestMqtt tlsClient(String id, int port, boolean webSocket) {
        return tlsClient(certs, id, port, webSocket);
    }

    /** An MQTT client over TLS (WebSocket over TLS with {@code webSocket}) that trusts {@code trust} alone. */
    private static TestMqtt tlsClient(TestCertificates trust, String id, int port, boolean webSocket) {
        return TestMqtt.connect(
                port,
                id,
                b -> {
                    var builder = b.sslConfig()
                            .trustManagerFactory(trust.trustManagers())
                            .applySslConfig();
                    return webSocket
                            ? builder.webSocketConfig().serverPath("mqtt").applyWebSocketConfig()
                            : builder;
                },
                c -> c);
    }

    @Test
    void the_page_and_the_api_are_served_over_https() throws Exception {
        HttpResponse<String> health = https("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"up\"");

        HttpResponse<String> page = https("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Security-Policy")).isPresent();
    }

    @Test
    void plain_http_on_the_same_port_is_redirected_to_https_and_served_nothing() {
        for (String path : List.of("/", "/voice.html", "/api/rooms/main/messages?limit=5", "/health")) {
            HttpResponse<String> plain = product.get(path);

            assertThat(plain.statusCode()).as(path).isEqualTo(308);
            assertThat(plain.headers().firstValue("Location"))
                    .as(path)
                    .contains("https://127.0.0.1:" + product.httpPort() + path);
            assertThat(plain.body()).as(path).isEmpty();
        }
    }

    @Test
    void metrics_tell_how_long_the_certificate_has_left() throws Exception {
        String metrics = https("/metrics").body();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^tls_certificate_expiry_seconds (\\S+)$")
                .matcher(metrics);

        assertThat(m.find()).as(metrics).isTrue();
        assertThat(Double.parseDouble(m.group(1))).isBetween(80_000.0, 86_400.0); // a one-day certificate
    }

    @Test
    void the_page_is_told_to_reach_mqtt_over_secure_websocket() throws Exception {
        assertThat(https("/api/config").body())
                .contains("\"mqtt_ws_url\":\"wss://127.0.0.1:" + product.wsPort() + "/mqtt\"");
    }

    @Test
    void devices_on_mqtt_over_tls_and_pages_on_secure_websocket_share_the_room() {
        try (TestMqtt page = tlsClient("tls-page", product.wsPort(), true).subscribe("chatroom/messages/out");
                TestMqtt device = tlsClient("tls-device", tlsPort, false)) {
            device.publish(
                    "chatroom/messages/in",
                    "{\"client_id\":\"tls-device\",\"username\":\"sensor\",\"message\":\"over TLS\"}");

            assertThat(page.await("chatroom/messages/out", r -> r.text().contains("over TLS"))
                            .text())
                    .contains("\"type\":\"user_message\"", "\"username\":\"sensor\"");
        }
    }

    @Test
    void mosquitto_clients_publish_over_tls_with_the_certificate_as_ca_file() {
        try (TestMqtt listener =
                TestMqtt.connect(product.mqttPort(), "tls-listener").subscribe("chatroom/messages/out")) {
            Processes.mosquittoPub(
                    tlsPort,
                    "chatroom/messages/in",
                    "{\"client_id\":\"tls-test\",\"username\":\"测试\",\"message\":\"hello over mqtts\"}",
                    "--cafile",
                    certs.certificate().toString());

            listener.await("chatroom/messages/out", r -> r.text().contains("hello over mqtts"));
        }
    }

    @Test
    void the_brokers_copy_of_the_key_is_readable_by_its_owner_alone() throws Exception {
        Path copy = product.dataDir().resolve("broker/tls/server.p12");

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copy)))
                .isEqualTo("rw-------");
    }

    @Test
    void a_renewed_certificate_is_served_without_a_restart_and_a_broken_renewal_is_not() throws Exception {
        TestCertificates first =
                TestCertificates.make(Files.createDirectories(dir.resolve("first")), "ec", "127.0.0.1");
        TestCertificates renewed =
                TestCertificates.make(Files.createDirectories(dir.resolve("renewed")), "rsa", "127.0.0.1");
        Path live = Files.createDirectories(dir.resolve("live"));
        TestCertificates served = new TestCertificates(live.resolve("fullchain.pem"), live.resolve("privkey.pem"));
        Files.copy(first.certificate(), served.certificate());
        Files.copy(first.key(), served.key());
        int renewTlsPort = FreePorts.next();
        try (TestProduct renewing = TestProduct.start(Map.of(
                        "TLS_CERT", served.certificate().toString(),
                        "TLS_KEY", served.key().toString(),
                        "MQTT_TLS_PORT", Integer.toString(renewTlsPort),
                        "TLS_RELOAD_INTERVAL", "1"));
                TestMqtt before =
                        tlsClient(first, "before-renewal", renewTlsPort, false).subscribe("chatroom/messages/out")) {
            assertThat(handshakes(first, renewing.httpPort())).isTrue();

            // half a renewal: the new key next to the old certificate is refused, the old pair stays in service
            Files.copy(renewed.key(), served.key(), StandardCopyOption.REPLACE_EXISTING);
            Thread.sleep(3_000);
            assertThat(handshakes(first, renewing.httpPort())).isTrue();

            Files.copy(renewed.certificate(), served.certificate(), StandardCopyOption.REPLACE_EXISTING);
            await().atMost(Duration.ofSeconds(15)).until(() -> handshakes(renewed, renewing.httpPort()));
            assertThat(handshakes(first, renewing.httpPort())).isFalse();
            await().atMost(Duration.ofSeconds(15)).until(() -> mqttHandshakes(renewed, renewTlsPort));

            // a connection opened before the renewal is still there and still served
            before.publish(
                    "chatroom/messages/in",
                    "{\"client_id\":\"before-renewal\",\"username\":\"b\",\"message\":\"still here\"}");
            before.await("chatroom/messages/out", r -> r.text().contains("still here"));
        }
    }

    /** Whether an MQTT over TLS connection that trusts {@code certs} alone gets through. */
    private static boolean mqttHandshakes(TestCertificates certs, int port) {
        try (TestMqtt device = tlsClient(certs, "renewed-device", port, false)) {
            return device.client().getState().isConnected();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Whether an HTTPS request that trusts {@code certs} alone gets through. */
    private static boolean handshakes(TestCertificates certs, int port) {
        try {
            return https(certs, port, "/health").statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
