package dev.aichatroom.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TopicFilterTest {
    @Test
    void filters_match_topics_level_by_level() {
        assertThat(TopicFilter.matches("chatroom/+/messages/in", "chatroom/r1/messages/in"))
                .isTrue();
        assertThat(TopicFilter.matches("chatroom/+/messages/in", "chatroom/messages/in"))
                .isFalse();
        assertThat(TopicFilter.matches("$share/g/chatroom/#", "chatroom/r1/users/join"))
                .isTrue();
        assertThat(TopicFilter.matches("a/b", "a/b/c")).isFalse();
    }

    @Test
    void filters_match_parents_trailing_and_empty_levels_as_mqtt_says() {
        assertThat(TopicFilter.matches("sport/#", "sport")).isTrue();
        assertThat(TopicFilter.matches("sport/+", "sport")).isFalse();
        assertThat(TopicFilter.matches("sport/+", "sport/")).isTrue();
        assertThat(TopicFilter.matches("+/+", "/finance")).isTrue();
        assertThat(TopicFilter.matches("/+", "/finance")).isTrue();
        assertThat(TopicFilter.matches("+", "/finance")).isFalse();
        assertThat(TopicFilter.matches("#", "")).isTrue();
        assertThat(TopicFilter.matches("a/b", "a/bc")).isFalse();
        assertThat(TopicFilter.matches("a/bc", "a/b")).isFalse();
        assertThat(TopicFilter.matches("$share/g", "g")).isFalse();
    }

    @Test
    void matching_in_place_agrees_with_matching_split_levels_on_generated_filters_and_topics() {
        var random = new SplittableRandom(13);
        String[] filterLevels = {"a", "b", "ab", "", "+", "#"};
        String[] topicLevels = {"a", "b", "ab", ""};
        for (int i = 0; i < 200_000; i++) {
            String filter = (random.nextInt(5) == 0 ? "$share/g/" : "") + join(random, filterLevels);
            String topic = join(random, topicLevels);
            assertThat(TopicFilter.matches(filter, topic))
                    .as("%s against %s", filter, topic)
                    .isEqualTo(bySplitting(filter, topic));
        }
    }

    private static String join(SplittableRandom random, String[] levels) {
        var out = new StringBuilder(levels[random.nextInt(levels.length)]);
        for (int n = random.nextInt(4); n > 0; n--) {
            out.append('/').append(levels[random.nextInt(levels.length)]);
        }
        return out.toString();
    }

    /** The matching the product had before it walked the strings in place: the reference. */
    private static boolean bySplitting(String filter, String topic) {
        String bare = filter.startsWith("$share/") ? filter.split("/", 3)[2] : filter;
        String[] f = bare.split("/", -1);
        String[] t = topic.split("/", -1);
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return true;
            }
            if (i >= t.length || !f[i].equals("+") && !f[i].equals(t[i])) {
                return false;
            }
        }
        return f.length == t.length;
    }

    @Test
    void a_level_is_a_non_empty_name_without_separator_or_wildcard() {
        assertThat(TopicFilter.isLevel("ai-chatroom-1")).isTrue();
        assertThat(TopicFilter.isLevel("设备_7")).isTrue();
        assertThat(TopicFilter.isLevel("")).isFalse();
        assertThat(TopicFilter.isLevel("a/b")).isFalse();
        assertThat(TopicFilter.isLevel("a+")).isFalse();
        assertThat(TopicFilter.isLevel("#")).isFalse();
    }
}
