using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Vrm.Orchestrator.Admin;

/// <summary>
/// Every AdminService call must carry <c>authorization: Bearer &lt;token&gt;</c>. The comparison is
/// constant-time over SHA-256 digests (equal length, so neither content nor length leaks through timing).
/// </summary>
public sealed class AdminAuthInterceptor(AdminOptions options) : Interceptor
{
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(options.Token ?? throw new ArgumentException("admin token is not configured")));

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, responseStream, context);
    }

    private void Check(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue("authorization");
        if (header is null) throw new RpcException(new Status(StatusCode.Unauthenticated, "missing 'authorization: Bearer <token>' header"));
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            throw new RpcException(new Status(StatusCode.Unauthenticated, "authorization header must be 'Bearer <token>'"));
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        if (!CryptographicOperations.FixedTimeEquals(given, _expected))
            throw new RpcException(new Status(StatusCode.Unauthenticated, "invalid admin token"));
    }
}
