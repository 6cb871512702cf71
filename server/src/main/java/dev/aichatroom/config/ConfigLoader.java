package dev.aichatroom.config;

import dev.aichatroom.ai.AiConfig;
import dev.aichatroom.broker.BrokerConfig;
import dev.aichatroom.broker.BrokerLimits;
import dev.aichatroom.broker.ClientIdRules;
import dev.aichatroom.broker.WebSocketOrigins;
import dev.aichatroom.chat.ChatConfig;
import dev.aichatroom.chat.Topics;
import dev.aichatroom.mcp.McpConfig;
import dev.aichatroom.mqtt.MqttConnection;
import dev.aichatroom.mqtt.MqttSettings;
import dev.aichatroom.mqtt.TopicFilter;
import dev.aichatroom.store.StoreConfig;
import dev.aichatroom.tls.TlsException;
import dev.aichatroom.tls.TlsIdentity;
import dev.aichatroom.tls.TlsPolicy;
import dev.aichatroom.tls.TrustedCertificates;
import dev.aichatroom.web.HttpConfig;
import dev.aichatroom.web.WebConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.TrustManagerFactory;

/** Builds {@link AppConfig} from variables (see {@code .env.example} for every one and its default). */
public final class ConfigLoader {
    private ConfigLoader() {}

