# The images orleans-lb/backend, orleans-lb/silo and orleans-lb/gateway from a host publish, no registry needed.
# deploy/build-images.sh runs both steps for each PROGRAM (backend, silo or gateway):
#   dotnet publish BackendServer/BackendServer.csproj -c Release -o deploy/publish/backend
#   dotnet publish deploy/HealthProbe/HealthProbe.csproj -c Release -o deploy/publish/healthprobe
#   docker build --build-arg RUNTIME_IMAGE=orleans-lb/dotnet-runtime:10.0 --build-arg PROGRAM=backend \
#     -t orleans-lb/backend:dev -f deploy/app.prebuilt.Dockerfile deploy
# Kept apart from deploy/app.Dockerfile (from source) so that neither build needs what the other one builds from,
# whichever builder runs it. The runtime part below is the same in both files: change them together.
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
ARG PROGRAM=backend

# What every program's image has: the health probe, and a user that is not root. 1654 is the official .NET images'
# "app" user; deploy/build-base-image.sh gives the registry-free base the same one, with a writable home
# (ASP.NET keeps its data-protection keys there) and a world-writable /tmp (the process runtime's state directory).
FROM ${RUNTIME_IMAGE} AS runtime
COPY publish/healthprobe/ /healthprobe/
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
# Owned by root and read-only to the program: it writes nothing under /app.
COPY publish/${PROGRAM}/ /app/
