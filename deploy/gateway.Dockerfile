# Gateway. Two ways to build:
#  - prebuilt (no registry needed): `dotnet publish Gateway -c Release -o deploy/publish/Gateway`, then
#    `docker build --target prebuilt --build-arg RUNTIME_IMAGE=orleans-lb/dotnet-runtime:10.0 -f deploy/gateway.Dockerfile deploy`
#    (deploy/build-images.sh does both);
#  - multi-stage from source, with registry access: `docker build -f deploy/gateway.Dockerfile .` (the repository root as context).
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0

FROM ${RUNTIME_IMAGE} AS prebuilt
WORKDIR /app
COPY publish/Gateway/ /app/
ENV Urls=http://0.0.0.0:5000 DOTNET_gcServer=0
ENTRYPOINT ["dotnet", "Orleans.LoadBalancer.Gateway.dll"]

FROM ${SDK_IMAGE} AS build
WORKDIR /src
COPY . .
RUN dotnet publish Gateway/Gateway.csproj -c Release -o /out

FROM ${RUNTIME_IMAGE} AS final
WORKDIR /app
COPY --from=build /out/ /app/
ENV Urls=http://0.0.0.0:5000 DOTNET_gcServer=0
ENTRYPOINT ["dotnet", "Orleans.LoadBalancer.Gateway.dll"]
