;; The conformance callee: methods for the relay (relay.wat) to call, each showing one
;; behaviour of a nested call. Adapted from the runtime's probe fixture.
;;
;; Memory: constants at 0, scratch output at 1024, the input at 8192 (up to 4,096 bytes).
;; Inputs that carry a key and a value are [key_len: u8][key][value]; `get` and `incr`
;; take the key alone.
(module
  (import "keyway" "storage_read" (func $read (param i32 i32 i32 i32) (result i64)))
  (import "keyway" "storage_write" (func $write (param i32 i32 i32 i32)))
  (import "keyway" "input" (func $input (param i32 i32) (result i32)))
  (import "keyway" "set_return" (func $ret (param i32 i32)))
  (import "keyway" "sender" (func $sender (param i32)))
  (import "keyway" "self_address" (func $self (param i32)))
  (import "keyway" "emit_event" (func $emit (param i32 i32 i32 i32)))
  (import "keyway" "revert" (func $revert (param i32 i32 i32)))
  (import "keyway" "abort" (func $abort (param i32 i32)))
  (import "keyway" "gas_remaining" (func $gas (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "put")
  (data (i32.const 16) "out of luck")
  (data (i32.const 32) "callee gave up")
  (data (i32.const 48) "first")
  (data (i32.const 64) "second")
  (data (i32.const 80) "done")

  ;; Reads the input to 8192 and returns its length.
  (func $in (result i32)
    (call $input (i32.const 8192) (i32.const 4096)))

  ;; Does nothing: the cheapest method.
  (func (export "nothing"))

  ;; Returns the input unchanged.
  (func (export "echo")
    (call $ret (i32.const 8192) (call $in)))

  ;; Writes the key/value input and emits ("put", key).
  (func $put
    (local $len i32) (local $klen i32)
    (local.set $len (call $in))
    (local.set $klen (i32.load8_u (i32.const 8192)))
    (call $write
      (i32.const 8193) (local.get $klen)
      (i32.add (i32.const 8193) (local.get $klen))
      (i32.sub (i32.sub (local.get $len) (i32.const 1)) (local.get $klen)))
    (call $emit (i32.const 0) (i32.const 3) (i32.const 8193) (local.get $klen)))

  ;; put, then returns "done".
  (func (export "put")
    (call $put)
    (call $ret (i32.const 80) (i32.const 4)))

  ;; put, then reverts with code 7 and data "out of luck".
  (func (export "put_then_revert")
    (call $put)
    (call $revert (i32.const 7) (i32.const 16) (i32.const 11)))

  ;; put, then aborts with the message "callee gave up".
  (func (export "put_then_abort")
    (call $put)
    (call $abort (i32.const 32) (i32.const 14)))

  ;; put, then traps (`unreachable`).
  (func (export "put_then_trap")
    (call $put)
    unreachable)

  ;; put, then loops until its gas runs out.
  (func (export "put_then_spin")
    (call $put)
    (loop $forever (br $forever)))

  ;; Input: a key. Returns [0] when absent, [1] ++ value when present.
  (func (export "get")
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

  ;; Input: a key. Adds 1 to the u64 LE counter stored under it (absent: 0) and returns
  ;; the new value (u64 LE).
  (func (export "incr")
    (local $klen i32)
    (local.set $klen (call $in))
    (i64.store (i32.const 1024) (i64.const 0))
    (drop (call $read (i32.const 8192) (local.get $klen) (i32.const 1024) (i32.const 8)))
    (i64.store (i32.const 1024) (i64.add (i64.load (i32.const 1024)) (i64.const 1)))
    (call $write (i32.const 8192) (local.get $klen) (i32.const 1024) (i32.const 8))
    (call $ret (i32.const 1024) (i32.const 8)))

  ;; Emits ("first", input) then ("second", input).
  (func (export "emit_two")
    (local $len i32)
    (local.set $len (call $in))
    (call $emit (i32.const 48) (i32.const 5) (i32.const 8192) (local.get $len))
    (call $emit (i32.const 64) (i32.const 6) (i32.const 8192) (local.get $len)))

  ;; Returns the caller's 32-byte address: the calling contract in a nested call.
  (func (export "sender")
    (call $sender (i32.const 1024))
    (call $ret (i32.const 1024) (i32.const 32)))

  ;; Returns this contract's 32-byte address.
  (func (export "self_address")
    (call $self (i32.const 1024))
    (call $ret (i32.const 1024) (i32.const 32)))

  ;; Returns gas_remaining (u64 LE): what is left of the allowance.
  (func (export "gas")
    (i64.store (i32.const 1024) (call $gas))
    (call $ret (i32.const 1024) (i32.const 8)))
)
