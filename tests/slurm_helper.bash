# tests/slurm_helper.bash: a throw-away one-node Slurm cluster.
#
#	slurm_up DIR	start it, with all its state under DIR (made if need
#			be); 0 once the node is idle, else 1 with the reason
#			on stderr and in DIR/why, everything started stopped
#	slurm_env DIR	print "export SLURM_CONF=..." for srun, sbatch,
#			squeue, scancel and sinfo: eval "$(slurm_env DIR)"
#	slurm_down DIR	cancel every job, stop every process the cluster
#			started (daemons, job steps, job tasks) and check
#			that none is left; 1 naming any that is.  The srun
#			and sbatch --wait clients are the caller's: they end
#			once their jobs are cancelled
#	slurm_ps DIR	"pid<TAB>command line" of each of those processes
#
# It needs root (slurmd runs the jobs as their users) and Debian's
# slurm-wlm and munge.  slurm_up makes a munge key, starts munged with its
# own key, socket, pid, seed and log files, writes a slurm.conf for one
# node (this host, CPUs=$SLURM_CPUS, partition "rt"), and starts slurmctld
# and slurmd in the foreground (as children of the caller) on two free TCP
# ports chosen at run time, so that several clusters can run at once.
# Every daemon gets RT_SLURM_TAG=<DIR> in its environment; slurm_ps finds
# them by it, and their descendants.  The slurmstepd of a job step is no
# descendant (slurmd forks it twice) and overwrites its environment with
# its title, but it holds slurmd's log open: slurm_ps finds it, and what it
# runs, by a file open under DIR.  Logs: DIR/log/{munged,slurmctld,slurmd}.log.
#
# It uses no bats function, so scripts outside bats can load it too.  In a
# bats test, slurm_require DIR starts the cluster or skips the test; with
# RANGETOOLS_REQUIRE_SLURM=1 (set by .ci/run) it fails instead, so that CI
# cannot pass without running the Slurm tests.
#
# Knobs: SLURM_CPUS (default 2), the node's CPUs; SLURM_UP_TIMEOUT (default
# 60), seconds slurm_up waits for the node to be idle.

# shellcheck source=tests/proc_helper.bash
. "$(dirname "${BASH_SOURCE[0]}")/proc_helper.bash"

SLURM_CPUS=${SLURM_CPUS:-2}
SLURM_UP_TIMEOUT=${SLURM_UP_TIMEOUT:-60}

# _slurm_why DIR MESSAGE...: record why the cluster cannot run.
_slurm_why() {
	local dir=$1
	shift
	printf '%s\n' "$*" >"$dir/why"
	printf 'slurm_helper: %s\n' "$*" >&2
	return 1
}

# _slurm_ports: two TCP ports free on this host right now.  Another cluster
# may take one first; slurm_up then tries again with two others.
_slurm_ports() {
	python3 -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss:
    s.bind(("", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))'
}

slurm_up() {
	local dir=$1 tool try
	mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || return 1
	rm -f "$dir/why"
	for tool in munged slurmctld slurmd srun sbatch squeue scancel sinfo; do
		command -v "$tool" >/dev/null ||
			[ -x "/usr/sbin/$tool" ] ||
			{
				_slurm_why "$dir" "no $tool (sh .ci/deps --daemons installs slurm-wlm and munge, enabling no service)"
				return 1
			}
	done
	PATH=$PATH:/usr/sbin
	[ "$(id -u)" -eq 0 ] || {
		_slurm_why "$dir" "not root: slurmd must run as root"
		return 1
	}
	mkdir -p -m 0700 "$dir/munge" "$dir/state" "$dir/spool" "$dir/log" \
		"$dir/run" || return 1
	chmod 0755 "$dir" || return 1
	_slurm_munged "$dir" || {
		slurm_down "$dir" >/dev/null 2>&1
		return 1
	}
	for try in 1 2 3; do
		_slurm_conf "$dir" $(_slurm_ports) || break
		_slurm_daemons "$dir" && return 0
		slurm_down "$dir" >/dev/null 2>&1
		# A port taken by someone else: try two others.
		grep -qi 'address already in use' "$dir"/log/slurm*.log ||
			break
		_slurm_munged "$dir" || break
	done
	_slurm_why "$dir" "the cluster did not start:" \
		"$(tail -n 5 "$dir"/log/*.log 2>/dev/null | tr '\n' ' ')"
	slurm_down "$dir" >/dev/null 2>&1
	return 1
}

