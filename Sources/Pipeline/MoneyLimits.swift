import GuestPipeCore
import Grouping

/// Every money total a run writes is a sum of payment amounts in one currency over some of the
/// counted payments (a guest's, a category's, a month's). Amounts are never negative, so when
/// the sum over all counted payments fits in 64 bits, every other total does too. This stage
/// checks that sum once, so that no writer has to, and an impossible export is a clear error
/// (exit 65) naming the row that no total can hold, never a trap.
enum MoneyLimits {
    static func check(ledger: PaymentLedger, roles: [PaymentRole], files: [String]) throws {
        var sums = [(gross: Int64, refunded: Int64, disputed: Int64)](repeating: (0, 0, 0), count: Currency.all.count + 1)
        for (index, role) in roles.enumerated() {
            switch role {
            case .guest, .customer, .unmatched: break
            default: continue
            }
            let entry = ledger.entries[index]
            let slot = Int(entry.currencyIndex)
            let gross = sums[slot].gross.addingReportingOverflow(entry.amount)
            let refunded = sums[slot].refunded.addingReportingOverflow(entry.refunded)
            let disputed = sums[slot].disputed.addingReportingOverflow(entry.disputed)
            if gross.overflow || refunded.overflow || disputed.overflow {
                let currency = entry.currency?.code ?? "?"
                throw GuestPipeError(.corruptInput,
                                     "the \(currency) amounts add up past the largest total guestpipe can hold (\(Int64.max) minor units) at this payment",
                                     fix: "check the Amount columns of this export: amounts this large are not real payments",
                                     at: SourceLocation(file: files[Int(entry.file)], line: UInt64(entry.line)))
            }
            sums[slot] = (gross.partialValue, refunded.partialValue, disputed.partialValue)
        }
    }
}
