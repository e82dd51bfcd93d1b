/* main.c: driver of the small evaluation programs. Inputs depend on argc so
 * nothing is evaluated at compile time; the program is built, not run, by
 * the corpus builder (running it is harmless). */
#include <stdio.h>
#include "progs.h"

int main(int argc, char **argv)
{
    (void)argv;
    int n = argc;
    long acc = 0;
    acc += prog_switches(n);
    acc += prog_fptrs(n);
    acc += prog_recursion(n);
    acc += prog_noreturn(n);
    acc += prog_tailcalls(n);
    acc += prog_varargs(n);
    acc += prog_longfn(n);
    acc += prog_leaves(n);
    printf("%ld\n", acc);
    return 0;
}