# _slurm_munged DIR: a key of its own, and munged serving it on its own
# socket.  munged refuses to run as root unless forced.
_slurm_munged() {
	local dir=$1 i
	[ -s "$dir/munge/munge.key" ] || {
		dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 \
			2>/dev/null && chmod 0400 "$dir/munge/munge.key"
	} || return 1
	rm -f "$dir/munge/munged.pid"
	RT_SLURM_TAG=$dir munged --foreground --force \
		--key-file="$dir/munge/munge.key" \
		--socket="$dir/munge/munge.socket" \
		--pid-file="$dir/munge/munged.pid" \
		--seed-file="$dir/munge/munged.seed" \
		--log-file="$dir/log/munged.log" \
		</dev/null >>"$dir/log/munged.out" 2>&1 3>&- &
	echo $! >"$dir/run/munged.pid"
	poll_until -t 10 _slurm_munge_settled "$dir" || true
	_slurm_munge_answers "$dir" && return 0
	_slurm_why "$dir" "munged did not start: $(cat "$dir/log/munged.out" \
		"$dir/log/munged.log" 2>/dev/null | tr '\n' ' ')"
}

# _slurm_conf DIR CTLD_PORT SLURMD_PORT: one node, one partition, no
# accounting, no cgroups (processes tracked through /proc).  sbatch --wait
# polls every 2s only while that is at least MinJobAge/2 (otherwise every
# 8s, then 32s): ended jobs are forgotten after 4s.
_slurm_conf() {
	local dir=$1 cport=$2 dport=$3 node
	[ -n "$cport" ] && [ -n "$dport" ] || return 1
	node=$(hostname -s)
	cat >"$dir/slurm.conf" <<EOF
ClusterName=rt$(printf '%s' "$dir" | cksum | cut -c1-8)
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$cport
SlurmdPort=$dport
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pidfile
SlurmdPidFile=$dir/run/slurmd.pidfile
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
PlugStackConfig=$dir/plugstack.conf
SchedulerType=sched/backfill
ReturnToService=2
SlurmdParameters=config_overrides
MaxArraySize=10001
KillWait=2
InactiveLimit=0
MinJobAge=4
NodeName=$node NodeAddr=127.0.0.1 CPUs=$SLURM_CPUS State=UNKNOWN
PartitionName=rt Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
	: >"$dir/plugstack.conf"
}

slurm_env() {
	printf 'export SLURM_CONF=%q\n' "$(cd "$1" && pwd)/slurm.conf"
}

# _slurm_daemons DIR: slurmctld and slurmd in the foreground, then wait
# until sinfo shows the node idle.
_slurm_daemons() {
	local dir=$1 i state
	export SLURM_CONF="$dir/slurm.conf"
	RT_SLURM_TAG=$dir slurmctld -D -c -f "$dir/slurm.conf" \
		</dev/null >>"$dir/log/slurmctld.out" 2>&1 3>&- &
	echo $! >"$dir/run/slurmctld.pid"
	RT_SLURM_TAG=$dir slurmd -D -f "$dir/slurm.conf" \
		</dev/null >>"$dir/log/slurmd.out" 2>&1 3>&- &
	echo $! >"$dir/run/slurmd.pid"
	poll_until -t "$SLURM_UP_TIMEOUT" _slurm_settled "$dir" ||
		true
	_slurm_idle
}

