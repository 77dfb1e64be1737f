#!/bin/sh
# The version is the same everywhere a package takes it from: CMake's project(), the Debian
# changelog (upstream part), the RPM spec, the Arch PKGBUILD, the Ansible collection's galaxy.yml, the man page's title line.
#   tests/packaging/versions.sh SOURCE_DIR CMAKE_VERSION
set -eu
src=$1
want=$2
status=0
check() { # check WHAT VERSION
    if [ "$2" = "$want" ]; then
        echo "$1: $2"
    else
        echo "$1: '$2', but CMake says $want" >&2
        status=1
    fi
}
debian=$(sed -n '1s/^kaltune (\([^)]*\)).*/\1/p' "$src/packaging/debian/changelog")
check "packaging/debian/changelog" "${debian%-*}"
check "packaging/rpm/kaltune.spec" "$(sed -n 's/^Version:[[:space:]]*//p' "$src/packaging/rpm/kaltune.spec")"
check "packaging/arch/PKGBUILD" "$(sed -n 's/^pkgver=//p' "$src/packaging/arch/PKGBUILD")"
check "packaging/ansible/galaxy.yml" "$(sed -n 's/^version:[[:space:]]*//p' "$src/packaging/ansible/galaxy.yml")"
check "man/kaltune.8" "$(sed -n 's/^\.TH KALTUNE 8 [^ ]* "kaltune \([^"]*\)".*/\1/p' "$src/man/kaltune.8")"
exit $status
