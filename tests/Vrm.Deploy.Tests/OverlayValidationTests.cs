using System.Text.Json;
using k8s.Models;

namespace Vrm.Deploy.Tests;

/// <summary>Every overlay renders with the real kubectl kustomize, loads strictly, and keeps our rules.</summary>
public sealed class OverlayValidationTests : IDisposable
{
    readonly DeployTree _tree = new();

    public void Dispose() => _tree.Dispose();

    RenderedManifests Load(string overlay) => new(_tree.Render(overlay));

    [Theory]
    [InlineData("gpu")]
    [InlineData("cpu-dev")]
    public void Overlay_renders_loads_strictly_and_breaks_no_rule(string overlay)
    {
        var m = Load(overlay);
        var violations = ManifestRules.Check(m);
        Assert.True(violations.Count == 0, string.Join("\n", violations));
        // Every role and its supporting objects are there.
        foreach (var name in new[] { "vrm-orchestrator", "vrm-reward", "vrm-learner", "vrm-worker" })
            m.Get<V1Deployment>(name);
        m.Get<V1StatefulSet>("vrm-redis");
        Assert.Single(m.OfKind<V2HorizontalPodAutoscaler>());
        Assert.Single(m.OfKind<ServiceMonitor>());
        Assert.NotEmpty(m.OfKind<V1NetworkPolicy>());
        Assert.Equal(3, m.OfKind<V1PodDisruptionBudget>().Count());
        Assert.All(m.Objects.Where(o => o is not V1Namespace), o => Assert.Equal("vrm", o.Metadata.NamespaceProperty));
    }

    [Fact]
    public void Gpu_overlay_gives_one_gpu_to_the_learner_and_each_worker_on_gpu_nodes_only()
    {
        var m = Load("gpu");
        foreach (var name in new[] { "vrm-learner", "vrm-worker" })
        {
            var pod = m.Get<V1Deployment>(name).Spec.Template.Spec;
            var c = Assert.Single(pod.Containers);
            Assert.Equal(1m, c.Resources.Limits["nvidia.com/gpu"].ToDecimal());
            Assert.Equal("true", pod.NodeSelector["nvidia.com/gpu.present"]);
            Assert.Contains(pod.Tolerations, t => t.Key == "nvidia.com/gpu" && t.Effect == "NoSchedule");
            Assert.StartsWith("vrm/vrm-cuda:", c.Image);
        }
        foreach (var name in new[] { "vrm-orchestrator", "vrm-reward" })
            Assert.DoesNotContain("nvidia.com/gpu", m.Get<V1Deployment>(name).Spec.Template.Spec.Containers[0].Resources.Limits.Keys);
        Assert.True(m.Get<V1Deployment>("vrm-orchestrator").Spec.Replicas >= 2);
        Assert.Equal(1, m.Get<V1Deployment>("vrm-learner").Spec.Replicas);
        Assert.Equal("Recreate", m.Get<V1Deployment>("vrm-learner").Spec.Strategy.Type);
    }

    [Fact]
    public void Cpu_dev_overlay_asks_for_no_gpu_and_runs_the_cpu_image_everywhere()
    {
        var m = Load("cpu-dev");
        foreach (var p in m.PodTemplates)
        {
            Assert.Null(p.Spec.NodeSelector);
            foreach (var c in p.Spec.Containers)
            {
                Assert.DoesNotContain("nvidia.com/gpu", c.Resources.Limits.Keys);
                Assert.DoesNotContain("vrm-cuda", c.Image);
            }
        }
        Assert.Equal(["ReadWriteOnce"], m.Get<V1PersistentVolumeClaim>("vrm-dataset").Spec.AccessModes);
    }

    [Fact]
    public void Worker_grace_period_covers_a_drain_and_silos_share_redis_password_from_the_secret()
    {
        var m = Load("gpu");
        Assert.True(m.Get<V1Deployment>("vrm-worker").Spec.Template.Spec.TerminationGracePeriodSeconds >= 120);
        var secret = m.OfKind<V1Secret>().Single(s => s.Metadata.Name.StartsWith("vrm-redis", StringComparison.Ordinal));
        foreach (var name in new[] { "vrm-orchestrator", "vrm-learner", "vrm-worker" })
        {
            var env = m.Get<V1Deployment>(name).Spec.Template.Spec.Containers[0].Env.ToList();
            Assert.Equal(secret.Metadata.Name, env.Single(e => e.Name == "REDIS_PASSWORD").ValueFrom.SecretKeyRef.Name);
            // $(REDIS_PASSWORD) expands only if defined earlier in the list.
            Assert.True(env.FindIndex(e => e.Name == "REDIS_PASSWORD") < env.FindIndex(e => e.Name == "VRM_REDIS"));
            Assert.Contains("password=$(REDIS_PASSWORD)", env.Single(e => e.Name == "VRM_REDIS").Value);
        }
    }

    [Fact]
    public void Dashboard_config_map_is_labelled_for_grafana_and_queries_the_reward()
    {
        var m = Load("gpu");
        var cm = m.Get<V1ConfigMap>("vrm-grafana-dashboard");
        Assert.Equal("1", cm.Metadata.Labels["grafana_dashboard"]);
        using var doc = JsonDocument.Parse(Assert.Single(cm.Data).Value);
        var exprs = doc.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.TryGetProperty("targets", out var t) ? t.EnumerateArray() : Enumerable.Empty<JsonElement>())
            .Select(t => t.GetProperty("expr").GetString());
        Assert.Contains(exprs, e => e != null && e.Contains("vrm_reward_mean", StringComparison.Ordinal));
    }

    [Fact]
    public void Render_fails_with_a_clear_message_when_the_secret_files_were_not_made()
    {
        File.Delete(_tree.Path("base/secrets/admin-token"));
        var e = Assert.Throws<InvalidOperationException>(() => _tree.Render("gpu"));
        Assert.Contains("admin-token", e.Message);
    }
}
