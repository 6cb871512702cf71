package dev.aichatroom.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aichatroom.chat.Topics;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.voice.IceServer;
import dev.aichatroom.voice.VoiceConfig;
import dev.aichatroom.voice.speech.SpeechConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads the {@code VOICE_*} variables (see {@code .env.example}, section Voice). */
final class VoiceConfigLoader {
    private VoiceConfigLoader() {}

    static VoiceConfig load(Env env, String defaultRoom, String language) {
        return load(env, defaultRoom, language, Path.of("data"));
    }

    static VoiceConfig load(Env env, String defaultRoom, String language, Path dataDir) {
        String room = env.string("VOICE_ROOM", defaultRoom);
        if (!Topics.isValidRoom(room)) {
            throw new ConfigException("VOICE_ROOM", "'" + room + "' is not a room name; use 1-64 of A-Z a-z 0-9 _ -");
        }
        VoiceConfig.Turns d = VoiceConfig.defaultTurns();
        int maxSessions = env.integer("VOICE_MAX_SESSIONS", 16, 1, 10_000);
        return new VoiceConfig(
                env.bool("VOICE_ENABLE", true),
                iceServers(env.string("VOICE_ICE_SERVERS", "")),
                Duration.ofSeconds(env.integer("VOICE_ICE_TIMEOUT", 15, 1, 600)),
                Duration.ofSeconds(env.integer("VOICE_ICE_LOST_TIMEOUT", 10, 1, 600)),
                maxSessions,
                room,
                speech(env, language, dataDir),
                turns(env, d),
                limits(env, maxSessions));
    }

    private static VoiceConfig.Turns turns(Env env, VoiceConfig.Turns d) {
        VoiceConfig.Vad vad = switch (env.string("VOICE_VAD", "silero").strip().toLowerCase(java.util.Locale.ROOT)) {
            case "silero" -> VoiceConfig.Vad.SILERO;
            case "energy" -> VoiceConfig.Vad.ENERGY;
            default -> throw new ConfigException("VOICE_VAD", "use silero or energy");
        };
        // one value for both detectors when set; by default each its own
        Optional<Duration> endOfTurn = env.optional("VOICE_END_OF_TURN_MS")
                .map(v -> Duration.ofMillis(env.integer("VOICE_END_OF_TURN_MS", 0, 100, 10_000)));
        Duration energyEnd = endOfTurn.orElse(d.endSilence());
        return new VoiceConfig.Turns(
                env.integer("VOICE_VAD_THRESHOLD_DBFS", (int) d.thresholdDbfs(), -90, 0),
                Duration.ofMillis(env.integer(
                        "VOICE_SPEECH_START_MS", (int) d.startSpeech().toMillis(), 10, 2000)),
                vad == VoiceConfig.Vad.SILERO ? endOfTurn.orElse(VoiceConfig.SILERO_END_SILENCE) : energyEnd,
                Duration.ofSeconds(env.integer("VOICE_MAX_UTTERANCE_SECONDS", 15, 1, 120)),
                env.bool("VOICE_BARGE_IN", true),
                vad,
                energyEnd);
    }

    private static VoiceConfig.Limits limits(Env env, int maxSessions) {
        VoiceConfig.Limits d = VoiceConfig.defaultLimits(maxSessions);
        Optional<VoiceConfig.PortRange> ports = env.optional("VOICE_UDP_PORTS").map(VoiceConfigLoader::portRange);
        if (ports.isPresent() && ports.get().max() - ports.get().min() + 1 < maxSessions * 2) {
            throw new ConfigException(
                    "VOICE_UDP_PORTS",
                    "the range has room for fewer than 2 sockets per session (VOICE_MAX_SESSIONS=" + maxSessions
                            + "); make it larger");
        }
        return new VoiceConfig.Limits(
                env.integer("VOICE_OFFERS_PER_MINUTE", d.offersPerMinute(), 1, 10_000),
                env.integer("VOICE_RESERVED_SESSIONS", d.reservedSessions(), 0, maxSessions - 1),
                ports);
    }

