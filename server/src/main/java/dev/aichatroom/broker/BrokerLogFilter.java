package dev.aichatroom.broker;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Drops Artemis log events that report expected conditions with a stack trace. AMQ834001 ("Error disconnecting
 * client"): Artemis 2.55 throws a NullPointerException while closing an MQTT connection that had a subscription
 * refused by our access policy, and while stopping; the connection is closed all the same.
 */
public final class BrokerLogFilter extends Filter<ILoggingEvent> {
    @Override
    public FilterReply decide(ILoggingEvent event) {
        String message = event.getMessage();
        return message != null && message.startsWith("AMQ834001") ? FilterReply.DENY : FilterReply.NEUTRAL;
    }
}
