package dev.aichatroom;

import dev.aichatroom.ai.AiConfig;
import dev.aichatroom.ai.Assistant;
import dev.aichatroom.broker.AccessPolicy;
import dev.aichatroom.broker.Broker;
import dev.aichatroom.broker.ClientListener;
import dev.aichatroom.broker.EmbeddedBroker;
import dev.aichatroom.broker.PublishInspector;
import dev.aichatroom.chat.ChatService;
import dev.aichatroom.chat.Topics;
import dev.aichatroom.config.AppConfig;
import dev.aichatroom.mcp.McpService;
import dev.aichatroom.mcp.ServerDirectory;
import dev.aichatroom.mcp.mqtt.DiscoveredServer;
import dev.aichatroom.mcp.mqtt.MqttConnectionConfig;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.mqtt.MqttConnection;
import dev.aichatroom.mqtt.MqttException;
import dev.aichatroom.mqtt.MqttSettings;
import dev.aichatroom.mqtt.RetainedReader;
import dev.aichatroom.store.JdbcMessageStore;
import dev.aichatroom.store.McpServerStore;
import dev.aichatroom.store.MessageStore;
import dev.aichatroom.store.SqliteLibrary;
import dev.aichatroom.tls.CertificateReloader;
import dev.aichatroom.tls.TlsIdentity;
import dev.aichatroom.voice.IceServer;
import dev.aichatroom.voice.VoiceService;
import dev.aichatroom.web.ChatRoutes;
import dev.aichatroom.web.ClientIdOwners;
import dev.aichatroom.web.Health;
import dev.aichatroom.web.HttpServer;
import dev.aichatroom.web.MqttTokens;
import dev.aichatroom.web.OpsRoutes;
import dev.aichatroom.web.PageRoutes;
import dev.aichatroom.web.PhotoRoutes;
import dev.aichatroom.web.StaticFiles;
import dev.aichatroom.web.TokenRoutes;
import io.javalin.config.RoutesConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The composition root: builds every component by hand, starts them in order and stops them in reverse. */
public final class Application implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Application.class);

    private final AppConfig config;
    private final Clock clock = Clock.systemDefaultZone();
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private HttpServer http;
    private ChatService chat;
    private VoiceService voice;
    /** Completes once the HTTP server listens: what can wait for it starts then. */
    private final CompletableFuture<Void> httpUp = new CompletableFuture<>();
    /** Which browser owns which client id (tokens): the budget of a browser's connections together. */
    private volatile ClientIdOwners browsers;

    public Application(AppConfig config) {
        this.config = config;
    }

    public void start() {
        long t0 = System.nanoTime();
        try {
            startAll();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        LOG.info("AI Chatroom started in {} ms", (System.nanoTime() - t0) / 1_000_000);
    }

    private void startAll() {
        // every port first: a taken one is reported at once, by its variable, before anything listens
        dev.aichatroom.config.Ports.checkFree(dev.aichatroom.config.Ports.of(config));
        PrometheusMeterRegistry meters = dev.aichatroom.web.Meters.create();
        started.push(meters::close);

        createDataDir();
        // the store (schema migrations) and the broker do not need each other: they start side by side
        CompletableFuture<MessageStore> opening = inBackground("start-store", () -> {
            if (config.store().isSqlite()) {
                SqliteLibrary.keepIn(config.dataDir());
            }
            return JdbcMessageStore.open(config.store());
        });
        MqttTokens tokens = MqttTokens.create(config.web(), clock);
        Optional<Broker> broker =
                config.mqttEnabled() && config.externalBroker().isEmpty()
                        ? Optional.of(embeddedBroker(tokens))
                        : Optional.empty();
        try {
            // before the settings: the service's own listener gets its port when it starts
            broker.ifPresent(Broker::start);
        } catch (RuntimeException e) {
            opening.thenAccept(Application::closeQuietly);
            throw e;
        }
        MessageStore store;
        try {
            store = joined(opening);
        } catch (RuntimeException | Error e) {
            broker.ifPresent(Application::closeQuietly);
            throw e;
        }
        started.push(store); // stops after the broker, as before
        broker.ifPresent(started::push);
        if (broker.isPresent()) {
            EmbeddedBroker embedded = (EmbeddedBroker) broker.get();
            Gauge.builder("mqtt.connections", embedded, EmbeddedBroker::connectionCount)
                    .register(meters);
        }
        boolean externalBroker = config.mqttEnabled() && broker.isEmpty();
        // with the witness, chat messages go out on a connection of their own (decision 0046): the main one publishes
        // none, so it does not read the broker's version for their QoS
        boolean outputsApart = externalBroker && config.chat().outputWitness();
        MqttSettings mqttSettings = mqttSettings(broker, outputsApart);
        // browsers log in with tokens from the HTTP API
        boolean tokensInUse = broker.isPresent() && !config.broker().anonymousAllowed();
        // which browser owns which client id: kept in the store where it matters, so a restart hands no id over
        ClientIdOwners owners = tokensInUse ? new ClientIdOwners(clock, store.claims()) : new ClientIdOwners(clock);
        browsers = owners;
        MqttConnection mqtt = new MqttConnection(mqttSettings);
        chat = new ChatService(config.chat(), mqtt, store, meters, clock);
        if (broker.isPresent()) {
            // the broker in this process routes chat messages itself: no round trip over loopback (decision 0052)
            dev.aichatroom.broker.LocalOutputs local = ((EmbeddedBroker) broker.get()).localOutputs();
            chat.publishOutputsThrough(new ChatService.LocalRoute() {
                @Override
                public CompletableFuture<Void> publish(String topic, byte[] payload) {
                    return local.publish(topic, payload, mqtt.outputQos(), mqtt.clientId());
                }

                @Override
                public void together(Runnable publishes) {
                    local.together(publishes);
                }
            });
        }
        Optional<MqttConnection> witness = Optional.empty();
        Optional<MqttConnection> outputs = Optional.empty();
        if (outputsApart) {
            // its own connection and session: the copies' held acknowledgements never wait in front of the main
            // connection's (decision 0040, amendment)
            witness = Optional.of(new MqttConnection(mqttSettings.forConnection(mqttSettings.clientId() + "-witness")));
            chat.confirmOutputsThroughBroker(witness.get()); // subscribes before the connection starts
            // chat messages on a connection without a session: a loss sends nothing again, the witness settles it
            // (decision 0046); QoS 1 unless MQTT_OUTPUT_QOS=2 asks for 2
            int qos = config.outputQos() == 2 ? 2 : 1;
            outputs = Optional.of(
                    MqttConnection.withoutSession(mqttSettings.forOutputs(mqttSettings.clientId() + "-out", qos)));
            chat.publishOutputsOn(outputs.get());
            LOG.info(
                    "Chat messages go out at QoS {} on a connection without a session ('{}-out'): the output witness"
                            + " tells which of those a lost connection had in flight the broker routed",
                    qos,
                    mqttSettings.clientId());
        }
        if (externalBroker && config.chat().sharedGroup().isPresent()) {
            // an instance that stays dead leaves the inputs the broker queued for it: a live one takes them (0043)
            chat.drainDeadSessions(mqttSettings);
        }
        Optional<MqttConnection> outputsLink = outputs;
        McpService mcp = new McpService(config.mcp(), chat, config.serviceClientId(), meters);
        if (config.chat().sharedGroup().isPresent()) {
            // scale-out: on a broker cluster the servers' retained presence stays on their node (decision 0010)
            mcp.tools().shareServersThrough(serverDirectory(store.mcpServers()));
        }
        if (tokensInUse) {
            // a voice call uses only page tools of the browser that owns the call
            mcp.tools().bindDevicesTo(owners::sameOwner);
        }
        Assistant assistant = new Assistant(config.ai(), chat, mcp.tools().forRooms(), meters);
        chat.addListener(assistant);
        // seed 2's binding: a call from device …-{suffix} uses the tools of web-ui-hardware-controller/{suffix}
        VoiceService voiceService = new VoiceService(
                config.voice(),
                mqtt,
                chat,
                assistant,
                mcp.tools()::forDevice,
                meters,
                externalBroker ? Optional.of(mqttSettings) : Optional.empty());
        voice = voiceService;
        if (config.mqttEnabled()) {
            started.push(mqtt); // stops after the parts that publish through it
            witness.ifPresent(started::push);
            outputs.ifPresent(started::push);
        }
        started.push(chat);
        started.push(mcp);
        started.push(assistant);
        // speech engines and WebRTC load once HTTP listens (/health first): /health says "loading", calls wait for them
        voiceService.startInBackground(httpUp);
        started.push(voiceService);
        if (config.mqttEnabled()) {
            // the parts that talk over MQTT start once the broker is there: now, or whenever it appears
            mqtt.onResumed(chat::resumed);
            mqtt.onReady(() -> {
                chat.start();
                // MCP's start (seconds of class loading on a cold JVM) waits for the HTTP server: /health first
                httpUp.thenRun(() -> mcp.start(
                        mcpConnection(mqttSettings, config.broker().limits().maxPacketSize())));
                voiceService.brokerReady();
            });
            // next to the main connection: the chat's start waits for it (bounded) before it reads the copies
            witness.ifPresent(w -> Thread.ofVirtual()
                    .name("mqtt-witness-start")
                    .start(() -> w.start(Duration.ofSeconds(15), () -> {})));
            outputs.ifPresent(o -> Thread.ofVirtual()
                    .name("mqtt-outputs-start")
                    .start(() -> o.start(Duration.ofSeconds(15), () -> {})));
            boolean restore = externalBroker && config.chat().sharedGroup().isEmpty();
            mqtt.start(Duration.ofSeconds(15), () -> {
                if (restore) {
                    restoreMembers(mqttSettings);
                }
            });
        } else {
            LOG.info("MQTT disabled (MQTT_ENABLE=false): chat runs without a broker");
            chat.runWithoutBroker();
        }
        scheduleIdleExpiry();
        scheduleMemberRefresh();

        List<Consumer<RoutesConfig>> routes = new ArrayList<>(List.of(
                new ChatRoutes(chat, clock),
                new PageRoutes(
                        config.web(),
                        config.chat(),
                        broker.isPresent() && config.broker().wsPort() > 0
                                ? Optional.of(config.broker().wsPort())
                                : Optional.empty(),
                        tokensInUse,
                        broker.isPresent(),
                        config.ai().provider() != AiConfig.Provider.NONE,
                        config.voice().iceServers().stream()
                                .map(IceServer::browserEntry)
                                .toList()),
                new TokenRoutes(
                        tokens,
                        owners,
                        id -> id.startsWith(config.serviceClientId())
                                || config.broker()
                                        .clientIds()
                                        .ownerAmong(config.broker().accounts().keySet(), id)
                                        .isPresent(),
                        config.web().tokenRatePerMinute(),
                        clock),
                PhotoRoutes.in(config.dataDir()),
                new OpsRoutes(
                        Map.of(
                                "broker",
                                        () -> !config.mqttEnabled()
                                                ? new Health(Health.State.DISABLED, "MQTT_ENABLE=false")
                                                : mqtt.problem()
                                                        .or(() -> outputsProblem(outputsLink))
                                                        .or(() -> broker.flatMap(Broker::problem))
                                                        .map(why -> Health.down(mqtt.endpoint() + ": " + why))
                                                        .orElseGet(() -> Health.up(mqtt.endpoint())),
                                "store",
                                        () -> store.isHealthy()
                                                ? Health.up(store.toString())
                                                : Health.down(store.toString()),
                                "ai", () -> health(assistant.status()),
                                "mcp", () -> health(mcp.status()),
                                "voice", voiceService::health),
                        meters,
                        // the JVM's meters: bound at the first scrape, off the start's critical path
                        List.of(new JvmMemoryMetrics(), new JvmThreadMetrics(), new ProcessorMetrics()))));
        // last: its /{name} must not take the place of another one-segment route
        StaticFiles.ofPage().ifPresent(routes::add);
        http = new HttpServer(config.http(), routes);
        http.start();
        started.push(http);
        httpUp.complete(null);
        watchCertificate(http, broker, meters);
    }

    /** Runs {@code task} on a platform thread of its own (class loading and native code, no blocking I/O to wait). */
    private static <T> CompletableFuture<T> inBackground(String name, Supplier<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofPlatform().name(name).daemon(true).start(() -> {
            try {
                result.complete(task.get());
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("Stopping {} failed: {}", c.getClass().getSimpleName(), e.toString());
        }
    }

    /** The result of a background start; its exception as thrown there. */
    private static <T> T joined(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /**
     * Serves a renewed certificate (TLS_CERT/TLS_KEY rewritten by an ACME client) without a restart, and shows in
     * {@code tls_certificate_expiry_seconds} how long the one in service has left, for an alert.
     */
    private void watchCertificate(HttpServer http, Optional<Broker> broker, MeterRegistry meters) {
        if (config.http().tls().isEmpty()) {
            return;
        }
        TlsIdentity identity = config.http().tls().get();
        Supplier<TlsIdentity> serving = () -> identity;
        if (!config.tlsReloadInterval().isZero()) {
            List<Consumer<TlsIdentity>> listeners = new ArrayList<>();
            listeners.add(http::reloadTls);
            broker.filter(EmbeddedBroker.class::isInstance)
                    .map(EmbeddedBroker.class::cast)
                    .ifPresent(b -> listeners.add(b::reloadTls));
            CertificateReloader reloader = new CertificateReloader(identity, config.tlsReloadInterval(), listeners);
            started.push(reloader);
            serving = reloader::current;
        }
        Supplier<TlsIdentity> current = serving;
        Gauge.builder(
                        "tls.certificate.expiry",
                        () -> Duration.between(
                                        clock.instant(),
                                        current.get()
                                                .certificate()
                                                .getNotAfter()
                                                .toInstant())
                                .toSeconds())
                .baseUnit("seconds")
                .description("Time until the TLS certificate in service expires (negative: expired)")
                .register(meters);
    }

    private static Health health(Assistant.Status status) {
        return new Health(
                switch (status.state()) {
                    case UP -> Health.State.UP;
                    case DEGRADED -> Health.State.DEGRADED;
                    case DISABLED -> Health.State.DISABLED;
                },
                status.detail());
    }

    private static Health health(McpService.Status status) {
        return new Health(
                switch (status.state()) {
                    case UP -> Health.State.UP;
                    case DEGRADED -> Health.State.DEGRADED;
                    case DISABLED -> Health.State.DISABLED;
                },
                status.detail());
    }

    /** The MCP servers the instances saw, in the shared database. */
    private ServerDirectory serverDirectory(McpServerStore servers) {
        return new ServerDirectory() {
            @Override
            public void announced(DiscoveredServer server) {
                servers.announced(new McpServerStore.Seen(
                        server.serverId(),
                        server.serverName(),
                        server.description(),
                        Json.string(server.meta()),
                        clock.millis()));
            }

            @Override
            public void withdrawn(String serverId, String serverName) {
                servers.withdrawn(serverId, serverName);
            }

            @Override
            public List<DiscoveredServer> all() {
                return servers.all().stream()
                        .map(s ->
                                new DiscoveredServer(s.serverId(), s.serverName(), s.description(), meta(s.metaJson())))
                        .toList();
            }
        };
    }

    private static Map<String, Object> meta(String json) {
        try {
            return Json.mapper().readValue(json, new com.fasterxml.jackson.core.type.TypeReference<>() {});
        } catch (com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
            return Map.of();
        }
    }

    /**
     * MCP's own connections (the library opens them) go to the same broker with the service's account. They accept
     * packets as large as MQTT_MAX_PACKET_SIZE, the largest the embedded broker takes from anyone: a request over the
     * MCP payload limit then reaches its server and is answered with a JSON-RPC error, where a smaller announced limit
     * would make the broker drop it without a word.
     */
    private static MqttConnectionConfig mcpConnection(MqttSettings settings, int maxPacketBytes) {
        MqttConnectionConfig plain =
                MqttConnectionConfig.of(settings.host(), settings.port()).withMaxPacketBytes(maxPacketBytes);
        MqttConnectionConfig connection =
                settings.trust().map(plain::withTls).orElseGet(() -> plain.withTls(settings.tls()));
        return settings.username().isPresent()
                ? connection.withCredentials(
                        settings.username().get(), settings.password().orElse(""))
                : connection;
    }

    private void createDataDir() {
        try {
            java.nio.file.Files.createDirectories(config.dataDir());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(
                    "cannot create DATA_DIR " + config.dataDir().toAbsolutePath() + " (" + e.getMessage()
                            + "): point DATA_DIR at a writable directory",
                    e);
        }
    }

    /**
     * The budget all of a publisher's connections share (issue 15): its account's, or for a browser's token the
     * browser's that owns the client id (one browser may hold many ids, each with a token); anonymous clients have only
     * their connection's, bounded in number per address by the broker.
     */
    private Optional<String> budgetOf(String sender, Optional<String> account, boolean authenticated) {
        if (account.isPresent()) {
            return account.map(a -> "account:" + a);
        }
        ClientIdOwners owners = browsers;
        return authenticated && owners != null ? owners.ownerOf(sender).map(o -> "browser:" + o) : Optional.empty();
    }

    private EmbeddedBroker embeddedBroker(MqttTokens tokens) {
        // proxy → device signalling and voice events ($webrtc/{id}, $message/{id}) are the service's too
        List<String> serviceOnly = new java.util.ArrayList<>(List.of(Topics.outputFilters()));
        serviceOnly.addAll(List.of("$webrtc/+", "$message/+"));
        // every connection of the service (chat, MCP, presence, member reader) has a client id starting with its own
        AccessPolicy policy = new AccessPolicy(
                serviceOnly,
                List.of(Topics.inputFilters()),
                List.of(Topics.ROOT + "/clients/", "$webrtc/", "$message/"),
                List.of(Topics.errors(AccessPolicy.OWNER)),
                Optional.of(config.serviceClientId()));
        ClientListener clients = new ClientListener() {
            @Override
            public void connected(String clientId) {
                if (chat != null) {
                    chat.connectionOpened(clientId);
                }
            }

            @Override
            public void disconnected(String clientId) {
                if (chat != null) {
                    chat.connectionGone(clientId);
                }
                if (voice != null) {
                    voice.deviceGone(clientId);
                }
            }

            @Override
            public void publishRefused(String clientId, String topic) {
                if (chat != null) {
                    chat.publishRefused(clientId, topic);
                }
            }
        };
        PublishInspector inspector = new PublishInspector() {
            @Override
            public List<String> topicFilters() {
                return List.of(Topics.inputFilters());
            }

            @Override
            public boolean backPressure() {
                return true;
            }

            // the service in this process takes the inputs straight from the broker (decision 0050); not when the
            // journal is synced: an acknowledged input must then survive a power cut, which the store does not sync
            @Override
            public boolean takes() {
                return !config.broker().journalSync() && chat != null && chat.takesInputs();
            }

            @Override
            public boolean take(Taken taken) {
                return chat != null
                        && chat.takeInput(
                                taken.topic(),
                                taken.payload(),
                                taken.senderClientId(),
                                taken.atMostOnce(),
                                taken.settle());
            }

            @Override
            public long waiting() {
                return chat == null ? 0 : chat.takenInputsWaiting();
            }

            @Override
            public Optional<String> inspect(String sender, boolean authenticated, String topic, byte[] payload) {
                return inspect(sender, Optional.empty(), authenticated, topic, payload, false);
            }

            @Override
            public Optional<String> inspect(
                    String sender,
                    Optional<String> account,
                    boolean authenticated,
                    String topic,
                    byte[] payload,
                    boolean retained) {
                return chat == null
                        ? Optional.empty()
                        : chat.inspect(topic, payload, sender, budgetOf(sender, account, authenticated), authenticated);
            }
        };
        // who sent an offer: voice keeps some call slots for devices that logged in (decision 0012)
        PublishInspector signalling = new PublishInspector() {
            @Override
            public List<String> topicFilters() {
                return List.of("$webrtc/+/multimedia_proxy");
            }

            @Override
            public Optional<String> inspect(String sender, boolean authenticated, String topic, byte[] payload) {
                if (voice != null) {
                    voice.sender(sender, authenticated);
                }
                return Optional.empty();
            }
        };
        PublishInspector typing = new PublishInspector() {
            @Override
            public List<String> topicFilters() {
                return Topics.typingFilters();
            }

            @Override
            public Optional<String> inspect(String sender, boolean authenticated, String topic, byte[] payload) {
                return inspect(sender, authenticated, topic, payload, false);
            }

            @Override
            public Optional<String> inspect(
                    String sender, boolean authenticated, String topic, byte[] payload, boolean retained) {
                return chat == null
                        ? Optional.empty()
                        : chat.inspectTyping(topic, payload, sender, authenticated, retained);
            }
        };
        return new EmbeddedBroker(
                config.broker(),
                policy,
                List.of(tokens),
                clients,
                List.of(inspector, signalling, typing),
                // the embedded broker's own witness: it routes each chat output once (decision 0041)
                config.chat().outputWitness() ? Topics.outFilters() : List.of());
    }

    /**
     * One instance on an external broker keeps its members in memory; the broker keeps the retained member lists it
     * published. Read them back before the first input is handled, so a restart of the service alone does not empty
     * the rooms. (The embedded broker restarts with the service and every connection is new: nothing to take back.)
     */
    private void restoreMembers(MqttSettings settings) {
        try {
            Map<String, byte[]> lists = RetainedReader.read(
                    settings,
                    settings.clientId() + "-members",
                    Topics.onlineFilters(),
                    Duration.ofMillis(300),
                    Duration.ofSeconds(5));
            int restored = chat.restoreMembers(lists);
            if (restored > 0) {
                LOG.info("Took back {} member(s) from the broker's retained member lists", restored);
            }
        } catch (MqttException e) {
            if (e.unreachable()) {
                throw e; // tried again with the connection
            }
            LOG.warn("Rooms start without members: {}", e.getMessage());
        }
    }

    /** Why the chat messages' own connection (decision 0046) is not up, if there is one. */
    private static Optional<String> outputsProblem(Optional<MqttConnection> outputs) {
        return outputs.flatMap(o -> o.problem().map(why -> "chat messages' connection '" + o.clientId() + "': " + why));
    }

    /** @param outputsApart chat messages go out on a connection of their own: the main one needs no output QoS */
    private MqttSettings mqttSettings(Optional<Broker> broker, boolean outputsApart) {
        return broker.map(b -> new MqttSettings(
                        b.host(),
                        b.port(),
                        config.serviceClientId(),
                        Optional.of(b.serviceCredentials().username()),
                        Optional.of(b.serviceCredentials().password()),
                        config.sessionExpirySeconds(),
                        config.receiveMaximum(),
                        false,
                        Optional.empty(),
                        config.keepAliveSeconds(),
                        1)) // broker and service stop together: no restart of the broker alone to guard against
                .orElseGet(() -> new MqttSettings(
                        config.externalBroker().orElse("localhost"),
                        config.broker().port(),
                        config.serviceClientId(),
                        config.serviceUsername(),
                        config.servicePassword(),
                        config.sessionExpirySeconds(),
                        config.receiveMaximum(),
                        config.serviceTls(),
                        config.serviceTrust(),
                        config.keepAliveSeconds(),
                        outputsApart ? 1 : config.outputQos()));
    }

    private void scheduleIdleExpiry() {
        if (config.chat().idleTimeout().isZero()) {
            return;
        }
        ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(
                Thread.ofVirtual().name("chat-idle-sweeper").factory());
        long every = Math.max(1, Math.min(30, config.chat().idleTimeout().toSeconds() / 4));
        sweeper.scheduleAtFixedRate(chat::expireIdle, every, every, TimeUnit.SECONDS);
        started.push(sweeper::shutdownNow);
    }

    /** Members in the store: the lists changed on other instances reach this instance's broker node too (0010). */
    private void scheduleMemberRefresh() {
        if (config.chat().sharedGroup().isEmpty() || !config.mqttEnabled()) {
            return;
        }
        ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(
                Thread.ofVirtual().name("chat-member-refresh").factory());
        long every = ChatService.MEMBER_LIST_REFRESH.toMillis();
        refresher.scheduleWithFixedDelay(chat::republishMemberLists, every, every, TimeUnit.MILLISECONDS);
        started.push(refresher::shutdownNow);
    }

    /** Waits until what starts in the background (voice) is done: for tests that call at once. */
    public void awaitBackgroundStart(Duration timeout) throws InterruptedException {
        if (voice != null) {
            voice.awaitLoaded(timeout);
        }
    }

    public int httpPort() {
        return http.port();
    }

    /** Stops everything that started, newest first. */
    @Override
    public void close() {
        while (!started.isEmpty()) {
            AutoCloseable c = started.pop();
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("Stopping {} failed: {}", c.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
