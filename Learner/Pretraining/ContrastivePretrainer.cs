using TorchSharp;
using TorchSharp.Modules;
using Vrm.Learner.Training;
using Vrm.Policy;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Vrm.Learner.Pretraining;

/// <param name="SceneLoss">The scene-supervised part of <paramref name="Loss"/> (0 when off).</param>
public sealed record ContrastiveStepStats(int Step, double Loss, double BatchAccuracy, double Temperature, double Seconds, double SceneLoss = 0);

/// <summary>Held-out per-patch accuracy of the scene heads, over the patches an object covers (background excluded).</summary>
public sealed record ScenePatchResult(int ObjectPatches, double ColorAccuracy, double ShapeAccuracy);

/// <summary>Held-out image→caption retrieval: top-1 over every distinct caption of the held-out set.</summary>
public sealed record RetrievalResult(int Images, int Candidates, double Top1Accuracy, double Chance);

/// <summary>
/// CLIP-style stage 1: the VRM's vision encoder (mean-pooled patch features → linear head) and a small
/// caption encoder are trained with a symmetric InfoNCE loss and a learned temperature. Identical captions
/// in a batch are all positives (soft targets), so duplicate scenes are not pushed apart. With
/// <see cref="ContrastiveOptions.SceneWeight"/> &gt; 0, two linear heads on the patch features also predict each patch's
/// object colour and shape (<see cref="ScenePatchLabels"/>), and their cross-entropy is added to the loss.
/// </summary>
public sealed class ContrastivePretrainer
{
    // Held Scalars: a temporary from a C# number can be finalized while libtorch reads it (Vrm.Policy.Scalars).
    private static readonly Scalar MaxLogitScale = ((float)Math.Log(100)).ToScalar();
    private static readonly Scalar Two = 2.0.ToScalar();
    private readonly VrmModel _model;
    private readonly VrmTokenizer _tokenizer;
    private readonly ContrastiveOptions _options;
    private readonly CaptionEncoder _text;
    private readonly Linear _imageHead;
    private readonly Parameter _logitScale;
    private readonly Linear? _colorHead;
    private readonly Linear? _shapeHead;
    private readonly optim.Optimizer _optimizer;
    private readonly LearningRateSchedule _schedule;

    public ContrastivePretrainer(VrmModel model, VrmTokenizer tokenizer, ContrastiveOptions options)
    {
        options.Validate();
        _model = model;
        _tokenizer = tokenizer;
        _options = options;
        _text = new CaptionEncoder(tokenizer.VocabSize, options.TextDim, options.TextLayers, options.TextHeads, options.MaxCaptionTokens, options.EmbedDim);
        _imageHead = nn.Linear(model.Config.Vision.Dim, options.EmbedDim, hasBias: false);
        _logitScale = nn.Parameter(tensor((float)Math.Log(1 / 0.07)));  // CLIP's init
        var parameters = model.Vision.parameters().Concat(_text.parameters()).Concat(_imageHead.parameters()).Append(_logitScale).ToList();
        if (options.SceneWeight > 0)
        {
            _colorHead = nn.Linear(model.Config.Vision.Dim, ScenePatchLabels.ColorClasses);
            _shapeHead = nn.Linear(model.Config.Vision.Dim, ScenePatchLabels.ShapeClasses);
            parameters.AddRange(_colorHead.parameters().Concat(_shapeHead.parameters()));
        }
        _optimizer = optim.AdamW(parameters, options.LearningRate, weight_decay: options.WeightDecay);
        _schedule = new LearningRateSchedule(options.LearningRate, options.WarmupSteps, options.Steps, LrScheduleKind.Cosine);
    }

