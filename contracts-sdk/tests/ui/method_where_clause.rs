use keyway_sdk::method;

#[method]
pub fn double(x: u64) -> u64
where
    u64: Copy,
{
    x * 2
}

fn main() {}
