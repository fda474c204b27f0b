import Codecs
import GuestPipeCore
import Grouping
import Ingest

/// Archive format 2 (state schemas 1–4): `LedgerEntry` values as the raw memory of the build
/// that wrote them. Read only, so that a state written before format 3 migrates without its
/// exports. The layout, the case order of status and mode, the column bits and the currency
/// order are frozen here as that build had them; they must not follow this build's types.
enum LegacyBatchArchive {
    static let magic: [UInt8] = Array("GPBATCH2".utf8)
    static let stride = 144

    /// Byte offsets of each field in a format-2 entry.
    enum Offset {
        static let keyOffset = 0, keyLength = 4, status = 6, mode = 7, hasCustomer = 8, currencyIndex = 10
        static let created = 16, amount = 24, refunded = 32, disputed = 40, disputeDate = 48
        static let card = 56, email = 60, phone = 64, name = 68, brand = 72, last4 = 76, billingCountry = 80
        static let disputeStatus = 84, disputeReason = 88, rawStatus = 92, cvcCheck = 96, avsZipCheck = 100
        static let issueCountry = 104, funding = 108, riskLevel = 112, riskScore = 116, terminalReader = 120
        static let fields = 128, line = 140
    }

    /// Case order of `PaymentStatus` and `PaymentMode` in format 2 (a case's byte is its position).
    static let statusNames = ["succeeded", "refunded", "failed", "pending", "incomplete"]
    static let modeNames = ["live", "test", "unknown"]
    /// Column of each bit of the column set in format 2.
    static let columnNames = [
        "id", "created", "amount", "amount_refunded", "currency", "status", "customer_id", "payment_intent_id", "mode",
        "description", "payment_source_type", "decline_reason", "card_fingerprint", "card_last4", "card_brand", "card_funding",
        "card_issue_country", "billing_country", "billing_postal_code", "cvc_check", "avs_zip_check", "avs_line1_check", "name",
        "email", "receipt_email", "phone", "terminal_reader_id", "disputed_amount", "dispute_status", "dispute_reason",
        "dispute_date", "dispute_id", "risk_level", "risk_score", "refunded", "livemode",
    ]
    /// Currency *i* (1-based) of format 2: the known codes in sorted order.
    static let currencyCodes = """
        aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob bov brl bsd btn bwp byn bzd cad cdf che chf
        chw clf clp cny cop cou crc cuc cup cve czk djf dkk dop dzd egp ern etb eur fjd fkp gbp gel ghs gip gmd gnf gtq gyd hkd
        hnl hrk htg huf idr ils inr iqd irr isk jmd jod jpy kes kgs khr kmf kpw krw kwd kyd kzt lak lbp lkr lrd lsl lyd mad mdl
        mga mkd mmk mnt mop mro mru mur mvr mwk mxn mxv myr mzn nad ngn nio nok npr nzd omr pab pen pgk php pkr pln pyg qar ron
        rsd rub rwf sar sbd scr sdg sek sgd shp sle sll sos srd ssp std stn svc syp szl thb tjs tmt tnd top try ttd twd tzs uah
        ugx usd usn uyi uyu uyw uzs ved ves vnd vuv wst xaf xag xau xcd xcg xof xpd xpf xpt xsu xua yer zar zmw zwg zwl
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)

    /// Decodes the rest of a format-2 archive (the magic already read).
    static func decode(_ reader: inout ByteReader, report: FileReport) throws -> PaymentBatch {
        func corrupt(_ what: String) -> GuestPipeError { ByteReader(bytes: [], name: report.path).corrupt(what) }
        guard try reader.u64() == UInt64(stride) else {
            throw GuestPipeError(.configuration, "the state was written by a guestpipe build with another record layout",
                                 fix: "run once with --rebuild to re-read the exports", at: SourceLocation(file: report.path))
        }
        let statuses = statusNames.compactMap { PaymentStatus(rawValue: $0) }
        let modes = modeNames.compactMap { PaymentMode(rawValue: $0) }
        let columns = columnNames.compactMap { name in PaymentColumn.allCases.first { $0.description == name } }
        let currencies = currencyCodes.map { Currency(code: $0)?.index }
        guard statuses.count == statusNames.count, modes.count == modeNames.count, columns.count == columnNames.count else {
            throw GuestPipeError(.configuration, "this guestpipe no longer reads state archives of format 2",
                                 fix: "run once with --rebuild to re-read the exports", at: SourceLocation(file: report.path))
        }
        let count = Int(clamping: try reader.u64())
        guard count <= reader.remaining / stride else { throw corrupt("truncated") }
        var entries = [LedgerEntry](repeating: LedgerEntry(), count: count)
        try reader.raw(count * stride) { raw in
            func u32(_ base: Int, _ offset: Int) -> UInt32 { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + offset, as: UInt32.self)) }
            func i64(_ base: Int, _ offset: Int) -> Int64 { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: base + offset, as: Int64.self)) }
            for index in 0..<count {
                let base = index * stride
                let status = Int(raw[base + Offset.status]), mode = Int(raw[base + Offset.mode]), customer = raw[base + Offset.hasCustomer]
                let currency = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: base + Offset.currencyIndex, as: UInt16.self)))
                guard status < statuses.count, mode < modes.count, customer <= 1 else { throw corrupt("a payment with an unknown status") }
                guard currency <= currencies.count, currency == 0 || currencies[currency - 1] != nil else {
                    throw corrupt("a payment with an unknown currency")
                }
                var entry = LedgerEntry()
                entry.keyOffset = u32(base, Offset.keyOffset)
                entry.keyLength = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: base + Offset.keyLength, as: UInt16.self))
                entry.status = statuses[status]
                entry.mode = modes[mode]
                entry.hasCustomer = customer == 1
                entry.currencyIndex = currency == 0 ? 0 : currencies[currency - 1] ?? 0
                entry.created = i64(base, Offset.created)
                entry.amount = i64(base, Offset.amount)
                entry.refunded = i64(base, Offset.refunded)
                entry.disputed = i64(base, Offset.disputed)
                entry.disputeDate = i64(base, Offset.disputeDate)
                entry.card = u32(base, Offset.card)
                entry.email = u32(base, Offset.email)
                entry.phone = u32(base, Offset.phone)
                entry.name = u32(base, Offset.name)
                entry.brand = u32(base, Offset.brand)
                entry.last4 = u32(base, Offset.last4)
                entry.billingCountry = u32(base, Offset.billingCountry)
                entry.disputeStatus = u32(base, Offset.disputeStatus)
                entry.disputeReason = u32(base, Offset.disputeReason)
                entry.rawStatus = u32(base, Offset.rawStatus)
                entry.cvcCheck = u32(base, Offset.cvcCheck)
                entry.avsZipCheck = u32(base, Offset.avsZipCheck)
                entry.issueCountry = u32(base, Offset.issueCountry)
                entry.funding = u32(base, Offset.funding)
                entry.riskLevel = u32(base, Offset.riskLevel)
                entry.riskScore = u32(base, Offset.riskScore)
                entry.terminalReader = u32(base, Offset.terminalReader)
                let bits = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: base + Offset.fields, as: UInt64.self))
                guard bits >> UInt64(columns.count) == 0 else { throw corrupt("a payment with an unknown column") }
                entry.fields = BatchArchive.remapped(bits, columns)
                entry.line = u32(base, Offset.line)
                entries[index] = entry
            }
        }
        return try BatchArchive.finish(&reader, entries: entries, report: report)
    }
}
