package dev.aichatroom;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.spi.FilterReply;
import ch.qos.logback.core.status.Status;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The console log as logback sets it up from the class path, without an XML file to parse at start. */
class LogSetupTest {
    private final LoggerContext context = new LoggerContext();

    @AfterEach
    void stop() {
        context.stop();
    }

    private OutputStreamAppender<ILoggingEvent> console() throws Exception {
        new ContextInitializer(context).autoConfig();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        return (OutputStreamAppender<ILoggingEvent>) root.getAppender("STDOUT");
    }

    private String line(OutputStreamAppender<ILoggingEvent> console, String logger, String message) {
        LoggingEvent event = new LoggingEvent(
                Logger.class.getName(), context.getLogger(logger), Level.INFO, message, null, new Object[0]);
        event.setThreadName("main");
        return new String(console.getEncoder().encode(event), StandardCharsets.UTF_8);
    }

    @Test
    void logback_finds_the_setup_in_code_and_reads_no_configuration_file() throws Exception {
        OutputStreamAppender<ILoggingEvent> console = console();
        assertThat(console).as("the console appender").isNotNull();
        assertThat(context.getStatusManager().getCopyOfStatusList())
                .map(Status::getMessage)
                .anyMatch(m -> m.contains(LogSetup.class.getName()))
                .noneMatch(m -> m.contains("logback.xml") && m.contains("Found resource"));
    }

    @Test
    void a_message_is_one_line_with_time_level_thread_and_logger_whatever_it_holds() throws Exception {
        String line = line(console(), "dev.aichatroom.broker.BrokerSecurity", "user 'x\r\n04:59:59.999 INFO  forged'");
        assertThat(line)
                .matches(
                        "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[main] BrokerSecurity - user 'x\\\\u000D\\\\u000A04:59:59"
                                + "\\.999 INFO  forged'\\n");
    }

    @Test
    void libraries_stay_at_warnings_and_the_brokers_expected_disconnect_errors_are_dropped() throws Exception {
        OutputStreamAppender<ILoggingEvent> console = console();
        assertThat(context.getLogger("org.apache.activemq.artemis.core").getEffectiveLevel())
                .isEqualTo(Level.WARN);
        assertThat(context.getLogger("org.apache.activemq.audit.message").getEffectiveLevel())
                .isEqualTo(Level.OFF);
        assertThat(context.getLogger("io.netty.channel").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("dev.aichatroom.chat.ChatService").getEffectiveLevel())
                .isEqualTo(LogSetup.level(System.getenv("LOG_LEVEL")));
        LoggingEvent disconnect = new LoggingEvent(
                Logger.class.getName(),
                context.getLogger("org.apache.activemq.artemis.core.server"),
                Level.WARN,
                "AMQ834001: Error disconnecting client",
                null,
                new Object[0]);
        assertThat(console.getCopyOfAttachedFiltersList().getFirst().decide(disconnect))
                .isEqualTo(FilterReply.DENY);
    }

    @Test
    void log_level_is_read_as_logback_would_and_defaults_to_info() {
        assertThat(LogSetup.level(null)).isEqualTo(Level.INFO);
        assertThat(LogSetup.level(" ")).isEqualTo(Level.INFO);
        assertThat(LogSetup.level("debug")).isEqualTo(Level.DEBUG);
        assertThat(LogSetup.level("WARN")).isEqualTo(Level.WARN);
        assertThat(LogSetup.level("OFF")).isEqualTo(Level.OFF);
    }

    @Test
    void an_operators_configuration_file_replaces_the_setup() {
        System.setProperty(ContextInitializer.CONFIG_FILE_PROPERTY, "/no/such/logback.xml");
        try {
            LogSetup setup = new LogSetup();
            setup.setContext(context);
            assertThat(setup.configure(context))
                    .isEqualTo(ch.qos.logback.classic.spi.Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
            assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDOUT"))
                    .isNull();
        } finally {
            System.clearProperty(ContextInitializer.CONFIG_FILE_PROPERTY);
        }
    }
}
