# The images orleans-lb/backend, orleans-lb/silo and orleans-lb/gateway from source, multi-stage; needs the .NET SDK
# image (registry access). PROGRAM is backend, silo or gateway; the context is the repository root (the root
# .dockerignore keeps build output out of it):
#   docker build -f deploy/app.Dockerfile --build-arg PROGRAM=silo -t orleans-lb/silo:dev .
# Without a registry, deploy/build-images.sh builds the same images from a host publish (deploy/app.prebuilt.Dockerfile)
# on a base image assembled from the local .NET runtime; pass that base here too with --build-arg RUNTIME_IMAGE=….
# The runtime part below is the same as in deploy/app.prebuilt.Dockerfile: change them together.
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG PROGRAM=backend

FROM ${SDK_IMAGE} AS build
ARG PROGRAM
WORKDIR /src
COPY . .
RUN case "$PROGRAM" in \
      backend) project=BackendServer ;; \
      silo) project=Silo ;; \
      gateway) project=Gateway ;; \
      *) echo "PROGRAM must be backend, silo or gateway, not '$PROGRAM'" >&2; exit 1 ;; \
    esac \
 && dotnet publish "$project/$project.csproj" -c Release -o "/out/$PROGRAM" \
 && dotnet publish deploy/HealthProbe/HealthProbe.csproj -c Release -o /out/healthprobe

# What every program's image has: the health probe, and a user that is not root (1654, the official .NET images'
# "app" user, whose home is writable; /tmp holds the process runtime's state directory).
FROM ${RUNTIME_IMAGE} AS runtime
COPY --from=build /out/healthprobe/ /healthprobe/
WORKDIR /app
ENV DOTNET_gcServer=0
USER 1654

# The replica: /heartbeat is its health endpoint. The silo probes it every 500 ms itself, so Docker's check is for
# people and orchestrators only, and cheap at 30 s.
FROM runtime AS backend
ENV PORT=5000
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
  CMD ["dotnet", "/healthprobe/Orleans.LoadBalancer.HealthProbe.dll", "/heartbeat"]
ENTRYPOINT ["dotnet", "Orleans.LoadBalancer.BackendServer.dll"]

FROM runtime AS silo
ENV Urls=http://0.0.0.0:8080
HEALTHCHECK --interval=10s --timeout=10s --start-period=60s --retries=3 \
  CMD ["dotnet", "/healthprobe/Orleans.LoadBalancer.HealthProbe.dll", "/healthz"]
ENTRYPOINT ["dotnet", "Orleans.LoadBalancer.Silo.dll"]

# With Admin__Urls set the traffic port proxies /healthz to a replica: the gateway's own is probed on its admin port.
FROM runtime AS gateway
ENV Urls=http://0.0.0.0:5000
HEALTHCHECK --interval=10s --timeout=10s --start-period=60s --retries=3 \
  CMD ["dotnet", "/healthprobe/Orleans.LoadBalancer.HealthProbe.dll", "/healthz", "--admin-first"]
ENTRYPOINT ["dotnet", "Orleans.LoadBalancer.Gateway.dll"]

FROM ${PROGRAM}
ARG PROGRAM
COPY --from=build /out/${PROGRAM}/ /app/
