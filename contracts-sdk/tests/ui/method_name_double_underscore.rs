use keyway_sdk::method;

#[method]
pub fn __heap_base() -> u64 {
    0
}

fn main() {}
