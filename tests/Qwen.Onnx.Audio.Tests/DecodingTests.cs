using System.Buffers.Binary;
using NAudio.Wave;
using Qwen.Onnx.Audio.Loading;
using Qwen.Onnx.Audio.Resampling;

namespace Qwen.Onnx.Audio.Tests;

/// <summary>Formats and untrusted input: each gives the right samples or a typed error, never a crash or hang.</summary>
public class DecodingTests
{
    [TestCase("tone-1k-stereo-44k.wav")]
    [TestCase("tone-1k-stereo-44k.mp3")]
    [TestCase("tone-1k-stereo-44k.ogg")]
    public async Task EveryFormatDecodesTheSameTone(string file)
    {
        DecodedAudio audio = await AudioDecoding.DecodeAsync(AudioPart.FromFile(Signals.Data(file)));
        float[] mono = MonoResampler.ToMono(audio);
        double level = Signals.Amplitude(mono.AsSpan(0, Math.Min(mono.Length, 16000)), 1000, 16000, 2000);
        Assert.Multiple(() =>
        {
            Assert.That((audio.SampleRate, audio.Channels), Is.EqualTo((44100, 2)));
            Assert.That(audio.Duration.TotalSeconds, Is.EqualTo(1).Within(0.06), "MP3 and Vorbis add a few milliseconds of padding");
            Assert.That(20 * Math.Log10(level / 0.5), Is.EqualTo(0).Within(0.5));
        });
    }

    [TestCase(8)]
    [TestCase(16)]
    [TestCase(24)]
    [TestCase(32)]
    public async Task PcmWavOfEveryDepthDecodes(int bits)
    {
        float[] tone = Signals.Sine(440, 8000, 0.5, 0.5, channels: 3);
        byte[] wav = Signals.Wav(new WaveFormat(8000, bits, 3), tone);
        DecodedAudio audio = await AudioDecoding.DecodeAsync(AudioPart.FromBytes(wav));
        float worst = audio.Samples.Zip(tone, (a, b) => Math.Abs(a - b)).Max();
        Assert.Multiple(() =>
        {
            Assert.That((audio.SampleRate, audio.Channels, audio.Frames), Is.EqualTo((8000, 3, 4000)));
            Assert.That(worst, Is.LessThan(bits == 8 ? 1e-2f : 1e-4f));
        });
    }

    [Test]
    public async Task FloatAndExtensibleWavDecode()
    {
        float[] tone = Signals.Sine(440, 48000, 0.25, 0.5, channels: 2);
        DecodedAudio plain = await AudioDecoding.DecodeAsync(AudioPart.FromBytes(Signals.Wav(WaveFormat.CreateIeeeFloatWaveFormat(48000, 2), tone)));
        DecodedAudio extensible = await AudioDecoding.DecodeAsync(AudioPart.FromBytes(Signals.Wav(new WaveFormatExtensible(48000, 24, 2), tone)));
        Assert.Multiple(() =>
        {
            Assert.That(plain.Samples, Is.EqualTo(tone));
            Assert.That(extensible.Samples, Is.EqualTo(tone).Within(1e-6f));
        });
    }

    [Test]
    public async Task A16BitBufferAndAStreamDecode()
    {
        short[] pcm = [.. Signals.Sine(440, 16000, 0.1).Select(v => (short)(v * 32767))];
        DecodedAudio raw = await AudioDecoding.DecodeAsync(AudioPart.FromSamples(pcm, 16000));
        using var stream = new MemoryStream(File.ReadAllBytes(Signals.Data("tone-1k-stereo-44k.wav")));
        DecodedAudio fromStream = await AudioDecoding.DecodeAsync(AudioPart.FromStream(stream));
        Assert.Multiple(() =>
        {
            Assert.That(raw.Samples[1], Is.EqualTo(pcm[1] / 32768f));
            Assert.That(fromStream.Frames, Is.EqualTo(44100));
            Assert.That(stream.CanRead, Is.True, "the caller's stream stays open");
        });
    }

    [Test]
    public void AZeroByteFile() => AssertRejected(AudioPart.FromBytes(Array.Empty<byte>()), "empty");

    [Test]
    public void AMissingFile() => AssertRejected(AudioPart.FromFile("/no/such/audio.wav"), "does not exist");

