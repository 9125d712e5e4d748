#!/usr/bin/env bash
# Builds a .NET runtime base image without any registry: a root filesystem assembled from this machine's
# .NET runtime (host, Microsoft.NETCore.App, Microsoft.AspNetCore.App) and the system libraries they load,
# imported with `docker import`. The Dockerfiles build FROM it through their RUNTIME_IMAGE argument.
# Usage: deploy/build-base-image.sh [--force]   (image name: $BASE_IMAGE, default orleans-lb/dotnet-runtime:10.0)
set -euo pipefail

image=${BASE_IMAGE:-orleans-lb/dotnet-runtime:10.0}
if [ "${1:-}" != "--force" ] && docker image inspect "$image" >/dev/null 2>&1; then
  echo "base image $image exists"
  exit 0
fi

dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT

mkdir -p "$rootfs/usr/share/dotnet/shared" "$rootfs/tmp" "$rootfs/etc" "$rootfs/app"
chmod 1777 "$rootfs/tmp"
cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$rootfs/usr/share/dotnet/"
for framework in Microsoft.NETCore.App Microsoft.AspNetCore.App; do
  cp -a "$dotnet_root/shared/$framework" "$rootfs/usr/share/dotnet/shared/"
done

# Every library the host and the runtime's native parts link to, plus OpenSSL (loaded with dlopen, so ldd misses it).
libs=$( { ldd "$dotnet_root/dotnet"; find "$rootfs/usr/share/dotnet" -name '*.so' -exec ldd {} \; 2>/dev/null; } \
  | awk '/=> \// { print $3 } /^\s*\/lib/ { print $1 }' | sort -u)
openssl=$(ldconfig -p | awk '/libssl\.so\.3 |libcrypto\.so\.3 / { print $NF }' | sort -u)
for lib in $libs $openssl /lib64/ld-linux-x86-64.so.2; do
  [ -e "$lib" ] && cp --parents -L "$lib" "$rootfs/"
done
[ -d /etc/ssl/certs ] && cp -rL --parents /etc/ssl/certs "$rootfs/" 2>/dev/null || true
echo 'root:x:0:0:root:/root:/sbin/nologin' > "$rootfs/etc/passwd"
echo 'root:x:0:' > "$rootfs/etc/group"

tar -C "$rootfs" -c . | docker import \
  --change 'ENV DOTNET_ROOT=/usr/share/dotnet' \
  --change 'ENV PATH=/usr/share/dotnet:/usr/bin:/bin' \
  --change 'ENV DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1' \
  --change 'ENV DOTNET_NOLOGO=1' \
  --change 'WORKDIR /app' \
  - "$image" >/dev/null
docker run --rm "$image" dotnet --list-runtimes
echo "built base image $image"
