/* jansson_lines: the peer for bench/soc_logs.sh. Parses each line of an
 * NDJSON file with jansson's json_loads (a full DOM, as a well-kept C JSON
 * library does) and reads event_type, counting lines and parse errors. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: jansson_lines FILE\n"); return 2; }
    FILE *f = fopen(argv[1], "r");
    if (!f) { perror(argv[1]); return 1; }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long long lines = 0, bad = 0, http = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        json_error_t err;
        json_t *v = json_loadb(line, (size_t)n, 0, &err);
        lines++;
        if (!v) { bad++; continue; }
        const char *t = json_string_value(json_object_get(v, "event_type"));
        if (t && !strcmp(t, "http")) http++;
        json_decref(v);
    }
    free(line);
    fclose(f);
    printf("%llu lines, %llu http, %llu bad\n", lines, http, bad);
    return 0;
}
