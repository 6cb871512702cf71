package dev.aichatroom.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.read.ListAppender;
import dev.aichatroom.testing.RawMqtt;
import dev.aichatroom.testing.TestProduct;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * CR/LF in what a client sends before it has logged in (issue 15): a raw CONNECT whose client id and username hold
 * a line that looks like a log line of the product. The broker's packet check refuses such strings; and any log
 * message that does carry one is a single line as the product's own console encoder writes it, so the log has no
 * forged line either way.
 */
@Timeout(90)
class LogInjectionIT {
    private static final String FORGED = "\r\n04:59:59.999 INFO  [main] Application - FORGED admin logged in";

    @Test
    void a_client_id_or_username_with_line_breaks_forges_no_log_line() throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        @SuppressWarnings("unchecked")
        OutputStreamAppender<ILoggingEvent> console = (OutputStreamAppender<ILoggingEvent>) root.getAppender("STDOUT");
        assertThat(console).as("LogSetup's console appender").isNotNull();
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.setContext(context);
        captured.start();
        root.addAppender(captured);
        Path accounts = Files.createTempFile("accounts", "");
        Files.writeString(accounts, "alice:alice-secret\n");
        try (TestProduct product = TestProduct.start(Map.of("MQTT_ACCOUNTS_FILE", accounts.toString()))) {
            // before login: a raw CONNECT whose client id and username hold a forged line
            int connack = RawMqtt.tryLogin(product.mqttPort(), "evil" + FORGED, "mallory" + FORGED, "wrong");
            assertThat(connack).as("CONNACK of a login with a wrong password").isNotZero();
            int crlfUser = RawMqtt.tryLogin(product.mqttPort(), "evil-2", "mallory" + FORGED, "wrong");
            assertThat(crlfUser).isNotZero();
            await().pollDelay(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> lines(console, captured).stream().noneMatch(l -> l.startsWith("04:59:59.999")));
            // any message that carries such a value (here the broker's refusal line, as it logs a wrong password)
            // is one line as the product's console writes it
            LoggerFactory.getLogger("dev.aichatroom.broker.BrokerSecurity")
                    .info(
                            "MQTT client '{}' refused: bad or missing credentials (user '{}')",
                            "evil" + FORGED,
                            "mallory" + FORGED);
            List<String> forged = lines(console, captured).stream()
                    .filter(l -> l.contains("FORGED"))
                    .toList();
            assertThat(forged)
                    .as("the log as the console writes it")
                    .isNotEmpty()
                    .allSatisfy(line -> {
                        assertThat(line).doesNotStartWith("04:59:59.999");
                        assertThat(line).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*");
                        assertThat(line).contains("\\u000D\\u000A04:59:59.999");
                    });
            assertThat(lines(console, captured)).noneMatch(l -> l.startsWith("04:59:59.999"));
        } finally {
            root.detachAppender(captured);
            Files.deleteIfExists(accounts);
        }
    }

    /** Every captured event, encoded by the product's own console encoder and cut into lines. */
    private static List<String> lines(OutputStreamAppender<ILoggingEvent> console, ListAppender<ILoggingEvent> events) {
        StringBuilder log = new StringBuilder();
        List<ILoggingEvent> copy;
        synchronized (events) { // AppenderBase.doAppend holds the appender's lock while it appends
            copy = List.copyOf(events.list);
        }
        for (ILoggingEvent event : copy) {
            log.append(new String(console.getEncoder().encode(event), StandardCharsets.UTF_8));
        }
        return Arrays.asList(log.toString().split("\r?\n|\r"));
    }
}
