use keyway_sdk::method;

#[method]
pub unsafe fn poke() {}

fn main() {}
