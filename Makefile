# asynclab — one plain Makefile.
#
#   make            build the library and the `asynclab` program
#   make run        the main job: the default demo
#   make test       every cmocka suite and end-to-end script
#   make asan       the tests again under AddressSanitizer + UBSan + LSan
#   make tsan       the tests again under ThreadSanitizer
#   make install    PREFIX=/usr/local DESTDIR= (program, library, headers,
#                   asynclab.pc, the course, man page, completion)
#   make uninstall  the same PREFIX and DESTDIR: removes what install put
#   make check-fresh  a minimal Debian root (debootstrap, root only): the
#                   README's prerequisites, then make run and make test
#   make fuzz       every fuzz/fuzz_*.c harness for FUZZ_SECONDS (default 60)
#   make valgrind   every scenario and a few benches under valgrind memcheck
#   make bench      asynclab's benchmark workloads (ws executor, 2 workers)
#   make bench-peers  the same beside Tokio 1.24 and Go 1.19, ARGS="--runs 5"
#   make bench-redis  mini-redis (notify, ws) beside redis-server 7.0, by
#                   redis-benchmark, ARGS="--rounds 3"
#   make bench-report regenerate docs/PERFORMANCE.md (RUNS=3)
#   make check-sim  the ws simulation over SEEDS seeds (1000) x 12 workloads,
#                   invariants checked after every run; check-sim-asan too
#
# Every *.c in a module folder goes into build/libasynclab.a; a new file
# needs no line here. Each tests/test_<module>.c becomes its own binary.
# One test: ./build/tests/test_task task_wake_while_running

CC      ?= cc
BUILD   ?= build
PREFIX  ?= /usr/local

# Link-time optimization, when the compiler is GCC and its archiver is
# there: small functions of one file (task_run, ws_spawn, ...) then inline
# into their callers in another. callgrind: 14% fewer instructions on
# chained_spawn, 13% on yield_many (docs/perf-notes.md). LTO= turns it off.
ifeq ($(origin LTO),undefined)
LTO := $(shell $(CC) -v 2>&1 | grep -q '^gcc version' && \
         command -v gcc-ar >/dev/null 2>&1 && echo -flto=auto)
endif
OPT     ?= -O2 -g $(LTO)
SAN     ?=
DEFS    ?=
AR_LIB   = $(if $(LTO),gcc-ar,ar)
# At the link, inlining across files makes GCC guess at "may be used
# uninitialized" through calls it could not see before (a handle set by
# a call that returned 0); each file is still checked for it when it is
# compiled, so the link does not repeat that one guess.
LTO_LINK = $(if $(findstring -flto,$(OPT)),-Wno-maybe-uninitialized)

# Hardening, in every build: overflows of fixed buffers and stacks caught
# at run time (_FORTIFY_SOURCE checks the sizes it can see, the stack
# protector a smashed return), and snprintf/sprintf whose output may not
# fit found at compile time (level 2 assumes the longest possible
# argument). The ASan build replaces FORTIFY (which it conflicts with) by
# -fsanitize=bounds-strict, which also sees an overflow from one field of
# a struct into the next (ASan alone cannot: the memory is valid).
HARDEN  ?= -D_FORTIFY_SOURCE=3 -fstack-protector-strong
WARN     = -Wall -Wextra -Werror -Wformat-overflow=2 -Wformat-truncation=2
CFLAGS  = -std=c11 $(WARN) -D_GNU_SOURCE -pthread -I. \
          $(OPT) $(HARDEN) $(SAN) $(DEFS) -MMD -MP
LDFLAGS = -pthread $(SAN) $(OPT) $(LTO_LINK)
# Recursive (=), so they are read after `deps` has installed the packages.
CMOCKA_CFLAGS = $(shell pkg-config --cflags cmocka)
CMOCKA_LIBS   = $(shell pkg-config --libs cmocka)
NCURSES_LIBS  = $(shell pkg-config --libs ncurses)

MODULES = core trace driver sync spin_executor notify_executor workstealing bench \
          scenarios visualizer mini_redis
