# tests/proc_helper.bash: looking at processes, for the bats suite
# (test_helper.bash loads it), the daemons' helpers and tests/chaos.sh,
# which source it as plain bash.  Nothing here fails a test by itself.

# poll_until [-t SECONDS] CMD...: polls CMD every 0.05 s; true once it
# succeeds, false if it is still false after SECONDS (default 20).
poll_until() {
	local secs=20 end
	if [ "$1" = -t ]; then
		secs=$2
		shift 2
	fi
	end=$((SECONDS + secs))
	until "$@"; do
		[ "$SECONDS" -le "$end" ] || return 1
		sleep 0.05
	done
}

# proc_walk [-d] [-z] [-e NAME=VALUE] [-f DIR] [PID...]: one pass over
# /proc, printing "pid<TAB>ppid<TAB>comm<TAB>command line" for each
# process chosen, in PID order:
#   -e NAME=VALUE  whose environment holds NAME=VALUE (a tag that a
#                  process's children inherit, even once it has died)
#   -f DIR         that holds a file open under DIR
#   PID...         these
#   -d             and every descendant of those
#   -z             but no zombie
# never the walker itself nor its callers.  In Python: a shell loop over
# /proc would crawl under bats' debug trap.
proc_walk() {
	# The system's python3 starts in a tenth of the time of a pyenv shim.
	local py=/usr/bin/python3
	[ -x "$py" ] || py=python3
	"$py" - "$@" <<'PY'
import os, sys
args, env, under, tree, zombies, chosen = sys.argv[1:], None, None, False, True, set()
while args:
    a = args.pop(0)
    if a == "-e":
        env = b"\0" + args.pop(0).encode() + b"\0"
    elif a == "-f":
        under = args.pop(0).rstrip("/") + "/"
    elif a == "-d":
        tree = True
    elif a == "-z":
        zombies = False
    elif a:
        chosen.add(a)
def read(pid, name):
    try:
        with open("/proc/%s/%s" % (pid, name), "rb") as f:
            return f.read()
    except OSError:
        return None
def holds(pid):
    try:
        fds = os.listdir("/proc/%s/fd" % pid)
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink("/proc/%s/fd/%s" % (pid, fd)).startswith(under):
                return True
        except OSError:
            pass
    return False
procs, kids = {}, {}
for pid in filter(str.isdigit, os.listdir("/proc")):
    stat = read(pid, "stat")
    if stat is None:
        continue
    rest = stat[stat.rindex(b")") + 2:].split()
    procs[pid] = (rest[0], rest[1].decode())
    kids.setdefault(rest[1].decode(), []).append(pid)
    if env is not None and env in b"\0" + (read(pid, "environ") or b""):
        chosen.add(pid)
    elif under is not None and holds(pid):
        chosen.add(pid)
mine, pid = set(), str(os.getpid())
while pid in procs and pid not in mine:
    mine.add(pid)
    pid = procs[pid][1]
todo, want = list(chosen & set(procs)), set()
while todo:
    pid = todo.pop()
    if pid in want or pid in mine:
        continue
    want.add(pid)
    if tree:
        todo.extend(kids.get(pid, []))
for pid in sorted(want, key=int):
    comm, cmd = read(pid, "comm"), read(pid, "cmdline")
    if comm is None or (not zombies and procs[pid][0] == b"Z"):
        continue
    print("%s\t%s\t%s\t%s" % (pid, procs[pid][1], comm.decode().strip(),
          (cmd or b"").decode(errors="replace").replace("\0", " ").strip()))
PY
}
