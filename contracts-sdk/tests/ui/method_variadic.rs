use keyway_sdk::method;

#[method]
pub unsafe extern "C" fn log(count: u32, _: ...) {}

fn main() {}
