// libphonenumber's Parse + IsPossibleNumber for digit-only numbers, without regular expressions.
//
// Parse (phonenumberutil.cc, ParseHelper) runs, for text made only of digits, one leading '+'
// and the separators space - . ( ), these steps; each is replaced here by a table look-up:
//  1. ExtractPossibleNumber, IsViablePhoneNumber, MaybeStripExtension: with three or more
//     digits such text is viable and has no extension; only the digits and the '+' remain.
//  2. With '+': the calling code is the shortest known 1–3 digit prefix (ExtractCountryCode);
//     a leading 0 or no known prefix makes Parse retry without the '+' (undecided here).
//  3. Without '+': the default region's international prefix (a pattern) may be stripped, and
//     its calling code may be stripped when the number is too long for the region; otherwise
//     the calling code is the region's.
//  4. The national prefix for parsing (a pattern) of the number's metadata may be stripped.
// Steps 3 and 4 depend on patterns. A pattern of plain digits ("011", "0") matches exactly the
// numbers that begin with them; any other is reduced once to the set of digits a match can begin
// with (all ten when the pattern is not understood or can match the empty string). A number the
// pattern might match is undecided: the fast path only decides where the pattern cannot match.
//
// The rest is lengths and digits: the national significant number is the digits left (leading
// zeros are kept, as SetItalianLeadingZerosForPhoneNumber and GetNationalSignificantNumber
// do), and IsPossibleNumber is TestNumberLength against the general possible lengths of the
// calling code's main region. libphonenumber's own IsPossibleNumber would cost more than the
// rest of the fast path (it copies the region list of the calling code, 25 names for +1).
#include "phone_fast_path.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>

#include <phonenumbers/phonemetadata.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <phonenumbers/region_code.h>

namespace i18n {
namespace phonenumbers {
// The compiled-in metadata, exported by libphonenumber.so (metadata.h is not installed).
int metadata_size();
const void *metadata_get();
}  // namespace phonenumbers
}  // namespace i18n

namespace guestpipe {
namespace {

using i18n::phonenumbers::PhoneMetadata;
using i18n::phonenumbers::PhoneMetadataCollection;
using i18n::phonenumbers::PhoneNumberDesc;
using i18n::phonenumbers::PhoneNumberUtil;
using i18n::phonenumbers::RegionCode;

// Limits of ParseHelper (phonenumberutil.h: kMinLengthForNsn, kMaxLengthForNsn).
constexpr size_t kMinNationalLength = 2;
constexpr size_t kMaxNationalLength = 17;
// Longer text is left to Parse: no phone needs it, and it bounds the digit buffer.
constexpr size_t kMaxTextLength = 250;
// A set of digits, bit d for digit d.
using DigitSet = uint16_t;
constexpr DigitSet kEveryDigit = 0x3FF;

// The digits a match of `pattern` at the start of a string of digits can begin with, for the
// small patterns of libphonenumber's metadata: alternatives of digits, [classes] of digits and
// ranges, and (groups) of the same, each first element followed by no quantifier or one that
// needs at least one repetition. Anything else, and a pattern that can match the empty string,
// gives every digit.
class LeadingDigits {
public:
    static DigitSet of(const std::string &pattern) {
        LeadingDigits reader(pattern);
        return reader.alternatives(0, pattern.size());
    }

private:
    explicit LeadingDigits(const std::string &pattern) : pattern_(pattern) {}

    // The union over the alternatives of pattern_[begin, end).
    DigitSet alternatives(size_t begin, size_t end) const {
        DigitSet set = 0;
        size_t start = begin;
        int depth = 0;
        for (size_t i = begin; i < end; ++i) {
            char c = pattern_[i];
            if (c == '\\') {
                ++i;
            } else if (c == '[') {
                i = class_end(i, end);
                if (i == end) return kEveryDigit;
            } else if (c == '(') {
                ++depth;
            } else if (c == ')') {
                --depth;
            } else if (c == '|' && depth == 0) {
                set |= alternative(start, i);
                start = i + 1;
            }
        }
        return set | alternative(start, end);
    }

