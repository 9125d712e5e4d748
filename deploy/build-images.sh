#!/usr/bin/env bash
# Builds the images orleans-lb/backend, orleans-lb/silo and orleans-lb/gateway (tag $IMAGE_TAG, default dev) from a
# host publish with deploy/app.prebuilt.Dockerfile, on the registry-free base image (deploy/build-base-image.sh), and
# orleans-lb/redis for deploy/docker-compose.cluster.yml (deploy/build-redis-image.sh; skipped when redis-server is not
# installed, unless asked for by name). Idempotent: skips an image that is newer than its sources and its base.
# Usage: deploy/build-images.sh [backend|silo|gateway|redis]
set -euo pipefail
cd "$(dirname "$0")/.."

tag=${IMAGE_TAG:-dev}
base=${BASE_IMAGE:-orleans-lb/dotnet-runtime:10.0}
only=${1:-all}
case "$only" in
  all | backend | silo | gateway | redis) ;;
  *) echo "usage: $0 [backend|silo|gateway|redis]" >&2; exit 2 ;;
esac

if [ "$only" = all ] || [ "$only" = redis ]; then
  if [ "$only" = redis ] || command -v redis-server >/dev/null 2>&1; then
    IMAGE_TAG=$tag bash deploy/build-redis-image.sh
  else
    echo "skipped orleans-lb/redis:$tag: redis-server is not installed (deploy/docker-compose.cluster.yml needs it)"
  fi
  [ "$only" = redis ] && exit 0
fi

BASE_IMAGE=$base bash deploy/build-base-image.sh
base_created=$(date -d "$(docker image inspect -f '{{.Created}}' "$base")" +%s)

# The health probe goes into every image (HEALTHCHECK); published once per run.
probe_published=false
publish_probe() {
  $probe_published && return 0
  rm -rf deploy/publish/healthprobe
  dotnet publish deploy/HealthProbe/HealthProbe.csproj -c Release -o deploy/publish/healthprobe --nologo -v q -clp:ErrorsOnly
  probe_published=true
}

for spec in backend:BackendServer silo:Silo gateway:Gateway; do
  name=${spec%%:*}; project=${spec#*:}
  [ "$only" = all ] || [ "$only" = "$name" ] || continue
  image=orleans-lb/$name:$tag
  newest_source=$( { find "$project" Grains Grains.Interfaces Routing ServiceDefaults deploy/HealthProbe \
      -name '*.cs' -o -name '*.json' -o -name '*.csproj' -o -name '*.html' -o -name '*.js' -o -name '*.css' \
    | grep -v '/bin/\|/obj/'; echo deploy/app.prebuilt.Dockerfile; echo Directory.Build.props; echo Directory.Packages.props; } \
    | xargs stat -c %Y | sort -n | tail -1)
  [ "$base_created" -gt "$newest_source" ] && newest_source=$base_created
  created=$(docker image inspect -f '{{.Created}}' "$image" 2>/dev/null || true)
  if [ -n "$created" ] && [ "$(date -d "$created" +%s)" -ge "$newest_source" ]; then
    echo "image $image is up to date"
    continue
  fi
  publish_probe
  rm -rf "deploy/publish/$name"
  dotnet publish "$project/$project.csproj" -c Release -o "deploy/publish/$name" --nologo -v q -clp:ErrorsOnly
  # The programs run as a user that is not root: whatever the umask here, they must be able to read their files.
  chmod -R a+rX "deploy/publish/$name" deploy/publish/healthprobe
  docker build -q --build-arg RUNTIME_IMAGE="$base" --build-arg PROGRAM="$name" -t "$image" \
    -f deploy/app.prebuilt.Dockerfile deploy >/dev/null
  echo "built image $image"
done
