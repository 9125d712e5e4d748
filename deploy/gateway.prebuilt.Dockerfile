# Gateway from a host publish, no registry needed (deploy/build-images.sh runs both steps):
#   dotnet publish Gateway/Gateway.csproj -c Release -o deploy/publish/Gateway
#   docker build --build-arg RUNTIME_IMAGE=orleans-lb/dotnet-runtime:10.0 -f deploy/gateway.prebuilt.Dockerfile deploy
# A file of its own, so that the from-source build (deploy/gateway.Dockerfile) never needs deploy/publish, whichever builder runs it.
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
FROM ${RUNTIME_IMAGE}
WORKDIR /app
COPY publish/Gateway/ /app/
ENV Urls=http://0.0.0.0:5000 DOTNET_gcServer=0
ENTRYPOINT ["dotnet", "Orleans.LoadBalancer.Gateway.dll"]
