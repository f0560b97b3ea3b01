# syntax=docker/dockerfile:1.7
# CUDA image: learner and rollout workers on GPU nodes. Same code as the CPU image; the publish
# selects the CUDA TorchSharp bundle (TorchSharp-cuda-linux), which carries LibTorch's own CUDA
# user-space libraries (cuBLAS, cuDNN, NCCL). The base therefore only needs the CUDA driver hooks;
# the node's driver must support the CUDA version of that bundle.
#   docker build -f k8s/docker/cuda.Dockerfile -t <registry>/vrm-cuda:<version> .   (context: repo root)
# Ubuntu 24.04's libstdc++ already has GLIBCXX_3.4.32: the GLIBCXX fix runs in publish but is a no-op here.

FROM mcr.microsoft.com/dotnet/sdk:10.0.100-noble AS build
WORKDIR /src
COPY . .
RUN bash k8s/docker/publish.sh cuda /app

FROM nvidia/cuda:12.8.1-base-ubuntu24.04 AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3t64 zlib1g libstdc++6 libgomp1 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 vrm \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin vrm
COPY --from=build /app /app
ENV HOME=/tmp \
    DOTNET_NOLOGO=1 \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
USER 10001:10001
WORKDIR /tmp
EXPOSE 8080 7100 7300
ENTRYPOINT ["/app/vrm"]
