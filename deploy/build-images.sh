#!/usr/bin/env bash
# Builds the images orleans-lb/backend:dev, orleans-lb/silo:dev and orleans-lb/gateway:dev from a host publish,
# on the registry-free base image (deploy/build-base-image.sh). Idempotent: skips an image that is newer than its sources.
# Usage: deploy/build-images.sh [backend|silo|gateway]   (tag: $IMAGE_TAG, default dev)
set -euo pipefail
cd "$(dirname "$0")/.."

base=${BASE_IMAGE:-orleans-lb/dotnet-runtime:10.0}
bash deploy/build-base-image.sh

only=${1:-all}
for spec in backend:BackendServer silo:Silo gateway:Gateway; do
  name=${spec%%:*}; project=${spec#*:}
  [ "$only" = all ] || [ "$only" = "$name" ] || continue
  image=orleans-lb/$name:${IMAGE_TAG:-dev}
  newest_source=$( { find "$project" Grains Grains.Interfaces -name '*.cs' -o -name '*.json' -o -name '*.csproj' -o -name '*.html' \
    | grep -v '/bin/\|/obj/'; echo "deploy/$name.prebuilt.Dockerfile"; } | xargs stat -c %Y | sort -n | tail -1)
  created=$(docker image inspect -f '{{.Created}}' "$image" 2>/dev/null || true)
  if [ -n "$created" ] && [ "$(date -d "$created" +%s)" -ge "$newest_source" ]; then
    echo "image $image is up to date"
    continue
  fi
  rm -rf "deploy/publish/$project"
  dotnet publish "$project/$project.csproj" -c Release -o "deploy/publish/$project" --nologo -v q -clp:ErrorsOnly
  docker build -q --build-arg RUNTIME_IMAGE="$base" -t "$image" -f "deploy/$name.prebuilt.Dockerfile" deploy >/dev/null
  echo "built image $image"
done
