using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Learner;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter) with decoupled weight decay, written out so its whole state — step count and
/// the two moment tensors per parameter, keyed by parameter name — can be saved as safetensors and restored
/// bit for bit on resume (DESIGN §5: <c>optimizer.safetensors</c>).
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly IReadOnlyList<(string Name, Tensor Param)> _params;
    private readonly Dictionary<string, (Tensor M, Tensor V)> _moments = new(StringComparer.Ordinal);

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    public double WeightDecay { get; }
    public long StepCount { get; private set; }

    public AdamW(IEnumerable<(string Name, Tensor Param)> parameters, double weightDecay = 0.0, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        _params = parameters.Where(p => p.Param.requires_grad).ToList();
        if (_params.Count == 0) throw new ArgumentException("AdamW: no trainable parameters");
        Beta1 = beta1; Beta2 = beta2; Eps = eps; WeightDecay = weightDecay;
        foreach (var (name, p) in _params)
            _moments[name] = (zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope());
    }

    public IEnumerable<Tensor> Parameters => _params.Select(p => p.Param);

    public void ZeroGrad()
    {
        foreach (var (_, p) in _params) p.grad?.zero_();
    }

    /// <summary>One update with learning rate <paramref name="lr"/>; parameters without a gradient are skipped.</summary>
    public void Step(double lr)
    {
        StepCount++;
        double bc1 = 1 - Math.Pow(Beta1, StepCount);
        double bc2 = 1 - Math.Pow(Beta2, StepCount);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        // Explicit Scalars, alive until the end of this method: a temporary one from an implicit conversion can be
        // finalized while libtorch still reads it (Policy/Scalars.cs).
        using Scalar beta1 = Beta1.ToScalar(), oneMinusBeta1 = (1 - Beta1).ToScalar(), beta2 = Beta2.ToScalar(),
            oneMinusBeta2 = (1 - Beta2).ToScalar(), decay = (1 - lr * WeightDecay).ToScalar(), sqrtBc2 = Math.Sqrt(bc2).ToScalar(),
            eps = Eps.ToScalar(), stepSize = (-lr / bc1).ToScalar();
        foreach (var (name, p) in _params)
        {
            var g = p.grad;
            if (g is null) continue;
            var (m, v) = _moments[name];
            m.mul_(beta1).add_(g, alpha: oneMinusBeta1);                  // m ← β1 m + (1−β1) g
            v.mul_(beta2).addcmul_(g, g, value: oneMinusBeta2);           // v ← β2 v + (1−β2) g²
            if (WeightDecay > 0) p.mul_(decay);                           // decoupled decay
            var denom = v.sqrt().div_(sqrtBc2).add_(eps);
            p.addcdiv_(m, denom, value: stepSize);                       // p ← p − lr m̂ / (√v̂ + ε)
        }
    }

    /// <summary>Moments as named tensors (views of the live state) plus the step count, for a checkpoint.</summary>
    public Dictionary<string, Tensor> StateTensors()
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, (m, v)) in _moments)
        {
            state[$"exp_avg.{name}"] = m;
            state[$"exp_avg_sq.{name}"] = v;
        }
        return state;
    }

    /// <summary>Restores moments saved by <see cref="StateTensors"/>; every name and shape must match.</summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> state, long stepCount)
    {
        var problems = new List<string>();
        foreach (var (name, (m, v)) in _moments)
        {
            foreach (var (key, target) in new[] { ($"exp_avg.{name}", m), ($"exp_avg_sq.{name}", v) })
            {
                if (!state.TryGetValue(key, out var src)) { problems.Add($"missing {key}"); continue; }
                if (!src.shape.SequenceEqual(target.shape)) problems.Add($"{key}: shape [{string.Join(",", src.shape)}] != [{string.Join(",", target.shape)}]");
            }
        }
        foreach (var key in state.Keys)
            if (!_moments.ContainsKey(key.StartsWith("exp_avg_sq.") ? key["exp_avg_sq.".Length..] : key.StartsWith("exp_avg.") ? key["exp_avg.".Length..] : key))
                problems.Add($"unexpected {key}");
        if (problems.Count > 0) throw new InvalidDataException($"optimizer state does not match the model: {string.Join("; ", problems)}");
        using var _ = no_grad();
        foreach (var (name, (m, v)) in _moments)
        {
            m.copy_(state[$"exp_avg.{name}"]);
            v.copy_(state[$"exp_avg_sq.{name}"]);
        }
        StepCount = stepCount;
    }

    public void Dispose()
    {
        foreach (var (m, v) in _moments.Values) { m.Dispose(); v.Dispose(); }
        _moments.Clear();
    }
}
