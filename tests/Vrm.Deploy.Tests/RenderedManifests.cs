using System.Reflection;
using k8s;
using k8s.Models;

namespace Vrm.Deploy.Tests;

/// <summary>A pod template and the workload that owns it.</summary>
public sealed record PodTemplate(string OwnerKind, string OwnerName, V1LabelSelector? Selector, V1PodTemplateSpec Template)
{
    public string Id => $"{OwnerKind}/{OwnerName}";
    public IDictionary<string, string> Labels => Template.Metadata?.Labels ?? new Dictionary<string, string>();
    public V1PodSpec Spec => Template.Spec;
}

/// <summary>
/// The objects of one rendered overlay, loaded with KubernetesClient in strict mode: an unknown
/// field or a wrong type throws here, before any rule runs.
/// </summary>
public sealed class RenderedManifests
{
    static readonly Dictionary<string, Type> TypeMap = BuildTypeMap();

    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects { get; }

    public RenderedManifests(string yaml)
    {
        Objects = KubernetesYaml.LoadAllFromString(yaml, TypeMap, strict: true)
            .Select(o => o as IKubernetesObject<V1ObjectMeta>
                ?? throw new InvalidOperationException($"rendered object of type {o.GetType().Name} has no metadata"))
            .ToList();
    }

    public IEnumerable<T> OfKind<T>() => Objects.OfType<T>();

    public T Get<T>(string name) where T : IKubernetesObject<V1ObjectMeta> =>
        OfKind<T>().SingleOrDefault(o => o.Metadata.Name == name)
        ?? throw new InvalidOperationException($"no {typeof(T).Name} named {name} in the render");

    public IEnumerable<PodTemplate> PodTemplates =>
        OfKind<V1Deployment>().Select(d => new PodTemplate("Deployment", d.Metadata.Name, d.Spec.Selector, d.Spec.Template))
        .Concat(OfKind<V1StatefulSet>().Select(s => new PodTemplate("StatefulSet", s.Metadata.Name, s.Spec.Selector, s.Spec.Template)))
        .Concat(OfKind<V1DaemonSet>().Select(s => new PodTemplate("DaemonSet", s.Metadata.Name, s.Spec.Selector, s.Spec.Template)))
        .Concat(OfKind<V1Job>().Select(j => new PodTemplate("Job", j.Metadata.Name, j.Spec.Selector, j.Spec.Template)));

    // The loader's default map covers built-in kinds only; add the CRDs we ship (ServiceMonitor).
    static Dictionary<string, Type> BuildTypeMap()
    {
        var map = new Dictionary<string, Type>();
        foreach (var t in typeof(V1Pod).Assembly.GetTypes().Append(typeof(ServiceMonitor)))
        {
            var e = t.GetCustomAttribute<KubernetesEntityAttribute>();
            if (e == null || string.IsNullOrEmpty(e.Kind)) continue;
            var key = string.IsNullOrEmpty(e.Group) ? $"{e.ApiVersion}/{e.Kind}" : $"{e.Group}/{e.ApiVersion}/{e.Kind}";
            map[key] = t;
        }
        return map;
    }
}
