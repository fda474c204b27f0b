#include "phone_number.h"

#include <cstring>
#include <string>

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include "phone_fast_path.h"

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

static void copy_out(const std::string &value, char *out, size_t capacity) {
    if (capacity == 0) return;
    size_t n = value.size() < capacity - 1 ? value.size() : capacity - 1;
    std::memcpy(out, value.data(), n);
    out[n] = '\0';
}

extern "C" int gp_phone_normalize_full(const char *text, size_t length, const char *region,
                                       char *e164, size_t e164_capacity, char *national, size_t national_capacity) {
    const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
    PhoneNumber number;
    if (util->Parse(std::string(text, length), region, &number) != PhoneNumberUtil::NO_PARSING_ERROR) {
        return GP_PHONE_UNPARSABLE;
    }
    if (!util->IsPossibleNumber(number)) return GP_PHONE_NOT_POSSIBLE;
    std::string formatted;
    util->Format(number, PhoneNumberUtil::E164, &formatted);
    copy_out(formatted, e164, e164_capacity);
    std::string significant;
    util->GetNationalSignificantNumber(number, &significant);
    copy_out(significant, national, national_capacity);
    return GP_PHONE_OK;
}

extern "C" int gp_phone_normalize_fast(const char *text, size_t length, const char *region,
                                       char *e164, size_t e164_capacity, char *national, size_t national_capacity) {
    guestpipe::ParsedNumber number;
    switch (guestpipe::fast_parse(text, length, region, &number)) {
    case guestpipe::FastParse::parsed:
        break;
    case guestpipe::FastParse::unparsable:
        return GP_PHONE_UNPARSABLE;
    case guestpipe::FastParse::undecided:
        return GP_PHONE_UNDECIDED;
    }
    if (!number.possible) return GP_PHONE_NOT_POSSIBLE;
    // Format(E164) is '+', the calling code and the national significant number.
    std::string significant(number.national, number.national_length);
    copy_out("+" + std::to_string(number.country_code) + significant, e164, e164_capacity);
    copy_out(significant, national, national_capacity);
    return GP_PHONE_OK;
}

extern "C" int gp_phone_normalize(const char *text, size_t length, const char *region,
                                  char *e164, size_t e164_capacity, char *national, size_t national_capacity) {
    int result = gp_phone_normalize_fast(text, length, region, e164, e164_capacity, national, national_capacity);
    if (result != GP_PHONE_UNDECIDED) return result;
    return gp_phone_normalize_full(text, length, region, e164, e164_capacity, national, national_capacity);
}
