package dev.aichatroom.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aichatroom.testing.FreePorts;
import dev.aichatroom.testing.TestCertificates;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * With a certificate on an address other machines can reach (here every interface, 0.0.0.0), nothing takes a password
 * or a token in the clear: plain MQTT on {@code MQTT_PORT} does not listen and {@code PORT} speaks TLS only. Every TLS
 * listener (HTTPS, {@code wss://}, MQTT over TLS) accepts TLS 1.3 and TLS 1.2 with ECDHE and AEAD suites only, as
 * {@code openssl s_client} sees it; HTTPS responses carry {@code Strict-Transport-Security}.
 */
@Timeout(120)
class TlsPostureIT {
    @TempDir
    static Path dir;

    private static TestCertificates certs;
    private static TestProduct product;
    private static int tlsPort;

    @BeforeAll
    static void start() {
        // RSA, so that RSA key exchange and ECDHE_RSA CBC suites are possible at all and must be refused by policy
        certs = TestCertificates.make(dir, "rsa", "127.0.0.1");
        tlsPort = FreePorts.next();
        product = TestProduct.start(Map.of(
                "TLS_CERT", certs.certificate().toString(),
                "TLS_KEY", certs.key().toString(),
                "MQTT_TLS_PORT", Integer.toString(tlsPort),
                "MQTT_BIND", "0.0.0.0",
                "HTTP_BIND", "0.0.0.0",
                "MQTT_USERNAME", "device",
                "MQTT_PASSWORD", "posture-secret"));
    }

    @AfterAll
    static void stop() {
        if (product != null) {
            product.close();
        }
    }

    @Test
    void plain_mqtt_does_not_listen_while_mqtt_over_tls_takes_the_account() {
        assertThatThrownBy(() -> new Socket().connect(new InetSocketAddress("127.0.0.1", product.mqttPort()), 5_000))
                .isInstanceOf(ConnectException.class);

        try (TestMqtt device = TestMqtt.connect(
                tlsPort,
                "device",
                b -> b.sslConfig().trustManagerFactory(certs.trustManagers()).applySslConfig(),
                c -> c.simpleAuth()
                        .username("device")
                        .password("posture-secret".getBytes(StandardCharsets.UTF_8))
                        .applySimpleAuth())) {
            assertThat(device.client().getState().isConnected()).isTrue();
        }
    }

    @Test
    void plain_http_on_the_https_port_gets_no_http_answer() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", product.httpPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream()
                    .write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] answer = readSome(socket.getInputStream());

            assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotContain("HTTP/1.1");
        }
    }

    @Test
    void https_responses_tell_browsers_to_use_https_only() throws Exception {
        try (HttpClient http = HttpClient.newBuilder().sslContext(certs.trust()).build()) {
            HttpResponse<String> health = http.send(
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + product.httpPort() + "/health"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.headers().firstValue("Strict-Transport-Security")).hasValue("max-age=31536000");
        }
    }

    @Test
    void every_tls_listener_speaks_tls_1_3_and_tls_1_2_with_ecdhe_and_aead() {
        for (int port : tlsPorts()) {
            assertThat(sClient(port, "-tls1_3")).as("TLS 1.3 on %d", port).isTrue();
            assertThat(sClient(port, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"))
                    .as("ECDHE-RSA-AES128-GCM-SHA256 on %d", port)
                    .isTrue();
            assertThat(sClient(port, "-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305"))
                    .as("ECDHE-RSA-CHACHA20-POLY1305 on %d", port)
                    .isTrue();
        }
    }

    @Test
    void every_tls_listener_refuses_old_protocols_cbc_suites_and_rsa_key_exchange() {
        for (int port : tlsPorts()) {
            // the client's own security level would refuse TLS 1.1 before the server is asked
            assertThat(sClient(port, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"))
                    .as("TLS 1.1 on %d", port)
                    .isFalse();
            assertThat(sClient(port, "-tls1", "-cipher", "DEFAULT@SECLEVEL=0"))
                    .as("TLS 1.0 on %d", port)
                    .isFalse();
            for (String cbc : List.of("ECDHE-RSA-AES128-SHA256", "ECDHE-RSA-AES256-SHA384", "ECDHE-RSA-AES128-SHA")) {
                assertThat(sClient(port, "-tls1_2", "-cipher", cbc))
                        .as("%s on %d", cbc, port)
                        .isFalse();
            }
            for (String rsa : List.of("AES128-GCM-SHA256", "AES256-GCM-SHA384", "DHE-RSA-AES128-GCM-SHA256")) {
                assertThat(sClient(port, "-tls1_2", "-cipher", rsa))
                        .as("%s on %d", rsa, port)
                        .isFalse();
            }
        }
    }

    private static List<Integer> tlsPorts() {
        return List.of(product.httpPort(), product.wsPort(), tlsPort);
    }

    /** Whether {@code openssl s_client} completes a handshake on {@code port} with these options. */
    private static boolean sClient(int port, String... options) {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port));
        command.addAll(List.of(options));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("openssl s_client timed out: " + command);
            }
            // "New, TLSv1.x, Cipher is …" only once a session is established ("New, (NONE)" otherwise)
            return out.contains("New, TLSv1");
        } catch (IOException e) {
            throw new AssertionError("cannot run openssl", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static byte[] readSome(InputStream in) throws IOException {
        byte[] buffer = new byte[256];
        try {
            int n = in.read(buffer);
            return n <= 0 ? new byte[0] : java.util.Arrays.copyOf(buffer, n);
        } catch (java.net.SocketException e) {
            return new byte[0]; // reset: no answer either
        }
    }
}
