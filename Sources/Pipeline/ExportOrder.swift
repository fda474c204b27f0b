import Foundation
import GuestPipeCore

/// The order in which overlapping exports are applied (guests.md, Inputs): by the first
/// `YYYY-MM-DD` in the file's base name; a file without one takes the date of its latest
/// payment; ties by base name in natural order (`x (2)` before `x (10)`), then by full path.
public enum ExportOrder {
    /// Days since the epoch of the first valid `YYYY-MM-DD` in the base name, if any.
    public static func nameDay(_ path: String) -> Int? {
        let name = Array((path as NSString).lastPathComponent.utf8)
        guard name.count >= 10 else { return nil }
        func digits(_ start: Int, _ count: Int) -> Int? {
            var value = 0
            for offset in 0..<count {
                let byte = name[start + offset]
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        for start in 0...(name.count - 10) {
            if start > 0, name[start - 1] >= 0x30, name[start - 1] <= 0x39 { continue }
            guard name[start + 4] == 0x2D, name[start + 7] == 0x2D,
                  let year = digits(start, 4), let month = digits(start + 5, 2), let day = digits(start + 8, 2),
                  (1...12).contains(month), day >= 1, day <= 31 else { continue }
            if start + 10 < name.count, name[start + 10] >= 0x30, name[start + 10] <= 0x39 { continue }
            return UTCTime.daysFromCivil(year: year, month: month, day: day)
        }
        return nil
    }

    /// Natural order: digit runs compare as numbers (`x (2)` < `x (10)`), the rest byte by byte.
    public static func naturalLess(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var i = 0, j = 0
        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        while i < x.count, j < y.count {
            if isDigit(x[i]), isDigit(y[j]) {
                var si = i, sj = j
                while si < x.count, x[si] == 0x30 { si += 1 }
                while sj < y.count, y[sj] == 0x30 { sj += 1 }
                var ei = si, ej = sj
                while ei < x.count, isDigit(x[ei]) { ei += 1 }
                while ej < y.count, isDigit(y[ej]) { ej += 1 }
                if ei - si != ej - sj { return ei - si < ej - sj }
                for k in 0..<(ei - si) where x[si + k] != y[sj + k] { return x[si + k] < y[sj + k] }
                i = ei
                j = ej
                continue
            }
            if x[i] != y[j] { return x[i] < y[j] }
            i += 1
            j += 1
        }
        return x.count - i < y.count - j
    }

    /// Sorts files given each one's day (name day, else latest payment's day).
    public static func sorted(_ files: [(path: String, day: Int)]) -> [String] {
        files.sorted { a, b in
            if a.day != b.day { return a.day < b.day }
            let nameA = (a.path as NSString).lastPathComponent, nameB = (b.path as NSString).lastPathComponent
            if nameA != nameB { return naturalLess(nameA, nameB) }
            return Array(a.path.utf8).lexicographicallyPrecedes(Array(b.path.utf8))
        }.map(\.path)
    }
}
