using System.Security.Cryptography.X509Certificates;
using Vrm.Orchestrator.Contracts.Client;

namespace Vrm.Orchestrator.Admin;

/// <summary>
/// Where the AdminService listens and how callers prove who they are. Token from VRM_ADMIN_TOKEN, else
/// the file VRM_ADMIN_TOKEN_FILE (default /var/run/secrets/vrm/admin-token, a mounted Kubernetes
/// secret). No token → the admin API is not served at all (never open without auth). TLS when
/// VRM_ADMIN_TLS_CERT and VRM_ADMIN_TLS_KEY name PEM files; cleartext HTTP/2 otherwise.
/// </summary>
public sealed record AdminOptions(int Port, string? Token, string? TlsCertPath, string? TlsKeyPath)
{
    public const int DefaultPort = 7000;
    public const string DefaultTokenFile = "/var/run/secrets/vrm/admin-token";
    /// <summary>Short tokens are guessable; 16 characters is the least we accept.</summary>
    public const int MinTokenLength = 16;

    public bool Enabled => Token is not null;
    public bool UseTls => TlsCertPath is not null;

    public static AdminOptions FromEnvironment(Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        var port = ClusterEndpoints.EnvPort(env, "VRM_ADMIN_PORT", DefaultPort);
        var token = NonEmpty(env("VRM_ADMIN_TOKEN"));
        if (token is null)
        {
            var file = NonEmpty(env("VRM_ADMIN_TOKEN_FILE")) ?? DefaultTokenFile;
            if (File.Exists(file)) token = NonEmpty(File.ReadAllText(file));
            else if (NonEmpty(env("VRM_ADMIN_TOKEN_FILE")) is not null)
                throw new ArgumentException($"VRM_ADMIN_TOKEN_FILE '{file}' does not exist");
        }
        if (token is not null && token.Length < MinTokenLength)
            throw new ArgumentException($"admin token (VRM_ADMIN_TOKEN / VRM_ADMIN_TOKEN_FILE) must be at least {MinTokenLength} characters (got {token.Length})");
        var cert = NonEmpty(env("VRM_ADMIN_TLS_CERT"));
        var key = NonEmpty(env("VRM_ADMIN_TLS_KEY"));
        if ((cert is null) != (key is null)) throw new ArgumentException("VRM_ADMIN_TLS_CERT and VRM_ADMIN_TLS_KEY must be set together");
        return new AdminOptions(port, token, cert, key);
    }

    public X509Certificate2 LoadCertificate() => X509Certificate2.CreateFromPemFile(TlsCertPath!, TlsKeyPath);

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
