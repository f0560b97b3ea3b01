namespace Vrm.Policy;

/// <summary>
/// The language the VRM speaks: ShapesWorld questions, reasoning traces and answers, and the chat roles of
/// the prompt template. The vocabulary is learned from this text, so its words become single tokens and
/// everything else falls back to bytes. Each sentence family appears with every colour/shape/size, which
/// keeps the merge counts balanced across words rather than favouring one template.
/// </summary>
public static class TaskLanguageCorpus
{
    public static readonly string[] Colors =
        ["red", "green", "blue", "yellow", "purple", "orange", "gray", "grey", "cyan", "magenta", "pink", "brown", "black", "white"];
    public static readonly string[] Shapes =
        ["circle", "square", "triangle", "star", "rectangle", "hexagon", "pentagon", "diamond", "ellipse", "cross", "heart"];
    public static readonly string[] Sizes = ["small", "large", "big", "medium", "tiny"];
    public static readonly string[] Positions = ["left", "right", "top", "bottom", "middle", "center"];

    public static IEnumerable<string> Sentences()
    {
        // Questions come wrapped in the default chat turn, as the model will see them.
        foreach (var question in Questions()) yield return PromptTemplate.Default.Render(question);
        yield return "SYSTEM: You are a visual reasoning assistant.";
        foreach (var trace in Traces()) yield return trace;
    }

    private static string Plural(string shape) => shape.EndsWith('s') ? shape + "es" : shape + "s";

    private static IEnumerable<string> Questions()
    {

        foreach (var c in Colors)
        {
            yield return $"How many {c} objects are there?";
            yield return $"How many {c} shapes are in the image?";
            yield return $"What is the value of the {c} bar?";
            yield return $"Which bar is the tallest? The {c} bar.";
            yield return $"Count the {c} objects.";
            foreach (var c2 in Colors.Where(x => x != c).Take(3))
                yield return $"How many more {c} objects than {c2} ones?";
        }
        foreach (var s in Shapes)
        {
            yield return $"How many {Plural(s)} are there?";
            yield return $"Is there a {s} in the image? Answer yes or no.";
            yield return $"What color is the {s}?";
            yield return $"What shape is this? It is a {s}.";
            foreach (var z in Sizes) yield return $"How many {z} {Plural(s)} are there?";
        }
        foreach (var p in Positions)
        {
            yield return $"What shape is on the {p}?";
            yield return $"What color is the object on the {p} of the image?";
        }
        foreach (var sentence in new[]
        {
            "What shape is this?",
            "What color is this?",
            "What is the difference between the tallest and the shortest bar?",
            "What is the sum of the values of all bars?",
            "Which bar is the shortest? Which bar is the highest? Which bar is the lowest?",
            "How many bars are in the chart? How many bars are taller than 5?",
            "Look at the bar chart. The chart shows the values of each bar.",
            "Is the first bar taller than the second bar? Answer yes or no.",
            "Are there more circles than squares? Are there fewer stars than triangles?",
            "How many objects are there in total? How many objects are not red?",
            "Think step by step, then give the final answer as a number or a word.",
        })
        {
            // Fixed sentences carry the task's structural words; repeat them so their merges outrank one-offs.
            for (int i = 0; i < 4; i++) yield return sentence;
        }
    }

    private static IEnumerable<string> Traces()
    {
        foreach (var c in Colors)
        {
            yield return $"<think>{c}: 3</think><answer>3</answer>";
            foreach (var c2 in Colors.Where(x => x != c).Take(3))
                yield return $"<think>{c}: 4, {c2}: 1; 4 - 1 = 3</think><answer>3</answer>";
        }
        foreach (var s in Shapes)
        {
            yield return $"<think>one {s}</think><answer>{s}</answer>";
            foreach (var c in Colors) yield return $"The {s} is {c}. <think>{c} {s}</think><answer>{c}</answer>";
            foreach (var z in Sizes) yield return $"<think>{z} {s}, {z} {s}; {Plural(s)}: 2</think><answer>2</answer>";
        }
        foreach (var sentence in new[]
        {
            "<think>red circle, red square, blue triangle; red: 2</think><answer>2</answer>",
            "<think>bars: red 7, blue 2; tallest 7, shortest 2; 7 - 2 = 5</think><answer>5</answer>",
            "<think>circles: 3, squares: 1; 3 > 1</think><answer>yes</answer>",
            "<think>no stars</think><answer>no</answer>",
            "<think>total: 2 + 3 + 4 = 9</think><answer>9</answer>",
            "<think>0 1 2 3 4 5 6 7 8 9 10</think><answer>0</answer>",
        })
        {
            // Fixed sentences carry the task's structural words; repeat them so their merges outrank one-offs.
            for (int i = 0; i < 4; i++) yield return sentence;
        }
    }
}
