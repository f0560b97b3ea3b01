using TorchSharp;
using Vrm.Data;
using Vrm.Data.ShapesWorld;

namespace Vrm.Policy.Tests;

public class ExampleSetTests
{
    /// <summary>Runs <paramref name="body"/> on a fresh ShapesWorld count dataset of <paramref name="train"/> examples, then deletes it.</summary>
    private static void WithDataset(int train, Action<string> body)
    {
        var dir = Directory.CreateTempSubdirectory("vrm-exampleset").FullName;
        try
        {
            new ShapesWorldGenerator().Write(dir, new ShapesWorldRequest(7, [TaskNames.Count], new Dictionary<string, int> { [Splits.Train] = train }));
            body(dir);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static ExampleSet Load(string dir, Config.VisionConfig vision, bool skipInvalid = false) =>
        ExampleSet.Load(dir, Splits.Train, [TaskNames.Count], vision, VrmTokenizer.Default, PromptTemplate.Default, skipInvalid: skipInvalid);

    [Fact]
    public void An_undecodable_image_is_refused_naming_its_example_and_file() => WithDataset(4, dir =>
    {
        var vision = TinyModel.Config.Vision;
        using (var good = Load(dir, vision))
        using (var all = good.ImagesOf([0, 1, 2, 3]))
            Assert.Equal([4L, 3, vision.ImageSize, vision.ImageSize], all.shape);

        var victim = DatasetReader.Load(dir).Examples[2];
        File.WriteAllBytes(victim.ImagePath, "not a png"u8.ToArray());
        // The reader only checks the file exists (ExampleSet decodes each image once); the decode names the damage.
        var e = Assert.Throws<InvalidDataException>(() => Load(dir, vision));
        Assert.Contains($"example '{victim.Id}'", e.Message);
        Assert.Contains(victim.ImagePath, e.Message);
        // Skipping invalid lines still drops it instead.
        using var skipped = Load(dir, vision, skipInvalid: true);
        Assert.Equal(3, skipped.Count);
        Assert.DoesNotContain(skipped.Examples, x => x.Id == victim.Id);
    });

    [Fact]
    public void Images_at_the_encoder_size_stay_8_bit_and_give_the_float_batch_bit_for_bit() => WithDataset(4, dir =>
    {
        var vision = TinyModel.Config.Vision with { ImageSize = 64 };                 // ShapesWorld draws 64×64
        using var set = Load(dir, vision);
        Assert.Equal(4L * 3 * 64 * 64, set.ImageBytes);                                // a byte per value, not four

        var decoded = set.Examples.Select(e => ImageDecoder.Decode(e.ImagePath)).Select(d => (d.Rgb, d.Width, d.Height)).ToList();
        using var floats = ImageTensor.Batch(decoded, vision);                          // [4, 3, 64, 64]
        int[] rows = [2, 0, 2];
        using var got = set.ImagesOf(rows);                                             // [3, 3, 64, 64]
        using var idx = torch.tensor(rows.Select(r => (long)r).ToArray());
        using var want = floats.index_select(0, idx);
        Assert.Equal(want.shape, got.shape);
        Assert.True(got.allclose(want, rtol: 0, atol: 0), "8-bit storage changed the pixels the model sees");

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => set.ImagesOf([1, 4]));
        Assert.Contains("row 4", e.Message);
    });

    [Fact]
    public void Images_that_need_resizing_are_kept_as_one_float_tensor() => WithDataset(3, dir =>
    {
        var vision = TinyModel.Config.Vision;                                           // 16×16: every 64×64 image is resized
        using var set = Load(dir, vision);
        Assert.Equal(3L * 3 * 16 * 16 * sizeof(float), set.ImageBytes);
        using var got = set.ImagesOf([1]);
        var d = ImageDecoder.Decode(set.Examples[1].ImagePath);
        using var want = ImageTensor.FromRgb(d.Rgb, d.Width, d.Height, vision);
        Assert.True(got[0].allclose(want, rtol: 0, atol: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => set.ImagesOf([3]));
    });
}
