use keyway_sdk::method;

#[method]
pub fn greet(name: &str) -> u32 {
    name.len() as u32
}

fn main() {}
