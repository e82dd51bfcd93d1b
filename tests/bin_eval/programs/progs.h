/* progs.h: entry points of the evaluation test programs. Each program is a
 * file of ordinary C written to produce one code shape a disassembler must
 * recover (jump tables, function pointers, recursion, noreturn helpers, tail
 * calls, varargs, long and leaf functions). main.c calls every entry with
 * values derived from argc so that the compiler cannot fold them away. */
#ifndef BIN_EVAL_PROGS_H
#define BIN_EVAL_PROGS_H

#define NOINLINE __attribute__((noinline))

int prog_switches(int n);
int prog_fptrs(int n);
int prog_recursion(int n);
int prog_noreturn(int n);
int prog_tailcalls(int n);
int prog_varargs(int n);
int prog_longfn(int n);
int prog_leaves(int n);

#endif
