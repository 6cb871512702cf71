package dev.aichatroom.voice.speech;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;

/**
 * Mono 16-bit audio at one sample rate. Immutable by convention: nothing writes into {@link #samples()} after
 * construction.
 */
public record Pcm(short[] samples, int sampleRate) {
    public Pcm {
        if (sampleRate < 1000 || sampleRate > 192_000) {
            throw new IllegalArgumentException("sample rate " + sampleRate + " Hz");
        }
    }

    public static Pcm silence(Duration length, int sampleRate) {
        return new Pcm(new short[(int) (length.toMillis() * sampleRate / 1000)], sampleRate);
    }

    public Duration duration() {
        return Duration.ofMillis(samples.length * 1000L / sampleRate);
    }

    /** Little-endian bytes, as WAV data and WebRTC frames carry them. */
    public byte[] littleEndian() {
        ByteBuffer b = ByteBuffer.allocate(samples.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(samples);
        return b.array();
    }

    public static Pcm fromLittleEndian(byte[] bytes, int offset, int length, int sampleRate) {
        short[] s = new short[length / 2];
        ByteBuffer.wrap(bytes, offset, length)
                .order(ByteOrder.LITTLE_ENDIAN)
                .asShortBuffer()
                .get(s);
        return new Pcm(s, sampleRate);
    }

    /** Root mean square level in dBFS (-∞ … 0); -120 for silence. */
    public double levelDbfs() {
        if (samples.length == 0) {
            return -120;
        }
        double sum = 0;
        for (short s : samples) {
            sum += (double) s * s;
        }
        double rms = Math.sqrt(sum / samples.length) / 32768.0;
        return rms <= 1e-6 ? -120 : 20 * Math.log10(rms);
    }

    /**
     * This audio at another rate: a moving-average low-pass when the rate goes down (against aliasing), then linear
     * interpolation. Good enough for speech engines and the 48 kHz WebRTC path.
     */
    public Pcm resample(int rate) {
        if (rate == sampleRate || samples.length == 0) {
            return rate == sampleRate ? this : new Pcm(samples, rate);
        }
        short[] source = rate < sampleRate ? lowPass((int) Math.round((double) sampleRate / rate)) : samples;
        int n = (int) ((long) samples.length * rate / sampleRate);
        short[] out = new short[n];
        double step = (double) sampleRate / rate;
        for (int i = 0; i < n; i++) {
            double pos = i * step;
            int j = (int) pos;
            double frac = pos - j;
            int a = source[Math.min(j, source.length - 1)];
            int b = source[Math.min(j + 1, source.length - 1)];
            out[i] = (short) Math.round(a + (b - a) * frac);
        }
        return new Pcm(out, rate);
    }

    private short[] lowPass(int width) {
        if (width <= 1) {
            return samples;
        }
        short[] out = new short[samples.length];
        long sum = 0;
        for (int i = 0; i < samples.length; i++) {
            sum += samples[i];
            if (i >= width) {
                sum -= samples[i - width];
            }
            out[i] = (short) (sum / Math.min(i + 1, width));
        }
        return out;
    }

    /** A RIFF/WAVE file of this audio. */
    public byte[] wav() {
        byte[] data = littleEndian();
        ByteBuffer h = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        h.put("RIFF".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(36 + data.length);
        h.put("WAVEfmt ".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(16);
        h.putShort((short) 1).putShort((short) 1).putInt(sampleRate).putInt(sampleRate * 2);
        h.putShort((short) 2).putShort((short) 16);
        h.put("data".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(data.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream(44 + data.length);
        out.writeBytes(h.array());
        out.writeBytes(data);
        return out.toByteArray();
    }

    /**
     * Reads a WAV file of 16-bit PCM (any channel count: the first channel is kept), tolerating the streamed form whose
     * sizes are 0 or -1 (espeak-ng writing to a pipe).
     *
     * @throws SpeechException when it is not such a file
     */
    public static Pcm fromWav(byte[] wav) {
        ByteBuffer b = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        if (wav.length < 12 || b.getInt(0) != 0x46464952 || b.getInt(8) != 0x45564157) {
            throw new SpeechException("not a WAV file (" + wav.length + " bytes)");
        }
        int pos = 12;
        int channels = 0;
        int rate = 0;
        int bits = 0;
        while (pos + 8 <= wav.length) {
            int id = b.getInt(pos);
            int size = b.getInt(pos + 4);
            if (id == 0x20746d66) { // "fmt "
                channels = b.getShort(pos + 10);
                rate = b.getInt(pos + 12);
                bits = b.getShort(pos + 22);
            } else if (id == 0x61746164) { // "data"
                if (bits != 16 || channels < 1) {
                    throw new SpeechException(
                            "WAV is " + bits + "-bit with " + channels + " channels; need 16-bit PCM");
                }
                int start = pos + 8;
                int length = size <= 0 || start + size > wav.length ? wav.length - start : size;
                Pcm all = fromLittleEndian(wav, start, length - length % (2 * channels), rate);
                return channels == 1 ? all : firstChannel(all, channels);
            }
            pos += 8 + Math.max(0, size) + (size & 1);
        }
        throw new SpeechException("WAV without a data chunk");
    }

    private static Pcm firstChannel(Pcm interleaved, int channels) {
        short[] out = new short[interleaved.samples.length / channels];
        for (int i = 0; i < out.length; i++) {
            out[i] = interleaved.samples[i * channels];
        }
        return new Pcm(out, interleaved.sampleRate);
    }
}
