import Foundation

/// A restricted interpreter for the pickle inside a `torch.save` checkpoint.
///
/// It understands only what a tensor state dict needs and never executes
/// anything: a `GLOBAL` is matched against a fixed list of names (``PickleGlobal``)
/// and nothing is imported or called; `REDUCE` applies one of three built-in
/// rules (an empty `OrderedDict`, `_rebuild_tensor_v2`, `_rebuild_parameter`);
/// persistent ids must be `('storage', <storage type>, key, location, numel)`.
/// Every other opcode, global or call is refused with a ``RestrictedPickleError``
/// that names it.

/// A global name the interpreter accepts. Anything else is refused when the
/// `GLOBAL` / `STACK_GLOBAL` opcode is read.
public enum PickleGlobal: String, CaseIterable, Sendable {
    case orderedDict = "collections.OrderedDict"
    case rebuildTensorV2 = "torch._utils._rebuild_tensor_v2"
    case rebuildParameter = "torch._utils._rebuild_parameter"
    case floatStorage = "torch.FloatStorage"
    case halfStorage = "torch.HalfStorage"
    case bfloat16Storage = "torch.BFloat16Storage"
    case boolStorage = "torch.BoolStorage"

    /// The element type of a storage class, or nil for the callables.
    public var storageDType: PyTorchDType? {
        switch self {
        case .floatStorage: return .float32
        case .halfStorage: return .float16
        case .bfloat16Storage: return .bfloat16
        case .boolStorage: return .bool
        case .orderedDict, .rebuildTensorV2, .rebuildParameter: return nil
        }
    }
}

/// Element types of the storages a checkpoint may hold.
public enum PyTorchDType: String, Sendable, CaseIterable {
    case float32 = "F32", float16 = "F16", bfloat16 = "BF16", bool = "BOOL"

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .float32: return 4
        case .float16, .bfloat16: return 2
        case .bool: return 1
        }
    }
}

/// A storage named by a persistent id: `('storage', FloatStorage, '0', 'cpu', 12)`.
public struct PickleStorageReference: Equatable, Sendable {
    /// The entry `data/<key>` of the archive.
    public var key: String
    public var dtype: PyTorchDType
    /// Number of elements the pickle says the storage holds.
    public var elementCount: Int
}

/// A tensor rebuilt by `_rebuild_tensor_v2`: a view into a storage.
public struct PickleTensorReference: Equatable, Sendable {
    public var storage: PickleStorageReference
    public var storageOffset: Int
    public var shape: [Int]
    public var strides: [Int]
}

/// A dictionary built by the pickle; a class so that memo references see its items.
///
/// A container is filled before it is placed inside another one (Python's
/// pickler always works in that order); changing it afterwards is refused, so the
/// nesting depth recorded when it is placed stays true.
public final class PickleDictionary {
    /// Items in insertion order.
    public private(set) var items: [(key: PickleValue, value: PickleValue)] = []
    /// 1 + the deepest nesting among its keys and values.
    public private(set) var depth = 1
    /// Set once the dict is placed inside a tuple, dict or list.
    fileprivate(set) var isNested = false

    init() {}

    /// Adds an item; a key already present is an error (a state dict has unique names).
    func insert(_ key: PickleValue, _ value: PickleValue, opcode: String, offset: Int) throws {
        guard !isNested else { throw RestrictedPickleError.changedAfterNesting(opcode: opcode, offset: offset) }
        // A dict inside itself would be a reference cycle (never freed; found by fuzzing).
        for part in [key, value] {
            if case .dictionary(let inner) = part, inner === self { throw RestrictedPickleError.containsItself(opcode: opcode, offset: offset) }
        }
        if items.contains(where: { $0.key == key }) {
            throw RestrictedPickleError.duplicateKey(key.summary)
        }
        depth = max(depth, 1 + (try PickleValue.nest(key, at: offset)), 1 + (try PickleValue.nest(value, at: offset)))
        items.append((key, value))
    }
}

/// A list built by the pickle (reference semantics, like ``PickleDictionary``).
public final class PickleList {
    public private(set) var items: [PickleValue] = []
    public private(set) var depth = 1
    fileprivate(set) var isNested = false

    init() {}

