/*
** cli/cli.h: the `lago` command-line tool's shared pieces.
**
** Each subcommand is a function `int cmd_<name>(cli_ctx *cx, int argc, char **argv)`
** (argv[0] is the subcommand name) listed in commands.def. It returns the
** process exit code: 0 ok, 1 error, 2 usage. Errors go to stderr as
** "lago: <message>" through cli_error; usage mistakes through cli_usage.
*/
#ifndef LAGO_CLI_H
#define LAGO_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "lago.h"

#define CLI_OK 0
#define CLI_ERROR 1
#define CLI_USAGE 2

typedef struct cli_ctx {
  const char *warehouse; /* --warehouse DIR, $LAGO_WAREHOUSE, or "./lakehouse" */
  bool tty;              /* stdout is a terminal */
} cli_ctx;

typedef struct cli_command {
  const char *name;
  const char *summary;  /* one line for `lago --help` */
  const char *usage;    /* full text for `lago <cmd> --help` */
  int (*fn)(cli_ctx *cx, int argc, char **argv);
} cli_command;

/* Prints "lago: <message>" to stderr; returns CLI_ERROR. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "lago <cmd>: <message>" and the command's usage line; returns CLI_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True when argv[i] is -h or --help. */
bool cli_is_help(const char *arg);
/* Looks up a command by name (NULL if none). */
const cli_command *cli_find(const char *name);

#define X(name, summary, usage) int cmd_##name(cli_ctx *cx, int argc, char **argv);
#include "cli/commands.def"
#undef X

#endif /* LAGO_CLI_H */
