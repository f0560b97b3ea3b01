using System.Globalization;
using System.Net;
using System.Text;

namespace Vrm.Learner.Reporting;

/// <summary>One evaluation row of the before/after table.</summary>
public sealed record EvalRow(string Split, string Task, double Accuracy, double FormatRate, double MeanLength, int Count);

/// <summary>
/// A self-contained HTML report: a before/after table and one line chart per metric curve (inline SVG,
/// no scripts or network), so a person can open it from the run folder anywhere.
/// </summary>
public static class RunReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Html(string title, IReadOnlyList<Dictionary<string, double>> steps,
        IReadOnlyList<string> curves, IReadOnlyList<EvalRow> before, IReadOnlyList<EvalRow> after,
        IReadOnlyDictionary<string, string>? facts = null, IReadOnlyList<(string Title, IReadOnlyList<(string Name, double? Before, double? After)> Rows)>? skills = null)
    {
        var sb = new StringBuilder();
        sb.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>").Append(Enc(title)).Append("</title><style>")
          .Append("body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:12px 0}")
          .Append("td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}th{background:#f3f3f3}")
          .Append(".charts{display:flex;flex-wrap:wrap;gap:16px}.chart{border:1px solid #ddd;padding:6px}")
          .Append(".up{color:#18794e}.down{color:#b42318}</style></head><body>");
        sb.Append("<h1>").Append(Enc(title)).Append("</h1>");
        if (facts is { Count: > 0 })
        {
            sb.Append("<table>");
            foreach (var (k, v) in facts) sb.Append("<tr><th>").Append(Enc(k)).Append("</th><td>").Append(Enc(v)).Append("</td></tr>");
            sb.Append("</table>");
        }
        if (before.Count > 0 || after.Count > 0)
        {
            sb.Append("<h2>Before / after</h2><table><tr><th>split</th><th>task</th><th>n</th><th>accuracy before</th><th>accuracy after</th><th>Δ</th><th>format before</th><th>format after</th><th>length after</th></tr>");
            foreach (var a in after)
            {
                var b = before.FirstOrDefault(x => x.Split == a.Split && x.Task == a.Task);
                double delta = b is null ? double.NaN : a.Accuracy - b.Accuracy;
                string cls = delta > 0 ? "up" : delta < 0 ? "down" : "";
                sb.Append("<tr><td>").Append(Enc(a.Split)).Append("</td><td>").Append(Enc(a.Task)).Append("</td><td>").Append(a.Count)
                  .Append("</td><td>").Append(b is null ? "–" : Pct(b.Accuracy)).Append("</td><td>").Append(Pct(a.Accuracy))
                  .Append("</td><td class=\"").Append(cls).Append("\">").Append(double.IsNaN(delta) ? "–" : (delta >= 0 ? "+" : "") + (delta * 100).ToString("0.0", Inv))
                  .Append("</td><td>").Append(b is null ? "–" : Pct(b.FormatRate)).Append("</td><td>").Append(Pct(a.FormatRate))
                  .Append("</td><td>").Append(a.MeanLength.ToString("0.0", Inv)).Append("</td></tr>");
            }
            sb.Append("</table>");
        }
        foreach (var (skillTitle, skillRows) in skills ?? [])
        {
            // Which skill moved: accuracy alone says how often, these say what changed (e.g. naming the asked category).
            sb.Append("<h2>").Append(Enc(skillTitle)).Append("</h2><table><tr><th>skill</th><th>before</th><th>after</th><th>Δ</th></tr>");
            foreach (var (name, b, a) in skillRows)
            {
                double? delta = a - b;
                string cls = delta > 0 ? "up" : delta < 0 ? "down" : "";
                sb.Append("<tr><td>").Append(Enc(name)).Append("</td><td>").Append(b is { } bv ? Pct(bv) : "–").Append("</td><td>")
                  .Append(a is { } av ? Pct(av) : "–").Append("</td><td class=\"").Append(cls).Append("\">")
                  .Append(delta is { } d ? (d >= 0 ? "+" : "") + (d * 100).ToString("0.0", Inv) : "–").Append("</td></tr>");
            }
            sb.Append("</table>");
        }
        sb.Append("<h2>Curves</h2><div class=\"charts\">");
        foreach (var name in curves)
        {
            var pts = steps.Where(s => s.ContainsKey("step") && s.ContainsKey(name) && double.IsFinite(s[name]))
                           .Select(s => (X: s["step"], Y: s[name])).ToList();
            if (pts.Count == 0) continue;
            sb.Append("<div class=\"chart\">").Append(LineChart(name, pts)).Append("</div>");
        }
        sb.Append("</div></body></html>");
        return sb.ToString();
    }

    /// <summary>An SVG line chart with axis extents labelled; a 10-point moving average overlays noisy curves.</summary>
    public static string LineChart(string title, IReadOnlyList<(double X, double Y)> pts, int width = 360, int height = 200)
    {
        const int left = 48, right = 10, top = 22, bottom = 24;
        double x0 = pts.Min(p => p.X), x1 = pts.Max(p => p.X), y0 = pts.Min(p => p.Y), y1 = pts.Max(p => p.Y);
        if (x1 == x0) x1 = x0 + 1;
        if (y1 == y0) { y1 += 0.5; y0 -= 0.5; }
        string Px(double x) => (left + (x - x0) / (x1 - x0) * (width - left - right)).ToString("0.0", Inv);
        string Py(double y) => (top + (1 - (y - y0) / (y1 - y0)) * (height - top - bottom)).ToString("0.0", Inv);
        var sb = new StringBuilder();
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" data-points=\"{pts.Count}\">");
        sb.Append($"<text x=\"{left}\" y=\"14\" font-size=\"12\" font-weight=\"bold\">{Enc(title)}</text>");
        sb.Append($"<line x1=\"{left}\" y1=\"{height - bottom}\" x2=\"{width - right}\" y2=\"{height - bottom}\" stroke=\"#999\"/>");
        sb.Append($"<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{height - bottom}\" stroke=\"#999\"/>");
        sb.Append($"<text x=\"2\" y=\"{top + 8}\" font-size=\"10\">{Num(y1)}</text><text x=\"2\" y=\"{height - bottom}\" font-size=\"10\">{Num(y0)}</text>");
        sb.Append($"<text x=\"{left}\" y=\"{height - 6}\" font-size=\"10\">{Num(x0)}</text><text x=\"{width - right - 30}\" y=\"{height - 6}\" font-size=\"10\">{Num(x1)}</text>");
        sb.Append("<polyline fill=\"none\" stroke=\"#9bb7e0\" stroke-width=\"1\" points=\"");
        foreach (var p in pts) sb.Append(Px(p.X)).Append(',').Append(Py(p.Y)).Append(' ');
        sb.Append("\"/>");
        if (pts.Count >= 20)
        {
            sb.Append("<polyline fill=\"none\" stroke=\"#1f4e9e\" stroke-width=\"2\" points=\"");
            for (int i = 0; i < pts.Count; i++)
            {
                int from = Math.Max(0, i - 9);
                double avg = 0;
                for (int j = from; j <= i; j++) avg += pts[j].Y;
                avg /= i - from + 1;
                sb.Append(Px(pts[i].X)).Append(',').Append(Py(avg)).Append(' ');
            }
            sb.Append("\"/>");
        }
        sb.Append("</svg>");
        return sb.ToString();
    }

    private static string Pct(double v) => (v * 100).ToString("0.0", Inv) + "%";
    private static string Num(double v) => Math.Abs(v) >= 1000 || (Math.Abs(v) < 0.01 && v != 0) ? v.ToString("0.##E+0", Inv) : v.ToString("0.###", Inv);
    private static string Enc(string s) => WebUtility.HtmlEncode(s);
}