LIB_SRC = $(wildcard $(addsuffix /*.c,$(MODULES)))
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB     = $(BUILD)/libasynclab.a

CLI_SRC = $(wildcard cli/*.c)
CLI_OBJ = $(CLI_SRC:%.c=$(BUILD)/%.o)
PROGRAM = $(BUILD)/asynclab

TEST_SRC = $(wildcard tests/test_*.c)
TEST_BIN = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

.PHONY: all deps run test asan tsan clean install uninstall check-fresh fuzz fuzz-deps valgrind bench bench-peers \
        bench-report

all: $(PROGRAM)

deps:
	@sh tools/deps.sh

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	rm -f $@
	$(AR_LIB) rcs $@ $^

# -rdynamic: `--executor mine` loads the learner's executor as a shared
# object (cli/mine.c), which finds the library's functions in the program.
$(PROGRAM): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -rdynamic $(CLI_OBJ) $(LIB) $(NCURSES_LIBS) -o $@

$(BUILD)/tests/%: tests/%.c $(LIB) | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CMOCKA_CFLAGS) $< $(LIB) $(CMOCKA_LIBS) $(LDFLAGS) -o $@

# The visualizer on the guided demo: ws, 4 workers, simulated, paced.
# Without a terminal to draw on (CI, a pipe, TERM=dumb) the same tour
# runs once in plain text instead, and says so: its captions at their
# events (--narrate), then the run's figures.
run: $(PROGRAM)
	@if [ -t 0 ] && [ -t 1 ] && [ -n "$${TERM:-}" ] && [ "$$TERM" != dumb ]; then \
	    echo "./$(PROGRAM) viz tour"; ./$(PROGRAM) viz tour; \
	else \
	    echo "make run: no terminal to draw the visualizer on, so the tour" \
	         "once in plain text (in a terminal: ./$(PROGRAM) viz tour)"; \
	    echo "./$(PROGRAM) run tour --executor ws --workers 4 --sim --seed 7 --narrate"; \
	    ./$(PROGRAM) run tour --executor ws --workers 4 --sim --seed 7 --narrate; \
	fi

# tmux drives the visualizer's terminal tests (tests/viz.sh); without it,
# and without the rights to install it, they are skipped, not failed.
test: $(PROGRAM) $(TEST_BIN)
	@sh tools/deps.sh test || echo "tests: tools missing (above); the tests needing them will be skipped"
	@sh tools/run-tests.sh $(BUILD)

asan:
	$(MAKE) BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    HARDEN="-fstack-protector-strong" \
	    SAN="-fsanitize=address,undefined,bounds-strict -fno-sanitize-recover=all" test

tsan:
	$(MAKE) BUILD=build/tsan OPT="-O1 -g" SAN="-fsanitize=thread" test

# Timings, never part of `test` or CI: the machines are shared and noisy.
bench: $(PROGRAM)
	./$(PROGRAM) bench all --executor ws --workers 2

bench-peers: $(PROGRAM)
	@BUILD=$(BUILD) sh tools/bench-peers.sh $(ARGS)

# mini-redis on notify and ws beside redis-server, by redis-benchmark
# (tools/bench-redis.sh; installs redis-server and redis-tools; ARGS="--rounds 3").
.PHONY: bench-redis
bench-redis: $(PROGRAM)
	@sh tools/deps.sh redis
	@BUILD=$(BUILD) bash tools/bench-redis.sh $(ARGS)

# Lesson 17's table: each optimization's build flag, measured side by
# side with the default (tools/fast-table.sh; ROUNDS=9 by default).
.PHONY: lesson-fast-table
lesson-fast-table:
	sh tools/fast-table.sh $(if $(ROUNDS),--rounds $(ROUNDS))

bench-report: $(PROGRAM)
	@BUILD=$(BUILD) bash tools/bench-report.sh

# ---- install, uninstall (tools/install.sh) -----------------------------------
# Under PREFIX: bin/asynclab, lib/libasynclab.a, lib/pkgconfig/asynclab.pc,
# include/asynclab/ (PUBLIC_HEADERS and what they include), share/asynclab/
# (the course, examples), share/man/man1/asynclab.1, the bash completion;
# and share/asynclab/install-manifest.txt, from which uninstall removes
# exactly that. The program finds the course as ../share/asynclab, so
# DESTDIR staging and moving the prefix work.
PUBLIC_HEADERS = $(wildcard core/*.h driver/*.h sync/*.h spin_executor/*.h \
                   notify_executor/*.h scenarios/*.h) \
                 workstealing/ws.h bench/executors.h
INSTALL_ENV = DESTDIR='$(DESTDIR)' PREFIX='$(PREFIX)' BUILD='$(BUILD)' \
              CC='$(CC)' VERSION='$(ASYNCLAB_VERSION)' \
              PUBLIC_HEADERS='$(PUBLIC_HEADERS)'

install: $(PROGRAM) $(LIB)
	@$(INSTALL_ENV) sh tools/install.sh install

uninstall:
	@$(INSTALL_ENV) sh tools/install.sh uninstall

# The version: VERSION, and the commit when there is a repository and git.
# (GIT_OPTIONAL_LOCKS=0: never take the index lock from a commit.)
ASYNCLAB_VERSION := $(shell cat VERSION 2>/dev/null)$(shell \
    GIT_OPTIONAL_LOCKS=0 git describe --tags --always 2>/dev/null | \
    sed 's/^/+git./')
$(BUILD)/version.txt: FORCE
	@mkdir -p $(dir $@)
	@echo '$(ASYNCLAB_VERSION)' | cmp -s - $@ || echo '$(ASYNCLAB_VERSION)' >$@
$(BUILD)/cli/main.o: $(BUILD)/version.txt
$(BUILD)/cli/main.o: CFLAGS += -DASYNCLAB_VERSION='"$(ASYNCLAB_VERSION)"'
FORCE:

# A fresh machine (tools/check-fresh.sh; root): debootstrap's minbase
# Debian in $(BUILD)/fresh.*, a clean clone of HEAD, only gcc, make and
# libc6-dev, then the README's `make run` (no terminal) and `make test`.
check-fresh:
	@BUILD=$(BUILD) sh tools/check-fresh.sh

clean:
	rm -rf build

# ---- fuzzing (libFuzzer, clang) ---------------------------------------------
# Each fuzz/fuzz_<name>.c is a harness, found by wildcard, linked with the
# library and the program's objects built again by clang with the fuzzer's
# coverage and ASan + UBSan. cli/main.c's main becomes asynclab_main, so a
# harness can call the whole program; cli_parse is wrapped so fuzz_cli can
# stop each command right after its parse (a link flag that does nothing
# for a harness that does not define __wrap_cli_parse). Seeds live in
# fuzz/corpus/<name>/ (small, committed); what the fuzzer finds goes to
# build/fuzz/corpus/<name>/, crashes to build/fuzz/artifacts/.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD    = $(BUILD)/fuzz
FUZZ_CFLAGS   = -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -pthread -I. \
                -O1 -g -fno-omit-frame-pointer \
                -fsanitize=fuzzer-no-link,address,undefined -MMD -MP
FUZZ_LDFLAGS  = -fsanitize=fuzzer,address,undefined -pthread \
                -Wl,--wrap=cli_parse
FUZZ_SRC      = $(wildcard fuzz/fuzz_*.c)
FUZZ_BIN      = $(FUZZ_SRC:fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_LIB_OBJ  = $(LIB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_CLI_OBJ  = $(CLI_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)

$(FUZZ_BUILD)/obj/%.o: %.c | fuzz-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_DEFS) -c $< -o $@

$(FUZZ_BUILD)/obj/cli/main.o: FUZZ_DEFS = -Dmain=asynclab_main

$(FUZZ_BUILD)/libasynclab.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/libcli.a: $(FUZZ_CLI_OBJ)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_BUILD)/libcli.a \
                      $(FUZZ_BUILD)/libasynclab.a
	$(FUZZ_CC) $(filter-out -MMD -MP,$(FUZZ_CFLAGS)) $< \
	    $(FUZZ_BUILD)/libcli.a $(FUZZ_BUILD)/libasynclab.a \
	    $(NCURSES_LIBS) $(FUZZ_LDFLAGS) -o $@

fuzz-deps:
	@sh tools/deps.sh fuzz

fuzz: $(FUZZ_BIN)
	@sh tools/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_BIN)

# ---- leaks: valgrind memcheck over the program -----------------------------

valgrind: $(PROGRAM)
	@sh tools/deps.sh valgrind
	@bash tools/valgrind.sh $(PROGRAM)

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_CLI_OBJ:.o=.d)

# The course: every reference solution must pass its checker, and every
# untouched exercise must fail it with a sentence (lessons/, cli/cmd_check.c).
.PHONY: check-lessons
check-lessons: $(PROGRAM)
	./$(PROGRAM) check --solutions
	./$(PROGRAM) check --pristine

# The lessons' console blocks rewritten from what the program prints now,
# masks kept where they still match (docs/lesson-doctest.md); review the
# change with git diff. `make test` compares them (tests/lesson_doctest.sh).
.PHONY: lessons-regen
lessons-regen: $(PROGRAM)
	sh tools/lesson-doctest.sh --regen $(PROGRAM) lessons/[0-9][0-9]-*/README.md docs/lesson-doctest.md

# ---- check-sim: the ws simulation over many seeds (docs/check-sim.md) -------
# tests/sim_check.c is not a test_* suite, so `make test` stays quick: it
# runs SEEDS seeds x 12 workloads and checks the invariants after each run.
# A failure prints its replay command and writes its trace to
# $(BUILD)/sim-failures/. check-sim-asan: the same under ASan + UBSan +
# LSan (leak-checked every 10 seeds), in build/asan.
SEEDS      ?= 1000
ASAN_SEEDS ?= 1000

.PHONY: check-sim check-sim-asan
check-sim: $(BUILD)/tests/sim_check
	./$(BUILD)/tests/sim_check --seeds $(SEEDS) \
	    --trace-dir $(BUILD)/sim-failures

check-sim-asan:
	$(MAKE) BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    HARDEN="-fstack-protector-strong" \
	    SAN="-fsanitize=address,undefined,bounds-strict -fno-sanitize-recover=all" \
	    SEEDS=$(ASAN_SEEDS) check-sim
