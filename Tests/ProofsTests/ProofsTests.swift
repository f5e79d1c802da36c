import XCTest
@testable import Proofs
