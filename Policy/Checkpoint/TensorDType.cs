using TorchSharp;

namespace Vrm.Policy;

/// <summary>The dtype names the safetensors format and the weight-snapshot layout use, and their torch types.</summary>
public static class TensorDType
{
    private static readonly (string Name, torch.ScalarType Type, int Size)[] Known =
    [
        ("F32", torch.ScalarType.Float32, 4), ("F64", torch.ScalarType.Float64, 8),
        ("F16", torch.ScalarType.Float16, 2), ("BF16", torch.ScalarType.BFloat16, 2),
        ("I64", torch.ScalarType.Int64, 8), ("I32", torch.ScalarType.Int32, 4),
        ("I16", torch.ScalarType.Int16, 2), ("I8", torch.ScalarType.Int8, 1),
        ("U8", torch.ScalarType.Byte, 1), ("BOOL", torch.ScalarType.Bool, 1),
    ];

    public static string NameOf(torch.ScalarType type)
    {
        foreach (var k in Known) if (k.Type == type) return k.Name;
        throw new NotSupportedException($"tensor dtype {type} has no safetensors name");
    }

    public static bool TryParse(string name, out torch.ScalarType type, out int elementSize)
    {
        foreach (var k in Known)
            if (k.Name == name) { type = k.Type; elementSize = k.Size; return true; }
        type = default; elementSize = 0;
        return false;
    }

    public static int SizeOf(torch.ScalarType type)
    {
        foreach (var k in Known) if (k.Type == type) return k.Size;
        throw new NotSupportedException($"tensor dtype {type} has no safetensors name");
    }
}
