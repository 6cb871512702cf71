package dev.aichatroom;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import dev.aichatroom.broker.BrokerLogFilter;
import dev.aichatroom.logging.SafeMessageConverter;
import java.util.Map;
import java.util.Optional;

/**
 * The product's logging, set up in code (logback finds it through {@code META-INF/services}): one console appender,
 * every message escaped. Logback's XML configuration took about 0.2 s of CPU on the start's critical path (issue 13).
 * {@code -Dlogback.configurationFile=…} still replaces it with a file of the operator's.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %msg%n";

    /**
     * Libraries' loggers kept to warnings: the broker's own INFO chatter is not for operators; Artemis's audit loggers
     * log every message; the MCP SDK logs each session's handshake at INFO (McpTools logs what an operator needs).
     */
    static final Map<String, Level> LEVELS = Map.of(
            "org.apache.activemq.audit", Level.OFF,
            "org.apache.activemq", Level.WARN,
            "io.netty", Level.WARN,
            "org.eclipse.jetty", Level.WARN,
            "io.javalin", Level.WARN,
            "com.zaxxer.hikari", Level.WARN,
            "org.flywaydb", Level.WARN,
            "com.hivemq", Level.WARN,
            "io.modelcontextprotocol", Level.WARN);

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty(ContextInitializer.CONFIG_FILE_PROPERTY) != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayout layout = new PatternLayout();
        layout.setContext(context);
        layout.setPattern(PATTERN);
        // every message escaped (CR, LF, control and bidi characters as escapes): client-supplied text forges no line
        layout.getInstanceConverterMap().put("msg", SafeMessageConverter::new);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        BrokerLogFilter filter = new BrokerLogFilter();
        filter.setContext(context);
        filter.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("STDOUT");
        console.setEncoder(encoder);
        console.addFilter(filter);
        console.start();
        LEVELS.forEach((name, level) -> context.getLogger(name).setLevel(level));
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(level(System.getenv("LOG_LEVEL")));
        root.addAppender(console);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** {@code LOG_LEVEL} from the environment (Main sets it again from a {@code .env} file); INFO when unset. */
    static Level level(String name) {
        return Optional.ofNullable(name)
                .filter(n -> !n.isBlank())
                .map(n -> Level.toLevel(n.strip(), Level.INFO))
                .orElse(Level.INFO);
    }
}
