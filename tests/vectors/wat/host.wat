;; The conformance probe: one method per host-function behaviour the vectors check.
;;
;; Memory: constants at 0, scratch output at 1024, the call's input at 8192 (up to 4096
;; bytes). Inputs that carry a key and a value are [key_len: u8][key][value]; events
;; take [topic_len: u8][topic][data]; `revert` takes [code: u32 LE][data].
(module
  (import "keyway" "storage_read" (func $read (param i32 i32 i32 i32) (result i64)))
  (import "keyway" "storage_has" (func $has (param i32 i32) (result i32)))
  (import "keyway" "storage_write" (func $write (param i32 i32 i32 i32)))
  (import "keyway" "storage_remove" (func $remove (param i32 i32) (result i32)))
  (import "keyway" "input" (func $input (param i32 i32) (result i32)))
  (import "keyway" "set_return" (func $ret (param i32 i32)))
  (import "keyway" "sender" (func $sender (param i32)))
  (import "keyway" "self_address" (func $self (param i32)))
  (import "keyway" "block_height" (func $height (result i64)))
  (import "keyway" "block_time" (func $time (result i64)))
  (import "keyway" "chain_id" (func $chain (result i64)))
  (import "keyway" "emit_event" (func $emit (param i32 i32 i32 i32)))
  (import "keyway" "sha256" (func $sha256 (param i32 i32 i32)))
  (import "keyway" "secp256k1_verify" (func $verify (param i32 i32 i32) (result i32)))
  (import "keyway" "revert" (func $revert (param i32 i32 i32)))
  (import "keyway" "abort" (func $abort (param i32 i32)))
  (import "keyway" "gas_remaining" (func $gas (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "first")

  ;; Reads the input to 8192 and returns its length.
  (func $in (result i32)
    (call $input (i32.const 8192) (i32.const 4096)))

  ;; Returns the input unchanged.
  (func (export "echo")
    (call $ret (i32.const 8192) (call $in)))

  ;; Sets "first" as return data, then the input: the last `set_return` wins.
  (func (export "return_twice")
    (local $len i32)
    (local.set $len (call $in))
    (call $ret (i32.const 0) (i32.const 5))
    (call $ret (i32.const 8192) (local.get $len)))

  ;; Input: a key. Returns [0] when absent, [1] ++ value when present.
  (func (export "read")
    (local $len i64)
    (local.set $len
      (call $read (i32.const 8192) (call $in) (i32.const 1025) (i32.const 4096)))
    (if (i64.lt_s (local.get $len) (i64.const 0))
      (then
        (i32.store8 (i32.const 1024) (i32.const 0))
        (call $ret (i32.const 1024) (i32.const 1)))
      (else
        (i32.store8 (i32.const 1024) (i32.const 1))
        (call $ret (i32.const 1024)
          (i32.add (i32.const 1) (i32.wrap_i64 (local.get $len)))))))

  ;; Input: a key. Returns [1] when it holds a value, [0] otherwise.
  (func (export "has")
    (i32.store8 (i32.const 1024) (call $has (i32.const 8192) (call $in)))
    (call $ret (i32.const 1024) (i32.const 1)))

  ;; Writes the key/value input.
  (func $write_input
    (local $len i32) (local $klen i32)
    (local.set $len (call $in))
    (local.set $klen (i32.load8_u (i32.const 8192)))
    (call $write
      (i32.const 8193) (local.get $klen)
      (i32.add (i32.const 8193) (local.get $klen))
      (i32.sub (i32.sub (local.get $len) (i32.const 1)) (local.get $klen))))
  (func (export "write") (call $write_input))

  ;; Writes the key/value input, then reads the key back and returns [1] ++ value: a
  ;; read sees the call's own write.
  (func (export "write_then_read")
    (local $klen i32) (local $len i64)
    (call $write_input)
    (local.set $klen (i32.load8_u (i32.const 8192)))
    (local.set $len
      (call $read (i32.const 8193) (local.get $klen) (i32.const 1025) (i32.const 4096)))
    (i32.store8 (i32.const 1024) (i32.const 1))
    (call $ret (i32.const 1024)
      (i32.add (i32.const 1) (i32.wrap_i64 (local.get $len)))))

  ;; Input: a key. Removes it and returns [1] if it held a value, [0] otherwise.
  (func (export "remove")
    (i32.store8 (i32.const 1024) (call $remove (i32.const 8192) (call $in)))
    (call $ret (i32.const 1024) (i32.const 1)))

  ;; Input: a key. Removes it, then returns storage_has of it (always [0]).
  (func (export "remove_then_has")
    (local $len i32)
    (local.set $len (call $in))
    (drop (call $remove (i32.const 8192) (local.get $len)))
    (i32.store8 (i32.const 1024) (call $has (i32.const 8192) (local.get $len)))
    (call $ret (i32.const 1024) (i32.const 1)))

  ;; Writes the key/value input, then reverts with code 1: the write is dropped.
  (func (export "write_then_revert")
    (call $write_input)
    (call $revert (i32.const 1) (i32.const 0) (i32.const 0)))

  ;; Returns the sender's 32-byte address.
  (func (export "sender")
    (call $sender (i32.const 1024))
    (call $ret (i32.const 1024) (i32.const 32)))

  ;; Returns the contract's own 32-byte address.
  (func (export "self_address")
    (call $self (i32.const 1024))
    (call $ret (i32.const 1024) (i32.const 32)))

  ;; Returns height ++ time ++ chain id, each a u64 LE.
  (func (export "block")
    (i64.store (i32.const 1024) (call $height))
    (i64.store (i32.const 1032) (call $time))
    (i64.store (i32.const 1040) (call $chain))
    (call $ret (i32.const 1024) (i32.const 24)))

  ;; Emits the topic/data input as an event.
  (func $emit_input
    (local $len i32) (local $tlen i32)
    (local.set $len (call $in))
    (local.set $tlen (i32.load8_u (i32.const 8192)))
    (call $emit
      (i32.const 8193) (local.get $tlen)
      (i32.add (i32.const 8193) (local.get $tlen))
      (i32.sub (i32.sub (local.get $len) (i32.const 1)) (local.get $tlen))))
  (func (export "emit") (call $emit_input))

  ;; Emits the input's event twice.
  (func (export "emit_twice") (call $emit_input) (call $emit_input))

  ;; Emits the input's event, then reverts with code 2: the event is dropped.
  (func (export "emit_then_revert")
    (call $emit_input)
    (call $revert (i32.const 2) (i32.const 0) (i32.const 0)))

  ;; An event of 16,385 bytes (topic + data), above `max_event_bytes`.
  (func (export "big_event")
    (call $emit (i32.const 0) (i32.const 16385) (i32.const 0) (i32.const 0)))

  ;; Returns sha256 of the input.
  (func (export "sha256")
    (call $sha256 (i32.const 8192) (call $in) (i32.const 1024))
    (call $ret (i32.const 1024) (i32.const 32)))

  ;; Input: prehash (32) ++ signature (64) ++ public key (33). Returns [1] if valid.
  (func (export "verify")
    (drop (call $in))
    (i32.store8 (i32.const 1024)
      (call $verify (i32.const 8192) (i32.const 8224) (i32.const 8288)))
    (call $ret (i32.const 1024) (i32.const 1)))

  ;; Input: code (u32 LE) ++ data. Reverts with them.
  (func (export "revert")
    (local $len i32)
    (local.set $len (call $in))
    (call $revert (i32.load (i32.const 8192))
      (i32.const 8196) (i32.sub (local.get $len) (i32.const 4))))

  ;; Aborts with the input as the message.
  (func (export "abort")
    (call $abort (i32.const 8192) (call $in)))

  ;; Returns gas_remaining as a u64 LE.
  (func (export "gas")
    (i64.store (i32.const 1024) (call $gas))
    (call $ret (i32.const 1024) (i32.const 8)))

  ;; Writes a 1,025-byte key, above `max_key_bytes`.
  (func (export "long_key")
    (call $write (i32.const 0) (i32.const 1025) (i32.const 0) (i32.const 0)))

  ;; Hands the host a key outside memory.
  (func (export "bad_pointer")
    (drop (call $read (i32.const 0x7fff0000) (i32.const 8) (i32.const 0) (i32.const 0))))

  ;; Traps in Wasm: `unreachable`.
  (func (export "unreachable") unreachable)

  ;; Traps in Wasm: integer division by zero (the divisor comes from the input, so no
  ;; compiler can fold it).
  (func (export "divide_by_zero")
    (drop (call $in))
    (drop (i32.div_u (i32.const 1) (i32.load8_u (i32.const 8192)))))

  ;; Loops forever: only gas stops it.
  (func (export "spin") (loop $forever (br $forever)))

  ;; Grows memory by the input's first byte in pages; returns [1] when growth succeeded.
  (func (export "grow")
    (drop (call $in))
    (i32.store8 (i32.const 1024)
      (i32.ne (memory.grow (i32.load8_u (i32.const 8192))) (i32.const -1)))
    (call $ret (i32.const 1024) (i32.const 1)))
)
