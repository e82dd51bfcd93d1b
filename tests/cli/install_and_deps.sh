#!/usr/bin/env bash
# make install honours PREFIX (via cmake --install on the built tree), and
# scripts/deps, when not root and packages are missing, prints the exact
# apt-get line and stops without installing.
. "$SRC/tests/lib/sh.sh"

expect_rc 0 "cmake --install to a prefix" cmake --install "$BUILD" --prefix "$WORK/prefix"
check "kensa installed under PREFIX/bin" test -x "$WORK/prefix/bin/kensa"
expect_rc 0 "installed kensa runs" "$WORK/prefix/bin/kensa" --version

# Fake a non-root user with one missing package.
mkdir -p "$WORK/fake"
cat > "$WORK/fake/id" <<'X'
#!/bin/sh
echo 1000
X
cat > "$WORK/fake/dpkg-query" <<'X'
#!/bin/sh
for a; do last=$a; done
[ "$last" = libpcap-dev ] && exit 1
echo "install ok installed"
X
cat > "$WORK/fake/apt-get" <<'X'
#!/bin/sh
echo "apt-get must not run" >&2; exit 99
X
chmod +x "$WORK/fake/"*
PATH="$WORK/fake:$PATH" expect_rc 1 "deps stops when not root" bash "$SRC/scripts/deps" build
check "deps prints the install line" contains "$WORK/err" "apt-get install -y libpcap-dev"
check "deps did not call apt-get" sh -c "! grep -q 'must not run' '$WORK/err'"
# Nothing missing: silent success.
cat > "$WORK/fake/dpkg-query" <<'X'
#!/bin/sh
echo "install ok installed"
X
PATH="$WORK/fake:$PATH" expect_rc 0 "deps with nothing missing" bash "$SRC/scripts/deps" all
check "deps silent when nothing missing" test ! -s "$WORK/err"
expect_rc 2 "deps usage" bash "$SRC/scripts/deps" bogus
finish
