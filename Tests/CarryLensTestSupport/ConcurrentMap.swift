import Foundation

extension Collection where Index == Int {
    /// `map(transform)` with the elements spread over every core; the results are in the
    /// collection's order, so what a test asserts on them does not depend on the thread
    /// count. For the slow reference passes tests compare against, which are independent
    /// per question. `transform` must be safe to call from several threads at once.
    public func concurrentMap<Result>(_ transform: (Element) -> Result) -> [Result] {
        let count = self.count, start = startIndex
        var results = [Result?](repeating: nil, count: count)
        withoutActuallyEscaping(transform) { transform in
            results.withUnsafeMutableBufferPointer { buffer in
                let slots = buffer.baseAddress!
                DispatchQueue.concurrentPerform(iterations: count) { offset in
                    slots[offset] = transform(self[start + offset])
                }
            }
        }
        return results.map { $0! }
    }
}
