# syntax=docker/dockerfile:1.7
# CPU image: orchestrator and reward service (and every role on cpu-dev). Debian 12 runtime.
#   docker build -f k8s/docker/cpu.Dockerfile -t <registry>/vrm-cpu:<version> .    (context: repo root)
# .NET 10 publishes no Debian 12 images, so the SDK stage is Ubuntu 24.04 and the output is
# self-contained; the TorchSharp GLIBCXX fix (build/TorchSharpNativeFix.targets) runs inside that
# publish and is what lets libLibTorchSharp.so load on Debian 12's libstdc++ (GLIBCXX_3.4.30).

FROM mcr.microsoft.com/dotnet/sdk:10.0.100-noble AS build
WORKDIR /src
COPY . .
RUN bash k8s/docker/publish.sh cpu /app

FROM debian:12.11-slim AS runtime
# Native dependencies of a self-contained .NET app (globalization is invariant: no ICU) and the font
# the renderers name explicitly, so images render the same text on every node.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 zlib1g libstdc++6 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 vrm \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin vrm
# Owned by root, not writable by the app user: the pod runs with a read-only root filesystem anyway.
COPY --from=build /app /app
ENV HOME=/tmp \
    DOTNET_NOLOGO=1
# Numeric user so runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
WORKDIR /tmp
EXPOSE 8080 7000 7100 7200 7300 11111 30000
ENTRYPOINT ["/app/vrm"]
