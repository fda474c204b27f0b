// The differential test of the phone fast path: generated numbers over every shape the fast path
// accepts and the near misses it must leave to Parse, plus libphonenumber's own example numbers,
// each normalised three ways (fast path alone, gp_phone_normalize, Parse) and compared.
#include "phone_differential.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include <phonenumbers/phonemetadata.pb.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include "phone_number.h"

namespace i18n {
namespace phonenumbers {
int metadata_size();
const void *metadata_get();
}  // namespace phonenumbers
}  // namespace i18n

namespace {

using i18n::phonenumbers::PhoneMetadata;
using i18n::phonenumbers::PhoneMetadataCollection;
using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberDesc;
using i18n::phonenumbers::PhoneNumberUtil;

// Default regions every input is tried with: common ones, one sharing its calling code with a
// main region (CA), one without a national prefix (IT), regions whose prefixes are patterns
// (AR, MX, BR, AU, CN), and region codes Parse does not know.
const char *const kTestRegions[] = {"US", "GB", "DE", "FR", "IN", "BR", "JP", "AU", "AR",
                                    "MX", "CA", "IT", "CN", "ZZ", "001", "us", ""};
constexpr size_t kKnownTestRegions = 13;  // the first ones; the rest are unknown codes

// splitmix64: the same sequence on every platform, unlike <random>'s distributions.
struct Random {
    uint64_t state;
    uint64_t next() {
        uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    size_t below(size_t n) { return size_t(next() % n); }
    bool percent(int p) { return below(100) < size_t(p); }
    char digit() { return char('0' + below(10)); }
    char digit_from(char low) { return char(low + below(size_t('9' - low + 1))); }
    std::string digits(size_t n) {
        std::string s;
        for (size_t i = 0; i < n; ++i) s.push_back(digit());
        return s;
    }
    template <typename T> const T &pick(const std::vector<T> &values) { return values[below(values.size())]; }
};

struct Input {
    std::string text;
    const char *region;
};

struct Outcome {
    int code;
    char e164[64];
    char national[64];
};

Outcome normalize(int (*function)(const char *, size_t, const char *, char *, size_t, char *, size_t),
                  const Input &input) {
    Outcome outcome;
    outcome.e164[0] = outcome.national[0] = '\0';
    outcome.code = function(input.text.data(), input.text.size(), input.region, outcome.e164, sizeof outcome.e164,
                            outcome.national, sizeof outcome.national);
    return outcome;
}

bool same(const Outcome &a, const Outcome &b) {
    if (a.code != b.code) return false;
    if (a.code != GP_PHONE_OK) return true;
    return std::strcmp(a.e164, b.e164) == 0 && std::strcmp(a.national, b.national) == 0;
}

std::string describe(const Outcome &outcome) {
    if (outcome.code == GP_PHONE_OK) return std::string("ok ") + outcome.e164 + " " + outcome.national;
    if (outcome.code == GP_PHONE_UNPARSABLE) return "unparsable";
    if (outcome.code == GP_PHONE_NOT_POSSIBLE) return "not possible";
    return "undecided";
}

// What the generator needs to know about libphonenumber's metadata.
struct Catalogue {
    struct Region {
        std::string code;
        std::string calling_code;
        std::string national_prefix;
        std::string international_prefix;  // a pattern's first plain digits, or "00"
    };
    std::vector<int> calling_codes;
    std::vector<Region> regions;       // every supported region
    std::vector<Region> test_regions;  // the known ones of kTestRegions
    std::vector<std::string> national_prefixes;  // every region's, when a plain digit string