    // The first element of one alternative, pattern_[begin, end).
    DigitSet alternative(size_t begin, size_t end) const {
        if (begin == end) return kEveryDigit;
        DigitSet set;
        size_t next;
        char c = pattern_[begin];
        if (c >= '0' && c <= '9') {
            set = DigitSet(1) << (c - '0');
            next = begin + 1;
        } else if (c == '[') {
            next = class_end(begin, end);
            if (next == end) return kEveryDigit;
            set = character_class(begin + 1, next);
            ++next;
        } else if (c == '(') {
            size_t close = group_end(begin, end);
            if (close == end) return kEveryDigit;
            size_t content = begin + 1;
            if (pattern_.compare(content, 2, "?:") == 0) {
                content += 2;
            } else if (pattern_[content] == '?') {
                return kEveryDigit;
            }
            set = alternatives(content, close);
            next = close + 1;
        } else {
            return kEveryDigit;
        }
        if (next < end) {
            char quantifier = pattern_[next];
            if (quantifier == '?' || quantifier == '*') return kEveryDigit;
            if (quantifier == '{' && (next + 1 >= end || pattern_[next + 1] < '1' || pattern_[next + 1] > '9')) {
                return kEveryDigit;
            }
        }
        return set;
    }

    // The digits of the class pattern_[begin, end) (between '[' and ']').
    DigitSet character_class(size_t begin, size_t end) const {
        DigitSet set = 0;
        for (size_t i = begin; i < end; ++i) {
            char c = pattern_[i];
            if (c < '0' || c > '9') return kEveryDigit;
            if (i + 2 < end && pattern_[i + 1] == '-') {
                char last = pattern_[i + 2];
                if (last < c || last > '9') return kEveryDigit;
                for (char d = c; d <= last; ++d) set |= DigitSet(1) << (d - '0');
                i += 2;
            } else {
                set |= DigitSet(1) << (c - '0');
            }
        }
        return set == 0 ? kEveryDigit : set;
    }

    // The index of the ']' closing the class opened at `open`, or `end`.
    size_t class_end(size_t open, size_t end) const {
        for (size_t i = open + 1; i < end; ++i) {
            if (pattern_[i] == '\\') return end;
            if (pattern_[i] == ']') return i;
        }
        return end;
    }

    // The index of the ')' closing the group opened at `open`, or `end`.
    size_t group_end(size_t open, size_t end) const {
        int depth = 0;
        for (size_t i = open; i < end; ++i) {
            char c = pattern_[i];
            if (c == '\\') {
                ++i;
            } else if (c == '[') {
                i = class_end(i, end);
                if (i == end) return end;
            } else if (c == '(') {
                ++depth;
            } else if (c == ')' && --depth == 0) {
                return i;
            }
        }
        return end;
    }

    const std::string &pattern_;
};

// A prefix pattern of the metadata (international prefix, national prefix for parsing), as far
// as the fast path needs it: could Consume match at the start of these digits?
class PrefixPattern {
public:
    // A pattern that never matches: an empty national prefix for parsing, which
    // MaybeStripNationalPrefixAndCarrierCode skips.
    PrefixPattern() = default;

    // An empty international prefix matches everywhere (and LeadingDigits gives every digit).
    explicit PrefixPattern(const std::string &pattern) {
        if (!pattern.empty() && pattern.find_first_not_of("0123456789") == std::string::npos) {
            literal_ = pattern;
        } else {
            starts_ = LeadingDigits::of(pattern);
        }
    }

    bool might_match(const char *digits, size_t count) const {
        if (count == 0) return false;  // both callers strip nothing from an empty number
        if (!literal_.empty()) {
            return count >= literal_.size() && std::memcmp(digits, literal_.data(), literal_.size()) == 0;
        }
        return (starts_ >> (digits[0] - '0')) & 1;
    }

private:
    std::string literal_;
    DigitSet starts_ = 0;
};

// A general_desc's possible lengths, for TestNumberLength with the UNKNOWN type.
struct PossibleLengths {
    bool modelled = false;    // false: lengths this table cannot hold; the fast path declines
    bool no_numbers = false;  // the lengths are {-1}: TestNumberLength gives INVALID_LENGTH
    uint32_t national = 0;    // bit n: length n is possible
    uint32_t local_only = 0;  // bit n: length n is possible for local dialling only
    size_t longest = 0;

