package dev.aichatroom.voice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import dev.aichatroom.Application;
import dev.aichatroom.config.ConfigLoader;
import dev.aichatroom.config.Env;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.testing.Requirements;
import dev.aichatroom.testing.TestProduct;
import dev.aichatroom.voice.speech.FakeOpenAiServer;
import dev.aichatroom.voice.speech.TestAudio;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls into the real product from a real WebRTC peer (webrtc-java in a network namespace, see {@link NetNs}) over MQTT
 * signalling: answer and trickle ICE, speech in → {@code asr_response} → the room's assistant (a local
 * OpenAI-compatible model server) → speech out; garbage SDP, ICE that never connects and a device vanishing
 * mid-call, each followed by threads, file descriptors and UDP sockets returning to their baseline.
 */
@Timeout(180)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VoiceCallIT {
    private static final Logger LOG = LoggerFactory.getLogger(VoiceCallIT.class);
    private static NetNs ns;
    private static DevicePeer.Factory devices;
    private static FakeOpenAiServer model;
    private static Application app;
    private static int mqttPort;
    private static int httpPort;
    private static final List<String> measured = new CopyOnWriteArrayList<>();
    /** The warm turn's stages for docs/benchmarks.md, in order. */
    private static final Map<String, Long> benchmark =
            java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>());

    private static java.nio.file.Path dataDir;

    /** One device: an MQTT connection that speaks the signalling protocol for a {@link DevicePeer}. */
    static final class Device implements AutoCloseable {
        final String id = "dev-" + UUID.randomUUID().toString().substring(0, 8);
        final Mqtt5BlockingClient mqtt;
        final List<JsonNode> signals = new CopyOnWriteArrayList<>();
        final List<JsonNode> events = new CopyOnWriteArrayList<>();
        /** When the first event of each type arrived (System.nanoTime). */
        final Map<String, Long> firstEventAt = new java.util.concurrent.ConcurrentHashMap<>();

        final List<JsonNode> room = new CopyOnWriteArrayList<>();
        volatile DevicePeer peer;
        volatile boolean forwardCandidates = true;
        volatile long offerSentAt;
        volatile long answerAt;

        Device() {
            mqtt = MqttClient.builder()
                    .useMqttVersion5()
                    .identifier(id)
                    .serverHost("127.0.0.1")
                    .serverPort(mqttPort)
                    .buildBlocking();
            mqtt.toAsync().publishes(MqttGlobalPublishFilter.ALL, p -> {
                JsonNode json = Json.tree(p.getPayloadAsBytes()).orElseThrow();
                String topic = p.getTopic().toString();
                if (topic.equals("$webrtc/" + id)) {
                    signals.add(json);
                    onSignal(json);
                } else if (topic.equals("$message/" + id)) {
                    firstEventAt.putIfAbsent(json.path("type").asText(), System.nanoTime());
                    events.add(json);
                } else {
                    room.add(json);
                }
            });
            // like the voice page: a device that vanishes tells the proxy through its will (PROTOCOL.md §3)
            mqtt.connectWith()
                    .willPublish()
                    .topic("$webrtc/" + id + "/multimedia_proxy")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(Json.bytes(Map.of("type", "webrtc_terminated", "reason", "the device went away")))
                    .applyWillPublish()
                    .send();
            for (String f : List.of("$webrtc/" + id, "$message/" + id, "chatroom/messages/out")) {
                mqtt.subscribeWith().topicFilter(f).qos(MqttQos.AT_LEAST_ONCE).send();
            }
        }

        private void onSignal(JsonNode json) {
            DevicePeer peer = this.peer;
            if (peer == null) {
                return;
            }
            try {
                switch (json.path("type").asText()) {
                    case "sdp_answer" -> {
                        answerAt = System.nanoTime();
                        measured.add("offer → answer " + (answerAt - offerSentAt) / 1_000_000 + " ms");
                        peer.answer(json.path("data").path("sdp").asText());
                    }
                    case "ice_candidate" -> {
                        if (forwardCandidates) {
                            JsonNode d = json.path("data");
                            peer.candidate(
                                    d.path("candidate").asText(),
                                    d.path("sdpMid").asText(),
                                    d.path("sdpMLineIndex").asInt());
                        }
                    }
                    default -> {}
                }
            } catch (Exception e) {
                LOG.warn("device {} could not use {}: {}", id, json, e.toString());
            }
        }

        void send(String type, Object data) {
            Map<String, Object> m = new HashMap<>();
            m.put("type", type);
            m.put("data", data);
            mqtt.publishWith()
                    .topic("$webrtc/" + id + "/multimedia_proxy")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(Json.bytes(m))
                    .send();
        }

        /** Opens the device's peer connection and sends its offer. */
        DevicePeer call() throws Exception {
            peer = devices.open(c -> {
                if (forwardCandidates) {
                    send(
                            "ice_candidate",
                            Map.of("candidate", c.sdp, "sdpMid", c.sdpMid, "sdpMLineIndex", c.sdpMLineIndex));
                }
            });
            String offer = peer.offer();
            offerSentAt = System.nanoTime();
            send("sdp_offer", Map.of("type", "offer", "sdp", offer));
            return peer;
        }

        JsonNode awaitSignal(String type) {
            return awaitIn(signals, j -> j.path("type").asText().equals(type));
        }

        JsonNode awaitEvent(String type) {
            return awaitIn(events, j -> j.path("type").asText().equals(type));
        }

        static JsonNode awaitIn(List<JsonNode> list, Predicate<JsonNode> test) {
            await().atMost(Duration.ofSeconds(30)).until(() -> list.stream().anyMatch(test));
            return list.stream().filter(test).findFirst().orElseThrow();
        }

        /** Drops the MQTT connection so that the broker publishes the will, as for a device whose network vanished. */
        void vanish() {
            mqtt.toAsync()
                    .disconnectWith()
                    .reasonCode(
                            com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode
                                    .DISCONNECT_WITH_WILL_MESSAGE)
                    .send();
        }

        @Override
        public void close() {
            if (mqtt.getState().isConnected()) {
                mqtt.disconnect();
            }
            DevicePeer p = peer;
            peer = null;
            if (p != null) {
                p.close();
            }
        }
    }

    @BeforeAll
    static void start() throws Exception {
        Requirements.assume(NetNs.available(), "needs root and iproute2 for a network namespace");
        ns = NetNs.create();
        devices = new DevicePeer.Factory(ns);
        model = new FakeOpenAiServer();
        model.reply(30, "Sure, turning", " it on now.", " The camera is", " on and working.");
        mqttPort = freePort();
        httpPort = freePort();
        Map<String, String> env = new HashMap<>();
        env.put("MQTT_PORT", String.valueOf(mqttPort));
        env.put("MQTT_WS_PORT", String.valueOf(freePort()));
        env.put("PORT", String.valueOf(httpPort));
        dataDir = Files.createTempDirectory("voice-it");
        env.put("DATA_DIR", dataDir.toString());
        env.put("AI_PROVIDER", "openai-compatible");
        env.put("AI_BASE_URL", model.baseUrl());
        env.put("AI_MODEL", "fake-model");
        env.put("CHAT_LANGUAGE", "en");
        env.put("VOICE_STT_DOWNLOAD", "false"); // Sphinx4 stands in for the model, as offline
        env.put("VOICE_ICE_TIMEOUT", "3");
        env.put("VOICE_ICE_LOST_TIMEOUT", "2");
        env.put("VOICE_TTS", "auto");
        app = new Application(ConfigLoader.load(Env.of(env)));
        app.start();
    }

    @AfterAll
    static void stop() throws Exception {
        measured.forEach(m -> LOG.info("MEASURED {}", m));
        String out = System.getProperty("voice.benchmark.out", "");
        if (!out.isEmpty() && !benchmark.isEmpty()) {
            writeBenchmark(java.nio.file.Path.of(out));
        }
        if (app != null) {
            app.close();
        }
        if (model != null) {
            model.close();
        }
        if (devices != null) {
            devices.close();
        }
        if (ns != null) {
            ns.close();
        }
        deleteTree(dataDir);
    }

    static void deleteTree(java.nio.file.Path dir) {
        if (dir == null) {
            return;
        }
        try (java.util.stream.Stream<java.nio.file.Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(f -> f.toFile().delete());
        } catch (java.io.IOException e) {
            // a temporary directory left behind
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Replaces the voice section of {@code docs/benchmarks.md} ({@code <!-- voice:begin -->} … {@code <!-- voice:end
     * -->}, appended when missing) with this run's warm turn, stage by stage.
     */
    static void writeBenchmark(java.nio.file.Path file) throws java.io.IOException {
        StringBuilder md = new StringBuilder("<!-- voice:begin -->\n## Voice: end of speech → first reply audio\n\n")
                .append("Written by `VoiceCallIT` (")
                .append(java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
                .append(", `-Dvoice.benchmark.out=docs/benchmarks.md`, see docs/voice.md): a webrtc-java device in a")
                .append(
                        " network namespace says \"turn off the camera\" (espeak-ng) in a warm call; the assistant is a")
                .append(" local streaming server (30 ms between chunks), speech-to-text ")
                .append(engines())
                .append(". The stages are the product's `voice_reply_stage_seconds` for that turn; the total is")
                .append(" measured at the device, from the last frame of speech its microphone sent to the first loud")
                .append(" frame it hears. Load average at the end of the run: ")
                .append(loadAverage())
                .append(" on ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" cores.\n\n")
                .append("| stage | ms |\n|---|---:|\n");
        benchmark.forEach((stage, ms) ->
                md.append("| ").append(stage).append(" | ").append(ms).append(" |\n"));
        md.append("<!-- voice:end -->");
        String old = Files.isRegularFile(file) ? Files.readString(file) : "";
        int begin = old.indexOf("<!-- voice:begin -->");
        int end = old.indexOf("<!-- voice:end -->");
        String updated = begin >= 0 && end > begin
                ? old.substring(0, begin) + md + old.substring(end + "<!-- voice:end -->".length())
                : old + (old.endsWith("\n") || old.isEmpty() ? "\n" : "\n\n") + md + "\n";
        Files.writeString(file, updated);
        LOG.info("Voice benchmark written to {}", file);
    }

    private static String loadAverage() {
        try {
            return Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    private static String engines() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("speech-to-text (.*?); text-to-speech ([^\"]*)")
                .matcher(health());
        return m.find() ? m.group(1) + ", text-to-speech " + m.group(2) : "(see /health)";
    }

    /** {@code voice_reply_stage_seconds} by stage: {sum in seconds, count}. */
    static Map<String, double[]> stages(String metrics) {
        Map<String, double[]> out = new HashMap<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                        "voice_reply_stage_seconds_(sum|count)\\{[^}]*stage=\"(\\w+)\"[^}]*} ([0-9.eE+-]+)")
                .matcher(metrics);
        while (m.find()) {
            out.computeIfAbsent(m.group(2), k -> new double[2])[m.group(1).equals("sum") ? 0 : 1] =
                    Double.parseDouble(m.group(3));
        }
        return out;
    }

    static String health() {
        return get("/health");
    }

    static String get(String path) {
        return TestProduct.get(httpPort, path).body();
    }

    /** Opens and ends one call so that lazily created pools and the speech model are part of the baseline. */
    static Resources baseline() throws Exception {
        try (Device d = new Device()) {
            DevicePeer p = d.call();
            await().atMost(Duration.ofSeconds(15)).until(() -> p.state() == RTCPeerConnectionState.CONNECTED);
            d.send("webrtc_terminated", Map.of());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> health().contains("0 session(s)"));
        return Resources.now();
    }

    @Test
    @Order(1)
    void answers_the_offer_trickles_ice_both_ways_and_connects() throws Exception {
        try (Device d = new Device()) {
            DevicePeer p = d.call();
            JsonNode answer = d.awaitSignal("sdp_answer");
            assertThat(answer.path("data").path("type").asText()).isEqualTo("answer");
            assertThat(answer.path("data").path("sdp").asText())
                    .startsWith("v=0")
                    .contains("m=audio");
            JsonNode candidate = d.awaitSignal("ice_candidate").path("data");
            assertThat(candidate.path("candidate").asText()).startsWith("candidate:");
            assertThat(candidate.has("sdpMid")).isTrue();
            assertThat(candidate.path("sdpMLineIndex").isInt()).isTrue();
            assertThat(candidate.path("usernameFragment").asText()).isNotEmpty();
            await().atMost(Duration.ofSeconds(15)).until(() -> p.state() == RTCPeerConnectionState.CONNECTED);
            measured.add("offer → connected " + (p.connectedAt.get() - d.offerSentAt) / 1_000_000 + " ms");
            await().atMost(Duration.ofSeconds(5)).until(() -> p.heardFrames.get() > 50); // silence flows between turns
            assertThat(health()).contains("\"voice\":{\"status\":\"up\"");
            assertThat(get("/metrics"))
                    .contains("voice_sessions 1.0", "voice_sessions_started_total", "voice_answer_seconds_count")
                    .containsPattern("voice_connect_seconds_count [1-9]");
        }
    }

    @Test
    @Order(2)
    void speech_is_recognised_answered_by_the_assistant_and_spoken_back() throws Exception {
        try (Device d = new Device()) {
            DevicePeer p = d.call();
            await().atMost(Duration.ofSeconds(15)).until(() -> p.state() == RTCPeerConnectionState.CONNECTED);
            p.say(TestAudio.padded(TestAudio.espeak("turn on the camera"), 200, 0));
            JsonNode asr = d.awaitEvent("asr_response");
            assertThat(asr.path("format").asText()).isEqualTo("merged");
            assertThat(asr.path("results").asText()).isEqualTo("turn on the camera");
            String task = d.awaitEvent("tts_begin").path("task_id").asText();
            d.awaitEvent("tts_complete");
            assertThat(d.events.stream()
                            .filter(e -> e.path("type").asText().equals("tts_text"))
                            .map(e -> e.path("text").asText()))
                    .containsExactly("Sure, turning it on now.", " The camera is on and working.");
            assertThat(d.events.stream().filter(e -> e.has("task_id")))
                    .allMatch(e -> e.path("task_id").asText().equals(task));
            assertThat(d.events.stream()
                            .map(e -> e.path("payload").path("status").asText()))
                    .contains("processing", "complete");
            assertThat(p.loudFrames.get()).isGreaterThan(50); // ≥ 0.5 s of reply speech reached the device
            measured.add("end of speech → first reply audio at the device, first turn "
                    + (p.firstLoudAt.get() - p.micLoudUntil.get()) / 1_000_000 + " ms (includes the "
                    + VoiceConfig.SILERO_END_SILENCE.toMillis() + " ms end-of-turn silence of Silero VAD)");
            measured.add("whole product's heap after GC during a call, Sphinx loaded: " + heapUsed() / (1024 * 1024)
                    + " MB");
            // a second turn, with the speech model loaded
            Map<String, double[]> stagesBefore = stages(get("/metrics"));
            d.events.clear();
            p.loudFrames.set(0);
            p.firstLoudAt.set(0);
            p.say(TestAudio.padded(TestAudio.espeak("turn off the camera"), 200, 0));
            assertThat(d.awaitEvent("asr_response").path("results").asText()).isEqualTo("turn off the camera");
            d.awaitEvent("tts_complete");
            await().atMost(Duration.ofSeconds(5)).until(() -> p.firstLoudAt.get() > 0);
            // from the last sound of speech the device's microphone sent (espeak-ng's WAV ends with 430 ms of silence
            // after it, which the end of turn counts as silence too)
            long warm = (p.firstLoudAt.get() - p.micLoudUntil.get()) / 1_000_000;
            measured.add("end of speech → first reply audio at the device, warm " + warm + " ms");
            // the same turn stage by stage, as the product meters it (voice_reply_stage_seconds)
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> stages(get("/metrics")).getOrDefault("audio_queue", new double[2])[1]
                            > stagesBefore.getOrDefault("audio_queue", new double[2])[1]);
            Map<String, double[]> stagesAfter = stages(get("/metrics"));
            StringBuilder breakdown = new StringBuilder("warm turn stage by stage:");
            long server = 0;
            benchmark.clear();
            Map<String, String> names = new java.util.LinkedHashMap<>();
            names.put("end_of_turn", "end of turn: last speech heard → silence long enough (`VOICE_END_OF_TURN_MS`)");
            names.put("recognition", "recognition: what was left of it after the end of turn");
            names.put("assistant", "assistant's first sentence");
            names.put("speaker_wait", "waiting for the speaker");
            names.put("synthesis", "synthesis of the first sentence");
            names.put("audio_queue", "audio queue to the clock's frame");
            for (Map.Entry<String, String> stage : names.entrySet()) {
                double[] a = stagesAfter.get(stage.getKey());
                double[] b = stagesBefore.getOrDefault(stage.getKey(), new double[2]);
                assertThat(a).as(stage.getKey()).isNotNull();
                long ms = Math.round((a[0] - b[0]) / (a[1] - b[1]) * 1000);
                server += ms;
                benchmark.put(stage.getValue(), ms);
                breakdown
                        .append(' ')
                        .append(stage.getKey())
                        .append(' ')
                        .append(ms)
                        .append(" ms,");
            }
            breakdown
                    .append(" WebRTC both ways (device → service, service → device) ")
                    .append(warm - server)
                    .append(" ms, total ")
                    .append(warm)
                    .append(" ms");
            measured.add(breakdown.toString());
            benchmark.put("WebRTC both ways: device → service, service → device (the rest)", warm - server);
            benchmark.put("**end of speech → first reply audio at the device**", warm);
            // the voice turn in the chat room, marked as voice
            JsonNode said =
                    Device.awaitIn(d.room, j -> j.path("content").asText().equals("turn on the camera"));
            assertThat(said.path("source").asText()).isEqualTo("voice");
            assertThat(said.path("client_id").asText()).isEqualTo(d.id);
            JsonNode reply = Device.awaitIn(
                    d.room,
                    j -> j.path("type").asText().equals("ai_response")
                            && j.path("reply_to")
                                    .asText()
                                    .equals(said.path("message_id").asText()));
            assertThat(reply.path("content").asText())
                    .isEqualTo("Sure, turning it on now. The camera is on and working.");
            assertThat(reply.path("source").asText()).isEqualTo("voice");
            // the model saw the words
            assertThat(model.requests()).anyMatch(r -> r.startsWith("chat ") && r.contains("turn on the camera"));

            // text from the device on $message/{id}/multimedia_proxy (PROTOCOL.md §4) is a turn like speech
            d.mqtt.publishWith()
                    .topic("$message/" + d.id + "/multimedia_proxy")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(Json.bytes(Map.of("type", "message", "payload", "typed on the message topic")))
                    .send();
            JsonNode typed =
                    Device.awaitIn(d.room, j -> j.path("content").asText().equals("typed on the message topic"));
            assertThat(typed.path("source").asText()).isEqualTo("voice");
        }
    }

    @Test
    @Order(3)
    void garbage_sdp_gets_webrtc_terminated_with_a_reason_and_the_next_offer_works() throws Exception {
        Resources before = baseline();
        try (Device d = new Device()) {
            d.send("sdp_offer", Map.of("type", "offer", "sdp", "garbage"));
            assertThat(d.awaitSignal("webrtc_terminated").path("reason").asText())
                    .isEqualTo("the offer has no audio (m=audio)");
            d.signals.clear();
            d.send("sdp_offer", Map.of("type", "offer", "sdp", "v=0\r\nm=audio 9 nonsense\r\na=rtcp-mux\r\n"));
            assertThat(d.awaitSignal("webrtc_terminated").path("reason").asText())
                    .startsWith("invalid offer");
            d.signals.clear();
            d.send("ice_candidate", Map.of("candidate", "candidate:1", "sdpMid", "0", "sdpMLineIndex", 0));
            long sent = System.nanoTime();
            assertThat(d.awaitSignal("webrtc_terminated").path("reason").asText())
                    .isEqualTo("ice_candidate before sdp_offer"); // when no offer follows in time
            assertThat((System.nanoTime() - sent) / 1_000_000)
                    .isGreaterThanOrEqualTo(VoiceService.EARLY_CANDIDATE_SECONDS * 1000L - 100);
            d.signals.clear();
            DevicePeer p = d.call();
            await().atMost(Duration.ofSeconds(15)).until(() -> p.state() == RTCPeerConnectionState.CONNECTED);
        }
        awaitResourcesBackTo(before);
    }

    @Test
    @Order(4)
    void ice_that_never_connects_ends_the_session_after_the_timeout() throws Exception {
        Resources before = baseline();
        try (Device d = new Device()) {
            d.forwardCandidates = false;
            d.call();
            d.awaitSignal("sdp_answer");
            long answered = System.nanoTime();
            assertThat(d.awaitSignal("webrtc_terminated").path("reason").asText())
                    .startsWith("ICE did not connect within 3 s");
            assertThat((System.nanoTime() - answered) / 1_000_000).isBetween(2500L, 6000L);
        }
        awaitResourcesBackTo(before);
    }

    @Test
    @Order(5)
    void a_device_vanishing_mid_call_frees_every_resource() throws Exception {
        Resources before = baseline();
        for (int i = 0; i < 3; i++) {
            try (Device d = new Device()) {
                DevicePeer p = d.call();
                await().atMost(Duration.ofSeconds(15)).until(() -> p.state() == RTCPeerConnectionState.CONNECTED);
                assertThat(Resources.now().udpSockets()).isGreaterThan(before.udpSockets());
                d.vanish();
                await().atMost(Duration.ofSeconds(10)).until(() -> health().contains("0 session(s)"));
            }
        }
        Resources after = Resources.now();
        awaitResourcesBackTo(before);
        LOG.info("resources before {} after {}", before, after);
    }

    @Test
    @Order(6)
    void measures_the_memory_of_a_call() throws Exception {
        baseline();
        long rssBefore = rssKb();
        long heapBefore = heapUsed();
        int calls = 4;
        List<Device> open = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < calls; i++) {
                Device d = new Device();
                open.add(d);
                DevicePeer p = d.call();
                await().atMost(Duration.ofSeconds(15)).until(() -> p.state() == RTCPeerConnectionState.CONNECTED);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> health().contains(calls + " session(s)"));
            long rss = rssKb() - rssBefore;
            long heap = heapUsed() - heapBefore;
            // the device peers live in this process too: their share is about the same as the service's
            measured.add("per call (" + calls + " at once, after a first call): resident memory +" + rss / calls
                    + " kB (service and device peer together), Java heap +" + heap / calls / 1024 + " kB");
        } finally {
            open.forEach(Device::close);
        }
    }

    @Test
    @Order(7)
    void a_call_whose_ice_consent_is_lost_ends_and_frees_everything() throws Exception {
        Resources before = baseline();
        try (Device d = new Device()) {
            DevicePeer p = d.call();
            await().atMost(Duration.ofSeconds(15)).until(() -> p.state() == RTCPeerConnectionState.CONNECTED);
            long lost = System.nanoTime();
            d.peer = null;
            p.close(); // the device's network goes, its MQTT connection stays
            String reason = d.awaitSignal("webrtc_terminated").path("reason").asText();
            assertThat(reason)
                    .isIn("connectivity lost for 2 s", "the ICE connection failed", "the device closed the connection");
            measured.add(
                    "consent lost → session ended " + (System.nanoTime() - lost) / 1_000_000 + " ms (" + reason + ")");
        }
        awaitResourcesBackTo(before);
    }

    @Test
    @Order(8)
    void speaking_over_the_reply_stops_its_audio_at_the_device_and_terminates_the_task() throws Exception {
        Resources before = baseline();
        model.reply(
                30,
                "Let me tell you a long story about the camera.",
                " It has a lens and a sensor.",
                " It records video all day long.",
                " And it never sleeps at all, not even at night.");
        double bargeInsBefore = bargeIns();
        try (Device d = new Device()) {
            DevicePeer p = d.call();
            await().atMost(Duration.ofSeconds(15)).until(() -> p.state() == RTCPeerConnectionState.CONNECTED);
            // the story is asked for in text on $message/{id}/multimedia_proxy (a turn like speech, PROTOCOL.md §4), so
            // that "stop" is the only speech the service hears: a spoken request, which the order-2 test covers, can
            // come out as two turns on a loaded machine (a late audio packet is a pause to the turn detector), and the
            // second one's turn, not "stop", then cut the story
            d.mqtt.publishWith()
                    .topic("$message/" + d.id + "/multimedia_proxy")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(Json.bytes(Map.of("type", "message", "payload", "tell me a story")))
                    .send();
            String task = d.awaitEvent("tts_begin").path("task_id").asText();
            // "stop" below is a turn of its own once recognised: its reply is silent, so every loud frame the device
            // hears from here on is the story's
            model.reply(30, " ");
            await().atMost(Duration.ofSeconds(10)).until(() -> p.loudFrames.get() > 50); // half a second heard
            p.say(TestAudio.espeak("stop"));
            assertThat(d.awaitEvent("tts_terminate").path("task_id").asText()).isEqualTo(task);
            long terminated = d.firstEventAt.get("tts_terminate");
            long spoke = p.spokeFrom.get();
            // cut when the speech started, not when the turn ended and "stop" was recognised
            assertThat(bargeIns()).isEqualTo(bargeInsBefore + 1);
            // the story had seconds left to play: it goes quiet at the device for good
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> System.nanoTime() - p.lastLoudAt.get()
                            > Duration.ofSeconds(1).toNanos());
            measured.add("barge-in: the user starts speaking → tts_terminate at the device "
                    + (terminated - spoke) / 1_000_000 + " ms, → the reply's audio stops at the device "
                    + (p.lastLoudAt.get() - spoke) / 1_000_000
                    + " ms (both WebRTC legs' jitter buffers included; the pipeline's own share is in PipelineTest)");
            assertThat(d.events)
                    .noneMatch(e -> e.path("type").asText().equals("tts_complete")
                            && e.path("task_id").asText().equals(task));
        } finally {
            model.reply(30, "Sure, turning", " it on now.", " The camera is", " on and working.");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> health().contains("0 session(s)"));
        awaitResourcesBackTo(before);
    }

    /** Waits for threads, descriptors and UDP sockets to come back to {@code before}; says which did not. */
    private static void awaitResourcesBackTo(Resources before) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            Resources now = Resources.now();
            assertThat(now.within(before, 4))
                    .as("threads, descriptors and UDP sockets back to %s: %s", before, now.beyond(before))
                    .isTrue();
        });
    }

    private static double bargeIns() throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^voice_barge_ins_total(?:\\{[^}]*})? (\\S+)$")
                .matcher(get("/metrics"));
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static long heapUsed() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    private static long rssKb() throws Exception {
        for (String line : Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS");
    }
}
