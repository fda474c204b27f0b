/*
 * A batching layer over libcsv. libcsv calls back once per field and once per row; doing
 * that work in C keeps the per-byte cost inside compiled C and lets Swift walk whole batches
 * of finished rows (offsets into one byte buffer) without allocating per field.
 */
#ifndef GUESTPIPE_CSV_BATCH_H
#define GUESTPIPE_CSV_BATCH_H
#include <csv.h>
#include <stddef.h>
#include <stdint.h>

/* Limits of one record: real exports have rows of a few kilobytes and a few hundred columns.
 * Past them the file is not an export (or a quote was never closed) and reading stops, so
 * memory stays bounded whatever the input. */
#define GP_CSV_MAX_RECORD_BYTES ((size_t)8 << 20)
#define GP_CSV_MAX_RECORD_FIELDS ((size_t)10000)

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
    int record_too_long;        /* a record passed GP_CSV_MAX_RECORD_BYTES or _FIELDS */
} gp_csv_batch;

/* Creates a batch parser: lenient quoting, every line ending reported; libcsv's default
 * whitespace rule (spaces and tabs around unquoted fields are dropped; a custom rule would
 * cost a call per byte). NULL when out of memory. */
gp_csv_batch *gp_csv_batch_new(void);
void gp_csv_batch_free(gp_csv_batch *b);
/* Parses one chunk; finished rows are appended to the batch. Returns 0, or -1 on error. */
int gp_csv_batch_parse(gp_csv_batch *b, const void *data, size_t len);
/* Ends the input: a last row without a final newline is finished. Returns 0 or -1. */
int gp_csv_batch_finish(gp_csv_batch *b);
/* True while the parser is inside a quoted field (used to report an unclosed quote). */
int gp_csv_batch_in_quoted_field(const gp_csv_batch *b);
/* Bytes libcsv holds for the field it is still reading (guards against runaway quotes). */
size_t gp_csv_batch_pending_field_bytes(const gp_csv_batch *b);
/* Drops the rows already consumed; keeps the fields of the unfinished row at the front. */
void gp_csv_batch_compact(gp_csv_batch *b);
#endif
