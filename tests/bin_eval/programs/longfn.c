/* longfn.c: long functions with many blocks: an unrolled hash (SHA-256
 * compression written from FIPS 180-4), a text tokenizer with many branches,
 * and a matrix routine. Long bodies give the disassembler many internal
 * branch targets that must not be mistaken for function entries. */
#include <stdint.h>
#include <string.h>
#include "progs.h"

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static NOINLINE void sha256_block(uint32_t h[8], const unsigned char blk[64])
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)blk[4 * i] << 24 | (uint32_t)blk[4 * i + 1] << 16
             | (uint32_t)blk[4 * i + 2] << 8 | blk[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

NOINLINE uint32_t sha256_first_word(const void *data, size_t len)
{
    uint32_t h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    unsigned char blk[64];
    const unsigned char *p = data;
    size_t left = len;
    while (left >= 64) { sha256_block(h, p); p += 64; left -= 64; }
    memset(blk, 0, sizeof blk);
    memcpy(blk, p, left);
    blk[left] = 0x80;
    if (left >= 56) { sha256_block(h, blk); memset(blk, 0, sizeof blk); }
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        blk[63 - i] = (unsigned char)(bits >> (8 * i));
    sha256_block(h, blk);
    return h[0];
}

enum tok { T_END, T_NUM, T_IDENT, T_STR, T_OP, T_PUNCT, T_BAD };

/* A tokenizer with a long chain of conditions. */
static NOINLINE int tokenize(const char *s, int *counts)
{
    int total = 0;
    while (*s) {
        if (*s == ' ' || *s == '\t' || *s == '\n') { s++; continue; }
        if (*s >= '0' && *s <= '9') {
            if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                s += 2;
                while ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')) s++;
            } else {
                while (*s >= '0' && *s <= '9') s++;
                if (*s == '.') { s++; while (*s >= '0' && *s <= '9') s++; }
                if (*s == 'e' || *s == 'E') { s++; if (*s == '+' || *s == '-') s++; while (*s >= '0' && *s <= '9') s++; }
            }
            counts[T_NUM]++;
        } else if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_') {
            while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' || (*s >= '0' && *s <= '9')) s++;
            counts[T_IDENT]++;
        } else if (*s == '"' || *s == '\'') {
            char q = *s++;
            while (*s && *s != q) { if (*s == '\\' && s[1]) s++; s++; }
            if (*s) s++;
            counts[T_STR]++;
        } else if (strchr("+-*/%<>=!&|^~", *s)) {
            char c = *s++;
            if ((c == '<' || c == '>') && *s == c) s++;
            if (*s == '=') s++;
            else if ((c == '&' || c == '|' || c == '+' || c == '-') && *s == c) s++;
            counts[T_OP]++;
        } else if (strchr("()[]{};,.?:", *s)) {
            s++;
            counts[T_PUNCT]++;
        } else {
            s++;
            counts[T_BAD]++;
        }
        total++;
    }
    return total;
}

static NOINLINE void matmul4(double out[4][4], const double a[4][4], const double b[4][4])
{
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            double s = 0;
            for (int k = 0; k < 4; k++)
                s += a[i][k] * b[k][j];
            out[i][j] = s;
        }
}

int prog_longfn(int n)
{
    static const char src[] = "int x = 0x1F + 3.5e-2 * y_1; if (a <<= b && c != 'q') { s = \"str\\\"\"; } @";
    int counts[8] = {0};
    double a[4][4], b[4][4], c[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) { a[i][j] = i + j + n; b[i][j] = i == j; }
    matmul4(c, a, b);
    return (int)sha256_first_word(src, sizeof src - 1 - (n & 7)) + tokenize(src, counts) * 100
           + counts[T_NUM] + (int)c[3][3];
}
