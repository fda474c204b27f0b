// How long libphonenumber takes per number: each line of standard input is parsed with the
// default region, checked with IsPossibleNumber and formatted as E.164, the three calls
// guestpipe makes per distinct phone. Prints "numbers seconds".
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char **argv) {
    using i18n::phonenumbers::PhoneNumber;
    using i18n::phonenumbers::PhoneNumberUtil;
    const std::string region = argc > 1 ? argv[1] : "US";
    std::vector<std::string> lines;
    for (std::string line; std::getline(std::cin, line);) lines.push_back(line);
    const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
    const auto start = std::chrono::steady_clock::now();
    size_t possible = 0;
    for (const auto &text : lines) {
        PhoneNumber number;
        if (util->Parse(text, region, &number) != PhoneNumberUtil::NO_PARSING_ERROR) continue;
        if (!util->IsPossibleNumber(number)) continue;
        std::string e164;
        util->Format(number, PhoneNumberUtil::E164, &e164);
        possible += !e164.empty();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%zu %.6f %zu\n", lines.size(), seconds, possible);
    return 0;
}
