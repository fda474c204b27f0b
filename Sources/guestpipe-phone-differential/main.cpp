// guestpipe-phone-differential: the phone fast path against libphonenumber's Parse, for
// Benchmarks/phones.sh. Not part of the guestpipe command line.
//
//   guestpipe-phone-differential [--count N] [--seed S]
//       N random numbers (default 10,000,000) and every example number, compared and timed
//   guestpipe-phone-differential --texts FILE [--region R] [--rounds K]
//       each line of FILE (phone spellings) timed through both paths and compared
//
// Exits 1 when any result differs, 2 on a usage or file error.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "phone_differential.h"

namespace {

int usage(const char *problem) {
    if (problem) std::fprintf(stderr, "guestpipe-phone-differential: %s\n", problem);
    std::fprintf(stderr,
                 "usage: guestpipe-phone-differential [--count N] [--seed S]\n"
                 "       guestpipe-phone-differential --texts FILE [--region R] [--rounds K]\n");
    return 2;
}

bool number(const char *text, unsigned long long *value) {
    char *end = nullptr;
    if (text == nullptr || *text < '0' || *text > '9') return false;
    *value = std::strtoull(text, &end, 10);
    return *end == '\0';
}

double per_number(double seconds, unsigned long long count) { return count ? seconds * 1e9 / double(count) : 0; }
double share(unsigned long long part, unsigned long long whole) { return whole ? 100.0 * double(part) / double(whole) : 0; }

int differential(unsigned long long seed, unsigned long long count) {
    gp_phone_differential_report report;
    gp_phone_differential(seed, count, 1, &report);
    std::printf("numbers compared     %llu generated (seed %llu) + %llu example-number inputs\n", report.generated,
                seed, report.examples);
    std::printf("differences          %llu\n", report.differences);
    std::printf("fast path share      %.1f%% of generated, %.1f%% of example-number inputs\n",
                share(report.generated_fast, report.generated), share(report.examples_fast, report.examples));
    std::printf("ns/number, the generated numbers the fast path decides (%llu):\n", report.generated_fast);
    std::printf("  full path          %.0f\n", per_number(report.full_on_fast_seconds, report.generated_fast));
    std::printf("  fast path          %.0f\n", per_number(report.normalize_on_fast_seconds, report.generated_fast));
    std::printf("ns/number, every generated number:\n");
    std::printf("  full path          %.0f\n", per_number(report.full_seconds, report.generated));
    std::printf("  gp_phone_normalize %.0f\n", per_number(report.normalize_seconds, report.generated));
    if (report.differences) std::printf("first differences:\n%s", report.first_differences);
    return report.differences ? 1 : 0;
}

int texts(const char *path, const char *region, int rounds) {
    std::ifstream file(path, std::ios::binary);
    if (!file) return usage("cannot read the --texts file");
    std::vector<std::string> lines;
    for (std::string line; std::getline(file, line);) lines.push_back(line);
    std::vector<const char *> pointers;
    std::vector<size_t> lengths;
    for (const std::string &line : lines) {
        pointers.push_back(line.data());
        lengths.push_back(line.size());
    }
    double full = 0, normalize = 0;
    size_t fast = 0;
    size_t differences = gp_phone_time_texts(pointers.data(), lengths.data(), lines.size(), region, rounds, &full,
                                             &normalize, &fast);
    std::printf("texts                %zu (region %s, mean of %d rounds)\n", lines.size(), region, rounds);
    std::printf("differences          %zu\n", differences);
    std::printf("fast path share      %.1f%%\n", share(fast, lines.size()));
    std::printf("ns/number:\n");
    std::printf("  full path          %.0f\n", per_number(full, lines.size()));
    std::printf("  gp_phone_normalize %.0f\n", per_number(normalize, lines.size()));
    return differences ? 1 : 0;
}

}  // namespace

int main(int argc, char **argv) {
    unsigned long long count = 10000000, seed = 1, rounds = 3;
    const char *texts_path = nullptr;
    const char *region = "US";
    for (int i = 1; i < argc; ++i) {
        const char *option = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : nullptr;
        if (std::strcmp(option, "-h") == 0 || std::strcmp(option, "--help") == 0) {
            usage(nullptr);
            return 0;
        } else if (std::strcmp(option, "--count") == 0 && number(value, &count)) {
        } else if (std::strcmp(option, "--seed") == 0 && number(value, &seed)) {
        } else if (std::strcmp(option, "--rounds") == 0 && number(value, &rounds) && rounds > 0) {
        } else if (std::strcmp(option, "--texts") == 0 && value) {
            texts_path = value;
        } else if (std::strcmp(option, "--region") == 0 && value) {
            region = value;
        } else {
            return usage("unknown option or missing value");
        }
        ++i;
    }
    return texts_path ? texts(texts_path, region, int(rounds)) : differential(seed, count);
}
