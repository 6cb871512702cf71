package dev.aichatroom.voice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.voice.speech.SpeechConfig;
import dev.aichatroom.web.Health;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The service's routing and its disabled path, without WebRTC. */
@Timeout(90)
class VoiceServiceTest {
    record Published(String topic, JsonNode json) {}

    static VoiceConfig config() {
        return config(2, VoiceConfig.defaultLimits(2));
    }

    static VoiceConfig config(int maxSessions, VoiceConfig.Limits limits) {
        return new VoiceConfig(
                true,
                List.of(),
                Duration.ofSeconds(2),
                Duration.ofSeconds(2),
                maxSessions,
                "main",
                SpeechConfig.defaults(),
                VoiceConfig.defaultTurns(),
                limits);
    }

    private final List<Published> published = new CopyOnWriteArrayList<>();

    private VoiceService service(java.util.function.Supplier<Rtc> rtc) {
        return service(config(), rtc);
    }

    private VoiceService service(VoiceConfig config, java.util.function.Supplier<Rtc> rtc) {
        return new VoiceService(
                config,
                (topic, payload) ->
                        published.add(new Published(topic, Json.tree(payload).orElseThrow())),
                rtc,
                PipelineTest.streaming(1, "Hello there."),
                () -> PipelineTest.FIXED,
                () -> PipelineTest.TONE,
                new SimpleMeterRegistry());
    }

    private JsonNode awaitOn(String topic, String type) {
        await().atMost(Duration.ofSeconds(15))
                .until(() -> published.stream()
                        .anyMatch(p -> p.topic().equals(topic)
                                && p.json().path("type").asText().equals(type)));
        return published.stream()
                .filter(p -> p.topic().equals(topic)
                        && p.json().path("type").asText().equals(type))
                .findFirst()
                .orElseThrow()
                .json();
    }

    @Test
    void without_the_native_library_it_starts_says_why_and_refuses_calls_with_the_reason() {
        try (VoiceService voice = service(() -> {
            throw new RtcException("the WebRTC native library needs libpulse0: apt-get install libpulse0");
        })) {
            voice.start();
            Health h = voice.health();
            assertThat(h.state()).isEqualTo(Health.State.DISABLED);
            assertThat(h.detail()).contains("apt-get install libpulse0");
            voice.route("d1", new Signal.Offer("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtcp-mux\r\n"));
            assertThat(awaitOn("$webrtc/d1", "webrtc_terminated").path("reason").asText())
                    .contains("voice is unavailable")
                    .contains("libpulse0");
        }
    }

    @Test
    void out_of_order_and_garbage_messages_get_webrtc_terminated_with_a_reason() {
        try (VoiceService voice = service(() -> {
            throw new RtcException("no WebRTC in this test");
        })) {
            voice.start();
            voice.route(
                    "d2",
                    new Signal.Candidate("candidate:1", java.util.Optional.of("0"), 0, java.util.Optional.empty()));
            await().atMost(Duration.ofSeconds(VoiceService.EARLY_CANDIDATE_SECONDS + 3))
                    .until(() -> published.stream().anyMatch(p -> p.topic().equals("$webrtc/d2")));
            assertThat(awaitOn("$webrtc/d2", "webrtc_terminated").path("reason").asText())
                    .isEqualTo("ice_candidate before sdp_offer");
            voice.route("d3", Signal.parse("{\"type\":\"sdp_offer\",\"data\":{}}".getBytes()));
            assertThat(awaitOn("$webrtc/d3", "webrtc_terminated").path("reason").asText())
                    .isEqualTo("sdp_offer without sdp");
        }
    }

    @Test
    void typed_chat_without_a_call_is_answered_in_text_events_and_the_session_ends_with_the_device() {
        try (VoiceService voice = service(() -> {
            throw new RtcException("no WebRTC in this test");
        })) {
            voice.start();
            voice.route("d4", new Signal.Chat("hello"));
            assertThat(awaitOn("$message/d4", "tts_text").path("text").asText()).isEqualTo("Hello there.");
            awaitOn("$message/d4", "tts_complete");
            assertThat(voice.devices()).containsExactly("d4");
            voice.deviceGone("d4");
            await().atMost(Duration.ofSeconds(15)).until(() -> voice.devices().isEmpty());
        }
    }