    func append(_ value: PickleValue, opcode: String, offset: Int) throws {
        guard !isNested else { throw RestrictedPickleError.changedAfterNesting(opcode: opcode, offset: offset) }
        if case .list(let inner) = value, inner === self { throw RestrictedPickleError.containsItself(opcode: opcode, offset: offset) }
        depth = max(depth, 1 + (try PickleValue.nest(value, at: offset)))
        items.append(value)
    }
}

/// The values the restricted interpreter can build.
public enum PickleValue: Equatable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    /// Items and nesting depth (1 + the deepest item).
    case tuple([PickleValue], depth: Int)
    case list(PickleList)
    case dictionary(PickleDictionary)
    case global(PickleGlobal)
    case storage(PickleStorageReference)
    case tensor(PickleTensorReference)

    public static func == (lhs: PickleValue, rhs: PickleValue) -> Bool {
        switch (lhs, rhs) {
        case (.none, .none): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.float(let a), .float(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.tuple(let a, _), .tuple(let b, _)): return a == b
        case (.list(let a), .list(let b)): return a === b
        case (.dictionary(let a), .dictionary(let b)): return a === b
        case (.global(let a), .global(let b)): return a == b
        case (.storage(let a), .storage(let b)): return a == b
        case (.tensor(let a), .tensor(let b)): return a == b
        default: return false
        }
    }

    /// Values nested deeper than this are refused: deep nesting is never needed by a
    /// state dict and would make freeing or comparing values recurse without bound.
    public static let maximumDepth = 32

    /// How deeply containers are nested in this value (0 for a scalar).
    public var depth: Int {
        switch self {
        case .tuple(_, let depth): return depth
        case .list(let list): return list.depth
        case .dictionary(let dictionary): return dictionary.depth
        default: return 0
        }
    }

    /// A tuple of `items`; refused when nested too deeply.
    static func makeTuple(_ items: [PickleValue], at offset: Int) throws -> PickleValue {
        var depth = 1
        for item in items { depth = max(depth, 1 + (try nest(item, at: offset))) }
        return .tuple(items, depth: depth)
    }

    /// Marks `value` as placed inside a container and returns its depth.
    static func nest(_ value: PickleValue, at offset: Int) throws -> Int {
        switch value {
        case .list(let list): list.isNested = true
        case .dictionary(let dictionary): dictionary.isNested = true
        default: break
        }
        guard value.depth < maximumDepth else { throw RestrictedPickleError.nestedTooDeeply(offset: offset, limit: maximumDepth) }
        return value.depth
    }

    /// A short description for error messages: `str 'embed.W_E'`, `int 3`, `tuple of 2`, …
    public var summary: String {
        switch self {
        case .none: return "None"
        case .bool(let value): return "bool \(value ? "True" : "False")"
        case .int(let value): return "int \(value)"
        case .float(let value): return "float \(value)"
        case .string(let value): return "str '\(value.count > 60 ? String(value.prefix(60)) + "…" : value)'"
        case .tuple(let items, _): return "tuple of \(items.count)"
        case .list(let list): return "list of \(list.items.count)"
        case .dictionary(let dictionary): return "dict of \(dictionary.items.count)"
        case .global(let global): return global.rawValue
        case .storage(let storage): return "storage '\(storage.key)'"
        case .tensor: return "tensor"
        }
    }
}

/// Why a pickle was refused. Each case names what was found.
public enum RestrictedPickleError: Error, Equatable, CustomStringConvertible {
    case opcodeNotAllowed(opcode: UInt8, name: String, offset: Int)
    case globalNotAllowed(String)
    case callNotAllowed(callee: String, offset: Int)
    case badArguments(callee: String, reason: String)
    case persistentIDNotAllowed(String)
    case buildNotAllowed(String)
    case truncated(offset: Int)
    case stackUnderflow(opcode: String, offset: Int)
    case missingMark(opcode: String, offset: Int)
    case memoMissing(index: Int, offset: Int)
    case unsupportedProtocol(Int)
    case malformed(String)
    case duplicateKey(String)
    case noStop
    case trailingBytes(count: Int)
    case inconsistentStorage(key: String)
    case nestedTooDeeply(offset: Int, limit: Int)
    case changedAfterNesting(opcode: String, offset: Int)
    case containsItself(opcode: String, offset: Int)

