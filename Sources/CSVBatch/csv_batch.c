#include "csv_batch.h"
#include <stdlib.h>
#include <string.h>

static inline int gp_csv_grow(void **ptr, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 1;
    size_t n = *cap ? *cap : 1024;
    while (n < need) n *= 2;
    void *p = realloc(*ptr, n * elem);
    if (!p) return 0;
    *ptr = p; *cap = n;
    return 1;
}

/* Whether any byte of `v` is CR or LF (the zero-byte test on `v ^ '\n'` and `v ^ '\r'`). */
static inline int gp_word_has_line_break(uint64_t v) {
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t lf = v ^ (ones * '\n'), cr = v ^ (ones * '\r');
    return (((lf - ones) & ~lf & highs) | ((cr - ones) & ~cr & highs)) != 0;
}

/* Whether `s` holds a CR or LF: eight bytes at a time, then the tail. */
static inline int gp_has_line_break(const unsigned char *s, size_t len) {
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t v;
        memcpy(&v, s + i, 8);
        if (gp_word_has_line_break(v)) return 1;
    }
    for (; i < len; i++) if (s[i] == '\n' || s[i] == '\r') return 1;
    return 0;
}

/* Room is reserved before each chunk is parsed (gp_csv_batch_reserve), and the record limits
 * are checked per row and per chunk, so the callback libcsv makes for every field only copies. */
static void gp_csv_on_field(void *data, size_t len, void *ctx) {
    gp_csv_batch *b = (gp_csv_batch *)ctx;
    const unsigned char *s = (const unsigned char *)data;
    unsigned char *to = b->bytes + b->bytes_len;
    int any_break;
    if (len >= 8 && len <= 16) {
        /* Most fields: two overlapping words copy them and test them for line breaks, with
         * no call and no byte loop. */
        uint64_t head, tail;
        memcpy(&head, s, 8);
        memcpy(&tail, s + len - 8, 8);
        memcpy(to, &head, 8);
        memcpy(to + len - 8, &tail, 8);
        any_break = gp_word_has_line_break(head) | gp_word_has_line_break(tail);
    } else if (len < 8) {
        any_break = 0;
        for (size_t i = 0; i < len; i++) {
            unsigned char c = s[i];
            to[i] = c;
            any_break |= (c == '\n') | (c == '\r');
        }
    } else {
        memcpy(to, s, len);
        any_break = gp_has_line_break(s, len);
    }
    /* Count line breaks (CRLF once, lone CR or LF once each). libcsv's `quoted` flag cannot
     * tell which fields to scan: csv_parse works on a local copy until it returns. */
    if (any_break) {
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

/* Whether the row being built (finished or not) passes GP_CSV_MAX_RECORD_BYTES or _FIELDS. */
static int gp_row_too_long(const gp_csv_batch *b) {
    size_t row_start = b->row_first_field ? b->field_ends[b->row_first_field - 1] : 0;
    return b->bytes_len - row_start > GP_CSV_MAX_RECORD_BYTES ||
           b->fields_len - b->row_first_field > GP_CSV_MAX_RECORD_FIELDS;
}

static void gp_csv_on_row(int term, void *ctx) {
    gp_csv_batch *b = (gp_csv_batch *)ctx;
    if (b->record_too_long) return;
    if (gp_row_too_long(b)) {
        b->record_too_long = 1;
        return;
    }
    int empty = b->fields_len == b->row_first_field;
    if (empty) {
        /* With CSV_REPALL_NL every unquoted CR/LF outside a row arrives here: the LF of a
         * CRLF pair is not a line of its own; any other is a blank line, skipped but counted. */
        if (term == '\n' && b->last_row_ended_cr) {
            b->last_row_ended_cr = 0;
        } else {
            if (term != -1) b->line++;
            b->last_row_ended_cr = (term == '\r');
        }
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

void gp_csv_batch_free(gp_csv_batch *b) {
    if (!b) return;
    csv_free(&b->parser);
    free(b->bytes); free(b->field_ends); free(b->row_field_ends); free(b->row_lines);
    free(b);
}

gp_csv_batch *gp_csv_batch_new(void) {
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


/* Makes room for everything parsing `len` more bytes can add: each field ends on a byte of
 * the input (a delimiter or a line end; csv_fini adds at most one more), and its bytes are
 * that input plus what libcsv holds of a field begun in an earlier chunk. 16 bytes of slack
 * let the callback copy short fields a word at a time. */
static int gp_csv_batch_reserve(gp_csv_batch *b, size_t len) {
    size_t pending = b->parser.entry_pos;
    if (!gp_csv_grow((void **)&b->bytes, &b->bytes_cap, b->bytes_len + pending + len + 16, 1) ||
        !gp_csv_grow((void **)&b->field_ends, &b->fields_cap, b->fields_len + len + 1, sizeof(uint32_t))) {
        b->out_of_memory = 1;
        return 0;
    }
    return 1;
}

int gp_csv_batch_parse(gp_csv_batch *b, const void *data, size_t len) {
    if (!gp_csv_batch_reserve(b, len)) return -1;
    size_t done = csv_parse(&b->parser, data, len, gp_csv_on_field, gp_csv_on_row, b);
    /* A row still open at the end of the chunk is checked here, so an endless record stops
     * within one chunk of the limit instead of holding the whole file. */
    if (!b->record_too_long && gp_row_too_long(b)) b->record_too_long = 1;
    if (b->out_of_memory || b->record_too_long || done != len) return -1;
    return 0;
}

int gp_csv_batch_finish(gp_csv_batch *b) {
    if (!gp_csv_batch_reserve(b, 1)) return -1;
    int rc = csv_fini(&b->parser, gp_csv_on_field, gp_csv_on_row, b);
    return (rc != 0 || b->out_of_memory || b->record_too_long) ? -1 : 0;
}

int gp_csv_batch_in_quoted_field(const gp_csv_batch *b) {
    return b->parser.quoted && b->parser.pstate == 2; /* FIELD_BEGUN */
}

size_t gp_csv_batch_pending_field_bytes(const gp_csv_batch *b) {
    return b->parser.entry_pos;
}

void gp_csv_batch_compact(gp_csv_batch *b) {
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
