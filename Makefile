# lago: one Makefile (STYLE.md §9).
#
#   make            release build: build/release/{liblago.a,liblago.so,lago,upsell-sim}
#   make test       installs deps, builds with ASan+UBSan, runs every test
#   make demo       installs deps, builds release, runs the demo job
#   make fuzz       clang + libFuzzer targets in build/fuzz/
#   make bench      benchmarks against DuckDB (bench/README.md)
#   make MODE=debug|asan|release   any target in another mode
#
# Outputs go to build/<mode>/. Sources are found by wildcard: add a .c file
# under src/<layer>/ and it is built; add tests/unit/<layer>/test_x.c with
# TEST(name) functions and they are registered.

MODE ?= release
BUILD := build/$(MODE)
CC ?= cc
ifeq ($(origin CC),default)
CC := gcc
endif

WARN := -Wall -Wextra -Werror -Wstrict-prototypes -Wshadow -Wvla -Wformat=2 -Wno-format-nonliteral
BASE := -std=c11 $(WARN) -fvisibility=hidden -Iinclude -Isrc -DLAGO_BUILDING -D_GNU_SOURCE -pthread -fPIC -MMD -MP

ifeq ($(MODE),release)
MODE_CFLAGS := -O2 -g -DNDEBUG
else ifeq ($(MODE),debug)
MODE_CFLAGS := -O0 -g3
else ifeq ($(MODE),asan)
MODE_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
MODE_LDFLAGS := -fsanitize=address,undefined
else ifeq ($(MODE),fuzz)
CC := clang
MODE_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
MODE_LDFLAGS := -fsanitize=address,undefined
else
$(error unknown MODE=$(MODE): use release, debug, asan or fuzz)
endif

CFLAGS_ALL := $(BASE) $(MODE_CFLAGS) $(CFLAGS)
LIBS := -lzstd -lsnappy -llz4 -lz -lbrotlidec -lbrotlienc -lyaml -lm -lpthread
CLI_LIBS := -ledit

LIB_SRC := $(shell find src -name '*.c' ! -path 'src/cli/*' | sort)
CLI_SRC := $(shell find src/cli -name '*.c' | sort)
UNIT_SRC := $(shell find tests/unit -name '*.c' | sort)
FUZZ_SRC := $(shell find tests/fuzz -maxdepth 1 -name 'fuzz_*.c' | sort)
TOOL_SRC := $(shell find tests/tools -maxdepth 1 -name '*.c' | sort)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/obj/%.o)
FUZZ_NAMES := $(notdir $(FUZZ_SRC:.c=))
TOOLS := $(addprefix $(BUILD)/,$(notdir $(TOOL_SRC:.c=)))

.PHONY: all lib test unit demo fuzz bench clean deps tests-build check-deps
.DEFAULT_GOAL := all

all: $(BUILD)/liblago.a $(BUILD)/liblago.so $(BUILD)/lago $(BUILD)/upsell-sim

lib: $(BUILD)/liblago.a

V ?= 0
ifeq ($(V),0)
Q := @
else
Q :=
endif

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC $(MODE) $<")
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/liblago.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/liblago.so: $(LIB_OBJ)
	$(CC) -shared $(MODE_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/lago: $(CLI_OBJ) $(BUILD)/liblago.a
	$(CC) $(MODE_LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/liblago.a $(LIBS) $(CLI_LIBS)

# ---- examples: the upsell source simulator (linked with liblago, not part of it) ----
$(BUILD)/upsell-sim: examples/upsell/sim.c $(BUILD)/liblago.a
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/liblago.a $(LIBS) $(MODE_LDFLAGS)

# ---- unit tests: one binary, registry generated from TEST(name) lines ----
$(BUILD)/gen/test_list.h: $(UNIT_SRC)
	@mkdir -p $(dir $@)
	@grep -h '^TEST(' $(UNIT_SRC) | sed 's/^TEST(\([A-Za-z0-9_]*\)).*/X(\1)/' > $@.tmp
	@mv $@.tmp $@

$(BUILD)/obj/tests/unit/%.o: tests/unit/%.c $(BUILD)/gen/test_list.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC $(MODE) $<")
	$(Q)$(CC) $(CFLAGS_ALL) -Itests/unit -I$(BUILD)/gen -c $< -o $@

$(BUILD)/unit: $(UNIT_OBJ) $(BUILD)/liblago.a
	$(CC) $(MODE_LDFLAGS) -o $@ $(UNIT_OBJ) $(BUILD)/liblago.a $(LIBS)

# ---- test tools (sqllogictest runner, conformance drivers) ----
$(BUILD)/%: tests/tools/%.c $(BUILD)/liblago.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/tools -o $@ $< $(BUILD)/liblago.a $(LIBS) $(MODE_LDFLAGS) $(if $(filter slt,$*),-lsqlite3 -lcrypto)

# ---- fuzz targets: replay drivers for make test, libFuzzer for make fuzz ----
ifeq ($(MODE),fuzz)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/liblago.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -fsanitize=fuzzer -o $@ $< $(BUILD)/liblago.a $(LIBS) $(MODE_LDFLAGS)
else
$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay_main.c $(BUILD)/liblago.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< tests/fuzz/replay_main.c $(BUILD)/liblago.a $(LIBS) $(MODE_LDFLAGS)
endif

tests-build: all $(BUILD)/unit $(TOOLS) $(addprefix $(BUILD)/fuzz/,$(FUZZ_NAMES))

deps:
	@scripts/install-deps

test: deps
	@$(MAKE) --no-print-directory MODE=asan tests-build
	@tests/run-all.sh build/asan

unit:
	@$(MAKE) --no-print-directory MODE=asan $(BUILD:build/$(MODE)=build/asan)/unit
	@build/asan/unit $(T)

demo: deps
	@$(MAKE) --no-print-directory MODE=release all
	@scripts/demo.sh build/release

fuzz:
	@$(MAKE) --no-print-directory MODE=fuzz $(addprefix build/fuzz/fuzz/,$(FUZZ_NAMES))
	@echo "fuzz targets in build/fuzz/fuzz/; run e.g. mkdir -p build/fuzz/new && build/fuzz/fuzz/fuzz_types build/fuzz/new tests/fuzz/corpus/fuzz_types"

bench: deps
	@$(MAKE) --no-print-directory MODE=release all
	@bench/run.sh build/release

clean:
	rm -rf build

-include $(shell find build/$(MODE) -name "*.d" 2>/dev/null)
