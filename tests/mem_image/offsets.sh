#!/usr/bin/env bash
# The fixture builder's fallback offsets table (offsets.h) must equal the
# real ISF files, field by field.
. "$SRC/tests/lib/sh.sh"
: "${MKIMAGE:?}"
need_shared
expect_rc 0 "offsets.h matches the ISFs" "$MKIMAGE" --check-isf "$SHARED/mem/isf"
check "three builds compared" contains "$WORK/out" "checked 3 builds, 0 differences"
finish
