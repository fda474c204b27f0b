// The fast path of gp_phone_normalize: libphonenumber's Parse for the digit-only shapes most
// numbers arrive in, decided from the metadata without Parse's regular expressions.
#ifndef GUESTPIPE_PHONE_FAST_PATH_H
#define GUESTPIPE_PHONE_FAST_PATH_H
#include <stddef.h>

namespace guestpipe {

enum class FastParse {
    parsed,      // `number` holds what Parse + IsPossibleNumber would have given
    unparsable,  // Parse would have returned an error
    undecided,   // the shape is not one the fast path knows; ask Parse
};

// A parsed number as gp_phone_normalize reports it.
struct ParsedNumber {
    int country_code;
    bool possible;               // IsPossibleNumber
    size_t national_length;
    char national[24];           // GetNationalSignificantNumber's digits (at most 17), no NUL
};

// What libphonenumber's Parse(text, region) and IsPossibleNumber give, for text that is an
// optional leading '+', ASCII digits and the separators space - . ( ), with ASCII whitespace
// around it. Anything else, and every case where Parse's result depends on a regular expression
// (an international or national prefix that might be present, a calling code whose removal
// Parse decides by pattern), is `undecided`.
FastParse fast_parse(const char *text, size_t length, const char *region, ParsedNumber *number);

}  // namespace guestpipe
#endif
