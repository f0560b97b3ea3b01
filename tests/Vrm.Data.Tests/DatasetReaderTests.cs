using Vrm.Data.ShapesWorld;

namespace Vrm.Data.Tests;

public class DatasetReaderTests
{
    /// <summary>A dataset with one good line and one line per fault kind, each on a known line number.</summary>
    private static (string File, Dictionary<int, DatasetFaultKind> Planted) PlantFaults(TempFolder dir)
    {
        Directory.CreateDirectory(dir.File("images"));
        var gen = new ShapesWorldGenerator();
        File.WriteAllBytes(dir.File("images/good.png"), gen.Generate(1, Splits.Train, TaskNames.Count, 0).Png);
        File.WriteAllBytes(dir.File("images/garbage.png"), "this is not a png"u8.ToArray());
        var png = gen.Generate(1, Splits.Train, TaskNames.Count, 1).Png;
        File.WriteAllBytes(dir.File("images/truncated.png"), png[..(png.Length / 2)]);

        string[] lines =
        [
            /* 1 */ """{"id": "a", "image": "images/good.png", "problem": "How many objects?", "solution": "<answer>2</answer>", "task": "count", "split": "train"}""",
            /* 2 */ """{"id": "b", "image": "images/good.png", "problem": "How many", "solution": "<answer>2</answer>" """,
            /* 3 */ """{"id": "c", "image": "images/good.png", "solution": "<answer>2</answer>"}""",
            /* 4 */ """{"id": "d", "image": "images/good.png", "problem": "Q?", "solution": 2}""",
            /* 5 */ """{"id": "e", "image": "images/good.png", "problem": "Q?", "solution": "<think>hm</think><answer>  </answer>"}""",
            /* 6 */ """{"id": "f", "image": "images/nowhere.png", "problem": "Q?", "solution": "<answer>1</answer>"}""",
            /* 7 */ """{"id": "g", "image": "images/garbage.png", "problem": "Q?", "solution": "<answer>1</answer>"}""",
            /* 8 */ """{"id": "h", "image": "images/truncated.png", "problem": "Q?", "solution": "<answer>1</answer>"}""",
            /* 9 */ """{"id": "a", "image": "images/good.png", "problem": "Q?", "solution": "<answer>1</answer>"}""",
            /* 10 */ """["not", "an", "object"]""",
            /* 11 */ "",
            /* 12 */ """{"id": "k", "image": "images/good.png", "problem": "   ", "solution": "<answer>1</answer>"}""",
            /* 13 */ """{"id": "l", "image": "images/good.png", "problem": "Q?", "solution": "<answer>1</answer>", "scene": "a red circle"}""",
            /* 14 */ """{"id": "m", "image": "images/good.png", "problem": "What shape?", "solution": "<answer>circle</answer>", "task": "classify"}""",
        ];
        var file = dir.File("train.jsonl");
        File.WriteAllLines(file, lines);
        var planted = new Dictionary<int, DatasetFaultKind>
        {
            [2] = DatasetFaultKind.BadJson, [3] = DatasetFaultKind.MissingField, [4] = DatasetFaultKind.WrongType,
            [5] = DatasetFaultKind.EmptyAnswer, [6] = DatasetFaultKind.MissingImage, [7] = DatasetFaultKind.UndecodableImage,
            [8] = DatasetFaultKind.UndecodableImage, [9] = DatasetFaultKind.DuplicateId, [10] = DatasetFaultKind.BadJson,
            [12] = DatasetFaultKind.EmptyField, [13] = DatasetFaultKind.WrongType,
        };
        return (file, planted);
    }

    [Fact]
    public void Planted_faults_refuse_the_dataset_with_every_fault_naming_file_and_line()
    {
        using var dir = new TempFolder();
        var (file, planted) = PlantFaults(dir);

        var e = Assert.Throws<DatasetInvalidException>(() => DatasetReader.Load(file));

        var found = e.Faults.ToDictionary(f => f.Line, f => f.Kind);
        Assert.Equal(planted.OrderBy(kv => kv.Key), found.OrderBy(kv => kv.Key));
        Assert.All(e.Faults, f => Assert.Equal(file, f.File));
        Assert.All(e.Faults, f => Assert.Contains($"train.jsonl:{f.Line}: {f.Kind}", e.Message));
        // Messages say what is wrong, not just where.
        Assert.Contains("'problem' is missing", e.Faults.Single(f => f.Line == 3).Message);
        Assert.Contains("nowhere.png", e.Faults.Single(f => f.Line == 6).Message);
        Assert.Contains("line 1", e.Faults.Single(f => f.Line == 9).Message.Replace("train.jsonl:1", "line 1"));
    }

