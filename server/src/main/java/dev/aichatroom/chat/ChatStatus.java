package dev.aichatroom.chat;

import java.util.List;
import java.util.Optional;

/** A snapshot of the chat service for {@code GET /mqtt/status}. */
public record ChatStatus(
        boolean connected,
        boolean running,
        String brokerInfo,
        long messagesReceived,
        long messagesSent,
        Optional<String> connectTime,
        Optional<String> lastMessageTime,
        List<String> activeTopics,
        List<Member> users) {}