# _slurm_munge_answers DIR: DIR's munged answers on its socket.
_slurm_munge_answers() {
	[ -S "$1/munge/munge.socket" ] || return 1
	munge -n -S "$1/munge/munge.socket" </dev/null |
		unmunge -S "$1/munge/munge.socket" >/dev/null 2>&1
}

# _slurm_munge_settled DIR: munged answers, or it has died.
_slurm_munge_settled() {
	_slurm_munge_answers "$1" ||
		! kill -0 "$(cat "$1/run/munged.pid")" 2>/dev/null
}

# _slurm_idle: sinfo shows the node idle.
_slurm_idle() {
	[ "$(sinfo -h -N -o %t 2>/dev/null)" = idle ]
}

# _slurm_settled DIR: the node is idle, or one of DIR's daemons died.
_slurm_settled() {
	_slurm_idle && return 0
	kill -0 "$(cat "$1/run/slurmctld.pid")" 2>/dev/null &&
		kill -0 "$(cat "$1/run/slurmd.pid")" 2>/dev/null || return 0
	return 1
}

# _slurm_gone DIR: none of DIR's processes is left.
_slurm_gone() {
	[ -z "$(slurm_ps "$1")" ]
}

# _slurm_killed DIR: SIGKILLs what is left of DIR's processes; true once
# none is.
_slurm_killed() {
	local pids
	pids=$(slurm_ps "$1" | cut -f 1)
	[ -n "$pids" ] || return 0
	kill -KILL $pids 2>/dev/null
	return 1
}

# slurm_ps DIR: every process tagged with DIR or holding a file open under
# DIR (but slurm_ps and its callers), and all their descendants.
slurm_ps() {
	local dir
	dir=$(cd "$1" 2>/dev/null && pwd) || return 0
	proc_walk -d -e "RT_SLURM_TAG=$dir" -f "$dir" | cut -f 1,4
}

slurm_down() {
	local dir=$1 i pids left
	[ -d "$dir" ] || return 0
	dir=$(cd "$dir" && pwd)
	# Once slurmctld is gone, there is nobody to ask.
	if [ -s "$dir/run/slurmctld.pid" ] &&
		kill -0 "$(cat "$dir/run/slurmctld.pid")" 2>/dev/null; then
		SLURM_CONF="$dir/slurm.conf" timeout 10 scancel --full \
			--quiet --user="$(id -un)" >/dev/null 2>&1
	fi
	# Stop the daemons first (no new step may start), then the rest.
	for i in slurmctld slurmd munged; do
		[ -s "$dir/run/$i.pid" ] &&
			kill -TERM "$(cat "$dir/run/$i.pid")" 2>/dev/null
	done
	# SIGTERM's 2 s, then SIGKILL.
	poll_until -t 2 _slurm_gone "$dir" ||
		poll_until -t 8 _slurm_killed "$dir" || true
	# Reap the daemons when they are our children.
	for i in slurmctld slurmd munged; do
		[ -s "$dir/run/$i.pid" ] &&
			wait "$(cat "$dir/run/$i.pid")" 2>/dev/null
		rm -f "$dir/run/$i.pid"
	done
	left=$(slurm_ps "$dir")
	[ -z "$left" ] || {
		printf 'slurm_down: left running:\n%s\n' "$left" >&2
		return 1
	}
	return 0
}

# slurm_require DIR: slurm_up in a bats test, or skip saying why; with
# RANGETOOLS_REQUIRE_SLURM set, fail instead.
slurm_require() {
	slurm_up "$1" 2>/dev/null && return 0
	if [ -n "${RANGETOOLS_REQUIRE_SLURM:-}" ]; then
		fail "slurm: RANGETOOLS_REQUIRE_SLURM is set, but: $(cat "$1/why")"
		return 1
	fi
	skip "cannot run Slurm here: $(cat "$1/why")"
}
