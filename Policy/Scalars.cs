using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Policy;

/// <summary>
/// Scalars that outlive every native call that reads them. TorchSharp turns a C# number (and the default alpha of
/// <c>Tensor.add(Tensor)</c>) into a temporary <see cref="Scalar"/> whose finalizer may free it while libtorch is still
/// reading it; seen twice in about 2,000 GRPO steps as "Expected false to be true … toFloat at c10/core/Scalar.h:140",
/// once in the vision encoder's add and once in AdamW's add_. A static Scalar is never finalized.
/// </summary>
public static class Scalars
{
    public static readonly Scalar One = 1.0.ToScalar();
}