    @Test
    void text_a_device_sends_on_its_message_topic_is_answered_and_other_messages_there_end_nothing() {
        try (VoiceService voice = service(() -> {
            throw new RtcException("no WebRTC in this test");
        })) {
            voice.start();
            java.util.function.Consumer<String> send = json -> voice.onInbound(new dev.aichatroom.mqtt.Inbound(
                    "$message/d7/multimedia_proxy",
                    json.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    List.of(),
                    () -> {}));
            send.accept("{\"type\":\"message\",\"payload\":{\"type\":\"loading\",\"status\":\"complete\"}}");
            send.accept("not json");
            send.accept("{\"type\":\"sdp_offer\",\"data\":{}}");
            send.accept("{\"type\":\"message\",\"payload\":\"hello\"}");
            assertThat(awaitOn("$message/d7", "tts_text").path("text").asText()).isEqualTo("Hello there.");
            awaitOn("$message/d7", "tts_complete");
            send.accept("{\"type\":\"message\",\"payload\":{\"text\":\"again\"}}");
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> published.stream()
                                    .filter(p -> p.json().path("type").asText().equals("tts_complete"))
                                    .count()
                            == 2);
            assertThat(published).noneMatch(p -> p.topic().equals("$webrtc/d7"));
        }
    }

    @Test
    void signalling_that_comes_while_voice_loads_in_the_background_waits_for_it_and_is_then_handled() throws Exception {
        java.util.concurrent.CountDownLatch loaded = new java.util.concurrent.CountDownLatch(1);
        try (VoiceService voice = service(() -> {
            try {
                loaded.await(); // WebRTC's native library takes its time
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new RtcException("no WebRTC in this test");
        })) {
            voice.startInBackground();
            assertThat(voice.health().state()).isEqualTo(Health.State.DEGRADED);
            assertThat(voice.health().detail()).contains("loading");
            java.util.function.BiConsumer<String, String> send =
                    (topic, json) -> voice.onInbound(new dev.aichatroom.mqtt.Inbound(
                            topic, json.getBytes(java.nio.charset.StandardCharsets.UTF_8), List.of(), () -> {}));
            send.accept("$message/d9/multimedia_proxy", "{\"type\":\"message\",\"payload\":\"hello\"}");
            send.accept(
                    "$webrtc/d10/multimedia_proxy",
                    "{\"type\":\"sdp_offer\",\"data\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\nm=audio 9 UDP/TLS/RTP/SAVPF"
                            + " 111\\r\\na=rtcp-mux\\r\\n\"}}");
            assertThat(published)
                    .as("nothing is answered, or refused, while loading")
                    .isEmpty();

            loaded.countDown();
            assertThat(awaitOn("$message/d9", "tts_text").path("text").asText()).isEqualTo("Hello there.");
            // the offer is refused for what the machine lacks, not for loading
            assertThat(awaitOn("$webrtc/d10", "webrtc_terminated")
                            .path("reason")
                            .asText())
                    .isEqualTo("voice is unavailable: no WebRTC in this test");
            voice.awaitLoaded(Duration.ofSeconds(10));
            assertThat(voice.health().state()).isEqualTo(Health.State.DISABLED);
        }
    }

    @Test
    void voice_loads_only_once_the_start_it_waits_for_is_done_and_holds_signalling_until_then() throws Exception {
        java.util.concurrent.atomic.AtomicInteger loads = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CompletableFuture<Void> httpUp = new java.util.concurrent.CompletableFuture<>();
        try (VoiceService voice = service(() -> {
            loads.incrementAndGet();
            throw new RtcException("no WebRTC in this test");
        })) {
            voice.startInBackground(httpUp);
            voice.onInbound(new dev.aichatroom.mqtt.Inbound(
                    "$message/d11/multimedia_proxy",
                    "{\"type\":\"message\",\"payload\":\"hello\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    List.of(),
                    () -> {}));
            voice.awaitLoaded(Duration.ofSeconds(1));
            assertThat(loads).as("nothing loads before the start is done").hasValue(0);
            assertThat(voice.health().detail()).contains("loading");
            assertThat(published).as("signalling is held meanwhile").isEmpty();

            httpUp.complete(null);
            assertThat(awaitOn("$message/d11", "tts_text").path("text").asText())
                    .isEqualTo("Hello there.");
            voice.awaitLoaded(Duration.ofSeconds(10));
            assertThat(loads).hasValue(1);
            assertThat(voice.health().state()).isEqualTo(Health.State.DISABLED);
        }
    }

    /** A WebRTC engine that records what sessions ask of it; its peers connect as they answer. */
    static final class FakeRtc implements Rtc {
        final List<String> calls = new CopyOnWriteArrayList<>();
        int peers;

        @Override
        public RtcPeer open(RtcPeer.Listener listener) {
            int n = ++peers;
            return new RtcPeer() {
                @Override
                public String answer(String offerSdp) {
                    calls.add(n + " answer");
                    listener.state(RtcPeer.State.CONNECTED);
                    return "v=0 answer " + n;
                }

                @Override
                public void addCandidate(String candidate, java.util.Optional<String> mid, int index) {
                    calls.add(n + " candidate " + candidate);
                }

                @Override
                public void send(byte[] frame) {}

                @Override
                public void close() {
                    calls.add(n + " close");
                }
            };
        }

        @Override
        public void close() {
            calls.add("rtc close");
        }
    }

    @Test
    void candidates_that_race_ahead_of_the_offer_are_applied_after_it_and_a_new_offer_replaces_the_session() {
        FakeRtc rtc = new FakeRtc();
        String offer = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtcp-mux\r\n";
        try (VoiceService voice = service(() -> rtc)) {
            voice.start();
            voice.route(
                    "d5",
                    new Signal.Candidate("candidate:early", java.util.Optional.of("0"), 0, java.util.Optional.empty()));
            voice.route("d5", new Signal.Offer(offer));
            assertThat(awaitOn("$webrtc/d5", "sdp_answer")
                            .path("data")
                            .path("sdp")
                            .asText())
                    .isEqualTo("v=0 answer 1");
            await().atMost(Duration.ofSeconds(15)).until(() -> rtc.calls.contains("1 candidate candidate:early"));
            assertThat(rtc.calls).containsSubsequence("1 answer", "1 candidate candidate:early");
            voice.route("d5", new Signal.Offer(offer));
            await().atMost(Duration.ofSeconds(15)).until(() -> rtc.calls.containsAll(List.of("1 close", "2 answer")));
            assertThat(voice.devices()).containsExactly("d5");
        }
        assertThat(rtc.calls).contains("2 close", "rtc close");
        assertThat(published)
                .noneMatch(p -> p.json().path("type").asText().equals("webrtc_terminated")
                        && !p.json().path("reason").asText().equals("the service is stopping"));
    }

    private static Signal.Candidate candidate(String name, String ufrag) {
        return new Signal.Candidate(
                "candidate:" + name + " 1 udp 2122260223 10.0.0.1 5000" + " typ host",
                java.util.Optional.of("0"),
                0,
                java.util.Optional.of(ufrag));
    }

    @Test
    void candidates_that_overtake_a_new_offer_wait_for_it_instead_of_going_to_the_old_session() {
        FakeRtc rtc = new FakeRtc();
        String first = "v=0\r\na=ice-ufrag:one\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:one\r\na=rtcp-mux\r\n";
        String second = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:two\r\na=rtcp-mux\r\n";
        try (VoiceService voice = service(() -> rtc)) {
            voice.start();
            voice.route("d6", new Signal.Offer(first));
            voice.route("d6", candidate("a", "one"));
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> rtc.calls.stream().anyMatch(c -> c.startsWith("1 candidate candidate:a ")));
            // the device calls again; its first candidates overtake the new offer on the way
            voice.route("d6", candidate("b", "two"));
            voice.route("d6", new Signal.Offer(second));
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> rtc.calls.stream().anyMatch(c -> c.startsWith("2 candidate candidate:b ")));
            assertThat(rtc.calls).noneMatch(c -> c.startsWith("1 candidate candidate:b "));
            assertThat(rtc.calls.stream().filter(c -> c.startsWith("2 ")).toList())
                    .first()
                    .isEqualTo("2 answer");
            // a late candidate of the first call waits for an offer that never comes: dropped, the call goes on
            voice.route("d6", candidate("c", "one"));
            await().pollDelay(Duration.ofSeconds(VoiceService.EARLY_CANDIDATE_SECONDS + 1))
                    .atMost(Duration.ofSeconds(VoiceService.EARLY_CANDIDATE_SECONDS + 3))
                    .until(() -> true);
            assertThat(rtc.calls).noneMatch(c -> c.contains("candidate:c "));
            assertThat(voice.devices()).containsExactly("d6");
            assertThat(published).noneMatch(p -> p.json().path("type").asText().equals("webrtc_terminated"));
        }
    }

    @Test
    void voice_enable_false_shows_disabled() {
        VoiceConfig off = new VoiceConfig(
                false,
                List.of(),
                Duration.ofSeconds(1),
                Duration.ofSeconds(1),
                1,
                "main",
                SpeechConfig.defaults(),
                VoiceConfig.defaultTurns(),
                VoiceConfig.defaultLimits(2));
        try (VoiceService voice = new VoiceService(
                off,
                (t, p) -> {},
                () -> {
                    throw new AssertionError("must not load WebRTC");
                },
                PipelineTest.streaming(1),
                () -> PipelineTest.FIXED,
                () -> PipelineTest.TONE,
                new SimpleMeterRegistry())) {
            voice.start();
            assertThat(voice.health()).isEqualTo(new Health(Health.State.DISABLED, "VOICE_ENABLE=false"));
        }
    }

    private static final String OFFER = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtcp-mux\r\n";

    private long count(String topic, String type) {
        return published.stream()
                .filter(p -> p.topic().equals(topic)
                        && p.json().path("type").asText().equals(type))
                .count();
    }

    @Test
    void a_forged_offer_is_refused_before_any_peer_connection_is_made() {
        FakeRtc rtc = new FakeRtc();
        try (VoiceService voice = service(() -> rtc)) {
            voice.start();
            voice.route("f1", new Signal.Offer(OfferCheckTest.manyAudioSections(OfferCheckTest.BROWSER, 20, false)));
            assertThat(awaitOn("$webrtc/f1", "webrtc_terminated").path("reason").asText())
                    .contains("20 media sections");
            assertThat(rtc.peers).isZero();
            assertThat(voice.devices()).isEmpty();
        }
    }

    @Test
    void a_hundred_offers_from_one_device_at_once_get_a_burst_of_answers_and_then_refusals() {
        FakeRtc rtc = new FakeRtc();
        try (VoiceService voice = service(() -> rtc)) {
            voice.start();
            for (int i = 0; i < 100; i++) {
                voice.route("f2", new Signal.Offer(OFFER));
            }
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> count("$webrtc/f2", "webrtc_terminated") == 100 - VoiceConfig.Limits.OFFER_BURST);
            assertThat(rtc.peers).isLessThanOrEqualTo(VoiceConfig.Limits.OFFER_BURST);
            assertThat(awaitOn("$webrtc/f2", "webrtc_terminated").path("reason").asText())
                    .startsWith("too many offers from this device");
            // another device is not held back by the first one's flood
            voice.route("f3", new Signal.Offer(OFFER));
            awaitOn("$webrtc/f3", "sdp_answer");
        }
    }

    @Test
    void anonymous_devices_cannot_take_the_slots_kept_for_signed_in_ones() {
        FakeRtc rtc = new FakeRtc();
        try (VoiceService voice =
                service(config(3, new VoiceConfig.Limits(12, 1, java.util.Optional.empty())), () -> rtc)) {
            voice.start();
            for (String anon : List.of("a1", "a2", "a3")) {
                voice.sender(anon, false);
                voice.route(anon, new Signal.Offer(OFFER));
            }
            awaitOn("$webrtc/a1", "sdp_answer");
            awaitOn("$webrtc/a2", "sdp_answer");
            assertThat(awaitOn("$webrtc/a3", "webrtc_terminated").path("reason").asText())
                    .contains("kept for the product's pages");
            voice.sender("u1", true);
            voice.route("u1", new Signal.Offer(OFFER));
            awaitOn("$webrtc/u1", "sdp_answer");
            assertThat(voice.devices()).containsExactlyInAnyOrder("a1", "a2", "u1");
        }
    }
}
