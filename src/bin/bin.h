/* bin.h: the bin engine's public interface (static binary analysis).
 * Filled in by the engine's modules; see docs/ARCHITECTURE.md. */
#ifndef KENSA_BIN_BIN_H
#define KENSA_BIN_BIN_H

#include "core/err.h"

#endif