    [Test]
    public void ATextFileNamedWav()
    {
        string path = Path.Combine(Path.GetTempPath(), $"not-audio-{Guid.NewGuid():N}.wav");
        File.WriteAllText(path, "This is a text file that only pretends to be audio.\n");
        try
        {
            AssertRejected(AudioPart.FromFile(path), "not audio");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void ATruncatedHeader()
    {
        byte[] wav = File.ReadAllBytes(Signals.Data("tone-1k-stereo-44k.wav"));
        var ex = Assert.ThrowsAsync<InvalidAudioException>(() => AudioDecoding.DecodeAsync(AudioPart.FromBytes(wav.AsMemory(0, 30))));
        Assert.That(ex!.Message, Does.Contain("truncated").Or.Contain("corrupt").Or.Contain("declares"));
    }

    [Test]
    public void AHeaderClaiming4GigabytesIsRejectedWithoutReading()
    {
        byte[] wav = Signals.Wav(new WaveFormat(16000, 16, 1), new float[100]);
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(40), 0xFFFF_FF00);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        AssertRejected(AudioPart.FromBytes(wav), "");
        Assert.That(GC.GetTotalAllocatedBytes(precise: true) - before, Is.LessThan(64 << 20));
    }

    [Test]
    public void AnAdpcmWavIsAnUnsupportedCodec()
    {
        byte[] wav = Signals.Wav(new WaveFormat(16000, 16, 1), new float[100]);
        BinaryPrimitives.WriteUInt16LittleEndian(wav.AsSpan(20), 2);
        AssertRejected(AudioPart.FromBytes(wav), "Adpcm");
    }

    [TestCase(0, 16000, "channels")]
    [TestCase(1, 0, "0 Hz")]
    public void ZeroChannelsOrZeroHertz(int channels, int rate, string message)
    {
        byte[] wav = Signals.Wav(new WaveFormat(16000, 16, 1), new float[100]);
        BinaryPrimitives.WriteUInt16LittleEndian(wav.AsSpan(22), (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(24), (uint)rate);
        AssertRejected(AudioPart.FromBytes(wav), message);
    }

    [Test]
    public void NonFiniteSamplesAreRejected()
    {
        float[] samples = Signals.Sine(440, 16000, 0.1);
        samples[7] = float.NaN;
        AssertRejected(AudioPart.FromBytes(Signals.Wav(WaveFormat.CreateIeeeFloatWaveFormat(16000, 1), samples)), "NaN");
        samples[7] = float.PositiveInfinity;
        AssertRejected(AudioPart.FromSamples(samples, 16000), "Infinity");
    }

    [Test]
    public void ATenHourFileIsRejectedByItsHeaderWithoutReadingIt()
    {
        using var stream = new HugeWavStream(TimeSpan.FromHours(10));
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var ex = Assert.ThrowsAsync<InvalidAudioException>(() => AudioDecoding.DecodeAsync(AudioPart.FromStream(stream)));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Does.Contain("10:00:00").And.Contain("MaxDuration"));
            Assert.That(stream.BytesRead, Is.LessThan(1 << 20));
            Assert.That(GC.GetTotalAllocatedBytes(precise: true) - before, Is.LessThan(16 << 20));
        });
    }

    private static void AssertRejected(AudioPart part, string message)
    {
        var ex = Assert.ThrowsAsync<InvalidAudioException>(() => AudioDecoding.DecodeAsync(part));
        Assert.That(ex!.Message, Does.Contain(message));
    }

    /// <summary>A seekable 16 kHz mono WAV of any length whose samples are produced (as silence) only when read.</summary>
    private sealed class HugeWavStream : Stream
    {
        private readonly byte[] _header;
        private readonly long _length;
        private long _position;

        public HugeWavStream(TimeSpan duration)
        {
            long data = (long)(duration.TotalSeconds * 16000) * 2;
            _header = Signals.Wav(new WaveFormat(16000, 16, 1), []);
            BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(4), (uint)Math.Min(uint.MaxValue, data + 36));
            BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(40), (uint)data);
            _length = _header.Length + data;
        }

        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => _length;

        public override long Position
        {
            get => _position;
            set => _position = value;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = (int)Math.Min(count, _length - _position);
            for (int i = 0; i < n; i++)
            {
                long at = _position + i;
                buffer[offset + i] = at < _header.Length ? _header[at] : (byte)0;
            }

            _position += n;
            BytesRead += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => _length + offset,
        };

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
