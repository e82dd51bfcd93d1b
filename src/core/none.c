/* none.c: an empty translation unit, so an engine library with no modules
 * yet still links (CMake refuses a library without sources). */
typedef int kensa_none_unused;
