using System.Text.RegularExpressions;
using Vrm.IntegrationTests.Fixtures;
using Vrm.Orchestrator.Web;

namespace Vrm.IntegrationTests;

/// <summary>The live run page rendered by headless Chromium (Debian's `chromium`): it renders, its charts have data; a screenshot is kept.</summary>
[Collection(LiveOrchestratorCollection.Name)]
public sealed partial class RunPageChromiumTests(LiveOrchestrator live)
{
    private static string[] Flags(string profile) =>
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}", "--virtual-time-budget=5000"];

    [Fact]
    public async Task Run_page_renders_with_charts_and_workers()
    {
        var chromium = PrometheusDashboardTests.Which("chromium") ?? throw new InvalidOperationException("chromium is not installed (build/test.sh installs it with apt)");
        var url = $"{live.HttpUrl}/runs/{live.RunId}";
        var profile = Directory.CreateTempSubdirectory("vrm-chromium-").FullName;
        try
        {
            var (code, dom, err) = await LiveOrchestrator.Exec(chromium, [.. Flags(profile), "--dump-dom", url], TimeSpan.FromSeconds(90));
            Assert.True(code == 0, $"chromium exited {code}: {err}");
            Assert.Contains("data-loaded=\"true\"", dom);
            Assert.Matches("id=\"status\"[^>]*>RUNNING<", dom);
            // Only rendered <svg> elements: --dump-dom also serializes the inline <script> source verbatim, and that
            // source holds the "<polyline" template literal, so counting "<polyline" over the whole DOM counts one too many.
            var curves = CurveRegex().Matches(dom).Select(m => (Key: m.Groups[1].Value, Points: int.Parse(m.Groups[2].Value), Line: m.Groups[3].Success)).ToList();
            Assert.Equal(RunPage.Charts.Select(c => c.Key), curves.Select(c => c.Key));
            Assert.All(curves, c => Assert.True(c.Points >= 2, $"chart {c.Key} has {c.Points} point(s)"));
            Assert.All(curves, c => Assert.True(c.Line, $"chart {c.Key} has {c.Points} points but no <polyline>"));
            Assert.Contains("live-w0", dom);
            Assert.Contains("live-w1", dom);

            var png = Path.Combine(LiveOrchestrator.ArtifactsDir(), "run-page.png");
            File.Delete(png);
            var shot = await LiveOrchestrator.Exec(chromium, [.. Flags(profile), $"--screenshot={png}", "--window-size=1320,900", url], TimeSpan.FromSeconds(90));
            Assert.True(shot.Code == 0, $"chromium screenshot exited {shot.Code}: {shot.Err}");
            Assert.True(new FileInfo(png).Length > 10_000, "screenshot is suspiciously small");
        }
        finally { try { Directory.Delete(profile, recursive: true); } catch (IOException) { } }
    }

    [GeneratedRegex("<svg class=\"curve\" data-key=\"([a-z_]+)\" data-points=\"(\\d+)\"[^>]*>(<polyline )?")]
    private static partial Regex CurveRegex();
}
