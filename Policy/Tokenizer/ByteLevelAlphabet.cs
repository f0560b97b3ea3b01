namespace Vrm.Policy;

/// <summary>
/// GPT-2's reversible byte → printable-char map, which Microsoft.ML.Tokenizers' byte-level BPE uses
/// (space is 'Ġ', newline 'Ċ', …). Vocabulary entries are written in this alphabet, so the 256 one-char
/// tokens are exactly the 256 bytes: every UTF-8 string is expressible, which is what makes encoding lossless.
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = Build();
    private static readonly Dictionary<char, byte> CharToByte =
        Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    private static char[] Build()
    {
        // Printable Latin-1 bytes map to themselves; the other 68 (controls, space, NBSP, soft hyphen)
        // are shifted to U+0100.. in byte order — the table from GPT-2's encoder.py.
        var map = new char[256];
        int shifted = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)(256 + shifted++);
        }
        return map;
    }

    public static char ToChar(byte b) => ByteToChar[b];

    public static bool TryToByte(char c, out byte b) => CharToByte.TryGetValue(c, out b);

    /// <summary>The byte-level spelling of a text's UTF-8 bytes (what vocabulary entries and merges are written in).</summary>
    public static string Spell(string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = ByteToChar[bytes[i]];
        return new string(chars);
    }
}
