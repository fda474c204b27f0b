/* How fast libcsv itself parses: the whole of standard input is read into memory, then fed to
 * csv_parse in 1 MiB chunks with callbacks that only count. Prints "bytes seconds fields rows".
 * The floor under any reader built on libcsv (guestpipe's Benchmarks/floors.sh). */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static unsigned long fields, rows;
static void on_field(void *s, size_t n, void *d) { (void)s; (void)n; (void)d; fields++; }
static void on_row(int c, void *d) { (void)c; (void)d; rows++; }

int main(void) {
    size_t cap = 1 << 26, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, stdin)) > 0) {
        len += got;
        if (len == cap) buf = realloc(buf, cap *= 2);
    }
    if (!buf) { fputs("out of memory\n", stderr); return 1; }
    struct csv_parser parser;
    if (csv_init(&parser, CSV_REPALL_NL) != 0) return 1;
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (size_t at = 0; at < len; at += 1 << 20) {
        size_t n = len - at < (1 << 20) ? len - at : (1 << 20);
        if (csv_parse(&parser, buf + at, n, on_field, on_row, NULL) != n) { fputs("parse error\n", stderr); return 1; }
    }
    csv_fini(&parser, on_field, on_row, NULL);
    clock_gettime(CLOCK_MONOTONIC, &end);
    printf("%zu %.6f %lu %lu\n", len, (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9, fields, rows);
    csv_free(&parser);
    free(buf);
    return 0;
}