    /** MQTT_WS_ALLOWED_ORIGINS, or the product's own pages (PORT, and the host of MQTT_WS_URL). */
    private static WebSocketOrigins webSocketOrigins(Env env) {
        List<String> allowed =
                env.optional("MQTT_WS_ALLOWED_ORIGINS").map(ConfigLoader::list).orElse(List.of());
        for (String origin : allowed) {
            if (!origin.matches("https?://[^/\\s\"'<>]+")) {
                throw new ConfigException(
                        "MQTT_WS_ALLOWED_ORIGINS",
                        "'" + origin
                                + "' is not an origin; use e.g. https://chat.example.com (scheme, host and port only)");
            }
        }
        Optional<String> publicHost = env.optional("MQTT_WS_URL").flatMap(url -> {
            try {
                return Optional.ofNullable(java.net.URI.create(url).getHost());
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        });
        return new WebSocketOrigins(allowed, env.port("PORT", 5000), publicHost);
    }

    private static BrokerLimits brokerLimits(Env env) {
        BrokerLimits d = BrokerLimits.DEFAULTS;
        return new BrokerLimits(
                Duration.ofSeconds(env.integer(
                        "MQTT_CONNECT_TIMEOUT", (int) d.connectTimeout().toSeconds(), 1, 3600)),
                env.integer(
                        "MQTT_MAX_PACKET_SIZE",
                        d.maxPacketSize(),
                        BrokerLimits.MAX_CONNECT_BYTES,
                        BrokerLimits.MQTT_MAX_PACKET),
                env.integer("MQTT_MAX_CONNECTIONS_PER_IP", d.maxConnectionsPerIp(), 0, 1_000_000),
                env.integer("MQTT_LOGIN_FAILURES_PER_IP", d.loginFailuresPerIp(), 0, 1_000_000),
                Duration.ofSeconds(env.integer(
                        "MQTT_LOGIN_BAN", (int) d.loginBan().toSeconds(), 1, (int) BrokerLimits.MAX_BAN.toSeconds())),
                env.integer("MQTT_INPUT_BACKLOG", d.maxInputBacklog(), 0, 10_000_000),
                env.integer("MQTT_MAX_QUEUED_MESSAGES", d.maxQueuedMessages(), 0, 10_000_000));
    }

    public static AppConfig load(Env env) {
        Path dataDir = Path.of(env.string("DATA_DIR", "data"));
        String brokerVar = env.string("MQTT_BROKER", "embedded");
        Optional<String> external = brokerVar.equalsIgnoreCase("embedded") ? Optional.empty() : Optional.of(brokerVar);
        if (external.isPresent() && !external.get().matches("[A-Za-z0-9.:\\[\\]_-]+")) {
            throw new ConfigException(
                    "MQTT_BROKER",
                    "'" + brokerVar
                            + "' is not a host name; use a host such as localhost or mqtt.example.com, or 'embedded'");
        }
        String bind = bindAddress(env, "MQTT_BIND");
        int port = env.port("MQTT_PORT", 1883);
        int wsPort = env.port("MQTT_WS_PORT", 8083);
        if (external.isEmpty() && port == 0) {
            throw new ConfigException("MQTT_PORT", "the embedded broker needs a fixed port; use e.g. 1883");
        }
        if (external.isEmpty() && wsPort == port) {
            throw new ConfigException("MQTT_WS_PORT", "must differ from MQTT_PORT (" + port + "); use e.g. 8083");
        }
        Optional<String> username = env.optional("MQTT_USERNAME");
        Optional<String> password = env.optional("MQTT_PASSWORD");
        if (username.isPresent() != password.isPresent()) {
            throw new ConfigException(
                    username.isPresent() ? "MQTT_PASSWORD" : "MQTT_USERNAME",
                    "MQTT_USERNAME and MQTT_PASSWORD go together; set both or neither");
        }
        AccountsFile accountsFile = env.optional("MQTT_ACCOUNTS_FILE")
                .map(f -> readAccounts(Path.of(f)))
                .orElse(new AccountsFile(Map.of(), ClientIdRules.DEFAULTS));
        Map<String, String> accounts = new HashMap<>(accountsFile.passwords());
        username.ifPresent(u -> accounts.put(u, password.get()));
        String clientId = env.string("MQTT_CLIENT_ID", "ai-chatroom-service");
        if (!TopicFilter.isLevel(clientId)) {
            throw new ConfigException("MQTT_CLIENT_ID", "must not contain / + #");
        }
        refuseAccountsOwningProductIds(accounts.keySet(), accountsFile.clientIds(), username, clientId);
        Optional<Boolean> anonymous = env.optional("MQTT_ALLOW_ANONYMOUS")
                .filter(v -> !v.equalsIgnoreCase("auto"))
                .map(v -> env.bool("MQTT_ALLOW_ANONYMOUS", false));
        Optional<TlsIdentity> tls = tls(env);
        int tlsPort = tls.isPresent() && external.isEmpty() ? env.port("MQTT_TLS_PORT", 8883) : 0;
        if (tlsPort != 0 && (tlsPort == port || tlsPort == wsPort)) {
            throw new ConfigException(
                    "MQTT_TLS_PORT", "must differ from MQTT_PORT and MQTT_WS_PORT; use e.g. 8883, or 0 for none");
        }
        boolean plaintextAllowed = env.bool("TLS_ALLOW_PLAINTEXT", false);
        BrokerConfig broker = new BrokerConfig(
                bind,
                plainListener(tls, bind, plaintextAllowed) ? port : 0,
                wsPort,
                dataDir.resolve("broker"),
                accounts,
                anonymous,
                tlsPort,
                tls,
                brokerLimits(env),
                accountsFile.clientIds(),
                webSocketOrigins(env),
                env.bool("MQTT_JOURNAL_SYNC", BrokerConfig.JOURNAL_SYNC_DEFAULT));
        boolean serviceTls = env.bool("MQTT_TLS", false);
        if (serviceTls && external.isEmpty()) {
            throw new ConfigException(
                    "MQTT_TLS",
                    "is for an external broker (MQTT_BROKER=host); the embedded broker's TLS listeners take TLS_CERT and"
                            + " TLS_KEY");
        }
        Optional<TrustManagerFactory> serviceTrust = env.optional("MQTT_CA_FILE")
                .map(file -> {
                    if (!serviceTls) {
                        throw new ConfigException(
                                "MQTT_CA_FILE", "trusts certificates for TLS: set MQTT_TLS=true as well");
                    }
                    try {
                        return TrustedCertificates.fromPem(Path.of(file));
                    } catch (TlsException e) {
                        throw new ConfigException(
                                "MQTT_CA_FILE",
                                e.getMessage() + "; give the PEM certificate of the CA that"
                                        + " signed the broker's certificate");
                    }
                });
        return new AppConfig(
                env.bool("MQTT_ENABLE", true),
                external,
                broker,
                clientId,
                username,
                password,
                serviceTls,
                serviceTrust,
                env.integer("MQTT_SESSION_EXPIRY", 86_400, 0, 2_000_000),
                env.integer(
                        "MQTT_RECEIVE_MAXIMUM", MqttConnection.RECEIVE_MAXIMUM, 1_000, MqttConnection.RECEIVE_MAXIMUM),
                env.integer("MQTT_KEEP_ALIVE", MqttSettings.DEFAULT_KEEP_ALIVE, 1, 65_535),
                outputQos(env),
                http(env, tls, plaintextAllowed),
                store(env, dataDir),
                chat(env),
                web(env),
                dataDir,
                ai(env, dataDir),
                mcp(env, chat(env).defaultRoom(), external.isEmpty() && broker.anonymousAllowed()),
                VoiceConfigLoader.load(env, chat(env).defaultRoom(), chat(env).language(), dataDir),
                Duration.ofSeconds(env.integer("TLS_RELOAD_INTERVAL", 60, 0, 86_400)),
                logLevel(env));
    }

    /** {@code PORT} on {@code HTTP_BIND}: HTTPS with a certificate, plain {@code http://} redirected only if allowed. */
    static HttpConfig http(Env env, Optional<TlsIdentity> tls, boolean plaintextAllowed) {
        String bind = bindAddress(env, "HTTP_BIND");
        return new HttpConfig(
                bind,
                env.port("PORT", 5000),
                tls,
                plainListener(tls, bind, plaintextAllowed),
                env.integer("TLS_HSTS_MAX_AGE", (int) TlsPolicy.HSTS_MAX_AGE_SECONDS, 0, Integer.MAX_VALUE));
    }

    /**
     * Whether a plaintext listener (MQTT on {@code MQTT_PORT}, {@code http://} on {@code PORT}) opens next to TLS: with a
     * certificate on an address other machines can reach, only when {@code TLS_ALLOW_PLAINTEXT=true} (passwords and
     * tokens would cross the network in the clear). See docs/decisions/0013-tls-posture.md.
     */
    static boolean plainListener(Optional<TlsIdentity> tls, String bind, boolean plaintextAllowed) {
        return tls.isEmpty() || plaintextAllowed || isLoopback(bind);
    }

    private static boolean isLoopback(String bind) {
        try {
            return java.net.InetAddress.getByName(bind).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /**
     * An address of this machine to listen on (default loopback): an IP address of one of its interfaces, 0.0.0.0 or
     * :: for all of them, or a name that resolves to one. Checked here so that a typo is named as such, not reported
     * later as a port that is taken.
     */
    static String bindAddress(Env env, String name) {
        String value = env.string(name, "127.0.0.1");
        String fix = "use 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or an address of one of its"
                + " interfaces";
        java.net.InetAddress address;
        try {
            address = java.net.InetAddress.getByName(value);
        } catch (java.net.UnknownHostException e) {
            throw new ConfigException(name, "'" + value + "' is not an address or a known host name; " + fix);
        }
        try {
            if (!address.isAnyLocalAddress()
                    && !address.isLoopbackAddress()
                    && java.net.NetworkInterface.getByInetAddress(address) == null) {
                throw new ConfigException(
                        name,
                        "'" + value + "' (" + address.getHostAddress() + ") is not an address of this machine; " + fix);
            }
        } catch (java.net.SocketException e) {
            throw new ConfigException(name, "cannot list this machine's network interfaces: " + e.getMessage());
        }
        return value;
    }

    /** {@code LOG_LEVEL}, read here too so that a {@code .env} file can set it and a typo is refused. */
    static String logLevel(Env env) {
        String level = env.string("LOG_LEVEL", "INFO").toUpperCase(java.util.Locale.ROOT);
        if (!java.util.List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF").contains(level)) {
            throw new ConfigException(
                    "LOG_LEVEL", "'" + level + "' is not a log level; use one of TRACE, DEBUG, INFO, WARN, ERROR, OFF");
        }
        return level;
    }

    /** {@code TLS_CERT} + {@code TLS_KEY}: HTTPS, {@code wss://} and {@code mqtts://} with one certificate. */
    static Optional<TlsIdentity> tls(Env env) {
        Optional<String> cert = env.optional("TLS_CERT");
        Optional<String> key = env.optional("TLS_KEY");
        if (cert.isPresent() != key.isPresent()) {
            throw new ConfigException(
                    cert.isPresent() ? "TLS_KEY" : "TLS_CERT",
                    "TLS_CERT and TLS_KEY go together: the PEM certificate chain and its private key, e.g."
                            + " fullchain.pem and privkey.pem");
        }
        if (cert.isEmpty()) {
            return Optional.empty();
        }
        Path certFile = Path.of(cert.get());
        Path keyFile = Path.of(key.get());
        try {
            return Optional.of(TlsIdentity.load(certFile, keyFile));
        } catch (TlsException e) {
            throw new ConfigException(keyFile.equals(e.file()) ? "TLS_KEY" : "TLS_CERT", e.getMessage());
        }
    }

    /**
     * @param singleUser the embedded broker admits anonymous clients (it listens on loopback only): whoever writes in
     *     a room also owns the pages on this machine, so {@code MCP_ROOM_TOOLS=auto} offers their tools in rooms
     */
    static McpConfig mcp(Env env, String defaultRoom, boolean singleUser) {
        List<String> filters = list(env.string("MCP_SERVER_NAME_FILTERS", McpConfig.DEFAULT_SERVER_NAME_FILTER));
        if (filters.isEmpty()) {
            throw new ConfigException(
                    "MCP_SERVER_NAME_FILTERS",
                    "is empty; use e.g. web-ui-hardware-controller/# (or # for every server)");
        }
        for (String filter : filters) {
            if (!McpConfig.isValidServerNameFilter(filter)) {
                throw new ConfigException(
                        "MCP_SERVER_NAME_FILTERS",
                        "'" + filter + "' is not a server name filter; use names like a/b/c with + for one level and #"
                                + " last, e.g. web-ui-hardware-controller/#");
            }
        }
        String roomToolsVar = env.string("MCP_ROOM_TOOLS", "auto");
        McpConfig.RoomTools roomTools = roomToolsVar.strip().equalsIgnoreCase("auto")
                ? (singleUser ? McpConfig.RoomTools.ALL : McpConfig.RoomTools.NONE)
                : McpConfig.RoomTools.parse(roomToolsVar)
                        .orElseThrow(() -> new ConfigException(
                                "MCP_ROOM_TOOLS", "'" + roomToolsVar + "' is not supported; use auto, all or none"));
        String device = env.string("MCP_DEVICE_SERVER_NAME", McpConfig.DEFAULT_DEVICE_SERVER_NAME);
        if (!device.contains("{suffix}") || !McpConfig.isValidServerName(device.replace("{suffix}", "x"))) {
            throw new ConfigException(
                    "MCP_DEVICE_SERVER_NAME",
                    "'" + device + "' is not a server name containing {suffix}; use e.g. "
                            + McpConfig.DEFAULT_DEVICE_SERVER_NAME);
        }
        String roomsVar = env.string("MCP_CHATROOM_ROOMS", defaultRoom);
        List<String> rooms = roomsVar.strip().equalsIgnoreCase("none") ? List.of() : list(roomsVar);
        for (String room : rooms) {
            if (!Topics.isValidRoom(room)) {
                throw new ConfigException(
                        "MCP_CHATROOM_ROOMS", "'" + room + "' is not a room name; use rooms like main,lab or none");
            }
        }
        String serverName = env.string("MCP_CHATROOM_SERVER_NAME", McpConfig.DEFAULT_CHATROOM_SERVER_NAME);
        if ((rooms.size() > 1 && !serverName.contains("{room}"))
                || !McpConfig.isValidServerName(serverName.replace("{room}", "x"))) {
            throw new ConfigException(
                    "MCP_CHATROOM_SERVER_NAME",
                    "'" + serverName + "' is not a server name (with {room} when several rooms are offered); use e.g. "
                            + McpConfig.DEFAULT_CHATROOM_SERVER_NAME);
        }
        return new McpConfig(
                env.bool("MCP_ENABLE", true),
                filters,
                roomTools,
                device,
                rooms,
                serverName,
                Duration.ofSeconds(env.integer("MCP_TOOL_TIMEOUT", 60, 1, 3600)));
    }

    private static List<String> list(String commaSeparated) {
        return java.util.Arrays.stream(commaSeparated.split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .distinct()
                .toList();
    }

    private static WebConfig web(Env env) {
        Optional<String> wsUrl = env.optional("MQTT_WS_URL");
        if (wsUrl.isPresent() && !wsUrl.get().matches("wss?://[^\\s\"'<>]+")) {
            throw new ConfigException(
                    "MQTT_WS_URL",
                    "'" + wsUrl.get() + "' is not a WebSocket URL; use e.g. wss://chat.example.com/mqtt");
        }
        Optional<String> secret = env.optional("MQTT_TOKEN_SECRET");
        if (secret.isPresent() && secret.get().length() < 32) {
            throw new ConfigException(
                    "MQTT_TOKEN_SECRET", "is shorter than 32 characters; use e.g. the output of: openssl rand -hex 32");
        }
        String assistant = env.string("AI_NAME", defaultAssistantName(env.string("CHAT_LANGUAGE", "zh")));
        return new WebConfig(
                wsUrl,
                assistant,
                secret,
                Duration.ofSeconds(env.integer("MQTT_TOKEN_TTL", 3600, 60, 7 * 86_400)),
                env.integer("MQTT_TOKEN_RATE_PER_MINUTE", 30, 0, 100_000));
    }

    private static StoreConfig store(Env env, Path dataDir) {
        String url = env.string("DATABASE_URL", "jdbc:sqlite:" + dataDir.resolve("chatroom.db"));
        if (!url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
            throw new ConfigException(
                    "DATABASE_URL",
                    "'" + url + "' is not supported; use jdbc:sqlite:FILE or " + "jdbc:postgresql://HOST:PORT/DB");
        }
        return new StoreConfig(
                url,
                env.optional("DATABASE_USER"),
                env.optional("DATABASE_PASSWORD"),
                env.integer("DATABASE_POOL_SIZE", 8, 1, 200));
    }

    private static ChatConfig chat(Env env) {
        String room = env.string("CHAT_DEFAULT_ROOM", "main");
        if (!Topics.isValidRoom(room)) {
            throw new ConfigException(
                    "CHAT_DEFAULT_ROOM", "'" + room + "' is not a room name; use 1-64 of A-Z a-z 0-9 _ -");
        }
        String language = env.string("CHAT_LANGUAGE", "zh");
        if (!language.equals("zh") && !language.equals("en")) {
            throw new ConfigException("CHAT_LANGUAGE", "'" + language + "' is not supported; use zh or en");
        }
        Optional<String> sharedGroup =
                env.optional("CHAT_SHARED_GROUP").map(String::strip).filter(g -> !g.isEmpty());
        if (sharedGroup.isPresent() && !ChatConfig.isValidSharedGroup(sharedGroup.get())) {
            throw new ConfigException(
                    "CHAT_SHARED_GROUP",
                    "'" + sharedGroup.get() + "' is not a shared-subscription group name; it must not contain / + #,"
                            + " use e.g. ai-chatroom (or leave it empty for one instance)");
        }
        return new ChatConfig(
                room,
                env.integer("CHAT_MAX_MESSAGE_CHARS", 4000, 1, 1_000_000),
                env.integer("CHAT_MAX_USERNAME_CHARS", 32, 1, 1000),
                env.integer("CHAT_MAX_CLIENT_ID_CHARS", 128, 1, 65535),
                env.integer("CHAT_MAX_PAYLOAD_BYTES", 65536, 256, 16 * 1024 * 1024),
                env.integer("CHAT_RATE_PER_MINUTE", 120, 0, 1_000_000),
                env.integer("CHAT_RATE_BURST", 20, 1, 1_000_000),
                Duration.ofSeconds(env.integer("CHAT_IDLE_TIMEOUT", 3600, 0, 10_000_000)),
                language,
                sharedGroup,
                dev.aichatroom.chat.ReservedNames.withAssistant(env.string("AI_NAME", defaultAssistantName(language))),
                Duration.ofSeconds(env.integer("CHAT_INSTANCE_TIMEOUT", 30, 2, 3600)),
                Duration.ofSeconds(env.integer("CHAT_DRAIN_LIMIT", 120, 2, 86_400)),
                env.bool("CHAT_OUTPUT_WITNESS", true));
    }

    static AiConfig ai(Env env, Path dataDir) {
        Optional<String> key = env.optional("AI_API_KEY");
        Optional<String> url = env.optional("AI_BASE_URL").map(u -> u.replaceAll("/+$", ""));
        String providerVar =
                env.string("AI_PROVIDER", url.isPresent() ? "openai-compatible" : key.isPresent() ? "openai" : "local");
        AiConfig.Provider provider = AiConfig.Provider.parse(providerVar)
                .orElseThrow(() -> new ConfigException(
                        "AI_PROVIDER",
                        "'" + providerVar + "' is not a provider; use one of moonshot, qwen, deepseek, openai, ollama,"
                                + " openai-compatible, local, none"));
        if (provider == AiConfig.Provider.OPENAI_COMPATIBLE && url.isEmpty()) {
            throw new ConfigException(
                    "AI_BASE_URL", "AI_PROVIDER=openai-compatible needs the API's base URL, e.g. http://host:8000/v1");
        }
        if (url.isPresent() && !url.get().matches("https?://.+")) {
            throw new ConfigException("AI_BASE_URL", "'" + url.get() + "' is not an http(s) URL");
        }
        if (provider.needsKey() && key.isEmpty()) {
            throw new ConfigException(
                    "AI_API_KEY",
                    "AI_PROVIDER=" + provider.id() + " needs an API key; set AI_API_KEY, or use AI_PROVIDER=local"
                            + " (in-process model) or none");
        }
        Optional<String> model = env.optional("AI_MODEL").or(provider::presetModel);
        if (provider.isRemote() && model.isEmpty()) {
            throw new ConfigException("AI_MODEL", "AI_PROVIDER=" + provider.id() + " needs a model name in AI_MODEL");
        }
        String language = env.string("CHAT_LANGUAGE", "zh");
        String always = env.string("AI_ALWAYS_ROOMS", "");
        java.util.Set<String> alwaysRooms = new java.util.LinkedHashSet<>();
        for (String room : always.split(",")) {
            if (!room.isBlank()) {
                alwaysRooms.add(room.strip());
            }
        }
        int timeout = env.integer("AI_TIMEOUT", 120, 1, 3600);
        return new AiConfig(
                provider,
                provider.isRemote() ? url.or(provider::presetUrl) : Optional.empty(),
                key,
                model.orElse(""),
                Path.of(env.string("AI_MODEL_DIR", dataDir.resolve("models").toString())),
                new AiConfig.Persona(
                        env.string("AI_NAME", defaultAssistantName(language)),
                        env.string("AI_SYSTEM_PROMPT", AiConfig.defaultSystemPrompt(language)),
                        env.integer("AI_CONTEXT_MESSAGES", 20, 0, 500),
                        alwaysRooms),
                new AiConfig.Limits(
                        env.integer("AI_MAX_CONCURRENT", 4, 1, 256),
                        env.integer("AI_QUEUE_SIZE", 16, 0, 10_000),
                        Duration.ofSeconds(timeout),
                        Duration.ofSeconds(env.integer(
                                "AI_FIRST_TOKEN_TIMEOUT", provider == AiConfig.Provider.LOCAL ? 120 : 30, 1, 3600)),
                        env.integer("AI_MAX_RETRIES", 2, 0, 10),
                        env.integer("AI_MAX_REPLY_CHARS", 4000, 16, 1_000_000),
                        env.integer("AI_MAX_TOKENS", 1024, 1, 1_000_000),
                        env.integer("AI_MAX_TOOL_ROUNDS", 5, 0, 50),
                        Duration.ofSeconds(env.integer("AI_IDLE_TOKEN_TIMEOUT", 30, 1, 3600)),
                        env.integer("AI_BREAKER_FAILURES", 5, 0, 1000),
                        Duration.ofSeconds(env.integer("AI_BREAKER_OPEN", 60, 1, 86_400))));
    }

    /**
     * An account named {@code web}, {@code voice} or {@code voicemcp} (or with a pattern such as {@code we*}) would own
     * the client ids of the product's pages, and one named {@code ai} ({@code ai-*}) those of the service: the pages
     * would be refused their own ids, or the account would take over their sessions. Refused at start, naming the
     * account and the pattern.
     */
    static void refuseAccountsOwningProductIds(
            java.util.Collection<String> accounts,
            ClientIdRules rules,
            Optional<String> serviceUsername,
            String serviceClientId) {
        for (String account : new java.util.TreeSet<>(accounts)) {
            boolean service = serviceUsername.map(account::equals).orElse(false);
            String variable = service ? "MQTT_USERNAME" : "MQTT_ACCOUNTS_FILE";
            for (String shape : dev.aichatroom.web.TokenRoutes.BROWSER_CLIENT_ID_SHAPES) {
                Optional<String> pattern = rules.patternOwningSome(account, shape);
                if (pattern.isPresent()) {
                    throw new ConfigException(
                            variable,
                            "account '" + account + "' would own the client ids of the product's pages (" + shape
                                    + ") through its client id pattern " + pattern.get()
                                    + "; rename the account, or give it patterns of its own (clientids " + account
                                    + " <pattern>…)");
                }
            }
            if (!service) {
                Optional<String> pattern = rules.patternOwningSome(account, serviceClientId + "*");
                if (pattern.isPresent()) {
                    throw new ConfigException(
                            variable,
                            "account '" + account + "' would own the service's client ids (" + serviceClientId
                                    + "…, MQTT_CLIENT_ID) through its client id pattern " + pattern.get()
                                    + "; rename the account, or give it patterns of its own (clientids " + account
                                    + " <pattern>…)");
                }
            }
        }
    }

    /** An accounts file: passwords, and which client ids each account owns. */
    record AccountsFile(Map<String, String> passwords, ClientIdRules clientIds) {}

    private static final String CLIENT_IDS = "clientids";

    /**
     * Lines {@code username:password}; optional lines {@code clientids <username> <pattern>…} give that account its
     * own client ids, {@code clientids * <pattern>…} every other account's ({@link ClientIdRules}); {@code #} starts
     * a comment line. Usernames have no spaces, so the two kinds of line cannot be confused.
     */
    static AccountsFile readAccounts(Path file) {
        Map<String, String> accounts = new HashMap<>();
        Map<String, List<String>> clientIds = new HashMap<>();
        List<String> defaults = ClientIdRules.DEFAULT;
        try {
            int n = 0;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                n++;
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#")) {
                    continue;
                }
                String[] words = l.split("\\s+");
                if (words[0].equals(CLIENT_IDS) && words.length >= 3) {
                    List<String> patterns = List.of(words).subList(2, words.length);
                    try {
                        patterns.forEach(ClientIdRules::check);
                    } catch (IllegalArgumentException e) {
                        throw new ConfigException("MQTT_ACCOUNTS_FILE", file + " line " + n + ": " + e.getMessage());
                    }
                    if (words[1].equals("*")) {
                        defaults = patterns;
                    } else {
                        clientIds.put(words[1], patterns);
                    }
                    continue;
                }
                int colon = l.indexOf(':');
                if (colon <= 0
                        || colon == l.length() - 1
                        || l.substring(0, colon).matches(".*\\s.*")) {
                    throw new ConfigException(
                            "MQTT_ACCOUNTS_FILE",
                            file + " line " + n + " is not username:password (no spaces in the username) or"
                                    + " clientids <username|*> <pattern>…");
                }
                accounts.put(l.substring(0, colon), l.substring(colon + 1));
            }
        } catch (IOException e) {
            throw new ConfigException(
                    "MQTT_ACCOUNTS_FILE",
                    "cannot read " + file + " (" + e.getMessage() + "); point it at a file of username:password lines");
        }
        for (String user : clientIds.keySet()) {
            if (!accounts.containsKey(user)) {
                throw new ConfigException(
                        "MQTT_ACCOUNTS_FILE",
                        file + ": clientids for '" + user + "', who has no username:password line");
            }
        }
        return new AccountsFile(accounts, new ClientIdRules(defaults, clientIds));
    }

    /** The assistant's display name when AI_NAME is not set: the room's language decides (seed: 智能助手). */
    static String defaultAssistantName(String language) {
        return language.startsWith("en") ? "Assistant" : "智能助手";
    }

    /** MQTT_OUTPUT_QOS: auto (the default, chosen from the broker's version), 1 or 2. */
    static int outputQos(Env env) {
        String value = env.string("MQTT_OUTPUT_QOS", "auto").strip();
        return switch (value) {
            case "auto" -> MqttSettings.OUTPUT_QOS_AUTO;
            case "1" -> 1;
            case "2" -> 2;
            default -> throw new ConfigException("MQTT_OUTPUT_QOS", "must be auto, 1 or 2, not '" + value + "'");
        };
    }
}
