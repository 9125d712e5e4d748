#!/usr/bin/env bash
# Builds a Redis image without any registry, from this machine's redis-server and redis-cli (Debian: apt-get install
# redis-server; tests/setup.sh does it), for deploy/docker-compose.cluster.yml. It runs as the user redis (UID 999,
# as in the official image) and keeps its data in /data.
# Usage: deploy/build-redis-image.sh [--force]   (image name: $REDIS_IMAGE, default orleans-lb/redis:${IMAGE_TAG:-dev})
set -euo pipefail
source "$(dirname "$0")/rootfs.sh"

image=${REDIS_IMAGE:-orleans-lb/redis:${IMAGE_TAG:-dev}}
for tool in redis-server redis-cli; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is not installed (Debian: apt-get install redis-server)" >&2; exit 1; }
done
server=$(readlink -f "$(command -v redis-server)")
cli=$(readlink -f "$(command -v redis-cli)")
recipe=$(image_recipe "$0" "$server" "$cli")
if [ "${1:-}" != "--force" ] && image_current "$image" "$recipe"; then
  echo "image $image is up to date"
  exit 0
fi

rootfs_new
mkdir -p "$rootfs/usr/bin"
# redis-server is a link to redis-check-rdb, which acts by the name it is started with: copy it under the right name.
cp "$server" "$rootfs/usr/bin/redis-server"
cp "$cli" "$rootfs/usr/bin/redis-cli"
rootfs_binaries "$server" "$cli"
rootfs_user redis 999 /data
chmod 0755 "$rootfs/data"

rootfs_import "$image" "$recipe" \
  --change 'ENV PATH=/usr/bin:/bin' \
  --change 'USER 999' \
  --change 'WORKDIR /data' \
  --change 'VOLUME /data' \
  --change 'EXPOSE 6379' \
  --change 'CMD ["redis-server"]'
docker run --rm "$image" redis-server --version
echo "built image $image"
