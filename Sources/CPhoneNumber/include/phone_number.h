/*
 * A C interface to Google's libphonenumber (Debian libphonenumber-dev), for Swift.
 */
#ifndef GUESTPIPE_PHONE_NUMBER_H
#define GUESTPIPE_PHONE_NUMBER_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum gp_phone_result {
    GP_PHONE_OK = 0,            /* parsed and possible: e164 and national are filled */
    GP_PHONE_UNPARSABLE = 1,    /* libphonenumber could not parse it */
    GP_PHONE_NOT_POSSIBLE = 2,  /* parsed, but not even a possible number */
    GP_PHONE_UNDECIDED = 3,     /* only from gp_phone_normalize_fast: not a shape it decides */
};

/*
 * Parses `text` (any format) with `region` (ISO 3166 alpha-2, e.g. "US") for numbers without
 * a country code. On GP_PHONE_OK writes the E.164 form ("+14155550100") into `e164` and the
 * national significant number's digits into `national`, both NUL-terminated.
 *
 * The result is libphonenumber's Parse + IsPossibleNumber + Format(E164) +
 * GetNationalSignificantNumber. Digit-only shapes take a fast path that gives the same result
 * without Parse's regular expressions (gp_phone_normalize_fast); the rest goes through Parse.
 */
int gp_phone_normalize(const char *text, size_t length, const char *region,
                       char *e164, size_t e164_capacity, char *national, size_t national_capacity);

/* Always through libphonenumber's Parse: the reference the fast path is tested against. */
int gp_phone_normalize_full(const char *text, size_t length, const char *region,
                            char *e164, size_t e164_capacity, char *national, size_t national_capacity);

/* The fast path alone: GP_PHONE_UNDECIDED for every shape it leaves to Parse. */
int gp_phone_normalize_fast(const char *text, size_t length, const char *region,
                            char *e164, size_t e164_capacity, char *national, size_t national_capacity);

#ifdef __cplusplus
}
#endif
#endif
