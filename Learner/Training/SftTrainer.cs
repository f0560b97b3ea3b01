using TorchSharp;
using Vrm.Policy;
using static TorchSharp.torch;

namespace Vrm.Learner.Training;

/// <summary>One SFT step's numbers.</summary>
public sealed record SftStepStats(int Step, double Loss, double TokenAccuracy, double GradNorm, double LearningRate, double Seconds);

/// <summary>
/// Teacher-forced cross-entropy on the completion (<c>&lt;think&gt;…&lt;/think&gt;&lt;answer&gt;…&lt;/answer&gt;</c>)
/// given BOS + image + prompt. The vision encoder is frozen (LLaVA stage 2), so only W and φ learn.
/// </summary>
public sealed class SftTrainer
{
    private readonly VrmModel _model;
    private readonly ExampleSet _data;
    private readonly IReadOnlyList<int[]> _targets;
    private readonly VrmTokenizer _tokenizer;
    private readonly SftOptions _options;
    private readonly optim.Optimizer _optimizer;
    private readonly LearningRateSchedule _schedule;
    private readonly SeededShuffle _cursor;

    public SftTrainer(VrmModel model, ExampleSet data, VrmTokenizer tokenizer, SftOptions options)
    {
        options.Validate();
        _model = model;
        _data = data;
        _tokenizer = tokenizer;
        _options = options;
        // The SFT target is the reasoning trace when the dataset has one, else the bare solution.
        _targets = data.Examples.Select(e => tokenizer.Encode(e.Reasoning ?? e.Solution)).ToArray();
        if (!options.TrainVision) model.FreezeVision();
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        _optimizer = optim.AdamW(trainable, options.LearningRate, weight_decay: options.WeightDecay);
        _schedule = new LearningRateSchedule(options.LearningRate, options.WarmupSteps, options.Steps, options.Schedule);
        _cursor = new SeededShuffle(data.Count, options.Seed);
    }

    public IEnumerable<SftStepStats> Run()
    {
        _model.train();
        for (int step = 0; step < _options.Steps; step++)
            yield return Step(step);
        _model.eval();
    }

    public SftStepStats Step(int step)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var rows = _cursor.Next(_options.BatchSize);
        double lr = _schedule.At(step);
        foreach (var g in _optimizer.ParamGroups) g.LearningRate = lr;
        using var scope = NewDisposeScope();
        var images = _data.ImagesOf(rows);                                            // [B, 3, S, S]
        var prompts = rows.Select(r => _data.PromptIds[r]).ToList();
        var completions = rows.Select(r => _targets[r]).ToList();
        using var layout = _model.Layout(prompts, completions, _tokenizer.Bos, _tokenizer.Pad);
        var logits = _model.Forward(images, layout);                                  // [B, Tc, V]
        var mask = layout.CompletionMask;                                             // [B, Tc]
        var nll = nn.functional.cross_entropy(logits.flatten(0, 1), layout.Targets.flatten(), reduction: nn.Reduction.None)
                    .view(mask.shape);                                                // [B, Tc]
        var loss = (nll * mask).sum() / mask.sum();
        _optimizer.zero_grad();
        loss.backward();
        double gradNorm = nn.utils.clip_grad_norm_(_model.parameters().Where(p => p.requires_grad), _options.MaxGradNorm);
        _optimizer.step();
        double acc;
        using (no_grad())
        {
            var hit = logits.argmax(-1).eq(layout.Targets).to(ScalarType.Float32) * mask; // [B, Tc]
            acc = (hit.sum() / mask.sum()).item<float>();
        }
        return new SftStepStats(step, loss.item<float>(), acc, gradNorm, lr, started.Elapsed.TotalSeconds);
    }
}
