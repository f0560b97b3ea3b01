using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Vrm.Protos.Weights;

namespace Vrm.RolloutWorker.WeightSync;

/// <summary>
/// The WeightSync service surface (weights.proto's Push and GetVersion: same names, same wire format), bound by hand
/// instead of through the generated WeightSyncBase so that Push reads its chunks with
/// <see cref="ArrivedWeightChunk.Marshaller"/>, which lands payload bytes in the snapshot array straight from the
/// request pipe. grpc-dotnet resolves each handler as an override of a virtual method declared on this type.
/// </summary>
[BindServiceMethod(typeof(WeightSyncBinding), nameof(BindService))]
public abstract class WeightSyncBinding
{
    private static readonly string ServiceName = Protos.Weights.WeightSync.Descriptor.FullName;

    private static readonly Method<ArrivedWeightChunk, PushReply> PushMethod = new(MethodType.ClientStreaming, ServiceName, "Push",
        ArrivedWeightChunk.Marshaller, Marshallers.Create(m => m.ToByteArray(), PushReply.Parser.ParseFrom));

    private static readonly Method<GetVersionRequest, VersionReply> GetVersionMethod = new(MethodType.Unary, ServiceName, "GetVersion",
        Marshallers.Create(m => m.ToByteArray(), GetVersionRequest.Parser.ParseFrom), Marshallers.Create(m => m.ToByteArray(), VersionReply.Parser.ParseFrom));

    public abstract Task<PushReply> Push(IAsyncStreamReader<ArrivedWeightChunk> requestStream, ServerCallContext context);

    public abstract Task<VersionReply> GetVersion(GetVersionRequest request, ServerCallContext context);

    /// <summary>grpc-dotnet calls this with a null service to discover the methods, then resolves the service per call.</summary>
    public static void BindService(ServiceBinderBase binder, WeightSyncBinding? service)
    {
        binder.AddMethod(PushMethod, service is null ? null! : service.Push);
        binder.AddMethod(GetVersionMethod, service is null ? null! : service.GetVersion);
    }
}
