using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Policy.Tests;

/// <summary>Native memory must not grow with steps (FINDINGS: without dispose scopes it grew ~265 MB/step).</summary>
public class MemoryFlatTests
{
    [Fact]
    public void Rss_after_step_200_is_within_10_percent_of_step_20_under_mixed_sampling_and_training()
    {
        var model = TinyModel.Create();
        model.FreezeVision();
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        using var opt = optim.AdamW(trainable, lr: 1e-3);
        using var images = TinyModel.Images(2);
        var prompts = TinyModel.Prompts(2);
        long rss20 = 0, rss200 = 0;
        var sw = Stopwatch.StartNew();
        // Steps -59..0 warm up, uncounted. Measured alone on a quiet machine, RSS rose 240 → 250–268 MB between steps 20
        // and 80 (JIT tiering, allocator arenas) and then stayed within 0.3 MB up to step 800: a one-off warm-up, not a
        // per-step leak. Counted from step 20, that warm-up failed the 10 % bar whenever this test ran with nothing beside it.
        for (int step = -59; step <= 200; step++)
        {
            using (var scope = NewDisposeScope())
            {
                var batch = Sampler.Generate(model, images, prompts, 2, TinyModel.Params(8, seed: (ulong)step));
                using var rowImages = images.repeat_interleave(2, 0);
                var rowPrompts = batch.Rows.Select(r => prompts[r.PromptIndex]).ToArray();
                var s = Scorer.Score(model, rowImages, rowPrompts, batch.Rows.Select(r => r.Tokens).ToArray(), withGrad: true);
                var loss = s.LogProbs.sum().neg().div(s.Mask.sum());
                opt.zero_grad();
                loss.backward();
                opt.step();
            }
            if (step == 20) rss20 = Rss();
            if (step == 200) rss200 = Rss();
        }
        // No wall-clock assertion: the machine's 2 cores are shared, so time says more about neighbours than about this code.
        Assert.True(rss200 <= rss20 * 1.10, $"RSS grew from {rss20 / 1e6:F1} MB at step 20 to {rss200 / 1e6:F1} MB at step 200 ({sw.Elapsed.TotalSeconds:F0} s)");
    }

    private static long Rss()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // VmRSS from /proc: the whole process, native (libtorch) memory included.
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:"));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}
