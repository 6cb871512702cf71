package dev.aichatroom.voice.speech;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * espeak-ng as a subprocess: text on its standard input (never on the command line), a WAV (22.05 kHz) on its
 * standard output. Text with Chinese characters is spoken with the Mandarin voice that reads them as Mandarin here
 * ({@link Mandarin}: {@code cmn-latn-pinyin} on Debian, whose {@code cmn} says "ni three" for 你), its English words
 * with the configured voice; anything else with the configured voice ({@code en-us} by default). About 50 ms per
 * phrase.
 */
final class EspeakTextToSpeech implements TextToSpeech {
    private static final long TIMEOUT_SECONDS = 20;
    private final String voice;

    EspeakTextToSpeech(Optional<String> voice) {
        this.voice = voice.filter(v -> v.matches("[A-Za-z0-9_+-]{1,32}")).orElse("en-us");
    }

    static boolean installed() {
        return executable().isPresent();
    }

    static Optional<Path> executable() {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : (path + ":/usr/bin:/usr/local/bin").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "espeak-ng");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    @Override
    public Pcm synthesize(String text) {
        Path exe = executable().orElseThrow(() -> new SpeechException("espeak-ng is not installed"));
        Mandarin.Input input = input(text);
        String v = input.voice();
        List<String> command = new ArrayList<>(List.of(exe.toString()));
        command.addAll(input.arguments());
        command.addAll(List.of("-s", "160", "--stdout"));
        return Pcm.fromWav(run(command, input.text(), v, "finish", TIMEOUT_SECONDS));
    }

    /**
     * Runs espeak-ng with {@code stdin} as its input and returns what it wrote; {@code doing} says what it did not do
     * when it takes longer than {@code timeoutSeconds}.
     */
    static byte[] run(List<String> command, String stdin, String voice, String doing, long timeoutSeconds) {
        Process p = null;
        try {
            p = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            Process started = p;
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return started.getInputStream().readAllBytes();
                        } catch (IOException e) {
                            return new byte[0];
                        }
                    },
                    r -> Thread.ofVirtual().name("espeak-read").start(r));
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new SpeechException("espeak-ng did not " + doing + " within " + timeoutSeconds + " s");
            }
            byte[] output = out.get(timeoutSeconds, TimeUnit.SECONDS);
            if (p.exitValue() != 0) {
                throw new SpeechException("espeak-ng exited with " + p.exitValue() + " (voice " + voice + ")");
            }
            return output;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (p != null) {
                p.destroyForcibly(); // the call closed: its speech is no longer wanted
            }
            throw new SpeechException("interrupted", e);
        } catch (IOException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new SpeechException("espeak-ng failed: " + e.getMessage(), e);
        }
    }

    /**
     * What espeak-ng is given for the text: Chinese text in the Mandarin voice that reads it as Mandarin here, its Latin
     * words in the configured voice ({@link Mandarin}); other text in the configured voice.
     */
    Mandarin.Input input(String text) {
        return Mandarin.Input.of(text, containsChinese(text) ? "cmn" : voice, voice);
    }

    static boolean containsChinese(String text) {
        return text.codePoints().anyMatch(c -> Character.UnicodeScript.of(c) == Character.UnicodeScript.HAN);
    }

    @Override
    public String describe() {
        return "espeak-ng voice " + voice + " (" + Mandarin.voice().orElse("cmn") + " for Chinese)";
    }
}
