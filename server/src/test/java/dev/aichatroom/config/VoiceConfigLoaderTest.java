package dev.aichatroom.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aichatroom.voice.IceServer;
import dev.aichatroom.voice.VoiceConfig;
import dev.aichatroom.voice.speech.SpeechConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VoiceConfigLoaderTest {
    private static VoiceConfig load(Map<String, String> vars) {
        return VoiceConfigLoader.load(Env.of(vars), "main", "en");
    }

    @Test
    void defaults_to_whisper_downloaded_on_first_use_auto_tts_and_host_candidates_only() {
        VoiceConfig c = load(Map.of());
        assertThat(c.enabled()).isTrue();
        assertThat(c.iceServers()).isEmpty();
        assertThat(c.iceTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.room()).isEqualTo("main");
        assertThat(c.speech().stt()).isEqualTo(SpeechConfig.Stt.AUTO);
        assertThat(c.speech().whisper()).isEqualTo(SpeechConfig.Whisper.defaults(java.nio.file.Path.of("data/models")));
        assertThat(c.speech().whisper().fileName()).isEqualTo("ggml-base.bin");
        assertThat(c.speech().tts()).isEqualTo(SpeechConfig.Tts.AUTO);
        assertThat(c.turns().vad()).isEqualTo(VoiceConfig.Vad.SILERO);
        assertThat(c.turns().endSilence()).isEqualTo(VoiceConfig.SILERO_END_SILENCE);
        assertThat(c.turns().energy()).isEqualTo(VoiceConfig.defaultTurns()); // where Silero cannot load: 700 ms
        assertThat(c.limits()).isEqualTo(VoiceConfig.defaultLimits(16));
    }

    @Test
    void ends_turns_by_loudness_after_700_ms_with_voice_vad_energy_and_after_the_set_silence_with_either() {
        assertThat(load(Map.of("VOICE_VAD", "energy")).turns())
                .isEqualTo(VoiceConfig.defaultTurns().energy());
        VoiceConfig.Turns set = load(Map.of("VOICE_END_OF_TURN_MS", "500")).turns();
        assertThat(set.endSilence()).isEqualTo(Duration.ofMillis(500));
        assertThat(set.energy().endSilence()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void reads_ice_servers_as_urls_or_as_a_browser_style_json_array() {
        assertThat(load(Map.of("VOICE_ICE_SERVERS", "stun:stun.example.com:3478, turn:turn.example.com:3478"))
                        .iceServers())
                .containsExactly(
                        new IceServer(List.of("stun:stun.example.com:3478"), Optional.empty(), Optional.empty()),
                        new IceServer(List.of("turn:turn.example.com:3478"), Optional.empty(), Optional.empty()));
        assertThat(load(Map.of(
                                "VOICE_ICE_SERVERS",
                                "[{\"urls\":[\"turn:t.example.com:3478?transport=udp\"],\"username\":\"u\","
                                        + "\"credential\":\"p\"},{\"urls\":\"stun:s.example.com\"}]"))
                        .iceServers())
                .containsExactly(
                        new IceServer(
                                List.of("turn:t.example.com:3478?transport=udp"), Optional.of("u"), Optional.of("p")),
                        new IceServer(List.of("stun:s.example.com"), Optional.empty(), Optional.empty()));
        assertThatThrownBy(() -> load(Map.of("VOICE_ICE_SERVERS", "http://stun.example.com")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("VOICE_ICE_SERVERS");
    }

    @Test
    void reads_the_offer_limits_and_refuses_a_port_range_too_small_for_the_sessions() {
        VoiceConfig c = load(Map.of(
                "VOICE_OFFERS_PER_MINUTE", "5", "VOICE_RESERVED_SESSIONS", "3", "VOICE_UDP_PORTS", "40000-40199"));
        assertThat(c.limits())
                .isEqualTo(new VoiceConfig.Limits(5, 3, Optional.of(new VoiceConfig.PortRange(40000, 40199))));
        assertThatThrownBy(() -> load(Map.of("VOICE_UDP_PORTS", "40000-40010")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("VOICE_UDP_PORTS");
        assertThatThrownBy(() -> load(Map.of("VOICE_UDP_PORTS", "40000")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("MIN-MAX");
        assertThatThrownBy(() -> load(Map.of("VOICE_MAX_SESSIONS", "4", "VOICE_RESERVED_SESSIONS", "4")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("VOICE_RESERVED_SESSIONS");
    }

    @Test
    void reads_the_model_download_and_the_language_and_wants_a_checksum_with_another_url() {
        SpeechConfig.Whisper w = load(Map.of(
                        "VOICE_STT_MODEL_URL", "https://models.example.com/ggml-small.bin",
                        "VOICE_STT_MODEL_SHA256", "AB".repeat(32),
                        "VOICE_STT_DOWNLOAD", "false",
                        "VOICE_LANGUAGE", "zh"))
                .speech()
                .whisper();
        assertThat(w.fileName()).isEqualTo("ggml-small.bin");
        assertThat(w.sha256()).isEqualTo("ab".repeat(32));
        assertThat(w.download()).isFalse();
        assertThat(w.language()).contains("zh");
        assertThat(load(Map.of("VOICE_LANGUAGE", "auto")).speech().whisper().language())
                .isEmpty();
        assertThatThrownBy(() -> load(Map.of("VOICE_STT_MODEL_URL", "https://models.example.com/ggml-small.bin")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("VOICE_STT_MODEL_SHA256");
        assertThatThrownBy(() -> load(Map.of("VOICE_STT_MODEL_SHA256", "nope")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("64 hex");
        assertThatThrownBy(() -> load(Map.of("VOICE_LANGUAGE", "Chinese")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("VOICE_LANGUAGE");
    }

    @Test
    void the_piper_voices_download_as_the_speech_model_does_unless_told_otherwise_and_piper_needs_a_voice() {
        assertThat(load(Map.of()).speech().piper().download()).isTrue();
        assertThat(load(Map.of()).speech().piper().voices())
                .containsExactly(SpeechConfig.PIPER_EN, SpeechConfig.PIPER_ZH);
        assertThat(load(Map.of("VOICE_STT_DOWNLOAD", "false")).speech().piper().download())
                .isFalse();
        assertThat(load(Map.of("VOICE_STT_DOWNLOAD", "false", "VOICE_TTS_DOWNLOAD", "true"))
                        .speech()
                        .piper()
                        .download())
                .isTrue();
        assertThatThrownBy(() -> load(Map.of("VOICE_TTS", "piper")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("VOICE_TTS_MODEL");
        assertThatThrownBy(() -> load(Map.of("VOICE_TTS", "piper", "VOICE_TTS_MODEL", "/nowhere/voice.onnx")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(".onnx.json");
    }

    @Test
    void says_what_a_model_engine_needs() {
        assertThatThrownBy(() -> load(Map.of("VOICE_STT", "vosk")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("VOICE_STT_MODEL");
        assertThatThrownBy(() -> load(Map.of("VOICE_STT", "whisper", "VOICE_STT_MODEL", "/nowhere/ggml.bin")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> load(Map.of("VOICE_STT", "openai")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("VOICE_API_URL");
        assertThatThrownBy(() -> load(Map.of("VOICE_STT", "deepspeech")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sphinx, vosk, whisper or openai");
    }

    @Test
    void uses_the_assistants_api_for_speech_unless_told_otherwise() {
        SpeechConfig s = load(Map.of("VOICE_TTS", "openai", "AI_BASE_URL", "http://h:1/v1/", "AI_API_KEY", "k"))
                .speech();
        assertThat(s.apiUrl()).contains("http://h:1/v1");
        assertThat(s.apiKey()).contains("k");
        SpeechConfig own = load(Map.of(
                        "VOICE_STT",
                        "openai",
                        "VOICE_API_URL",
                        "http://a:2/v1",
                        "VOICE_API_KEY",
                        "v",
                        "AI_API_KEY",
                        "k"))
                .speech();
        assertThat(own.apiUrl()).contains("http://a:2/v1");
        assertThat(own.apiKey()).contains("v");
    }

    @Test
    void reads_phrases_and_turn_settings() {
        VoiceConfig c = load(Map.of(
                "VOICE_STT_PHRASES", "open the door|close the door",
                "VOICE_END_OF_TURN_MS", "500",
                "VOICE_BARGE_IN", "false",
                "VOICE_ENABLE", "false"));
        assertThat(c.speech().phrases()).containsExactly("open the door", "close the door");
        assertThat(c.turns().endSilence()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.turns().bargeIn()).isFalse();
        assertThat(c.enabled()).isFalse();
    }
}
