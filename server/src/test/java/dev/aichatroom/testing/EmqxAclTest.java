package dev.aichatroom.testing;

import static dev.aichatroom.testing.EmqxAcl.Action.PUBLISH;
import static dev.aichatroom.testing.EmqxAcl.Action.SUBSCRIBE;
import static dev.aichatroom.testing.EmqxAcl.Permission.ALLOW;
import static dev.aichatroom.testing.EmqxAcl.Permission.DENY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The EMQX acl.conf evaluator against the examples and rules of EMQX's documentation and code. */
class EmqxAclTest {
    /** EMQX's documented example file (docs.emqx.com, "Use ACL File"). */
    private static final String DOCUMENTED = """
            %% Allow "dashboard" to subscribe to "$SYS/#"
            {allow, {user, "dashboard"}, subscribe, ["$SYS/#"]}.

            {allow, {ipaddr, "127.0.0.1"}, all, ["$SYS/#", "#"]}.

            {deny, all, subscribe, ["$SYS/#", {eq, "#"}, {eq, "+/#"}]}.

            {allow, all}.
            """;

    @Test
    void the_first_matching_rule_decides_and_eq_is_the_filter_itself() {
        String text = DOCUMENTED.replace("{allow, {ipaddr, \"127.0.0.1\"}, all, [\"$SYS/#\", \"#\"]}.", "");
        EmqxAcl acl = EmqxAcl.parse(text);
        assertThat(acl.decide("dashboard", "d", SUBSCRIBE, "$SYS/brokers")).contains(ALLOW);
        assertThat(acl.decide("other", "o", SUBSCRIBE, "$SYS/brokers")).contains(DENY);
        assertThat(acl.decide("other", "o", SUBSCRIBE, "#")).contains(DENY);
        assertThat(acl.decide("other", "o", SUBSCRIBE, "+/#")).contains(DENY);
        // {eq, "#"} is only "#": other wildcard subscriptions fall through to {allow, all}
        assertThat(acl.decide("other", "o", SUBSCRIBE, "a/#")).contains(ALLOW);
        assertThat(acl.decide("other", "o", PUBLISH, "$SYS/x")).contains(ALLOW);
    }

    @Test
    void an_unknown_who_is_refused_rather_than_guessed() {
        assertThatThrownBy(() -> EmqxAcl.parse(DOCUMENTED)).hasMessageContaining("ipaddr");
        assertThatThrownBy(() -> EmqxAcl.parse("{allow, all, read, [\"a\"]}.")).hasMessageContaining("action");
    }

    @Test
    void placeholders_regexes_and_wildcards_follow_emqx() {
        EmqxAcl acl = EmqxAcl.parse("""
                {allow, {username, "svc"}, all, ["#"]}.
                {deny, {clientid, {re, "^svc"}}, all, ["#"]}.
                {allow, all, subscribe, ["a/${clientid}/#", "b/+/c"]}.
                {allow, {'and', [{username, "u"}, {clientid, "x"}]}, publish, ["${username}/in"]}.
                {deny, all}.
                """);
        assertThat(acl.decide("svc", "svc", PUBLISH, "$webrtc/x")).contains(ALLOW);
        // a rule's "#" matches $ topics too: the authorizer matches words, not topic names
        assertThat(acl.decide("u", "svc-2", SUBSCRIBE, "$webrtc/svc-2")).contains(DENY);
        assertThat(acl.decide("u", "c1", SUBSCRIBE, "a/c1")).contains(ALLOW); // "a/c1/#" covers "a/c1"
        assertThat(acl.decide("u", "c1", SUBSCRIBE, "a/c1/x/y")).contains(ALLOW);
        assertThat(acl.decide("u", "c1", SUBSCRIBE, "a/c2/x")).contains(DENY);
        // a subscription's wildcard is covered only by the same wildcard or a wider one of the rule
        assertThat(acl.decide("u", "c1", SUBSCRIBE, "a/+/x")).contains(DENY);
        assertThat(acl.decide("u", "c1", SUBSCRIBE, "a/c1/+")).contains(ALLOW);
        assertThat(acl.decide("u", "c1", SUBSCRIBE, "b/+/c")).contains(ALLOW);
        assertThat(acl.decide("u", "c1", SUBSCRIBE, "b/#")).contains(DENY);
        assertThat(acl.decide("u", "x", PUBLISH, "u/in")).contains(ALLOW);
        assertThat(acl.decide("u", "y", PUBLISH, "u/in")).contains(DENY);
        assertThat(acl.decide(null, "x", PUBLISH, "u/in")).contains(DENY);
    }

    @Test
    void no_matching_rule_is_no_decision() {
        EmqxAcl acl = EmqxAcl.parse("{allow, all, publish, [\"a\"]}.");
        assertThat(acl.decide("u", "c", PUBLISH, "b")).isEmpty();
        assertThat(acl.ruleFor("u", "c", PUBLISH, "a")).contains("{allow, all, publish, [\"a\"]}");
    }
}
