/* recursion.c: direct and mutual recursion, a recursive tree walk and a
 * recursive descent parser. Recursive calls are call targets inside their
 * own function; mutual recursion makes cycles in the call graph. */
#include <stdlib.h>
#include "progs.h"

static NOINLINE long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static NOINLINE int ackermann(int m, int n)
{
    if (m == 0) return n + 1;
    if (n == 0) return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

static int is_odd(unsigned n);
static NOINLINE int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static NOINLINE int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

struct node { int key; struct node *left, *right; };

static NOINLINE struct node *insert(struct node *t, struct node *fresh)
{
    if (!t) return fresh;
    if (fresh->key < t->key) t->left = insert(t->left, fresh);
    else t->right = insert(t->right, fresh);
    return t;
}

static NOINLINE int depth(const struct node *t)
{
    if (!t) return 0;
    int l = depth(t->left), r = depth(t->right);
    return 1 + (l > r ? l : r);
}

static NOINLINE long sum_tree(const struct node *t)
{
    return t ? t->key + sum_tree(t->left) + sum_tree(t->right) : 0;
}

/* expr := term (('+'|'-') term)*; term := factor ('*' factor)*;
 * factor := digit | '(' expr ')' */
static int parse_expr(const char **s);
static NOINLINE int parse_factor(const char **s)
{
    if (**s == '(') {
        (*s)++;
        int v = parse_expr(s);
        if (**s == ')') (*s)++;
        return v;
    }
    if (**s >= '0' && **s <= '9') return *(*s)++ - '0';
    return 0;
}
static NOINLINE int parse_term(const char **s)
{
    int v = parse_factor(s);
    while (**s == '*') { (*s)++; v *= parse_factor(s); }
    return v;
}
static NOINLINE int parse_expr(const char **s)
{
    int v = parse_term(s);
    while (**s == '+' || **s == '-') {
        char op = *(*s)++;
        int r = parse_term(s);
        v = op == '+' ? v + r : v - r;
    }
    return v;
}

int prog_recursion(int n)
{
    struct node pool[64];
    struct node *root = NULL;
    for (int i = 0; i < 64; i++) {
        pool[i].key = (i * 37 + n) % 64;
        pool[i].left = pool[i].right = NULL;
        root = insert(root, &pool[i]);
    }
    const char *e = (n & 1) ? "(1+2)*3-4*(5+6)" : "9*(8-7)+6*5";
    return (int)fib(10 + (n & 3)) + ackermann(2, n & 3) + is_even((unsigned)n + 11)
           + depth(root) + (int)sum_tree(root) + parse_expr(&e);
}
