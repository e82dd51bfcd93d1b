/* mem.h: the mem engine's public interface (Windows memory forensics).
 * Filled in by the engine's modules; see docs/ARCHITECTURE.md. */
#ifndef KENSA_MEM_MEM_H
#define KENSA_MEM_MEM_H

#include "core/err.h"

#endif
