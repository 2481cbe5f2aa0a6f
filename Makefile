# rangetools: range-split, range-sum, sum-merge.

PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANPREFIX ?= $(PREFIX)/share/man
# bash-completion loads completions/<command> when <command> is completed.
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

CC       ?= cc
CFLAGS   ?= -O2 -g
WARNINGS  = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes \
	    -Wmissing-prototypes -Wno-missing-field-initializers
LDLIBS   += -pthread -lrt

PROGS = range-split range-sum sum-merge
BINS  = $(PROGS:%=bin/%)
MAN1  = man/range-split.1 man/range-sum.1 man/sum-merge.1
MAN7  = man/rangetools.7

COMMON_OBJ = src/cli.o src/num.o src/rec.o src/kernel.o
IPC_OBJ = src/ipc.o src/recq.o src/shmtab.o
RANGE_SUM_OBJ = src/range-sum.o src/par.o src/sink.o $(IPC_OBJ) \
		src/work.o src/gil.o src/procs.o src/progress.o
SUM_MERGE_OBJ = src/sum-merge.o src/merge.o src/transport.o $(IPC_OBJ)

ALL_CFLAGS = $(WARNINGS) -pthread $(CFLAGS) $(CPPFLAGS)

# A test tool that inspects IPC objects without creating them.
TESTBINS = tests/ipc-probe

all: $(BINS) $(TESTBINS)

bin/range-split: src/range-split.o $(COMMON_OBJ)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
bin/range-sum: $(RANGE_SUM_OBJ) $(COMMON_OBJ)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
bin/sum-merge: $(SUM_MERGE_OBJ) $(COMMON_OBJ)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

tests/ipc-probe: tests/ipc-probe.c src/shmtab.h
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

src/%.o: src/%.c src/*.h
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

check: all
	mandoc -Tlint -W warning $(MAN1) $(MAN7)
	bats tests

demo: all
	bash examples/article.sh

# Speed, measured side by side (a few minutes; BENCH_REPS=n for more).
bench:
	sh bench/bench.sh

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANPREFIX)/man1 \
	    $(DESTDIR)$(MANPREFIX)/man7
	cp -f $(BINS) $(DESTDIR)$(BINDIR)/
	cp -f $(MAN1) $(DESTDIR)$(MANPREFIX)/man1/
	cp -f $(MAN7) $(DESTDIR)$(MANPREFIX)/man7/
	cd $(DESTDIR)$(BINDIR) && chmod 755 $(PROGS)
	cd $(DESTDIR)$(MANPREFIX)/man1 && chmod 644 $(MAN1:man/%=%)
	cd $(DESTDIR)$(MANPREFIX)/man7 && chmod 644 $(MAN7:man/%=%)
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

format:
	clang-format -i src/*.c src/*.h

clean:
	rm -f src/*.o $(BINS) $(TESTBINS)

.PHONY: all bench check demo install uninstall format clean
