package dev.aichatroom.broker;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.apache.activemq.artemis.core.server.protocol.websocket.WebSocketServerHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The frames of an upgraded MQTT WebSocket connection, as Artemis' {@link WebSocketServerHandler} handles them (data
 * frames' bytes on to the MQTT decoder, ping answered with pong, close answered with close and the connection ended),
 * without what that handler keeps for the connection's lifetime once the handshake is over: the whole HTTP upgrade
 * request (its headers, URI and buffer) and the handshaker, about 2.5 KiB of heap per idle connection (issue 13). One
 * instance serves every connection: it holds nothing.
 */
@ChannelHandler.Sharable
final class WebSocketFrames extends SimpleChannelInboundHandler<WebSocketFrame> {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketFrames.class);
    static final WebSocketFrames INSTANCE = new WebSocketFrames();
    /** The name Artemis gives its handler in the pipeline. */
    private static final String NAME = "websocket-handler";

    private WebSocketFrames() {}

    /** Takes the place of Artemis' handler once the upgrade is done (the connection speaks MQTT by then). */
    static void replaceArtemisHandler(ChannelPipeline pipeline) {
        if (pipeline.get(NAME) instanceof WebSocketServerHandler) {
            pipeline.replace(NAME, NAME, INSTANCE);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof BinaryWebSocketFrame
                || frame instanceof TextWebSocketFrame
                || frame instanceof ContinuationWebSocketFrame) {
            ctx.fireChannelRead(frame.content().retain());
        } else if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        } else if (frame instanceof CloseWebSocketFrame) {
            // the closing handshake as Netty's handshaker does it: the close frame back, then the connection ends
            ctx.channel().writeAndFlush(frame.retain()).addListener(ChannelFutureListener.CLOSE);
        } else if (!(frame instanceof PongWebSocketFrame)) {
            LOG.debug(
                    "WebSocket frame of an unknown type from {}: closing",
                    ctx.channel().remoteAddress());
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("WebSocket connection from {} closed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
