import CZstd

/// The linked libzstd's version as a number (1.5.4 → 10504). Some conformance outcomes depend
/// on it (see the conformance README).
public func libzstdVersionNumber() -> Int { Int(ZSTD_versionNumber()) }
