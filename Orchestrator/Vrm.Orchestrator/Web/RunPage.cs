using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vrm.Orchestrator.Contracts.Runs;
using Vrm.Orchestrator.Contracts.Workers;

namespace Vrm.Orchestrator.Web;

/// <summary>
/// The live run page: <c>/runs/{id}</c> is a self-contained HTML page (inline JS + SVG, no CDN: the
/// cluster may have no internet) that polls <c>/api/runs/{id}</c> (status, curves, workers as JSON).
/// </summary>
public static class RunPage
{
    /// <summary>The curves the page draws, in order: (metric key, title).</summary>
    public static readonly (string Key, string Title)[] Charts =
    [
        ("reward_mean", "Reward (mean)"),
        ("accuracy", "Accuracy"),
        ("format_rate", "Format rate"),
        ("kl", "KL"),
        ("entropy", "Entropy"),
        ("completion_length_tokens", "Completion length (tokens)"),
        ("tokens_per_second", "Tokens / s"),
        ("sample_staleness_steps", "Staleness (steps)"),
    ];

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/runs/{id}", (string id) => Results.Content(Html(id), "text/html; charset=utf-8"));
        app.MapGet("/api/runs/{id}", async (string id, IGrainFactory grains) =>
        {
            var run = await grains.GetGrain<IRunGrain>(id).Get();
            if (!run.Exists) return Results.NotFound(new { error = $"run '{id}' does not exist" });
            var workers = await grains.GetGrain<IWorkerRegistryGrain>(IWorkerRegistryGrain.DefaultKey).List();
            return Results.Json(new
            {
                runId = run.RunId,
                name = run.Spec!.Name,
                status = run.Status.ToString().ToUpperInvariant(),
                statusReason = run.StatusReason,
                step = run.Step,
                totalSteps = run.Spec.TotalSteps,
                policyVersion = run.PolicyVersion,
                checkpoints = run.Checkpoints.Select(c => new { c.Step, c.PolicyVersion, c.Path }),
                metrics = run.RecentMetrics.Select(m => new { step = m.Step, values = m.Values.Where(kv => double.IsFinite(kv.Value)).ToDictionary() }),
                workers = workers.OrderBy(w => w.WorkerId, StringComparer.Ordinal).Select(w => new
                {
                    id = w.WorkerId,
                    liveness = w.Liveness.ToString().ToUpperInvariant(),
                    device = w.Capabilities.Device,
                    policyVersion = w.PolicyVersion,
                    assignments = w.LastStats?.AssignmentsCompleted ?? 0,
                    tokens = w.LastStats?.GeneratedTokens ?? 0,
                    lastHeartbeat = w.LastHeartbeat,
                }),
            });
        });
    }

    private static string Html(string id)
    {
        var runId = System.Text.Encodings.Web.JavaScriptEncoder.Default.Encode(id);
        var title = System.Net.WebUtility.HtmlEncode(id);
        var charts = string.Join(",", Charts.Select(c => $"[\"{c.Key}\",\"{c.Title}\"]"));
        return Template.Replace("{{TITLE}}", title).Replace("{{RUN_ID}}", runId).Replace("{{CHARTS}}", charts);
    }

    private const string Template = """
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vrm run {{TITLE}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:16px;background:#fafafa;color:#222}
h1{font-size:20px;margin:0 0 8px}
#summary span{display:inline-block;margin-right:18px}
.status{font-weight:bold;padding:2px 8px;border-radius:4px;background:#ddd}
.RUNNING{background:#c8f0c8}.PAUSED{background:#fbe7a1}.STOPPED,.FAILED{background:#f5c0c0}.SUCCEEDED{background:#bcd9f7}
#charts{display:grid;grid-template-columns:repeat(4,300px);gap:10px;margin:12px 0}
.chart{background:#fff;border:1px solid #ddd;border-radius:4px;padding:6px}
.chart h2{font-size:13px;margin:0 0 4px}
table{border-collapse:collapse;background:#fff}td,th{border:1px solid #ddd;padding:3px 8px;font-size:13px}
</style></head>
<body>
<h1>Run <span id="run-id">{{TITLE}}</span></h1>
<div id="summary">loading…</div>
<div id="charts"></div>
<h2 style="font-size:15px">Workers</h2>
<table id="workers"><thead><tr><th>worker</th><th>liveness</th><th>device</th><th>policy</th><th>assignments</th><th>tokens</th></tr></thead><tbody></tbody></table>
<script>
const RUN = "{{RUN_ID}}";
const CHARTS = [{{CHARTS}}];
const W = 288, H = 120, P = 4;
function esc(s){return String(s).replace(/[&<>"]/g,c=>({"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;"}[c]));}
function chart(key, title, metrics){
  const pts = metrics.filter(m => key in m.values).map(m => [m.step, m.values[key]]);
  let body = "";
  if (pts.length > 0) {
    const xs = pts.map(p=>p[0]), ys = pts.map(p=>p[1]);
    const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
    const sx = x => P + (x1 === x0 ? (W-2*P)/2 : (x - x0) / (x1 - x0) * (W - 2*P));
    const sy = y => H - P - (y1 === y0 ? (H-2*P)/2 : (y - y0) / (y1 - y0) * (H - 2*P));
    body = `<polyline fill="none" stroke="#2a6fdb" stroke-width="1.5" points="${pts.map(p => sx(p[0]).toFixed(1)+","+sy(p[1]).toFixed(1)).join(" ")}"/>` +
      `<text x="${W-P}" y="12" text-anchor="end" font-size="11">${ys[ys.length-1].toPrecision(4)}</text>` +
      `<text x="${P}" y="${H-P}" font-size="10" fill="#888">${y0.toPrecision(3)}–${y1.toPrecision(3)}</text>`;
  } else body = `<text x="${W/2}" y="${H/2}" text-anchor="middle" fill="#999">no data</text>`;
  return `<div class="chart"><h2>${esc(title)}</h2><svg class="curve" data-key="${key}" data-points="${pts.length}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${body}</svg></div>`;
}
async function refresh(){
  try {
    const r = await fetch("/api/runs/" + encodeURIComponent(RUN), {cache:"no-store"});
    if (!r.ok) { document.getElementById("summary").textContent = "run not found (" + r.status + ")"; return; }
    const run = await r.json();
    document.getElementById("summary").innerHTML =
      `<span class="status ${esc(run.status)}" id="status">${esc(run.status)}</span>` +
      `<span>${esc(run.name)}</span><span id="step">step ${run.step} / ${run.totalSteps}</span>` +
      `<span>policy v${run.policyVersion}</span><span>${run.checkpoints.length} checkpoint(s)</span>` +
      (run.statusReason ? `<span>${esc(run.statusReason)}</span>` : "");
    document.getElementById("charts").innerHTML = CHARTS.map(c => chart(c[0], c[1], run.metrics)).join("");
    document.querySelector("#workers tbody").innerHTML = run.workers.map(w =>
      `<tr><td>${esc(w.id)}</td><td>${esc(w.liveness)}</td><td>${esc(w.device)}</td><td>${w.policyVersion}</td><td>${w.assignments}</td><td>${w.tokens}</td></tr>`).join("");
    document.body.dataset.loaded = "true";
  } catch (e) { document.getElementById("summary").textContent = "error: " + e; }
}
refresh(); setInterval(refresh, 2000);
</script>
</body></html>
""";
}
