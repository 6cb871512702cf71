package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReservedNamesTest {
    private static final ReservedNames RESERVED = ReservedNames.withAssistant("Mx Robo");

    @ParameterizedTest
    @ValueSource(
            strings = {
                "system",
                "系统",
                "智能助手",
                "Assistant",
                "AI Assistant",
                "Mx Robo",
                // case
                "SyStEm",
                "SYSTEM",
                "mx robo",
                // fullwidth and styled letters (NFKC)
                "ＳＹＳＴＥＭ",
                "𝐬𝐲𝐬𝐭𝐞𝐦",
                "ⓢⓨⓢⓣⓔⓜ",
                // Cyrillic and Greek homoglyphs (UTS #39 skeleton)
                "ѕуѕtеm",
                "ЅҮЅТЕМ",
                "ΑΙ Αssistant",
                "AІ Аssistant",
                "Αssιstant",
                "Мх Rоbо",
                // l for I
                "Al Assistant",
                // combining marks
                "s\u0301ystem",
                "s\u0338yst\u0308em",
                // zero-width and other invisible characters inside, white space
                "sy\u200bstem",
                "sys\u2060tem",
                "智能\u200d助手",
                "智能 助手",
                "AIAssistant",
                " system ",
            })
    void the_assistant_and_the_system_and_their_look_alikes_are_reserved(String name) {
        assertThat(RESERVED.lookalikeOf(name)).as(name).isPresent();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"Alice", "张三", "systems", "sys", "Assistant Bob", "智能助手2", "Robo", "ai-assistant", "Sytsem"})
    void other_names_are_not(String name) {
        assertThat(RESERVED.lookalikeOf(name)).as(name).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void the_refusal_names_what_the_name_looks_like() {
        assertThat(RESERVED.lookalikeOf("ЅҮЅТЕМ")).contains("system");
        assertThat(RESERVED.lookalikeOf("МХ RОВО")).contains("Mx Robo");
        assertThat(ReservedNames.withAssistant("智能助手").names())
                .isEqualTo(List.of("智能助手", "Assistant", "AI Assistant", "system", "系统"));
    }
}
