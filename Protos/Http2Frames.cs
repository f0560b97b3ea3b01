using System.Buffers.Binary;

namespace Vrm.Protos;

/// <summary>HTTP/2 frame types (RFC 9113 §6) used by the weight push's own framing on both ends.</summary>
public enum Http2FrameType : byte { Data = 0, Headers = 1, Priority = 2, RstStream = 3, Settings = 4, Ping = 6, GoAway = 7, WindowUpdate = 8, Continuation = 9 }

/// <summary>
/// The frame-level wire helpers shared by the learner's push sender (WeightPushConnection) and the worker's bulk
/// receiver (BulkPushConnection): one encoding of frame headers and settings, so the two ends cannot drift apart.
/// </summary>
public static class Http2Frames
{
    public const int HeaderLength = 9;
    public const int SettingLength = 6;

    /// <summary>9-byte frame header: 24-bit length, type, flags, 31-bit stream id, all big-endian.</summary>
    public static void WriteHeader(Span<byte> to, int length, Http2FrameType type, byte flags, int streamId)
    {
        to[0] = (byte)(length >> 16);
        to[1] = (byte)(length >> 8);
        to[2] = (byte)length;
        to[3] = (byte)type;
        to[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(to[5..], streamId);
    }

    /// <summary>One SETTINGS entry: 16-bit id, 32-bit value.</summary>
    public static void WriteSetting(Span<byte> to, ushort id, uint value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(to, id);
        BinaryPrimitives.WriteUInt32BigEndian(to[2..], value);
    }
}
