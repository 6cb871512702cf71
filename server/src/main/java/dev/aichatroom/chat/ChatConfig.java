package dev.aichatroom.chat;

import dev.aichatroom.mqtt.TopicFilter;
import java.time.Duration;
import java.util.Optional;

/**
 * Chat rules.
 *
 * @param ratePerMinute messages a client may send per minute on average (0 = unlimited)
 * @param rateBurst messages a client may send at once
 * @param idleTimeout members silent this long are removed (zero = never), unless bound to a connection the broker
 *     reports as live
 * @param language {@code zh} or {@code en}: the language of system notices
 * @param sharedGroup when present, inputs are consumed through the MQTT 5 shared subscription {@code $share/GROUP/…}
 *     (each input reaches one of the instances in the group) and members live in the store, shared by the instances
 * @param reservedNames names people may not take: the assistant's ({@code AI_NAME} and the defaults) and the system's
 * @param instanceTimeout an instance that has not said it is alive (in the store) for this long is taken for dead:
 *     another one publishes the messages it stored and had not published
 * @param drainLimit the longest a live instance may spend draining a dead one's broker session (decision 0043); its
 *     claim on that session lasts half as long again, so a taker that died mid-drain leaves the rest to the next one
 *     once the claim has run out
 * @param outputWitness on an external broker, the service reads its own outputs back in its session, so that a restart
 *     after a crash publishes again only those the broker had not taken (decision 0037); on the embedded broker, the
 *     broker keeps the outputs' ids and does not route one again (decision 0041)
 */
public record ChatConfig(
        String defaultRoom,
        int maxMessageChars,
        int maxUsernameChars,
        int maxClientIdChars,
        int maxPayloadBytes,
        int ratePerMinute,
        int rateBurst,
        Duration idleTimeout,
        String language,
        Optional<String> sharedGroup,
        ReservedNames reservedNames,

        Duration instanceTimeout,
        Duration drainLimit,
        boolean outputWitness) {
    public static ChatConfig defaults() {
        return new ChatConfig(
                "main",
                4000,
                32,
                128,
                65536,
                120,
                20,
                Duration.ofHours(1),
                "zh",
                Optional.empty(),
                ReservedNames.withAssistant("智能助手"),
                Duration.ofSeconds(30),
                Duration.ofMinutes(2),
                true);
    }

    /** How long a live instance's claim on a dead one's session lasts: {@link #drainLimit} and half as long again. */
    public Duration drainClaim() {
        return drainLimit.plus(drainLimit.dividedBy(2));
    }

    /** A shared-subscription group name: no topic separators or wildcards. */
    public static boolean isValidSharedGroup(String group) {
        return TopicFilter.isLevel(group);
    }
}
