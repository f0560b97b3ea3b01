using k8s.Models;

namespace Vrm.Deploy.Tests;

/// <summary>One broken rule: which rule, on which object, and what is wrong.</summary>
public sealed record Violation(string Rule, string Object, string Message)
{
    public override string ToString() => $"[{Rule}] {Object}: {Message}";
}

/// <summary>
/// Rules the strict loader cannot check: they span objects (selectors, references) or are our own
/// policy (GPUs, probes, non-root). Each rule has a stable name that test failures and messages use.
/// </summary>
public static class ManifestRules
{
    public const string SelectorMatchesTemplate = "selector-matches-template";
    public const string ServiceSelectsPods = "service-selects-pods";
    public const string PdbSelectsPods = "pdb-selects-pods";
    public const string HpaTargetExists = "hpa-target-exists";
    public const string OrleansSilo = "orleans-silo";
    public const string GpuInLimits = "gpu-in-limits";
    public const string Probes = "probes";
    public const string Resources = "resources";
    public const string Rbac = "rbac";
    public const string PinnedImage = "pinned-image";
    public const string ReferencesExist = "references-exist";
    public const string NonRoot = "non-root";
    public const string ReadOnlyRootFs = "read-only-root-fs";
    public const string NetworkPolicySelectsPods = "networkpolicy-selects-pods";

    const string Gpu = "nvidia.com/gpu";
    static readonly string[] OrleansFieldRefs =
    [
        "POD_NAME=metadata.name", "POD_NAMESPACE=metadata.namespace", "POD_IP=status.podIP",
        "ORLEANS_SERVICE_ID=metadata.labels['orleans/serviceId']", "ORLEANS_CLUSTER_ID=metadata.labels['orleans/clusterId']",
    ];

    public static IReadOnlyList<Violation> Check(RenderedManifests m)
    {
        var v = new List<Violation>();
        var pods = m.PodTemplates.ToList();
        Selectors(m, pods, v);
        foreach (var p in pods)
        {
            Orleans(p, v);
            Containers(p, v);
            Security(p, v);
            References(m, p, v);
        }
        RbacRule(m, pods, v);
        NetworkPolicies(m, pods, v);
        return v;
    }

    // --- selectors: workloads, Services, PDBs, HPA ---
    static void Selectors(RenderedManifests m, List<PodTemplate> pods, List<Violation> v)
    {
        foreach (var p in pods)
        {
            if (p.Selector == null || IsEmpty(p.Selector))
                v.Add(new(SelectorMatchesTemplate, p.Id, "has no selector"));
            else if (!Matches(p.Selector, p.Labels))
                v.Add(new(SelectorMatchesTemplate, p.Id, $"selector {Show(p.Selector)} does not match its template labels {Show(p.Labels)}"));
        }
        foreach (var s in m.OfKind<V1Service>())
        {
            var sel = s.Spec.Selector;
            if (sel == null || sel.Count == 0) { v.Add(new(ServiceSelectsPods, $"Service/{s.Metadata.Name}", "has no selector")); continue; }
            var selected = pods.Where(p => sel.All(kv => p.Labels.TryGetValue(kv.Key, out var x) && x == kv.Value)).ToList();
            if (selected.Count == 0) { v.Add(new(ServiceSelectsPods, $"Service/{s.Metadata.Name}", $"selector {Show(sel)} matches no pod template")); continue; }
            foreach (var port in s.Spec.Ports ?? [])
            {
                var target = port.TargetPort?.Value;
                if (target == null || int.TryParse(target, out _)) continue;
                if (!selected.Any(p => p.Spec.Containers.Any(c => (c.Ports ?? []).Any(cp => cp.Name == target))))
                    v.Add(new(ServiceSelectsPods, $"Service/{s.Metadata.Name}", $"targetPort '{target}' is not a named port of the selected pods"));
            }
        }
        foreach (var pdb in m.OfKind<V1PodDisruptionBudget>())
            if (pdb.Spec.Selector == null || !pods.Any(p => Matches(pdb.Spec.Selector, p.Labels)))
                v.Add(new(PdbSelectsPods, $"PodDisruptionBudget/{pdb.Metadata.Name}", "selector matches no pod template"));
        foreach (var hpa in m.OfKind<V2HorizontalPodAutoscaler>())
        {
            var t = hpa.Spec.ScaleTargetRef;
            if (!pods.Any(p => p.OwnerKind == t.Kind && p.OwnerName == t.Name))
                v.Add(new(HpaTargetExists, $"HorizontalPodAutoscaler/{hpa.Metadata.Name}", $"scale target {t.Kind}/{t.Name} is not in the render"));
        }
    }

