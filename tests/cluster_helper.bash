# tests/cluster_helper.bash: two throw-away SSH hosts for tests/cluster.bats.
#
# cluster_up starts two real OpenSSH servers, "h1" and "h2".  Where it can
# (root, iproute2), each one runs in a network namespace of its own, joined
# to the test's namespace by a veth pair: two hosts with two addresses, so
# GNU parallel really fans out over TCP.  Where namespaces cannot be made,
# both servers listen on loopback ports instead, and the test output says
# so.  Keys, configurations, logs and each host's HOME live under
# $CLUSTER_DIR; cluster_down kills every process and removes every
# namespace and link it made.
#
# Reach the hosts with `ssh -F "$CLUSTER_DIR/ssh_config" h1` or with
# `parallel --ssh "$CLUSTER_SSH" -S h1,h2`.
#
# Knobs: RANGETOOLS_CLUSTER_MODE=netns|loopback forces one mode;
# RANGETOOLS_REQUIRE_SSHD=1 (set by .ci/run) turns "cannot run sshd" from a
# skip into a failure, so that CI cannot pass without running these tests.

# shellcheck source=tests/proc_helper.bash
. "$(dirname "${BASH_SOURCE[0]}")/proc_helper.bash"

CLUSTER_HOSTS="h1 h2"

# cluster_cannot REASON: skip the test, or fail it where sshd is required.
cluster_cannot() {
	if [ -n "${RANGETOOLS_REQUIRE_SSHD:-}" ]; then
		fail "cluster: RANGETOOLS_REQUIRE_SSHD is set, but: $*"
		return 1
	fi
	skip "cannot run sshd here: $*"
}

cluster_say() {
	echo "# cluster: $*" >&3
}

# cluster_up: make h1 and h2, or skip (or fail) saying why.
cluster_up() {
	local tool h
	CLUSTER_SSHD=$(command -v sshd || echo /usr/sbin/sshd)
	[ -x "$CLUSTER_SSHD" ] || {
		cluster_cannot "no sshd (sh .ci/deps --daemons installs it, enabling no service)"
		return
	}
	for tool in ssh ssh-keygen parallel; do
		command -v "$tool" >/dev/null || {
			cluster_cannot "no $tool"
			return
		}
	done
	CLUSTER_TAG="rt-cluster-$$-$BATS_TEST_NUMBER"
	CLUSTER_DIR="$BATS_TEST_TMPDIR/cluster"
	CLUSTER_SSH="ssh -F $CLUSTER_DIR/ssh_config"
	# parallel caches what it learns about a host under its home: keep
	# that in the test's folder, not in ~/.parallel.
	export PARALLEL_HOME="$CLUSTER_DIR/parallel-home"
	mkdir -p "$CLUSTER_DIR" "$PARALLEL_HOME"
	unset SSH_AUTH_SOCK
	cluster_privsep_dir || return
	cluster_keys
	cluster_pick_mode || return
	for h in $CLUSTER_HOSTS; do
		cluster_start_sshd "$h" || return
	done
	cluster_ssh_config
	# A locked account (nobody, say) cannot log in even with a key.
	for h in $CLUSTER_HOSTS; do
		$CLUSTER_SSH "$h" true 2>"$CLUSTER_DIR/$h/ssh.err" </dev/null || {
			cluster_cannot "cannot log in to $h as $(id -un):" \
				"$(cat "$CLUSTER_DIR/$h/ssh.err" "$CLUSTER_DIR/$h/sshd.log" | tr "\n" " ")"
			return
		}
	done
}

# sshd running as root insists on its privilege separation directory,
# which Debian makes only when the service starts.  It stays: another run
# of these tests may be using it at the same time.
cluster_privsep_dir() {
	[ "$(id -u)" -eq 0 ] || return 0
	[ -d /run/sshd ] && return 0
	mkdir -p -m 0755 /run/sshd || cluster_cannot "cannot make /run/sshd"
}

# One user key, authorised on both hosts; one host key per host, known to
# the client under the host's name (HostKeyAlias), so no prompt ever.
cluster_keys() {
	local h
	ssh-keygen -q -t ed25519 -N '' -C "$CLUSTER_TAG" \
		-f "$CLUSTER_DIR/id_user"
	cp "$CLUSTER_DIR/id_user.pub" "$CLUSTER_DIR/authorized_keys"
	: >"$CLUSTER_DIR/known_hosts"
	for h in $CLUSTER_HOSTS; do
		mkdir -p "$CLUSTER_DIR/$h/home"
		ssh-keygen -q -t ed25519 -N '' -C "$h" -f "$CLUSTER_DIR/$h/host_key"
		printf '%s %s\n' "$h" "$(cut -d' ' -f1,2 "$CLUSTER_DIR/$h/host_key.pub")" \
			>>"$CLUSTER_DIR/known_hosts"
	done
}

