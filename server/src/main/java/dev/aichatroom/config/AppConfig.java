package dev.aichatroom.config;

import dev.aichatroom.ai.AiConfig;
import dev.aichatroom.broker.BrokerConfig;
import dev.aichatroom.chat.ChatConfig;
import dev.aichatroom.store.StoreConfig;
import dev.aichatroom.voice.VoiceConfig;
import dev.aichatroom.web.HttpConfig;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The whole configuration, one record per feature.
 *
 * @param externalBroker host of an external broker; empty = start the embedded one
 * @param serviceUsername on an external broker, the account the service logs in with
 * @param ai the assistant
 * @param voice the voice companion
 */
public record AppConfig(
        boolean mqttEnabled,
        Optional<String> externalBroker,
        BrokerConfig broker,
        String serviceClientId,
        Optional<String> serviceUsername,
        Optional<String> servicePassword,
        long sessionExpirySeconds,
        HttpConfig http,
        StoreConfig store,
        ChatConfig chat,
        Path dataDir,
        AiConfig ai,
        VoiceConfig voice) {}
