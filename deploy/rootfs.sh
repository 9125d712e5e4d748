# Sourced by the image scripts: assembles a root filesystem from this machine's own files, for `docker import`
# (no registry needed). `rootfs_new` makes it (in $rootfs, removed on exit), `rootfs_binaries FILE…` copies files with
# every library they link to, `rootfs_user NAME UID HOME` adds a user that is not root, and `rootfs_import IMAGE
# RECIPE [--change …]` imports it labelled with RECIPE (see `image_recipe`).

rootfs_new() {
  rootfs=$(mktemp -d)
  trap 'rm -rf "$rootfs"' EXIT
  mkdir -p "$rootfs/tmp" "$rootfs/etc"
  # World-writable with the sticky bit, as on any Linux: programs that run as a non-root user write their state here.
  chmod 1777 "$rootfs/tmp"
  echo 'root:x:0:0:root:/root:/sbin/nologin' >"$rootfs/etc/passwd"
  echo 'root:x:0:' >"$rootfs/etc/group"
}

# The files, and the shared libraries `ldd` lists for them (followed through symbolic links).
rootfs_binaries() {
  local libs lib
  libs=$(for file in "$@"; do ldd "$file" 2>/dev/null || true; done \
    | awk '/=> \// { print $3 } /^\s*\/lib/ { print $1 }' | sort -u)
  for lib in $libs /lib64/ld-linux-x86-64.so.2; do
    [ -e "$lib" ] && cp --parents -L "$lib" "$rootfs/"
  done
  return 0
}

rootfs_user() {
  local name=$1 uid=$2 home=$3
  echo "$name:x:$uid:$uid:$name:$home:/sbin/nologin" >>"$rootfs/etc/passwd"
  echo "$name:x:$uid:" >>"$rootfs/etc/group"
  mkdir -p "$rootfs$home"
  chown "$uid:$uid" "$rootfs$home"
  chmod 0750 "$rootfs$home"
}

# A digest of what the image is made from (these scripts and the given files): an image whose label differs is rebuilt.
image_recipe() {
  cat "$(dirname "${BASH_SOURCE[0]}")/rootfs.sh" "$@" | sha256sum | cut -c1-16
}

# Whether IMAGE exists and was made from RECIPE.
image_current() {
  [ "$(docker image inspect -f '{{ index .Config.Labels "orleans-lb.recipe" }}' "$1" 2>/dev/null)" = "$2" ]
}

rootfs_import() {
  local image=$1 recipe=$2
  shift 2
  # --numeric-owner: the ids in the image are what counts, not this machine's names for them.
  tar -C "$rootfs" --numeric-owner -c . | docker import --change "LABEL orleans-lb.recipe=$recipe" "$@" - "$image" >/dev/null
}