# cluster_pick_mode: netns if possible (or forced), else loopback.
cluster_pick_mode() {
	local want=${RANGETOOLS_CLUSTER_MODE:-netns} why
	if [ "$want" = netns ]; then
		cluster_netns_names
		if why=$(cluster_netns_up 2>&1); then
			CLUSTER_MODE=netns
			cluster_say "two network namespaces, h1 at ${CLUSTER_ADDR_h1} and h2 at ${CLUSTER_ADDR_h2}"
			return 0
		fi
		cluster_netns_down
		[ -z "${RANGETOOLS_CLUSTER_MODE:-}" ] || {
			cluster_cannot "network namespaces: $why"
			return
		}
		cluster_say "no network namespaces ($why); falling back to two loopback ports"
	fi
	CLUSTER_MODE=loopback
	cluster_say "two sshd on loopback ports of this host"
	CLUSTER_ADDR_h1=127.0.0.1
	CLUSTER_ADDR_h2=127.0.0.1
}

# cluster_netns_up: namespace rtc<pid>-<test>-<n> per host, with a veth pair
# on its own /30 in 10.213.0.0/16, named by cluster_netns_names; prints
# why on failure.
cluster_netns_up() {
	local h
	command -v ip >/dev/null || {
		echo "no ip (install iproute2)"
		return 1
	}
	[ "$(id -u)" -eq 0 ] || {
		echo "not root"
		return 1
	}
	for h in $CLUSTER_HOSTS; do
		local ns="CLUSTER_NS_$h" out="CLUSTER_VETH_$h" addr="CLUSTER_ADDR_$h"
		local gw="CLUSTER_GW_$h"
		ip netns add "${!ns}" &&
			ip link add "${!out}" type veth peer name "${!out}n" &&
			ip link set "${!out}n" netns "${!ns}" &&
			ip addr add "${!gw}/30" dev "${!out}" &&
			ip link set "${!out}" up &&
			ip -n "${!ns}" addr add "${!addr}/30" dev "${!out}n" &&
			ip -n "${!ns}" link set "${!out}n" up &&
			ip -n "${!ns}" link set lo up || return 1
	done
}

# The names and addresses cluster_netns_up uses: unique per run and test.
# Interface names stay under 16 bytes: "r" pid "-" test "-" host, and "n"
# for the end inside the namespace.
cluster_netns_names() {
	local n=0 h net try used
	# A 10.213.N.0/24 that no interface uses yet (other runs of
	# these tests may be going on).
	used=$(ip -o -4 addr show 2>/dev/null)
	net=$((($$ + BATS_TEST_NUMBER * 131) % 250 + 1))
	for try in $(seq 250); do
		[[ $used == *" 10.213.$net."* ]] || break
		net=$((net % 250 + 1))
	done
	for h in $CLUSTER_HOSTS; do
		n=$((n + 1))
		printf -v "CLUSTER_NS_$h" 'rtc%s-%s-%s' "$$" "$BATS_TEST_NUMBER" "$n"
		printf -v "CLUSTER_VETH_$h" 'r%s-%s-%s' "$$" "$BATS_TEST_NUMBER" "$n"
		printf -v "CLUSTER_GW_$h" '10.213.%s.%s' "$net" $((n * 4 + 1))
		printf -v "CLUSTER_ADDR_$h" '10.213.%s.%s' "$net" $((n * 4 + 2))
	done
}

