# asynclab — one plain Makefile.
#
#   make            build the library and the `asynclab` program
#   make run        the main job: the default demo
#   make test       every cmocka suite and end-to-end script
#   make asan       the tests again under AddressSanitizer + UBSan + LSan
#   make tsan       the tests again under ThreadSanitizer
#   make install    PREFIX=/usr/local DESTDIR=
#
# Every *.c in a module folder goes into build/libasynclab.a; a new file
# needs no line here. Each tests/test_<module>.c becomes its own binary.
# One test: ./build/tests/test_task task_wake_while_running

CC      ?= cc
BUILD   ?= build
PREFIX  ?= /usr/local
OPT     ?= -O2 -g
SAN     ?=

CFLAGS  = -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -pthread -I. \
          $(OPT) $(SAN) -MMD -MP
LDFLAGS = -pthread $(SAN)
# Recursive (=), so they are read after `deps` has installed the packages.
CMOCKA_CFLAGS = $(shell pkg-config --cflags cmocka)
CMOCKA_LIBS   = $(shell pkg-config --libs cmocka)
NCURSES_LIBS  = $(shell pkg-config --libs ncurses)

MODULES = core driver sync spin_executor notify_executor workstealing bench \
          visualizer
LIB_SRC = $(wildcard $(addsuffix /*.c,$(MODULES)))
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB     = $(BUILD)/libasynclab.a

CLI_SRC = $(wildcard cli/*.c)
CLI_OBJ = $(CLI_SRC:%.c=$(BUILD)/%.o)
PROGRAM = $(BUILD)/asynclab

TEST_SRC = $(wildcard tests/test_*.c)
TEST_BIN = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

.PHONY: all deps run test asan tsan clean install

all: $(PROGRAM)

deps:
	@sh tools/deps.sh

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(PROGRAM): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) $(CLI_OBJ) $(LIB) $(NCURSES_LIBS) -o $@

$(BUILD)/tests/%: tests/%.c $(LIB) | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CMOCKA_CFLAGS) $< $(LIB) $(CMOCKA_LIBS) $(LDFLAGS) -o $@

run: $(PROGRAM)
	./$(PROGRAM) run sleepers --executor spin --tasks 100 --ms 200

test: $(PROGRAM) $(TEST_BIN)
	@sh tools/run-tests.sh $(BUILD)

asan:
	$(MAKE) BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" test

tsan:
	$(MAKE) BUILD=build/tsan OPT="-O1 -g" SAN="-fsanitize=thread" test

install: $(PROGRAM)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(PROGRAM) $(DESTDIR)$(PREFIX)/bin/asynclab

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
