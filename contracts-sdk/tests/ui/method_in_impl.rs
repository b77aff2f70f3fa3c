use keyway_sdk::method;

pub struct Counter;

impl Counter {
    #[method]
    pub fn bump(by: u64) -> u64 {
        by
    }
}

fn main() {}
