/*
 * The differential test of gp_phone_normalize's fast path against libphonenumber's Parse, for
 * the unit test (a small sample) and Benchmarks/phones.sh (ten million numbers, timed).
 */
#ifndef GUESTPIPE_PHONE_DIFFERENTIAL_H
#define GUESTPIPE_PHONE_DIFFERENTIAL_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gp_phone_differential_report {
    unsigned long long generated;          /* random inputs compared */
    unsigned long long generated_fast;     /* of those, decided by the fast path */
    unsigned long long examples;           /* example-number inputs compared */
    unsigned long long examples_fast;      /* of those, decided by the fast path */
    unsigned long long differences;        /* inputs where the fast path or gp_phone_normalize
                                              differs from gp_phone_normalize_full */
    /* Single-threaded seconds, filled only when timing was asked for (0 otherwise). */
    double full_seconds;                   /* gp_phone_normalize_full over every random input */
    double normalize_seconds;              /* gp_phone_normalize over every random input */
    double full_on_fast_seconds;           /* gp_phone_normalize_full over the random inputs
                                              the fast path decides */
    double normalize_on_fast_seconds;      /* gp_phone_normalize over those same inputs */
    char first_differences[2048];          /* up to eight differences, one per line */
};

/*
 * Compares, for `count` random inputs (from `seed`) and for libphonenumber's example number of
 * every region, non-geographical calling code and number type written in several formats and
 * parsed with every test region: gp_phone_normalize_fast (when it decides) and
 * gp_phone_normalize against gp_phone_normalize_full. Result code, E.164 form and national
 * digits must be identical. With `timed` non-zero, also times the random inputs.
 */
void gp_phone_differential(unsigned long long seed, unsigned long long count, int timed,
                           struct gp_phone_differential_report *report);

/*
 * Times gp_phone_normalize_full and gp_phone_normalize over `count` texts (one thread,
 * `rounds` passes each) with `region`; checks the results are the same. Returns the number of
 * texts whose results differ; writes the seconds per pass and how many the fast path decided.
 */
size_t gp_phone_time_texts(const char *const *texts, const size_t *lengths, size_t count, const char *region,
                           int rounds, double *full_seconds, double *normalize_seconds, size_t *fast);

#ifdef __cplusplus
}
#endif
#endif
