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
};

/*
 * Parses `text` (any format) with `region` (ISO 3166 alpha-2, e.g. "US") for numbers without
 * a country code. On GP_PHONE_OK writes the E.164 form ("+14155550100") into `e164` and the
 * national significant number's digits into `national`, both NUL-terminated.
 */
int gp_phone_normalize(const char *text, size_t length, const char *region,
                       char *e164, size_t e164_capacity, char *national, size_t national_capacity);

#ifdef __cplusplus
}
#endif
#endif
