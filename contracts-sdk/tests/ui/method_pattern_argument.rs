use keyway_sdk::method;

#[method]
pub fn add((a, b): (u32, u32)) -> u32 {
    a + b
}

fn main() {}
