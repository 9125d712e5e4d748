#!/usr/bin/env bash
# Builds a .NET runtime base image without any registry: a root filesystem assembled from this machine's
# .NET runtime (host, Microsoft.NETCore.App, Microsoft.AspNetCore.App) and the system libraries they load,
# imported with `docker import`. The Dockerfiles build FROM it through their RUNTIME_IMAGE argument.
# It has the user the official .NET images have: app, UID 1654, home /home/app (writable), so that the images built on
# it run as that user either way.
# Usage: deploy/build-base-image.sh [--force]   (image name: $BASE_IMAGE, default orleans-lb/dotnet-runtime:10.0)
# Without --force an image that exists is kept, unless this recipe or the local runtime changed since it was built.
set -euo pipefail
source "$(dirname "$0")/rootfs.sh"

image=${BASE_IMAGE:-orleans-lb/dotnet-runtime:10.0}
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
recipe=$(image_recipe "$0" <(ls "$dotnet_root/shared/Microsoft.NETCore.App" "$dotnet_root/shared/Microsoft.AspNetCore.App"))
if [ "${1:-}" != "--force" ] && image_current "$image" "$recipe"; then
  echo "base image $image is up to date"
  exit 0
fi

rootfs_new
mkdir -p "$rootfs/usr/share/dotnet/shared" "$rootfs/app"
cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$rootfs/usr/share/dotnet/"
for framework in Microsoft.NETCore.App Microsoft.AspNetCore.App; do
  cp -a "$dotnet_root/shared/$framework" "$rootfs/usr/share/dotnet/shared/"
done

# Every library the host and the runtime's native parts link to, plus OpenSSL (loaded with dlopen, so ldd misses it).
openssl=$(ldconfig -p | awk '/libssl\.so\.3 |libcrypto\.so\.3 / { print $NF }' | sort -u)
rootfs_binaries "$dotnet_root/dotnet" $(find "$rootfs/usr/share/dotnet" -name '*.so') $openssl
for lib in $openssl; do cp --parents -L "$lib" "$rootfs/"; done
[ -d /etc/ssl/certs ] && cp -rL --parents /etc/ssl/certs "$rootfs/" 2>/dev/null || true
rootfs_user app 1654 /home/app

rootfs_import "$image" "$recipe" \
  --change 'ENV DOTNET_ROOT=/usr/share/dotnet' \
  --change 'ENV PATH=/usr/share/dotnet:/usr/bin:/bin' \
  --change 'ENV DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1' \
  --change 'ENV DOTNET_NOLOGO=1' \
  --change 'ENV APP_UID=1654' \
  --change 'WORKDIR /app'
docker run --rm --user 1654 "$image" dotnet --list-runtimes
echo "built base image $image"
