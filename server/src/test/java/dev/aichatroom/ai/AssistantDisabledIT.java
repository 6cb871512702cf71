package dev.aichatroom.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code AI_PROVIDER=none}: the room works, the assistant stays silent and says so on {@code /health}. */
@Timeout(60)
class AssistantDisabledIT {
    @Test
    void with_provider_none_mentions_get_no_reply_and_health_says_disabled() {
        try (AssistantTestProduct product = AssistantTestProduct.start(Map.of("AI_PROVIDER", "none"))) {
            JsonNode ai = product.getJson("/health").path("checks").path("ai");
            assertThat(ai.path("status").asText()).isEqualTo("disabled");
            assertThat(product.getJson("/health").path("ready").asBoolean()).isTrue();
            assertThat(product.getJson("/api/config").path("assistant_enabled").asBoolean())
                    .isFalse();

            product.say("main", "nobody_1", "Nobody", "@AI anyone there?");

            await().atMost(10, TimeUnit.SECONDS)
                    .until(() -> !product.out("@AI anyone there?").isEmpty());
            String qid = product.out("@AI anyone there?")
                    .getFirst()
                    .path("message_id")
                    .asText();
            await().during(Duration.ofMillis(700))
                    .atMost(5, TimeUnit.SECONDS)
                    .until(() -> product.answersTo(qid).isEmpty()
                            && product.notices("@Nobody").isEmpty()
                            && product.on("chatroom/messages/stream").isEmpty());
        }
    }
}
