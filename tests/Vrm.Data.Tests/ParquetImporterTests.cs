using System.Text.Json.Serialization;
using Parquet.Serialization;
using SkiaSharp;
using Vrm.Data.ShapesWorld;

namespace Vrm.Data.Tests;

public class ParquetImporterTests
{
    // Hugging Face `datasets` writes an Image feature as a struct {bytes: binary, path: string}.
    public sealed class HfImage
    {
        [JsonPropertyName("bytes")] public byte[]? Bytes { get; set; }
        [JsonPropertyName("path")] public string? Path { get; set; }
    }

    public sealed class HfRow
    {
        [JsonPropertyName("image")] public HfImage? Image { get; set; }
        [JsonPropertyName("problem")] public string? Problem { get; set; }
        [JsonPropertyName("solution")] public string? Solution { get; set; }
    }

    // Other exports keep the image as a plain binary column and name the text columns question/answer.
    public sealed class RawRow
    {
        [JsonPropertyName("image")] public byte[]? Image { get; set; }
        [JsonPropertyName("question")] public string? Question { get; set; }
        [JsonPropertyName("answer")] public string? Answer { get; set; }
    }

    private static byte[] Jpeg(RgbImage img)
    {
        using var bmp = new SKBitmap(new SKImageInfo(img.Width, img.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (int y = 0; y < img.Height; y++)
            for (int x = 0; x < img.Width; x++)
            {
                var (r, g, b) = img.Pixel(x, y);
                bmp.SetPixel(x, y, new SKColor(r, g, b));
            }
        using var data = bmp.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    [Fact]
    public async Task Hf_struct_images_round_trip_into_a_loadable_dataset()
    {
        using var dir = new TempFolder();
        var gen = new ShapesWorldGenerator();
        var examples = Enumerable.Range(0, 5).Select(i => gen.Generate(3, Splits.Train, TaskNames.Count, i)).ToList();
        var jpeg = Jpeg(gen.Render(examples[4].Example.Scene!));
        var rows = examples.Select((g, i) => new HfRow
        {
            Image = new HfImage { Bytes = i == 4 ? jpeg : g.Png, Path = $"{i}.png" },
            Problem = g.Example.Problem,
            Solution = g.Example.Solution,
        }).ToList();
        var parquet = dir.File("data.parquet");
        // Row groups of 2: the importer reads one group at a time and must stitch them in order.
        await ParquetSerializer.SerializeAsync(rows, parquet, new Parquet.ParquetOptions { RowGroupSize = 2 });
        await using (var check = await Parquet.ParquetReader.CreateAsync(parquet))
            Assert.Equal(3, check.RowGroupCount);

        var result = await ParquetImporter.ImportAsync(parquet, dir.File("out"), new ParquetImportOptions { Split = "test", Task = "count" });

        Assert.Equal(5, result.RowsRead);
        Assert.Equal(5, result.Written);
        Assert.Empty(result.Faults);
        var loaded = DatasetReader.Load(dir.File("out"));
        Assert.Equal(5, loaded.Loaded);
        for (int i = 0; i < 5; i++)
        {
            var e = loaded.Examples[i];
            Assert.Equal(examples[i].Example.Problem, e.Problem);
            Assert.Equal(examples[i].Example.Answer, e.Answer);
            Assert.Equal(("test", "count"), (e.Split, e.Task));
            var original = i == 4 ? jpeg : examples[i].Png;
            Assert.Equal(original, File.ReadAllBytes(e.ImagePath));   // image bytes kept as they were
        }
        Assert.EndsWith(".jpg", loaded.Examples[4].ImagePath);
        Assert.EndsWith(".png", loaded.Examples[0].ImagePath);
    }

    [Fact]
    public async Task Raw_binary_image_column_and_question_answer_names_import_with_answers_wrapped()
    {
        using var dir = new TempFolder();
        var g = new ShapesWorldGenerator().Generate(1, Splits.Train, TaskNames.Classify, 0);
        var parquet = dir.File("raw.parquet");
        await ParquetSerializer.SerializeAsync(new[] { new RawRow { Image = g.Png, Question = "What shape is this?", Answer = g.Example.Answer } }, parquet);

        var result = await ParquetImporter.ImportAsync(parquet, dir.File("out"));

        var e = DatasetReader.Load(result.JsonlPath).Examples.Single();
        Assert.Equal($"<answer>{g.Example.Answer}</answer>", e.Solution);
        Assert.Equal("What shape is this?", e.Problem);
        Assert.Equal(ImageDecoder.Decode(g.Png).Rgb, ImageDecoder.Decode(e.ImagePath).Rgb);
    }

    [Fact]
    public async Task Bad_rows_refuse_the_import_and_leave_nothing_behind_unless_skipping()
    {
        using var dir = new TempFolder();
        var png = new ShapesWorldGenerator().Generate(1, Splits.Train, TaskNames.Count, 0).Png;
        var rows = new List<HfRow>
        {
            new() { Image = new HfImage { Bytes = png }, Problem = "Q?", Solution = "<answer>1</answer>" },
            new() { Image = new HfImage { Bytes = null, Path = "elsewhere.png" }, Problem = "Q?", Solution = "<answer>1</answer>" },
            new() { Image = new HfImage { Bytes = "nope"u8.ToArray() }, Problem = "Q?", Solution = "<answer>1</answer>" },
            new() { Image = new HfImage { Bytes = png }, Problem = null, Solution = "<answer>1</answer>" },
            new() { Image = new HfImage { Bytes = png }, Problem = "Q?", Solution = "<answer></answer>" },
        };
        var parquet = dir.File("bad.parquet");
        await ParquetSerializer.SerializeAsync(rows, parquet);

        var e = await Assert.ThrowsAsync<DatasetInvalidException>(() => ParquetImporter.ImportAsync(parquet, dir.File("out")));
        Assert.Equal(
            [(2, DatasetFaultKind.MissingImage), (3, DatasetFaultKind.UndecodableImage), (4, DatasetFaultKind.MissingField), (5, DatasetFaultKind.EmptyAnswer)],
            e.Faults.Select(f => (f.Line, f.Kind)));
        Assert.Contains("elsewhere.png", e.Faults[0].Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.File("out"), "*", SearchOption.AllDirectories));

        var skipped = await ParquetImporter.ImportAsync(parquet, dir.File("out"), new ParquetImportOptions { SkipInvalid = true });
        Assert.Equal((5, 1, 4), (skipped.RowsRead, skipped.Written, skipped.Faults.Count));
        Assert.Single(DatasetReader.Load(dir.File("out")).Examples);
    }

    [Fact]
    public async Task A_file_that_is_not_parquet_is_refused_with_a_clear_fault()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("fake.parquet"), "definitely not parquet");
        var e = await Assert.ThrowsAsync<DatasetInvalidException>(() => ParquetImporter.ImportAsync(dir.File("fake.parquet"), dir.File("out")));
        Assert.Equal(DatasetFaultKind.UnreadableFile, e.Faults.Single().Kind);
        Assert.Contains("not a readable Parquet file", e.Faults.Single().Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.File("out"), "*", SearchOption.AllDirectories));
    }
}
