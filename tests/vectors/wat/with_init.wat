;; A contract with `init`: it stores its input under "v", or reverts with code 5 when the
;; input is empty. `get` returns what is stored under "v".
(module
  (import "keyway" "storage_read" (func $read (param i32 i32 i32 i32) (result i64)))
  (import "keyway" "storage_write" (func $write (param i32 i32 i32 i32)))
  (import "keyway" "input" (func $input (param i32 i32) (result i32)))
  (import "keyway" "set_return" (func $ret (param i32 i32)))
  (import "keyway" "revert" (func $revert (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "v")

  (func (export "init")
    (local $len i32)
    (local.set $len (call $input (i32.const 8192) (i32.const 4096)))
    (if (i32.eqz (local.get $len))
      (then (call $revert (i32.const 5) (i32.const 0) (i32.const 0))))
    (call $write (i32.const 0) (i32.const 1) (i32.const 8192) (local.get $len)))

  (func (export "get")
    (local $len i64)
    (local.set $len (call $read (i32.const 0) (i32.const 1) (i32.const 1024) (i32.const 4096)))
    (if (i64.ge_s (local.get $len) (i64.const 0))
      (then (call $ret (i32.const 1024) (i32.wrap_i64 (local.get $len))))))
)
