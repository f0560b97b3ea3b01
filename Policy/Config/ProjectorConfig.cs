namespace Vrm.Policy.Config;

/// <summary>Projector kinds: LLaVA's linear map, or LLaVA-1.5's 2-layer MLP with GELU.</summary>
public enum ProjectorKind { Linear, Mlp2xGelu }

/// <summary>The modality projector W: [B, P, D_vit] → [B, P, D_lm].</summary>
public sealed record ProjectorConfig
{
    /// <summary>Linear or 2-layer MLP with GELU.</summary>
    public ProjectorKind Kind { get; init; } = ProjectorKind.Mlp2xGelu;

    public void Validate() { if (!Enum.IsDefined(Kind)) throw new ArgumentException($"projector: unknown Kind {Kind}"); }
}
