namespace Vrm.Data;

/// <summary>An image file or buffer that could not be read or decoded; the message says which and why.</summary>
public sealed class ImageDecodeException(string message, Exception? inner = null) : Exception(message, inner);
