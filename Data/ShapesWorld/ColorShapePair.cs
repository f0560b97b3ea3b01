namespace Vrm.Data.ShapesWorld;

/// <summary>A colour–shape combination, e.g. green square (held out of training CLEVR-CoGenT style).</summary>
public sealed record ColorShapePair(ShapeColor Color, ShapeKind Shape)
{
    public override string ToString() => $"{Color.Name()} {Shape.Name()}";
}
