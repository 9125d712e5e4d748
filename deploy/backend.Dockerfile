# BackendServer from source, multi-stage; needs the .NET SDK image (registry access). The context is the repository root
# (the root .dockerignore keeps build output out of it):
#   docker build -f deploy/backend.Dockerfile -t orleans-lb/backend:dev .
# Without a registry, deploy/build-images.sh builds the same image from a host publish (deploy/backend.prebuilt.Dockerfile)
# on a base image assembled from the local .NET runtime; pass that base here too with --build-arg RUNTIME_IMAGE=….
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0

FROM ${SDK_IMAGE} AS build
WORKDIR /src
COPY . .
RUN ["dotnet", "publish", "BackendServer/BackendServer.csproj", "-c", "Release", "-o", "/out"]

FROM ${RUNTIME_IMAGE}
WORKDIR /app
COPY --from=build /out/ /app/
ENV PORT=5000 DOTNET_gcServer=0
ENTRYPOINT ["dotnet", "Orleans.LoadBalancer.BackendServer.dll"]
