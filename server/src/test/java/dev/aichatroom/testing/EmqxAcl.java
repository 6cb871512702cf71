package dev.aichatroom.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * EMQX 5's file authorizer ({@code acl.conf}) as EMQX documents and implements it ({@code emqx_authz_rule},
 * {@code emqx_topic:match/2}), for testing a rules file where no EMQX runs. The file is Erlang terms, each rule ending
 * with a period, {@code %} starting a comment: {@code {Permission, Who, Action, Topics}} or {@code {Permission, all}}.
 * Rules are tried from the top; the first whose who, action and one of whose topics match decides. Who: {@code all},
 * {@code {username|user, "name"}}, {@code {clientid|client, "id"}}, either with {@code {re, "regex"}} (found anywhere,
 * as Erlang's {@code re:run}), {@code {'and', [...]}}, {@code {'or', [...]}}. Action: {@code publish},
 * {@code subscribe}, {@code all}. Topics: filters with {@code ${clientid}} and {@code ${username}} replaced by the
 * client's, matched word by word (a subscription's {@code +} and {@code #} match only the same wildcard or a rule's
 * wildcard; unlike delivery, a rule's {@code #} also matches {@code $} topics, since the authorizer matches words), or
 * {@code {eq, "topic"}} for the topic itself. Nothing matching gives empty (EMQX then applies
 * {@code authorization.no_match}).
 */
public final class EmqxAcl {
    public enum Permission {
        ALLOW,
        DENY
    }

    public enum Action {
        PUBLISH,
        SUBSCRIBE
    }

    /** An Erlang term: an atom, a string, a tuple or a list. */
    sealed interface Term permits Atom, Str, Tuple, ErlList {}

    record Atom(String name) implements Term {}

    record Str(String value) implements Term {}

    record Tuple(List<Term> items) implements Term {}

    record ErlList(List<Term> items) implements Term {}

    private record Rule(Permission permission, Term who, Term action, List<Term> topics, String text) {}

    private final List<Rule> rules;

    private EmqxAcl(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** Parses an acl.conf; an unknown form is refused, as EMQX refuses to load it. */
    public static EmqxAcl parse(String text) {
        Parser p = new Parser(text);
        List<Rule> rules = new ArrayList<>();
        while (p.skipSpace()) {
            int start = p.at;
            Term t = p.term();
            p.expect('.');
            rules.add(rule(t, text.substring(start, p.at - 1).strip()));
        }
        return new EmqxAcl(rules);
    }

    private static Rule rule(Term t, String text) {
        if (!(t instanceof Tuple tuple)) {
            throw new IllegalArgumentException("not a rule: " + text);
        }
        List<Term> items = tuple.items();
        Permission permission = switch (atom(items.get(0))) {
            case "allow" -> Permission.ALLOW;
            case "deny" -> Permission.DENY;
            default -> throw new IllegalArgumentException("no permission: " + text);
        };
        if (items.size() == 2 && atom(items.get(1)).equals("all")) {
            return new Rule(permission, new Atom("all"), new Atom("all"), List.of(new Str("#")), text);
        }
        if (items.size() != 4 || !(items.get(3) instanceof ErlList topics)) {
            throw new IllegalArgumentException("a rule is {Permission, Who, Action, [Topics]}: " + text);
        }
        checkWho(items.get(1));
        String action = atom(items.get(2));
        if (!List.of("publish", "subscribe", "all").contains(action)) {
            throw new IllegalArgumentException("unknown action: " + text);
        }
        return new Rule(permission, items.get(1), items.get(2), topics.items(), text);
    }

    private static void checkWho(Term who) {
        if (who instanceof Atom a && a.name().equals("all")) {
            return;
        }
        if (who instanceof Tuple t && t.items().size() == 2) {
            String kind = atom(t.items().get(0));
            switch (kind) {
                case "username", "user", "clientid", "client" -> {
                    Term v = t.items().get(1);
                    if (v instanceof Str
                            || (v instanceof Tuple re
                                    && re.items().size() == 2
                                    && atom(re.items().get(0)).equals("re")
                                    && re.items().get(1) instanceof Str)) {
                        return;
                    }
                }
                case "and", "or" -> {
                    if (t.items().get(1) instanceof ErlList l) {
                        l.items().forEach(EmqxAcl::checkWho);
                        return;
                    }
                }
                default -> {}
            }
        }
        throw new IllegalArgumentException("a who this evaluator does not know: " + who);
    }

    private static String atom(Term t) {
        if (t instanceof Atom a) {
            return a.name();
        }
        throw new IllegalArgumentException("expected an atom, got " + t);
    }

    /** The permission of the first rule that matches, or empty where none does. */
    public Optional<Permission> decide(String username, String clientId, Action action, String topic) {
        return firstMatch(username, clientId, action, topic).map(Rule::permission);
    }

    /** The text of the rule that decides, for messages. */
    public Optional<String> ruleFor(String username, String clientId, Action action, String topic) {
        return firstMatch(username, clientId, action, topic).map(Rule::text);
    }

    private Optional<Rule> firstMatch(String username, String clientId, Action action, String topic) {
        for (Rule r : rules) {
            if (actionMatches(r.action(), action)
                    && whoMatches(r.who(), username, clientId)
                    && r.topics().stream().anyMatch(t -> topicMatches(t, username, clientId, topic))) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    private static boolean actionMatches(Term rule, Action action) {
        return switch (atom(rule)) {
            case "all" -> true;
            case "publish" -> action == Action.PUBLISH;
            case "subscribe" -> action == Action.SUBSCRIBE;
            default -> false;
        };
    }

    private static boolean whoMatches(Term who, String username, String clientId) {
        if (who instanceof Atom) {
            return true; // all
        }
        List<Term> items = ((Tuple) who).items();
        String kind = atom(items.get(0));
        return switch (kind) {
            case "username", "user" -> username != null && valueMatches(items.get(1), username);
            case "clientid", "client" -> valueMatches(items.get(1), clientId);
            case "and" -> ((ErlList) items.get(1)).items().stream().allMatch(w -> whoMatches(w, username, clientId));
            case "or" -> ((ErlList) items.get(1)).items().stream().anyMatch(w -> whoMatches(w, username, clientId));
            default -> false;
        };
    }

    private static boolean valueMatches(Term v, String actual) {
        if (v instanceof Str s) {
            return s.value().equals(actual);
        }
        String regex = ((Str) ((Tuple) v).items().get(1)).value();
        return Pattern.compile(regex).matcher(actual).find();
    }

    private static boolean topicMatches(Term rule, String username, String clientId, String topic) {
        if (rule instanceof Tuple eq) {
            if (!atom(eq.items().get(0)).equals("eq")) {
                throw new IllegalArgumentException("unknown topic form " + rule);
            }
            return ((Str) eq.items().get(1)).value().equals(topic);
        }
        String filter = ((Str) rule).value();
        if (filter.startsWith("eq ")) {
            return filter.substring(3).equals(topic);
        }
        if (filter.contains("${username}")) {
            if (username == null) {
                return false; // render_strict fails: the rule does not match
            }
            filter = filter.replace("${username}", username);
        }
        filter = filter.replace("${clientid}", clientId);
        return match(words(topic), 0, words(filter), 0);
    }

    private static List<String> words(String topic) {
        return Arrays.asList(topic.split("/", -1));
    }

    /** {@code emqx_topic:match/2} on words: no special case for {@code $} topics there. */
    static boolean match(List<String> name, int i, List<String> filter, int j) {
        if (i == name.size() && j == filter.size()) {
            return true;
        }
        if (j < filter.size()) {
            String f = filter.get(j);
            if (f.equals("#") && j == filter.size() - 1) {
                return true;
            }
            if (i < name.size() && (f.equals(name.get(i)) || f.equals("+"))) {
                return match(name, i + 1, filter, j + 1);
            }
        }
        return false;
    }

    /** A small reader of the Erlang terms acl.conf uses. */
    private static final class Parser {
        private final String s;
        private int at;

        Parser(String s) {
            this.s = s;
        }

        /** Skips blanks and comments; whether anything is left. */
        boolean skipSpace() {
            while (at < s.length()) {
                char c = s.charAt(at);
                if (Character.isWhitespace(c)) {
                    at++;
                } else if (c == '%') {
                    while (at < s.length() && s.charAt(at) != '\n') {
                        at++;
                    }
                } else {
                    return true;
                }
            }
            return false;
        }

        void expect(char c) {
            skipSpace();
            if (at >= s.length() || s.charAt(at) != c) {
                throw new IllegalArgumentException("expected '" + c + "' at " + at + ": "
                        + s.substring(Math.max(0, at - 20), Math.min(s.length(), at + 20)));
            }
            at++;
        }

        Term term() {
            skipSpace();
            char c = s.charAt(at);
            if (c == '{' || c == '[') {
                char close = c == '{' ? '}' : ']';
                at++;
                List<Term> items = new ArrayList<>();
                skipSpace();
                if (s.charAt(at) == close) {
                    at++;
                } else {
                    while (true) {
                        items.add(term());
                        skipSpace();
                        char next = s.charAt(at++);
                        if (next == close) {
                            break;
                        }
                        if (next != ',') {
                            throw new IllegalArgumentException("expected ',' or '" + close + "' at " + (at - 1));
                        }
                    }
                }
                return c == '{' ? new Tuple(List.copyOf(items)) : new ErlList(List.copyOf(items));
            }
            if (c == '"') {
                StringBuilder out = new StringBuilder();
                at++;
                while (s.charAt(at) != '"') {
                    char ch = s.charAt(at++);
                    if (ch == '\\') {
                        ch = s.charAt(at++);
                    }
                    out.append(ch);
                }
                at++;
                return new Str(out.toString());
            }
            if (c == '\'') {
                int end = s.indexOf('\'', at + 1);
                String name = s.substring(at + 1, end);
                at = end + 1;
                return new Atom(name);
            }
            int start = at;
            while (at < s.length() && (Character.isLetterOrDigit(s.charAt(at)) || s.charAt(at) == '_')) {
                at++;
            }
            if (start == at || !Character.isLowerCase(s.charAt(start))) {
                throw new IllegalArgumentException("unexpected '" + c + "' at " + at);
            }
            return new Atom(s.substring(start, at));
        }
    }
}