    public var description: String {
        let allowed = PickleGlobal.allCases.map(\.rawValue).joined(separator: ", ")
        switch self {
        case .opcodeNotAllowed(let opcode, let name, let offset):
            return "pickle opcode \(name) (0x\(String(opcode, radix: 16, uppercase: true))) at byte \(offset) is not allowed: a state dict needs only dicts, tuples, strings, numbers, allowed globals and storages"
        case .globalNotAllowed(let name):
            return "pickle GLOBAL \(name) is not allowed (allowed: \(allowed))"
        case .callNotAllowed(let callee, let offset):
            return "pickle REDUCE at byte \(offset) calls \(callee), which is not allowed (allowed calls: collections.OrderedDict(), torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter)"
        case .badArguments(let callee, let reason): return "pickle call of \(callee): \(reason)"
        case .persistentIDNotAllowed(let found):
            return "pickle persistent id \(found) is not allowed: only ('storage', <FloatStorage|HalfStorage|BFloat16Storage|BoolStorage>, key, location, numel)"
        case .buildNotAllowed(let found): return "pickle BUILD \(found) is not allowed (only a state dict's _metadata is accepted, and ignored)"
        case .truncated(let offset): return "pickle truncated at byte \(offset)"
        case .stackUnderflow(let opcode, let offset): return "malformed pickle: \(opcode) at byte \(offset) finds too few values on the stack"
        case .missingMark(let opcode, let offset): return "malformed pickle: \(opcode) at byte \(offset) has no MARK before it"
        case .memoMissing(let index, let offset): return "malformed pickle: memo entry \(index) read at byte \(offset) was never stored"
        case .unsupportedProtocol(let version): return "pickle protocol \(version) is not supported (2…5)"
        case .malformed(let reason): return "malformed pickle: \(reason)"
        case .duplicateKey(let key): return "pickle dict has the key \(key) twice"
        case .noStop: return "pickle ends without STOP (truncated?)"
        case .trailingBytes(let count): return "pickle has \(count) bytes after STOP"
        case .inconsistentStorage(let key): return "storage '\(key)' is referenced with different types or sizes"
        case .nestedTooDeeply(let offset, let limit): return "pickle nests containers more than \(limit) deep (at byte \(offset))"
        case .changedAfterNesting(let opcode, let offset):
            return "pickle \(opcode) at byte \(offset) changes a container already placed inside another one"
        case .containsItself(let opcode, let offset):
            return "pickle \(opcode) at byte \(offset) puts a container inside itself"
        }
    }
}

/// Interprets one pickle under the rules above and returns the object it builds.
public struct RestrictedPickle {
    private let bytes: [UInt8]
    private var position = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private var storages: [String: PickleStorageReference] = [:]

