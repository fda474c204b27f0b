/*
 * A batching layer over libcsv. libcsv calls back once per field and once per row; doing
 * that work in C keeps the per-byte cost inside the library and lets Swift walk whole batches
 * of finished rows (offsets into one byte buffer) without allocating per field.
 */
#ifndef GUESTPIPE_CCSV_SHIM_H
#define GUESTPIPE_CCSV_SHIM_H
#include <csv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct gp_csv_batch {
    struct csv_parser parser;
    unsigned char *bytes;       /* field bytes of the rows in this batch, back to back */
    size_t bytes_len, bytes_cap;
    uint32_t *field_ends;       /* end offset in `bytes` of each field */
    size_t fields_len, fields_cap;
    uint32_t *row_field_ends;   /* index into field_ends one past each row's last field */
    uint64_t *row_lines;        /* physical line on which each row starts (1-based) */
    size_t rows_len, rows_cap, row_lines_cap;
    size_t row_first_field;     /* index of the first field of the row being built */
    uint64_t line;              /* line on which the row being built starts */
    uint64_t row_newlines;      /* line breaks inside quoted fields of that row */
    int last_row_ended_cr;      /* the previous row ended with CR: a following LF is its CRLF */
    int out_of_memory;
} gp_csv_batch;

static inline int gp_csv_grow(void **ptr, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 1;
    size_t n = *cap ? *cap : 1024;
    while (n < need) n *= 2;
    void *p = realloc(*ptr, n * elem);
    if (!p) return 0;
    *ptr = p; *cap = n;
    return 1;
}

static void gp_csv_on_field(void *data, size_t len, void *ctx) {
    gp_csv_batch *b = (gp_csv_batch *)ctx;
    if (!gp_csv_grow((void **)&b->bytes, &b->bytes_cap, b->bytes_len + len, 1) ||
        !gp_csv_grow((void **)&b->field_ends, &b->fields_cap, b->fields_len + 1, sizeof(uint32_t))) {
        b->out_of_memory = 1; return;
    }
    const unsigned char *s = (const unsigned char *)data;
    if (len) memcpy(b->bytes + b->bytes_len, s, len);
    /* Count line breaks inside the field (CRLF once, lone CR or LF once each). Only a quoted
     * field can hold one; libcsv still has `quoted` set for the field it is submitting. */
    if (b->parser.quoted) {
        uint64_t breaks = 0;
        for (size_t i = 0; i < len; i++) {
            unsigned char c = s[i];
            if (c == '\r') breaks++;
            else if (c == '\n' && !(i > 0 && s[i - 1] == '\r')) breaks++;
        }
        b->row_newlines += breaks;
    }
    b->bytes_len += len;
    b->field_ends[b->fields_len++] = (uint32_t)b->bytes_len;
}

static void gp_csv_on_row(int term, void *ctx) {
    gp_csv_batch *b = (gp_csv_batch *)ctx;
    int empty = b->fields_len == b->row_first_field;
    if (empty) {
        /* With CSV_REPALL_NL every unquoted CR/LF outside a row arrives here: the LF of a
         * CRLF pair is not a line of its own; any other is a blank line, skipped but counted. */
        if (!(term == '\n' && b->last_row_ended_cr) && term != -1) b->line++;
        b->last_row_ended_cr = 0;
        return;
    }
    if (!gp_csv_grow((void **)&b->row_field_ends, &b->rows_cap, b->rows_len + 1, sizeof(uint32_t)) ||
        !gp_csv_grow((void **)&b->row_lines, &b->row_lines_cap, b->rows_len + 1, sizeof(uint64_t))) {
        b->out_of_memory = 1; return;
    }
    b->row_field_ends[b->rows_len] = (uint32_t)b->fields_len;
    b->row_lines[b->rows_len] = b->line;
    b->rows_len++;
    b->row_first_field = b->fields_len;
    b->line += b->row_newlines + (term == -1 ? 0 : 1);
    b->row_newlines = 0;
    b->last_row_ended_cr = (term == '\r');
}

static inline void gp_csv_batch_free(gp_csv_batch *b) {
    if (!b) return;
    csv_free(&b->parser);
    free(b->bytes); free(b->field_ends); free(b->row_field_ends); free(b->row_lines);
    free(b);
}

/* Creates a batch parser: lenient quoting, every line ending reported. libcsv's default
 * whitespace rule is kept (spaces and tabs around unquoted fields are dropped): a custom
 * is_space function costs a call per byte, about 11% of the parse. */
static inline gp_csv_batch *gp_csv_batch_new(void) {
    gp_csv_batch *b = (gp_csv_batch *)calloc(1, sizeof(gp_csv_batch));
    if (!b) return NULL;
    if (csv_init(&b->parser, CSV_REPALL_NL) != 0) { free(b); return NULL; }
    csv_set_blk_size(&b->parser, 4096);
    b->line = 1;
    if (!gp_csv_grow((void **)&b->bytes, &b->bytes_cap, 1 << 16, 1) ||
        !gp_csv_grow((void **)&b->field_ends, &b->fields_cap, 4096, sizeof(uint32_t)) ||
        !gp_csv_grow((void **)&b->row_field_ends, &b->rows_cap, 1024, sizeof(uint32_t)) ||
        !gp_csv_grow((void **)&b->row_lines, &b->row_lines_cap, 1024, sizeof(uint64_t))) {
        gp_csv_batch_free(b);
        return NULL;
    }
    return b;
}


/* Parses one chunk; finished rows are appended to the batch. Returns 0, or -1 on error. */
static inline int gp_csv_batch_parse(gp_csv_batch *b, const void *data, size_t len) {
    size_t done = csv_parse(&b->parser, data, len, gp_csv_on_field, gp_csv_on_row, b);
    if (b->out_of_memory || done != len) return -1;
    return 0;
}

/* Ends the input: a last row without a final newline is finished. Returns 0 or -1. */
static inline int gp_csv_batch_finish(gp_csv_batch *b) {
    int rc = csv_fini(&b->parser, gp_csv_on_field, gp_csv_on_row, b);
    return (rc != 0 || b->out_of_memory) ? -1 : 0;
}

/* True while the parser is inside a quoted field (used to report an unclosed quote). */
static inline int gp_csv_batch_in_quoted_field(const gp_csv_batch *b) {
    return b->parser.quoted && b->parser.pstate == 2; /* FIELD_BEGUN */
}

/* Bytes libcsv holds for the field it is still reading (guards against runaway quotes). */
static inline size_t gp_csv_batch_pending_field_bytes(const gp_csv_batch *b) {
    return b->parser.entry_pos;
}

/* Drops the rows already consumed; keeps the fields of the unfinished row at the front. */
static inline void gp_csv_batch_compact(gp_csv_batch *b) {
    size_t first = b->row_first_field;
    size_t byte_start = first ? b->field_ends[first - 1] : 0;
    size_t keep_fields = b->fields_len - first;
    size_t keep_bytes = b->bytes_len - byte_start;
    if (byte_start && keep_bytes) memmove(b->bytes, b->bytes + byte_start, keep_bytes);
    for (size_t i = 0; i < keep_fields; i++)
        b->field_ends[i] = b->field_ends[first + i] - (uint32_t)byte_start;
    b->bytes_len = keep_bytes;
    b->fields_len = keep_fields;
    b->row_first_field = 0;
    b->rows_len = 0;
}
#endif
