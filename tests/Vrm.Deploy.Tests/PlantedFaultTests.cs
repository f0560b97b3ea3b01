using System.Collections.Concurrent;

namespace Vrm.Deploy.Tests;

/// <summary>
/// Each test plants one fault in a private copy of k8s/, renders the overlay with kubectl, and
/// asserts the validation catches it under the rule's name. A rule that cannot fire fails here.
/// </summary>
public sealed class PlantedFaultTests
{
    // The unmodified tree breaks no rule (checked once per overlay): any violation below comes from the fault.
    static readonly ConcurrentDictionary<string, Lazy<IReadOnlyList<Violation>>> Clean = new();

    static IReadOnlyList<Violation> PlantAndCheck(string overlay, string file, string oldText, string newText)
    {
        using var tree = new DeployTree();
        Assert.Empty(Clean.GetOrAdd(overlay, o => new(() => ManifestRules.Check(new RenderedManifests(tree.Render(o))))).Value);
        tree.Replace(file, oldText, newText);
        return ManifestRules.Check(new RenderedManifests(tree.Render(overlay)));
    }

    static void AssertFires(IReadOnlyList<Violation> violations, string rule, string objectId, string messagePart)
    {
        Assert.True(violations.Any(v => v.Rule == rule && v.Object.StartsWith(objectId, StringComparison.Ordinal)
                                        && v.Message.Contains(messagePart, StringComparison.Ordinal)),
            $"expected [{rule}] on {objectId} mentioning '{messagePart}', got:\n{string.Join("\n", violations)}");
    }

    [Fact]
    public void Wrong_selector_is_caught()
    {
        var v = PlantAndCheck("gpu", "base/worker.yaml",
            "  selector:\n    matchLabels:\n      app.kubernetes.io/name: vrm\n      app.kubernetes.io/component: worker",
            "  selector:\n    matchLabels:\n      app.kubernetes.io/name: vrm\n      app.kubernetes.io/component: wroker");
        AssertFires(v, ManifestRules.SelectorMatchesTemplate, "Deployment/vrm-worker", "does not match its template labels");
    }

    [Fact]
    public void Gpu_in_requests_only_is_caught()
    {
        var v = PlantAndCheck("gpu", "overlays/gpu/worker-gpu.yaml", "            limits:\n              nvidia.com/gpu: 1",
            "            requests:\n              nvidia.com/gpu: 1");
        AssertFires(v, ManifestRules.GpuInLimits, "Deployment/vrm-worker/worker", "nvidia.com/gpu requested");
    }

    [Fact]
    public void Missing_probe_is_caught()
    {
        var v = PlantAndCheck("cpu-dev", "base/reward.yaml",
            "          readinessProbe:\n            grpc:\n              port: 7200\n            periodSeconds: 10\n            timeoutSeconds: 3\n", "");
        AssertFires(v, ManifestRules.Probes, "Deployment/vrm-reward/reward", "no readinessProbe");
    }

    [Fact]
    public void Http_probe_instead_of_grpc_health_is_caught()
    {
        var v = PlantAndCheck("gpu", "base/learner.yaml",
            "          livenessProbe:\n            grpc:\n              port: 7300",
            "          livenessProbe:\n            httpGet:\n              path: /healthz\n              port: 8080");
        AssertFires(v, ManifestRules.Probes, "Deployment/vrm-learner/learner", "gRPC health service");
    }

    [Fact]
    public void Missing_orleans_label_and_fieldref_are_caught()
    {
        var v = PlantAndCheck("gpu", "base/orchestrator.yaml", "        orleans/clusterId: vrm\n", "");
        AssertFires(v, ManifestRules.OrleansSilo, "Deployment/vrm-orchestrator", "lacks label orleans/clusterId");
        var v2 = PlantAndCheck("gpu", "base/orchestrator.yaml", "fieldPath: status.podIP", "fieldPath: spec.nodeName");
        AssertFires(v2, ManifestRules.OrleansSilo, "Deployment/vrm-orchestrator/orchestrator", "POD_IP");
    }

    [Fact]
    public void Latest_image_is_caught()
    {
        var v = PlantAndCheck("gpu", "base/redis.yaml", "image: redis:7.2.5-bookworm", "image: redis:latest");
        AssertFires(v, ManifestRules.PinnedImage, "StatefulSet/vrm-redis/redis", "not pinned");
    }

    [Fact]
    public void Reference_to_a_missing_secret_is_caught()
    {
        var v = PlantAndCheck("gpu", "base/orchestrator.yaml", "secretName: vrm-admin-token", "secretName: vrm-admin-tokn");
        AssertFires(v, ManifestRules.ReferencesExist, "Deployment/vrm-orchestrator", "Secret 'vrm-admin-tokn'");
    }

    [Fact]
    public void Writable_root_filesystem_and_root_user_are_caught()
    {
        var v = PlantAndCheck("cpu-dev", "base/reward.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false");
        AssertFires(v, ManifestRules.ReadOnlyRootFs, "Deployment/vrm-reward/reward", "readOnlyRootFilesystem");
        var v2 = PlantAndCheck("cpu-dev", "base/reward.yaml", "runAsNonRoot: true", "runAsNonRoot: false");
        AssertFires(v2, ManifestRules.NonRoot, "Deployment/vrm-reward/reward", "runAsNonRoot");
    }

    [Fact]
    public void Network_policy_selecting_no_pod_is_caught()
    {
        var v = PlantAndCheck("gpu", "base/network-policies.yaml",
            "  name: vrm-reward\nspec:\n  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: vrm\n      app.kubernetes.io/component: reward",
            "  name: vrm-reward\nspec:\n  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: vrm\n      app.kubernetes.io/component: rewards");
        AssertFires(v, ManifestRules.NetworkPolicySelectsPods, "NetworkPolicy/vrm-reward", "selects no pod template");
    }

    [Fact]
    public void Missing_role_binding_is_caught()
    {
        var v = PlantAndCheck("gpu", "base/orchestrator-rbac.yaml", "    name: vrm-orchestrator\n---\n# The other roles", "    name: vrm-workload\n---\n# The other roles");
        AssertFires(v, ManifestRules.Rbac, "Deployment/vrm-orchestrator", "no RoleBinding");
    }

    [Fact]
    public void Unknown_field_is_rejected_by_the_strict_loader()
    {
        using var tree = new DeployTree();
        tree.Replace("base/reward.yaml", "  replicas: 2\n", "  replicas: 2\n  replica: 2\n");
        var yaml = tree.Render("gpu"); // kustomize passes unknown fields through
        var e = Assert.ThrowsAny<Exception>(() => new RenderedManifests(yaml));
        Assert.Contains("replica", e.ToString());
    }
}
