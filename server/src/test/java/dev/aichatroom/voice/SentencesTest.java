package dev.aichatroom.voice;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SentencesTest {
    @Test
    void completes_sentences_as_text_streams_in() {
        Sentences s = new Sentences();
        List<String> out = new ArrayList<>();
        for (String delta : List.of("Sure, I turned", " on the camera. It", " shows the room! Any", "thing else")) {
            out.addAll(s.add(delta));
        }
        assertThat(out).containsExactly("Sure, I turned on the camera.", " It shows the room!");
        assertThat(s.flush()).containsExactly(" Anything else");
    }

    @Test
    void sentences_concatenated_give_back_the_replys_text_with_its_spacing() {
        Sentences s = new Sentences();
        List<String> out = new ArrayList<>();
        for (String delta : List.of("  Sure, turning it on", " now. Anything", " else?  ")) {
            out.addAll(s.add(delta));
        }
        out.addAll(s.flush());
        assertThat(String.join("", out)).isEqualTo("Sure, turning it on now. Anything else?");
        assertThat(out).hasSize(2);
    }

    @Test
    void cuts_chinese_at_its_punctuation_and_keeps_short_fragments_together() {
        Sentences s = new Sentences();
        assertThat(s.add("好的。摄像头已经打开了。请看")).containsExactly("好的。摄像头已经打开了。");
        assertThat(s.flush()).containsExactly("请看");
    }

    @Test
    void does_not_cut_decimals_and_cuts_run_on_text() {
        Sentences s = new Sentences();
        assertThat(s.add("It costs 3.5 dollars today")).isEmpty();
        String longText = "word ".repeat(60);
        assertThat(s.add(longText)).isNotEmpty().allMatch(x -> x.length() <= Sentences.MAX_CHARS);
    }
}
