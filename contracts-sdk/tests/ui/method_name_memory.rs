use keyway_sdk::method;

#[method]
pub fn memory() -> u64 {
    0
}

fn main() {}
