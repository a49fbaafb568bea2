/*
** cli/main.c: `lago` entry point: global options, then subcommand dispatch.
**   lago [--warehouse DIR] <command> [args...]
**   lago --help | --version | <command> --help
** Exit codes: 0 ok, 1 error, 2 usage (cli.h).
*/
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static const cli_command k_commands[] = {
#define X(name, summary, usage) {#name, summary, usage, cmd_##name},
#include "cli/commands.def"
#undef X
    {NULL, NULL, NULL, NULL}};

int cli_error(const char *fmt, ...) {
  va_list ap;
  fputs("lago: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return CLI_ERROR;
}

const cli_command *cli_find(const char *name) {
  for (const cli_command *c = k_commands; c->name; c++)
    if (!strcmp(c->name, name)) return c;
  return NULL;
}

int cli_usage(const char *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "lago %s: ", cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  const cli_command *c = cli_find(cmd);
  if (c) {
    const char *nl = strchr(c->usage, '\n');
    fprintf(stderr, "%.*s\n", nl ? (int)(nl - c->usage) : (int)strlen(c->usage), c->usage);
  }
  return CLI_USAGE;
}

bool cli_is_help(const char *arg) { return !strcmp(arg, "-h") || !strcmp(arg, "--help"); }

static void print_help(FILE *f) {
  fprintf(f,
          "lago %s: a lakehouse engine (Delta Lake tables, Parquet, SQL) in one binary\n\n"
          "usage: lago [--warehouse DIR] <command> [args...]\n\n"
          "commands:\n",
          LAGO_VERSION);
  for (const cli_command *c = k_commands; c->name; c++) fprintf(f, "  %-10s %s\n", c->name, c->summary);
  fprintf(f,
          "\noptions:\n"
          "  --warehouse DIR  warehouse directory (default $LAGO_WAREHOUSE or ./lakehouse)\n"
          "  -h, --help       this help; `lago <command> --help` for a command\n"
          "  --version        print the version\n");
}

int main(int argc, char **argv) {
  cli_ctx cx = {0};
  const char *env = getenv("LAGO_WAREHOUSE");
  cx.warehouse = env && *env ? env : "./lakehouse";
  cx.tty = isatty(1);
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *a = argv[i];
    if (cli_is_help(a)) {
      print_help(stdout);
      return CLI_OK;
    } else if (!strcmp(a, "--version")) {
      printf("lago %s\n", lago_version());
      return CLI_OK;
    } else if (!strcmp(a, "--warehouse")) {
      if (i + 1 >= argc) {
        fprintf(stderr, "lago: --warehouse needs a directory\nusage: lago [--warehouse DIR] <command> [args...]\n");
        return CLI_USAGE;
      }
      cx.warehouse = argv[++i];
    } else if (!strncmp(a, "--warehouse=", 12)) {
      cx.warehouse = a + 12;
    } else {
      fprintf(stderr, "lago: unknown option '%s'\nusage: lago [--warehouse DIR] <command> [args...]\n", a);
      return CLI_USAGE;
    }
  }
  if (i >= argc) {
    print_help(stderr);
    return CLI_USAGE;
  }
  const cli_command *c = cli_find(argv[i]);
  if (!c) {
    fprintf(stderr, "lago: unknown command '%s' (see lago --help)\nusage: lago [--warehouse DIR] <command> [args...]\n",
            argv[i]);
    return CLI_USAGE;
  }
  int sub_argc = argc - i;
  char **sub_argv = argv + i;
  for (int k = 1; k < sub_argc; k++) {
    if (!strcmp(sub_argv[k], "--")) break;
    if (cli_is_help(sub_argv[k])) {
      fputs(c->usage, stdout);
      return CLI_OK;
    }
  }
  return c->fn(&cx, sub_argc, sub_argv);
}
