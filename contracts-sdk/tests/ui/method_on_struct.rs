use keyway_sdk::method;

#[method]
pub struct Counter {
    value: u64,
}

fn main() {}