    explicit PossibleLengths(const PhoneNumberDesc &general) {
        const auto &lengths = general.possible_length();
        if (lengths.size() == 0) return;
        if (lengths.Get(0) == -1) {
            modelled = no_numbers = true;
            return;
        }
        for (int length : lengths) {
            if (length < 1 || length > 31) return;
            national |= uint32_t(1) << length;
            longest = std::max(longest, size_t(length));
        }
        for (int length : general.possible_length_local_only()) {
            if (length < 1 || length > 31) return;
            local_only |= uint32_t(1) << length;
        }
        modelled = true;
    }
    PossibleLengths() = default;

    static bool has(uint32_t set, size_t length) { return length < 32 && ((set >> length) & 1); }
    // IsPossibleNumber: TestNumberLength gives IS_POSSIBLE or IS_POSSIBLE_LOCAL_ONLY.
    bool possible(size_t length) const { return !no_numbers && (has(local_only, length) || has(national, length)); }
    // TestNumberLength(...) == TOO_LONG: longer than every possible length, and not local-only.
    bool too_long(size_t length) const { return !no_numbers && !has(local_only, length) && length > longest; }
};

// What Parse and IsPossibleNumber use of a calling code's metadata once the code is known: the
// metadata of the code's main region (or of the non-geographical entity).
struct CallingCode {
    bool exists = false;  // a calling code libphonenumber knows (ExtractCountryCode stops here)
    bool known = false;   // and one this table describes
    PrefixPattern national_prefix;
    PossibleLengths lengths;
};

// What Parse uses of the default region's metadata for a number without '+'.
struct DefaultRegion {
    bool known = false;
    int country_code = 0;
    std::string country_code_digits;
    PrefixPattern international_prefix;
    PrefixPattern national_prefix;  // this region's own, not its main region's
    PossibleLengths lengths;                        // this region's own
};

PrefixPattern national_prefix(const PhoneMetadata &metadata) {
    // MaybeStripNationalPrefixAndCarrierCode returns early for an empty prefix.
    const std::string &prefix = metadata.national_prefix_for_parsing();
    return prefix.empty() ? PrefixPattern() : PrefixPattern(prefix);
}

int region_index(const char *region) {
    if (region == nullptr || region[0] < 'A' || region[0] > 'Z' || region[1] < 'A' || region[1] > 'Z' ||
        region[2] != '\0') {
        return -1;
    }
    return (region[0] - 'A') * 26 + (region[1] - 'A');
}

struct Tables {
    CallingCode calling_codes[1000];
    DefaultRegion regions[26 * 26];

