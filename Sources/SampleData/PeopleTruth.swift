import Codecs

/// Who made a generated payment, for `guestpipe sample --people`: the answer key of
/// `Benchmarks/linkage.sh`, which scores a grouping policy against the people behind the payments.
enum SamplePerson {
    /// A person of the population, by index: the same number in every export and every day.
    case population(Int)
    /// The buyer behind one planted fraud case (`PlantedCase`, by index): one card, one person.
    case planted(Int)
    /// A one-off buyer: every card-testing attempt is its own person.
    case stranger
}

extension SampleGenerator {
    /// Writes the people file: `payment_id,person` for every generated payment that has a payment
    /// id, over all days. People of the population keep their index as number; each planted
    /// fraud case is one person after them; every card-testing attempt (and any other one-off
    /// buyer) is a new person after those, numbered in file order.
    public func writePeople(to path: String) throws {
        let file = try OutputFile(path: path, compression: .none)
        var text = Array("payment_id,person\n".utf8)
        let plantedBase = populationCount
        var nextStranger = populationCount + PlantedCase.allCases.count
        for day in 0..<options.days {
            for payment in payments(ofDay: day) where !payment.id.isEmpty {
                let number: Int
                switch payment.person {
                case .population(let index): number = index
                case .planted(let index): number = plantedBase + index
                case .stranger: number = nextStranger; nextStranger += 1
                }
                text += payment.id.utf8
                text.append(UInt8(ascii: ","))
                text += String(number).utf8
                text.append(UInt8(ascii: "\n"))
                if text.count >= 1 << 16 {
                    try text.withUnsafeBytes { try file.write(bytes: $0) }
                    text.removeAll(keepingCapacity: true)
                }
            }
        }
        try text.withUnsafeBytes { try file.write(bytes: $0) }
        try file.close()
    }
}
