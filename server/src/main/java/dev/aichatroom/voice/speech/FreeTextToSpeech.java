package dev.aichatroom.voice.speech;

import com.sun.speech.freetts.Voice;
import com.sun.speech.freetts.VoiceManager;
import com.sun.speech.freetts.audio.AudioPlayer;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.locks.ReentrantLock;
import javax.sound.sampled.AudioFormat;

/**
 * FreeTTS, pure Java, English only ({@code kevin16}, 16 kHz). The fallback when espeak-ng is not installed. One voice,
 * one utterance at a time.
 */
final class FreeTextToSpeech implements TextToSpeech {
    private static final String VOICE = "kevin16";
    private final ReentrantLock lock = new ReentrantLock();
    private Voice voice;

    @Override
    public Pcm synthesize(String text) {
        lock.lock();
        try {
            Voice v = voice();
            Capture capture = new Capture();
            v.setAudioPlayer(capture);
            if (!v.speak(text)) {
                throw new SpeechException("FreeTTS could not speak the text");
            }
            AudioFormat f = capture.getAudioFormat();
            byte[] bytes = capture.bytes.toByteArray();
            return f.isBigEndian()
                    ? bigEndian(bytes, (int) f.getSampleRate())
                    : Pcm.fromLittleEndian(bytes, 0, bytes.length - bytes.length % 2, (int) f.getSampleRate());
        } finally {
            lock.unlock();
        }
    }

    private Voice voice() {
        if (voice == null) {
            System.setProperty("freetts.voices", "com.sun.speech.freetts.en.us.cmu_us_kal.KevinVoiceDirectory");
            Voice v = VoiceManager.getInstance().getVoice(VOICE);
            if (v == null) {
                throw new SpeechException("FreeTTS voice " + VOICE + " is missing from the classpath");
            }
            v.allocate();
            voice = v;
        }
        return voice;
    }

    private static Pcm bigEndian(byte[] b, int rate) {
        short[] s = new short[b.length / 2];
        for (int i = 0; i < s.length; i++) {
            s[i] = (short) ((b[2 * i] << 8) | (b[2 * i + 1] & 0xff));
        }
        return new Pcm(s, rate);
    }

    @Override
    public String describe() {
        return "freetts " + VOICE;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (voice != null) {
                voice.deallocate();
                voice = null;
            }
        } finally {
            lock.unlock();
        }
    }

    /** An audio "player" that keeps what FreeTTS writes. */
    private static final class Capture implements AudioPlayer {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private AudioFormat format = new AudioFormat(16_000, 16, 1, true, true);

        @Override
        public void setAudioFormat(AudioFormat f) {
            format = f;
        }

        @Override
        public AudioFormat getAudioFormat() {
            return format;
        }

        @Override
        public void pause() {}

        @Override
        public void resume() {}

        @Override
        public void reset() {}

        @Override
        public boolean drain() {
            return true;
        }

        @Override
        public void begin(int size) {}

        @Override
        public boolean end() {
            return true;
        }

        @Override
        public void cancel() {}

        @Override
        public void close() {}

        @Override
        public float getVolume() {
            return 1;
        }

        @Override
        public void setVolume(float volume) {}

        @Override
        public long getTime() {
            return 0;
        }

        @Override
        public void resetTime() {}

        @Override
        public void startFirstSampleTimer() {}

        @Override
        public boolean write(byte[] audio) {
            return write(audio, 0, audio.length);
        }

        @Override
        public boolean write(byte[] audio, int offset, int size) {
            bytes.write(audio, offset, size);
            return true;
        }

        @Override
        public void showMetrics() {}
    }
}
