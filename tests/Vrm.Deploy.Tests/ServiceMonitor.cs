using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Vrm.Deploy.Tests;

/// <summary>
/// Prometheus Operator's ServiceMonitor (monitoring.coreos.com/v1), only the fields we use, so the
/// strict loader rejects a misspelt field here as it does for built-in kinds.
/// </summary>
[KubernetesEntity(Group = "monitoring.coreos.com", ApiVersion = "v1", Kind = "ServiceMonitor", PluralName = "servicemonitors")]
public sealed class ServiceMonitor : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "monitoring.coreos.com/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "ServiceMonitor";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public ServiceMonitorSpec Spec { get; set; } = new();
}

public sealed class ServiceMonitorSpec
{
    [JsonPropertyName("selector")] public V1LabelSelector? Selector { get; set; }
    [JsonPropertyName("namespaceSelector")] public ServiceMonitorNamespaceSelector? NamespaceSelector { get; set; }
    [JsonPropertyName("endpoints")] public List<ServiceMonitorEndpoint> Endpoints { get; set; } = [];
}

public sealed class ServiceMonitorNamespaceSelector
{
    [JsonPropertyName("matchNames")] public List<string>? MatchNames { get; set; }
    [JsonPropertyName("any")] public bool? Any { get; set; }
}

public sealed class ServiceMonitorEndpoint
{
    [JsonPropertyName("port")] public string? Port { get; set; }
    [JsonPropertyName("path")] public string? Path { get; set; }
    [JsonPropertyName("interval")] public string? Interval { get; set; }
    [JsonPropertyName("scrapeTimeout")] public string? ScrapeTimeout { get; set; }
}
