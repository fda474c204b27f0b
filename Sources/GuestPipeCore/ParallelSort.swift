import Dispatch

extension Array {
    /// Sorted by a strict total order: each half on its own core, then merged. The result is
    /// the one `sorted(by:)` gives, since the order decides every pair.
    @inlinable
    public func sortedOnTwoCores(by areInIncreasingOrder: (Element, Element) -> Bool) -> [Element] {
        guard count >= 65_536 else { return sorted(by: areInIncreasingOrder) }
        let middle = count / 2
        var halves: [[Element]] = [Array(self[..<middle]), Array(self[middle...])]
        halves.withUnsafeMutableBufferPointer { halves in
            ParallelWork.perform(2) { half in halves[half].sort(by: areInIncreasingOrder) }
        }
        var merged: [Element] = []
        merged.reserveCapacity(count)
        var left = 0, right = 0
        let first = halves[0], second = halves[1]
        while left < first.count && right < second.count {
            if areInIncreasingOrder(second[right], first[left]) {
                merged.append(second[right])
                right += 1
            } else {
                merged.append(first[left])
                left += 1
            }
        }
        merged.append(contentsOf: first[left...])
        merged.append(contentsOf: second[right...])
        return merged
    }
}
