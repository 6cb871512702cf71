package dev.aichatroom.voice.speech;

/** Audio the tests make: phrases spoken by espeak-ng or FreeTTS. */
public final class TestAudio {
    private TestAudio() {}

    public static boolean espeakInstalled() {
        return EspeakTextToSpeech.installed();
    }

    /**
     * The phrase spoken by espeak-ng (US English, 22.05 kHz) at 140 words per minute, a pace Sphinx4's grammar search
     * follows reliably (measured here: 130-140 always, 150-160 not for every phrase).
     */
    public static Pcm espeak(String phrase) {
        return espeak("en-us", phrase);
    }

    /**
     * The phrase spoken by espeak-ng in {@code voice} ({@code en-us}, {@code cmn}: the voice that reads Chinese as
     * Mandarin here, see {@link Mandarin}) at 140 words per minute.
     */
    public static Pcm espeak(String voice, String phrase) {
        String v = Mandarin.isMandarin(voice) ? Mandarin.voice().orElse(voice) : voice;
        try {
            Process p = new ProcessBuilder("espeak-ng", "-v", v, "-s", "140", "--stdout", phrase)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            byte[] wav = p.getInputStream().readAllBytes();
            if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("espeak-ng failed");
            }
            return Pcm.fromWav(wav);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The phrase spoken by FreeTTS (16 kHz). */
    public static Pcm freetts(String phrase) {
        try (FreeTextToSpeech tts = new FreeTextToSpeech()) {
            return tts.synthesize(phrase);
        }
    }

    /** {@code before} of silence, the audio, {@code after} of silence. */
    public static Pcm padded(Pcm audio, int beforeMillis, int afterMillis) {
        int before = audio.sampleRate() * beforeMillis / 1000;
        int after = audio.sampleRate() * afterMillis / 1000;
        short[] all = new short[before + audio.samples().length + after];
        System.arraycopy(audio.samples(), 0, all, before, audio.samples().length);
        return new Pcm(all, audio.sampleRate());
    }
}
