package dev.aichatroom.voice;

import java.util.function.Consumer;

/** Who answers what the device said or typed: the room's assistant ({@link RoomAgent}), or a test's. */
interface Agent {
    /**
     * Answers {@code text} from {@code deviceId}, streaming the reply's text to {@code deltas} as it is written. Blocks
     * the calling virtual thread; an interrupt stops it early.
     *
     * @return the whole reply, possibly empty
     */
    String reply(String deviceId, String text, Consumer<String> deltas);
}