    Catalogue() {
        const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
        std::set<int> codes;
        util->GetSupportedCallingCodes(&codes);
        calling_codes.assign(codes.begin(), codes.end());
        PhoneMetadataCollection collection;
        collection.ParseFromArray(i18n::phonenumbers::metadata_get(), i18n::phonenumbers::metadata_size());
        std::set<std::string> prefixes;
        for (const PhoneMetadata &metadata : collection.metadata()) {
            const std::string &prefix = metadata.national_prefix_for_parsing();
            if (!prefix.empty() && prefix.find_first_not_of("0123456789") == std::string::npos) prefixes.insert(prefix);
            if (metadata.id() == PhoneNumberUtil::kRegionCodeForNonGeoEntity) continue;
            const std::string &pattern = metadata.international_prefix();
            std::string international = pattern.substr(0, pattern.find_first_not_of("0123456789"));
            Region region{metadata.id(), std::to_string(metadata.country_code()), metadata.national_prefix(),
                          international.empty() ? "00" : international};
            regions.push_back(region);
            for (size_t i = 0; i < kKnownTestRegions; ++i) {
                if (region.code == kTestRegions[i]) test_regions.push_back(region);
            }
        }
        national_prefixes.assign(prefixes.begin(), prefixes.end());
    }
};

// Writes `digits` with separators and whitespace in one of the ways people and systems do.
std::string spell(Random &random, const std::string &digits, bool plus) {
    std::string out;
    switch (random.below(10)) {
    case 0:
    case 1:  // digits only
        out = digits;
        break;
    case 2:
    case 3: {  // groups split by one kind of separator
        static const char kSeparators[] = {' ', '-', '.'};
        char separator = kSeparators[random.below(3)];
        for (size_t i = 0; i < digits.size(); ++i) {
            if (i > 0 && random.percent(30)) out.push_back(separator);
            out.push_back(digits[i]);
        }
        break;
    }
    case 4:
    case 5: {  // a North American layout: (AAA) BBB-CCCC, with a leading group in brackets
        size_t open = digits.size() > 10 ? digits.size() - 10 : 0;
        for (size_t i = 0; i < digits.size(); ++i) {
            if (i == open && digits.size() >= 4) out += i > 0 ? " (" : "(";
            if (i == open + 3 && digits.size() >= 4) out += random.percent(50) ? ") " : ")";
            if (i == open + 6 && digits.size() >= 8) out.push_back(random.percent(70) ? '-' : ' ');
            out.push_back(digits[i]);
        }
        break;
    }
    case 6: {  // any separators anywhere, in runs
        static const char kAny[] = {' ', '-', '.', '(', ')'};
        for (size_t i = 0; i < digits.size(); ++i) {
            while (random.percent(25)) out.push_back(kAny[random.below(5)]);
            out.push_back(digits[i]);
        }
        while (random.percent(20)) out.push_back(kAny[random.below(5)]);
        break;
    }
    case 7: {  // brackets at an end or around a leading group
        size_t cut = digits.empty() ? 0 : random.below(digits.size());
        switch (random.below(3)) {
        case 0: out = "(" + digits; break;
        case 1: out = digits + ")"; break;
        default: out = "(" + digits.substr(0, cut) + ") " + digits.substr(cut); break;
        }
        break;
    }
    default: {  // whitespace around
        static const char *const kSpace[] = {" ", "  ", "\t", "\n", "\r\n", " \t"};
        out = std::string(kSpace[random.below(6)]) + digits + kSpace[random.below(6)];
        break;
    }
    }
    if (!plus) return out;
    switch (random.below(4)) {
    case 0: return "+ " + out;
    case 1: return " +" + out;
    default: return "+" + out;
    }
}

// A national number of NANPA shape: area code and exchange start with 2-9.
std::string nanpa_number(Random &random) {
    std::string n;
    n.push_back(random.digit_from('2'));
    n += random.digits(2);
    n.push_back(random.digit_from('2'));
    n += random.digits(6);
    return n;
}

// Text that is not a digit-only shape, or is one the fast path must leave to Parse.
std::string near_miss(Random &random, const Catalogue &catalogue, const Catalogue::Region &region) {
    std::string number = random.percent(50) ? nanpa_number(random) : random.digits(6 + random.below(8));
    std::string code = std::to_string(random.pick(catalogue.calling_codes));
    std::string almost_international = region.international_prefix;  // one digit off, or cut short
    if (random.percent(50)) {
        almost_international.back() = random.digit();
    } else {
        almost_international.pop_back();
    }
    switch (random.below(23)) {
    case 0: return spell(random, region.international_prefix + code + number, false);  // IDD + code
    case 22: return spell(random, almost_international + code + number, false);
    case 1: return spell(random, "0" + number, false);
    case 2: return spell(random, "00" + number, false);
    case 3: return spell(random, "0" + code + number, true);                           // +0...
    case 4: return "++" + code + number;
    case 5: return random.percent(50) ? "+" : (random.percent(50) ? "" : "  ");
    case 6: return std::string("-()").substr(0, 1 + random.below(3));
    case 7: return number.substr(0, 3) + "\t" + number.substr(3);
    case 8: return number.substr(0, 3) + "/" + number.substr(3);
    case 9: return number + (random.percent(50) ? " x" : " ext. ") + random.digits(1 + random.below(5));
    case 10: return number + "#";
    case 11: return "1-800-FLOWERS";
    case 12: return "(+" + code + ") " + number;
    case 13: return "+" + code + " (0) " + number;
    case 14: return "\xEF\xBC\x8B" + code + number;                                   // fullwidth plus
    case 15: return "\xEF\xBC\x91" + number;                                          // fullwidth 1
    case 16: return random.digits(251 + random.below(60));
    case 17: return "tel:+" + code + "-" + number;
    case 18: return spell(random, random.digits(1 + random.below(3)), random.percent(50));  // 1-3 digits
    case 19: return number.substr(0, 4) + "\xFF" + number.substr(4);
    case 20: return number + "+" + random.digits(2);
    default: return spell(random, random.digits(17 + random.below(4)), random.percent(50));
    }
}

// One random input: a test region (or, a tenth of the time, any supported region, and now and
// then a region code Parse does not know) and text.
Input generate(Random &random, const Catalogue &catalogue) {
    const Catalogue::Region &home = random.percent(10) ? random.pick(catalogue.regions)
                                                       : random.pick(catalogue.test_regions);
    const char *region = home.code.c_str();
    if (random.percent(3)) region = kTestRegions[kKnownTestRegions + random.below(4)];

    std::string code = std::to_string(random.pick(catalogue.calling_codes));
    std::string text;
    switch (random.below(20)) {
    case 0:
    case 1:
    case 2:  // +1 and a NANPA number (sometimes any ten digits)
        text = spell(random, "1" + (random.percent(80) ? nanpa_number(random) : random.digits(10)), true);
        break;
    case 3:
    case 4:
    case 5:  // ten national digits (NANPA-shaped for NANPA regions, otherwise any)
        text = spell(random, random.percent(60) ? nanpa_number(random) : random.digit_from('1') + random.digits(9),
                     false);
        break;
    case 6:
    case 7:  // 1 and ten digits
        text = spell(random, "1" + (random.percent(80) ? nanpa_number(random) : random.digits(10)), false);
        break;
    case 8:
    case 9:
    case 10:  // + any calling code and 0-18 digits
        text = spell(random, code + random.digits(random.below(19)), true);
        break;
    case 11:  // +44 and a UK mobile or geographic number
        text = spell(random, "44" + std::string(random.percent(60) ? "7" : "2") + random.digits(9), true);
        break;
    case 12:  // + a calling code and a national prefix after it
        text = spell(random, code + random.pick(catalogue.national_prefixes) + random.digits(random.below(14)), true);
        break;
    case 13:
    case 14:  // the region's calling code and 0-18 more digits, without +
        text = spell(random, home.calling_code + random.digits(random.below(19)), false);
        break;
    case 15:
    case 16:  // 1-20 random digits
        text = spell(random, random.digits(1 + random.below(20)), false);
        break;
    case 17:  // the region's national prefix and a number
        text = spell(random, home.national_prefix + random.digits(4 + random.below(10)), false);
        break;
    default:
        text = near_miss(random, catalogue, home);
        break;
    }
    return {text, region};
}

// libphonenumber's example numbers: every region and number type, and every type of every
// non-geographical calling code, as E.164, INTERNATIONAL, NATIONAL, RFC3966, national digits,
// E.164 digits without '+'. Each is paired with every test region.
std::vector<Input> example_inputs() {
    const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
    std::vector<PhoneNumber> numbers;
    std::set<std::string> regions;
    util->GetSupportedRegions(&regions);
    for (const std::string &region : regions) {
        std::set<PhoneNumberUtil::PhoneNumberType> types;
        util->GetSupportedTypesForRegion(region, &types);
        types.insert(PhoneNumberUtil::FIXED_LINE_OR_MOBILE);
        types.insert(PhoneNumberUtil::UNKNOWN);
        for (PhoneNumberUtil::PhoneNumberType type : types) {
            PhoneNumber number;
            if (util->GetExampleNumberForType(region, type, &number)) numbers.push_back(number);
        }
    }
    std::set<int> global;
    util->GetSupportedGlobalNetworkCallingCodes(&global);
    PhoneMetadataCollection collection;
    collection.ParseFromArray(i18n::phonenumbers::metadata_get(), i18n::phonenumbers::metadata_size());
    for (int code : global) {
        PhoneNumber number;
        if (util->GetExampleNumberForNonGeoEntity(code, &number)) numbers.push_back(number);
    }
    for (const PhoneMetadata &metadata : collection.metadata()) {
        if (metadata.id() != PhoneNumberUtil::kRegionCodeForNonGeoEntity) continue;
        const PhoneNumberDesc *descs[] = {&metadata.fixed_line(),   &metadata.mobile(),          &metadata.toll_free(),
                                          &metadata.premium_rate(), &metadata.shared_cost(),     &metadata.voip(),
                                          &metadata.personal_number(), &metadata.pager(),         &metadata.uan(),
                                          &metadata.voicemail()};
        for (const PhoneNumberDesc *desc : descs) {
            if (!desc->has_example_number()) continue;
            PhoneNumber number;
            std::string text = "+" + std::to_string(metadata.country_code()) + desc->example_number();
            if (util->Parse(text, "ZZ", &number) == PhoneNumberUtil::NO_PARSING_ERROR) numbers.push_back(number);
        }
    }
    std::vector<Input> inputs;
    for (const PhoneNumber &number : numbers) {
        std::string e164, international, national, rfc3966;
        util->Format(number, PhoneNumberUtil::E164, &e164);
        util->Format(number, PhoneNumberUtil::INTERNATIONAL, &international);
        util->Format(number, PhoneNumberUtil::NATIONAL, &national);
        util->Format(number, PhoneNumberUtil::RFC3966, &rfc3966);
        std::string national_digits, e164_digits;
        for (char c : national) if (c >= '0' && c <= '9') national_digits.push_back(c);
        for (char c : e164) if (c >= '0' && c <= '9') e164_digits.push_back(c);
        for (const std::string &text : {e164, international, national, rfc3966, national_digits, e164_digits}) {
            for (const char *region : kTestRegions) inputs.push_back({text, region});
        }
    }
    return inputs;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct Comparison {
    gp_phone_differential_report *report;
    size_t listed = 0;

    void note(const Input &input, const char *what, const Outcome &got, const Outcome &full) {
        ++report->differences;
        if (listed == 8) return;
        ++listed;
        char line[256];
        std::snprintf(line, sizeof line, "%s: '%s' region '%s': %s, Parse gives %s\n", what, input.text.c_str(),
                      input.region, describe(got).c_str(), describe(full).c_str());
        std::strncat(report->first_differences, line,
                     sizeof report->first_differences - std::strlen(report->first_differences) - 1);
    }

    // Compares one input; returns whether the fast path decided it.
    bool compare(const Input &input, const Outcome &full, const Outcome &combined) {
        Outcome fast = normalize(gp_phone_normalize_fast, input);
        bool decided = fast.code != GP_PHONE_UNDECIDED;
        if (decided && !same(fast, full)) note(input, "fast path", fast, full);
        if (!same(combined, full)) note(input, "gp_phone_normalize", combined, full);
        return decided;
    }
};

}  // namespace

extern "C" void gp_phone_differential(unsigned long long seed, unsigned long long count, int timed,
                                      gp_phone_differential_report *report) {
    std::memset(report, 0, sizeof *report);
    Comparison comparison{report};

    for (const Input &input : example_inputs()) {
        ++report->examples;
        Outcome full = normalize(gp_phone_normalize_full, input);
        Outcome combined = normalize(gp_phone_normalize, input);
        if (comparison.compare(input, full, combined)) ++report->examples_fast;
    }

    static const Catalogue catalogue;
    Random random{seed};
    const size_t chunk = 1 << 16;
    std::vector<Input> inputs;
    std::vector<Outcome> full(chunk), combined(chunk);
    std::vector<size_t> decided;
    for (unsigned long long done = 0; done < count;) {
        size_t n = size_t(count - done < chunk ? count - done : chunk);
        inputs.clear();
        for (size_t i = 0; i < n; ++i) inputs.push_back(generate(random, catalogue));
        auto start = std::chrono::steady_clock::now();
        for (size_t i = 0; i < n; ++i) full[i] = normalize(gp_phone_normalize_full, inputs[i]);
        if (timed) report->full_seconds += seconds_since(start);
        start = std::chrono::steady_clock::now();
        for (size_t i = 0; i < n; ++i) combined[i] = normalize(gp_phone_normalize, inputs[i]);
        if (timed) report->normalize_seconds += seconds_since(start);
        decided.clear();
        for (size_t i = 0; i < n; ++i) {
            if (comparison.compare(inputs[i], full[i], combined[i])) decided.push_back(i);
        }
        report->generated += n;
        report->generated_fast += decided.size();
        if (timed) {
            start = std::chrono::steady_clock::now();
            for (size_t i : decided) full[i] = normalize(gp_phone_normalize_full, inputs[i]);
            report->full_on_fast_seconds += seconds_since(start);
            start = std::chrono::steady_clock::now();
            for (size_t i : decided) combined[i] = normalize(gp_phone_normalize, inputs[i]);
            report->normalize_on_fast_seconds += seconds_since(start);
        }
        done += n;
    }
}

extern "C" size_t gp_phone_time_texts(const char *const *texts, const size_t *lengths, size_t count,
                                      const char *region, int rounds, double *full_seconds,
                                      double *normalize_seconds, size_t *fast) {
    std::vector<Input> inputs;
    for (size_t i = 0; i < count; ++i) inputs.push_back({std::string(texts[i], lengths[i]), region});
    std::vector<Outcome> full(count), combined(count);
    *full_seconds = *normalize_seconds = 0;
    for (int round = 0; round < rounds; ++round) {
        auto start = std::chrono::steady_clock::now();
        for (size_t i = 0; i < count; ++i) full[i] = normalize(gp_phone_normalize_full, inputs[i]);
        *full_seconds += seconds_since(start) / rounds;
        start = std::chrono::steady_clock::now();
        for (size_t i = 0; i < count; ++i) combined[i] = normalize(gp_phone_normalize, inputs[i]);
        *normalize_seconds += seconds_since(start) / rounds;
    }
    size_t differences = 0;
    *fast = 0;
    for (size_t i = 0; i < count; ++i) {
        differences += !same(full[i], combined[i]);
        *fast += normalize(gp_phone_normalize_fast, inputs[i]).code != GP_PHONE_UNDECIDED;
    }
    return differences;
}
