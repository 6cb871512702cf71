package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

class InputBacklogTest {
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final RecvByteBufAllocator.ExtendedHandle reads =
            (RecvByteBufAllocator.ExtendedHandle) new InputBacklog.Reads().newHandle();

    @Test
    void a_paused_connection_reads_one_kibibyte_at_a_time_and_a_resumed_one_reads_as_netty_adapts() {
        reads.reset(channel.config());
        int free = reads.guess();
        assertThat(free).as("Netty's adaptive first read").isGreaterThan(InputBacklog.PAUSED_READ_BYTES);

        channel.config().setAutoRead(false); // what InputBacklog does to pause a connection
        reads.reset(channel.config());
        ByteBuf paused = reads.allocate(UnpooledByteBufAllocator.DEFAULT);
        assertThat(paused.writableBytes()).isEqualTo(InputBacklog.PAUSED_READ_BYTES);
        paused.release();
        reads.lastBytesRead(InputBacklog.PAUSED_READ_BYTES);
        reads.incMessagesRead(1);
        assertThat(reads.continueReading()).as("one read per read asked for").isFalse();

        channel.config().setAutoRead(true);
        reads.reset(channel.config());
        assertThat(reads.guess()).isGreaterThan(InputBacklog.PAUSED_READ_BYTES);
    }
}
