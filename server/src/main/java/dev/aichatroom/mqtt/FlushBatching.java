package dev.aichatroom.mqtt;

import io.netty.channel.Channel;
import io.netty.handler.flush.FlushConsolidationHandler;

/**
 * One write to the socket for the packets the service's MQTT client writes one after the other on a connection
 * (issue 13). HiveMQ's client flushes every packet on its own: each PUBACK of an input and each output PUBLISH was a
 * {@code send} system call and, on loopback, a packet the broker read on its own. Netty's {@link
 * FlushConsolidationHandler} turns the flushes made while the event loop is busy into one: those made while it reads
 * go out when the read is done, the others when the event loop has run the tasks already queued (the acknowledgements
 * and outputs a batch of the chat worker handed over together). Nothing waits for a timer: a packet goes out as soon as
 * the event loop is free.
 */
final class FlushBatching {
    static final String NAME = "aichatroom-flush-batching";

    /** Flushes let through at once when this many came in one go: the socket's buffer holds them anyway. */
    static final int EXPLICIT_AFTER = 256;

    private FlushBatching() {}

    /**
     * Puts the handler next to the socket in {@code channel}'s pipeline (before {@link QuickAcks}, which must see
     * every write): on the event loop, before the connection's first write after the CONNACK.
     */
    static void install(Channel channel) {
        if (channel.pipeline().get(NAME) == null) {
            channel.pipeline().addFirst(NAME, new FlushConsolidationHandler(EXPLICIT_AFTER, true));
        }
    }
}
