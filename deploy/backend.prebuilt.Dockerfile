# BackendServer from a host publish, no registry needed (deploy/build-images.sh runs both steps):
#   dotnet publish BackendServer/BackendServer.csproj -c Release -o deploy/publish/BackendServer
#   docker build --build-arg RUNTIME_IMAGE=orleans-lb/dotnet-runtime:10.0 -f deploy/backend.prebuilt.Dockerfile deploy
# A file of its own, so that the from-source build (deploy/backend.Dockerfile) never needs deploy/publish, whichever builder runs it.
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
FROM ${RUNTIME_IMAGE}
WORKDIR /app
COPY publish/BackendServer/ /app/
ENV PORT=5000 DOTNET_gcServer=0
ENTRYPOINT ["dotnet", "Orleans.LoadBalancer.BackendServer.dll"]