    /// Reads the pickle in `data`; throws ``RestrictedPickleError`` on anything outside the rules.
    public static func load(_ data: Data) throws -> PickleValue {
        var interpreter = RestrictedPickle(bytes: [UInt8](data))
        return try interpreter.run()
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private mutating func run() throws -> PickleValue {
        while position < bytes.count {
            let offset = position
            let opcode = bytes[position]
            position += 1
            if let result = try step(opcode, at: offset) {
                guard position == bytes.count else { throw RestrictedPickleError.trailingBytes(count: bytes.count - position) }
                return result
            }
        }
        throw RestrictedPickleError.noStop
    }

    /// Executes one opcode; returns the result at STOP.
    private mutating func step(_ opcode: UInt8, at offset: Int) throws -> PickleValue? {
        switch opcode {
        case 0x80: // PROTO
            let version = Int(try readByte(at: offset))
            guard (2...5).contains(version) else { throw RestrictedPickleError.unsupportedProtocol(version) }
        case 0x95: // FRAME: an 8-byte length; framing is only a hint to readers.
            _ = try readBytes(8, at: offset)
        case UInt8(ascii: "."): // STOP
            return try pop("STOP", at: offset)
        case UInt8(ascii: "("): marks.append(stack.count) // MARK
        case UInt8(ascii: ")"): stack.append(.tuple([], depth: 1)) // EMPTY_TUPLE
        case UInt8(ascii: "t"): stack.append(try .makeTuple(try popToMark("TUPLE", at: offset), at: offset))
        case 0x85: stack.append(try .makeTuple(try popCount(1, "TUPLE1", at: offset), at: offset))
        case 0x86: stack.append(try .makeTuple(try popCount(2, "TUPLE2", at: offset), at: offset))
        case 0x87: stack.append(try .makeTuple(try popCount(3, "TUPLE3", at: offset), at: offset))
        case UInt8(ascii: "}"): stack.append(.dictionary(PickleDictionary())) // EMPTY_DICT
        case UInt8(ascii: "]"): stack.append(.list(PickleList())) // EMPTY_LIST
        case UInt8(ascii: "s"): // SETITEM
            let pair = try popCount(2, "SETITEM", at: offset)
            try dictionaryOnTop("SETITEM", at: offset).insert(pair[0], pair[1], opcode: "SETITEM", offset: offset)
        case UInt8(ascii: "u"): // SETITEMS
            let items = try popToMark("SETITEMS", at: offset)
            guard items.count % 2 == 0 else { throw RestrictedPickleError.malformed("SETITEMS at byte \(offset) has an odd number of values") }
            let dictionary = try dictionaryOnTop("SETITEMS", at: offset)
            for index in stride(from: 0, to: items.count, by: 2) {
                try dictionary.insert(items[index], items[index + 1], opcode: "SETITEMS", offset: offset)
            }
        case UInt8(ascii: "a"): // APPEND
            let value = try pop("APPEND", at: offset)
            try listOnTop("APPEND", at: offset).append(value, opcode: "APPEND", offset: offset)
        case UInt8(ascii: "e"): // APPENDS
            let values = try popToMark("APPENDS", at: offset)
            let list = try listOnTop("APPENDS", at: offset)
            for value in values { try list.append(value, opcode: "APPENDS", offset: offset) }
        case UInt8(ascii: "N"): stack.append(.none)
        case 0x88: stack.append(.bool(true)) // NEWTRUE
        case 0x89: stack.append(.bool(false)) // NEWFALSE
        case UInt8(ascii: "K"): stack.append(.int(Int(try readByte(at: offset)))) // BININT1
        case UInt8(ascii: "M"): stack.append(.int(Int(try littleEndian(2, at: offset)))) // BININT2
        case UInt8(ascii: "J"): stack.append(.int(Int(Int32(truncatingIfNeeded: try littleEndian(4, at: offset))))) // BININT
        case 0x8A: stack.append(.int(try readLong1(at: offset))) // LONG1
        case UInt8(ascii: "G"): // BINFLOAT, big-endian
            let raw = try readBytes(8, at: offset).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            stack.append(.float(Double(bitPattern: raw)))
        case UInt8(ascii: "X"): stack.append(.string(try readString(lengthBytes: 4, at: offset))) // BINUNICODE
        case 0x8C: stack.append(.string(try readString(lengthBytes: 1, at: offset))) // SHORT_BINUNICODE
        case 0x8D: stack.append(.string(try readString(lengthBytes: 8, at: offset))) // BINUNICODE8
        case UInt8(ascii: "q"): memo[Int(try readByte(at: offset))] = try top("BINPUT", at: offset)
        case UInt8(ascii: "r"): memo[Int(try littleEndian(4, at: offset))] = try top("LONG_BINPUT", at: offset)
        case 0x94: memo[memo.count] = try top("MEMOIZE", at: offset)
        case UInt8(ascii: "h"): try pushMemo(Int(try readByte(at: offset)), at: offset) // BINGET
        case UInt8(ascii: "j"): try pushMemo(Int(try littleEndian(4, at: offset)), at: offset) // LONG_BINGET
        case UInt8(ascii: "c"): // GLOBAL module\nname\n
            let module = try readLine(at: offset)
            let name = try readLine(at: offset)
            stack.append(.global(try Self.allowedGlobal(module: module, name: name)))
        case 0x93: // STACK_GLOBAL
            let pair = try popCount(2, "STACK_GLOBAL", at: offset)
            guard case .string(let module) = pair[0], case .string(let name) = pair[1] else {
                throw RestrictedPickleError.malformed("STACK_GLOBAL at byte \(offset) needs two strings")
            }
            stack.append(.global(try Self.allowedGlobal(module: module, name: name)))
        case UInt8(ascii: "Q"): stack.append(try persistentLoad(try pop("BINPERSID", at: offset))) // BINPERSID
        case UInt8(ascii: "R"): // REDUCE
            let arguments = try pop("REDUCE", at: offset)
            let callee = try pop("REDUCE", at: offset)
            stack.append(try reduce(callee, arguments, at: offset))
        case UInt8(ascii: "b"): // BUILD
            let state = try pop("BUILD", at: offset)
            let object = try top("BUILD", at: offset)
            try build(object, state)
        default:
            throw RestrictedPickleError.opcodeNotAllowed(opcode: opcode, name: Self.opcodeName(opcode), offset: offset)
        }
        return nil
    }

    /// Matches a global against the allowed list; nothing is imported.
    static func allowedGlobal(module: String, name: String) throws -> PickleGlobal {
        let qualified = module + "." + name
        guard let global = PickleGlobal(rawValue: qualified) else { throw RestrictedPickleError.globalNotAllowed(qualified) }
        return global
    }

    /// The three calls a state dict makes, applied as fixed rules.
    private func reduce(_ callee: PickleValue, _ arguments: PickleValue, at offset: Int) throws -> PickleValue {
        guard case .global(let global) = callee else { throw RestrictedPickleError.callNotAllowed(callee: "a \(callee.summary) value", offset: offset) }
        guard case .tuple(let args, _) = arguments else {
            throw RestrictedPickleError.badArguments(callee: global.rawValue, reason: "arguments are a \(arguments.summary), not a tuple")
        }
        switch global {
        case .orderedDict:
            guard args.isEmpty else { throw RestrictedPickleError.badArguments(callee: global.rawValue, reason: "only OrderedDict() with no arguments is accepted") }
            return .dictionary(PickleDictionary())
        case .rebuildTensorV2:
            return .tensor(try Self.rebuildTensor(args))
        case .rebuildParameter:
            guard args.count == 3, case .tensor = args[0], case .bool = args[1], Self.isEmptyDictionary(args[2]) else {
                throw RestrictedPickleError.badArguments(callee: global.rawValue, reason: "expected (tensor, requires_grad, empty hooks)")
            }
            return args[0]
        case .floatStorage, .halfStorage, .bfloat16Storage, .boolStorage:
            throw RestrictedPickleError.callNotAllowed(callee: global.rawValue, offset: offset)
        }
    }

    /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`.
    private static func rebuildTensor(_ args: [PickleValue]) throws -> PickleTensorReference {
        let callee = PickleGlobal.rebuildTensorV2.rawValue
        guard args.count == 6 || args.count == 7 else {
            throw RestrictedPickleError.badArguments(callee: callee, reason: "expected 6 or 7 arguments, found \(args.count)")
        }
        guard case .storage(let storage) = args[0] else { throw RestrictedPickleError.badArguments(callee: callee, reason: "argument 1 is a \(args[0].summary), not a storage") }
        guard case .int(let storageOffset) = args[1] else { throw RestrictedPickleError.badArguments(callee: callee, reason: "storage offset is a \(args[1].summary)") }
        let shape = try integers(args[2], what: "size")
        let strides = try integers(args[3], what: "stride")
        guard case .bool = args[4] else { throw RestrictedPickleError.badArguments(callee: callee, reason: "requires_grad is a \(args[4].summary)") }
        guard isEmptyDictionary(args[5]) else { throw RestrictedPickleError.badArguments(callee: callee, reason: "backward hooks must be empty") }
        if args.count == 7 {
            guard args[6] == .none || isEmptyDictionary(args[6]) else {
                throw RestrictedPickleError.badArguments(callee: callee, reason: "tensor metadata must be None or empty")
            }
        }
        return PickleTensorReference(storage: storage, storageOffset: storageOffset, shape: shape, strides: strides)
    }

    private static func integers(_ value: PickleValue, what: String) throws -> [Int] {
        guard case .tuple(let items, _) = value else {
            throw RestrictedPickleError.badArguments(callee: PickleGlobal.rebuildTensorV2.rawValue, reason: "\(what) is a \(value.summary), not a tuple")
        }
        return try items.map { item in
            guard case .int(let number) = item else {
                throw RestrictedPickleError.badArguments(callee: PickleGlobal.rebuildTensorV2.rawValue, reason: "\(what) holds a \(item.summary)")
            }
            return number
        }
    }

    private static func isEmptyDictionary(_ value: PickleValue) -> Bool {
        if case .dictionary(let dictionary) = value { return dictionary.items.isEmpty }
        return false
    }

    /// `('storage', storage_type, key, location, numel)`; the same key must always mean the same storage.
    private mutating func persistentLoad(_ pid: PickleValue) throws -> PickleValue {
        guard case .tuple(let fields, _) = pid, fields.count == 5, fields[0] == .string("storage"),
              case .global(let type) = fields[1], let dtype = type.storageDType,
              case .string(let key) = fields[2], case .string = fields[3],
              case .int(let count) = fields[4], count >= 0 else {
            throw RestrictedPickleError.persistentIDNotAllowed(Self.describe(pid))
        }
        let storage = PickleStorageReference(key: key, dtype: dtype, elementCount: count)
        if let known = storages[key], known != storage { throw RestrictedPickleError.inconsistentStorage(key: key) }
        storages[key] = storage
        return .storage(storage)
    }

    /// A value for an error message: a tuple item by item, at most its first 6 items
    /// (so a hostile tuple of a million strings gives a short message).
    private static func describe(_ value: PickleValue) -> String {
        if case .tuple(let items, _) = value {
            let shown = items.prefix(6).map(\.summary) + (items.count > 6 ? ["… (\(items.count) items)"] : [])
            return "(" + shown.joined(separator: ", ") + ")"
        }
        return value.summary
    }

    /// BUILD on a state dict sets its `_metadata` attribute (module versions); accepted and ignored.
    private func build(_ object: PickleValue, _ state: PickleValue) throws {
        guard case .dictionary = object else { throw RestrictedPickleError.buildNotAllowed("on a \(object.summary)") }
        if state == .none { return }
        guard case .dictionary(let attributes) = state,
              attributes.items.allSatisfy({ $0.key == .string("_metadata") }) else {
            throw RestrictedPickleError.buildNotAllowed("with state \(state.summary)")
        }
    }

    // MARK: - Stack and input helpers

    private mutating func pop(_ opcode: String, at offset: Int) throws -> PickleValue {
        guard let value = stack.popLast(), stack.count >= (marks.last ?? 0) else {
            throw RestrictedPickleError.stackUnderflow(opcode: opcode, offset: offset)
        }
        return value
    }

    private func top(_ opcode: String, at offset: Int) throws -> PickleValue {
        guard let value = stack.last, stack.count > (marks.last ?? 0) else {
            throw RestrictedPickleError.stackUnderflow(opcode: opcode, offset: offset)
        }
        return value
    }

    private mutating func popCount(_ count: Int, _ opcode: String, at offset: Int) throws -> [PickleValue] {
        guard stack.count - count >= (marks.last ?? 0) else { throw RestrictedPickleError.stackUnderflow(opcode: opcode, offset: offset) }
        let values = Array(stack.suffix(count))
        stack.removeLast(count)
        return values
    }

    private mutating func popToMark(_ opcode: String, at offset: Int) throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw RestrictedPickleError.missingMark(opcode: opcode, offset: offset) }
        let values = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return values
    }

    private func dictionaryOnTop(_ opcode: String, at offset: Int) throws -> PickleDictionary {
        let value = try top(opcode, at: offset)
        guard case .dictionary(let dictionary) = value else {
            throw RestrictedPickleError.malformed("\(opcode) at byte \(offset) applies to a \(value.summary), not a dict")
        }
        return dictionary
    }

    private func listOnTop(_ opcode: String, at offset: Int) throws -> PickleList {
        let value = try top(opcode, at: offset)
        guard case .list(let list) = value else {
            throw RestrictedPickleError.malformed("\(opcode) at byte \(offset) applies to a \(value.summary), not a list")
        }
        return list
    }

    private mutating func pushMemo(_ index: Int, at offset: Int) throws {
        guard let value = memo[index] else { throw RestrictedPickleError.memoMissing(index: index, offset: offset) }
        stack.append(value)
    }

    private mutating func readBytes(_ count: Int, at offset: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - position else { throw RestrictedPickleError.truncated(offset: offset) }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    private mutating func readByte(at offset: Int) throws -> UInt8 {
        guard position < bytes.count else { throw RestrictedPickleError.truncated(offset: offset) }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func littleEndian(_ count: Int, at offset: Int) throws -> UInt64 {
        try readBytes(count, at: offset).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// LONG1: a little-endian two's-complement integer of up to 8 bytes (longer ones are refused).
    private mutating func readLong1(at offset: Int) throws -> Int {
        let length = Int(try readByte(at: offset))
        guard length <= 8 else { throw RestrictedPickleError.malformed("LONG1 at byte \(offset) has \(length) bytes (at most 8 accepted)") }
        guard length > 0 else { return 0 }
        let raw = try littleEndian(length, at: offset)
        let shift = UInt64(64 - 8 * length)
        return Int(Int64(bitPattern: raw << shift) >> Int64(shift))
    }

    private mutating func readString(lengthBytes: Int, at offset: Int) throws -> String {
        let length = try littleEndian(lengthBytes, at: offset)
        guard length <= UInt64(bytes.count - position) else { throw RestrictedPickleError.truncated(offset: offset) }
        let raw = try readBytes(Int(length), at: offset)
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw RestrictedPickleError.malformed("string at byte \(offset) is not UTF-8")
        }
        return text
    }

    /// A newline-terminated ASCII line (GLOBAL's module and name), at most 256 bytes.
    private mutating func readLine(at offset: Int) throws -> String {
        guard let end = bytes[position...].prefix(257).firstIndex(of: 0x0A) else { throw RestrictedPickleError.truncated(offset: offset) }
        let raw = bytes[position..<end]
        position = end + 1
        return String(decoding: raw, as: UTF8.self)
    }

    /// Names of the pickle opcodes, for error messages.
    static func opcodeName(_ opcode: UInt8) -> String {
        let names: [UInt8: String] = [
            0x28: "MARK", 0x2E: "STOP", 0x30: "POP", 0x31: "POP_MARK", 0x32: "DUP", 0x46: "FLOAT", 0x49: "INT",
            0x4A: "BININT", 0x4B: "BININT1", 0x4C: "LONG", 0x4D: "BININT2", 0x4E: "NONE", 0x50: "PERSID",
            0x51: "BINPERSID", 0x52: "REDUCE", 0x53: "STRING", 0x54: "BINSTRING", 0x55: "SHORT_BINSTRING",
            0x56: "UNICODE", 0x58: "BINUNICODE", 0x61: "APPEND", 0x62: "BUILD", 0x63: "GLOBAL", 0x64: "DICT",
            0x7D: "EMPTY_DICT", 0x65: "APPENDS", 0x67: "GET", 0x68: "BINGET", 0x69: "INST", 0x6A: "LONG_BINGET",
            0x6C: "LIST", 0x5D: "EMPTY_LIST", 0x6F: "OBJ", 0x70: "PUT", 0x71: "BINPUT", 0x72: "LONG_BINPUT",
            0x73: "SETITEM", 0x74: "TUPLE", 0x29: "EMPTY_TUPLE", 0x75: "SETITEMS", 0x47: "BINFLOAT",
            0x80: "PROTO", 0x81: "NEWOBJ", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4", 0x85: "TUPLE1", 0x86: "TUPLE2",
            0x87: "TUPLE3", 0x88: "NEWTRUE", 0x89: "NEWFALSE", 0x8A: "LONG1", 0x8B: "LONG4",
            0x42: "BINBYTES", 0x43: "SHORT_BINBYTES", 0x8C: "SHORT_BINUNICODE", 0x8D: "BINUNICODE8", 0x8E: "BINBYTES8",
            0x8F: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET", 0x92: "NEWOBJ_EX", 0x93: "STACK_GLOBAL",
            0x94: "MEMOIZE", 0x95: "FRAME", 0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
        ]
        return names[opcode] ?? "unknown"
    }
}