    Tables() {
        PhoneMetadataCollection collection;
        if (!collection.ParseFromArray(i18n::phonenumbers::metadata_get(),
                                       i18n::phonenumbers::metadata_size())) {
            return;  // every number is then undecided
        }
        std::map<std::string, const PhoneMetadata *> by_region;
        std::map<int, const PhoneMetadata *> non_geographical;
        for (const PhoneMetadata &metadata : collection.metadata()) {
            if (metadata.id() == PhoneNumberUtil::kRegionCodeForNonGeoEntity) {
                non_geographical[metadata.country_code()] = &metadata;
            } else {
                by_region[metadata.id()] = &metadata;
            }
        }
        const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
        for (int code = 1; code < 1000; ++code) {
            std::string main_region;
            util->GetRegionCodeForCountryCode(code, &main_region);
            const PhoneMetadata *metadata = nullptr;
            if (main_region == PhoneNumberUtil::kRegionCodeForNonGeoEntity) {
                auto found = non_geographical.find(code);
                if (found != non_geographical.end()) metadata = found->second;
            } else {
                auto found = by_region.find(main_region);
                if (found != by_region.end()) metadata = found->second;
            }
            calling_codes[code].exists = main_region != RegionCode::GetUnknown();
            if (metadata == nullptr) continue;
            PossibleLengths lengths(metadata->general_desc());
            if (!lengths.modelled) continue;
            calling_codes[code].known = true;
            calling_codes[code].national_prefix = national_prefix(*metadata);
            calling_codes[code].lengths = lengths;
        }
        for (const auto &[id, metadata] : by_region) {
            int index = region_index(id.c_str());
            int code = metadata->country_code();
            PossibleLengths lengths(metadata->general_desc());
            if (index < 0 || code < 1 || code > 999 || !calling_codes[code].known || !lengths.modelled) continue;
            DefaultRegion &region = regions[index];
            region.known = true;
            region.country_code = code;
            region.country_code_digits = std::to_string(code);
            region.international_prefix = PrefixPattern(metadata->international_prefix());
            region.national_prefix = national_prefix(*metadata);
            region.lengths = lengths;
        }
    }
};

const Tables &tables() {
    static const Tables built;  // built once, thread-safe (C++11 static initialisation)
    return built;
}

bool is_ascii_whitespace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool is_separator(char c) { return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')'; }

// The end of ParseHelper, from the calling code and national number on: the national prefix of
// the number's metadata and the length limits; then IsPossibleNumber.
FastParse finish(int country_code, const CallingCode &code, const PrefixPattern &national_prefix,
                 const char *national, size_t length, ParsedNumber *number) {
    if (length < kMinNationalLength) return FastParse::unparsable;
    if (national_prefix.might_match(national, length)) return FastParse::undecided;
    if (length > kMaxNationalLength) return FastParse::unparsable;
    number->country_code = country_code;
    number->possible = code.lengths.possible(length);
    number->national_length = length;
    std::memcpy(number->national, national, length);
    return FastParse::parsed;
}

}  // namespace

FastParse fast_parse(const char *text, size_t length, const char *region, ParsedNumber *number) {
    while (length > 0 && is_ascii_whitespace(text[0])) ++text, --length;
    while (length > 0 && is_ascii_whitespace(text[length - 1])) --length;
    if (length > kMaxTextLength) return FastParse::undecided;
    bool plus = length > 0 && text[0] == '+';
    char digits[kMaxTextLength];
    size_t count = 0;
    for (size_t i = plus ? 1 : 0; i < length; ++i) {
        char c = text[i];
        if (c >= '0' && c <= '9') {
            digits[count++] = c;
        } else if (!is_separator(c)) {
            return FastParse::undecided;
        }
    }
    // Fewer than three digits: viability depends on the punctuation (IsViablePhoneNumber).
    if (count < 3) return FastParse::undecided;
    const Tables &known = tables();

    if (plus) {
        if (digits[0] == '0') return FastParse::undecided;
        int value = 0;
        for (size_t prefix = 1; prefix <= 3; ++prefix) {
            value = value * 10 + (digits[prefix - 1] - '0');
            const CallingCode &code = known.calling_codes[value];
            if (!code.exists) continue;
            if (!code.known) return FastParse::undecided;
            return finish(value, code, code.national_prefix, digits + prefix, count - prefix, number);
        }
        return FastParse::undecided;
    }

    int index = region_index(region);
    if (index < 0 || !known.regions[index].known) return FastParse::undecided;
    const DefaultRegion &home = known.regions[index];
    if (home.international_prefix.might_match(digits, count)) return FastParse::undecided;
    const std::string &code_digits = home.country_code_digits;
    if (count >= code_digits.size() && std::memcmp(digits, code_digits.data(), code_digits.size()) == 0) {
        // MaybeExtractCountryCode strips the region's calling code when the number is too long
        // without it (a length rule), or when a pattern says so (undecided here). It first tries
        // the region's national prefix on the rest; then ParseHelper tries the calling code's
        // main region's (the same metadata unless the region shares its code).
        if (!home.lengths.too_long(count)) return FastParse::undecided;
        const char *rest = digits + code_digits.size();
        size_t rest_length = count - code_digits.size();
        if (home.national_prefix.might_match(rest, rest_length)) return FastParse::undecided;
        const CallingCode &code = known.calling_codes[home.country_code];
        return finish(home.country_code, code, code.national_prefix, rest, rest_length, number);
    }
    return finish(home.country_code, known.calling_codes[home.country_code], home.national_prefix, digits, count,
                  number);
}

}  // namespace guestpipe
