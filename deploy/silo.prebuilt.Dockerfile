# Silo from a host publish, no registry needed (deploy/build-images.sh runs both steps):
#   dotnet publish Silo/Silo.csproj -c Release -o deploy/publish/Silo
#   docker build --build-arg RUNTIME_IMAGE=orleans-lb/dotnet-runtime:10.0 -f deploy/silo.prebuilt.Dockerfile deploy
# A file of its own, so that the from-source build (deploy/silo.Dockerfile) never needs deploy/publish, whichever builder runs it.
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
FROM ${RUNTIME_IMAGE}
WORKDIR /app
COPY publish/Silo/ /app/
ENV Urls=http://0.0.0.0:8080 DOTNET_gcServer=0
ENTRYPOINT ["dotnet", "Orleans.LoadBalancer.Silo.dll"]
