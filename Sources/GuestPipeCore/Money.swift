/// Exact money: an integer count of a currency's minor units. Never floating point.
public struct Money: Hashable, Sendable {
    public var minorUnits: Int64
    public var currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// The amount in major units written exactly, e.g. `12.50`, `500`, `1.250`.
    public var decimalString: String { MinorUnits.format(minorUnits, exponent: currency.exponent) }
}

/// Parsing and formatting of amounts as integer minor units.
public enum MinorUnits {
    /// Why an amount text was not accepted.
    public enum ParseError: Error, Equatable, Sendable {
        case empty
        case notADecimal
        case tooManyDecimals(allowed: Int)
        case tooLarge
    }

    /// Parses a decimal amount in major units (`12.5`, `7`, `0.00`) into minor units for a
    /// currency with `exponent` decimals. Rejects signs, grouping, commas, exponents and
    /// decimals past the currency's unless they are all zeros (`1500.00` JPY is 1500 yen).
    public static func parseDecimal(_ bytes: UnsafeRawBufferPointer, exponent: Int) -> Result<Int64, ParseError> {
        var index = 0
        var end = bytes.count
        while index < end, isASCIIWhitespace(bytes[index]) { index += 1 }
        while end > index, isASCIIWhitespace(bytes[end - 1]) { end -= 1 }
        if index == end { return .failure(.empty) }
        var whole: Int64 = 0
        var wholeDigits = 0
        while index < end, bytes[index] >= 0x30, bytes[index] <= 0x39 {
            if wholeDigits >= 15 { return .failure(.tooLarge) }
            whole = whole * 10 + Int64(bytes[index] - 0x30)
            wholeDigits += 1
            index += 1
        }
        if wholeDigits == 0 { return .failure(.notADecimal) }
        var fraction: Int64 = 0
        var fractionDigits = 0
        if index < end {
            guard bytes[index] == 0x2E else { return .failure(.notADecimal) }
            index += 1
            // Decimals past the currency's are accepted only as zeros (`1500.00` yen is exact).
            var surplusNonZero = false
            var digitCount = 0
            while index < end, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                if digitCount < exponent {
                    fraction = fraction * 10 + Int64(bytes[index] - 0x30)
                    fractionDigits += 1
                } else if bytes[index] != 0x30 {
                    surplusNonZero = true
                }
                digitCount += 1
                index += 1
            }
            if index < end || digitCount == 0 { return .failure(.notADecimal) }
            if surplusNonZero { return .failure(.tooManyDecimals(allowed: exponent)) }
        }
        var value = whole
        for _ in 0..<exponent { value *= 10 }
        var scaledFraction = fraction
        for _ in fractionDigits..<exponent { scaledFraction *= 10 }
        return .success(value + scaledFraction)
    }

    /// Parses an integer count of minor units (warehouse files): digits only.
    public static func parseInteger(_ bytes: UnsafeRawBufferPointer) -> Result<Int64, ParseError> {
        var index = 0
        var end = bytes.count
        while index < end, isASCIIWhitespace(bytes[index]) { index += 1 }
        while end > index, isASCIIWhitespace(bytes[end - 1]) { end -= 1 }
        if index == end { return .failure(.empty) }
        if end - index > 17 { return .failure(.tooLarge) }
        var value: Int64 = 0
        while index < end {
            let byte = bytes[index]
            guard byte >= 0x30, byte <= 0x39 else { return .failure(.notADecimal) }
            value = value * 10 + Int64(byte - 0x30)
            index += 1
        }
        return .success(value)
    }

    /// Convenience for tests and configuration: parses a Swift string.
    public static func parseDecimal(_ text: String, exponent: Int) -> Result<Int64, ParseError> {
        var copy = text
        return copy.withUTF8 { parseDecimal(UnsafeRawBufferPointer($0), exponent: exponent) }
    }

    /// Writes minor units as an exact decimal in major units (`-12.50`, `500`, `0.005`).
    public static func format(_ minor: Int64, exponent: Int) -> String {
        var row = CSVRowBuilder(capacity: 32)
        row.money(minor, exponent: exponent)
        return row.withBytes { String(decoding: $0, as: UTF8.self) }
    }
}