    public IEnumerable<ContrastiveStepStats> Run(ExampleSet train)
    {
        var captions = CaptionsOf(train);
        var labels = _options.SceneWeight > 0 ? ScenePatchLabels.Build(train.Examples, _model.Config.Vision) : null;
        using var weight = _options.SceneWeight.ToScalar();
        var cursor = new SeededShuffle(train.Count, _options.Seed);
        _model.Vision.train();
        _text.train();
        for (int step = 0; step < _options.Steps; step++)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var rows = cursor.Next(Math.Min(_options.BatchSize, train.Count));
            foreach (var g in _optimizer.ParamGroups) g.LearningRate = _schedule.At(step);
            double loss, acc, temp, sceneLoss = 0;
            using (var scope = NewDisposeScope())
            {
                var patches = _model.Vision.forward(train.ImagesOf(rows));            // [B, P, D_vit]
                var img = EmbedPatches(patches);                                       // [B, E] unit norm
                var txt = EmbedCaptions(rows.Select(r => captions[r]).ToList());      // [B, E] unit norm
                var scale = _logitScale.clamp_max(MaxLogitScale).exp();               // CLIP caps at 100
                var logits = scale * img.matmul(txt.t());                              // [B, B]
                var same = SameCaption(rows.Select(r => captions[r]).ToList());       // [B, B] soft targets
                var lossI = -(same * logits.log_softmax(1)).sum(1).mean();
                var lossT = -(same.t() * logits.t().log_softmax(1)).sum(1).mean();
                var total = (lossI + lossT).div(Two);
                if (labels is not null)
                {
                    var scene = SceneLoss(patches, labels, rows);
                    sceneLoss = scene.item<float>();
                    total = total + scene.mul(weight);
                }
                _optimizer.zero_grad();
                total.backward();
                _optimizer.step();
                using var _ = no_grad();
                var best = logits.argmax(1);                                           // [B]
                acc = same.gather(1, best.unsqueeze(1)).gt(0).to(ScalarType.Float32).mean().item<float>();
                loss = total.item<float>();
                temp = 1 / scale.item<float>();
            }
            yield return new ContrastiveStepStats(step, loss, acc, temp, started.Elapsed.TotalSeconds, sceneLoss);
        }
        _model.Vision.eval();
        _text.eval();
    }

    /// <summary>For each held-out image, the nearest of all distinct held-out captions; correct when it is the image's own.</summary>
    public RetrievalResult Evaluate(ExampleSet heldOut)
    {
        var captions = CaptionsOf(heldOut);
        var distinct = captions.Distinct(StringComparer.Ordinal).ToList();
        var index = distinct.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        _model.Vision.eval();
        _text.eval();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var txt = cat(Chunks(distinct.Count, 256).Select(r => EmbedCaptions(r.Select(i => distinct[i]).ToList())).ToArray()); // [C, E]
        int correct = 0;
        foreach (var chunk in Chunks(heldOut.Count, 256))
        {
            var img = EmbedImages(heldOut.ImagesOf(chunk));                         // [b, E]
            var best = img.matmul(txt.t()).argmax(1).data<long>().ToArray();        // [b]
            for (int j = 0; j < chunk.Count; j++)
                if (best[j] == index[captions[chunk[j]]]) correct++;
        }
        return new RetrievalResult(heldOut.Count, distinct.Count, (double)correct / heldOut.Count, 1.0 / distinct.Count);
    }

    /// <summary>Colour + shape cross-entropy of the scene heads over every labelled patch of <paramref name="rows"/>.</summary>
    private Tensor SceneLoss(Tensor patches, ScenePatchLabels labels, IReadOnlyList<int> rows)
    {
        // A batch of charts only has no labelled patch: cross-entropy would be NaN (0/0), so it adds nothing instead.
        if (!rows.Any(r => labels.IsLabelled(r))) return zeros(1).sum();
        var (color, shape) = LabelsOf(labels, rows);                                  // [B*P] each
        var flat = patches.reshape(-1, patches.shape[2]);                            // [B*P, D_vit]
        var lc = F.cross_entropy(_colorHead!.forward(flat), color, ignore_index: ScenePatchLabels.Ignore);
        var ls = F.cross_entropy(_shapeHead!.forward(flat), shape, ignore_index: ScenePatchLabels.Ignore);
        return lc + ls;
    }

    private static (Tensor Color, Tensor Shape) LabelsOf(ScenePatchLabels labels, IReadOnlyList<int> rows)
    {
        int p = labels.Patches;
        var color = new long[rows.Count * p];
        var shape = new long[rows.Count * p];
        for (int i = 0; i < rows.Count; i++)
        {
            Array.Copy(labels.Color, rows[i] * p, color, i * p, p);
            Array.Copy(labels.Shape, rows[i] * p, shape, i * p, p);
        }
        return (tensor(color), tensor(shape));
    }

    /// <summary>Held-out accuracy of the scene heads on the patches an object covers; null when the heads are off.</summary>
    public ScenePatchResult? EvaluateScene(ExampleSet heldOut)
    {
        if (_colorHead is null || _shapeHead is null) return null;
        var labels = ScenePatchLabels.Build(heldOut.Examples, _model.Config.Vision);
        _model.Vision.eval();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        long objects = 0, colorRight = 0, shapeRight = 0;
        foreach (var chunk in Chunks(heldOut.Count, 256))
        {
            var (color, shape) = LabelsOf(labels, chunk);                            // [b*P]
            var flat = _model.Vision.forward(heldOut.ImagesOf(chunk)).reshape(-1, _model.Config.Vision.Dim); // [b*P, D_vit]
            var obj = color.gt(ScenePatchLabels.Background);                          // [b*P] covered by an object
            objects += obj.sum().item<long>();
            colorRight += _colorHead.forward(flat).argmax(1).eq(color).logical_and(obj).sum().item<long>();
            shapeRight += _shapeHead.forward(flat).argmax(1).eq(shape).logical_and(obj).sum().item<long>();
        }
        double Share(long right) => objects == 0 ? 0 : (double)right / objects;
        return new ScenePatchResult((int)objects, Share(colorRight), Share(shapeRight));
    }

    private Tensor EmbedImages(Tensor images) => EmbedPatches(_model.Vision.forward(images));  // [B, P, D_vit] → [B, E]

    private Tensor EmbedPatches(Tensor patches) =>
        F.normalize(_imageHead.forward(patches.mean([1])), dim: 1);                 // [B, P, D_vit] → [B, E] unit norm

    private Tensor EmbedCaptions(IReadOnlyList<string> captions)
    {
        int b = captions.Count, max = _options.MaxCaptionTokens;
        var encoded = captions.Select(c => _tokenizer.Encode(c)).Select(ids => ids.Length > max ? ids[..max] : ids).ToList();
        int len = Math.Max(1, encoded.Max(e => e.Length));
        var ids = new long[b * len];
        var valid = new bool[b * len];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < encoded[i].Length; j++) { ids[i * len + j] = encoded[i][j]; valid[i * len + j] = true; }
        for (int i = 0; i < b; i++) if (encoded[i].Length == 0) valid[i * len] = true; // an empty caption still pools something
        var t = tensor(ids, [b, len]);
        var v = tensor(valid, [b, len]);
        return F.normalize(_text.forward(t, v), dim: 1);                             // [B, E]
    }

    private static Tensor SameCaption(IReadOnlyList<string> captions)
    {
        int b = captions.Count;
        var m = new float[b * b];
        for (int i = 0; i < b; i++)
        {
            int n = 0;
            for (int j = 0; j < b; j++) if (captions[i] == captions[j]) n++;
            for (int j = 0; j < b; j++) if (captions[i] == captions[j]) m[i * b + j] = 1f / n;
        }
        return tensor(m, [b, b]);                                                    // rows sum to 1
    }

    private static List<string> CaptionsOf(ExampleSet set)
    {
        var missing = set.Examples.FirstOrDefault(e => string.IsNullOrWhiteSpace(e.Caption));
        if (missing is not null)
            throw new InvalidDataException($"example '{missing.Id}' has no caption: contrastive pretraining needs the 'caption' field (ShapesWorld writes it)");
        return set.Examples.Select(e => e.Caption!).ToList();
    }

    private static IEnumerable<List<int>> Chunks(int count, int size)
    {
        for (int i = 0; i < count; i += size) yield return Enumerable.Range(i, Math.Min(size, count - i)).ToList();
    }
}
