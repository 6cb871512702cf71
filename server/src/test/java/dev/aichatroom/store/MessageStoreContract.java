package dev.aichatroom.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link MessageStore} must do; each implementation's test extends this. */
abstract class MessageStoreContract {
    protected MessageStore store;
    private final String room = "r" + UUID.randomUUID().toString().substring(0, 8);

    protected abstract MessageStore open();

    @BeforeEach
    void openStore() {
        store = open();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private StoredMessage message(String id, String content, Optional<String> key) {
        return new StoredMessage(
                room + id,
                room,
                "user_message",
                "c1",
                "张三",
                content,
                "mqtt",
                Optional.empty(),
                "2025-07-26T11:05:13.675321+08:00",
                key);
    }

    @Test
    void appended_messages_come_back_oldest_first_with_every_field() {
        store.append(message("m1", "一", Optional.empty()));
        store.append(new StoredMessage(
                room + "m2",
                room,
                "ai_response",
                "ai",
                "智能助手",
                "二",
                "ai",
                Optional.of(room + "m1"),
                "2025-07-26T11:05:14.000000+08:00",
                Optional.empty()));
        var history = store.history(room, Optional.empty(), 10);
        assertThat(history).extracting(StoredMessage::messageId).containsExactly(room + "m1", room + "m2");
        assertThat(history.get(1).replyTo()).contains(room + "m1");
        assertThat(history.get(1).username()).isEqualTo("智能助手");
        assertThat(store.rooms()).contains(room);
    }

    @Test
    void a_dedupe_key_is_stored_once() {
        assertThat(store.append(message("a", "x", Optional.of(room + "k")))).isTrue();
        assertThat(store.append(message("b", "x", Optional.of(room + "k")))).isFalse();
        assertThat(store.history(room, Optional.empty(), 10)).hasSize(1);
    }

    @Test
    void history_pages_backwards() {
        for (int i = 0; i < 5; i++) {
            store.append(message("p" + i, "n" + i, Optional.empty()));
        }
        assertThat(store.history(room, Optional.empty(), 2))
                .extracting(StoredMessage::messageId)
                .containsExactly(room + "p3", room + "p4");
        assertThat(store.history(room, Optional.of(room + "p3"), 2))
                .extracting(StoredMessage::messageId)
                .containsExactly(room + "p1", room + "p2");
        assertThat(store.isHealthy()).isTrue();
    }

    @Test
    void history_survives_reopening() {
        store.append(message("keep", "kept", Optional.empty()));
        store.close();
        store = open();
        assertThat(store.history(room, Optional.empty(), 10))
                .extracting(StoredMessage::content)
                .containsExactly("kept");
    }
}
