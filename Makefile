# rangetools: range-split, range-sum, sum-merge.

PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANPREFIX ?= $(PREFIX)/share/man
# bash-completion loads completions/<command> when <command> is completed.
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# The example scripts the pages point at go to DOCDIR/examples.
DOCDIR    ?= $(PREFIX)/share/doc/rangetools

CC       ?= cc
CFLAGS   ?= -O2 -g
WARNINGS  = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes \
	    -Wmissing-prototypes -Wno-missing-field-initializers
LDLIBS   += -pthread -lrt

PROGS = range-split range-sum sum-merge
BINS  = $(PROGS:%=bin/%)
MAN1  = man/range-split.1 man/range-sum.1 man/sum-merge.1
MAN7  = man/rangetools.7
EXAMPLES = examples/article.py examples/article.sh examples/cluster.sh \
	   examples/parallel.sh examples/pipe.sh examples/queue.sh \
	   examples/table.sh examples/xargs.sh examples/slurm-array.sh \
	   examples/slurm-srun.sh examples/slurm-task.sh examples/resume.sh \
	   examples/primes.sh examples/lines.sh
# The GIL recorder and its analysis (rangetools(7), "Seeing the lock") stand
# alone, and go beside the examples.
GILTOOLS = bench/gil_record.py bench/gil_analyze.py
DOCFILES = $(notdir $(EXAMPLES) $(GILTOOLS))
# The notes from doc/ that the pages point at go to DOCDIR itself.
DOCNOTES = doc/trace-format.md doc/design.md
# The version --version prints, stamped into the installed pages' .Os.
VERSION := $(shell sed -n 's/^\#define RANGETOOLS_VERSION "\(.*\)"/\1/p' \
	    src/*.h)

COMMON_OBJ = src/cli.o src/lines.o src/num.o src/rec.o src/kernel.o \
	     src/range.o src/ipc.o src/stopsig.o
IPC_OBJ = src/recq.o src/shmtab.o src/segment.o
RANGE_SUM_OBJ = src/range-sum.o src/par.o src/sink.o $(IPC_OBJ) \
		src/work.o src/echo.o src/report.o src/gil.o src/procs.o \
		src/progress.o src/human.o src/clock.o src/trace.o src/iowait.o \
		src/lanes.o
# The merge, one file a job: the record store, the union-find, the
# verdict, its messages, re-run planning.
MERGE_OBJ = src/recstore.o src/gapset.o src/unionfind.o src/verdict.o src/mergemsg.o \
	    src/rerun.o
SUM_MERGE_OBJ = src/sum-merge.o $(MERGE_OBJ) src/transport.o src/chunks.o \
		src/coverage.o src/human.o src/clock.o $(IPC_OBJ)

ALL_CFLAGS = $(WARNINGS) -pthread $(CFLAGS) $(CPPFLAGS)

# A test tool that inspects IPC objects without creating them; built for
# the test targets only, so that `make` alone builds the three programs.
TESTBINS = tests/ipc-probe tests/merge-prop tests/inject.so tests/lanes-draw

all: $(BINS)

bin/range-split: src/range-split.o $(COMMON_OBJ)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
bin/range-sum: $(RANGE_SUM_OBJ) $(COMMON_OBJ)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
bin/sum-merge: $(SUM_MERGE_OBJ) $(COMMON_OBJ)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

tests/ipc-probe: tests/ipc-probe.c src/shmtab.h
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

# The preload library that fails mq_open, mq_send, shm_open,
# pthread_create and posix_fallocate on request (tests/inject.bats,
# make faults): libfiu's covers open, read, write, mmap, fork and malloc.
tests/inject.so: tests/inject.c
	$(CC) $(ALL_CFLAGS) -fPIC -shared $(LDFLAGS) -o $@ $< -ldl $(LDLIBS)

# The merge's property test, seeded (tests/sum-merge.bats): the libFuzzer
# harness's generator and oracle with a main of its own.
tests/merge-prop: tests/fuzz/merge-fuzz.c tests/fuzz/fuzz.h $(MERGE_OBJ) \
		  $(COMMON_OBJ)
	$(CC) $(ALL_CFLAGS) -DMERGE_PROP_MAIN -Isrc $(LDFLAGS) -o $@ $< \
	    $(MERGE_OBJ) $(COMMON_OBJ) $(LDLIBS)

# --lanes' drawing of holds read on stdin, at any span and width
# (tests/lanes.bats); make coverage and make sanitize build their own.
LANES_DRAW_SRC = tests/lanes-draw.c src/lanes.c
tests/lanes-draw: $(LANES_DRAW_SRC) src/lanes.h
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(LANES_DRAW_SRC) $(LDLIBS)

src/%.o: src/%.c src/*.h
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The suite's tools come from Debian: .ci/deps installs those of
# .ci/packages that are missing (as root, or through sudo) and says which.
# The core suite's files run TEST_JOBS at a time, as in make test; those
# that start daemons, clusters or chaos trials one at a time after them.
# Both write bats --timing's TAP to build/check, and tests/slowest prints
# the ten slowest tests at the end.
check: all $(TESTBINS)
	sh .ci/deps
	mandoc -Tlint -W warning $(MAN1) $(MAN7)
	@rm -rf build/check && mkdir -p build/check/core build/check/services
	bats --jobs $(TEST_JOBS) --timing --report-formatter tap -o build/check/core $(CORE_TESTS)
	bats --timing --report-formatter tap -o build/check/services $(SERVICE_TESTS)
	@sh tests/slowest build/check/core/report.tap build/check/services/report.tap

# The core suite, the loop after each change: as an ordinary user, with
# nothing installed, no daemon, namespace, valgrind or chaos trial.  Left
# out: the ssh and Slurm clusters, the chaos runner and memcheck, which
# make check runs; RANGETOOLS_CORE tells the few tests elsewhere that
# need such a thing to skip.  RANGETOOLS_QUICK skips the slow tests that
# only need to run before a submission (only_in_check in
# tests/test_helper.bash), so that make test aims at a minute here.
SERVICE_TESTS = tests/cluster.bats tests/slurm.bats tests/memcheck.bats \
		tests/chaos.bats
# The files that take longest go first, so that none of them starts last
# and runs on alone.
CORE_FIRST = tests/terminal.bats tests/sum-merge.bats tests/parallel.bats \
	     tests/lifecycle.bats tests/hostile.bats tests/transport.bats
CORE_TESTS = $(CORE_FIRST) \
	     $(filter-out $(SERVICE_TESTS) $(CORE_FIRST),$(wildcard tests/*.bats))
# TEST_JOBS files run at a time (bats --jobs, through GNU parallel), each
# file's tests one after another, except in the files whose tests mostly
# wait (a hint after 2 s at a terminal, a queue): those set
# RANGETOOLS_SIDE_BY_SIDE (tests/test_helper.bash) and run TEST_JOBS of
# their tests at a time.  More jobs than cores pays.
TEST_JOBS ?= 8
test: all $(TESTBINS)
	RANGETOOLS_QUICK=1 RANGETOOLS_CORE=1 bats --jobs $(TEST_JOBS) $(CORE_TESTS)

# Hardening: the suite again under sanitizers.
# Each sanitizer build goes to build/NAME/bin, compiled from the same
# sources as bin/; the suite finds it through RANGETOOLS_BIN.  Reports go
# to build/NAME/log, so that a report from a program whose failure a test
# expects is not lost: the target fails if any report was written.  The
# builds use clang, whose UBSan honours log_path (gcc's does not).
SAN_SRC_range-split = src/range-split.c $(COMMON_OBJ:.o=.c)
SAN_SRC_range-sum   = $(RANGE_SUM_OBJ:.o=.c) $(COMMON_OBJ:.o=.c)
SAN_SRC_sum-merge   = $(SUM_MERGE_OBJ:.o=.c) $(COMMON_OBJ:.o=.c)
SAN_SRC_lanes-draw  = $(LANES_DRAW_SRC)
SAN_CC       = clang
SAN_asan     = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	       -fno-sanitize-recover=all
SAN_tsan     = -O1 -g -fsanitize=thread
san_opts     = log_path=$(CURDIR)/build/$(1)/log/report:halt_on_error=1
TSAN_TESTS   = $(or $(wildcard tests/parallel.bats),tests)

build/asan/bin/%: src/*.c src/*.h
	mkdir -p $(@D)
	$(SAN_CC) $(WARNINGS) -pthread $(SAN_asan) -o $@ $(SAN_SRC_$*) $(LDLIBS)

build/tsan/bin/%: src/*.c src/*.h
	mkdir -p $(@D)
	$(SAN_CC) $(WARNINGS) -pthread $(SAN_tsan) -o $@ $(SAN_SRC_$*) $(LDLIBS)

build/asan/bin/lanes-draw: tests/lanes-draw.c

sanitize: all $(TESTBINS) $(PROGS:%=build/asan/bin/%) build/asan/bin/lanes-draw
	rm -rf build/asan/log && mkdir -p build/asan/log
	ASAN_OPTIONS=$(call san_opts,asan):detect_leaks=1 \
	UBSAN_OPTIONS=$(call san_opts,asan):print_stacktrace=1 \
	RANGETOOLS_BIN=$(CURDIR)/build/asan/bin RANGETOOLS_SANITIZE=asan \
	    sh -c 'bats --jobs $(TEST_JOBS) $(CORE_TESTS) && bats $(SERVICE_TESTS)'
	@sh tests/san-reports build/asan/log

# atexit_sleep_ms=0: stopsig.c's thread is alive at every exit, and
# TSan's default would add a second to each run (the workers are joined).
tsan: all $(TESTBINS) $(PROGS:%=build/tsan/bin/%)
	rm -rf build/tsan/log && mkdir -p build/tsan/log
	TSAN_OPTIONS=$(call san_opts,tsan):second_deadlock_stack=1:atexit_sleep_ms=0 \
	RANGETOOLS_BIN=$(CURDIR)/build/tsan/bin RANGETOOLS_SANITIZE=tsan \
	    bats $(TSAN_TESTS)
	@sh tests/san-reports build/tsan/log

# Coverage: the programs built with gcc --coverage in build/coverage/bin,
# from the same sources as bin/ (SAN_SRC_*, so every file of src/ a
# program links, however src/ is split), and the core suite run on them
# through RANGETOOLS_BIN.  gcovr then prints line and branch coverage per
# file of src/, writes build/coverage/html/index.html, and the target
# fails when the whole is below COVERAGE_MIN_TOTAL percent of lines or a
# file below COVERAGE_MIN_MODULE (tests/coverage-check).  The service
# tests (ssh, Slurm, memcheck, chaos) walk the same code as the core
# suite does through other launchers, at twice its time: they are left
# out.  Each .gcda is made beforehand, empty and writable by all, so
# that the tests that run a program as another user (nobody) add to it
# rather than have libgcov write a complaint on the stderr they check;
# GCOV_ERROR_FILE catches any complaint left.
COV_DIR = build/coverage
# The floors: 95 overall and 90 in every file (doc/testing.md has the
# figures).
COVERAGE_MIN_TOTAL  ?= 95
COVERAGE_MIN_MODULE ?= 90
# Atomic counters: the threads' racing increments otherwise lose counts.
# A process that writes its counts while another of its threads is inside
# a function (sum-merge refusing its options as the signal thread starts)
# still leaves a count gcov prints as negative ("taken -2"): gcovr skips
# that line's branches (--gcov-ignore-parse-errors) rather than fail.
COV_CFLAGS = -O0 -g --coverage -fprofile-update=atomic
# tests/gcov-flush.c: the counts of a process that ends by _exit() or by
# a signal it raises are written too.
COV_WRAP = -Wl,--wrap=_exit,--wrap=raise tests/gcov-flush.c

$(COV_DIR)/bin/%: src/*.c src/*.h tests/gcov-flush.c
	mkdir -p $(@D)
	rm -f $(@D)/$*-*.gcno $(@D)/$*-*.gcda
	gcc $(WARNINGS) -pthread $(COV_CFLAGS) -o $@ $(SAN_SRC_$*) \
	    $(COV_WRAP) $(LDLIBS)
$(COV_DIR)/bin/lanes-draw: tests/lanes-draw.c

# Without gcovr it says so before it builds anything.
coverage:
	@command -v gcovr >/dev/null || { echo "make coverage: needs gcovr" \
	    "(in .ci/packages); as root: apt-get install gcovr" >&2; exit 1; }
	@$(MAKE) --no-print-directory all $(TESTBINS) \
	    $(PROGS:%=$(COV_DIR)/bin/%) $(COV_DIR)/bin/lanes-draw
	rm -rf $(COV_DIR)/html $(COV_DIR)/gcov-errors
	find $(COV_DIR)/bin -name '*.gcda' -delete
	for n in $(COV_DIR)/bin/*.gcno; do : >"$${n%.gcno}.gcda"; done
	chmod 666 $(COV_DIR)/bin/*.gcda
	chmod 755 $(COV_DIR) $(COV_DIR)/bin
	GCOV_ERROR_FILE=$(CURDIR)/$(COV_DIR)/gcov-errors \
	RANGETOOLS_BIN=$(CURDIR)/$(COV_DIR)/bin \
	RANGETOOLS_CORE=1 bats --jobs $(TEST_JOBS) $(CORE_TESTS)
	@$(MAKE) --no-print-directory coverage-report

# The report alone, from the counts the last run left.
coverage-report:
	mkdir -p $(COV_DIR)/html
	gcovr --root . --filter 'src/' --exclude-unreachable-branches \
	    --gcov-ignore-parse-errors \
	    --json-summary $(COV_DIR)/summary.json \
	    --html-details $(COV_DIR)/html/index.html $(COV_DIR)/bin
	python3 tests/coverage-check $(COV_DIR)/summary.json \
	    $(COVERAGE_MIN_TOTAL) $(COVERAGE_MIN_MODULE)
	@echo "make coverage: $(COV_DIR)/html/index.html"
	@[ ! -s $(COV_DIR)/gcov-errors ] || { cat $(COV_DIR)/gcov-errors >&2; \
	    echo "make coverage: libgcov complained" \
	    "($(COV_DIR)/gcov-errors)" >&2; exit 1; }

# Injected faults: FAULT_TRIALS seeded random pipelines, each with one
# command made to fail at a random injection point (libfiu's fiu-run, or
# tests/inject.so), checked for an exact or absent total, no crash, no
# hang, a message that names what failed and nothing left behind
# (tests/faults.sh; it prints the counts per injection point).
# FAULT_SEED repeats a run's choices.  Needs fiu-utils.
FAULT_TRIALS ?= 2000
FAULT_SEED   ?=
faults:
	@command -v fiu-run >/dev/null || { echo "make faults: needs" \
	    "fiu-run (in .ci/packages); as root: apt-get install" \
	    "fiu-utils" >&2; exit 1; }
	@$(MAKE) --no-print-directory all tests/inject.so tests/ipc-probe
	FAULT_TRIALS=$(FAULT_TRIALS) FAULT_SEED=$(FAULT_SEED) bash tests/faults.sh

# aarch64: a cross build in build/aarch64/real, run under qemu-user through
# wrappers in build/aarch64/bin that the suite finds through RANGETOOLS_BIN
# (RANGETOOLS_QEMU tells the few tests that cannot work there).  Needs
# gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user.
# LD_LIBRARY_PATH keeps the cross C library with its own loader: -L finds
# the loader in /usr/aarch64-linux-gnu/lib, but the loader searches
# /lib/aarch64-linux-gnu first, which qemu takes from the host when the
# prefix lacks it, and where libc6:arm64 (make deb-arm64) puts a newer
# libc.so.6.  That pair disagrees on the loader's private data, and
# pthread_create then walks a stack-cache list that never ends (loader
# 2.36-8cross1, libc 2.36-9+deb12u14).
AARCH64_CC    = aarch64-linux-gnu-gcc
AARCH64_QEMU  = qemu-aarch64 -L /usr/aarch64-linux-gnu \
		-E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib
AARCH64_TESTS = tests/range-sum.bats tests/pipelines.bats \
		tests/parallel.bats tests/transport.bats tests/kernel.bats

build/aarch64/real/%: src/*.c src/*.h
	mkdir -p $(@D)
	$(AARCH64_CC) $(WARNINGS) -pthread -O2 -g -o $@ $(SAN_SRC_$*) $(LDLIBS)

build/aarch64/bin/%: build/aarch64/real/% Makefile
	mkdir -p $(@D)
	printf '#!/bin/sh\nexec %s %s "$$@"\n' '$(AARCH64_QEMU)' \
	    '$(CURDIR)/$<' >$@
	chmod 755 $@

# The probe reads a table's header, whose layout (a pthread mutex first)
# is the ABI's: under qemu the tests use an aarch64 probe beside the
# programs.
build/aarch64/real/ipc-probe: tests/ipc-probe.c src/shmtab.h
	mkdir -p $(@D)
	$(AARCH64_CC) $(WARNINGS) -pthread -O2 -o $@ tests/ipc-probe.c $(LDLIBS)

aarch64: $(PROGS:%=build/aarch64/bin/%) build/aarch64/bin/ipc-probe
.SECONDARY: $(PROGS:%=build/aarch64/real/%) build/aarch64/real/ipc-probe

# Should threads or forked children still not run under this qemu-user (a
# mismatched C library as above hangs both, a qemu bug might), a probe of
# each under a timeout says so first in one line, and its reason in
# RANGETOOLS_QEMU_NOTHREADS or RANGETOOLS_QEMU_NOFORK makes the tests that
# start threads (needs_threads) or worker processes (needs_fork) skip,
# while every other test runs: none hangs.
build/aarch64/thread-probe: tests/thread-probe.c
	mkdir -p $(@D)
	$(AARCH64_CC) $(WARNINGS) -pthread -O2 -o $@ $<

aarch64_probe = timeout -k 1 10 $(AARCH64_QEMU) build/aarch64/thread-probe $(1) \
	|| { $(2)="$$(qemu-aarch64 --version | sed -n 1p), Linux $$(uname -r): $(3) hang under qemu-user here: the tests that start them are skipped"; \
	echo "check-aarch64: $$$(2)" >&2; };

check-aarch64: all $(TESTBINS) aarch64 build/aarch64/thread-probe
	@nothreads=; nofork=; \
	$(call aarch64_probe,thread,nothreads,threads) \
	$(call aarch64_probe,fork,nofork,forked children) \
	echo "RANGETOOLS_BIN=$(CURDIR)/build/aarch64/bin RANGETOOLS_QEMU=aarch64 bats $(AARCH64_TESTS)"; \
	RANGETOOLS_BIN=$(CURDIR)/build/aarch64/bin RANGETOOLS_QEMU=aarch64 \
	RANGETOOLS_QEMU_NOTHREADS="$$nothreads" RANGETOOLS_QEMU_NOFORK="$$nofork" \
	    bats $(AARCH64_TESTS)

# The main paths under valgrind's memcheck (also part of make check).
valgrind: all $(TESTBINS)
	bats tests/memcheck.bats

# Fuzzing: libFuzzer harnesses (clang) for the number and record parsers,
# each run for FUZZ_SECONDS after replaying the crashes found so far.
FUZZ_SECONDS ?= 60
FUZZERS      = num-fuzz rec-fuzz round-fuzz fast-fuzz merge-fuzz
FUZZ_CC      = clang
FUZZ_FLAGS   = -g -O1 -fsanitize=fuzzer,address,undefined \
	       -fno-sanitize-recover=all
FUZZ_SRC     = $(COMMON_OBJ:.o=.c)

# merge-fuzz also needs the merge.
tests/fuzz/merge-fuzz: FUZZ_MORE = $(MERGE_OBJ:.o=.c)
tests/fuzz/merge-fuzz: $(MERGE_OBJ:.o=.c)

# fast-fuzz also reports a pointer formed before its block and compared
# (pointer-compare; tests/fuzz/run sets detect_invalid_pointer_pairs),
# at -O0: at -O1 clang's optimiser made a pointer comparison out of an
# integer one, which ASan then reported.
tests/fuzz/fast-fuzz: FUZZ_FLAGS += -O0 -fsanitize=pointer-compare

tests/fuzz/%-fuzz: tests/fuzz/%-fuzz.c tests/fuzz/fuzz.h $(FUZZ_SRC) src/*.h
	$(FUZZ_CC) $(WARNINGS) $(FUZZ_FLAGS) -Isrc -o $@ $< $(FUZZ_SRC) \
	    $(FUZZ_MORE) $(LDLIBS)

fuzz: $(FUZZERS:%=tests/fuzz/%)
	@for f in $(FUZZERS); do \
		sh tests/fuzz/run $$f $(FUZZ_SECONDS) || exit 1; \
	done

demo: all
	bash examples/article.sh

# A free-threaded CPython (PEP 703), built with --disable-gil from
# Debian's source package (trixie's python3.13) into a cache directory,
# where make demo and make gil find it (bench/python-ft.sh: a few minutes
# the first time; a second run finds the build and does nothing).
RANGETOOLS_PYTHON_FT_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/rangetools/python-ft
export RANGETOOLS_PYTHON_FT_CACHE
python-ft:
	sh bench/python-ft.sh

# .ci/run's check of make demo's free-threaded rows: the article's
# programs exact, two threads at least 1.6x one, and no GIL.
check-python-ft: all python-ft
	sh tests/python-ft-check.sh

# Chaos trials: random faults (a worker, producer, consumer or ssh host
# killed; a straggler still running at the resume; a part run twice; parallel
# --retries; a Slurm requeue; the resume run twice) across every transport,
# each resumed with sum-merge --missing to the exact total, with nothing left
# behind (tests/chaos.sh; it prints the counts per kind).  At most
# CHAOS_TRIALS trials, none started after CHAOS_TIME seconds; CHAOS_SEED
# repeats a run's choices.  Then as many random runs of one queue or table
# under reused names (tests/lifecycle.sh): interrupted, late and second
# producers, readers and STOPs.
CHAOS_TRIALS ?= 200
CHAOS_TIME   ?= 1500
CHAOS_SEED   ?=
chaos: all $(TESTBINS)
	CHAOS_TRIALS=$(CHAOS_TRIALS) CHAOS_TIME=$(CHAOS_TIME) \
	CHAOS_SEED=$(CHAOS_SEED) bash tests/chaos.sh
	LIFECYCLE_RUNS=$(CHAOS_TRIALS) LIFECYCLE_SEED=$(CHAOS_SEED) \
	bash tests/lifecycle.sh

# Speed, measured side by side (a few minutes; BENCH_REPS=n for more).
bench:
	sh bench/bench.sh

# The model's lock beside CPython's GIL: traces, a table of ratios, a CSV
# and a picture in bench/out (a few minutes; needs python3 and gnuplot).
gil: all
	python3 bench/gil.py

# The pages name installed files where the default PREFIX puts them: sed
# stamps DOCDIR, MANPREFIX, BASHCOMPDIR and BINDIR there, and the version
# into .Os, as sbase's Makefile does.
MANSED = -e 's/^\.Os rangetools$$/.Os rangetools $(VERSION)/' \
	 -e 's|/usr/local/share/doc/rangetools|$(DOCDIR)|g' \
	 -e 's|/usr/local/share/man|$(MANPREFIX)|g' \
	 -e 's|/usr/local/share/bash-completion/completions|$(BASHCOMPDIR)|g' \
	 -e 's|/usr/local/bin|$(BINDIR)|g'

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANPREFIX)/man1 \
	    $(DESTDIR)$(MANPREFIX)/man7 $(DESTDIR)$(DOCDIR)/examples
	cp -f $(BINS) $(DESTDIR)$(BINDIR)/
	for m in $(MAN1) $(MAN7); do \
		sed $(MANSED) $$m > \
		    $(DESTDIR)$(MANPREFIX)/man$${m##*.}/$${m#man/} || exit 1; \
	done
	cp -f $(EXAMPLES) $(GILTOOLS) $(DESTDIR)$(DOCDIR)/examples/
	cp -f $(DOCNOTES) $(DESTDIR)$(DOCDIR)/
	cd $(DESTDIR)$(DOCDIR) && chmod 644 $(DOCNOTES:doc/%=%)
	cd $(DESTDIR)$(BINDIR) && chmod 755 $(PROGS)
	cd $(DESTDIR)$(MANPREFIX)/man1 && chmod 644 $(MAN1:man/%=%)
	cd $(DESTDIR)$(MANPREFIX)/man7 && chmod 644 $(MAN7:man/%=%)
	cd $(DESTDIR)$(DOCDIR)/examples && chmod 644 $(DOCFILES) && \
	    chmod 755 $(filter %.sh,$(DOCFILES))
	mkdir -p $(DESTDIR)$(BASHCOMPDIR)
	cp -f completion/rangetools.bash $(DESTDIR)$(BASHCOMPDIR)/range-split
	chmod 644 $(DESTDIR)$(BASHCOMPDIR)/range-split
	cd $(DESTDIR)$(BASHCOMPDIR) && ln -sf range-split range-sum && \
	    ln -sf range-split sum-merge

uninstall:
	cd $(DESTDIR)$(BINDIR) && rm -f $(PROGS)
	cd $(DESTDIR)$(MANPREFIX)/man1 && rm -f $(MAN1:man/%=%)
	cd $(DESTDIR)$(MANPREFIX)/man7 && rm -f $(MAN7:man/%=%)
	cd $(DESTDIR)$(BASHCOMPDIR) && rm -f $(PROGS)
	cd $(DESTDIR)$(DOCDIR)/examples && rm -f $(DOCFILES)
	cd $(DESTDIR)$(DOCDIR) && rm -f $(DOCNOTES:doc/%=%)
	rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null || :

# Release: make dist writes rangetools-VERSION.tar.gz from the files git
# tracks, as HEAD holds them, so a tree whose tracked files differ from
# HEAD stops it (the tarball would not be what the tree shows).  Nothing
# else calls git: a tarball builds and tests without it.
DIST = rangetools-$(VERSION)
dist:
	@p=$$(git rev-parse --show-prefix 2>/dev/null) && [ -z "$$p" ] || \
	    { echo "make dist: needs git, in the top folder of a checkout" \
	    >&2; exit 1; }
	@git update-index -q --refresh; \
	if ! git diff-index --quiet HEAD --; then \
		echo "make dist: tracked files differ from HEAD;" \
		    "commit or stash them first:" >&2; \
		git diff-index --name-status HEAD -- >&2; exit 1; \
	fi
	@v=$$(sed -n '1s/^rangetools (\([^)]*\)).*/\1/p' debian/changelog); \
	[ "$$v" = "$(VERSION)" ] || { echo "make dist: debian/changelog" \
	    "says $$v, src/cli.h says $(VERSION)" >&2; exit 1; }
	git archive --format=tar.gz --prefix=$(DIST)/ -o $(DIST).tar.gz HEAD
	@echo "$(DIST).tar.gz"

# Unpacks the tarball in a temporary folder, builds and runs make test in
# a copy of it with git out of reach, stages make install and make
# uninstall; see tests/distcheck.
distcheck: dist
	sh tests/distcheck $(DIST).tar.gz

# Debian packages, built by dpkg-buildpackage in build/deb from the
# tarball (so from exactly the tracked files, and no ../ of the checkout
# is written), then checked by blhc (the hardening flags reached every
# compiler line) and lintian (errors and warnings fail).
DEB_DIR  = build/deb
DEB_ARCH = $(shell dpkg --print-architecture 2>/dev/null)
DEB      = $(DEB_DIR)/rangetools_$(VERSION)_$(DEB_ARCH).deb
# command:package for each tool that make deb runs.
# (Rules-Requires-Root: no, so no fakeroot.)
DEB_TOOLS = dpkg-buildpackage:dpkg-dev dh:debhelper lintian:lintian blhc:blhc
deb_tools = missing=; for t in $(DEB_TOOLS); do \
	command -v $${t%%:*} >/dev/null || missing="$$missing $${t\#*:}"; \
	done; [ -z "$$missing" ] || { echo "make: building the Debian" \
	"package needs the packages$$missing (in .ci/packages); as root:" \
	"apt-get install$$missing" >&2; exit 1; }
# deb_build DIR DPKG-BUILDPACKAGE-OPTIONS: build from the tarball in DIR,
# keeping the log for blhc in DIR/build.log.
deb_build = rm -rf $(1) && mkdir -p $(1) && \
	tar -xzf $(DIST).tar.gz -C $(1) && \
	{ (cd $(1)/$(DIST) && dpkg-buildpackage $(2) 2>&1); \
	  echo $$? >$(1)/status; } | tee $(1)/build.log && \
	exit $$(cat $(1)/status)

deb:
	@$(deb_tools)
	@$(MAKE) --no-print-directory dist
	@$(call deb_build,$(DEB_DIR),-us -uc -b)
	blhc $(DEB_DIR)/build.log
	lintian --fail-on error,warning --info \
	    $(DEB_DIR)/rangetools_$(VERSION)_$(DEB_ARCH).changes
	@echo "$(DEB)"

# The package installed as a user gets it (as root; it purges it after):
# see tests/installcheck-deb.
installcheck-deb:
	@[ -f "$(DEB)" ] || { echo "make $@: no $(DEB): make deb first" >&2; \
	    exit 1; }
	bash tests/installcheck-deb $(DEB)

# The arm64 package, cross-built with Debian's cross toolchain, and its
# programs run under qemu-user.  dpkg-shlibdeps needs the arm64 C
# library's package data: this target says how to get it and stops,
# since adding an architecture to a machine's dpkg is the admin's call.
DEB_ARM64_DIR = build/deb-arm64
DEB_ARM64 = $(DEB_ARM64_DIR)/rangetools_$(VERSION)_arm64.deb
deb_arm64_needs = need=; pkgs=; \
	dpkg --print-foreign-architectures | grep -qx arm64 || \
	    need="dpkg --add-architecture arm64 && apt-get update && "; \
	for p in libc6:arm64 gcc-aarch64-linux-gnu qemu-user; do \
		[ "$$(dpkg-query -W -f '$${db:Status-Status}' $$p \
		    2>/dev/null)" = installed ] || pkgs="$$pkgs $$p"; \
	done; \
	[ -z "$$need$$pkgs" ] || { echo "make deb-arm64: needs arm64's C library" \
	    "and the cross tools; as root, run:" >&2; \
	    echo "	$${need}apt-get install$${pkgs:- libc6:arm64}" >&2; \
	    exit 1; }

deb-arm64:
	@$(deb_tools)
	@$(deb_arm64_needs)
	@$(MAKE) --no-print-directory dist
	@$(call deb_build,$(DEB_ARM64_DIR),-aarm64 -d -us -uc -b)
	lintian --fail-on error,warning --info \
	    $(DEB_ARM64_DIR)/rangetools_$(VERSION)_arm64.changes
	sh tests/deb-arm64-sums $(DEB_ARM64)

format:
	clang-format -i src/*.c src/*.h

clean:
	rm -f src/*.o $(BINS) $(TESTBINS) $(FUZZERS:%=tests/fuzz/%)
	rm -rf build $(DIST).tar.gz

# One line per target.
help:
	@echo 'make                build bin/range-split, bin/range-sum, bin/sum-merge'
	@echo 'make demo           the article'"'"'s experiment, timed on this machine'
	@echo 'make test           the core tests: no root, no daemons, a minute or two'
	@echo 'make check          all the tests (doc/testing.md says what they need)'
	@echo 'make valgrind       the main paths under valgrind'"'"'s memcheck'
	@echo 'make sanitize       the suite again under ASan and UBSan (clang)'
	@echo 'make tsan           the thread tests under TSan (clang)'
	@echo 'make aarch64        an aarch64 cross build in build/aarch64'
	@echo 'make check-aarch64  the aarch64 build'"'"'s tests under qemu-user'
	@echo 'make fuzz           the parsers under libFuzzer, FUZZ_SECONDS each'
	@echo 'make coverage       line and branch coverage of the core suite (gcovr)'
	@echo 'make coverage-report  the coverage report again, from the last run'
	@echo 'make faults         random pipelines under injected failures (fiu-utils)'
	@echo 'make chaos          random fault trials on every transport'
	@echo 'make bench          speed, measured side by side (doc/bench.md)'
	@echo 'make gil            the modelled lock beside CPython'"'"'s GIL (doc/gil.md)'
	@echo 'make python-ft      a free-threaded CPython from Debian'"'"'s source (doc/free-threaded.md)'
	@echo 'make check-python-ft make demo'"'"'s free-threaded rows, checked'
	@echo 'make install        programs, pages, completion, examples under PREFIX'
	@echo 'make uninstall      remove exactly what make install put'
	@echo 'make dist           rangetools-VERSION.tar.gz of the committed tree'
	@echo 'make distcheck      build, test, install and uninstall the tarball'
	@echo 'make deb            the Debian package in build/deb, blhc, lintian'
	@echo 'make installcheck-deb  install the .deb, use it as a user, purge it (root)'
	@echo 'make deb-arm64      the arm64 package, its sums run under qemu-user'
	@echo 'make format         clang-format the sources'
	@echo 'make clean          remove what the build made'
	@echo 'make help           this list'

.PHONY: all bench chaos check demo gil python-ft check-python-ft install uninstall format clean sanitize tsan \
	valgrind fuzz aarch64 check-aarch64 test help
.PHONY: coverage coverage-report faults
.PHONY: dist distcheck deb deb-arm64 installcheck-deb
