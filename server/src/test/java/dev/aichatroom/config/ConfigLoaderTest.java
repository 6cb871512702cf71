package dev.aichatroom.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @Test
    void defaults_match_the_documented_ones() {
        AppConfig c = ConfigLoader.load(Env.of(Map.of()));
        assertThat(c.mqttEnabled()).isTrue();
        assertThat(c.externalBroker()).isEmpty();
        assertThat(c.broker().port()).isEqualTo(1883);
        assertThat(c.broker().wsPort()).isEqualTo(8083);
        assertThat(c.broker().bind()).isEqualTo("127.0.0.1");
        assertThat(c.broker().anonymousAllowed()).isTrue();
        assertThat(c.http().port()).isEqualTo(5000);
        assertThat(c.store().jdbcUrl()).isEqualTo("jdbc:sqlite:data/chatroom.db");
        assertThat(c.chat().defaultRoom()).isEqualTo("main");
        assertThat(c.chat().maxMessageChars()).isEqualTo(4000);
        assertThat(c.chat().maxUsernameChars()).isEqualTo(32);
        assertThat(c.chat().maxClientIdChars()).isEqualTo(128);
        assertThat(c.chat().maxPayloadBytes()).isEqualTo(65536);
    }

    @Test
    void a_host_selects_the_external_broker() {
        AppConfig c = ConfigLoader.load(Env.of(Map.of("MQTT_BROKER", "mqtt.example.com", "MQTT_PORT", "1884")));
        assertThat(c.externalBroker()).contains("mqtt.example.com");
        assertThat(c.broker().port()).isEqualTo(1884);
        assertThat(ConfigLoader.load(Env.of(Map.of("MQTT_BROKER", "embedded"))).externalBroker())
                .isEmpty();
    }

    @Test
    void bad_values_name_the_variable_and_the_fix() {
        assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("MQTT_PORT", "abc"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("MQTT_PORT:")
                .hasMessageContaining("whole number");
        assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("PORT", "70000"))))
                .hasMessageStartingWith("PORT:")
                .hasMessageContaining("0 to 65535");
        assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("MQTT_ENABLE", "maybe"))))
                .hasMessageStartingWith("MQTT_ENABLE:");
        assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("MQTT_USERNAME", "u"))))
                .hasMessageStartingWith("MQTT_PASSWORD:");
        assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("MQTT_BROKER", "mqtt://x"))))
                .hasMessageStartingWith("MQTT_BROKER:");
        assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("DATABASE_URL", "jdbc:mysql://x"))))
                .hasMessageStartingWith("DATABASE_URL:");
        assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("CHAT_DEFAULT_ROOM", "users"))))
                .hasMessageStartingWith("CHAT_DEFAULT_ROOM:");
        assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("MQTT_WS_PORT", "1883"))))
                .hasMessageStartingWith("MQTT_WS_PORT:");
        assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("LOG_LEVEL", "verbose"))))
                .hasMessageStartingWith("LOG_LEVEL:")
                .hasMessageContaining("DEBUG");
    }

    @Test
    void a_bind_address_must_be_one_of_this_machine() {
        assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("MQTT_BIND", "no-such-host.invalid"))))
                .hasMessageStartingWith("MQTT_BIND:")
                .hasMessageContaining("0.0.0.0");
        // TEST-NET-3 (RFC 5737): an address no machine here has
        assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("HTTP_BIND", "203.0.113.7"))))
                .hasMessageStartingWith("HTTP_BIND:")
                .hasMessageContaining("not an address of this machine");
        assertThat(ConfigLoader.load(Env.of(Map.of("HTTP_BIND", "0.0.0.0")))
                        .http()
                        .bind())
                .isEqualTo("0.0.0.0");
        assertThat(ConfigLoader.load(Env.of(Map.of("HTTP_BIND", "localhost")))
                        .http()
                        .bind())
                .isEqualTo("localhost");
        assertThat(ConfigLoader.load(Env.of(Map.of("LOG_LEVEL", "debug"))).logLevel())
                .isEqualTo("DEBUG");
    }

    @Test
    void a_drain_claim_lasts_half_as_long_again_as_the_drain_limit() {
        var defaults = ConfigLoader.load(Env.of(Map.of())).chat();
        assertThat(defaults.drainLimit()).isEqualTo(java.time.Duration.ofMinutes(2));
        assertThat(defaults.drainClaim()).isEqualTo(java.time.Duration.ofMinutes(3));
        assertThat(ConfigLoader.load(Env.of(Map.of("CHAT_DRAIN_LIMIT", "4")))
                        .chat()
                        .drainClaim())
                .isEqualTo(java.time.Duration.ofSeconds(6));
        assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("CHAT_DRAIN_LIMIT", "1"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("CHAT_DRAIN_LIMIT:");
    }

    @Test
    void a_shared_group_is_off_by_default_and_may_not_contain_topic_characters() {
        assertThat(ConfigLoader.load(Env.of(Map.of())).chat().sharedGroup()).isEmpty();
        assertThat(ConfigLoader.load(Env.of(Map.of("CHAT_SHARED_GROUP", " ai-chatroom ")))
                        .chat()
                        .sharedGroup())
                .contains("ai-chatroom");
        for (String bad : new String[] {"a/b", "a+", "#"}) {
            assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("CHAT_SHARED_GROUP", bad))))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("CHAT_SHARED_GROUP:")
                    .hasMessageContaining("must not contain / + #");
        }
    }

    @Test
    void dot_env_is_read_and_the_environment_wins(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(".env");
        Files.writeString(file, "# comment\nMQTT_PORT=1999\nexport PORT=\"5111\"\nCHAT_LANGUAGE=en # inline\n");
        Env env = Env.load(file, Map.of("PORT", "5222"));
        AppConfig c = ConfigLoader.load(env);
        assertThat(c.broker().port()).isEqualTo(1999);
        assertThat(c.http().port()).isEqualTo(5222);
        assertThat(c.chat().language()).isEqualTo("en");
    }

    @Test
    void accounts_come_from_a_file_and_the_environment(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("accounts");
        Files.writeString(file, "# devices\nesp32:pw1\nphone:pw:with:colons\n");
        AppConfig c = ConfigLoader.load(Env.of(Map.of(
                "MQTT_ACCOUNTS_FILE",
                file.toString(),
                "MQTT_USERNAME",
                "admin",
                "MQTT_PASSWORD",
                "x",
                "MQTT_BIND",
                "0.0.0.0")));
        assertThat(c.broker().accounts())
                .containsEntry("esp32", "pw1")
                .containsEntry("phone", "pw:with:colons")
                .containsEntry("admin", "x");
        assertThat(c.broker().anonymousAllowed()).isFalse();
        assertThatThrownBy(() -> ConfigLoader.load(
                        Env.of(Map.of("MQTT_ACCOUNTS_FILE", dir.resolve("none").toString()))))
                .hasMessageStartingWith("MQTT_ACCOUNTS_FILE:");
    }

    @Test
    void the_accounts_file_says_which_client_ids_each_account_owns(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("accounts");
        Files.writeString(
                file,
                "alice:pw\nkitchen:pw2\n# the speaker's firmware picks its own ids\nclientids kitchen speaker-* %u\n");
        var rules = ConfigLoader.load(Env.of(Map.of("MQTT_ACCOUNTS_FILE", file.toString())))
                .broker()
                .clientIds();
        assertThat(rules.owns("alice", "alice")).isTrue();
        assertThat(rules.owns("alice", "alice-phone")).isTrue();
        assertThat(rules.owns("alice", "alice_tab")).isTrue();
        assertThat(rules.owns("alice", "kitchen")).isFalse();
        assertThat(rules.owns("kitchen", "speaker-7")).isTrue();
        assertThat(rules.owns("kitchen", "kitchen-1"))
                .as("its own patterns replace the defaults")
                .isFalse();

        Files.writeString(file, "alice:pw\nclientids * %u-*\n");
        assertThat(ConfigLoader.load(Env.of(Map.of("MQTT_ACCOUNTS_FILE", file.toString())))
                        .broker()
                        .clientIds()
                        .owns("alice", "alice"))
                .isFalse();

        for (String bad : List.of("clientids bob x\n", "alice:pw\nclientids alice chat/#\n", "my name:pw\n")) {
            Files.writeString(file, bad);
            assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("MQTT_ACCOUNTS_FILE", file.toString()))))
                    .as(bad)
                    .hasMessageStartingWith("MQTT_ACCOUNTS_FILE:");
        }
    }

    @Test
    void plaintext_listeners_stay_off_next_to_tls_on_a_public_address_unless_allowed(@TempDir Path dir) {
        dev.aichatroom.testing.TestCertificates pem =
                dev.aichatroom.testing.TestCertificates.make(dir, "ec", "localhost");
        Map<String, String> tls = Map.of(
                "TLS_CERT",
                pem.certificate().toString(),
                "TLS_KEY",
                pem.key().toString(),
                "MQTT_USERNAME",
                "u",
                "MQTT_PASSWORD",
                "p");
        Map<String, String> publicTls = with(with(tls, "MQTT_BIND", "0.0.0.0"), "HTTP_BIND", "0.0.0.0");

        AppConfig off = ConfigLoader.load(Env.of(publicTls));
        assertThat(off.broker().port()).isZero();
        assertThat(off.http().plainRedirect()).isFalse();
        assertThat(off.http().hstsMaxAge()).isEqualTo(31_536_000L);

        AppConfig allowed = ConfigLoader.load(Env.of(with(publicTls, "TLS_ALLOW_PLAINTEXT", "true")));
        assertThat(allowed.broker().port()).isEqualTo(1883);
        assertThat(allowed.http().plainRedirect()).isTrue();

        AppConfig loopback = ConfigLoader.load(Env.of(tls));
        assertThat(loopback.broker().port()).isEqualTo(1883);
        assertThat(loopback.http().plainRedirect()).isTrue();

        AppConfig noTls =
                ConfigLoader.load(Env.of(Map.of("MQTT_BIND", "0.0.0.0", "MQTT_USERNAME", "u", "MQTT_PASSWORD", "p")));
        assertThat(noTls.broker().port()).isEqualTo(1883);
        assertThat(ConfigLoader.load(Env.of(with(tls, "TLS_HSTS_MAX_AGE", "0")))
                        .http()
                        .hstsMaxAge())
                .isZero();
    }

    @Test
    void an_account_that_would_own_the_pages_or_the_services_client_ids_is_refused_at_start(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("accounts");
        Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put("web:pw\n", "account 'web' would own the client ids of the product's pages (web_*)");
        refused.put("voice:pw\n", "account 'voice' would own the client ids of the product's pages (voice_*)");
        refused.put("voicemcp:pw\n", "account 'voicemcp' would own the client ids of the product's pages (voicemcp_*)");
        refused.put("kiosk:pw\nclientids kiosk we*\n", "through its client id pattern we*");
        refused.put("alice:pw\nclientids * *\n", "account 'alice' would own");
        refused.put("ai:pw\n", "account 'ai' would own the service's client ids (ai-chatroom-service…");
        refused.put("ai-chatroom-service:pw\n", "account 'ai-chatroom-service' would own the service's client ids");
        for (Map.Entry<String, String> bad : refused.entrySet()) {
            Files.writeString(file, bad.getKey());
            assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("MQTT_ACCOUNTS_FILE", file.toString()))))
                    .as(bad.getKey())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("MQTT_ACCOUNTS_FILE: ")
                    .hasMessageContaining(bad.getValue())
                    .hasMessageContaining("rename the account")
                    .hasMessageNotContaining("\n");
        }
        assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("MQTT_USERNAME", "web", "MQTT_PASSWORD", "pw"))))
                .hasMessageStartingWith("MQTT_USERNAME: account 'web' would own the client ids of the product's pages");

        // names that only start the same, or an account with patterns of its own, own nothing of the product's
        Files.writeString(file, "webcam:pw\nvoices:pw\nairlock:pw\nweb2:pw\nweb:pw\nclientids web kiosk-*\n");
        assertThat(ConfigLoader.load(Env.of(Map.of("MQTT_ACCOUNTS_FILE", file.toString())))
                        .broker()
                        .accounts())
                .containsKeys("webcam", "voices", "airlock", "web2", "web");
        // the service's own account may own the service's ids
        assertThat(ConfigLoader.load(Env.of(Map.of("MQTT_USERNAME", "ai-chatroom-service", "MQTT_PASSWORD", "pw")))
                        .serviceClientId())
                .isEqualTo("ai-chatroom-service");
    }

    @Test
    void tls_takes_a_certificate_and_its_key_together_and_says_which_file_is_wrong(@TempDir Path dir) throws Exception {
        dev.aichatroom.testing.TestCertificates pem =
                dev.aichatroom.testing.TestCertificates.make(dir, "ec", "localhost");
        String cert = pem.certificate().toString();
        String key = pem.key().toString();

        AppConfig c = ConfigLoader.load(Env.of(Map.of("TLS_CERT", cert, "TLS_KEY", key)));
        assertThat(c.http().tls()).isPresent();
        assertThat(c.broker().tls()).isPresent();
        assertThat(c.broker().tlsPort()).isEqualTo(8883);
        assertThat(ConfigLoader.load(Env.of(Map.of())).broker().tlsPort()).isZero();
        assertThat(ConfigLoader.load(Env.of(Map.of("TLS_CERT", cert, "TLS_KEY", key, "MQTT_TLS_PORT", "0")))
                        .broker()
                        .tlsPort())
                .isZero();

        assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("TLS_CERT", cert))))
                .hasMessageStartingWith("TLS_KEY:")
                .hasMessageContaining("go together");
        assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("TLS_CERT", cert, "TLS_KEY", cert))))
                .hasMessageStartingWith("TLS_KEY:")
                .hasMessageContaining("holds no private key");
        String keyAsCert =
                Files.copy(pem.key(), dir.resolve("not-a-certificate.pem")).toString();
        assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("TLS_CERT", keyAsCert, "TLS_KEY", key))))
                .hasMessageStartingWith("TLS_CERT:")
                .hasMessageContaining("holds no certificate");
        assertThatThrownBy(() ->
                        ConfigLoader.load(Env.of(Map.of("TLS_CERT", cert, "TLS_KEY", key, "MQTT_TLS_PORT", "1883"))))
                .hasMessageStartingWith("MQTT_TLS_PORT:");
    }

    @Test
    void tls_to_an_external_broker_may_trust_a_private_ca(@TempDir Path dir) {
        dev.aichatroom.testing.TestCertificates ca =
                dev.aichatroom.testing.TestCertificates.make(dir, "rsa", "broker.example.com");
        Map<String, String> external = Map.of("MQTT_BROKER", "broker.example.com", "MQTT_PORT", "8883");

        AppConfig plain = ConfigLoader.load(Env.of(external));
        assertThat(plain.serviceTls()).isFalse();
        AppConfig defaultTrust = ConfigLoader.load(Env.of(with(external, "MQTT_TLS", "true")));
        assertThat(defaultTrust.serviceTls()).isTrue();
        assertThat(defaultTrust.serviceTrust()).isEmpty();
        AppConfig ownTrust = ConfigLoader.load(Env.of(with(
                with(external, "MQTT_TLS", "true"),
                "MQTT_CA_FILE",
                ca.certificate().toString())));
        assertThat(ownTrust.serviceTrust()).isPresent();

        assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("MQTT_TLS", "true"))))
                .hasMessageStartingWith("MQTT_TLS:")
                .hasMessageContaining("TLS_CERT");
        assertThatThrownBy(() -> ConfigLoader.load(
                        Env.of(with(external, "MQTT_CA_FILE", ca.certificate().toString()))))
                .hasMessageStartingWith("MQTT_CA_FILE:")
                .hasMessageContaining("MQTT_TLS=true");
        assertThatThrownBy(() -> ConfigLoader.load(Env.of(with(
                        with(external, "MQTT_TLS", "true"),
                        "MQTT_CA_FILE",
                        ca.key().toString()))))
                .hasMessageStartingWith("MQTT_CA_FILE:")
                .hasMessageContaining("no certificate");
    }

    private static Map<String, String> with(Map<String, String> base, String name, String value) {
        Map<String, String> copy = new java.util.HashMap<>(base);
        copy.put(name, value);
        return copy;
    }
}
