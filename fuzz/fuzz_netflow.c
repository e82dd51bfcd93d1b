/* Fuzz target: NetFlow v5/v9 export datagrams (body in flowexp_fuzz.h; the
 * seeds in fuzz/corpus/netflow/ steer it to NetFlow v5/v9). */
#include "flowexp_fuzz.h"
