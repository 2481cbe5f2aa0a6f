#!/usr/bin/env bats
# .ci/deps: make check installs no daemon, and no install leaves a
# service enabled or lets one start.  apt-get is a fake here, and
# DEPS_ROOT a directory standing for /: nothing is installed for real.

load test_helper

setup() {
	R=$BATS_TEST_TMPDIR/root
	FAKE=$BATS_TEST_TMPDIR/fake
	mkdir -p "$R/usr/sbin" "$R/etc/systemd/system/multi-user.target.wants" \
		"$FAKE"
	# apt-get install: notes whether policy-rc.d forbids starting, and
	# enables a service, as openssh-server's postinst does.
	cat >"$FAKE/apt-get" <<-EOF
	#!/bin/sh
	[ "\$1" = install ] || exit 0
	"$R/usr/sbin/policy-rc.d" ssh start
	echo "policy \$?" >"$BATS_TEST_TMPDIR/policy-seen"
	ln -s /lib/systemd/system/ssh.service \\
	    "$R/etc/systemd/system/multi-user.target.wants/ssh.service"
	EOF
	# systemctl cannot act on this fake root: the link is removed instead.
	printf '#!/bin/sh\nexit 1\n' >"$FAKE/systemctl"
	chmod 755 "$FAKE/apt-get" "$FAKE/systemctl"
}

deps() {
	PATH=$FAKE:$PATH DEPS_ROOT=$R run sh "$RANGETOOLS_REPO/.ci/deps" "$@"
}

@test "an install starts no service: policy-rc.d forbids it meanwhile" {
	deps --install openssh-server
	assert_success
	[ "$(cat "$BATS_TEST_TMPDIR/policy-seen")" = "policy 101" ]
}

@test "an install leaves no service enabled, and names what it disabled" {
	ln -s /lib/systemd/system/cron.service \
		"$R/etc/systemd/system/multi-user.target.wants/cron.service"
	deps --install openssh-server
	assert_success
	assert_output --partial "deps: disabled ssh.service, which the install enabled"
	[ ! -e "$R/etc/systemd/system/multi-user.target.wants/ssh.service" ] &&
		[ ! -L "$R/etc/systemd/system/multi-user.target.wants/ssh.service" ]
	# What was enabled before stays.
	[ -L "$R/etc/systemd/system/multi-user.target.wants/cron.service" ]
}

@test "an install puts back the policy-rc.d it found" {
	printf '#!/bin/sh\nexit 0\n' >"$R/usr/sbin/policy-rc.d"
	deps --install openssh-server
	assert_success
	[ "$(cat "$R/usr/sbin/policy-rc.d")" = "$(printf '#!/bin/sh\nexit 0')" ]
}

@test "an install removes the policy-rc.d it made" {
	deps --install openssh-server
	assert_success
	[ ! -e "$R/usr/sbin/policy-rc.d" ]
}

# nothing_installed: dpkg-query knows no package, and we are root.
nothing_installed() {
	printf '#!/bin/sh\nexit 1\n' >"$FAKE/dpkg-query"
	printf '#!/bin/sh\necho 0\n' >"$FAKE/id"
	chmod 755 "$FAKE/dpkg-query" "$FAKE/id"
	# The fake apt-get notes what it was asked to install.
	sed -i '2a [ "$1" = install ] && echo "$@" >'"$BATS_TEST_TMPDIR"'/asked' \
		"$FAKE/apt-get"
}

@test "make check's install leaves out the daemons' packages" {
	local p
	nothing_installed
	deps
	assert_success
	for p in openssh-server slurm-wlm munge; do
		refute_output --partial " $p"
		grep -qw -- "$p" "$BATS_TEST_TMPDIR/asked" &&
			fail "make check asked for $p"
	done
	grep -qw bats "$BATS_TEST_TMPDIR/asked" || fail "bats not asked for"
}

@test "make check names the packages before it installs them" {
	nothing_installed
	deps
	assert_success
	assert_line --index 0 --regexp '^deps: installing the missing Debian packages: .*bats '
}

@test "deps --daemons installs the daemons' packages, and deps --all all" {
	nothing_installed
	deps --daemons
	assert_success
	[ "$(cat "$BATS_TEST_TMPDIR/asked")" = \
	    "install -y -q --no-install-recommends openssh-server slurm-wlm munge" ]
	deps --all
	assert_success
	grep -qw munge "$BATS_TEST_TMPDIR/asked" && grep -qw bats "$BATS_TEST_TMPDIR/asked" ||
		fail "deps --all asked for: $(cat "$BATS_TEST_TMPDIR/asked")"
}
