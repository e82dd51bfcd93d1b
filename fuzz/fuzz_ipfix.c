/* Fuzz target: IPFIX export datagrams (body in flowexp_fuzz.h; the
 * seeds in fuzz/corpus/ipfix/ steer it to IPFIX). */
#include "flowexp_fuzz.h"
