package dev.aichatroom.voice;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.aichatroom.mqtt.Json;
import java.util.Objects;
import java.util.Optional;

/** What the proxy publishes: signalling on {@code $webrtc/{id}} and voice events on {@code $message/{id}}. */
final class Wire {
    private Wire() {}

    /** {@code {"type":"sdp_answer","data":{"type":"answer","sdp":…}}}. */
    @JsonPropertyOrder({"type", "data"})
    record SdpAnswer(String type, Description data) {
        SdpAnswer(String sdp) {
            this("sdp_answer", new Description("answer", Objects.requireNonNull(sdp)));
        }
    }

    record Description(String type, String sdp) {}

    /** {@code {"type":"ice_candidate","data":{candidate,sdpMid,sdpMLineIndex,usernameFragment}}}. */
    @JsonPropertyOrder({"type", "data"})
    record IceCandidate(String type, CandidateData data) {
        IceCandidate(CandidateData data) {
            this("ice_candidate", data);
        }
    }

    @JsonPropertyOrder({"candidate", "sdpMid", "sdpMLineIndex", "usernameFragment"})
    record CandidateData(
            @JsonProperty("candidate") String candidate,
            @JsonProperty("sdpMid") String sdpMid,
            @JsonProperty("sdpMLineIndex") int sdpMLineIndex,
            @JsonProperty("usernameFragment") Optional<String> usernameFragment) {}

    /** {@code {"type":"webrtc_terminated","reason":…}}. */
    @JsonPropertyOrder({"type", "reason"})
    record Terminated(String type, String reason) {
        Terminated(String reason) {
            this("webrtc_terminated", reason);
        }
    }

    /** {@code {"type":"asr_response","format":"merged","results":…}}. */
    @JsonPropertyOrder({"type", "format", "results"})
    record AsrResponse(String type, String format, String results) {
        AsrResponse(String results) {
            this("asr_response", "merged", results);
        }
    }

    /** {@code tts_begin}, {@code tts_complete}, {@code tts_terminate}: {@code {"type":…,"task_id":…}}. */
    @JsonPropertyOrder({"type", "task_id"})
    record TtsEvent(String type, String taskId) {}

    /** {@code {"type":"tts_text","task_id":…,"text":…}}. */
    @JsonPropertyOrder({"type", "task_id", "text"})
    record TtsText(String type, String taskId, String text) {
        TtsText(String taskId, String text) {
            this("tts_text", taskId, text);
        }
    }

    /** {@code {"type":"message","payload":{"type":"loading","status":…}}}. */
    @JsonPropertyOrder({"type", "payload"})
    record Loading(String type, LoadingPayload payload) {
        Loading(boolean processing) {
            this("message", new LoadingPayload("loading", processing ? "processing" : "complete"));
        }
    }

    record LoadingPayload(String type, String status) {}

    /** {@code {"type":"message","payload":{"type":"notice","text":…}}}: something the page shows the user. */
    record Notice(String type, NoticePayload payload) {
        Notice(String text) {
            this("message", new NoticePayload("notice", text));
        }
    }

    record NoticePayload(String type, String text) {}

    static TtsEvent ttsBegin(String taskId) {
        return new TtsEvent("tts_begin", taskId);
    }

    static TtsEvent ttsComplete(String taskId) {
        return new TtsEvent("tts_complete", taskId);
    }

    static TtsEvent ttsTerminate(String taskId) {
        return new TtsEvent("tts_terminate", taskId);
    }

    static byte[] bytes(Object payload) {
        return Json.bytes(payload);
    }
}