    // --- Orleans silos: labels and the env Orleans Kubernetes hosting reads ---
    static void Orleans(PodTemplate p, List<Violation> v)
    {
        var isSilo = p.Labels.ContainsKey("orleans/serviceId") || p.Labels.ContainsKey("orleans/clusterId")
                     || p.Spec.Containers.Any(c => (c.Args ?? []).FirstOrDefault() == "orchestrator");
        if (!isSilo) return;
        foreach (var label in new[] { "orleans/serviceId", "orleans/clusterId" })
            if (!p.Labels.ContainsKey(label)) v.Add(new(OrleansSilo, p.Id, $"silo pod template lacks label {label}"));
        foreach (var c in p.Spec.Containers.Where(c => (c.Args ?? []).FirstOrDefault() == "orchestrator"))
            foreach (var pair in OrleansFieldRefs)
            {
                var (name, path) = (pair[..pair.IndexOf('=')], pair[(pair.IndexOf('=') + 1)..]);
                var env = (c.Env ?? []).FirstOrDefault(e => e.Name == name);
                if (env?.ValueFrom?.FieldRef?.FieldPath != path)
                    v.Add(new(OrleansSilo, $"{p.Id}/{c.Name}", $"env {name} must come from fieldRef {path}"));
            }
    }

    // --- per container: GPUs, probes, resources, image pin ---
    static void Containers(PodTemplate p, List<Violation> v)
    {
        foreach (var c in (p.Spec.InitContainers ?? []).Concat(p.Spec.Containers))
        {
            var id = $"{p.Id}/{c.Name}";
            var req = c.Resources?.Requests ?? new Dictionary<string, ResourceQuantity>();
            var lim = c.Resources?.Limits ?? new Dictionary<string, ResourceQuantity>();
            if (req.TryGetValue(Gpu, out var rq) && (!lim.TryGetValue(Gpu, out var lq) || rq.ToDecimal() != lq.ToDecimal()))
                v.Add(new(GpuInLimits, id, $"{Gpu} requested ({rq}) but not limited to the same amount: GPUs go in limits"));

            var isInit = p.Spec.InitContainers?.Contains(c) == true;
            if (!isInit)
            {
                if (c.ReadinessProbe == null) v.Add(new(Probes, id, "no readinessProbe"));
                if (c.LivenessProbe == null) v.Add(new(Probes, id, "no livenessProbe"));
                if (IsOurs(c))
                    foreach (var (kind, probe) in new[] { ("readiness", c.ReadinessProbe), ("liveness", c.LivenessProbe), ("startup", c.StartupProbe) })
                        if (probe != null && probe.Grpc == null)
                            v.Add(new(Probes, id, $"{kind}Probe must use the gRPC health service (grpc:)"));
            }
            foreach (var r in new[] { "cpu", "memory" })
            {
                if (!req.ContainsKey(r)) v.Add(new(Resources, id, $"no {r} request"));
                if (!lim.ContainsKey(r)) v.Add(new(Resources, id, $"no {r} limit"));
            }

            var image = c.Image ?? "";
            var lastSegment = image[(image.LastIndexOf('/') + 1)..];
            if (!image.Contains("@sha256:") && (!lastSegment.Contains(':') || lastSegment.EndsWith(":latest", StringComparison.Ordinal)))
                v.Add(new(PinnedImage, id, $"image '{image}' is not pinned (no tag, or :latest)"));
        }
    }

