package dev.aichatroom.logging;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %msg} of the console log (dev.aichatroom.LogSetup), escaped by {@link LogText}: every log line of the product and of its libraries (Artemis,
 * Netty, Javalin) is one line, whatever client-supplied value its message holds. Stack traces ({@code %ex}) are left
 * as they are: they are many lines by nature and are logged only for unexpected conditions.
 */
public final class SafeMessageConverter extends MessageConverter {
    @Override
    public String convert(ILoggingEvent event) {
        return LogText.escape(super.convert(event));
    }
}
