/* test_mem_vtop.c: hand-built page tables for the translator, one PTE state
 * per case, with the expected class written down from the x64 and Windows
 * PTE formats (not from kensa's output). */
#include <stdlib.h>
#include <string.h>

#include "mem/mem.h"
#include "test.h"

#define PGS 64
static uint8_t phys[PGS * 4096];
static uint8_t pf[8 * 4096];
static mem_image img;
static mem_as as;

static void w64(uint64_t pa, uint64_t v) { memcpy(phys + pa, &v, 8); }

/* PML4 at page 1, PDPT 2, PD 3, PT 4; data pages from 10. User VA 0. */
static void setup(void)
{
    memset(phys, 0, sizeof phys);
    w64(0x1000, 0x2000 | 0x67);
    w64(0x2000, 0x3000 | 0x67);
    w64(0x3000, 0x4000 | 0x67);
    kn_err e;
    CHECK(mem_image_open_mem(&img, phys, sizeof phys, "t", NULL, 0, &e) == KN_OK);
    img.pagefile = pf;
    img.pagefile_size = sizeof pf;
    as = (mem_as){&img, 0x1000, 0x1000, 0};
}

static void t_states(void)
{
    setup();
    mem_page pg;
    memset(phys + 10 * 4096, 0xaa, 4096);
    w64(0x4000 + 8 * 0, 10 * 4096 | 0x25);                    /* valid */
    CHECK_EQ_INT(mem_translate(&as, 0x0, &pg), MEM_PG_RESIDENT);
    CHECK(pg.data == phys + 10 * 4096);
    w64(0x4000 + 8 * 1, 11 * 4096 | 0x800 | (4 << 5));        /* transition */
    CHECK_EQ_INT(mem_translate(&as, 0x1000, &pg), MEM_PG_TRANSITION);
    CHECK(pg.data == phys + 11 * 4096);
    w64(0x4000 + 8 * 2, (3ull << 32) | (4 << 5));             /* pagefile 0, page 3 */
    CHECK_EQ_INT(mem_translate(&as, 0x2000, &pg), MEM_PG_PAGEFILE);
    CHECK(pg.data == pf + 3 * 4096);
    w64(0x4000 + 8 * 3, (30ull << 32) | (4 << 5));            /* beyond the pagefile */
    CHECK_EQ_INT(mem_translate(&as, 0x3000, &pg), MEM_PG_PAGED_OUT);
    w64(0x4000 + 8 * 4, (3ull << 32) | (1 << 12) | (4 << 5)); /* pagefile 1: not given */
    CHECK_EQ_INT(mem_translate(&as, 0x4000, &pg), MEM_PG_PAGED_OUT);
    w64(0x4000 + 8 * 5, 4 << 5);                               /* demand zero */
    CHECK_EQ_INT(mem_translate(&as, 0x5000, &pg), MEM_PG_DEMAND_ZERO);
    CHECK(pg.data && pg.data[0] == 0);
    CHECK_EQ_INT(mem_translate(&as, 0x6000, &pg), MEM_PG_INVALID); /* zero PTE */
    w64(0x4000 + 8 * 7, 200ull * 4096 | 0x25);                /* frame beyond the image */
    CHECK_EQ_INT(mem_translate(&as, 0x7000, &pg), MEM_PG_PAGED_OUT);
    CHECK(pg.flags & MEM_PGF_NOFRAME);
    w64(0x4000 + 8 * 8, 0xffffffff00000000ull | 0x400 | (7 << 5)); /* VAD prototype */
    CHECK_EQ_INT(mem_translate(&as, 0x8000, &pg), MEM_PG_PAGED_OUT);
    CHECK(pg.flags & MEM_PGF_VADPROTO);
    CHECK_EQ_INT(mem_translate(&as, 0x0000800000000000ull, &pg), MEM_PG_INVALID); /* non-canonical */
    mem_image_close(&img);
}

static void t_large_and_proto(void)
{
    setup();
    mem_page pg;
    /* 2 MiB page at PD[1] -> physical 0 (covers the whole test image) */
    w64(0x3000 + 8 * 1, 0x0 | 0xe7);
    CHECK_EQ_INT(mem_translate(&as, 0x200000 + 12 * 4096, &pg), MEM_PG_RESIDENT);
    CHECK(pg.data == phys + 12 * 4096 && (pg.flags & MEM_PGF_LARGE));
    /* 1 GiB page at PDPT[1] */
    w64(0x2000 + 8 * 1, 0x0 | 0xe7);
    CHECK_EQ_INT(mem_translate(&as, 0x40000000ull + 13 * 4096, &pg), MEM_PG_RESIDENT);
    CHECK(pg.data == phys + 13 * 4096);
    /* kernel VA 0xffff800000000000 -> PML4[256] -> reuse PDPT; its 1 GiB
     * page maps the prototype PTE array at phys 20*4096. */
    w64(0x1000 + 8 * 256, 0x2000 | 0x63);
    uint64_t proto_va = 0xffff800040000000ull + 20 * 4096;
    w64(20 * 4096, 14 * 4096 | 0x21);                         /* valid prototype */
    w64(20 * 4096 + 8, 15 * 4096 | 0x800);                    /* transition prototype */
    w64(0x4000 + 8 * 9, ((proto_va & 0xffffffffffffull) << 16) | 0x400);
    CHECK_EQ_INT(mem_translate(&as, 0x9000, &pg), MEM_PG_RESIDENT);
    CHECK(pg.data == phys + 14 * 4096 && (pg.flags & MEM_PGF_PROTO));
    w64(0x4000 + 8 * 10, (((proto_va + 8) & 0xffffffffffffull) << 16) | 0x400);
    CHECK_EQ_INT(mem_translate(&as, 0xa000, &pg), MEM_PG_TRANSITION);
    /* a transitioned page table: PD[2] in transition pointing at PT page 5 */
    w64(0x3000 + 8 * 2, 5 * 4096 | 0x800 | (4 << 5));
    w64(5 * 4096, 16 * 4096 | 0x25);
    CHECK_EQ_INT(mem_translate(&as, 0x400000, &pg), MEM_PG_RESIDENT);
    CHECK(pg.data == phys + 16 * 4096);
    /* a page table in the pagefile (page 2) */
    uint64_t pte = 17 * 4096 | 0x25;
    memcpy(pf + 2 * 4096, &pte, 8);
    w64(0x3000 + 8 * 3, (2ull << 32) | (4 << 5));
    CHECK_EQ_INT(mem_translate(&as, 0x600000, &pg), MEM_PG_RESIDENT);
    img.pagefile = NULL;
    CHECK_EQ_INT(mem_translate(&as, 0x600000, &pg), MEM_PG_PAGED_OUT);
    /* self-referencing garbage: a PDE pointing at the PML4 must not loop */
    w64(0x3000 + 8 * 4, 0x1000 | 0x67);
    mem_translate(&as, 0x800000, &pg);
    CHECK(1);
    uint8_t buf[8192];
    w64(0x4000 + 8 * 11, 18 * 4096 | 0x25);
    CHECK_EQ_INT(mem_vread(&as, 0xbff8, buf, 16), 8);   /* page 0xc000 has no PTE */
    CHECK_EQ_INT(mem_vread(&as, 0xaff8, buf, 16), 16);
    mem_image_close(&img);
}

TEST_MAIN(t_states, t_large_and_proto)