    private static VoiceConfig.PortRange portRange(String value) {
        String[] parts = value.strip().split("-");
        try {
            if (parts.length != 2) {
                throw new IllegalArgumentException("not MIN-MAX");
            }
            return new VoiceConfig.PortRange(Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip()));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    "VOICE_UDP_PORTS", "'" + value + "' is not a port range; use MIN-MAX, e.g. 40000-40199");
        }
    }

    /** A JSON array like a browser's {@code iceServers}, or a comma-separated list of stun:/turn: URLs. */
    static List<IceServer> iceServers(String value) {
        List<IceServer> servers = new ArrayList<>();
        if (value.isBlank()) {
            return servers;
        }
        try {
            if (value.strip().startsWith("[")) {
                JsonNode list = Json.tree(value.getBytes(StandardCharsets.UTF_8))
                        .filter(JsonNode::isArray)
                        .orElseThrow(() -> new IllegalArgumentException("not a JSON array"));
                for (JsonNode s : list) {
                    List<String> urls = new ArrayList<>();
                    JsonNode u = s.path("urls");
                    if (u.isTextual()) {
                        urls.add(u.asText());
                    } else {
                        u.forEach(x -> urls.add(x.asText()));
                    }
                    servers.add(new IceServer(urls, text(s, "username"), text(s, "credential")));
                }
            } else {
                for (String url : value.split(",")) {
                    if (!url.isBlank()) {
                        servers.add(new IceServer(List.of(url.strip()), Optional.empty(), Optional.empty()));
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    "VOICE_ICE_SERVERS",
                    e.getMessage() + "; use stun:host:port,turn:host:port or a JSON array like"
                            + " [{\"urls\":[\"turn:host:3478\"],\"username\":\"u\",\"credential\":\"p\"}]");
        }
        return servers;
    }

    private static Optional<String> text(JsonNode node, String field) {
        return node.path(field).isTextual() ? Optional.of(node.path(field).asText()) : Optional.empty();
    }

    private static SpeechConfig speech(Env env, String language, Path dataDir) {
        String sttVar = env.string("VOICE_STT", "auto");
        SpeechConfig.Stt stt = SpeechConfig.Stt.parse(sttVar)
                .orElseThrow(() -> new ConfigException(
                        "VOICE_STT", "'" + sttVar + "' is not an engine; use auto, sphinx, vosk, whisper or openai"));
        String ttsVar = env.string("VOICE_TTS", "auto");
        SpeechConfig.Tts tts = SpeechConfig.Tts.parse(ttsVar)
                .orElseThrow(() -> new ConfigException(
                        "VOICE_TTS", "'" + ttsVar + "' is not an engine; use auto, piper, espeak, freetts or openai"));
        Optional<String> model = env.optional("VOICE_STT_MODEL");
        if (stt == SpeechConfig.Stt.VOSK || stt == SpeechConfig.Stt.WHISPER) {
            String what = stt == SpeechConfig.Stt.VOSK ? "a Vosk model directory" : "a whisper.cpp ggml model file";
            Path p = Path.of(model.orElseThrow(() -> new ConfigException(
                    "VOICE_STT_MODEL", "VOICE_STT=" + sttVar + " needs " + what + " in VOICE_STT_MODEL")));
            if (!Files.exists(p)) {
                throw new ConfigException("VOICE_STT_MODEL", p + " does not exist; point it at " + what);
            }
        }
        if (tts == SpeechConfig.Tts.PIPER) {
            Path voice = Path.of(env.optional("VOICE_TTS_MODEL")
                    .orElseThrow(() -> new ConfigException(
                            "VOICE_TTS_MODEL", "VOICE_TTS=piper needs a Piper voice (.onnx) in VOICE_TTS_MODEL")));
            if (!Files.isRegularFile(voice)
                    || !Files.isRegularFile(voice.resolveSibling(voice.getFileName() + ".json"))) {
                throw new ConfigException(
                        "VOICE_TTS_MODEL", voice + " is not a Piper voice with its .onnx.json beside it");
            }
        }
        Optional<Path> grammar = env.optional("VOICE_STT_GRAMMAR").map(Path::of);
        if (grammar.isPresent()
                && (!Files.isRegularFile(grammar.get())
                        || !grammar.get().getFileName().toString().endsWith(".gram"))) {
            throw new ConfigException("VOICE_STT_GRAMMAR", grammar.get() + " is not a JSGF grammar file (NAME.gram)");
        }
        List<String> phrases = new ArrayList<>();
        for (String p : env.string("VOICE_STT_PHRASES", "").split("[|\n]")) {
            if (!p.isBlank()) {
                phrases.add(p.strip());
            }
        }
        Optional<String> url = env.optional("VOICE_API_URL")
                .or(() -> env.optional("AI_BASE_URL"))
                .map(u -> u.replaceAll("/+$", ""));
        boolean api = stt == SpeechConfig.Stt.OPENAI || tts == SpeechConfig.Tts.OPENAI;
        if (api && url.isEmpty()) {
            throw new ConfigException(
                    "VOICE_API_URL",
                    "VOICE_STT=openai or VOICE_TTS=openai needs the API's base URL, e.g."
                            + " https://api.openai.com/v1 (AI_BASE_URL is used when set)");
        }
        if (url.isPresent() && !url.get().matches("https?://.+")) {
            throw new ConfigException("VOICE_API_URL", "'" + url.get() + "' is not an http(s) URL");
        }
        return new SpeechConfig(
                stt,
                model,
                grammar,
                phrases,
                tts,
                env.optional("VOICE_TTS_VOICE"),
                env.optional("VOICE_TTS_MODEL"),
                url,
                env.optional("VOICE_API_KEY").or(() -> env.optional("AI_API_KEY")),
                language,
                Duration.ofSeconds(env.integer("VOICE_API_TIMEOUT", 30, 1, 600)),
                whisper(env, dataDir),
                SpeechConfig.Piper.defaults(
                        dataDir.resolve("models"),
                        env.bool("VOICE_TTS_DOWNLOAD", env.bool("VOICE_STT_DOWNLOAD", true))));
    }

    private static SpeechConfig.Whisper whisper(Env env, Path dataDir) {
        String url = env.string("VOICE_STT_MODEL_URL", SpeechConfig.DEFAULT_MODEL_URL);
        if (!url.matches("https?://[^\\s]+/[^/\\s]+")) {
            throw new ConfigException("VOICE_STT_MODEL_URL", "'" + url + "' is not an http(s) URL of a file");
        }
        String sha = env.string("VOICE_STT_MODEL_SHA256", SpeechConfig.DEFAULT_MODEL_SHA256)
                .strip();
        if (!sha.matches("[0-9a-fA-F]{64}")) {
            throw new ConfigException("VOICE_STT_MODEL_SHA256", "'" + sha + "' is not a SHA-256 (64 hex digits)");
        }
        if (env.optional("VOICE_STT_MODEL_URL").isPresent()
                && env.optional("VOICE_STT_MODEL_SHA256").isEmpty()) {
            throw new ConfigException(
                    "VOICE_STT_MODEL_SHA256", "VOICE_STT_MODEL_URL needs the file's SHA-256 (sha256sum FILE)");
        }
        Optional<String> language = env.optional("VOICE_LANGUAGE").map(String::strip);
        if (language.isPresent() && !language.get().matches("[a-z]{2,3}|auto")) {
            throw new ConfigException(
                    "VOICE_LANGUAGE", "'" + language.get() + "' is not a language code like zh or en (or auto)");
        }
        return new SpeechConfig.Whisper(
                java.net.URI.create(url),
                sha.toLowerCase(java.util.Locale.ROOT),
                dataDir.resolve("models"),
                env.bool("VOICE_STT_DOWNLOAD", true),
                language.filter(l -> !l.equals("auto")));
    }
}
