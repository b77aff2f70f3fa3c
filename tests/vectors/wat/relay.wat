;; The conformance relay: performs the cross-contract call its input describes and reports
;; what happened. Adapted from the runtime's test fixture; several instances of it (one
;; code, several names in a vector's pre-state) make chains of calls.
;;
;; `relay` input (at 1024, up to 16,384 bytes):
;;   [callee: 32 bytes][flags: u32][gas: u64][method_len: u32][method][args...]
;; `relay` return data, its report of the call (at 32768):
;;   [call result: u64][call cost: u64][the callee's output (call_output), up to 8,192 bytes]
;; where the call result is `call`'s packed status (status code | revert code << 32, read
;; as two u32: the status code, then the revert code) and the call cost is
;; gas_remaining before the call minus gas_remaining after it: the call's price
;; (5,000 + method_len + args_len), what the callee used, and a constant 128: the second
;; gas_remaining's 100 and the relay's 28 operators in between, the same on every path.
;; Before calling, `relay` writes "r" = "relayed" in its own storage (so "r" must be
;; declared as a write); after the call it emits an event with topic "relayed" and no
;; data.
(module
  (import "keyway" "input" (func $input (param i32 i32) (result i32)))
  (import "keyway" "call" (func $call (param i32 i32 i32 i32 i32 i64 i32) (result i64)))
  (import "keyway" "call_output" (func $call_output (param i32 i32) (result i32)))
  (import "keyway" "set_return" (func $ret (param i32 i32)))
  (import "keyway" "storage_write" (func $write (param i32 i32 i32 i32)))
  (import "keyway" "gas_remaining" (func $gas (result i64)))
  (import "keyway" "emit_event" (func $emit (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "r")
  (data (i32.const 8) "relayed")

  ;; Performs the call described at [$at, $at + $len) (the `relay` input layout) and
  ;; stores its report at $out: [call result: u64][call cost: u64][output]; the output
  ;; is copied if it fits 8,192 bytes. Returns the report's length.
  (func $hop (param $at i32) (param $len i32) (param $out i32) (result i32)
    (local $method_len i32) (local $args i32) (local $before i64)
    (local.set $method_len (i32.load (i32.add (local.get $at) (i32.const 44))))
    (local.set $args (i32.add (i32.add (local.get $at) (i32.const 48)) (local.get $method_len)))
    (local.set $before (call $gas))
    (i64.store (local.get $out)
      (call $call
        (local.get $at)
        (i32.add (local.get $at) (i32.const 48)) (local.get $method_len)
        (local.get $args)
        (i32.sub (i32.add (local.get $at) (local.get $len)) (local.get $args))
        (i64.load (i32.add (local.get $at) (i32.const 36)))
        (i32.load (i32.add (local.get $at) (i32.const 32)))))
    (i64.store (i32.add (local.get $out) (i32.const 8))
      (i64.sub (local.get $before) (call $gas)))
    (i32.add (i32.const 16)
      (call $call_output (i32.add (local.get $out) (i32.const 16)) (i32.const 8192))))

  (func (export "relay")
    (local $n i32)
    (local $len i32)
    (local.set $len (call $input (i32.const 1024) (i32.const 16384)))
    (call $write (i32.const 0) (i32.const 1) (i32.const 8) (i32.const 7))
    (local.set $n (call $hop (i32.const 1024) (local.get $len) (i32.const 32768)))
    (call $emit (i32.const 8) (i32.const 7) (i32.const 0) (i32.const 0))
    (call $ret (i32.const 32768) (local.get $n)))

  ;; Input: [first_len: u32][first call: first_len bytes][second call], each in the
  ;; `relay` layout. Makes both calls, one after the other, and returns
  ;; [first report's length: u32][first report][second report]. Writes "r" and emits
  ;; "relayed" like `relay`.
  (func (export "relay_twice")
    (local $len i32) (local $first i32) (local $n1 i32) (local $n2 i32)
    (local.set $len (call $input (i32.const 1024) (i32.const 16384)))
    (local.set $first (i32.load (i32.const 1024)))
    (call $write (i32.const 0) (i32.const 1) (i32.const 8) (i32.const 7))
    (local.set $n1 (call $hop (i32.const 1028) (local.get $first) (i32.const 32772)))
    (i32.store (i32.const 32768) (local.get $n1))
    (local.set $n2
      (call $hop
        (i32.add (i32.const 1028) (local.get $first))
        (i32.sub (i32.sub (local.get $len) (i32.const 4)) (local.get $first))
        (i32.add (i32.const 32772) (local.get $n1))))
    (call $emit (i32.const 8) (i32.const 7) (i32.const 0) (i32.const 0))
    (call $ret (i32.const 32768) (i32.add (i32.const 4) (i32.add (local.get $n1) (local.get $n2)))))

  ;; Input: [method_len: u32][args_len: u32]. Calls the address at offset 0 with a method
  ;; name and args of those lengths at offset 0, all the gas and no flags, and returns the
  ;; call result (u64). Lengths above max_io_bytes (262,144) end this call with
  ;; limit_exceeded before any charge; lengths within it but beyond this one-page memory
  ;; trap.
  (func (export "call_with_lengths")
    (drop (call $input (i32.const 1024) (i32.const 8)))
    (i64.store (i32.const 32768)
      (call $call
        (i32.const 0)
        (i32.const 0) (i32.load (i32.const 1024))
        (i32.const 0) (i32.load (i32.const 1028))
        (i64.const -1) (i32.const 0)))
    (call $ret (i32.const 32768) (i32.const 8)))

  ;; Calls nothing and returns call_output's length (u32): 0 before any call.
  (func (export "output_before_call")
    (i32.store (i32.const 32768) (call $call_output (i32.const 32784) (i32.const 16384)))
    (call $ret (i32.const 32768) (i32.const 4)))
)
