/* switches.c: switch statements dense enough to become jump tables (gcc and
 * clang emit absolute tables without PIE, relative-offset tables with PIE),
 * sparse switches that become compare trees, a switch inside a loop (a
 * byte-code interpreter) and nested switches. */
#include "progs.h"

static NOINLINE int dense8(int op, int a, int b)
{
    switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return b ? a / b : 0;
    case 4: return a & b;
    case 5: return a | b;
    case 6: return a ^ b;
    case 7: return a << (b & 7);
    default: return -1;
    }
}

static NOINLINE const char *month_name(unsigned m)
{
    switch (m) {
    case 1: return "jan"; case 2: return "feb"; case 3: return "mar";
    case 4: return "apr"; case 5: return "may"; case 6: return "jun";
    case 7: return "jul"; case 8: return "aug"; case 9: return "sep";
    case 10: return "oct"; case 11: return "nov"; case 12: return "dec";
    default: return "?";
    }
}

static NOINLINE int sparse(int v)
{
    switch (v) {
    case 3: return 10;
    case 100: return 20;
    case 1000: return 30;
    case 5000: return 40;
    case 77777: return 50;
    case -9: return 60;
    default: return 0;
    }
}

/* A tiny stack machine: the dispatch is a jump table in a loop. */
enum { OP_PUSH, OP_ADD, OP_SUB, OP_MUL, OP_DUP, OP_SWAP, OP_DROP, OP_NEG,
       OP_JNZ, OP_DEC, OP_HALT, OP_NOP, OP_SHL, OP_AND, OP_OR, OP_XOR };

NOINLINE int run_vm(const int *code, int len, int arg)
{
    int stack[64], sp = 0, pc = 0, steps = 0;
    stack[sp++] = arg;
    while (pc < len && steps++ < 10000) {
        int op = code[pc++];
        switch (op) {
        case OP_PUSH: if (sp < 64 && pc < len) stack[sp++] = code[pc++]; break;
        case OP_ADD: if (sp > 1) { sp--; stack[sp - 1] += stack[sp]; } break;
        case OP_SUB: if (sp > 1) { sp--; stack[sp - 1] -= stack[sp]; } break;
        case OP_MUL: if (sp > 1) { sp--; stack[sp - 1] *= stack[sp]; } break;
        case OP_DUP: if (sp > 0 && sp < 64) { stack[sp] = stack[sp - 1]; sp++; } break;
        case OP_SWAP: if (sp > 1) { int t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; } break;
        case OP_DROP: if (sp > 0) sp--; break;
        case OP_NEG: if (sp > 0) stack[sp - 1] = -stack[sp - 1]; break;
        case OP_JNZ: if (sp > 0 && pc < len) { int to = code[pc++]; if (stack[--sp] && to >= 0 && to < len) pc = to; } break;
        case OP_DEC: if (sp > 0) stack[sp - 1]--; break;
        case OP_HALT: return sp ? stack[sp - 1] : 0;
        case OP_NOP: break;
        case OP_SHL: if (sp > 1) { sp--; stack[sp - 1] <<= (stack[sp] & 15); } break;
        case OP_AND: if (sp > 1) { sp--; stack[sp - 1] &= stack[sp]; } break;
        case OP_OR: if (sp > 1) { sp--; stack[sp - 1] |= stack[sp]; } break;
        case OP_XOR: if (sp > 1) { sp--; stack[sp - 1] ^= stack[sp]; } break;
        default: return -1;
        }
    }
    return sp ? stack[sp - 1] : 0;
}

static NOINLINE int classify(int c)
{
    switch (c) {
    case 'a': case 'e': case 'i': case 'o': case 'u':
        return 1;
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        return 2;
    case ' ': case '\t': case '\n': case '\r':
        return 3;
    case '(': case ')': case '[': case ']': case '{': case '}':
        return 4;
    default:
        return 0;
    }
}

static NOINLINE int nested(int a, int b)
{
    switch (a & 7) {
    case 0:
        switch (b & 7) {
        case 0: return 1; case 1: return 2; case 2: return 3; case 3: return 5;
        case 4: return 8; case 5: return 13; case 6: return 21; default: return 34;
        }
    case 1: return b * 3;
    case 2: return b - 7;
    case 3:
        switch (b & 3) {
        case 0: return a; case 1: return b; case 2: return a + b; default: return a * b;
        }
    case 4: return b >> 1;
    case 5: return ~b;
    case 6: return b % 5;
    default: return 0;
    }
}

int prog_switches(int n)
{
    static const int code[] = { OP_PUSH, 3, OP_MUL, OP_DUP, OP_PUSH, 5, OP_XOR, OP_ADD,
                                OP_DEC, OP_DUP, OP_JNZ, 8, OP_PUSH, 1, OP_OR, OP_HALT };
    int acc = 0;
    for (int i = 0; i < n + 16; i++) {
        acc += dense8(i & 7, acc & 0xff, i + 1);
        acc += month_name((unsigned)(i % 14))[0];
        acc += sparse(i * 97 % 101);
        acc += classify("hello (world) 42\t"[i % 17]);
        acc += nested(i, acc);
    }
    acc += run_vm(code, (int)(sizeof code / sizeof code[0]), n & 15);
    return acc;
}