    // --- non-root, read-only root filesystem, /tmp as emptyDir ---
    static void Security(PodTemplate p, List<Violation> v)
    {
        var pod = p.Spec.SecurityContext;
        foreach (var c in (p.Spec.InitContainers ?? []).Concat(p.Spec.Containers))
        {
            var id = $"{p.Id}/{c.Name}";
            var sc = c.SecurityContext;
            var nonRoot = sc?.RunAsNonRoot ?? pod?.RunAsNonRoot;
            var uid = sc?.RunAsUser ?? pod?.RunAsUser;
            if (nonRoot != true) v.Add(new(NonRoot, id, "runAsNonRoot is not true"));
            if (uid == 0) v.Add(new(NonRoot, id, "runAsUser is 0 (root)"));
            if (sc?.AllowPrivilegeEscalation != false) v.Add(new(NonRoot, id, "allowPrivilegeEscalation is not false"));
            if (sc?.Capabilities?.Drop?.Contains("ALL") != true) v.Add(new(NonRoot, id, "capabilities do not drop ALL"));
            if (sc?.ReadOnlyRootFilesystem != true) v.Add(new(ReadOnlyRootFs, id, "readOnlyRootFilesystem is not true"));
            var tmp = (c.VolumeMounts ?? []).FirstOrDefault(vm => vm.MountPath == "/tmp");
            if (tmp == null || (p.Spec.Volumes ?? []).FirstOrDefault(vol => vol.Name == tmp.Name)?.EmptyDir == null)
                v.Add(new(ReadOnlyRootFs, id, "/tmp is not an emptyDir mount"));
        }
    }

    // --- every Secret, ConfigMap, PVC and ServiceAccount a pod names is in the render ---
    static void References(RenderedManifests m, PodTemplate p, List<Violation> v)
    {
        var secrets = m.OfKind<V1Secret>().Select(s => s.Metadata.Name).ToHashSet();
        var configMaps = m.OfKind<V1ConfigMap>().Select(s => s.Metadata.Name).ToHashSet();
        var claims = m.OfKind<V1PersistentVolumeClaim>().Select(s => s.Metadata.Name).ToHashSet();
        // StatefulSet volumeClaimTemplates create their own claims.
        var templated = m.OfKind<V1StatefulSet>().Where(s => $"StatefulSet/{s.Metadata.Name}" == p.Id)
            .SelectMany(s => s.Spec.VolumeClaimTemplates ?? []).Select(t => t.Metadata.Name).ToHashSet();
        void Need(HashSet<string> have, string kind, string? name)
        {
            if (name != null && !have.Contains(name)) v.Add(new(ReferencesExist, p.Id, $"{kind} '{name}' is referenced but not in the render"));
        }
        foreach (var c in (p.Spec.InitContainers ?? []).Concat(p.Spec.Containers))
        {
            foreach (var e in c.Env ?? [])
            {
                Need(secrets, "Secret", e.ValueFrom?.SecretKeyRef?.Name);
                Need(configMaps, "ConfigMap", e.ValueFrom?.ConfigMapKeyRef?.Name);
            }
            foreach (var ef in c.EnvFrom ?? [])
            {
                Need(secrets, "Secret", ef.SecretRef?.Name);
                Need(configMaps, "ConfigMap", ef.ConfigMapRef?.Name);
            }
            foreach (var vm in c.VolumeMounts ?? [])
                if ((p.Spec.Volumes ?? []).All(vol => vol.Name != vm.Name) && !templated.Contains(vm.Name))
                    v.Add(new(ReferencesExist, p.Id, $"volumeMount '{vm.Name}' names no volume"));
        }
        foreach (var vol in p.Spec.Volumes ?? [])
        {
            Need(secrets, "Secret", vol.Secret?.SecretName);
            Need(configMaps, "ConfigMap", vol.ConfigMap?.Name);
            Need(claims, "PersistentVolumeClaim", vol.PersistentVolumeClaim?.ClaimName);
        }
        var accounts = m.OfKind<V1ServiceAccount>().Select(s => s.Metadata.Name).ToHashSet();
        if (p.Spec.ServiceAccountName is { } sa && !accounts.Contains(sa))
            v.Add(new(ReferencesExist, p.Id, $"ServiceAccount '{sa}' is referenced but not in the render"));
    }

