using Vrm.Data;
using Vrm.Data.ShapesWorld;

namespace Vrm.Policy.Tests;

public class ExampleSetTests
{
    [Fact]
    public void An_undecodable_image_is_refused_naming_its_example_and_file()
    {
        var dir = Directory.CreateTempSubdirectory("vrm-exampleset").FullName;
        try
        {
            new ShapesWorldGenerator().Write(dir, new ShapesWorldRequest(7, [TaskNames.Count], new Dictionary<string, int> { [Splits.Train] = 4 }));
            var vision = TinyModel.Config.Vision;
            using (var good = ExampleSet.Load(dir, Splits.Train, [TaskNames.Count], vision, VrmTokenizer.Default, PromptTemplate.Default))
                Assert.Equal([4L, 3, vision.ImageSize, vision.ImageSize], good.Images.shape);

            var victim = DatasetReader.Load(dir).Examples[2];
            File.WriteAllBytes(victim.ImagePath, "not a png"u8.ToArray());
            // The reader only checks the file exists (ExampleSet decodes each image once); the decode names the damage.
            var e = Assert.Throws<InvalidDataException>(() => ExampleSet.Load(dir, Splits.Train, [TaskNames.Count], vision, VrmTokenizer.Default, PromptTemplate.Default));
            Assert.Contains($"example '{victim.Id}'", e.Message);
            Assert.Contains(victim.ImagePath, e.Message);
            // Skipping invalid lines still drops it instead.
            using var skipped = ExampleSet.Load(dir, Splits.Train, [TaskNames.Count], vision, VrmTokenizer.Default, PromptTemplate.Default, skipInvalid: true);
            Assert.Equal(3, skipped.Count);
            Assert.DoesNotContain(skipped.Examples, x => x.Id == victim.Id);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
