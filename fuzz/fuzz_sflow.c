/* Fuzz target: sFlow v5 export datagrams (body in flowexp_fuzz.h; the
 * seeds in fuzz/corpus/sflow/ steer it to sFlow v5). */
#include "flowexp_fuzz.h"
