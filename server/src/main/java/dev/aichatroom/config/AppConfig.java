package dev.aichatroom.config;

import dev.aichatroom.ai.AiConfig;
import dev.aichatroom.broker.BrokerConfig;
import dev.aichatroom.chat.ChatConfig;
import dev.aichatroom.mcp.McpConfig;
import dev.aichatroom.store.StoreConfig;
import dev.aichatroom.voice.VoiceConfig;
import dev.aichatroom.web.HttpConfig;
import dev.aichatroom.web.WebConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.TrustManagerFactory;

/**
 * The whole configuration, one record per feature.
 *
 * @param externalBroker host of an external broker; empty = start the embedded one
 * @param serviceUsername on an external broker, the account the service logs in with
 * @param serviceTls on an external broker, whether the service's connections use TLS
 * @param serviceTrust the certificate authorities trusted for that TLS; empty = the JVM's default ones
 * @param receiveMaximum the Receive Maximum the service's connection asks for: how many unacknowledged inputs the
 *     broker may send it at once
 * @param keepAliveSeconds the MQTT keep-alive of the service's own connection (MQTT_KEEP_ALIVE)
 * @param outputQos on an external broker, the QoS of the chat messages the service publishes (MQTT_OUTPUT_QOS, 1 or 2,
 *     or {@code MqttSettings.OUTPUT_QOS_AUTO})
 * @param ai the assistant
 * @param mcp MCP over MQTT: the assistant's tools, the rooms as MCP servers
 * @param voice the voice companion
 * @param tlsReloadInterval how often the TLS files are checked for a renewal; zero = never
 * @param logLevel the root log level: TRACE, DEBUG, INFO, WARN, ERROR or OFF
 */
public record AppConfig(
        boolean mqttEnabled,
        Optional<String> externalBroker,
        BrokerConfig broker,
        String serviceClientId,
        Optional<String> serviceUsername,
        Optional<String> servicePassword,
        boolean serviceTls,
        Optional<TrustManagerFactory> serviceTrust,
        long sessionExpirySeconds,
        int receiveMaximum,
        int keepAliveSeconds,
        int outputQos,
        HttpConfig http,
        StoreConfig store,
        ChatConfig chat,
        WebConfig web,
        Path dataDir,
        AiConfig ai,
        McpConfig mcp,
        VoiceConfig voice,
        Duration tlsReloadInterval,
        String logLevel) {}
