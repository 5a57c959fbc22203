package dev.taskpoll.testkit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.LastHttpContent;
import reactor.netty.NettyPipeline;

/**
 * Keeps a Reactor Netty HTTP/1.1 server reading a keep-alive connection (the simulator's, the dashboard's): a
 * work-around for Reactor Netty 1.3.7's server (reactor/reactor-netty#4361). When a request arrives before the previous answer's operations ended, the server
 * queues it with its trailing content; if that request is answered at once, the queue is drained without a read
 * being asked for, and the next request on the connection is never read: its client waits for its read timeout.
 * Under load this hung one media download in roughly one demo of two at 300x. After each answer's last part is
 * written, this asks the channel for the next read; asking while a read is pending or a request is being handled
 * changes nothing (the server queues what it reads).
 */
@ChannelHandler.Sharable
public final class KeepAliveReads extends ChannelOutboundHandlerAdapter {

    static final KeepAliveReads INSTANCE = new KeepAliveReads();

    private KeepAliveReads() {
    }

    /**
     * Adds the handler behind the HTTP codec of a new connection; a connection without that codec is left alone. Call
     * it from the server's {@code doOnChannelInit}.
     */
    public static void install(Channel channel) {
        if (channel.pipeline().get(NettyPipeline.HttpCodec) != null) {
            channel.pipeline().addAfter(NettyPipeline.HttpCodec, "taskpoll.keepAliveReads", INSTANCE);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof LastHttpContent)) {
            ctx.write(msg, promise);
            return;
        }
        ChannelPromise p = promise.unvoid();
        // after the server's own bookkeeping for this answer (it runs in the task now executing)
        p.addListener(f -> ctx.channel().eventLoop().execute(() -> {
            if (f.isSuccess() && ctx.channel().isActive()) {
                ctx.channel().read();
            }
        }));
        ctx.write(msg, p);
    }
}
