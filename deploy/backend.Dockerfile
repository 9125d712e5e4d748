# BackendServer. Two ways to build:
#  - prebuilt (no registry needed): `dotnet publish BackendServer -c Release -o deploy/publish/BackendServer`, then
#    `docker build --target prebuilt --build-arg RUNTIME_IMAGE=orleans-lb/dotnet-runtime:10.0 -f deploy/backend.Dockerfile deploy`
#    (deploy/build-images.sh does both);
#  - multi-stage from source, with registry access: `docker build -f deploy/backend.Dockerfile .` (the repository root as context).
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0

FROM ${RUNTIME_IMAGE} AS prebuilt
WORKDIR /app
COPY publish/BackendServer/ /app/
ENV PORT=5000 DOTNET_gcServer=0
ENTRYPOINT ["dotnet", "Orleans.LoadBalancer.BackendServer.dll"]

FROM ${SDK_IMAGE} AS build
WORKDIR /src
COPY . .
RUN dotnet publish BackendServer/BackendServer.csproj -c Release -o /out

FROM ${RUNTIME_IMAGE} AS final
WORKDIR /app
COPY --from=build /out/ /app/
ENV PORT=5000 DOTNET_gcServer=0
ENTRYPOINT ["dotnet", "Orleans.LoadBalancer.BackendServer.dll"]