# cluster_start_sshd HOST: start sshd -D for HOST (in its namespace), wait
# until it listens (its pid file appears after the listen socket is bound).
cluster_start_sshd() {
	local h=$1 try port pidvar="CLUSTER_PID_$1" portvar="CLUSTER_PORT_$1"
	for try in 1 2 3 4 5; do
		port=22
		[ "$CLUSTER_MODE" = netns ] ||
			port=$((20000 + ($$ * 7 + BATS_TEST_NUMBER * 97 + try * 1009 + ${h#h} * 13) % 40000))
		cluster_sshd_config "$h" "$port"
		rm -f "$CLUSTER_DIR/$h/sshd.pid"
		if [ "$CLUSTER_MODE" = netns ]; then
			local ns="CLUSTER_NS_$h"
			ip netns exec "${!ns}" "$CLUSTER_SSHD" -D -e \
				-f "$CLUSTER_DIR/$h/sshd_config" \
				>"$CLUSTER_DIR/$h/sshd.log" 2>&1 </dev/null 3>&- &
		else
			"$CLUSTER_SSHD" -D -e -f "$CLUSTER_DIR/$h/sshd_config" \
				>"$CLUSTER_DIR/$h/sshd.log" 2>&1 </dev/null 3>&- &
		fi
		printf -v "$pidvar" '%s' "$!"
		printf -v "$portvar" '%s' "$port"
		cluster_wait_listening "$h" && return 0
		[ "$CLUSTER_MODE" = loopback ] || break
	done
	cluster_cannot "sshd for $h did not start: $(cat "$CLUSTER_DIR/$h/sshd.log")"
}

# cluster_wait_listening HOST: 0 once the pid file exists, 1 if sshd died.
cluster_wait_listening() {
	local h=$1 pidvar="CLUSTER_PID_$1"
	poll_until -t 10 cluster_sshd_settled "$h" || true
	[ -s "$CLUSTER_DIR/$h/sshd.pid" ] && return 0
	kill -0 "${!pidvar}" 2>/dev/null || wait "${!pidvar}" 2>/dev/null
	return 1
}

# cluster_sshd_settled HOST: its sshd wrote its pid file, or died.
cluster_sshd_settled() {
	local pidvar="CLUSTER_PID_$1"
	[ -s "$CLUSTER_DIR/$1/sshd.pid" ] && return 0
	! kill -0 "${!pidvar}" 2>/dev/null
}

# The server side: only our key, only our user, no PAM, no passwords.
# SetEnv gives each host its own HOME (--basefile and --workdir land
# there) and a tag that lets cluster_kill find every process of that host.
cluster_sshd_config() {
	local h=$1 port=$2 addr="CLUSTER_ADDR_$1"
	cat >"$CLUSTER_DIR/$h/sshd_config" <<EOF
ListenAddress ${!addr}:$port
HostKey $CLUSTER_DIR/$h/host_key
AuthorizedKeysFile $CLUSTER_DIR/authorized_keys
PidFile $CLUSTER_DIR/$h/sshd.pid
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
AllowUsers $(id -un)
PrintMotd no
SetEnv HOME=$CLUSTER_DIR/$h/home RT_CLUSTER_HOST=$CLUSTER_TAG-$h
LogLevel VERBOSE
EOF
}

# The client side: host names h1 and h2, our key only, strict host keys,
# and keepalives so that a host that vanishes is noticed.
cluster_ssh_config() {
	local h addr port
	: >"$CLUSTER_DIR/ssh_config"
	for h in $CLUSTER_HOSTS; do
		addr="CLUSTER_ADDR_$h" port="CLUSTER_PORT_$h"
		cat >>"$CLUSTER_DIR/ssh_config" <<EOF
Host $h
  HostName ${!addr}
  Port ${!port}
  HostKeyAlias $h
EOF
	done
	cat >>"$CLUSTER_DIR/ssh_config" <<EOF
Host *
  User $(id -un)
  IdentityFile $CLUSTER_DIR/id_user
  IdentitiesOnly yes
  IdentityAgent none
  UserKnownHostsFile $CLUSTER_DIR/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 10
  ServerAliveInterval 2
  ServerAliveCountMax 3
  LogLevel ERROR
EOF
}

# cluster_ps ROOT TAG [PID...]: "pid<TAB>command name<TAB>command line"
# for ROOT and its descendants, every process whose environment holds
# RT_CLUSTER_HOST=TAG (what a session on that host started, even once its
# parent died), and the PIDs given, and their descendants (proc_walk).
cluster_ps() {
	local root=$1 tag=$2
	shift 2
	proc_walk -d ${tag:+-e "RT_CLUSTER_HOST=$tag"} $root "$@" | cut -f 1,3,4
}

# cluster_host_ps HOST: cluster_ps for every process of HOST: its sshd,
# sessions and jobs (and, in netns mode, all that runs in its namespace).
cluster_host_ps() {
	local pidvar="CLUSTER_PID_$1" ns="CLUSTER_NS_$1" netns=
	[ "${CLUSTER_MODE:-}" != netns ] ||
		netns=$(ip netns pids "${!ns}" 2>/dev/null)
	cluster_ps "${!pidvar:-}" "$CLUSTER_TAG-$1" $netns
}

# cluster_kill HOST: the host dies: sshd, its connections and its jobs.
cluster_kill() {
	local pids
	pids=$(cluster_host_ps "$1" | cut -f 1)
	[ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
}

# cluster_running HOST: the command lines of range-sum processes on HOST.
cluster_running() {
	cluster_host_ps "$1" | sed -n 's/^[0-9]*	range-sum	//p'
}

cluster_netns_down() {
	local h ns veth
	for h in $CLUSTER_HOSTS; do
		ns="CLUSTER_NS_$h" veth="CLUSTER_VETH_$h"
		[ -n "${!ns:-}" ] || continue
		ip link del "${!veth}" 2>/dev/null
		ip netns del "${!ns}" 2>/dev/null
	done
	return 0
}

# cluster_down: kill both hosts, remove namespaces and links, reap sshd.
cluster_down() {
	local h pidvar
	[ -n "${CLUSTER_DIR:-}" ] || return 0
	for h in $CLUSTER_HOSTS; do
		cluster_kill "$h"
		pidvar="CLUSTER_PID_$h"
		[ -z "${!pidvar:-}" ] || wait "${!pidvar}" 2>/dev/null
	done
	[ "${CLUSTER_MODE:-}" != netns ] || cluster_netns_down
	return 0
}