    // --- RBAC: every silo's account may get/list/watch pods through a RoleBinding ---
    static void RbacRule(RenderedManifests m, List<PodTemplate> pods, List<Violation> v)
    {
        foreach (var p in pods.Where(p => p.Labels.ContainsKey("orleans/clusterId")))
        {
            var sa = p.Spec.ServiceAccountName;
            if (string.IsNullOrEmpty(sa) || sa == "default") { v.Add(new(Rbac, p.Id, "silo runs as the default ServiceAccount")); continue; }
            if (p.Spec.AutomountServiceAccountToken == false) v.Add(new(Rbac, p.Id, "silo does not mount its ServiceAccount token; Orleans Kubernetes hosting needs it"));
            var roles = m.OfKind<V1RoleBinding>()
                .Where(b => (b.Subjects ?? []).Any(s => s.Kind == "ServiceAccount" && s.Name == sa) && b.RoleRef.Kind == "Role")
                .Select(b => m.OfKind<V1Role>().FirstOrDefault(r => r.Metadata.Name == b.RoleRef.Name))
                .ToList();
            if (roles.Count == 0 || roles.Any(r => r == null)) { v.Add(new(Rbac, p.Id, $"no RoleBinding binds ServiceAccount '{sa}' to a Role in the render")); continue; }
            var verbs = roles.SelectMany(r => r!.Rules ?? []).Where(r => (r.ApiGroups ?? []).Contains("") && (r.Resources ?? []).Contains("pods"))
                .SelectMany(r => r.Verbs ?? []).ToHashSet();
            foreach (var verb in new[] { "get", "list", "watch" })
                if (!verbs.Contains(verb)) v.Add(new(Rbac, p.Id, $"ServiceAccount '{sa}' may not '{verb}' pods"));
        }
    }

    // --- NetworkPolicies select pods that exist, and their same-namespace peers too ---
    static void NetworkPolicies(RenderedManifests m, List<PodTemplate> pods, List<Violation> v)
    {
        foreach (var np in m.OfKind<V1NetworkPolicy>())
        {
            var id = $"NetworkPolicy/{np.Metadata.Name}";
            if (!pods.Any(p => Matches(np.Spec.PodSelector, p.Labels)))
                v.Add(new(NetworkPolicySelectsPods, id, $"podSelector {Show(np.Spec.PodSelector)} selects no pod template"));
            var peers = (np.Spec.Ingress ?? []).SelectMany(r => r.FromProperty ?? [])
                .Concat((np.Spec.Egress ?? []).SelectMany(r => r.To ?? []));
            foreach (var peer in peers.Where(x => x.PodSelector != null && x.NamespaceSelector == null && x.IpBlock == null))
                if (!pods.Any(p => Matches(peer.PodSelector, p.Labels)))
                    v.Add(new(NetworkPolicySelectsPods, id, $"peer podSelector {Show(peer.PodSelector)} selects no pod template"));
        }
    }

    // --- helpers ---
    static bool IsOurs(V1Container c) => (c.Image ?? "").Contains("vrm-", StringComparison.Ordinal);

    static bool IsEmpty(V1LabelSelector s) => (s.MatchLabels?.Count ?? 0) == 0 && (s.MatchExpressions?.Count ?? 0) == 0;

    public static bool Matches(V1LabelSelector s, IDictionary<string, string> labels)
    {
        foreach (var (k, val) in s.MatchLabels ?? new Dictionary<string, string>())
            if (!labels.TryGetValue(k, out var x) || x != val) return false;
        foreach (var e in s.MatchExpressions ?? [])
        {
            var has = labels.TryGetValue(e.Key, out var x);
            var ok = e.OperatorProperty switch
            {
                "In" => has && (e.Values ?? []).Contains(x!),
                "NotIn" => !has || !(e.Values ?? []).Contains(x!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }

    static string Show(V1LabelSelector s) =>
        Show(s.MatchLabels ?? new Dictionary<string, string>()) + ((s.MatchExpressions?.Count ?? 0) > 0 ? " +expressions" : "");

    static string Show(IDictionary<string, string> labels) =>
        "{" + string.Join(", ", labels.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}")) + "}";
}
