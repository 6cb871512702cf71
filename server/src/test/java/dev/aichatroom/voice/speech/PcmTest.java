package dev.aichatroom.voice.speech;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PcmTest {
    static Pcm tone(double hz, int rate, int millis) {
        short[] s = new short[rate * millis / 1000];
        for (int i = 0; i < s.length; i++) {
            s[i] = (short) (10_000 * Math.sin(2 * Math.PI * hz * i / rate));
        }
        return new Pcm(s, rate);
    }

    @Test
    void measures_level_in_dbfs() {
        assertThat(tone(440, 16_000, 100).levelDbfs()).isBetween(-14.0, -13.0);
        assertThat(new Pcm(new short[160], 16_000).levelDbfs()).isEqualTo(-120);
    }

    @Test
    void filters_high_frequencies_when_downsampling() {
        // 7 kHz cannot exist at 8 kHz sampling; without the low-pass it would alias to 1 kHz at full strength
        assertThat(tone(7000, 48_000, 200).resample(8_000).levelDbfs()).isLessThan(-25);
    }

    @Test
    void reads_streamed_wav_without_sizes_and_refuses_other_files() {
        byte[] wav = tone(440, 22_050, 100).wav();
        java.nio.ByteBuffer.wrap(wav).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(40, -1);
        assertThat(Pcm.fromWav(wav).samples()).hasSize(2205);
        assertThatThrownBy(() -> Pcm.fromWav(new byte[] {1, 2, 3})).isInstanceOf(SpeechException.class);
    }
}