    [Fact]
    public void Images_are_opened_only_for_the_lines_the_split_and_task_filter_keeps()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.File("images"));
        File.WriteAllBytes(dir.File("images/good.png"), new ShapesWorldGenerator().Generate(1, Splits.Train, TaskNames.Count, 0).Png);
        File.WriteAllBytes(dir.File("images/garbage.png"), "this is not a png"u8.ToArray());
        var file = dir.File("train.jsonl");
        File.WriteAllLines(file,
        [
            """{"id": "a", "image": "images/good.png", "problem": "Q?", "solution": "<answer>1</answer>", "task": "count"}""",
            """{"id": "b", "image": "images/garbage.png", "problem": "Q?", "solution": "<answer>1</answer>", "task": "classify"}""",
            """{"id": "c", "image": "images/nowhere.png", "problem": "Q?", "solution": "<answer>1</answer>", "task": "count", "split": "test"}""",
        ]);

        // Loading train count prompts does not open the classify line's or the test line's image...
        var kept = DatasetReader.Load(file, new DatasetLoadOptions { Split = Splits.Train, Tasks = [TaskNames.Count] });
        Assert.Equal(["a"], kept.Examples.Select(x => x.Id));
        Assert.Equal(2, kept.FilteredOut);
        // ...while a load that keeps those lines still refuses them, naming each one.
        var e = Assert.Throws<DatasetInvalidException>(() => DatasetReader.Load(file));
        Assert.Equal([(2, DatasetFaultKind.UndecodableImage), (3, DatasetFaultKind.MissingImage)], e.Faults.Select(f => (f.Line, f.Kind)).OrderBy(x => x.Line));
    }

    [Fact]
    public void Scenes_can_be_left_unread_by_loaders_that_do_not_use_them()
    {
        using var dir = new TempFolder();
        var generated = new ShapesWorldGenerator().Generate(1, Splits.Train, TaskNames.Count, 0);
        File.WriteAllBytes(dir.File("good.png"), generated.Png);
        var file = dir.File("train.jsonl");
        File.WriteAllLines(file,
        [
            """{"id": "a", "image": "good.png", "problem": "Q?", "solution": "<answer>1</answer>", "scene": {"kind": "shapes", "width": 64, "height": 64, "objects": []}}""",
            """{"id": "b", "image": "good.png", "problem": "Q?", "solution": "<answer>1</answer>", "scene": "a red circle"}""",
        ]);

        Assert.Equal(DatasetFaultKind.WrongType, Assert.Throws<DatasetInvalidException>(() => DatasetReader.Load(file)).Faults.Single().Kind);
        var unread = DatasetReader.Load(file, new DatasetLoadOptions { ReadScenes = false });
        Assert.Equal(["a", "b"], unread.Examples.Select(x => x.Id));
        Assert.All(unread.Examples, x => Assert.Null(x.Scene));
    }

    [Fact]
    public void Skip_invalid_loads_the_good_lines_and_reports_the_counts()
    {
        using var dir = new TempFolder();
        var (file, planted) = PlantFaults(dir);

        var result = DatasetReader.Load(file, new DatasetLoadOptions { SkipInvalid = true });

        Assert.Equal(["a", "m"], result.Examples.Select(x => x.Id));
        Assert.Equal(13, result.LinesRead);                 // the blank line is not counted
        Assert.Equal(planted.Count, result.InvalidLines);
        Assert.Equal(2, result.Loaded);
        Assert.Equal(2, result.FaultCounts[DatasetFaultKind.UndecodableImage]);
        Assert.Contains("2 loaded, 11 invalid", result.Summary);
        var a = result.Examples[0];
        Assert.Equal(dir.File("images/good.png"), a.ImagePath);   // resolved against the JSONL's folder
        Assert.Equal("2", a.Answer);
        Assert.Equal("train", result.Examples[1].Split);           // no split field: taken from train.jsonl
        Assert.Equal("classify", result.Examples[1].Task);
    }

    [Fact]
    public void Filters_keep_only_the_asked_split_and_tasks()
    {
        using var dir = new TempFolder();
        var (file, _) = PlantFaults(dir);
        var result = DatasetReader.Load(file, new DatasetLoadOptions { SkipInvalid = true, Tasks = ["classify"] });
        Assert.Equal(["m"], result.Examples.Select(x => x.Id));
        // Line 1 and the three count lines whose images are bad (6, 7, 8): their images are never opened when the
        // filter drops them, so they count as filtered out, not invalid.
        Assert.Equal(4, result.FilteredOut);
        Assert.Equal(8, result.InvalidLines);
    }

    [Fact]
    public void Missing_path_and_empty_folder_are_refused_even_when_skipping()
    {
        using var dir = new TempFolder();
        var e1 = Assert.Throws<DatasetInvalidException>(() => DatasetReader.Load(dir.File("nope.jsonl"), new DatasetLoadOptions { SkipInvalid = true }));
        Assert.Equal(DatasetFaultKind.UnreadableFile, e1.Faults.Single().Kind);
        var e2 = Assert.Throws<DatasetInvalidException>(() => DatasetReader.Load(dir.Path));
        Assert.Contains("no .jsonl", e2.Faults.Single().Message);
    }

    [Fact]
    public void R1V_style_lines_without_id_task_or_split_load_unchanged()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("pic.png"), new ShapesWorldGenerator().Generate(1, Splits.Train, TaskNames.Count, 0).Png);
        File.WriteAllText(dir.File("clevr_cogen.jsonl"),
            """{"image": "pic.png", "problem": "How many items are there in the image?", "solution": "<answer> 3 </answer>"}""" + "\n");
        var e = DatasetReader.Load(dir.Path).Examples.Single();
        Assert.Equal("3", e.Answer);
        Assert.Equal(DatasetExample.DefaultTask, e.Task);
        Assert.Equal("train", e.Split);
        Assert.Equal("clevr_cogen-000001", e.Id);
    }

    [Fact]
    public void A_generated_dataset_loads_back_with_its_scene_graphs()
    {
        using var dir = new TempFolder();
        var counts = new Dictionary<string, int> { ["train"] = 20, ["test"] = 8, ["ood"] = 8 };
        new ShapesWorldGenerator().Write(dir.Path, new ShapesWorldRequest(5, TaskNames.All, counts));

        var all = DatasetReader.Load(dir.Path);
        Assert.Empty(all.Faults);
        Assert.Equal(36, all.Loaded);
        Assert.Equal(3, all.Files.Count);
        Assert.Equal(5, all.Examples.Count(e => e.Split == "train" && e.Task == TaskNames.Count));   // round robin: 20 / 4 tasks
        var ood = DatasetReader.Load(dir.Path, new DatasetLoadOptions { Split = Splits.Ood });
        Assert.Equal(8, ood.Loaded);
        Assert.Equal(28, ood.FilteredOut);

        // The line read back serialises to the very line that was written (scene graph included).
        var first = all.Examples.First(e => e.Split == "ood");
        var written = File.ReadLines(dir.File("ood.jsonl")).First();
        Assert.Equal(written, DatasetJson.ToLine(first, DatasetJson.RelativeImageRef(dir.Path, first.ImagePath)));
        Assert.Equal(first.Scene!.ObjectsOrEmpty.Count > 0 ? SceneGraph.ShapesKind : SceneGraph.ChartKind, first.Scene.Kind);
    }

    [Theory]
    [InlineData("<think>a</think><answer>42</answer>", "42")]
    [InlineData("<answer> 3 </answer>", "3")]
    [InlineData("circle", "circle")]
    [InlineData("<answer></answer>", "")]
    [InlineData("<think>only thinking</think>", "")]
    [InlineData("<answer>1</answer><answer>2</answer>", "2")]
    [InlineData("<answer>unclosed", "")]
    public void AnswerOf_reads_the_plain_answer(string solution, string answer) =>
        Assert.Equal(answer, DatasetExample.AnswerOf(solution));
}
