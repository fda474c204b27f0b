import ArgumentParser
import Codecs
import Grouping
import Reports
import SampleData

// Settings that take one of a fixed set of values are enums in the library; here they become
// option values. ArgumentParser then lists `allCases` in `--help` ("values: …") and in the
// error for a bad value, so no list of allowed values is written out by hand.
extension GroupingPolicy: ExpressibleByArgument {}
extension OutputCompression: ExpressibleByArgument {}
extension PrivacyMode: ExpressibleByArgument {}
extension SampleLayout: ExpressibleByArgument {}

/// `--log-format`: JSON lines or plain text.
enum LogFormat: String, CaseIterable, ExpressibleByArgument {
    case json, text
}
