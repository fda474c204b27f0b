import CPhoneNumber

/// The one question the reader asks libphonenumber: is this phone column's value a possible
/// phone number? (Then its digits are a phone, never a card number to mask.)
enum PhoneNumbers {
    /// Numbers without a country code are read as US numbers, the grouping stage's default
    /// region; a value long enough to pass for a card number practically always has one.
    static func isPossible(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var e164 = [CChar](repeating: 0, count: 64)
        var national = [CChar](repeating: 0, count: 64)
        let result = bytes.withMemoryRebound(to: CChar.self) { text in
            gp_phone_normalize(text.baseAddress, text.count, "US", &e164, e164.count, &national, national.count)
        }
        return result == Int32(GP_PHONE_OK.rawValue)
    }
}
