package dev.aichatroom.broker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Right before Artemis' MQTT decoder (after {@link PacketSizeGuard}, so a packet here is never larger than the
 * limit): cuts the byte stream into whole packets and closes the connection on the first malformed one or one that
 * breaks the protocol, as MQTT 3.1.1 §4.8 / MQTT 5 §4.13 require and Mosquitto does. Netty's decoder replaces bad
 * UTF-8 with U+FFFD, lets U+0000 through and ignores most reserved bits, so topics such as {@code a\u0000b} or an
 * encoded surrogate were acknowledged. Checked here, on the bytes: every packet type and its fixed-header flags; the
 * first packet is CONNECT and there is only one; CONNECT's flags and strings; PUBLISH QoS, DUP, topic name (no
 * wildcards) and packet id; SUBSCRIBE / UNSUBSCRIBE filters and options; acknowledgement packet ids; lengths that
 * do not add up. Strings are well-formed UTF-8 without U+0000, other control characters or surrogates.
 */
final class PacketValidator extends ByteToMessageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(PacketValidator.class);

    static final int CONNECT = 1;
    static final int PUBLISH = 3;
    static final int PUBACK = 4;
    static final int PUBREC = 5;
    static final int PUBREL = 6;
    static final int PUBCOMP = 7;
    static final int SUBSCRIBE = 8;
    static final int UNSUBSCRIBE = 10;
    static final int PINGREQ = 12;
    static final int DISCONNECT = 14;
    static final int AUTH = 15;

    /** MQTT 5 reason codes for the DISCONNECT sent before closing. */
    private static final int MALFORMED = 0x81;

    private static final int PROTOCOL_ERROR = 0x82;

    private int version;
    private boolean refused;

    /** Why a packet is refused, and whether it is malformed (0x81) or a protocol error (0x82). */
    static final class Refused extends Exception {
        final int reason;

        Refused(String message, int reason) {
            super(message, null, false, false);
            this.reason = reason;
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (!refused && in.isReadable()) {
            int start = in.readerIndex();
            int length = 0;
            int lengthBytes = 0;
            boolean complete = false;
            for (int i = start + 1; i < in.writerIndex() && lengthBytes < 4; i++) {
                int b = in.getByte(i) & 0xFF;
                length |= (b & 0x7F) << (7 * lengthBytes);
                lengthBytes++;
                if ((b & 0x80) == 0) {
                    complete = true;
                    break;
                }
            }
            if (!complete) {
                return; // PacketSizeGuard closes on a fifth length byte
            }
            int total = 1 + lengthBytes + length;
            if (in.readableBytes() < total) {
                return;
            }
            int header = in.getByte(start) & 0xFF;
            try {
                check(header, in.slice(start + 1 + lengthBytes, length));
            } catch (Refused e) {
                refuse(ctx, header >> 4, e);
                in.skipBytes(in.readableBytes());
                return;
            }
            out.add(in.readRetainedSlice(total));
        }
        if (refused) {
            in.skipBytes(in.readableBytes());
        }
    }

    private void refuse(ChannelHandlerContext ctx, int type, Refused e) {
        refused = true;
        LOG.info(
                "MQTT connection from {} closed: malformed packet (type {}): {}",
                ctx.channel().remoteAddress(),
                type,
                e.getMessage());
        if (version == 5 && ListenerGuard.admitted(ctx.channel())) {
            // MQTT 5 §4.13: DISCONNECT with the reason code, then close
            ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {(byte) 0xE0, 1, (byte) e.reason}))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }

    /** Checks one packet: {@code header} its first byte, {@code body} the bytes its remaining length counts. */
    void check(int header, ByteBuf body) throws Refused {
        int type = header >> 4;
        int flags = header & 0x0F;
        if (version == 0 && type != CONNECT) {
            throw protocol("the first packet must be CONNECT");
        }
        Reader r = new Reader(body);
        switch (type) {
            case CONNECT -> connect(flags, r);
            case PUBLISH -> publish(flags, r);
            case PUBACK, PUBREC, PUBCOMP -> acknowledgement(flags, 0, r);
            case PUBREL -> acknowledgement(flags, 2, r);
            case SUBSCRIBE -> subscribe(flags, r);
            case UNSUBSCRIBE -> unsubscribe(flags, r);
            case PINGREQ -> {
                flags(flags, 0);
                r.end();
            }
            case DISCONNECT -> {
                flags(flags, 0);
                if (version < 5) {
                    r.end();
                }
            }
            case AUTH -> {
                if (version < 5) {
                    throw malformed("AUTH is not an MQTT 3.1.1 packet");
                }
                flags(flags, 0);
            }
            default -> throw malformed("a client does not send packet type " + type);
        }
    }

    private void connect(int flags, Reader r) throws Refused {
        if (version != 0) {
            throw protocol("a second CONNECT");
        }
        flags(flags, 0);
        String protocol = r.rawString();
        int level = r.u8();
        if (!(protocol.equals("MQTT") && (level == 4 || level == 5) || protocol.equals("MQIsdp") && level == 3)) {
            version = level == 0 ? -1 : level; // not ours to judge: Artemis answers with the version it speaks
            return;
        }
        version = level;
        int connectFlags = r.u8();
        boolean will = (connectFlags & 0x04) != 0;
        int willQos = (connectFlags >> 3) & 0x03;
        boolean willRetain = (connectFlags & 0x20) != 0;
        boolean password = (connectFlags & 0x40) != 0;
        boolean username = (connectFlags & 0x80) != 0;
        if ((connectFlags & 0x01) != 0) {
            throw malformed("CONNECT's reserved flag is set");
        }
        if (willQos == 3) {
            throw malformed("will QoS 3");
        }
        if (!will && (willQos != 0 || willRetain)) {
            throw malformed("will QoS or retain without a will");
        }
        if (version < 5 && password && !username) {
            throw malformed("a password without a username");
        }
        r.u16(); // keep-alive
        r.properties(version);
        r.string("client id");
        if (will) {
            r.properties(version);
            topicName(r.string("will topic"), false);
            r.binary();
        }
        if (username) {
            r.string("username");
        }
        if (password) {
            r.binary();
        }
        r.end();
    }

    private void publish(int flags, Reader r) throws Refused {
        int qos = (flags >> 1) & 0x03;
        if (qos == 3) {
            throw malformed("PUBLISH with QoS 3");
        }
        if (qos == 0 && (flags & 0x08) != 0) {
            throw malformed("PUBLISH with QoS 0 and DUP set");
        }
        String topic = r.string("topic name");
        topicName(topic, version >= 5); // MQTT 5: empty with a topic alias
        if (qos > 0 && r.u16() == 0) {
            throw malformed("PUBLISH with QoS " + qos + " and packet id 0");
        }
        r.properties(version);
    }

    private void acknowledgement(int flags, int expectedFlags, Reader r) throws Refused {
        flags(flags, expectedFlags);
        if (r.u16() == 0) {
            throw malformed("packet id 0");
        }
        if (version < 5) {
            r.end();
        }
    }

    private void subscribe(int flags, Reader r) throws Refused {
        flags(flags, 2);
        if (r.u16() == 0) {
            throw malformed("SUBSCRIBE with packet id 0");
        }
        r.properties(version);
        if (!r.more()) {
            throw protocol("SUBSCRIBE without a topic filter");
        }
        while (r.more()) {
            topicFilter(r.string("topic filter"));
            int options = r.u8();
            if ((options & 0x03) == 3) {
                throw malformed("subscription QoS 3");
            }
            if (version >= 5 ? (options & 0xC0) != 0 || (options >> 4 & 0x03) == 3 : (options & 0xFC) != 0) {
                throw malformed("reserved subscription option bits");
            }
        }
    }

    private void unsubscribe(int flags, Reader r) throws Refused {
        flags(flags, 2);
        if (r.u16() == 0) {
            throw malformed("UNSUBSCRIBE with packet id 0");
        }
        r.properties(version);
        if (!r.more()) {
            throw protocol("UNSUBSCRIBE without a topic filter");
        }
        while (r.more()) {
            topicFilter(r.string("topic filter"));
        }
    }

    private static void flags(int flags, int expected) throws Refused {
        if (flags != expected) {
            throw malformed(
                    "reserved flags " + Integer.toBinaryString(flags | 0x10).substring(1));
        }
    }

    /** A topic name: no wildcards; empty only where {@code emptyAllowed} (MQTT 5, with a topic alias). */
    static void topicName(String topic, boolean emptyAllowed) throws Refused {
        if (topic.isEmpty() && !emptyAllowed) {
            throw malformed("an empty topic name");
        }
        if (topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0) {
            throw malformed("a wildcard in a topic name");
        }
    }

    /** A topic filter: not empty; '#' only as the last level, '+' and '#' only as a whole level. */
    static void topicFilter(String filter) throws Refused {
        if (filter.isEmpty()) {
            throw malformed("an empty topic filter");
        }
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.equals("#") && i != levels.length - 1) {
                throw malformed("'#' before the last level of a topic filter");
            }
            if (level.length() > 1 && (level.indexOf('#') >= 0 || level.indexOf('+') >= 0)) {
                throw malformed("a wildcard within a topic level");
            }
        }
    }

    private static Refused malformed(String why) {
        return new Refused(why, MALFORMED);
    }

    private static Refused protocol(String why) {
        return new Refused(why, PROTOCOL_ERROR);
    }

    /** Reads the fields of one packet's body, refusing any that runs past its end. */
    private static final class Reader {
        private final ByteBuf body;

        Reader(ByteBuf body) {
            this.body = body;
        }

        boolean more() {
            return body.isReadable();
        }

        void end() throws Refused {
            if (body.isReadable()) {
                throw malformed(body.readableBytes() + " bytes beyond the packet's fields");
            }
        }

        private void need(int n) throws Refused {
            if (body.readableBytes() < n) {
                throw malformed("the remaining length ends inside a field");
            }
        }

        int u8() throws Refused {
            need(1);
            return body.readUnsignedByte();
        }

        int u16() throws Refused {
            need(2);
            return body.readUnsignedShort();
        }

        void binary() throws Refused {
            int n = u16();
            need(n);
            body.skipBytes(n);
        }

        /** A string not checked beyond its length (CONNECT's protocol name). */
        String rawString() throws Refused {
            int n = u16();
            need(n);
            return body.readCharSequence(n, StandardCharsets.ISO_8859_1).toString();
        }

        /** An MQTT UTF-8 string (MQTT 5 §1.5.4): well-formed, no surrogates, no U+0000, no control characters. */
        String string(String what) throws Refused {
            int n = u16();
            need(n);
            ByteBuffer bytes = body.nioBuffer(body.readerIndex(), n);
            body.skipBytes(n);
            String text;
            try {
                text = StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(bytes)
                        .toString();
            } catch (CharacterCodingException e) {
                throw malformed(what + " is not well-formed UTF-8");
            }
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == 0) {
                    throw malformed(what + " contains U+0000");
                }
                if (c < 0x20 || c >= 0x7F && c <= 0x9F) {
                    throw malformed(what + " contains a control character");
                }
            }
            return text;
        }

        /** MQTT 5 properties: a variable byte integer length and that many bytes (their contents are Artemis'). */
        void properties(int version) throws Refused {
            if (version < 5) {
                return;
            }
            int length = 0;
            for (int i = 0; ; i++) {
                if (i == 4) {
                    throw malformed("a property length of more than four bytes");
                }
                int b = u8();
                length |= (b & 0x7F) << (7 * i);
                if ((b & 0x80) == 0) {
                    break;
                }
            }
            need(length);
            body.skipBytes(length);
        }
    }
}
